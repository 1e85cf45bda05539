import { describe, expect, it } from 'vitest';
import { icmp } from '../../src/decode/icmp';
import { expectAbsent, expectEveryCut, expectFields, truncatedAt } from './expect';
import { decode, frameOf, layers, patched, problem } from './frames';

// dhcp-rfc4388.pcap #2: IP 10.40.2.3 > 10.30.4.4: ICMP echo request, id 16420, seq 0, length 28
const ECHO = '7483ef07d0a9a6824bc9a1a708004500003061b440004001becc0a2802030a1e04040800b7db402400000000000000000000000000000000000000000000';
// afs.pcap #29: IP 131.151.32.21 > 131.151.1.59: ICMP 131.151.32.21 udp port 1792 unreachable, length 448
//   (the quote holds the whole offending datagram's start: IP header, UDP header, Rx data)
const UNREACHABLE =
  '00e0f9cc18000060089fb1f3080045c001d4e2530000ff01ae96839720158397013b0303273100000000450001b8cb914000fe1187248397' +
  '013b839720151b5b070001a4ae1e382b3948e09dbee80000000100000001000000020106000000000034000000720000006f0000006f0000' +
  '00740000002e00000063000000650000006c0000006c00000000000000000000000000000000000000000000000000000000000000000000' +
  '0000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000' +
  '0000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000' +
  '0000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000' +
  '000000000000000000000000000000000000000000000000000000000006839701928397013c839701928397013b83970146839701550000' +
  '0000000000000000000000000000000000000000000000000000000000000000000000000000000000040000000200000002000000020000' +
  '00020000000200000000000000002000000320000004200000050000000000007000';

describe('icmp', () => {
  describe('parse', () => {
    it('an echo request: type, code, checksum verified as tshark does, identifier and sequence in both byte orders', () => {
      const pkt = decode(frameOf(ECHO));
      expect(layers(pkt)).toEqual(['frame', 'eth', 'ip', 'icmp', 'data']);
      expectFields(pkt, {
        'frame.protocols': ['eth:ethertype:ip:icmp:data'],
        'icmp.type': ['8'],
        'icmp.code': ['0'],
        'icmp.checksum': ['0xb7db'],
        'icmp.checksum.status': ['1'],
        'icmp.ident': ['16420'],
        'icmp.ident_le': ['9280'],
        'icmp.seq': ['0'],
        'icmp.seq_le': ['0'],
      });
      expectAbsent(pkt, ['icmp.mtu', 'icmp.redir_gw']);
      expect(icmp.tree!(pkt, 3).map((n) => n.text)).toEqual([
        'Type: 8 (Echo (ping) request)',
        'Code: 0',
        'Checksum: 0xb7db [correct]',
        '[Checksum Status: Good]',
        'Identifier (BE): 16420 (0x4024)',
        'Identifier (LE): 9280 (0x2440)',
        'Sequence Number (BE): 0 (0x0000)',
        'Sequence Number (LE): 0 (0x0000)',
      ]);
    });

    it('a destination unreachable quotes the datagram: its IP and UDP headers are inner layers, so ip.src has two occurrences', () => {
      const pkt = decode(frameOf(UNREACHABLE));
      expect(layers(pkt)).toEqual(['frame', 'eth', 'ip', 'icmp', 'ip', 'udp', 'data']);
      expect(problem(pkt)).toEqual({ kind: 'none' });
      expectFields(pkt, {
        'icmp.type': ['3'],
        'icmp.code': ['3'],
        'icmp.checksum': ['0x2731'],
        'icmp.checksum.status': ['1'],
        'ip.version': ['4', '4'],
        'ip.len': ['468', '440'],
        'ip.id': ['0xe253', '0xcb91'],
        'ip.proto': ['1', '17'],
        'ip.src': ['131.151.32.21', '131.151.1.59'],
        'ip.dst': ['131.151.1.59', '131.151.32.21'],
        'ip.addr': ['131.151.32.21', '131.151.1.59', '131.151.1.59', '131.151.32.21'],
      });
      expectAbsent(pkt, ['icmp.ident', 'icmp.seq']);
    });

    it('a quote shorter than its inner headers declare is no problem (RFC 792 quotes 64 bits of data)', () => {
      // The same message cut after the quoted UDP header, as most routers send it: lengths fixed up to match.
      const short = patched(UNREACHABLE.slice(0, 2 * 70), (b) => ((b[16] = 0), (b[17] = 56), (b[24] = 0), (b[25] = 0)));
      const pkt = decode(frameOf(short));
      expect(layers(pkt)).toEqual(['frame', 'eth', 'ip', 'icmp', 'ip', 'udp']);
      expect(problem(pkt)).toEqual({ kind: 'none' });
      expectFields(pkt, { 'ip.len': ['56', '440'] });
    });
  });

  describe('truncated', () => {
    it('cut in the 8-byte header: truncated icmp; cut later: the checksum cannot be verified (status 2)', () => {
      expectEveryCut(ECHO, (capLen) => {
        if (capLen < 14) return truncatedAt('eth', 14, capLen);
        if (capLen < 34) return truncatedAt('ip', 20, capLen - 14);
        if (capLen < 42) return truncatedAt('icmp', 8, capLen - 34);
        return null;
      });
      expectFields(decode(frameOf(ECHO, { capLen: 50 })), { 'icmp.checksum.status': ['2'], 'icmp.seq': ['0'] });
      expectFields(decode(frameOf(ECHO, { capLen: 38 })), { 'icmp.checksum.status': ['2'], 'icmp.type': ['8'] });
    });

    it('a quote cut by the snapshot length is truncated, not excused', () => {
      const pkt = decode(frameOf(UNREACHABLE, { capLen: 14 + 20 + 8 + 12 }));
      expect(problem(pkt)).toEqual(truncatedAt('ip', 20, 12));
    });
  });

  describe('malformed', () => {
    it('fewer than 8 bytes for the header in the IP payload', () => {
      const pkt = decode(frameOf(patched(ECHO, (b) => (b[17] = 20 + 6)).slice(0, 2 * 40)));
      expect(problem(pkt)).toEqual({ kind: 'malformed', layer: 'icmp', field: 'icmp' });
    });

    it('a bad checksum is reported as tshark does (status 0), the message still decoded', () => {
      const pkt = decode(frameOf(patched(ECHO, (b) => (b[40] ^= 0xff))));
      expectFields(pkt, { 'icmp.checksum.status': ['0'], 'icmp.ident': ['16420'] });
      expect(problem(pkt)).toEqual({ kind: 'none' });
    });
  });
});
