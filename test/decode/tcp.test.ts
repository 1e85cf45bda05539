import { describe, expect, it } from 'vitest';
import { decode, frameOf, layers, patched, problem, readEveryField, value, values } from './frames';

// lab/demo.pcap #1, Ethernet/IPv4/TCP on loopback:
// IP 127.0.0.1.57520 > 127.0.0.1.47001: Flags [S], seq 1347259998, win 65495,
//   options [mss 65495,sackOK,TS val 544286507 ecr 0,nop,wscale 10], length 0
const SYN =
  '00000000000000000000000008004500003c1b0f4000400621ab7f0000017f000001e0b0b799504d8e5e00000000a002ffd7fe300000' +
  '0204ffd70402080a2071272b000000000103030a';
// lab/demo.pcap #4: IP 127.0.0.1.47001 > 127.0.0.1.57520: Flags [P.], seq 1:9, ack 1, win 64,
//   options [nop,nop,TS val 4153330257 ecr 544286507], length 8 ("welcome\n")
const PSH =
  '00000000000000000000000008004500003c948f40004006a82a7f0000017f000001b799e0b04745e921504d8e5f80180040fe300000' +
  '0101080af78eca512071272b77656c636f6d650a';
// tcpdump's ssh.pcap #48: IP 223.132.53.222.22 > 202.108.87.165.62146: Flags [.], ack 5186, win 340,
//   options [nop x14,sack 1 {5282:5283}], length 0
const SACK =
  '8c85903f77ddd4ca6d2e7f67080045480040e202400036062af9df8435deca6c57a50016f2c29257b836f352059ab0100154e1f30000' +
  '0101010101010101010101010101050af35205faf35205fb';
// lab/v6.pcap #1: IP6 ::1.43324 > ::1.47040: Flags [S], seq 2337831963, win 65476,
//   options [mss 65476,sackOK,TS val 2825394329 ecr 0,nop,wscale 10], length 0
const SYN6 =
  '00000000000000000000000086dd600c0937002806400000000000000000000000000000000100000000000000000000000000000001' +
  'a93cb7c08b587c1b00000000a002ffc4003000000204ffc40402080aa8681899000000000103030a';

/** Where the TCP header starts in the IPv4 frames above (14 Ethernet + 20 IPv4). */
const TCP_AT = 34;

describe('tcp', () => {
  describe('parse', () => {
    it('a SYN with options, every value as tshark 4.0 prints it', () => {
      const pkt = decode(frameOf(SYN));
      expect(layers(pkt)).toEqual(['frame', 'eth', 'ip', 'tcp']);
      expect(problem(pkt)).toEqual({ kind: 'none' });
      const expected: Record<string, string[]> = {
        'tcp.srcport': ['57520'],
        'tcp.dstport': ['47001'],
        'tcp.port': ['57520', '47001'],
        'tcp.len': ['0'],
        'tcp.seq_raw': ['1347259998'],
        'tcp.ack_raw': ['0'],
        'tcp.hdr_len': ['40'],
        'tcp.flags': ['0x0002'],
        'tcp.flags.syn': ['1'],
        'tcp.flags.ack': ['0'],
        'tcp.flags.ae': ['0'],
        'tcp.flags.res': ['0'],
        'tcp.flags.str': ['··········S·'],
        'tcp.window_size_value': ['65495'],
        'tcp.checksum': ['0xfe30'],
        'tcp.checksum.status': ['2'],
        'tcp.urgent_pointer': ['0'],
        'tcp.options': ['0204ffd70402080a2071272b000000000103030a'],
        'tcp.option_kind': ['2', '4', '8', '1', '3'],
        'tcp.option_len': ['4', '2', '10', '3'],
        'tcp.options.mss': ['0204ffd7'],
        'tcp.options.mss_val': ['65495'],
        'tcp.options.sack_perm': ['0402'],
        'tcp.options.nop': ['01'],
        'tcp.options.wscale': ['03030a'],
        'tcp.options.wscale.shift': ['10'],
        'tcp.options.wscale.multiplier': ['1024'],
        'tcp.options.timestamp.tsval': ['544286507'],
        'tcp.options.timestamp.tsecr': ['0'],
        'tcp.payload': [],
      };
      for (const [name, want] of Object.entries(expected)) expect(values(pkt, name), name).toEqual(want);
    });

    it('a segment with payload: tcp.payload and a data layer', () => {
      const pkt = decode(frameOf(PSH));
      expect(layers(pkt)).toEqual(['frame', 'eth', 'ip', 'tcp', 'data']);
      expect(value(pkt, 'tcp.len')).toBe('8');
      expect(value(pkt, 'tcp.payload')).toBe('77656c636f6d650a');
      expect(value(pkt, 'data.data')).toBe('77656c636f6d650a');
      expect(value(pkt, 'tcp.flags.str')).toBe('·······AP···');
      expect(values(pkt, 'tcp.options.nop')).toEqual(['01', '01']);
    });

    it('SACK blocks (raw edges until analysis makes them relative)', () => {
      const pkt = decode(frameOf(SACK));
      expect(values(pkt, 'tcp.option_kind')).toEqual([...Array(14).fill('1'), '5']);
      expect(values(pkt, 'tcp.option_len')).toEqual(['10']);
      expect(value(pkt, 'tcp.options.sack')).toBe('050af35205faf35205fb');
      expect(value(pkt, 'tcp.options.sack.count')).toBe('1');
      expect(value(pkt, 'tcp.options.sack_le')).toBe('4082238970');
      expect(value(pkt, 'tcp.options.sack_re')).toBe('4082238971');
    });

    it('verifies the checksum over the IPv4 and IPv6 pseudo-headers (tshark -o tcp.check_checksum:TRUE agrees)', () => {
      // A segment that crossed a real network: good.
      expect(value(decode(frameOf(SACK)), 'synack.tcp.checksum.status')).toBe('1');
      // Loopback captures see the segment before the checksum is filled in: tshark computes 0x916c / 0x24b3 too.
      expect(value(decode(frameOf(SYN)), 'synack.tcp.checksum.status')).toBe('0');
      expect(value(decode(frameOf(SYN)), 'synack.tcp.checksum_calculated')).toBe('0x916c');
      expect(value(decode(frameOf(SYN6)), 'synack.tcp.checksum.status')).toBe('0');
      expect(value(decode(frameOf(SYN6)), 'synack.tcp.checksum_calculated')).toBe('0x24b3');
      // Filling in what tshark calculated makes them good.
      const fixed = patched(SYN, (b) => {
        b[TCP_AT + 16] = 0x91;
        b[TCP_AT + 17] = 0x6c;
      });
      expect(value(decode(frameOf(fixed)), 'synack.tcp.checksum.status')).toBe('1');
      // A segment not wholly captured cannot be verified.
      expect(value(decode(frameOf(fixed, { capLen: 70 })), 'synack.tcp.checksum.status')).toBe('2');
    });

    it('a RST with text carries a reset cause, not payload (RFC 9293 3.5.3)', () => {
      const rst = patched(PSH, (b) => (b[TCP_AT + 13] = 0x14));
      const pkt = decode(frameOf(rst));
      expect(layers(pkt)).toEqual(['frame', 'eth', 'ip', 'tcp']);
      expect(value(pkt, 'tcp.payload')).toBeUndefined();
      expect(value(pkt, 'tcp.reset_cause')).toBe('welcome\\n');
      // As tshark reads it: ASCII to the first NUL, a byte above 0x7f as U+FFFD (escaped on output).
      const odd = patched(rst, (b) => {
        const at = Buffer.from(b).indexOf('welcome');
        b[at + 1] = 0xe9;
        b[at + 4] = 0;
      });
      expect(value(decode(frameOf(odd)), 'tcp.reset_cause')).toBe('w\\ufffdlc');
    });

    it('options of unknown kinds are shown by number and length, never an error', () => {
      // kind 0x99 length 6 in place of MSS + SACK_PERM
      const odd = patched(SYN, (b) => b.set([0x99, 6, 1, 2, 3, 4], TCP_AT + 20));
      const pkt = decode(frameOf(odd));
      expect(problem(pkt)).toEqual({ kind: 'none' });
      expect(values(pkt, 'tcp.option_kind')).toEqual(['153', '8', '1', '3']);
      expect(values(pkt, 'tcp.option_len')).toEqual(['6', '10', '3']);
      const opts = pkt.layerProto[3].tree!(pkt, 3).find((n) => n.field === 'tcp.options')!;
      expect(opts.children![0].text).toBe('TCP Option - Unknown (kind 153) (6 bytes)');
    });

    it('after EOL, zero bytes are more EOLs and a non-zero byte ends the walk (as tshark 4.0)', () => {
      const eol = patched(SYN, (b) => b.set([0, 0, 0, 1, 2, 0], TCP_AT + 20));
      const pkt = decode(frameOf(eol));
      expect(values(pkt, 'tcp.option_kind')).toEqual(['0', '0', '0']);
      expect(values(pkt, 'tcp.options.eol')).toEqual(['00', '00', '00']);
      const opts = pkt.layerProto[3].tree!(pkt, 3).find((n) => n.field === 'tcp.options')!;
      expect(opts.children!.at(-1)!.text).toMatch(/^Non-zero header padding/);
    });

    it('a window scale shift above 14 multiplies by 2^14 (RFC 7323 2.3)', () => {
      const big = patched(SYN, (b) => (b[TCP_AT + 39] = 15));
      const pkt = decode(frameOf(big));
      expect(value(pkt, 'tcp.options.wscale.shift')).toBe('15');
      expect(value(pkt, 'tcp.options.wscale.multiplier')).toBe('16384');
    });
  });

  describe('truncated', () => {
    it('every capture length inside the header gives the exact problem, and fields only when captured', () => {
      for (let cap = TCP_AT; cap < SYN.length / 2; cap++) {
        const pkt = decode(frameOf(SYN, { capLen: cap }));
        const avail = cap - TCP_AT;
        expect(problem(pkt), `capLen ${cap}`).toEqual({ kind: 'truncated', layer: 'tcp', needed: avail < 16 ? 20 : 40, available: avail });
        expect(value(pkt, 'tcp.srcport'), `capLen ${cap}`).toBe(avail >= 2 ? '57520' : undefined);
        // tshark shows sequence number .. window only once all 16 bytes are there.
        expect(value(pkt, 'tcp.seq_raw'), `capLen ${cap}`).toBe(avail >= 16 ? '1347259998' : undefined);
        expect(value(pkt, 'tcp.checksum'), `capLen ${cap}`).toBe(avail >= 18 ? '0xfe30' : undefined);
        // Options appear one by one as they are captured.
        expect(value(pkt, 'tcp.options.mss_val'), `capLen ${cap}`).toBe(avail >= 24 ? '65495' : undefined);
        expect(value(pkt, 'tcp.options.timestamp.tsval'), `capLen ${cap}`).toBe(avail >= 36 ? '544286507' : undefined);
        expect(value(pkt, 'tcp.options.wscale.shift'), `capLen ${cap}`).toBe(undefined);
        readEveryField(pkt);
      }
    });

    it('a cut payload is not a problem (tshark does not mark it either)', () => {
      for (let cap = 66; cap < PSH.length / 2; cap++) {
        const pkt = decode(frameOf(PSH, { capLen: cap }));
        expect(problem(pkt)).toEqual({ kind: 'none' });
        expect(value(pkt, 'tcp.len')).toBe('8');
        expect(value(pkt, 'tcp.payload')).toBe(cap > 66 ? '77656c636f6d650a'.slice(0, (cap - 66) * 2) : undefined);
      }
    });
  });

  describe('malformed', () => {
    it('a data offset below 5 words', () => {
      for (let words = 0; words < 5; words++) {
        const pkt = decode(frameOf(patched(SYN, (b) => (b[TCP_AT + 12] = (words << 4) | 0x0))));
        expect(problem(pkt)).toEqual({ kind: 'malformed', layer: 'tcp', field: 'tcp.hdr_len' });
        expect(value(pkt, 'tcp.len')).toBeUndefined();
        expect(values(pkt, 'tcp.option_kind')).toEqual([]);
        expect(value(pkt, 'tcp.srcport')).toBe('57520');
      }
    });

    it('a header longer than the IPv4 payload', () => {
      const pkt = decode(frameOf(patched(SYN, (b) => (b[TCP_AT + 12] = 0xf0))));
      expect(problem(pkt)).toEqual({ kind: 'malformed', layer: 'tcp', field: 'tcp.hdr_len' });
    });

    it('fewer than 20 bytes in the IPv4 payload', () => {
      // IPv4 total length 20 + 12: the segment the IP header declares is too short for TCP.
      const pkt = decode(frameOf(patched(SYN, (b) => (b[17] = 32))));
      expect(problem(pkt)).toEqual({ kind: 'malformed', layer: 'tcp', field: 'tcp' });
    });

    it('option lengths that are too short or run past the header end the walk, without a problem', () => {
      for (const len of [0, 1, 41]) {
        const pkt = decode(frameOf(patched(SYN, (b) => (b[TCP_AT + 21] = len))));
        expect(problem(pkt)).toEqual({ kind: 'none' });
        expect(values(pkt, 'tcp.option_kind')).toEqual([]);
        const opts = pkt.layerProto[3].tree!(pkt, 3).find((n) => n.field === 'tcp.options')!;
        expect(opts.children![0].text).toMatch(/^Maximum segment size \((with too-short option length|option length = 41 bytes says)/);
      }
    });

    it('an MSS option of the wrong length is shown, not decoded', () => {
      const pkt = decode(frameOf(patched(SYN, (b) => b.set([2, 2], TCP_AT + 20))));
      expect(values(pkt, 'tcp.option_kind')[0]).toBe('2');
      expect(value(pkt, 'tcp.options.mss_val')).toBeUndefined();
    });
  });
});
