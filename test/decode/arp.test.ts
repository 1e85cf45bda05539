import { describe, expect, it } from 'vitest';
import { arp, arpInfo } from '../../src/decode/arp';
import { expectAbsent, expectEveryCut, expectFields, truncatedAt } from './expect';
import { decode, frameOf, layers, patched, problem } from './frames';

// arp-oobr.pcap #1: ARP, Request who-has 192.168.1.1 tell 192.168.1.104, length 46
const REQUEST =
  'ffffffffffff001f29da2d7908060001080006040001001f29da2d79c0a80168000000000000c0a80101000000000000000000000000000000000000';
// 802.1ad_QinQ.pcap #2: ARP, Reply 172.21.79.100 is-at 00:80:ea:81:88:63, length 42 (inside two VLAN tags)
const REPLY =
  '0020d25afb3f0080ea81886388a800c8810007d1080600010800060400020080ea818863ac154f640020d25afb3fac154f6100000000000000' +
  '00000000000000';
// arp-oobr.pcap #14: ARP, Request who-has 192.168.0.37 tell 192.168.0.37, length 46 (sender = target: an announcement)
const ANNOUNCEMENT =
  'ffffffffffff001f29daf8fb08060001080006040001001f29daf8fbc0a80025000000000000c0a80025000000000000000000000000000000000000';
// REQUEST from 0.0.0.0 with a zero target MAC: an ARP probe (RFC 5227 section 2.1.1); tshark 4.0 marks it arp.isprobe.
const PROBE = patched(REQUEST, (b) => b.fill(0, 28, 32));

describe('arp', () => {
  describe('parse', () => {
    it('a request: every field as tshark 4.0 prints it, the info line as tshark writes it', () => {
      const pkt = decode(frameOf(REQUEST));
      expect(layers(pkt)).toEqual(['frame', 'eth', 'arp']);
      expectFields(pkt, {
        'arp.hw.type': ['1'],
        'arp.proto.type': ['0x0800'],
        'arp.hw.size': ['6'],
        'arp.proto.size': ['4'],
        'arp.opcode': ['1'],
        'arp.src.hw_mac': ['00:1f:29:da:2d:79'],
        'arp.src.proto_ipv4': ['192.168.1.104'],
        'arp.dst.hw_mac': ['00:00:00:00:00:00'],
        'arp.dst.proto_ipv4': ['192.168.1.1'],
        'eth.padding': ['000000000000000000000000000000000000'],
      });
      expectAbsent(pkt, ['arp.isgratuitous', 'arp.isprobe', 'arp.isannouncement', 'arp.src.hw', 'arp.src.proto']);
      expect(arpInfo(pkt, 2)).toBe('Who has 192.168.1.1? Tell 192.168.1.104');
      expect(arp.tree!(pkt, 2).map((n) => n.text)).toEqual([
        'Hardware type: Ethernet (1)',
        'Protocol type: IPv4 (0x0800)',
        'Hardware size: 6',
        'Protocol size: 4',
        'Opcode: request (1)',
        'Sender MAC address: 00:1f:29:da:2d:79',
        'Sender IP address: 192.168.1.104',
        'Target MAC address: 00:00:00:00:00:00',
        'Target IP address: 192.168.1.1',
      ]);
    });

    it('a reply', () => {
      const pkt = decode(frameOf(REPLY));
      expectFields(pkt, { 'arp.opcode': ['2'], 'arp.src.hw_mac': ['00:80:ea:81:88:63'], 'arp.src.proto_ipv4': ['172.21.79.100'] });
      expect(arpInfo(pkt, 4)).toBe('172.21.79.100 is at 00:80:ea:81:88:63');
    });

    it('gratuitous ARP and ARP probes are recognised as Wireshark recognises them', () => {
      const ann = decode(frameOf(ANNOUNCEMENT));
      expectFields(ann, { 'arp.isgratuitous': ['1'], 'arp.isannouncement': ['1'] });
      expectAbsent(ann, ['arp.isprobe']);
      expect(arpInfo(ann, 2)).toBe('ARP Announcement for 192.168.0.37');
      const probe = decode(frameOf(PROBE));
      expectFields(probe, { 'arp.isprobe': ['1'], 'arp.src.proto_ipv4': ['0.0.0.0'] });
      expectAbsent(probe, ['arp.isgratuitous', 'arp.isannouncement']);
      expect(arpInfo(probe, 2)).toBe('Who has 192.168.1.1? (ARP Probe)');
      // A gratuitous reply (sender = target, opcode 2) is gratuitous but no announcement.
      const reply = decode(frameOf(patched(ANNOUNCEMENT, (b) => (b[21] = 2))));
      expectFields(reply, { 'arp.isgratuitous': ['1'] });
      expect(arpInfo(reply, 2)).toBe('Gratuitous ARP for 192.168.0.37 (Reply)');
    });

    it('other address sizes are bytes (arp.src.hw, arp.src.proto)', () => {
      // Hardware type 6 (IEEE 802) with 6-byte addresses keeps the MAC form; a protocol type that is not IPv4 does not.
      const pkt = decode(frameOf(patched(REQUEST, (b) => ((b[15] = 6), (b[16] = 0x86), (b[17] = 0xdd)))));
      expectFields(pkt, { 'arp.src.hw_mac': ['00:1f:29:da:2d:79'], 'arp.src.proto': ['c0a80168'], 'arp.dst.proto': ['c0a80101'] });
      expectAbsent(pkt, ['arp.src.proto_ipv4']);
    });
  });

  describe('truncated', () => {
    it('cut in the 8 fixed bytes, then in the addresses: truncated arp needing 8, then 28', () => {
      expectEveryCut(REQUEST, (capLen) => {
        if (capLen < 14) return truncatedAt('eth', 14, capLen);
        if (capLen < 22) return truncatedAt('arp', 8, capLen - 14);
        if (capLen < 42) return truncatedAt('arp', 28, capLen - 14);
        return { kind: 'none' };
      });
    });
  });

  describe('malformed', () => {
    it('addresses that run past the frame: the fixed fields stay, no address is shown (as tshark)', () => {
      const pkt = decode(frameOf(patched(REQUEST, (b) => (b[18] = 40))));
      expect(problem(pkt)).toEqual({ kind: 'malformed', layer: 'arp', field: 'arp.hw.size' });
      expectFields(pkt, { 'arp.hw.size': ['40'], 'arp.opcode': ['1'] });
      expectAbsent(pkt, ['arp.src.hw', 'arp.src.hw_mac', 'arp.src.proto_ipv4', 'arp.isgratuitous']);
    });

    it('fewer than 8 bytes', () => {
      expect(problem(decode(frameOf(REQUEST.slice(0, 2 * 20))))).toEqual({ kind: 'malformed', layer: 'arp', field: 'arp' });
    });
  });
});
