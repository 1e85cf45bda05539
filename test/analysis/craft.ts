/**
 * Hand-made TCP/UDP/ARP frames for tests: Ethernet + IPv4/IPv6 + TCP with
 * options, written as pcap (for tshark, the oracle) or handed to the decoder
 * directly. Checksums are left zero (tshark 4.0 does not verify them).
 */
import { writeFileSync } from 'node:fs';
import type { Frame } from '../../src/capture/frame';
import { decodeFrame } from '../../src/decode/index';
import { Packet } from '../../src/decode/packet';
import { Analyzer, type AnalysisOptions } from '../../src/analysis/index';

export interface Endpoint {
  ip: string;
  port: number;
}

export interface TcpOpts {
  mss?: number;
  ws?: number;
  sackPerm?: boolean;
  ts?: [number, number];
  sack?: [number, number][];
}

export interface CraftedFrame {
  sec: number;
  nsec: number;
  bytes: Uint8Array;
  /** Length on the wire (default: bytes.length). */
  origLen?: number;
}

function ipv4Bytes(ip: string): number[] {
  return ip.split('.').map(Number);
}

function ipv6Bytes(ip: string): number[] {
  const [head, tail] = ip.includes('::') ? ip.split('::') : [ip, ''];
  const h = head === '' ? [] : head.split(':');
  const t = tail === '' ? [] : tail.split(':');
  const groups = [...h, ...new Array(8 - h.length - t.length).fill('0'), ...t].map((g) => parseInt(g, 16));
  return groups.flatMap((g) => [g >> 8, g & 255]);
}

const isV6 = (ip: string): boolean => ip.includes(':');

function optionBytes(o: TcpOpts | undefined): number[] {
  if (o === undefined) return [];
  const b: number[] = [];
  if (o.mss !== undefined) b.push(2, 4, o.mss >> 8, o.mss & 255);
  if (o.sackPerm) b.push(4, 2);
  if (o.ts !== undefined) {
    b.push(8, 10);
    for (const v of o.ts) b.push((v >>> 24) & 255, (v >>> 16) & 255, (v >>> 8) & 255, v & 255);
  }
  if (o.ws !== undefined) b.push(1, 3, 3, o.ws);
  if (o.sack !== undefined && o.sack.length > 0) {
    b.push(1, 1, 5, 2 + 8 * o.sack.length);
    for (const [l, r] of o.sack) for (const v of [l, r]) b.push((v >>> 24) & 255, (v >>> 16) & 255, (v >>> 8) & 255, v & 255);
  }
  while (b.length % 4 !== 0) b.push(1);
  return b;
}

const FLAG_BITS: Record<string, number> = { F: 1, S: 2, R: 4, P: 8, A: 16, U: 32, E: 64, C: 128 };

export function flagBits(flags: string): number {
  let v = 0;
  for (const ch of flags) v |= FLAG_BITS[ch] ?? 0;
  return v;
}

/** An Ethernet frame carrying `l4` (protocol number `proto`) from `src` to `dst`. */
export function ipFrame(src: string, dst: string, proto: number, l4: number[], opts: { ipFlags?: number; ttl?: number } = {}): Uint8Array {
  const v6 = isV6(src);
  const eth = [0, 0, 0, 0, 0, 2, 0, 0, 0, 0, 0, 1, v6 ? 0x86 : 0x08, v6 ? 0xdd : 0x00];
  let ip: number[];
  if (v6) {
    const plen = l4.length;
    ip = [0x60, 0, 0, 0, plen >> 8, plen & 255, proto, 64, ...ipv6Bytes(src), ...ipv6Bytes(dst)];
  } else {
    const total = 20 + l4.length;
    const fl = opts.ipFlags ?? 0x4000;
    ip = [0x45, 0, total >> 8, total & 255, 0, 1, fl >> 8, fl & 255, opts.ttl ?? 64, proto, 0, 0, ...ipv4Bytes(src), ...ipv4Bytes(dst)];
  }
  return Uint8Array.from([...eth, ...ip, ...l4]);
}

export interface SegmentSpec {
  flags: string;
  seq: number;
  ack?: number;
  win?: number;
  data?: number | string | Uint8Array;
  opts?: TcpOpts;
}

function payloadOf(d: SegmentSpec['data']): number[] {
  if (d === undefined) return [];
  if (typeof d === 'number') return new Array(d).fill(0x41);
  if (typeof d === 'string') return [...Buffer.from(d, 'latin1')];
  return [...d];
}

/** A TCP segment from `src` to `dst` in an Ethernet frame. */
export function tcpFrame(src: Endpoint, dst: Endpoint, s: SegmentSpec): Uint8Array {
  const opt = optionBytes(s.opts);
  const hlen = 20 + opt.length;
  const f = flagBits(s.flags);
  const seq = s.seq >>> 0;
  const ack = (s.ack ?? 0) >>> 0;
  const win = s.win ?? 65535;
  const tcp = [
    src.port >> 8, src.port & 255, dst.port >> 8, dst.port & 255,
    seq >>> 24, (seq >>> 16) & 255, (seq >>> 8) & 255, seq & 255,
    ack >>> 24, (ack >>> 16) & 255, (ack >>> 8) & 255, ack & 255,
    (hlen / 4) << 4, f & 255, win >> 8, win & 255, 0, 0, 0, 0,
    ...opt, ...payloadOf(s.data),
  ];
  return ipFrame(src.ip, dst.ip, 6, tcp);
}

export function udpFrame(src: Endpoint, dst: Endpoint, data: number | string | Uint8Array): Uint8Array {
  const p = payloadOf(data);
  const len = 8 + p.length;
  return ipFrame(src.ip, dst.ip, 17, [src.port >> 8, src.port & 255, dst.port >> 8, dst.port & 255, len >> 8, len & 255, 0, 0, ...p]);
}

export function arpFrame(op: 1 | 2, senderMac: string, senderIp: string, targetMac: string, targetIp: string): Uint8Array {
  const mac = (m: string): number[] => m.split(':').map((x) => parseInt(x, 16));
  const dst = op === 1 ? [255, 255, 255, 255, 255, 255] : mac(targetMac);
  return Uint8Array.from([...dst, ...mac(senderMac), 0x08, 0x06, 0, 1, 8, 0, 6, 4, 0, op, ...mac(senderMac), ...ipv4Bytes(senderIp), ...mac(targetMac), ...ipv4Bytes(targetIp)]);
}

/** Writes a classic pcap (microsecond timestamps, Ethernet). */
export function writePcap(path: string, frames: readonly CraftedFrame[]): void {
  const parts: Buffer[] = [];
  const hdr = Buffer.alloc(24);
  hdr.writeUInt32LE(0xa1b23c4d, 0); // nanosecond pcap
  hdr.writeUInt16LE(2, 4);
  hdr.writeUInt16LE(4, 6);
  hdr.writeUInt32LE(262144, 16);
  hdr.writeUInt32LE(1, 20);
  parts.push(hdr);
  for (const f of frames) {
    const r = Buffer.alloc(16);
    r.writeUInt32LE(f.sec, 0);
    r.writeUInt32LE(f.nsec, 4);
    r.writeUInt32LE(f.bytes.length, 8);
    r.writeUInt32LE(f.origLen ?? f.bytes.length, 12);
    parts.push(r, Buffer.from(f.bytes));
  }
  writeFileSync(path, Buffer.concat(parts));
}

/** `n` SYNs from distinct sources, none answered (a SYN flood). */
export function synFlood(n: number): CraftedFrame[] {
  const frames: CraftedFrame[] = [];
  for (let k = 0; k < n; k++) {
    const src = { ip: `10.${(k >>> 16) & 255}.${(k >>> 8) & 255}.${k & 255}`, port: 1024 + (k % 60000) };
    frames.push({ sec: 1_700_000_000 + Math.floor(k / 1e6), nsec: (k % 1e6) * 1000, bytes: tcpFrame(src, { ip: '192.0.2.1', port: 80 }, { flags: 'S', seq: (k * 2654435761) >>> 0 }) });
  }
  return frames;
}

/** Builds a conversation between a client and a server, frame by frame, with a clock. */
export class Conversation {
  readonly frames: CraftedFrame[] = [];
  /** Current time in ns since 1.7e9 s. */
  private ns = 0;

  constructor(
    readonly client: Endpoint,
    readonly server: Endpoint,
    private readonly base = 1_700_000_000,
  ) {}

  /** Advances the clock by `us` microseconds. */
  wait(us: number): this {
    this.ns += Math.round(us * 1000);
    return this;
  }

  private push(bytes: Uint8Array): this {
    const sec = this.base + Math.floor(this.ns / 1e9);
    this.frames.push({ sec, nsec: this.ns % 1e9, bytes });
    return this;
  }

  /** A segment from the client ('c') or the server ('s'). */
  tcp(from: 'c' | 's', s: SegmentSpec): this {
    return from === 'c' ? this.push(tcpFrame(this.client, this.server, s)) : this.push(tcpFrame(this.server, this.client, s));
  }

  raw(bytes: Uint8Array): this {
    return this.push(bytes);
  }
}

/** Decodes and analyses crafted frames in process; returns the analyzer and per-frame callbacks' results. */
export function analyse<T>(frames: readonly CraftedFrame[], opts: Partial<AnalysisOptions> = {}, each?: (pkt: Packet, a: Analyzer) => T): { analyzer: Analyzer; results: T[] } {
  const a = new Analyzer(opts);
  const pkt = new Packet();
  const results: T[] = [];
  frames.forEach((c, i) => {
    const f = {
      tsSec: c.sec,
      tsNsec: c.nsec,
      hasTime: true,
      fcsLen: -1,
      capLen: c.bytes.length,
      origLen: c.origLen ?? c.bytes.length,
      linkType: 1,
      interfaceId: -1,
      iface: null,
      recordOffset: 0,
      data: c.bytes,
      offset: 0,
    } as unknown as Frame;
    decodeFrame(pkt, f, i + 1);
    a.process(pkt);
    if (each !== undefined) results.push(each(pkt, a));
  });
  a.finish();
  return { analyzer: a, results };
}
