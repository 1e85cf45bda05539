import { describe, expect, it } from 'vitest';
import { decode, frameOf, layers, patched, problem, readEveryField, value, values } from './frames';

// tcpdump's dhcp-rfc3004.pcap #2: IP 192.168.1.1.67 > 192.168.1.4.68: BOOTP/DHCP, Reply, length 280 (an Offer)
const OFFER =
  '000c291f7406001018000000080045000134000000004011f663c0a80101c0a8010400430044012087f70201060006e328640000000000' +
  '000000c0a801040000000000000000000c291f7406' +
  '00'.repeat(10 + 64 + 128) +
  '638253633501023604c0a801013304000151800104ffffff000304c0a801010604c0a801010f04486f6d65ff';

const DHCP_AT = 42;
const OPTIONS_AT = DHCP_AT + 240;

describe('dhcp', () => {
  describe('parse', () => {
    it('an Offer: BOOTP header and options, as tshark 4.0 prints them', () => {
      const pkt = decode(frameOf(OFFER));
      expect(layers(pkt)).toEqual(['frame', 'eth', 'ip', 'udp', 'dhcp']);
      expect(problem(pkt)).toEqual({ kind: 'none' });
      const expected: Record<string, string[]> = {
        'dhcp.type': ['2'],
        'dhcp.hw.type': ['0x01'],
        'dhcp.hw.len': ['6'],
        'dhcp.id': ['0x06e32864'],
        'dhcp.flags': ['0x0000'],
        'dhcp.flags.bc': ['0'],
        'dhcp.ip.client': ['0.0.0.0'],
        'dhcp.ip.your': ['192.168.1.4'],
        'dhcp.hw.mac_addr': ['00:0c:29:1f:74:06'],
        'dhcp.hw.addr_padding': ['00000000000000000000'],
        'dhcp.server': [],
        'dhcp.cookie': ['99.130.83.99'],
        // tshark 4.0 gives the END option's type as 0.
        'dhcp.option.type': ['53', '54', '51', '1', '3', '6', '15', '0'],
        'dhcp.option.length': ['1', '4', '4', '4', '4', '4', '4'],
        'dhcp.option.dhcp': ['2'],
        'dhcp.option.dhcp_server_id': ['192.168.1.1'],
        'dhcp.option.ip_address_lease_time': ['86400'],
        'dhcp.option.subnet_mask': ['255.255.255.0'],
        'dhcp.option.router': ['192.168.1.1'],
        'dhcp.option.domain_name_server': ['192.168.1.1'],
        'dhcp.option.domain_name': ['Home'],
        'dhcp.option.end': ['255'],
        'dhcp.option.padding': [],
      };
      for (const [name, want] of Object.entries(expected)) expect(values(pkt, name), name).toEqual(want);
    });

    it('a client identifier with a MAC repeats dhcp.hw.type and dhcp.hw.mac_addr (as tshark)', () => {
      // Option 61, length 7, type 1 (Ethernet), then the MAC, in place of the router and domain name options.
      const tail = '0304c0a801010604c0a801010f04486f6d65ff';
      const withId = OFFER.replace(tail, '3d0701b827ebb853c8' + '0604c0a80101' + 'ff' + '000000');
      expect(withId.length).toBe(OFFER.length);
      const pkt = decode(frameOf(withId));
      expect(value(pkt, 'dhcp.option.padding')).toBe('000000');
      expect(values(pkt, 'dhcp.hw.type')).toEqual(['0x01', '0x01']);
      expect(values(pkt, 'dhcp.hw.mac_addr')).toEqual(['00:0c:29:1f:74:06', 'b8:27:eb:b8:53:c8']);
    });
  });

  describe('truncated', () => {
    it('every capture length: fields only once the header and cookie are in (tshark reads the options first)', () => {
      for (let cap = DHCP_AT; cap < OFFER.length / 2; cap++) {
        const pkt = decode(frameOf(OFFER, { capLen: cap }));
        const avail = cap - DHCP_AT;
        const p = problem(pkt);
        if (cap < OPTIONS_AT) {
          expect(p, `capLen ${cap}`).toEqual({ kind: 'truncated', layer: 'dhcp', needed: 240, available: avail });
          expect(value(pkt, 'dhcp.id')).toBeUndefined();
        } else {
          expect(p.kind, `capLen ${cap}`).toBe('truncated');
          expect(value(pkt, 'dhcp.id')).toBe('0x06e32864');
          // The message type option (3 bytes) is readable once captured.
          expect(value(pkt, 'dhcp.option.dhcp')).toBe(cap >= OPTIONS_AT + 3 ? '2' : undefined);
        }
        readEveryField(pkt);
      }
    });
  });

  describe('malformed', () => {
    it('an option that runs past the message', () => {
      // The last option (domain name) claims 9 bytes where 5 remain.
      const pkt = decode(frameOf(patched(OFFER, (b) => (b[b.length - 6] = 9))));
      expect(problem(pkt)).toEqual({ kind: 'malformed', layer: 'dhcp', field: 'dhcp.option.length' });
      expect(value(pkt, 'dhcp.option.dhcp')).toBe('2');
    });

    it('fewer than 236 bytes for the BOOTP header', () => {
      const short = patched(OFFER, (b) => {
        b.set([0, 20 + 8 + 200], 16);
        b.set([0, 8 + 200], 38);
      });
      expect(problem(decode(frameOf(short)))).toEqual({ kind: 'malformed', layer: 'dhcp', field: 'dhcp' });
    });
  });
});
