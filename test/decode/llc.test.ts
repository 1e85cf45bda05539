import { describe, expect, it } from 'vitest';
import { llc } from '../../src/decode/llc';
import { expectAbsent, expectEveryCut, expectFields, truncatedAt } from './expect';
import { decode, frameOf, layers, patched, problem } from './frames';

// 802.1D_spanning_tree.pcap #1: STP 802.1d, Config, Flags [none], bridge-id 8001.00:19:06:ea:b8:80.8005, length 35
const STP =
  '0180c2000000001906eab885002642420300000000008001001906eab880000000008001001906eab88080050000140002000f000000000000000000';
// 3560_CDP.pcap #1: CDPv2, ttl: 180s, Device-ID 'Switch' (SNAP with Cisco's OUI; the first 64 of 400 bytes)
const CDP = '01000ccccccc001906eab8850182aaaa0300000c200002b4b0bd0001000a537769746368000500c4436973636f20494f5320536f66747761';
// RFC 1042 encapsulation of LINKTYPE_RAW_ipv4.pcap #1 (IP 192.168.1.100.12345 > 9.9.9.9.53: 4660+ A? example.com. (29))
//   in 802.3 + LLC/SNAP with OUI 0, as 802.11 and Token Ring carry IP; tshark 4.0 shows it eth:llc:ip:udp:dns.
const SNAP_IP =
  'ffffffffffff0200000000010041aaaa03000000080045000039000100004011a695c0a80164090909093039003500251976123401000001' +
  '000000000000076578616d706c6503636f6d0000010001';

describe('llc', () => {
  describe('parse', () => {
    it('a U-frame to the spanning-tree SAP', () => {
      const pkt = decode(frameOf(STP));
      expectFields(pkt, { 'frame.protocols': ['eth:llc:data'], 'llc.dsap': ['0x42'], 'llc.ssap': ['0x42'], 'llc.control': ['0x0003'] });
      expectAbsent(pkt, ['llc.oui', 'llc.type', 'llc.pid']);
      expect(llc.tree!(pkt, 2).map((n) => n.text)).toEqual(['DSAP: Spanning Tree BPDU (0x42)', 'SSAP: Spanning Tree BPDU (0x42)', 'Control field: 0x03']);
    });

    it('SNAP with a vendor OUI (Cisco): the OUI in decimal as tshark prints it, the payload as data', () => {
      const pkt = decode(frameOf(CDP, { origLen: 400 }));
      expect(layers(pkt)).toEqual(['frame', 'eth', 'llc', 'data']);
      expectFields(pkt, { 'eth.len': ['386'], 'llc.dsap': ['0xaa'], 'llc.control': ['0x0003'], 'llc.oui': ['12'] });
      expectAbsent(pkt, ['llc.type', 'llc.pid']);
    });

    it('SNAP with OUI 0 carries an ethertype (RFC 1042): IP over 802.3', () => {
      const pkt = decode(frameOf(SNAP_IP));
      expect(layers(pkt)).toEqual(['frame', 'eth', 'llc', 'ip', 'udp', 'dns']);
      expectFields(pkt, { 'frame.protocols': ['eth:llc:ip:udp:dns'], 'eth.len': ['65'], 'llc.oui': ['0'], 'llc.type': ['0x0800'], 'ip.src': ['192.168.1.100'] });
    });

    it('Novell raw 802.3 (0xffff after the length) has no LLC header', () => {
      const pkt = decode(frameOf(patched(STP, (b) => ((b[14] = 0xff), (b[15] = 0xff)))));
      expect(layers(pkt)).toEqual(['frame', 'eth', 'data']);
    });
  });

  describe('truncated', () => {
    it('cut in the 3-byte header or the SNAP header: truncated llc', () => {
      expectEveryCut(SNAP_IP, (capLen) => {
        if (capLen < 14) return truncatedAt('eth', 14, capLen);
        if (capLen < 17) return truncatedAt('llc', 3, capLen - 14);
        if (capLen < 22) return truncatedAt('llc', 8, capLen - 14);
        if (capLen < 42) return truncatedAt('ip', 20, capLen - 22);
        return null;
      });
    });
  });

  describe('malformed', () => {
    it('an 802.3 length too short for the LLC header', () => {
      const pkt = decode(frameOf(patched(STP, (b) => (b[13] = 2))));
      expect(problem(pkt)).toEqual({ kind: 'malformed', layer: 'llc', field: 'llc' });
    });

    it('an 802.3 length too short for the SNAP header', () => {
      const pkt = decode(frameOf(patched(SNAP_IP, (b) => (b[13] = 6))));
      expect(problem(pkt)).toEqual({ kind: 'malformed', layer: 'llc', field: 'llc' });
    });
  });
});
