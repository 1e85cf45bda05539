/**
 * Saving frames: classic pcap, or pcapng when the name ends in .pcapng.
 * Records are formatted into one buffer and written in large blocks; with
 * `flushEach` every frame reaches the file before `write` returns, so a
 * spill file can be indexed and re-read while it grows (the dashboard keeps
 * live frames that way). `close` leaves a complete, valid file, which is what
 * Ctrl-C and SIGTERM call.
 */
import * as fs from 'node:fs';
import { writeFully } from './fdwrite';
import { openErrorMessage } from './file';
import { CaptureError, type Frame } from './frame';
import { maxSnapLen } from './limits';
import { findComment, foundComment, OPT_COMMENT } from './packet-options';
import { PCAP_HEADER_LEN, PCAP_RECORD_HEADER_LEN, writePcapHeader } from './pcap';
import { BLOCK_EPB, BLOCK_IDB, BLOCK_SHB, BYTE_ORDER_MAGIC } from './pcapng';
import { converted, ticksHiLo } from './time64';

export type CaptureFormat = 'pcap' | 'pcapng';

/** What a writer may ask of the source it saves (all optional: the dashboard's spill has none). */
export interface WriterSourceHints {
  readonly linkType: number;
  readonly nanosecond: boolean;
  /** Kept in the saved file's header, as tshark keeps it; 0 or absent: the largest for the link type. */
  readonly snapLen?: number;
  readonly kind?: string;
  readonly name?: string;
}

export interface WriterOptions {
  /** Default: pcapng when the name ends in .pcapng, pcap otherwise. */
  format?: CaptureFormat;
  /** Write every frame through to the file at once. */
  flushEach?: boolean;
  /** Nanosecond time stamps (else microseconds); default: when the source has them (no source: pcapng only). */
  nanosecond?: boolean;
  source?: WriterSourceHints;
}

const BUFFER_SIZE = 1 << 20;
const LINKTYPE_ETHERNET = 1;
const LT_FCS_LENGTH_PRESENT = 0x04000000;
/** pcapng option codes (pcapng 4.2). */
const OPT_IF_NAME = 2;
const OPT_IF_DESCRIPTION = 3;
const OPT_IF_TSRESOL = 9;
const OPT_IF_FCSLEN = 13;

function pad4(n: number): number {
  return (n + 3) & ~3;
}

export class CaptureWriter {
  /** Offset in the file of the next record (bytes written plus bytes buffered). */
  position = 0;
  /** Frames written. */
  count = 0;
  private buf = Buffer.allocUnsafe(BUFFER_SIZE);
  private pos = 0;
  private started = false;
  private closed = false;
  private pcapLinkType = -1;
  private nano = false;
  /** pcapng: output interface id by (source interface, link type). */
  private readonly ifaceIds = new Map<number, number>();
  private lastKey = -1;
  private lastId = -1;

  constructor(
    readonly path: string,
    readonly fd: number,
    readonly format: CaptureFormat,
    private readonly options: WriterOptions = {},
  ) {}

  /** Appends `frame`; returns the record's offset in the file. Throws CaptureError when the file cannot take it. */
  write(f: Frame): number {
    if (!this.started) this.start(f.linkType, f.fcsLen);
    let at: number;
    if (this.format === 'pcap') {
      at = this.position;
      this.pcapRecord(f);
    } else {
      // A new interface's description goes first: the record starts after it.
      const id = this.interfaceFor(f);
      at = this.position;
      this.epb(f, id);
    }
    this.count++;
    if (this.options.flushEach === true) this.flush();
    return at;
  }

  /** Writes what is buffered. */
  flush(): void {
    try {
      writeFully(this.fd, this.buf, 0, this.pos);
    } catch (e) {
      this.pos = 0;
      throw new CaptureError(`cannot write: ${(e as Error).message}`, this.path, this.position);
    }
    this.pos = 0;
  }

  /** Completes the file (a header even when no frame came) and closes it. Safe to call twice. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    try {
      if (!this.started) {
        const lt = this.options.source?.linkType ?? -1;
        this.start(lt >= 0 ? lt : LINKTYPE_ETHERNET, -1);
      }
      this.flush();
    } finally {
      if (this.fd > 2) fs.closeSync(this.fd);
    }
  }

  private start(linkType: number, fcsLen: number): void {
    this.started = true;
    // Unknown precision: pcap writes libpcap's microseconds, pcapng nanoseconds (nothing lost).
    this.nano = this.options.nanosecond ?? this.options.source?.nanosecond ?? this.format === 'pcapng';
    if (this.format === 'pcap') {
      this.pcapLinkType = linkType;
      this.room(PCAP_HEADER_LEN);
      this.advance(writePcapHeader(this.buf, this.pos, this.nano, this.snapLen(linkType), pcapLinkTypeField(linkType, fcsLen)));
    } else {
      this.room(28);
      const b = this.buf;
      let p = this.pos;
      p = b.writeUInt32LE(BLOCK_SHB, p);
      p = b.writeUInt32LE(28, p);
      p = b.writeUInt32LE(BYTE_ORDER_MAGIC, p);
      p = b.writeUInt16LE(1, p);
      p = b.writeUInt16LE(0, p);
      // Section length unknown (-1): the file is written as a stream.
      p = b.writeInt32LE(-1, p);
      p = b.writeInt32LE(-1, p);
      p = b.writeUInt32LE(28, p);
      this.advance(p);
    }
  }

  /** Normalised time stamp of `f` into `converted` (sec, nsec in 0..1e9-1; 0 when the frame has none). */
  private time(f: Frame): void {
    let sec = f.hasTime ? f.tsSec : 0;
    let ns = f.hasTime ? f.tsNsec : 0;
    if (ns < 0 || ns >= 1e9) {
      const extra = Math.floor(ns / 1e9);
      sec += extra;
      ns -= extra * 1e9;
    }
    if (sec < 0) {
      sec = 0;
      ns = 0;
    }
    converted.sec = sec;
    converted.nsec = ns;
  }

  private pcapRecord(f: Frame): void {
    if (f.linkType !== this.pcapLinkType) {
      throw new CaptureError(
        `a frame of link type ${f.linkType} cannot go into this pcap file, whose link type is ${this.pcapLinkType}; name the file .pcapng to keep both`,
        this.path,
        this.position,
      );
    }
    const n = f.capLen;
    this.room(PCAP_RECORD_HEADER_LEN + n);
    this.time(f);
    const b = this.buf;
    let p = this.pos;
    p = b.writeUInt32LE(converted.sec % 4294967296, p);
    p = b.writeUInt32LE(this.nano ? converted.nsec : Math.floor(converted.nsec / 1000), p);
    p = b.writeUInt32LE(n, p);
    p = b.writeUInt32LE(f.origLen, p);
    b.set(f.data.subarray(f.offset, f.offset + n), p);
    this.advance(p + n);
  }

  private epb(f: Frame, id: number): void {
    const n = f.capLen;
    const opts = this.commentsLength(f);
    const len = 32 + pad4(n) + opts;
    this.room(len);
    this.time(f);
    if (this.nano) ticksHiLo(converted.sec, converted.nsec, 1e9);
    else ticksHiLo(converted.sec, Math.floor(converted.nsec / 1000), 1e6);
    const b = this.buf;
    let p = this.pos;
    p = b.writeUInt32LE(BLOCK_EPB, p);
    p = b.writeUInt32LE(len, p);
    p = b.writeUInt32LE(id, p);
    p = b.writeUInt32LE(converted.sec, p);
    p = b.writeUInt32LE(converted.nsec, p);
    p = b.writeUInt32LE(n, p);
    p = b.writeUInt32LE(f.origLen, p);
    b.set(f.data.subarray(f.offset, f.offset + n), p);
    p += n;
    const padded = p + pad4(n) - n;
    b.fill(0, p, padded);
    p = padded;
    if (opts !== 0) p = this.comments(f, p);
    p = b.writeUInt32LE(len, p);
    this.advance(p);
  }

  /**
   * Bytes the frame's packet comments take as options, opt_endofopt included;
   * 0 without any. Empty comments are left out, as tshark 4.0 -w leaves them
   * (a comment's bytes end at its first NUL: packet-options.ts). Classic pcap
   * has nowhere to keep comments: they are dropped there, silently, as tshark
   * and editcap drop them.
   */
  private commentsLength(f: Frame): number {
    let bytes = 0;
    for (let k = 0; findComment(f, k); k++) if (foundComment.length > 0) bytes += 4 + pad4(foundComment.length);
    return bytes === 0 ? 0 : bytes + 4;
  }

  /** Writes the comments' options at `p` (room already made); returns where they end. */
  private comments(f: Frame, p: number): number {
    for (let k = 0; findComment(f, k); k++) {
      const { start, length } = foundComment;
      if (length !== 0) p = this.textOption(OPT_COMMENT, f.data.subarray(start, start + length), p);
    }
    return this.buf.writeUInt32LE(0, p);
  }

  private interfaceFor(f: Frame): number {
    // One output interface per source interface (of its own section) and link type.
    const key = ((f.iface === null ? 0 : f.iface.section) * 65536 + f.interfaceId + 1) * 65536 + f.linkType;
    if (key === this.lastKey) return this.lastId;
    let id = this.ifaceIds.get(key);
    if (id === undefined) {
      id = this.ifaceIds.size;
      this.ifaceIds.set(key, id);
      this.idb(f);
    }
    this.lastKey = key;
    this.lastId = id;
    return id;
  }

  private idb(f: Frame): void {
    const src = this.options.source;
    // The live device's name, or what the source file said about its interface (tshark -w keeps both).
    const nameText = src !== undefined && src.kind === 'live' && src.name !== undefined ? src.name : f.iface?.name ?? null;
    const name = nameText === null ? null : Buffer.from(nameText, 'utf8');
    const description = f.iface?.description == null ? null : Buffer.from(f.iface.description, 'utf8');
    const opts = 8 + (name === null ? 0 : 4 + pad4(name.length)) + (description === null ? 0 : 4 + pad4(description.length)) + (f.fcsLen >= 0 ? 8 : 0) + 4;
    const len = 20 + opts;
    this.room(len);
    const b = this.buf;
    let p = this.pos;
    p = b.writeUInt32LE(BLOCK_IDB, p);
    p = b.writeUInt32LE(len, p);
    p = b.writeUInt16LE(f.linkType & 0xffff, p);
    p = b.writeUInt16LE(0, p);
    p = b.writeUInt32LE(this.snapLen(f.linkType), p);
    // if_tsresol: nanoseconds when the source has them, else microseconds (the default, written
    // anyway), as wiretap keeps the source's precision: a microsecond capture saved is not shown finer.
    p = b.writeUInt16LE(OPT_IF_TSRESOL, p);
    p = b.writeUInt16LE(1, p);
    p = b.writeUInt32LE(this.nano ? 9 : 6, p);
    if (name !== null) p = this.textOption(OPT_IF_NAME, name, p);
    if (description !== null) p = this.textOption(OPT_IF_DESCRIPTION, description, p);
    if (f.fcsLen >= 0) {
      p = b.writeUInt16LE(OPT_IF_FCSLEN, p);
      p = b.writeUInt16LE(1, p);
      p = b.writeUInt32LE(f.fcsLen & 0xff, p);
    }
    p = b.writeUInt32LE(0, p);
    p = b.writeUInt32LE(len, p);
    this.advance(p);
  }

  /** A text option at `p` (room already made): code, length, the bytes padded to 4. */
  private textOption(code: number, value: Uint8Array, p: number): number {
    const b = this.buf;
    p = b.writeUInt16LE(code, p);
    p = b.writeUInt16LE(value.length, p);
    b.set(value, p);
    b.fill(0, p + value.length, p + pad4(value.length));
    return p + pad4(value.length);
  }

  private snapLen(linkType: number): number {
    const s = this.options.source?.snapLen ?? 0;
    return s > 0 ? s : maxSnapLen(linkType);
  }

  private room(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    this.flush();
    if (n > this.buf.length) this.buf = Buffer.allocUnsafe(pad4(n));
  }

  private advance(p: number): void {
    this.position += p - this.pos;
    this.pos = p;
  }
}

/** Opens `path` for writing ('-': standard output). Throws CaptureError. */
export function openWriter(path: string, options: WriterOptions = {}): CaptureWriter {
  const format = options.format ?? (/\.pcapng$/i.test(path) ? 'pcapng' : 'pcap');
  if (path === '-') {
    // Raw packet bytes must never reach a terminal.
    if (process.stdout.isTTY) throw new CaptureError('standard output is a terminal: -w - writes a binary capture; pipe it into a program or name a file', '-w -');
    return new CaptureWriter('-', 1, format, options);
  }
  let fd: number;
  try {
    fd = fs.openSync(path, 'w', 0o644);
  } catch (e) {
    throw new CaptureError(`cannot write: ${openErrorMessage(e)}`, path);
  }
  return new CaptureWriter(path, fd, format, options);
}

/** The pcap link-type field for a frame's link type and FCS length (the inverse of the reader's). */
export function pcapLinkTypeField(linkType: number, fcsLen: number): number {
  return fcsLen >= 0 ? (linkType | LT_FCS_LENGTH_PRESENT | (((fcsLen >> 1) & 0xf) << 28)) >>> 0 : linkType;
}
