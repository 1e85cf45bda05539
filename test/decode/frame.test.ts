import { describe, expect, it } from 'vitest';
import { decodeFrame } from '../../src/decode/index';
import { frame } from '../../src/decode/frame';
import { Packet } from '../../src/decode/packet';
import { expectAbsent, expectFields } from './expect';
import { decode, frameOf, values } from './frames';

// lab/demo.pcap #1: IP 127.0.0.1.57520 > 127.0.0.1.47001: Flags [S], seq 1347259998, win 65495,
//   options [mss 65495,sackOK,TS val 544286507 ecr 0,nop,wscale 10], length 0
const SYN =
  '00000000000000000000000008004500003c1b0f4000400621ab7f0000017f000001e0b0b799504d8e5e00000000a002ffd7fe300000' +
  '0204ffd70402080a2071272b000000000103030a';
// mptcp-tcprst.pcap #1 (LINKTYPE_RAW): IP 192.0.2.1.55739 > 192.168.76.28.8080: Flags [R.], seq 1, ack 2176696966,
//   win 256, options [mptcp 4 unknown], length 0
const MPTCP_RST = '4500002c00000000ff06ed05c0000201c0a84c1cd9bb1f900000000181bdc28660140100f47000001e048000';

describe('frame', () => {
  describe('parse', () => {
    it('what the capture knows: encapsulation, protocols, never marked or ignored', () => {
      const pkt = decode(frameOf(SYN));
      expectFields(pkt, {
        'frame.number': ['1'],
        'frame.len': ['74'],
        'frame.cap_len': ['74'],
        'frame.encap_type': ['1'],
        'frame.protocols': ['eth:ethertype:ip:tcp'],
        'frame.marked': ['0'],
        'frame.ignored': ['0'],
      });
    });

    it('Multipath TCP options appear in frame.protocols as Wireshark lists them', () => {
      expectFields(decode(frameOf(MPTCP_RST, { linkType: 101 })), { 'frame.protocols': ['raw:ip:tcp:mptcp'], 'frame.encap_type': ['7'] });
    });

    it('relative time and delta: from the first frame and the previous one, to the nanosecond', () => {
      const pkt = new Packet();
      const times: [number, number][] = [
        [1700000000, 614540000],
        [1700000000, 614557000],
        [1700000001, 5],
      ];
      const seen: string[][] = [];
      times.forEach(([sec, nsec], i) => {
        const f = frameOf(SYN);
        f.tsSec = sec;
        f.tsNsec = nsec;
        decodeFrame(pkt, f, i + 1);
        seen.push([...values(pkt, 'frame.time_relative'), ...values(pkt, 'frame.time_delta')]);
      });
      expect(seen).toEqual([
        ['0.000000000', '0.000000000'],
        ['0.000017000', '0.000017000'],
        ['0.385460005', '0.385443005'],
      ]);
    });

    it('an unknown link type has no encapsulation number, and its bytes are data', () => {
      const pkt = decode(frameOf(SYN, { linkType: 4242 }));
      expectAbsent(pkt, ['frame.encap_type']);
      expectFields(pkt, { 'frame.protocols': ['data'] });
    });

    it('the tree says the encapsulation, lengths and protocols', () => {
      const text = frame.tree!(decode(frameOf(SYN)), 0).map((n) => n.text);
      expect(text).toContain('Encapsulation type: Ethernet (1)');
      expect(text).toContain('Frame Length: 74 bytes (592 bits)');
      expect(text).toContain('[Protocols in frame: eth:ethertype:ip:tcp]');
    });
  });

  describe('truncated', () => {
    it('a cut frame keeps its wire length', () => {
      expectFields(decode(frameOf(SYN, { capLen: 20 })), { 'frame.len': ['74'], 'frame.cap_len': ['20'], 'frame.protocols': ['eth:ethertype:ip'] });
    });
  });

  describe('malformed', () => {
    it('an empty frame still has its frame layer', () => {
      expectFields(decode(frameOf('')), { 'frame.len': ['0'], 'frame.protocols': ['eth'] });
    });
  });
});
