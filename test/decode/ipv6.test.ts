import { describe, expect, it } from 'vitest';
import { ipv6 } from '../../src/decode/ipv6';
import { expectAbsent, expectEveryCut, expectFields, truncatedAt } from './expect';
import { decode, frameOf, layers, patched, problem } from './frames';

// ipv6-routing-header.pcap #1: IP6 2200::244:212:3fff:feae:22f7 > 2200::240:2:0:0:4: RT6 (len=2, type=0 [Deprecated],
//   segleft=1, [0]2200::210:2:0:0:4) ICMP6, echo request, id 0, seq 0, length 8
const ROUTED =
  '0013c4c784f000123fae22f786dd6000000000202b04220000000000024402123ffffeae22f722000000000002400002000000000004' +
  '3a02000100000000220000000000021000020000000000048000d3ab00000000';
// babel.pcap #25 (Linux cooked, GRE tunnel): IP6 fe80::68d3:1235:d068:1f9e > ff02::16: HBH ICMP6,
//   multicast listener report v2, 2 group record(s), length 48
const HOPOPTS =
  '0000030a0000000000000000000086dd6000000000380001fe8000000000000068d31235d0681f9eff02000000000000000000000000' +
  '00163a000502000001008f003f600000000204000000ff02000000000000000000000001000604000000ff02000000000000cca6c0f9e1825359';
// lab/v6.pcap #1: IP6 ::1.43324 > ::1.47040: Flags [S], seq 2337831963, win 65476,
//   options [mss 65476,sackOK,TS val 2825394329 ecr 0,nop,wscale 10], length 0
const SYN6 =
  '00000000000000000000000086dd600c0937002806400000000000000000000000000000000100000000000000000000000000000001' +
  'a93cb7c08b587c1b00000000a002ffc4003000000204ffc40402080aa8681899000000000103030a';

describe('ipv6', () => {
  describe('parse', () => {
    it('the fixed header as tshark 4.0 prints it (ip.version too, which Wireshark\'s IPv6 dissector also adds)', () => {
      const pkt = decode(frameOf(SYN6));
      expect(layers(pkt)).toEqual(['frame', 'eth', 'ipv6', 'tcp']);
      expectFields(pkt, {
        'ip.version': ['6'],
        'ipv6.version': ['6'],
        'ipv6.tclass': ['0x00000000'],
        'ipv6.flow': ['0x0c0937'],
        'ipv6.plen': ['40'],
        'ipv6.nxt': ['6'],
        'ipv6.hlim': ['64'],
        'ipv6.src': ['::1'],
        'ipv6.addr': ['::1', '::1'],
      });
      expect(problem(pkt)).toEqual({ kind: 'none' });
    });

    it('a routing header is its own layer; ICMPv6\'s checksum uses the final destination it names', () => {
      const pkt = decode(frameOf(ROUTED));
      expect(layers(pkt)).toEqual(['frame', 'eth', 'ipv6', 'ipv6.routing', 'icmpv6']);
      expectFields(pkt, {
        'frame.protocols': ['eth:ethertype:ipv6:ipv6.routing:icmpv6'],
        'ipv6.plen': ['32'],
        'ipv6.nxt': ['43'],
        'ipv6.hlim': ['4'],
        'ipv6.src': ['2200::244:212:3fff:feae:22f7'],
        'ipv6.dst': ['2200::240:2:0:0:4'],
        'ipv6.routing.nxt': ['58'],
        'ipv6.routing.len': ['2'],
        'ipv6.routing.len_oct': ['24'],
        'ipv6.routing.type': ['0'],
        'ipv6.routing.segleft': ['1'],
        'icmpv6.checksum.status': ['1'],
      });
    });

    it('hop-by-hop options, each listed (ipv6.opt.*), over Linux cooked GRE', () => {
      const pkt = decode(frameOf(HOPOPTS, { linkType: 113 }));
      expect(layers(pkt)).toEqual(['frame', 'sll', 'ipv6', 'ipv6.hopopts', 'icmpv6']);
      expectFields(pkt, {
        'frame.protocols': ['sll:ipv6:ipv6.hopopts:icmpv6'],
        'ipv6.nxt': ['0'],
        'ipv6.dst': ['ff02::16'],
        'ipv6.opt.type': ['0x05', '0x01'],
        'ipv6.opt.length': ['2', '0'],
        'ipv6.hopopts.nxt': ['58'],
        'ipv6.hopopts.len': ['0'],
        'ipv6.hopopts.len_oct': ['8'],
        'icmpv6.type': ['143'],
        'icmpv6.checksum.status': ['1'],
      });
      expect(ipv6.tree!(pkt, 2).map((n) => n.text)).toContain('Destination Address: ff02::16');
    });

    it('a jumbogram: payload length 0 and a Jumbo Payload option (RFC 2675)', () => {
      // SYN6 with the payload moved behind a hop-by-hop header holding a Jumbo Payload option of 40 bytes.
      const hbh = '06' + '00' + 'c204' + '00000030';
      const hex = SYN6.slice(0, 28) + '600c0937' + '0000' + '00' + '40' + SYN6.slice(44, 108) + hbh + SYN6.slice(108);
      const pkt = decode(frameOf(hex));
      expect(layers(pkt)).toEqual(['frame', 'eth', 'ipv6', 'ipv6.hopopts', 'tcp']);
      expectFields(pkt, { 'ipv6.plen': ['0'], 'ipv6.opt.type': ['0xc2'], 'ipv6.opt.length': ['4'] });
      expect(pkt.layerEnd[2]).toBe(14 + 40 + 48);
    });

    it('payload length 0 without a Jumbo Payload option leaves the payload empty, as Wireshark reads it', () => {
      const pkt = decode(frameOf(patched(SYN6, (b) => ((b[18] = 0), (b[19] = 0)))));
      expect(pkt.layerEnd[2]).toBe(14 + 40);
    });
  });

  describe('truncated', () => {
    it('cut in the fixed header: truncated ipv6 needing 40; in the routing header: needing its length', () => {
      expectEveryCut(ROUTED, (capLen) => {
        if (capLen < 14) return truncatedAt('eth', 14, capLen);
        if (capLen < 54) return truncatedAt('ipv6', 40, capLen - 14);
        if (capLen < 56) return truncatedAt('ipv6.routing', 8, capLen - 54);
        if (capLen < 78) return truncatedAt('ipv6.routing', 24, capLen - 54);
        if (capLen < 82) return truncatedAt('icmpv6', 4, capLen - 78);
        return capLen < 86 ? truncatedAt('icmpv6', 8, capLen - 78) : null;
      });
      const pkt = decode(frameOf(ROUTED, { capLen: 14 + 30 }));
      expectFields(pkt, { 'ipv6.hlim': ['4'], 'ipv6.src': ['2200::244:212:3fff:feae:22f7'], 'ipv6.addr': ['2200::244:212:3fff:feae:22f7'] });
      expectAbsent(pkt, ['ipv6.dst']);
    });
  });

  describe('malformed', () => {
    it('a version other than 6 shows ipv6.version and ip.version only', () => {
      const pkt = decode(frameOf(patched(SYN6, (b) => (b[14] = 0x40))));
      expect(problem(pkt)).toEqual({ kind: 'malformed', layer: 'ipv6', field: 'ipv6.version' });
      expectFields(pkt, { 'ipv6.version': ['4'], 'ip.version': ['4'] });
      expectAbsent(pkt, ['ipv6.plen', 'ipv6.src']);
    });

    it('a payload length beyond the frame', () => {
      const pkt = decode(frameOf(patched(SYN6, (b) => (b[19] = 0xff))));
      expect(problem(pkt)).toEqual({ kind: 'malformed', layer: 'ipv6', field: 'ipv6.plen' });
      expect(layers(pkt)).toEqual(['frame', 'eth', 'ipv6', 'tcp']);
    });

    it('an extension header longer than the payload', () => {
      const pkt = decode(frameOf(patched(ROUTED, (b) => (b[55] = 9))));
      expect(problem(pkt)).toEqual({ kind: 'malformed', layer: 'ipv6.routing', field: 'ipv6.routing.len' });
    });
  });
});
