import { describe, expect, it } from 'vitest';
import { concat, pcapHeader, pcapRecord, save } from '../capture/craft';
import { HAVE_TSHARK, oracleText } from '../oracle/tshark';
import { CLI } from '../helpers/paths';
import { spawnSync } from 'node:child_process';
import { decode, frameOf, layers, patched, problem, readEveryField, value, values } from './frames';

// tcpdump's dns_udp.pcap #1: IP 192.168.1.11.43966 > 209.87.249.18.53: 22836+ [1au] A? www.tcpdump.org. (56)
const QUERY =
  '00112233446600112233445508004500005459cd0000401194aec0a8010bd157f912abbe003500407824593401200001000000000001' +
  '037777770774637064756d70036f72670000010001000029100000000000000c000a000842f5d00996f90b13';
// tcpdump's dns_udp.pcap #2: IP 209.87.249.18.53 > 192.168.1.11.43966: 22836*- 2/2/5 A 192.139.46.66, A 198.199.88.104 (224)
const RESPONSE =
  '0011223344550011223344660800450000fc002d00008011ada6d157f912c0a8010b0035abbe00e8c454593485000001000200020005' +
  '037777770774637064756d70036f72670000010001c00c000100010000003c0004c08b2e42c00c000100010000003c0004c6c75868c010' +
  '0002000100015180001203736e7308636f6f7065726978036e657400c01000020001000151800012036e69630973616e64656c6d616e02' +
  '636100c06b000100010000012c0004d157f912c06b001c00010000012c00102607f0b0000f000000000000babef00dc04d000100010000' +
  '1c200004616b850fc04d001c000100001c20001026003c0300000000f03c91fffe96e8ef0000291000000000000000';

const DNS_AT = 42;

describe('dns', () => {
  describe('parse', () => {
    it('a response: header, every section, compressed names, as tshark 4.0 prints them', () => {
      const pkt = decode(frameOf(RESPONSE));
      expect(layers(pkt)).toEqual(['frame', 'eth', 'ip', 'udp', 'dns']);
      expect(problem(pkt)).toEqual({ kind: 'none' });
      const expected: Record<string, string[]> = {
        'dns.id': ['0x5934'],
        'dns.flags': ['0x8500'],
        'dns.flags.response': ['1'],
        'dns.flags.opcode': ['0'],
        'dns.flags.authoritative': ['1'],
        'dns.flags.truncated': ['0'],
        'dns.flags.recdesired': ['1'],
        'dns.flags.recavail': ['0'],
        'dns.flags.authenticated': ['0'],
        'dns.flags.rcode': ['0'],
        'dns.count.queries': ['1'],
        'dns.count.answers': ['2'],
        'dns.count.auth_rr': ['2'],
        'dns.count.add_rr': ['5'],
        'dns.qry.name': ['www.tcpdump.org'],
        'dns.qry.name.len': ['15'],
        'dns.count.labels': ['3'],
        'dns.qry.type': ['1'],
        'dns.qry.class': ['0x0001'],
        'dns.resp.name': 'www.tcpdump.org,www.tcpdump.org,tcpdump.org,tcpdump.org,nic.sandelman.ca,nic.sandelman.ca,sns.cooperix.net,sns.cooperix.net,<Root>'.split(','),
        'dns.resp.type': '1,1,2,2,1,28,1,28,41'.split(','),
        'dns.resp.class': Array(8).fill('0x0001'),
        'dns.resp.ttl': '60,60,86400,86400,300,300,7200,7200'.split(','),
        'dns.resp.len': '4,4,18,18,4,16,4,16,0'.split(','),
        'dns.a': ['192.139.46.66', '198.199.88.104', '209.87.249.18', '97.107.133.15'],
        'dns.aaaa': ['2607:f0b0:f::babe:f00d', '2600:3c03::f03c:91ff:fe96:e8ef'],
        'dns.ns': ['sns.cooperix.net', 'nic.sandelman.ca'],
        'dns.cname': [],
      };
      for (const [name, want] of Object.entries(expected)) expect(values(pkt, name), name).toEqual(want);
    });

    it('a query: response-only flags are absent, the AD bit only when set (as tshark)', () => {
      const pkt = decode(frameOf(QUERY));
      expect(value(pkt, 'dns.flags.response')).toBe('0');
      expect(value(pkt, 'dns.flags.rcode')).toBeUndefined();
      expect(value(pkt, 'dns.flags.authoritative')).toBeUndefined();
      expect(value(pkt, 'dns.flags.authenticated')).toBe('1');
      const noAd = decode(frameOf(patched(QUERY, (b) => (b[DNS_AT + 3] = 0x00))));
      expect(value(noAd, 'dns.flags.authenticated')).toBeUndefined();
      expect(values(pkt, 'dns.resp.name')).toEqual(['<Root>']);
      expect(values(pkt, 'dns.resp.type')).toEqual(['41']);
      // OPT has no class or TTL (RFC 6891 6.1.2): those bytes are the UDP size and flags.
      expect(values(pkt, 'dns.resp.class')).toEqual([]);
      expect(values(pkt, 'dns.resp.len')).toEqual(['12']);
    });

    it('multicast DNS (port 5353): the top class bit is QU / cache-flush, not part of the class', () => {
      const qu = (port: number) =>
        patched(QUERY, (b) => {
          b.set([port >> 8, port & 255], 36);
          b[DNS_AT + 12 + 17 + 2] |= 0x80;
        });
      expect(value(decode(frameOf(qu(5353))), 'dns.qry.class')).toBe('0x0001');
      expect(value(decode(frameOf(qu(5353))), 'synack.dns.mdns')).toBe('1');
      expect(value(decode(frameOf(qu(53))), 'dns.qry.class')).toBe('0x8001');
    });
  });

  describe('truncated', () => {
    it('every capture length: the exact layer, and every record wholly captured still readable', () => {
      const full = decode(frameOf(RESPONSE));
      const allA = values(full, 'dns.a');
      for (let cap = DNS_AT; cap < RESPONSE.length / 2; cap++) {
        const pkt = decode(frameOf(RESPONSE, { capLen: cap }));
        const p = problem(pkt);
        const avail = cap - DNS_AT;
        expect(p.kind, `capLen ${cap}`).toBe('truncated');
        if (p.kind !== 'truncated') continue;
        expect(p.layer).toBe('dns');
        expect(p.available).toBe(avail);
        expect(p.needed).toBeGreaterThan(avail);
        expect(p.needed).toBeLessThanOrEqual(RESPONSE.length / 2 - DNS_AT);
        if (avail < 12) expect(p.needed).toBe(12);
        // Values are a prefix of the full frame's: never garbage read past the capture.
        const a = values(pkt, 'dns.a');
        expect(a).toEqual(allA.slice(0, a.length));
        readEveryField(pkt);
      }
    });
  });

  describe('malformed', () => {
    it('a compression pointer loop ends the name with a marker, without hanging', () => {
      // The question's name becomes a pointer to itself.
      const loop = patched(QUERY, (b) => b.set([0xc0, 12], DNS_AT + 12));
      const pkt = decode(frameOf(loop));
      expect(value(pkt, 'dns.qry.name')).toBe('<Name contains a pointer that loops>');
      readEveryField(pkt);
    });

    it('a pointer beyond the message ends the name with a marker', () => {
      const far = patched(QUERY, (b) => b.set([0xc3, 0xff], DNS_AT + 12));
      expect(value(decode(frameOf(far)), 'dns.qry.name')).toBe('<Name contains a pointer beyond the message>');
    });

    it('an undefined label type (0x40, 0x80)', () => {
      for (const t of [0x40, 0x80]) {
        const pkt = decode(frameOf(patched(QUERY, (b) => (b[DNS_AT + 12] = t | 3))));
        expect(problem(pkt)).toEqual({ kind: 'malformed', layer: 'dns', field: 'dns.qry.name' });
      }
    });

    it('more records announced than the message holds', () => {
      const pkt = decode(frameOf(patched(RESPONSE, (b) => (b[DNS_AT + 7] = 3))));
      expect(problem(pkt)).toEqual({ kind: 'malformed', layer: 'dns', field: 'dns.resp.name' });
      // Records before the damage are kept.
      expect(values(pkt, 'dns.a').length).toBe(4);
    });

    it('record data that runs past the message', () => {
      // The OPT record at the end claims 16 bytes of data.
      const pkt = decode(frameOf(patched(RESPONSE, (b) => (b[b.length - 1] = 16))));
      expect(problem(pkt)).toEqual({ kind: 'malformed', layer: 'dns', field: 'dns.resp.len' });
    });

    it('fewer than 12 bytes for the header', () => {
      const short = patched(QUERY, (b) => {
        b.set([0, 20 + 8 + 11], 16);
        b.set([0, 8 + 11], 38);
      });
      expect(problem(decode(frameOf(short)))).toEqual({ kind: 'malformed', layer: 'dns', field: 'dns' });
    });
  });

  describe('over TCP (RFC 1035 4.2.2: a two-byte length before each message)', () => {
    const message = QUERY.slice(DNS_AT * 2);
    const len = (hex: string): string => (hex.length / 2).toString(16).padStart(4, '0');
    /** Ethernet, IPv4, TCP 50000 -> 53 (PSH, ACK) carrying `payload`; checksums left 0 (tshark does not check them). */
    const segment = (payload: string): string =>
      '001122334455001122334466' + '0800' + '4500' + (40 + payload.length / 2).toString(16).padStart(4, '0') + '000100004006' + '0000' + 'c0a8010bd157f912' +
      'c3500035' + '00000001' + '00000001' + '5018ffff' + '00000000' + payload;
    const second = '1234' + message.slice(4);
    const pipelined = segment(len(message) + message + len(second) + second);

    it('two pipelined queries in one segment are two DNS layers, each with its length, as tshark shows them', () => {
      const pkt = decode(frameOf(pipelined));
      expect(layers(pkt)).toEqual(['frame', 'eth', 'ip', 'tcp', 'dns', 'dns']);
      expect(problem(pkt)).toEqual({ kind: 'none' });
      expect(values(pkt, 'dns.id')).toEqual(['0x5934', '0x1234']);
      expect(values(pkt, 'dns.length')).toEqual(['56', '56']);
      expect(values(pkt, 'dns.qry.name')).toEqual(['www.tcpdump.org', 'www.tcpdump.org']);
    });

    it('a message that continues in the next segment stays data (synack reads one frame; tshark reassembles)', () => {
      const pkt = decode(frameOf(segment(len(message) + message.slice(0, 40))));
      expect(layers(pkt)).toEqual(['frame', 'eth', 'ip', 'tcp', 'data']);
      expect(problem(pkt)).toEqual({ kind: 'none' });
    });

    it.skipIf(!HAVE_TSHARK)('the pipelined segment\'s fields are tshark\'s', () => {
      const file = save('dns-tcp-pipelined.pcap', concat(pcapHeader(), pcapRecord(1700000000, 0, Buffer.from(pipelined, 'hex'))));
      const args = ['-T', 'fields', '-e', 'frame.protocols', '-e', 'dns.length', '-e', 'dns.id', '-e', 'dns.qry.name', '-e', 'dns.flags.recdesired'];
      const ours = spawnSync(process.execPath, [CLI, '-r', file, ...args], { encoding: 'utf8' }).stdout;
      expect(ours).toBe('eth:ethertype:ip:tcp:dns\t56,56\t0x5934,0x1234\twww.tcpdump.org,www.tcpdump.org\t1,1\n');
      expect(ours).toBe(oracleText(file, args).stdout);
    });
  });
});
