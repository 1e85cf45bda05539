/**
 * Property-based tests (fast-check) over every decoder, through decodeFrame
 * with every link type synack knows: random bytes, random truncations of
 * real frames, random bit flips of real frames. For each input:
 *  - no exception escapes decoding, any field getter, any tree, or any
 *    output writer;
 *  - the result is a layer stack (frame first, layers in order, inside the
 *    frame) with at most one typed problem that names one of its layers;
 *  - nothing reads past the captured bytes: the same frame followed by two
 *    different fillers decodes and prints identically.
 */
import fc from 'fast-check';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { copyFrame, newFrame, type Frame } from '../../src/capture/frame';
import { openFile } from '../../src/capture/open';
import { linkTypes } from '../../src/decode/dispatch';
import { decodeFrame } from '../../src/decode/index';
import { Packet, ProblemKind } from '../../src/decode/packet';
import { JsonWriter } from '../../src/output/json';
import { OutBuf } from '../../src/output/outbuf';
import { SummaryWriter } from '../../src/output/summary';
import { writeTree } from '../../src/output/tree';
import { CAPTURES, CORPUS } from '../helpers/paths';
import { readEveryField } from './frames';

/** Every link type registered, and one nobody decodes (shown as data). */
const LINK_TYPES = [...linkTypes.keys(), 147];

/** Real frames of many kinds: TCP (v4, v6, cooked), UDP, DNS, DHCP, ARP, ICMP, VLAN, fragments, tunnels. */
const SOURCES = [
  join(CAPTURES, 'arp-ping.pcap'),
  join(CAPTURES, 'udp-chat.pcap'),
  join(CAPTURES, 'tcp-chat-v6.pcap'),
  join(CAPTURES, 'tcp-chat-any.pcap'),
  join(CAPTURES, 'chat-demo.pcapng'),
  join(CAPTURES, 'split.pcap'),
  join(CAPTURES, 'burst-cork-length.pcap'),
  join(CORPUS, 'lab', 'demo.pcap'),
  join(CORPUS, 'lab', 'esc.pcap'),
  ...[
    'dns_udp.pcap',
    'dnssec.pcap',
    'dns-badlabel.pcap',
    'dns_fwdptr.pcap',
    'dhcp-rfc3004.pcap',
    'dhcp-mud.pcap',
    'ssh.pcap',
    'accecn_handshake.pcap',
    'icmp-vrf.pcap',
    'afs.pcap',
    'LINKTYPE_IPV6.pcap',
    'LINKTYPE_RAW_ipv4.pcap',
    'QinQpacket.pcap',
    'of10_inv_OFPST_FLOW.pcap',
    'tcp_header_heapoverflow.pcap',
  ].map((f) => join(CORPUS, 'tcpdump', f)),
].filter((f) => existsSync(f));

const frames: Frame[] = [];

beforeAll(async () => {
  for (const file of SOURCES) {
    const source = openFile(file);
    await source.run((f) => {
      if (frames.length < 4000) frames.push(copyFrame(f));
    });
  }
});

const pkt = new Packet();
const json = new JsonWriter();
const summary = new SummaryWriter({ timeDigits: 6 });

/** Decodes `bytes` (the captured part) followed by `filler`, and everything synack prints about it. */
function decodeAndPrint(bytes: Uint8Array, capLen: number, origLen: number, linkType: number, filler: number): string {
  const data = new Uint8Array(capLen + 64).fill(filler);
  data.set(bytes.subarray(0, capLen));
  const f = newFrame();
  f.data = data;
  f.capLen = capLen;
  f.origLen = origLen;
  f.linkType = linkType;
  decodeFrame(pkt, f, 1);
  checkStack(pkt);
  readEveryField(pkt);
  const out = new OutBuf(-1);
  summary.write(out, pkt);
  json.write(out, pkt);
  writeTree(out, pkt);
  return out.text();
}

function checkStack(p: Packet): void {
  expect(p.layerCount).toBeGreaterThanOrEqual(1);
  expect(p.layerProto[0].name).toBe('frame');
  for (let i = 1; i < p.layerCount; i++) {
    expect(p.layerStart[i]).toBeGreaterThanOrEqual(p.layerStart[i - 1]);
    expect(p.layerPayload[i]).toBeGreaterThanOrEqual(p.layerStart[i]);
    expect(p.layerStart[i]).toBeLessThanOrEqual(Math.max(p.capLen, p.frame.origLen));
  }
  if (p.problem === ProblemKind.None) return;
  expect([ProblemKind.Truncated, ProblemKind.Malformed]).toContain(p.problem);
  expect(p.problemLayer).toBeGreaterThanOrEqual(0);
  expect(p.problemLayer).toBeLessThan(p.layerCount);
  if (p.problem === ProblemKind.Truncated) expect(p.problemNeeded).toBeGreaterThan(p.problemAvailable);
  else expect(p.problemField).not.toBe('');
}

/** Decoded twice with different bytes after the capture: any difference is a read past capLen. */
function sameWithEitherFiller(bytes: Uint8Array, capLen: number, origLen: number, linkType: number): void {
  const a = decodeAndPrint(bytes, capLen, origLen, linkType, 0x00);
  const b = decodeAndPrint(bytes, capLen, origLen, linkType, 0xff);
  if (a === b) return;
  // Name the lines and JSON members that differ: they show which field or tree line read past capLen.
  const ta = new Set(a.split(/\n|,(?=")|[{}]/));
  const tb = new Set(b.split(/\n|,(?=")|[{}]/));
  const onlyA = [...ta].filter((t) => !tb.has(t));
  const onlyB = [...tb].filter((t) => !ta.has(t));
  expect({ onlyWithZeroFiller: onlyA, onlyWithFfFiller: onlyB }, `a read past the captured bytes (link type ${linkType}, capLen ${capLen})`).toEqual({
    onlyWithZeroFiller: [],
    onlyWithFfFiller: [],
  });
}

describe('decoders under random input (fast-check)', () => {
  it('loads real frames', () => {
    expect(frames.length).toBeGreaterThan(100);
  });

  it('random bytes, every link type', () => {
    fc.assert(
      fc.property(fc.constantFrom(...LINK_TYPES), fc.uint8Array({ maxLength: 300 }), fc.nat(100), (linkType, bytes, extra) => {
        sameWithEitherFiller(bytes, bytes.length, bytes.length + (extra % 3 === 0 ? extra : 0), linkType);
      }),
      { numRuns: 2000 },
    );
  });

  it('random bytes behind a valid Ethernet/IPv4/TCP-or-UDP prefix reach the upper decoders', () => {
    // A prefix from a real frame, the rest random: DNS, DHCP and TCP options get exercised.
    fc.assert(
      fc.property(fc.nat(), fc.nat(64), fc.uint8Array({ minLength: 1, maxLength: 400 }), (pick, keep, tail) => {
        const f = frames[pick % frames.length];
        const prefix = Math.min(f.capLen, 14 + 20 + keep);
        const bytes = new Uint8Array(prefix + tail.length);
        bytes.set(f.data.subarray(f.offset, f.offset + prefix));
        bytes.set(tail, prefix);
        sameWithEitherFiller(bytes, bytes.length, bytes.length, f.linkType);
      }),
      { numRuns: 2000 },
    );
  });

  it('random truncations of real frames', () => {
    fc.assert(
      fc.property(fc.nat(), fc.nat(), (pick, cut) => {
        const f = frames[pick % frames.length];
        const bytes = f.data.subarray(f.offset, f.offset + f.capLen);
        const capLen = cut % (f.capLen + 1);
        sameWithEitherFiller(bytes, capLen, f.origLen, f.linkType);
      }),
      { numRuns: 2000 },
    );
  });

  it('random bit flips of real frames', () => {
    fc.assert(
      fc.property(fc.nat(), fc.array(fc.nat(), { minLength: 1, maxLength: 8 }), (pick, flips) => {
        const f = frames[pick % frames.length];
        const bytes = f.data.slice(f.offset, f.offset + f.capLen);
        if (bytes.length === 0) return;
        for (const bit of flips) bytes[(bit >> 3) % bytes.length] ^= 1 << (bit & 7);
        sameWithEitherFiller(bytes, bytes.length, Math.max(f.origLen, bytes.length), f.linkType);
      }),
      { numRuns: 2000 },
    );
  });
});
