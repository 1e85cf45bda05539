/**
 * Builders for hand-made capture files: the variants and the damage real
 * captures rarely show. Every builder returns bytes; `save` writes them under
 * a fixed name in a temporary directory, so the tshark oracle (cached by
 * content) answers once per distinct file.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export type Endian = 'le' | 'be';

const DIR = join(tmpdir(), 'synack-capture-tests');

export function save(name: string, bytes: Uint8Array): string {
  mkdirSync(DIR, { recursive: true });
  const path = join(DIR, name);
  writeFileSync(path, bytes);
  return path;
}

export function concat(...parts: Uint8Array[]): Uint8Array {
  return Buffer.concat(parts.map((p) => Buffer.from(p.buffer, p.byteOffset, p.byteLength)));
}

class W {
  private b: number[] = [];
  constructor(private readonly e: Endian) {}
  u8(v: number): this {
    this.b.push(v & 0xff);
    return this;
  }
  u16(v: number): this {
    return this.e === 'le' ? this.u8(v).u8(v >>> 8) : this.u8(v >>> 8).u8(v);
  }
  u32(v: number): this {
    return this.e === 'le' ? this.u16(v & 0xffff).u16(v >>> 16) : this.u16(v >>> 16).u16(v & 0xffff);
  }
  u64(v: bigint): this {
    const lo = Number(v & 0xffffffffn);
    const hi = Number((v >> 32n) & 0xffffffffn);
    return this.e === 'le' ? this.u32(lo).u32(hi) : this.u32(hi).u32(lo);
  }
  /** A pcapng packet time stamp: the high 32 bits first, each half in the section's byte order. */
  ts(v: bigint): this {
    return this.u32(Number((v >> 32n) & 0xffffffffn)).u32(Number(v & 0xffffffffn));
  }
  bytes(d: Uint8Array): this {
    for (const x of d) this.b.push(x);
    return this;
  }
  pad(): this {
    while (this.b.length % 4 !== 0) this.b.push(0);
    return this;
  }
  done(): Uint8Array {
    return Uint8Array.from(this.b);
  }
}

/** A 60-byte frame: an Ethernet header (IPv4 type) and counting bytes. */
export function ethFrame(seed = 0): Uint8Array {
  const d = new Uint8Array(60);
  for (let i = 0; i < 60; i++) d[i] = (i + seed) & 0xff;
  d[12] = 0x08;
  d[13] = 0x00;
  return d;
}

// ---- classic pcap ----

export interface PcapHeaderOptions {
  e?: Endian;
  nano?: boolean;
  linkType?: number;
  snapLen?: number;
  major?: number;
  minor?: number;
}

export function pcapHeader(o: PcapHeaderOptions = {}): Uint8Array {
  const w = new W(o.e ?? 'le');
  return w
    .u32(o.nano === true ? 0xa1b23c4d : 0xa1b2c3d4)
    .u16(o.major ?? 2)
    .u16(o.minor ?? 4)
    .u32(0)
    .u32(0)
    .u32(o.snapLen ?? 65535)
    .u32(o.linkType ?? 1)
    .done();
}

export function pcapRecord(sec: number, frac: number, data: Uint8Array, o: { e?: Endian; origLen?: number; capLen?: number } = {}): Uint8Array {
  return new W(o.e ?? 'le')
    .u32(sec)
    .u32(frac)
    .u32(o.capLen ?? data.length)
    .u32(o.origLen ?? data.length)
    .bytes(data)
    .done();
}

// ---- pcapng ----

export function block(type: number, body: Uint8Array, e: Endian = 'le', trailer?: number): Uint8Array {
  const len = 12 + body.length;
  return new W(e)
    .u32(type)
    .u32(len)
    .bytes(body)
    .u32(trailer ?? len)
    .done();
}

export function option(code: number, value: Uint8Array, e: Endian = 'le'): Uint8Array {
  return new W(e).u16(code).u16(value.length).bytes(value).pad().done();
}

export function options(list: Uint8Array[], e: Endian = 'le'): Uint8Array {
  return list.length === 0 ? new Uint8Array(0) : concat(...list, new W(e).u32(0).done());
}

export function shb(e: Endian = 'le', major = 1): Uint8Array {
  return block(0x0a0d0d0a, new W(e).u32(0x1a2b3c4d).u16(major).u16(0).u64(0xffffffffffffffffn).done(), e);
}

export interface IdbOptions {
  e?: Endian;
  snapLen?: number;
  tsresol?: number;
  tsoffset?: bigint;
  fcsLen?: number;
  name?: string;
  description?: string;
}

export function idb(linkType: number, o: IdbOptions = {}): Uint8Array {
  const e = o.e ?? 'le';
  const opts: Uint8Array[] = [];
  if (o.name !== undefined) opts.push(option(2, Buffer.from(o.name), e));
  if (o.description !== undefined) opts.push(option(3, Buffer.from(o.description), e));
  if (o.tsresol !== undefined) opts.push(option(9, Uint8Array.of(o.tsresol), e));
  if (o.fcsLen !== undefined) opts.push(option(13, Uint8Array.of(o.fcsLen), e));
  if (o.tsoffset !== undefined) opts.push(option(14, new W(e).u64(BigInt.asUintN(64, o.tsoffset)).done(), e));
  return block(1, concat(new W(e).u16(linkType).u16(0).u32(o.snapLen ?? 0).done(), options(opts, e)), e);
}

/** `opts`: the block's options as bytes (`options([...])`, or anything a test needs to be there). */
export function epb(iface: number, ts: bigint, data: Uint8Array, o: { e?: Endian; origLen?: number; opts?: Uint8Array } = {}): Uint8Array {
  const e = o.e ?? 'le';
  const body = new W(e)
    .u32(iface)
    .ts(ts)
    .u32(data.length)
    .u32(o.origLen ?? data.length)
    .bytes(data)
    .pad()
    .bytes(o.opts ?? new Uint8Array(0))
    .done();
  return block(6, body, e);
}

export function spb(data: Uint8Array, origLen: number, e: Endian = 'le'): Uint8Array {
  return block(3, new W(e).u32(origLen).bytes(data).pad().done(), e);
}

/** The obsolete packet block (pcapng before 1.0). */
export function pb(iface: number, ts: bigint, data: Uint8Array, e: Endian = 'le', opts: Uint8Array = new Uint8Array(0)): Uint8Array {
  const body = new W(e).u16(iface).u16(0).ts(ts).u32(data.length).u32(data.length).bytes(data).pad().bytes(opts).done();
  return block(2, body, e);
}

/** Microseconds since the epoch, the default pcapng resolution. */
export function usec(sec: number, us: number): bigint {
  return BigInt(sec) * 1000000n + BigInt(us);
}
