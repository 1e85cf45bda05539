import { describe, expect, it } from 'vitest';
import { expectEveryCut, expectFields, truncatedAt } from './expect';
import { decode, frameOf, layers, problem } from './frames';

// LINKTYPE_RAW_ipv4.pcap #1 (and LINKTYPE_IPV4.pcap #1, the same bytes):
//   IP 192.168.1.100.12345 > 9.9.9.9.53: 4660+ A? example.com. (29)
const V4 = '45000039000100004011a695c0a80164090909093039003500251976123401000001000000000000076578616d706c6503636f6d0000010001';
// LINKTYPE_IPV6.pcap #1: IP6 2001:db8::1.12345 > 2620:fe::9.53: 4660+ A? example.com. (29)
const V6 =
  '600000000025114020010db8000000000000000000000001262000fe00000000000000000000000930390035002598b3123401000001' +
  '000000000000076578616d706c6503636f6d0000010001';

describe('raw', () => {
  describe('parse', () => {
    it('LINKTYPE_RAW (101), and the BSDs\' DLT_RAW numbers 12 and 14: a raw layer, then IPv4 or IPv6 by the version', () => {
      for (const linkType of [101, 12, 14]) {
        const v4 = decode(frameOf(V4, { linkType }));
        expect(layers(v4)).toEqual(['frame', 'raw', 'ip', 'udp', 'dns']);
        expectFields(v4, { 'frame.protocols': ['raw:ip:udp:dns'], 'frame.encap_type': ['7'], 'ip.dst': ['9.9.9.9'] });
        expect(layers(decode(frameOf(V6, { linkType })))).toEqual(['frame', 'raw', 'ipv6', 'udp', 'dns']);
      }
    });

    it('LINKTYPE_IPV4 (228) and LINKTYPE_IPV6 (229): no raw layer', () => {
      expectFields(decode(frameOf(V4, { linkType: 228 })), { 'frame.protocols': ['ip:udp:dns'], 'frame.encap_type': ['129'] });
      expectFields(decode(frameOf(V6, { linkType: 229 })), { 'frame.protocols': ['ipv6:udp:dns'], 'frame.encap_type': ['130'], 'ip.version': ['6'] });
    });

    it('another version is data', () => {
      expect(layers(decode(frameOf('50' + V4.slice(2), { linkType: 101 })))).toEqual(['frame', 'raw', 'data']);
    });

    it('an unknown link type is shown by number with its bytes, never dropped', () => {
      const pkt = decode(frameOf(V4, { linkType: 147 }));
      expect(layers(pkt)).toEqual(['frame', 'data']);
      expectFields(pkt, { 'frame.encap_type': ['45'], 'data.len': ['57'] });
    });
  });

  describe('truncated', () => {
    it('cut anywhere: the IP layer reports it', () => {
      expectEveryCut(V4, (capLen) => (capLen < 2 ? truncatedAt('raw', 2, capLen) : capLen < 20 ? truncatedAt('ip', 20, capLen) : null), { linkType: 101 });
    });
  });

  describe('malformed', () => {
    it('an empty frame', () => {
      expect(problem(decode(frameOf('', { linkType: 101 })))).toEqual({ kind: 'malformed', layer: 'raw', field: 'raw' });
    });
  });
});
