import { describe, expect, it } from 'vitest';
import { decode, frameOf, layers, patched, problem, readEveryField, value, values } from './frames';

// tcpdump's dns_udp.pcap #1: IP 192.168.1.11.43966 > 209.87.249.18.53: 22836+ [1au] A? www.tcpdump.org. (56)
const QUERY =
  '00112233446600112233445508004500005459cd0000401194aec0a8010bd157f912abbe003500407824593401200001000000000001' +
  '037777770774637064756d70036f72670000010001000029100000000000000c000a000842f5d00996f90b13';
// tcpdump's LINKTYPE_IPV6.pcap #1 (raw IPv6, link type 229):
// IP6 2001:db8::1.12345 > 2620:fe::9.53: 4660+ A? example.com. (29)
const QUERY6 =
  '600000000025114020010db8000000000000000000000001262000fe00000000000000000000000930390035002598b31234010000010000' +
  '00000000076578616d706c6503636f6d0000010001';
const LINKTYPE_IPV6 = 229;

const UDP_AT = 34;

describe('udp', () => {
  describe('parse', () => {
    it('ports, length, checksum as tshark 4.0 prints them, and the payload handed to DNS', () => {
      const pkt = decode(frameOf(QUERY));
      expect(layers(pkt)).toEqual(['frame', 'eth', 'ip', 'udp', 'dns']);
      expect(problem(pkt)).toEqual({ kind: 'none' });
      expect(values(pkt, 'udp.port')).toEqual(['43966', '53']);
      expect(value(pkt, 'udp.length')).toBe('64');
      expect(value(pkt, 'udp.checksum')).toBe('0x7824');
      expect(value(pkt, 'udp.checksum.status')).toBe('2');
      expect(value(pkt, 'udp.payload')).toBe(QUERY.slice((UDP_AT + 8) * 2));
      // tshark -o udp.check_checksum:TRUE says 1 (good) for this frame.
      expect(value(pkt, 'synack.udp.checksum.status')).toBe('1');
    });

    it('over IPv6 the checksum covers the IPv6 pseudo-header', () => {
      const pkt = decode(frameOf(QUERY6, { linkType: LINKTYPE_IPV6 }));
      expect(layers(pkt)).toEqual(['frame', 'ipv6', 'udp', 'dns']);
      expect(value(pkt, 'udp.length')).toBe('37');
      expect(value(pkt, 'synack.udp.checksum.status')).toBe('1');
      const bad = decode(frameOf(patched(QUERY6, (b) => (b[47] ^= 1)), { linkType: LINKTYPE_IPV6 }));
      expect(value(bad, 'synack.udp.checksum.status')).toBe('0');
    });

    it('a zero checksum: "not present" over IPv4 (RFC 768), illegal over IPv6 (RFC 8200 8.1)', () => {
      const v4 = decode(frameOf(patched(QUERY, (b) => b.set([0, 0], UDP_AT + 6))));
      expect(value(v4, 'udp.checksum.status')).toBe('3');
      expect(value(v4, 'synack.udp.checksum.status')).toBe('3');
      const v6 = decode(frameOf(patched(QUERY6, (b) => b.set([0, 0], 46)), { linkType: LINKTYPE_IPV6 }));
      expect(value(v6, 'udp.checksum.status')).toBe('0');
    });

    it('a first IPv4 fragment may declare more than it carries (the rest is in later fragments)', () => {
      const first = patched(QUERY, (b) => {
        b[20] |= 0x20; // MF
        b.set([0, 20 + 8 + 20], 16); // this fragment: 20 bytes of UDP payload
        b.set([0x13, 0x89], UDP_AT + 2); // port 5001: data, not DNS
      });
      const pkt = decode(frameOf(first.slice(0, (UDP_AT + 28) * 2)));
      expect(problem(pkt)).toEqual({ kind: 'none' });
      expect(value(pkt, 'udp.length')).toBe('64');
      expect(value(pkt, 'data.len')).toBe('20');
    });

    it('a payload on a port no decoder claims is data', () => {
      const pkt = decode(frameOf(patched(QUERY, (b) => b.set([0x13, 0x89], UDP_AT + 2))));
      expect(layers(pkt)).toEqual(['frame', 'eth', 'ip', 'udp', 'data']);
      expect(value(pkt, 'data.len')).toBe('56');
    });
  });

  describe('truncated', () => {
    it('every capture length inside the header gives the exact problem', () => {
      for (let cap = UDP_AT; cap < UDP_AT + 8; cap++) {
        const pkt = decode(frameOf(QUERY, { capLen: cap }));
        expect(problem(pkt), `capLen ${cap}`).toEqual({ kind: 'truncated', layer: 'udp', needed: 8, available: cap - UDP_AT });
        expect(value(pkt, 'udp.srcport')).toBe(cap - UDP_AT >= 2 ? '43966' : undefined);
        expect(value(pkt, 'udp.length')).toBe(cap - UDP_AT >= 6 ? '64' : undefined);
        readEveryField(pkt);
      }
    });

    it('a datagram cut after the header cannot be verified, and the length still says what was sent', () => {
      const pkt = decode(frameOf(QUERY, { capLen: UDP_AT + 20 }));
      expect(value(pkt, 'udp.length')).toBe('64');
      expect(value(pkt, 'synack.udp.checksum.status')).toBe('2');
    });
  });

  describe('malformed', () => {
    it('a length below 8', () => {
      for (const len of [0, 7]) {
        const pkt = decode(frameOf(patched(QUERY, (b) => b.set([0, len], UDP_AT + 4))));
        expect(problem(pkt)).toEqual({ kind: 'malformed', layer: 'udp', field: 'udp.length' });
        expect(layers(pkt)).toEqual(['frame', 'eth', 'ip', 'udp']);
      }
    });

    it('a length beyond the IP payload: marked, and decoding goes on with the IP payload as tshark does', () => {
      const pkt = decode(frameOf(patched(QUERY, (b) => b.set([0x01, 0x00], UDP_AT + 4))));
      expect(problem(pkt)).toEqual({ kind: 'malformed', layer: 'udp', field: 'udp.length' });
      expect(value(pkt, 'udp.length')).toBe('256');
      expect(value(pkt, 'udp.payload')).toBe(QUERY.slice((UDP_AT + 8) * 2));
      expect(layers(pkt)).toEqual(['frame', 'eth', 'ip', 'udp', 'dns']);
    });

    it('but a length of 0 over IPv6 is a jumbogram\'s (RFC 2675 4): the datagram is the rest of the payload, as tshark reads it', () => {
      const pkt = decode(frameOf(patched(QUERY6, (b) => b.set([0, 0], 44)), { linkType: LINKTYPE_IPV6 }));
      expect(problem(pkt)).toEqual({ kind: 'none' });
      expect(value(pkt, 'udp.length')).toBe('0');
      expect(layers(pkt)).toEqual(['frame', 'ipv6', 'udp', 'dns']);
    });

    it('fewer than 8 bytes in the IP payload', () => {
      const pkt = decode(frameOf(patched(QUERY, (b) => b.set([0, 26], 16))));
      expect(problem(pkt)).toEqual({ kind: 'malformed', layer: 'udp', field: 'udp' });
    });
  });
});
