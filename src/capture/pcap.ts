/**
 * Classic pcap (https://www.ietf.org/archive/id/draft-ietf-opsawg-pcap-04.html):
 * a 24-byte file header, then records of a 16-byte header and the frame.
 *
 *   file header: magic | major | minor | thiszone | sigfigs | snaplen | linktype+FCS bits
 *   record:      ts_sec | ts_usec (or ns) | incl_len | orig_len | data...
 *
 * All four variants (micro/nanosecond magic, either byte order) and the
 * quirks wiretap honours, so frame times and lengths match tshark's.
 */
import type { FrameSink } from './frame';
import { maxSnapLen, pseudoHeaderLen } from './limits';
import { FAILED, PushParser } from './push';

export const PCAP_HEADER_LEN = 24;
/**
 * Exported constants compile to `exports.X` loads where this module uses
 * them; the record loop reads this module-local copy, which V8 folds.
 */
const RECORD_HEADER = 16;
export const PCAP_RECORD_HEADER_LEN = RECORD_HEADER;

/** As read from the first four bytes, big-endian. */
export const MAGIC_USEC = 0xa1b2c3d4;
export const MAGIC_NSEC = 0xa1b23c4d;
export const MAGIC_USEC_SWAPPED = 0xd4c3b2a1;
export const MAGIC_NSEC_SWAPPED = 0x4d3cb2a1;
/** Alexey Kuznetsov's patched libpcap (ss990915 / ss991029): 8 more bytes per record header. */
export const MAGIC_MODIFIED = 0xa1b2cd34;
export const MAGIC_MODIFIED_SWAPPED = 0x34cdb2a1;

/** Link-type field layout (draft-ietf-opsawg-pcap section 4: LinkType and additional information). */
const LT_LINKTYPE_MASK = 0x0000ffff;
const LT_FCS_LENGTH_PRESENT = 0x04000000;

/** How incl_len and orig_len are ordered (wiretap's lengths_swapped). */
const enum Lengths {
  InOrder = 0,
  /** Before format 2.3 (and DG/UX's "543.0") orig_len came first. */
  Swapped = 1,
  /** 2.3 files were written both ways: swap when incl_len > orig_len. */
  MaybeSwapped = 2,
}

/** What the file header says; shared with the random-access reader. */
export interface PcapInfo {
  littleEndian: boolean;
  nanosecond: boolean;
  linkType: number;
  /** Frame check sequence bytes per frame, or -1 when the header does not say. */
  fcsLen: number;
  snapLen: number;
  recordHeaderLen: number;
  lengths: number;
  versionMajor: number;
  versionMinor: number;
}

export function isPcapMagic(m: number): boolean {
  return (
    m === MAGIC_USEC ||
    m === MAGIC_NSEC ||
    m === MAGIC_USEC_SWAPPED ||
    m === MAGIC_NSEC_SWAPPED ||
    m === MAGIC_MODIFIED ||
    m === MAGIC_MODIFIED_SWAPPED
  );
}

function u32le(b: Uint8Array, p: number): number {
  return (b[p] | (b[p + 1] << 8) | (b[p + 2] << 16) | (b[p + 3] << 24)) >>> 0;
}

function u32be(b: Uint8Array, p: number): number {
  return ((b[p] << 24) | (b[p + 1] << 16) | (b[p + 2] << 8) | b[p + 3]) >>> 0;
}

/** Parses a 24-byte file header at `b[p]`, or returns a reason it is not one. */
export function parsePcapHeader(b: Uint8Array, p: number): PcapInfo | string {
  const magic = u32be(b, p);
  if (!isPcapMagic(magic)) return `not a pcap file (magic 0x${magic.toString(16).padStart(8, '0')})`;
  const le = magic === MAGIC_USEC_SWAPPED || magic === MAGIC_NSEC_SWAPPED || magic === MAGIC_MODIFIED_SWAPPED;
  const u16 = (o: number): number => (le ? b[p + o] | (b[p + o + 1] << 8) : (b[p + o] << 8) | b[p + o + 1]);
  const u32 = (o: number): number => (le ? u32le(b, p + o) : u32be(b, p + o));
  const major = u16(4);
  const minor = u16(6);
  if (major < 2) return `pcap format version ${major}.${minor} is not supported (2.0 or later is)`;
  let network = u32(20);
  let nanosecond = magic === MAGIC_NSEC || magic === MAGIC_NSEC_SWAPPED;
  // AIX's libpcap wrote RFC 1573 ifType values and nanosecond times under the
  // standard magic and version 2.2 (wiretap's heuristic, kept for parity).
  if ((magic === MAGIC_USEC || magic === MAGIC_USEC_SWAPPED) && major === 2 && minor === 2) {
    const aix = network === 6 ? 1 : network === 9 ? 6 : network === 15 ? 10 : network === 24 ? 0 : -1;
    if (aix >= 0) {
      network = aix;
      nanosecond = true;
    }
  }
  const modified = magic === MAGIC_MODIFIED || magic === MAGIC_MODIFIED_SWAPPED;
  return {
    littleEndian: le,
    nanosecond,
    linkType: network & LT_LINKTYPE_MASK,
    // The FCS length (top 4 bits) counts 16-bit words, and only counts when its flag bit is set.
    fcsLen: (network & LT_FCS_LENGTH_PRESENT) !== 0 ? ((network >>> 28) & 0xf) * 2 : -1,
    snapLen: u32(16),
    recordHeaderLen: modified ? 24 : PCAP_RECORD_HEADER_LEN,
    lengths: major === 543 || (major === 2 && minor < 3) ? Lengths.Swapped : major === 2 && minor === 3 ? Lengths.MaybeSwapped : Lengths.InOrder,
    versionMajor: major,
    versionMinor: minor,
  };
}

/**
 * Writes a 24-byte file header at `b[p]` in this machine's order (little-endian,
 * as libpcap writes it): version 2.4, thiszone and sigfigs 0. Returns the
 * offset after it. The callers choose the rest: the saved file (writer.ts)
 * its time resolution, the largest snaplen for the link type and the FCS bits;
 * the live stream (forward.ts) nanoseconds and -s.
 */
export function writePcapHeader(b: Buffer, p: number, nanosecond: boolean, snapLen: number, linkTypeField: number): number {
  p = b.writeUInt32LE(nanosecond ? MAGIC_NSEC : MAGIC_USEC, p);
  p = b.writeUInt16LE(2, p);
  p = b.writeUInt16LE(4, p);
  p = b.writeInt32LE(0, p);
  p = b.writeUInt32LE(0, p);
  p = b.writeUInt32LE(snapLen, p);
  return b.writeUInt32LE(linkTypeField, p);
}

export class PcapParser extends PushParser {
  info: PcapInfo | null = null;
  private le = true;
  private nano = false;
  private hdrLen = PCAP_RECORD_HEADER_LEN;
  private swap = 0;
  private maxCap = 0;
  private phdr = 0;
  /** incl_len of the record being measured (for the cut-short message). */
  private lastCapLen = 0;

  constructor(sink: FrameSink, source: string) {
    super(sink, source);
  }

  /** Ordinary records only (16-byte headers, lengths in order, no pseudo-header): the fast loop applies. */
  private plain = false;
  /** A DataView of the last chunk the fast loop read (`viewOf`). */
  private view: DataView<ArrayBufferLike> = new DataView(new ArrayBuffer(0));
  private viewOf: Uint8Array | null = null;

  override feed(buf: Uint8Array, start: number, end: number): boolean {
    if (this.stopped) return false;
    const base = this.begin(start, end);
    let p = this.resume(buf, start, end, base);
    while (p >= 0) {
      p = this.records(buf, p, end, base);
      if (this.stopped) return false;
      p = this.step(buf, p, end, base);
    }
    return !this.stopped;
  }

  /**
   * Delivers the whole, ordinary records at `b[p, end)` straight from the
   * chunk; returns where it stopped (a partial record, anything unusual, the
   * end). The general path (`step`) handles what it leaves.
   */
  private records(b: Uint8Array, p: number, end: number, base: number): number {
    if (!this.plain) return p;
    // A record header is four 32-bit words: read through a DataView of the chunk (one bounds check
    // and a byte swap each), where four checked byte loads a word cost 150 instructions a frame.
    if (b !== this.viewOf) {
      this.viewOf = b;
      this.view = new DataView(b.buffer, b.byteOffset, b.byteLength);
    }
    const v = this.view;
    const f = this.frame;
    const sink = this.sink;
    const le = this.le;
    const max = this.maxCap;
    const nano = this.nano;
    while (end - p >= RECORD_HEADER) {
      const capLen = v.getUint32(p + 8, le);
      if (capLen > max || end - p - RECORD_HEADER < capLen) break;
      f.tsSec = v.getUint32(p, le);
      const frac = v.getUint32(p + 4, le);
      f.tsNsec = nano ? frac | 0 : Math.imul(frac, 1000);
      f.capLen = capLen;
      f.origLen = v.getUint32(p + 12, le);
      f.recordOffset = base + p;
      // Every record of the chunk is in the same array: stored once (an object store runs a write barrier).
      if (f.data !== b) f.data = b;
      f.offset = p + RECORD_HEADER;
      this.delivered++;
      sink(f);
      p += RECORD_HEADER + capLen;
      if (this.stopped) break;
    }
    return p;
  }

  protected unitLength(b: Uint8Array, p: number, avail: number, offset: number): number {
    if (this.info === null) {
      if (avail < 4) return -4;
      if (!isPcapMagic(u32be(b, p))) {
        this.fail(offset, `not a pcap file (magic 0x${u32be(b, p).toString(16).padStart(8, '0')})`);
        return FAILED;
      }
      return avail < PCAP_HEADER_LEN ? -PCAP_HEADER_LEN : PCAP_HEADER_LEN;
    }
    if (avail < this.hdrLen) return -this.hdrLen;
    let capLen = this.le ? u32le(b, p + 8) : u32be(b, p + 8);
    if (this.swap !== Lengths.InOrder) {
      const origLen = this.le ? u32le(b, p + 12) : u32be(b, p + 12);
      if (this.swap === Lengths.Swapped || capLen > origLen) capLen = origLen;
    }
    this.lastCapLen = capLen;
    if (capLen > this.maxCap) {
      this.fail(offset, `record claims ${capLen} captured bytes; no frame of link type ${this.info.linkType} can have more than ${this.maxCap} (damaged file?)`);
      return FAILED;
    }
    return this.hdrLen + capLen;
  }

  protected unit(b: Uint8Array, p: number, len: number, offset: number): void {
    if (this.info === null) {
      const info = parsePcapHeader(b, p);
      if (typeof info === 'string') {
        this.fail(offset, info);
        return;
      }
      this.setInfo(info);
      return;
    }
    const f = this.frame;
    const le = this.le;
    f.tsSec = le ? u32le(b, p) : u32be(b, p);
    const frac = le ? u32le(b, p + 4) : u32be(b, p + 4);
    // wiretap stores the fraction in a C int after 32-bit arithmetic; a
    // damaged record's value is printed as such, so keep the same bits.
    f.tsNsec = this.nano ? frac | 0 : Math.imul(frac, 1000);
    let capLen = len - this.hdrLen;
    let origLen = le ? u32le(b, p + 12) : u32be(b, p + 12);
    if (this.swap !== Lengths.InOrder) {
      const first = le ? u32le(b, p + 8) : u32be(b, p + 8);
      if (this.swap === Lengths.Swapped || first > origLen) origLen = first;
      else capLen = first;
    }
    f.recordOffset = offset;
    f.data = b;
    f.offset = p + this.hdrLen;
    if (this.phdr !== 0) {
      if (capLen < this.phdr) {
        this.fail(offset, `a ${capLen}-byte frame of link type ${this.info!.linkType} is too short for its ${this.phdr}-byte pseudo-header`);
        return;
      }
      // wiretap's unsigned arithmetic, so a damaged orig_len prints as tshark prints it.
      capLen -= this.phdr;
      origLen = (origLen - this.phdr) >>> 0;
      f.offset += this.phdr;
    }
    f.capLen = capLen;
    f.origLen = origLen;
    this.delivered++;
    this.sink(f);
  }

  /** Takes the file header as known (random access starts after it). */
  setInfo(info: PcapInfo): void {
    this.info = info;
    this.le = info.littleEndian;
    this.nano = info.nanosecond;
    this.hdrLen = info.recordHeaderLen;
    this.swap = info.lengths;
    this.maxCap = maxSnapLen(info.linkType);
    this.phdr = pseudoHeaderLen(info.linkType);
    this.plain = this.hdrLen === PCAP_RECORD_HEADER_LEN && this.swap === Lengths.InOrder && this.phdr === 0;
    const f = this.frame;
    f.linkType = info.linkType;
    f.fcsLen = info.fcsLen;
    f.interfaceId = -1;
    f.hasTime = true;
  }

  protected cutShort(offset: number, have: number, len: number): void {
    if (this.info === null) {
      this.fail(offset, `the file ends inside the pcap file header (${have} of ${PCAP_HEADER_LEN} bytes)`);
    } else if (have < this.hdrLen) {
      this.fail(offset, `the file ends inside a record header (${have} of ${this.hdrLen} bytes)`);
    } else {
      this.fail(offset, `the file ends in the middle of a frame (${have - this.hdrLen} of its ${len > 0 ? this.lastCapLen : '?'} bytes)`);
    }
  }
}
