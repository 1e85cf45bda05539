import { describe, expect, it } from 'vitest';
import { ipv4 } from '../../src/decode/ipv4';
import { expectAbsent, expectEveryCut, expectFields, truncatedAt } from './expect';
import { decode, frameOf, layers, patched, problem } from './frames';

// IGMP_V2.pcap #2: IP 192.168.1.64 > 239.255.255.250: igmp v2 report 239.255.255.250
//   (a 24-byte header: the Router Alert option, RFC 2113)
const IGMP_RA = '01005e7ffffa001c23aabead0800460000208c6200000102e692c0a80140effffffa940400001600fa04effffffa';
// dhcp-rfc4388.pcap #2: IP 10.40.2.3 > 10.30.4.4: ICMP echo request, id 16420, seq 0, length 28
const ECHO = '7483ef07d0a9a6824bc9a1a708004500003061b440004001becc0a2802030a1e04040800b7db402400000000000000000000000000000000000000000000';
// afs.pcap #125 and #126, the first two fragments of one UDP datagram:
//   IP 131.151.1.146.7000 > 131.151.32.21.7001:  rx data (1472)      [id 0x023d, flags DF+MF, offset 0]
//   IP 131.151.1.146 > 131.151.32.21: ip-proto-17                      [offset 185 * 8 = 1480]
// Only their first 64 bytes are kept here; the snapshot-length cut is what the tests use.
const FRAG_FIRST = '0060089fb1f300e0f9cc18000800450005dc023d6000fe112bfe83970192839720151b581b591644a0bbbfcdb4be1b557a6400000146000000010000';
const FRAG_LATER = '0060089fb1f300e0f9cc18000800450005dc023d60b9fe112b45839701928397201564000000ec9b0408e00000001200000069000000dc9b04081d00';
const FRAG_LEN = 1514;
const IPIP =
  '02000000000202000000000108004500004d00070000400466a40a0000010a00000245000039000100004011a695c0a801640909090930' +
  '39003500251976123401000001000000000000076578616d706c6503636f6d0000010001';

describe('ipv4', () => {
  describe('parse', () => {
    it('every header field, printed as tshark 4.0 prints it; the checksum status is 2 as tshark (which does not check by default)', () => {
      const pkt = decode(frameOf(IGMP_RA));
      expect(layers(pkt)).toEqual(['frame', 'eth', 'ip', 'data']);
      expectFields(pkt, {
        'ip.version': ['4'],
        'ip.hdr_len': ['24'],
        'ip.dsfield': ['0x00'],
        'ip.dsfield.dscp': ['0'],
        'ip.dsfield.ecn': ['0'],
        'ip.len': ['32'],
        'ip.id': ['0x8c62'],
        'ip.flags': ['0x00'],
        'ip.flags.rb': ['0'],
        'ip.flags.df': ['0'],
        'ip.flags.mf': ['0'],
        'ip.frag_offset': ['0'],
        'ip.ttl': ['1'],
        'ip.proto': ['2'],
        'ip.checksum': ['0xe692'],
        'ip.checksum.status': ['2'],
        'ip.src': ['192.168.1.64'],
        'ip.dst': ['239.255.255.250'],
        'ip.addr': ['192.168.1.64', '239.255.255.250'],
        'ip.src_host': ['192.168.1.64'],
        'ip.host': ['192.168.1.64', '239.255.255.250'],
        'ip.opt.type': ['148'],
        'ip.opt.len': ['4'],
        'synack.ip.checksum.status': ['1'],
      });
    });

    it('the tree shows the header as Wireshark does, the option included, and synack\'s own checksum verdict', () => {
      const pkt = decode(frameOf(IGMP_RA));
      const text = ipv4.tree!(pkt, 2).map((n) => n.text);
      expect(text).toContain('.... 0110 = Header Length: 24 bytes (6)');
      expect(text).toContain('Protocol: IGMP (2)');
      expect(text).toContain('Source Address: 192.168.1.64');
      expect(text).toContain('[Header checksum status: Good]');
      expect(text).toContain('Options: (4 bytes), Router Alert');
      const bad = decode(frameOf(patched(IGMP_RA, (b) => (b[24] ^= 1))));
      expect(ipv4.tree!(bad, 2).map((n) => n.text)).toContain('[Header checksum status: Bad]');
      expect(problem(bad)).toEqual({ kind: 'none' });
    });

    it('a first fragment is decoded further (offset 0, MF set); a later one is data', () => {
      const first = decode(frameOf(FRAG_FIRST, { origLen: FRAG_LEN }));
      expect(layers(first)).toEqual(['frame', 'eth', 'ip', 'udp', 'data']);
      expectFields(first, { 'ip.flags': ['0x03'], 'ip.flags.mf': ['1'], 'ip.frag_offset': ['0'], 'ip.len': ['1500'], 'ip.id': ['0x023d'] });
      const later = decode(frameOf(FRAG_LATER, { origLen: FRAG_LEN }));
      expect(layers(later)).toEqual(['frame', 'eth', 'ip', 'data']);
      expectFields(later, { 'ip.frag_offset': ['185'], 'frame.protocols': ['eth:ethertype:ip:data'] });
    });

    it('total length 0 is segmentation offload: the frame\'s length stands, and ip.len shows it', () => {
      const pkt = decode(frameOf(patched(ECHO, (b) => ((b[16] = 0), (b[17] = 0)))));
      expect(layers(pkt)).toEqual(['frame', 'eth', 'ip', 'icmp', 'data']);
      expectFields(pkt, { 'ip.len': ['48'] });
      expect(problem(pkt)).toEqual({ kind: 'none' });
      expect(ipv4.tree!(pkt, 2).map((n) => n.text).find((t) => t.startsWith('Total Length'))).toMatch(/TSO/);
    });

    it('IP in IP (protocol 4, RFC 2003): the inner datagram is decoded, ip.src has two occurrences', () => {
      // LINKTYPE_RAW_ipv4.pcap #1 (IP 192.168.1.100.12345 > 9.9.9.9.53: 4660+ A? example.com. (29)) inside an
      // outer header from 10.0.0.1 to 10.0.0.2; tshark 4.0 shows eth:ethertype:ip:ip:udp:dns.
      const pkt = decode(frameOf(IPIP));
      expect(layers(pkt)).toEqual(['frame', 'eth', 'ip', 'ip', 'udp', 'dns']);
      expectFields(pkt, {
        'frame.protocols': ['eth:ethertype:ip:ip:udp:dns'],
        'ip.version': ['4', '4'],
        'ip.proto': ['4', '17'],
        'ip.src': ['10.0.0.1', '192.168.1.100'],
      });
    });

    it('trims Ethernet padding: the layer ends where the total length says', () => {
      const pkt = decode(frameOf(ECHO + '00000000'));
      expect(pkt.layerEnd[2]).toBe(62);
      expectFields(pkt, { 'eth.padding': [] as string[] });
    });
  });

  describe('truncated', () => {
    it('cut anywhere in the header: truncated ip, needing the header length', () => {
      expectEveryCut(IGMP_RA, (capLen) => {
        if (capLen < 14) return truncatedAt('eth', 14, capLen);
        if (capLen < 14 + 20) return truncatedAt('ip', 20, capLen - 14);
        if (capLen < 14 + 24) return truncatedAt('ip', 24, capLen - 14);
        return { kind: 'none' };
      });
    });

    it('fields that were captured stay readable; the rest are absent', () => {
      const pkt = decode(frameOf(IGMP_RA, { capLen: 14 + 16 }));
      expect(problem(pkt)).toEqual(truncatedAt('ip', 20, 16));
      expectFields(pkt, { 'ip.ttl': ['1'], 'ip.src': ['192.168.1.64'] });
      expectAbsent(pkt, ['ip.dst', 'ip.opt.type', 'synack.ip.checksum.status']);
    });
  });

  describe('malformed', () => {
    it('a version other than 4: only ip.version is shown', () => {
      const pkt = decode(frameOf(patched(ECHO, (b) => (b[14] = 0x55))));
      expect(problem(pkt)).toEqual({ kind: 'malformed', layer: 'ip', field: 'ip.version' });
      expectFields(pkt, { 'ip.version': ['5'] });
      expectAbsent(pkt, ['ip.hdr_len', 'ip.len', 'ip.src']);
    });

    it('version 6 behind ethertype 0x0800 is handed to IPv6, as Wireshark does', () => {
      const v6 = '000000000000000000000000080060000000000c3a40' + '00'.repeat(15) + '01' + '00'.repeat(15) + '01' + '8000f7ff00000000deadbeef';
      const pkt = decode(frameOf(v6));
      expect(layers(pkt)).toEqual(['frame', 'eth', 'ip', 'ipv6', 'icmpv6', 'data']);
      expectFields(pkt, { 'ip.version': ['6', '6'], 'ipv6.src': ['::1'] });
    });

    it('a header length below 20 bytes', () => {
      const pkt = decode(frameOf(patched(ECHO, (b) => (b[14] = 0x44))));
      expect(problem(pkt)).toEqual({ kind: 'malformed', layer: 'ip', field: 'ip.hdr_len' });
      expectFields(pkt, { 'ip.version': ['4'], 'ip.hdr_len': ['16'] });
      expectAbsent(pkt, ['ip.len', 'ip.ttl']);
    });

    it('a total length shorter than the header', () => {
      const pkt = decode(frameOf(patched(ECHO, (b) => ((b[16] = 0), (b[17] = 10)))));
      expect(problem(pkt)).toEqual({ kind: 'malformed', layer: 'ip', field: 'ip.len' });
      expectFields(pkt, { 'ip.len': ['10'], 'ip.dsfield': ['0x00'] });
      expectAbsent(pkt, ['ip.ttl', 'ip.src']);
    });

    it('a total length beyond the frame: malformed, what is there still decoded', () => {
      const pkt = decode(frameOf(patched(ECHO, (b) => (b[17] = 0xf0))));
      expect(problem(pkt)).toEqual({ kind: 'malformed', layer: 'ip', field: 'ip.len' });
      expect(layers(pkt)).toEqual(['frame', 'eth', 'ip', 'icmp', 'data']);
    });
  });
});
