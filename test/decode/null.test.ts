import { describe, expect, it } from 'vitest';
import { expectAbsent, expectEveryCut, expectFields, truncatedAt } from './expect';
import { decode, frameOf, layers, patched, problem } from './frames';

const LINKTYPE_NULL = 0;
const LINKTYPE_LOOP = 108;

// dns-badcookie.pcap #1 (BSD loopback, family 2 little-endian): IP 127.0.0.1.54954 > 127.0.0.1.53: 63147+ [1au] SOA? . (40)
const NULL4 =
  '0200000045000044000f0000401100007f0000017f000001d6aa00350030fe43f6ab012000010000000000010000060001000029100000' +
  '000000000c000a000836bf111fef2e0109';
// icmpv6-RFC2894-RR.pcap #1 (family 28, FreeBSD's AF_INET6): IP6 2001:db8:1:0:a00:27ff:fef4:4dcf > (same): ICMP6,
//   router renumbering, command, seq=0 match(add,fec0::/48) use(3ffe:501:fffe::/48/16), length 72
const NULL6 =
  '1c0000006000000000483a4020010db8000100000a0027fffef44dcf20010db8000100000a0027fffef44dcf8a00df3a00000000001000' +
  '00000000000107003000800000fec000000000000000000000000000003010000000278d0000093a80000000003ffe0501fffe0000000000' +
  '0000000000';

describe('null', () => {
  describe('parse', () => {
    it('AF_INET in the writer\'s byte order (little-endian here)', () => {
      const pkt = decode(frameOf(NULL4, { linkType: LINKTYPE_NULL }));
      expect(layers(pkt)).toEqual(['frame', 'null', 'ip', 'udp', 'dns']);
      expectFields(pkt, { 'frame.protocols': ['null:ip:udp:dns'], 'frame.encap_type': ['15'], 'null.family': ['2'], 'ip.src': ['127.0.0.1'] });
      expectAbsent(pkt, ['null.type']);
    });

    it('the same family big-endian (a big-endian writer) reads the same', () => {
      const pkt = decode(frameOf('00000002' + NULL4.slice(8), { linkType: LINKTYPE_NULL }));
      expectFields(pkt, { 'null.family': ['2'], 'ip.src': ['127.0.0.1'] });
    });

    it('the BSDs\' and macOS\'s AF_INET6 values (24, 28, 30) all carry IPv6', () => {
      for (const af of [24, 28, 30]) {
        const pkt = decode(frameOf(af.toString(16).padStart(2, '0') + NULL6.slice(2), { linkType: LINKTYPE_NULL }));
        expect(layers(pkt)).toEqual(['frame', 'null', 'ipv6', 'icmpv6']);
        expectFields(pkt, { 'null.family': [String(af)], 'ipv6.src': ['2001:db8:1:0:a00:27ff:fef4:4dcf'] });
      }
    });

    it('old Linux libpcap: two zero bytes and an ethertype (null.type)', () => {
      const pkt = decode(frameOf('00000800' + NULL4.slice(8), { linkType: LINKTYPE_NULL }));
      expect(layers(pkt)).toEqual(['frame', 'null', 'ip', 'udp', 'dns']);
      expectFields(pkt, { 'null.type': ['0x0800'] });
      expectAbsent(pkt, ['null.family']);
    });

    it('an unknown family is shown by number, its payload as data', () => {
      const pkt = decode(frameOf(patched(NULL4, (b) => (b[0] = 99)), { linkType: LINKTYPE_NULL }));
      expect(layers(pkt)).toEqual(['frame', 'null', 'data']);
      expectFields(pkt, { 'null.family': ['99'] });
    });

    it('OpenBSD LOOP: the family in network byte order, shown as null as Wireshark does', () => {
      const pkt = decode(frameOf('00000002' + NULL4.slice(8), { linkType: LINKTYPE_LOOP }));
      expect(layers(pkt)).toEqual(['frame', 'null', 'ip', 'udp', 'dns']);
      expectFields(pkt, { 'frame.encap_type': ['174'], 'frame.protocols': ['null:ip:udp:dns'], 'null.family': ['2'] });
      // In LOOP the little-endian bytes mean a huge family, not 2.
      expect(layers(decode(frameOf(NULL4, { linkType: LINKTYPE_LOOP })))).toEqual(['frame', 'null', 'data']);
    });
  });

  describe('truncated', () => {
    it('cut in the 4-byte header: truncated null', () => {
      expectEveryCut(NULL4.slice(0, 2 * 30), (capLen) => (capLen < 4 ? truncatedAt('null', 4, capLen) : capLen < 24 ? truncatedAt('ip', 20, capLen - 4) : null), {
        linkType: LINKTYPE_NULL,
        edit: (f) => (f.origLen = 72),
      });
    });
  });

  describe('malformed', () => {
    it('a frame shorter than the header', () => {
      expect(problem(decode(frameOf('0200', { linkType: LINKTYPE_NULL })))).toEqual({ kind: 'malformed', layer: 'null', field: 'null' });
    });
  });
});
