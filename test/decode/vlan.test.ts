import { describe, expect, it } from 'vitest';
import { vlan } from '../../src/decode/vlan';
import { expectAbsent, expectEveryCut, expectFields, truncatedAt } from './expect';
import { decode, frameOf, layers, patched, problem } from './frames';

// 802.1ad_QinQ.pcap #1: ARP, Request who-has 172.21.79.100 tell 172.21.79.97, length 42
//   (an 802.1ad service tag, ID 200, around an 802.1Q tag, ID 2001; 64 bytes: padding to 60, then 4 more)
const QINQ =
  'ffffffffffff0020d25afb3f88a800c8810007d1080600010800060400010020d25afb3fac154f61000000000000ac154f64000000000000' +
  '0000000000000000';
// MSTP_Intra-Region_BPDUs.pcap #1: STP 802.1s, Rapid STP, CIST Flags [Learn, Forward], length 134
//   (an 802.1Q tag, priority 7, whose type field is an 802.3 length: LLC follows)
const TAGGED_8023 =
  '0180c2000000001ef705a8928100e000008942420300000302380000001f27b47d8000030d408000001646b58c8080120100140002000f00' +
  '00006000427265776572790000000000000000000000000000000000000000000000000000009357ebb7a8d74dd5fef4f2bab50531aa0003' +
  '0d408000001ef705a88014fc6001001ef705a88000000000608014f88002001646b58c8000030d40808014';

describe('vlan', () => {
  describe('parse', () => {
    it('stacked tags: 802.1ad outside (ieee8021ad.*), 802.1Q inside (vlan.*); padding and the trailer after it', () => {
      const pkt = decode(frameOf(QINQ));
      expect(layers(pkt)).toEqual(['frame', 'eth', 'ieee8021ad', 'vlan', 'arp']);
      expectFields(pkt, {
        'frame.protocols': ['eth:ethertype:ieee8021ad:ethertype:vlan:ethertype:arp'],
        'eth.type': ['0x88a8'],
        'ieee8021ad.priority': ['0'],
        'ieee8021ad.dei': ['0'],
        'ieee8021ad.id': ['200'],
        'ieee8021ah.etype': ['0x8100'],
        'vlan.priority': ['0'],
        'vlan.dei': ['0'],
        'vlan.id': ['2001'],
        'vlan.etype': ['0x0806'],
        'eth.padding': ['00000000000000000000'],
        'vlan.trailer': ['00000000'],
        'arp.dst.proto_ipv4': ['172.21.79.100'],
      });
      expectAbsent(pkt, ['eth.trailer', 'eth.fcs']);
      const tree = vlan.tree!(pkt, 3).map((n) => n.text);
      expect(tree).toContain('Padding: 00000000000000000000');
      expect(tree).toContain('Trailer: 00000000');
    });

    it('a tag whose type is a length (802.3 inside the tag): vlan.len, then LLC', () => {
      const pkt = decode(frameOf(TAGGED_8023));
      expect(layers(pkt)).toEqual(['frame', 'eth', 'vlan', 'llc', 'data']);
      expectFields(pkt, {
        'frame.protocols': ['eth:ethertype:vlan:llc:data'],
        'eth.type': ['0x8100'],
        'vlan.priority': ['7'],
        'vlan.id': ['0'],
        'vlan.len': ['137'],
        'llc.dsap': ['0x42'],
      });
      expectAbsent(pkt, ['vlan.etype']);
    });
  });

  describe('truncated', () => {
    it('cut inside either tag: truncated, needing its 4 bytes', () => {
      expectEveryCut(QINQ, (capLen) => {
        if (capLen < 14) return truncatedAt('eth', 14, capLen);
        if (capLen < 18) return truncatedAt('ieee8021ad', 4, capLen - 14);
        if (capLen < 22) return truncatedAt('vlan', 4, capLen - 18);
        if (capLen < 30) return truncatedAt('arp', 8, capLen - 22);
        if (capLen < 50) return truncatedAt('arp', 28, capLen - 22);
        return { kind: 'none' };
      });
    });
  });

  describe('malformed', () => {
    it('a frame ending inside a tag', () => {
      expect(problem(decode(frameOf(QINQ.slice(0, 2 * 20))))).toEqual({ kind: 'malformed', layer: 'vlan', field: 'vlan' });
    });

    it('a tag\'s length beyond the frame', () => {
      const pkt = decode(frameOf(patched(TAGGED_8023, (b) => ((b[16] = 0x05), (b[17] = 0xdc)))));
      expect(problem(pkt)).toEqual({ kind: 'malformed', layer: 'vlan', field: 'vlan.len' });
    });
  });
});
