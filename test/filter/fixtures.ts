/**
 * Real frames from the lab captures (../shared/corpus/lab), as bytes, with the
 * line tshark 4.0 prints for each. Unit tests of the filter language run on
 * these; the differential test covers whole captures.
 */
import { newFrame, type Frame } from '../../src/capture/frame';
import { decodeFrame } from '../../src/decode/index';
import { Packet } from '../../src/decode/packet';

interface Fixture {
  file: string;
  number: number;
  epoch: string;
  hex: string;
}

export const FIXTURES = {
  // two.pcap 1: 127.0.0.2 → 127.0.0.1 TCP 74 37787 → 47010 [SYN] Seq=0 Win=65495 Len=0 MSS=65495 SACK_PERM TSval=1848029900 TSecr=0 WS=1024
  syn: {
    file: 'two.pcap',
    number: 1,
    epoch: '1795247302.730386000',
    hex: '00000000000000000000000008004500003c3ef440004006fdc47f0000027f000001939bb7a21abf254e00000000a002ffd7fe3100000204ffd70402080a6e26b2cc000000000103030a',
  },
  // two.pcap 2: 127.0.0.1 → 127.0.0.2 TCP 74 47010 → 37787 [SYN, ACK] Seq=0 Ack=1 Win=65483 Len=0 MSS=65495 SACK_PERM TSval=1884244839 TSecr=1848029900 WS=1024
  synack: {
    file: 'two.pcap',
    number: 2,
    epoch: '1795247302.730401000',
    hex: '00000000000000000000000008004500003c0000400040063cb97f0000017f000002b7a2939bbbac17911abf254fa012ffcbfe3100000204ffd70402080a704f4b676e26b2cc0103030a',
  },
  // two.pcap 6: 127.0.0.2 → 127.0.0.1 TCP 69 37787 → 47010 [PSH, ACK] Seq=1 Ack=7 Win=65536 Len=3 TSval=1848029901 TSecr=1884244840
  data: {
    file: 'two.pcap',
    number: 6,
    epoch: '1795247302.731281000',
    hex: '0000000000000000000000000800450000373ef740004006fdc67f0000027f000001939bb7a21abf254fbbac179880180040fe2c00000101080a6e26b2cd704f4b6868690a',
  },
  // esc.pcap 4: 127.0.0.1 → 127.0.0.1 HTTP 113 GET /\033[31mRED\033[0m\a\033]0;pwned-title\a HTTP/1.0
  get: {
    file: 'esc.pcap',
    number: 4,
    epoch: '1795247316.511437000',
    hex: '0000000000000000000000000800450000637cac40004006bfe67f0000017f000001a228b7a3a2cd41a9ec4cbb1380180040fe5700000101080af407c16586b58a90474554202f1b5b33316d5245441b5b306d071b5d303b70776e65642d7469746c650720485454502f312e300d0a0d0a',
  },
  // v6.pcap 1: ::1 → ::1 TCP 94 43324 → 47040 [SYN] Seq=0 Win=65476 Len=0 MSS=65476 SACK_PERM TSval=2825394329 TSecr=0 WS=1024
  v6syn: {
    file: 'v6.pcap',
    number: 1,
    epoch: '1795247427.614902000',
    hex: '00000000000000000000000086dd600c0937002806400000000000000000000000000000000100000000000000000000000000000001a93cb7c08b587c1b00000000a002ffc4003000000204ffc40402080aa8681899000000000103030a',
  },
} satisfies Record<string, Fixture>;

export type FixtureName = keyof typeof FIXTURES;
export const FIXTURE_NAMES = Object.keys(FIXTURES) as FixtureName[];

export function fixtureFrame(name: FixtureName): Frame {
  const f: Fixture = FIXTURES[name];
  const data = Uint8Array.from(Buffer.from(f.hex, 'hex'));
  const [sec, frac] = f.epoch.split('.');
  // newFrame() sets every other member (time present, no FCS) as a file source would.
  return Object.assign(newFrame(), {
    tsSec: Number(sec),
    tsNsec: Number(frac),
    capLen: data.length,
    origLen: data.length,
    linkType: 1,
    data,
    offset: 0,
  });
}

/** A freshly decoded packet of one fixture (its own Packet: fixtures are independent frames). */
export function fixturePacket(name: FixtureName): Packet {
  const pkt = new Packet();
  decodeFrame(pkt, fixtureFrame(name), FIXTURES[name].number);
  return pkt;
}
