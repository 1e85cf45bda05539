import { describe, expect, it } from 'vitest';
import { sll } from '../../src/decode/sll';
import { expectAbsent, expectEveryCut, expectFields, truncatedAt } from './expect';
import { decode, frameOf, layers, patched, problem } from './frames';

const LINKTYPE_LINUX_SLL = 113;
const LINKTYPE_LINUX_SLL2 = 276;

// RADIUS-RFC3162.pcap #1 (v1): IP 127.0.0.1.39646 > 127.0.0.1.1812: RADIUS, Access-Request (1), id: 0xf0 length: 141
//   (only the first 60 of its 185 bytes: the cooked header, IPv4 and UDP headers)
const V1 = '00000304000600000000000000000800450000a9ec5c400040114fe57f0000017f0000019ade07140095422301f0008d2afdb090418ac636';
const V1_LEN = 185;
// lab/demo-any.pcap #1 (v2, tcpdump -i any): lo In IP 127.0.0.1.57520 > 127.0.0.1.47001: Flags [S], seq 1347259998,
//   win 65495, options [mss 65495,sackOK,TS val 544286507 ecr 0,nop,wscale 10], length 0
const V2 =
  '08000000000000010304000600000000000000004500003c1b0f4000400621ab7f0000017f000001e0b0b799504d8e5e00000000a002ffd7' +
  'fe3000000204ffd70402080a2071272b000000000103030a';

describe('sll', () => {
  describe('parse', () => {
    it('v1: packet type, address type and length, the address, the protocol', () => {
      const pkt = decode(frameOf(V1, { linkType: LINKTYPE_LINUX_SLL, origLen: V1_LEN }));
      expect(layers(pkt).slice(0, 4)).toEqual(['frame', 'sll', 'ip', 'udp']);
      expectFields(pkt, {
        'frame.protocols': ['sll:ethertype:ip:udp:data'],
        'frame.encap_type': ['25'],
        'sll.pkttype': ['0'],
        'sll.hatype': ['772'],
        'sll.halen': ['6'],
        'sll.src.eth': ['00:00:00:00:00:00'],
        'sll.unused': ['0000'],
        'sll.etype': ['0x0800'],
      });
      expectAbsent(pkt, ['sll.ifindex', 'sll.ltype', 'sll.gretype']);
    });

    it('v2 (tcpdump -i any since libpcap 1.10): the same fields at new places, and the interface index', () => {
      const pkt = decode(frameOf(V2, { linkType: LINKTYPE_LINUX_SLL2 }));
      expect(layers(pkt)).toEqual(['frame', 'sll', 'ip', 'tcp']);
      expectFields(pkt, {
        'frame.protocols': ['sll:ethertype:ip:tcp'],
        'frame.encap_type': ['210'],
        'sll.pkttype': ['0'],
        'sll.hatype': ['772'],
        'sll.halen': ['6'],
        'sll.src.eth': ['00:00:00:00:00:00'],
        'sll.unused': ['0000'],
        'sll.etype': ['0x0800'],
        'sll.ifindex': ['1'],
        'ip.src': ['127.0.0.1'],
      });
      const tree = sll.tree!(pkt, 1).map((n) => n.text);
      expect(tree).toContain('Interface index: 1');
      expect(tree).toContain('Link-layer address type: Loopback (772)');
    });

    it('a Linux protocol number (below 0x0600) is sll.ltype; 802.2 (4) carries LLC', () => {
      const pkt = decode(frameOf(patched(V1, (b) => ((b[14] = 0), (b[15] = 4))), { linkType: LINKTYPE_LINUX_SLL }));
      expect(layers(pkt).slice(0, 3)).toEqual(['frame', 'sll', 'llc']);
      expectFields(pkt, { 'sll.ltype': ['0x0004'] });
      expectAbsent(pkt, ['sll.etype']);
    });
  });

  describe('truncated', () => {
    it('v1 cut in its 16 bytes, v2 in its 20: truncated sll', () => {
      expectEveryCut(V1, (capLen) => (capLen < 16 ? truncatedAt('sll', 16, capLen) : capLen < 36 ? truncatedAt('ip', 20, capLen - 16) : null), {
        linkType: LINKTYPE_LINUX_SLL,
        edit: (f) => (f.origLen = V1_LEN),
      });
      expectEveryCut(V2, (capLen) => (capLen < 20 ? truncatedAt('sll', 20, capLen) : capLen < 40 ? truncatedAt('ip', 20, capLen - 20) : null), {
        linkType: LINKTYPE_LINUX_SLL2,
      });
    });
  });

  describe('malformed', () => {
    it('a frame shorter on the wire than the cooked header', () => {
      const pkt = decode(frameOf(V2.slice(0, 30), { linkType: LINKTYPE_LINUX_SLL2 }));
      expect(problem(pkt)).toEqual({ kind: 'malformed', layer: 'sll', field: 'sll' });
    });
  });
});
