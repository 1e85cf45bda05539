import { describe, expect, it } from 'vitest';
import { ethernet } from '../../src/decode/ethernet';
import { expectAbsent, expectEveryCut, expectFields, truncatedAt } from './expect';
import { decode, frameOf, layers, patched, problem } from './frames';

// lab/demo.pcap #1: IP 127.0.0.1.57520 > 127.0.0.1.47001: Flags [S], seq 1347259998, win 65495,
//   options [mss 65495,sackOK,TS val 544286507 ecr 0,nop,wscale 10], length 0
const SYN =
  '00000000000000000000000008004500003c1b0f4000400621ab7f0000017f000001e0b0b799504d8e5e00000000a002ffd7fe300000' +
  '0204ffd70402080a2071272b000000000103030a';
// arp-oobr.pcap #14: ARP, Request who-has 192.168.0.37 tell 192.168.0.37, length 46 (18 zero bytes of padding)
const ARP_PADDED =
  'ffffffffffff001f29daf8fb08060001080006040001001f29daf8fbc0a80025000000000000c0a80025000000000000000000000000000000000000';
// arp-oobr.pcap #2: ARP, Request who-has 192.168.1.1 (00:55:00:00:00:00) tell 192.168.1.104, length 46
//   (the 18 bytes after the ARP message are not all zero: a trailer, no padding)
const ARP_TRAILER =
  'ffffffffffff001f29da2d7908060001080006040001001f29da2d79c0a80168005500000000c0a80101000000008a00000000000000000000000000';
// 802.1D_spanning_tree.pcap #1: STP 802.1d, Config, Flags [none], bridge-id 8001.00:19:06:ea:b8:80.8005, length 35
//   (IEEE 802.3 with a length of 38: LLC, the BPDU, then 8 bytes of padding)
const STP_8023 =
  '0180c2000000001906eab885002642420300000000008001001906eab880000000008001001906eab88080050000140002000f000000000000000000';
// OSPFv2_Capture_FINAL.pcapng #1: IP 192.168.121.5 > 224.0.0.5: OSPFv2, Hello, length 88
//   (the pcapng interface declares a 4-byte FCS: the last 4 bytes)
const OSPF_FCS =
  '01005e0000050025456017c1080045c0007cbf1d00000159df98c0a87905e000000502010034c0a8ff0f0000000000000002000001105a83' +
  '4112ffffff00000a120100000028c0a87904c0a87905c0a8ff0bc0a8ff0e91b01c6bd6c7093c11861e76334ba858000000090001000400' +
  '000001000200145a83411262a849db4649604c9fda6c0a9fdf2586022a42ea';

describe('ethernet', () => {
  describe('parse', () => {
    it('Ethernet II carrying IPv4: addresses, their LG/IG bits, the type', () => {
      const pkt = decode(frameOf(SYN));
      expect(layers(pkt)).toEqual(['frame', 'eth', 'ip', 'tcp']);
      expectFields(pkt, {
        'frame.protocols': ['eth:ethertype:ip:tcp'],
        'eth.dst': ['00:00:00:00:00:00'],
        'eth.src': ['00:00:00:00:00:00'],
        'eth.addr': ['00:00:00:00:00:00', '00:00:00:00:00:00'],
        'eth.dst.lg': ['0'],
        'eth.ig': ['0', '0'],
        'eth.type': ['0x0800'],
      });
      expectAbsent(pkt, ['eth.len', 'eth.padding', 'eth.trailer', 'eth.fcs']);
      expect(problem(pkt)).toEqual({ kind: 'none' });
    });

    it('zero bytes after a short payload are padding', () => {
      const pkt = decode(frameOf(ARP_PADDED));
      expectFields(pkt, {
        'frame.protocols': ['eth:ethertype:arp'],
        'eth.dst': ['ff:ff:ff:ff:ff:ff'],
        'eth.src': ['00:1f:29:da:f8:fb'],
        'eth.dst.lg': ['1'],
        'eth.dst.ig': ['1'],
        'eth.lg': ['1', '0'],
        'eth.type': ['0x0806'],
        'eth.padding': ['000000000000000000000000000000000000'],
      });
      expectAbsent(pkt, ['eth.trailer']);
    });

    it('bytes after the payload that are not all zero are a trailer, as Wireshark\'s "padding is zeros" rule says', () => {
      const pkt = decode(frameOf(ARP_TRAILER));
      expectFields(pkt, { 'eth.trailer': ['000000008a00000000000000000000000000'] });
      expectAbsent(pkt, ['eth.padding']);
    });

    it('IEEE 802.3: a length field, an LLC header, padding after the length', () => {
      const pkt = decode(frameOf(STP_8023));
      expect(layers(pkt)).toEqual(['frame', 'eth', 'llc', 'data']);
      expectFields(pkt, {
        'eth.len': ['38'],
        'eth.padding': ['0000000000000000'],
        'llc.dsap': ['0x42'],
        'llc.ssap': ['0x42'],
        'llc.control': ['0x0003'],
      });
      expectAbsent(pkt, ['eth.type']);
      expect(ethernet.tree!(pkt, 1).map((n) => n.text)).toContain('Length: 38');
    });

    it('an FCS: declared by the capture, or guessed as Wireshark does (a frame of 64 bytes or more with 4 trailing bytes)', () => {
      const declared = frameOf(OSPF_FCS);
      declared.fcsLen = 4;
      const pkt = decode(declared);
      expectFields(pkt, { 'eth.type': ['0x0800'], 'eth.fcs': ['0x022a42ea'], 'eth.fcs.status': ['2'], 'ip.len': ['124'] });
      expectAbsent(pkt, ['eth.trailer', 'eth.padding']);
      // This pcapng does not say (fcsLen -1): tshark 4.0 guesses an FCS, and so does synack.
      expectFields(decode(frameOf(OSPF_FCS)), { 'eth.fcs': ['0x022a42ea'] });
      // A capture that says "no FCS" leaves the same bytes a trailer.
      const none = frameOf(OSPF_FCS);
      none.fcsLen = 0;
      expectFields(decode(none), { 'eth.trailer': ['022a42ea'], 'eth.fcs': [] as string[] });
    });

    it('the detail tree names the fields as Wireshark does, with byte ranges', () => {
      const pkt = decode(frameOf(ARP_PADDED));
      const tree = ethernet.tree!(pkt, 1);
      expect(tree.map((n) => n.text)).toEqual([
        'Destination: ff:ff:ff:ff:ff:ff',
        'Source: 00:1f:29:da:f8:fb',
        'Type: ARP (0x0806)',
        'Padding: 000000000000000000000000000000000000',
      ]);
      expect(tree[1]).toMatchObject({ field: 'eth.src', offset: 6, length: 6 });
      expect(tree[3]).toMatchObject({ field: 'eth.padding', offset: 42, length: 18 });
      expect(tree[0].children?.map((n) => n.text)).toEqual([
        'Address: ff:ff:ff:ff:ff:ff',
        '.... ..1. .... .... .... .... = LG bit: Locally administered address (this is NOT the factory default)',
        '.... ...1 .... .... .... .... = IG bit: Group address (multicast/broadcast)',
      ]);
    });
  });

  describe('truncated', () => {
    it('cut inside the 14-byte header: truncated eth, no Ethernet field at all (tshark reads the type first)', () => {
      expectEveryCut(SYN, (capLen) => (capLen < 14 ? truncatedAt('eth', 14, capLen) : capLen < 34 ? truncatedAt('ip', 20, capLen - 14) : null));
      const pkt = decode(frameOf(SYN, { capLen: 12 }));
      expect(layers(pkt)).toEqual(['frame', 'eth']);
      expectAbsent(pkt, ['eth.dst', 'eth.src', 'eth.type', 'eth.lg']);
    });

    it('padding cut by the snapshot length cannot be checked for zeros: neither padding nor trailer is shown (tshark 4.0 does the same)', () => {
      const pkt = decode(frameOf(ARP_PADDED, { capLen: 50 }));
      expectAbsent(pkt, ['eth.padding', 'eth.trailer']);
      expect(problem(pkt)).toEqual({ kind: 'none' });
      // A non-zero byte among the captured ones settles it: no padding, the captured bytes are a trailer.
      const cut = decode(frameOf(ARP_TRAILER, { capLen: 50 }));
      expectFields(cut, { 'eth.trailer': ['000000008a000000'] });
      expectAbsent(cut, ['eth.padding']);
    });
  });

  describe('malformed', () => {
    it('a frame shorter on the wire than the header', () => {
      const pkt = decode(frameOf(SYN.slice(0, 20)));
      expect(problem(pkt)).toEqual({ kind: 'malformed', layer: 'eth', field: 'eth' });
    });

    it('an 802.3 length beyond the frame', () => {
      const pkt = decode(frameOf(patched(STP_8023, (b) => (b[13] = 200))));
      expect(problem(pkt)).toEqual({ kind: 'malformed', layer: 'eth', field: 'eth.len' });
      expect(layers(pkt)).toEqual(['frame', 'eth', 'llc', 'data']);
    });

    it('a type/length between 1501 and 1535 is neither: eth.invalid_lentype, the rest is data', () => {
      const pkt = decode(frameOf(patched(SYN, (b) => ((b[12] = 0x05), (b[13] = 0xf0)))));
      expect(layers(pkt)).toEqual(['frame', 'eth', 'data']);
      expectFields(pkt, { 'eth.invalid_lentype': ['0x05f0'] });
      expectAbsent(pkt, ['eth.type', 'eth.len']);
    });

    it('an unknown ethertype is shown by number, its payload as data', () => {
      const pkt = decode(frameOf(patched(SYN, (b) => ((b[12] = 0x88), (b[13] = 0xb5)))));
      expect(layers(pkt)).toEqual(['frame', 'eth', 'data']);
      expectFields(pkt, { 'eth.type': ['0x88b5'], 'frame.protocols': ['eth:ethertype:data'] });
    });
  });
});
