import { describe, expect, it } from 'vitest';
import { icmpv6 } from '../../src/decode/icmpv6';
import { expectAbsent, expectEveryCut, expectFields, truncatedAt } from './expect';
import { decode, frameOf, layers, patched, problem } from './frames';

// icmpv6-ns-nonce.pcap #1: IP6 :: > ff02::1:ffe1:f: ICMP6, neighbor solicitation, who has fe80::546f:f7ff:fee1:f, length 32
const NS =
  '3333ffe1000f566ff7e1000f86dd6000000000203aff00000000000000000000000000000000ff0200000000000000000001ffe1000f' +
  '8700566e00000000fe80000000000000546ff7fffee1000f0e016069604c0aaa';
// icmpv6-rfc7112.pcap #1: IP6 2001:630:42:110:2a0:98ff:fe15:ece7 > 2001:630:42:110:ae1f:6bff:fe46:9eda: ICMP6,
//   parameter problem, incomplete header chain - octet 48, length 72 (quoting IPv6 + fragment header + IPv6)
const PARAM_PROBLEM =
  'ac1f6b469eda00a09815ece786dd6000000000483a40200106300042011002a098fffe15ece72001063000420110ae1f6bfffe469eda' +
  '0403994c000000306000000000182c402001063000420110ae1f6bfffe469eda200106300042011002a098fffe15ece7290000010000d6' +
  'b16227605c7830305c7830305c7830305c';
// ipv6-routing-header.pcap #1: ... ICMP6, echo request, id 0, seq 0, length 8 (after a type 0 routing header)
const ECHO_ROUTED =
  '0013c4c784f000123fae22f786dd6000000000202b04220000000000024402123ffffeae22f722000000000002400002000000000004' +
  '3a02000100000000220000000000021000020000000000048000d3ab00000000';

describe('icmpv6', () => {
  describe('parse', () => {
    it('a neighbor solicitation: type, code, checksum verified over the pseudo-header, the target address', () => {
      const pkt = decode(frameOf(NS));
      expect(layers(pkt)).toEqual(['frame', 'eth', 'ipv6', 'icmpv6']);
      expectFields(pkt, {
        'frame.protocols': ['eth:ethertype:ipv6:icmpv6'],
        'icmpv6.type': ['135'],
        'icmpv6.code': ['0'],
        'icmpv6.checksum': ['0x566e'],
        'icmpv6.checksum.status': ['1'],
        'icmpv6.nd.ns.target_address': ['fe80::546f:f7ff:fee1:f'],
      });
      expectAbsent(pkt, ['icmpv6.echo.identifier', 'icmpv6.mtu']);
      expect(icmpv6.tree!(pkt, 3).map((n) => n.text)).toContain('Type: Neighbor Solicitation (135)');
    });

    it('an echo request: identifier in hex, sequence in decimal, as tshark prints them', () => {
      const pkt = decode(frameOf(ECHO_ROUTED));
      expectFields(pkt, { 'icmpv6.type': ['128'], 'icmpv6.echo.identifier': ['0x0000'], 'icmpv6.echo.sequence_number': ['0'] });
    });

    it('an error quotes the offending packet as inner layers (here IPv6, a fragment header, IPv6 again)', () => {
      const pkt = decode(frameOf(PARAM_PROBLEM));
      expect(layers(pkt)).toEqual(['frame', 'eth', 'ipv6', 'icmpv6', 'ipv6', 'ipv6.fraghdr', 'ipv6']);
      expect(problem(pkt)).toEqual({ kind: 'none' });
      expectFields(pkt, {
        'frame.protocols': ['eth:ethertype:ipv6:icmpv6:ipv6:ipv6.fraghdr:ipv6'],
        'icmpv6.type': ['4'],
        'icmpv6.code': ['3'],
        'icmpv6.checksum': ['0x994c'],
        'icmpv6.checksum.status': ['1'],
        'icmpv6.pointer': ['48'],
        'ip.version': ['6', '6', '6'],
        'ipv6.plen': ['72', '24', '30768'],
        'ipv6.nxt': ['58', '44', '48'],
        'ipv6.src': ['2001:630:42:110:2a0:98ff:fe15:ece7', '2001:630:42:110:ae1f:6bff:fe46:9eda'],
        'ipv6.fraghdr.nxt': ['41'],
        'ipv6.fraghdr.offset': ['0'],
        'ipv6.fraghdr.more': ['1'],
        'ipv6.fraghdr.ident': ['0x0000d6b1'],
      });
    });
  });

  describe('truncated', () => {
    it('cut in the 4-byte header, or in an echo\'s 8: truncated icmpv6', () => {
      expectEveryCut(NS, (capLen) => {
        if (capLen < 14) return truncatedAt('eth', 14, capLen);
        if (capLen < 54) return truncatedAt('ipv6', 40, capLen - 14);
        if (capLen < 58) return truncatedAt('icmpv6', 4, capLen - 54);
        return { kind: 'none' };
      });
      // Not all captured: the checksum is not verified.
      expectFields(decode(frameOf(NS, { capLen: 70 })), { 'icmpv6.checksum.status': ['2'] });
    });
  });

  describe('malformed', () => {
    it('an IPv6 payload length of 0 leaves ICMPv6 no bytes: no field, as in tshark', () => {
      const pkt = decode(frameOf(patched(NS, (b) => (b[19] = 0))));
      expect(layers(pkt)).toEqual(['frame', 'eth', 'ipv6', 'icmpv6']);
      expect(problem(pkt)).toEqual({ kind: 'malformed', layer: 'icmpv6', field: 'icmpv6' });
      expectAbsent(pkt, ['icmpv6.type', 'icmpv6.checksum', 'icmpv6.checksum.status']);
    });

    it('a bad checksum is status 0', () => {
      expectFields(decode(frameOf(patched(NS, (b) => (b[70] ^= 1)))), { 'icmpv6.checksum.status': ['0'] });
    });
  });
});
