/**
 * pcapng (https://www.ietf.org/archive/id/draft-ietf-opsawg-pcapng-02.html):
 * a sequence of blocks, each `type | total length | body | total length`.
 *
 * A section header block (SHB) sets the byte order of everything up to the
 * next SHB, and starts a new interface table; interface description blocks
 * (IDB) add interfaces with their own link type, snapshot length and time
 * resolution; enhanced, simple and obsolete packet blocks carry frames.
 * Every other block (name resolution, statistics, decryption secrets,
 * custom, unknown) is skipped without being buffered.
 */
import type { FrameInterface, FrameSink } from './frame';
import { maxSnapLen, PCAPNG_MAX_BLOCK, PCAPNG_MAX_METADATA_BLOCK, PCAPNG_MAX_PACKET_OPTIONS, pseudoHeaderLen } from './limits';
import { packetOptionsProblem } from './packet-options';
import { FAILED, PushParser } from './push';
import { convert, converted, timeBase, type TimeBase } from './time64';

export const BLOCK_SHB = 0x0a0d0d0a;
export const BLOCK_IDB = 1;
/** Obsolete packet block (pcapng before 1.0). */
export const BLOCK_PB = 2;
export const BLOCK_SPB = 3;
/** Module-local copies for the hot loop: an exported constant compiles to an `exports.X` load, a local one is folded. */
const EPB = 6;
const MAX_PACKET_OPTIONS = PCAPNG_MAX_PACKET_OPTIONS;
const stamp = converted;
const toSeconds = convert;
export const BLOCK_EPB = EPB;
export const BYTE_ORDER_MAGIC = 0x1a2b3c4d;

const OPT_END = 0;
const OPT_IF_NAME = 2;
const OPT_IF_DESCRIPTION = 3;
const OPT_IF_TSRESOL = 9;
const OPT_IF_FCSLEN = 13;
const OPT_IF_TSOFFSET = 14;

/** SHB: type, length, byte-order magic, major, minor, section length (8), trailer. */
const SHB_MIN = 28;
/** IDB: type, length, link type, reserved, snaplen, trailer. */
const IDB_MIN = 20;
/** EPB: type, length, interface, ts high, ts low, caplen, len, trailer. */
const EPB_MIN = 32;
/** SPB: type, length, packet length, trailer. */
const SPB_MIN = 16;
/** Bytes of an EPB / PB needed to read its captured length. */
const PACKET_FIXED = 28;

export interface PcapngInterface {
  linkType: number;
  /** 0: no limit. */
  snapLen: number;
  fcsLen: number;
  time: TimeBase;
  /** Name, description and section, handed to every frame of the interface. */
  info: FrameInterface;
  /** Pseudo-header bytes at the start of every frame (limits.ts). */
  pseudoHeader: number;
  /** Largest captured length a frame of this link type may have. */
  maxCapLen: number;
}

export interface PcapngSection {
  /** Offset of the SHB. */
  offset: number;
  littleEndian: boolean;
  interfaces: PcapngInterface[];
}

/** A UTF-8 option value (pcapng 3.5: not terminated, though some writers add NULs). Printed through the terminal-safe writers. */
function optionText(b: Uint8Array, v: number, len: number): string {
  return Buffer.from(b.buffer, b.byteOffset + v, len).toString('utf8').replace(/\0+$/, '');
}

function pad4(n: number): number {
  return (n + 3) & ~3;
}

export class PcapngParser extends PushParser {
  /** Every section so far, in file order (the random-access reader uses them). */
  readonly sections: PcapngSection[] = [];
  private le = true;
  private ifaces: PcapngInterface[] = [];
  /** A skipped block whose trailing length is still to be checked. */
  private skipOffset = -1;
  private skipLen = 0;
  private trailerDue = false;
  /** A DataView of the last chunk the fast loop read (`viewOf`). */
  private view: DataView<ArrayBufferLike> = new DataView(new ArrayBuffer(0));
  private viewOf: Uint8Array | null = null;
  /** Set once any interface has a resolution finer than microseconds. */
  nanosecond = false;

  constructor(sink: FrameSink, source: string) {
    super(sink, source);
  }

  override feed(buf: Uint8Array, start: number, end: number): boolean {
    if (this.stopped) return false;
    const base = this.begin(start, end);
    let p = this.resume(buf, start, end, base);
    while (p >= 0) {
      p = this.packets(buf, p, end, base);
      if (this.stopped) return false;
      p = this.step(buf, p, end, base);
    }
    return !this.stopped;
  }

  /**
   * Delivers the whole, well-formed enhanced packet blocks at `b[p, end)`
   * straight from the chunk; returns where it stopped (any other block, a
   * partial one, anything unusual). The general path (`step`) handles the
   * rest, including every error.
   */
  private packets(b: Uint8Array, p: number, end: number, base: number): number {
    // Little-endian sections only (every writer today); big-endian ones take the general path.
    if (this.trailerDue || this.sections.length === 0 || !this.le) return p;
    // Block words through a DataView of the chunk: one bounds check and no shifts a word (see pcap.ts).
    if (b !== this.viewOf) {
      this.viewOf = b;
      this.view = new DataView(b.buffer, b.byteOffset, b.byteLength);
    }
    const v = this.view;
    const f = this.frame;
    const sink = this.sink;
    const ifaces = this.ifaces;
    while (end - p >= EPB_MIN) {
      if (v.getUint32(p, true) !== EPB) break;
      const len = v.getUint32(p + 4, true);
      if ((len & 3) !== 0 || len < EPB_MIN || len > end - p) break;
      const id = v.getUint32(p + 8, true);
      if (id >= ifaces.length) break;
      const ifc = ifaces[id];
      const capLen = v.getUint32(p + 20, true);
      const optLen = len - EPB_MIN - pad4(capLen);
      if (capLen > ifc.maxCapLen || len - EPB_MIN < capLen || optLen > MAX_PACKET_OPTIONS) break;
      if (ifc.pseudoHeader !== 0 || v.getUint32(p + len - 4, true) !== len) break;
      // Options are rare (comments, flags): checked here, read only when asked; damaged ones fail on the general path.
      const optStart = optLen <= 0 ? 0 : p + len - 4 - optLen;
      if (optStart !== 0 && packetOptionsProblem(b, optStart, p + len - 4, true) !== null) break;
      toSeconds(v.getUint32(p + 12, true), v.getUint32(p + 16, true), ifc.time);
      f.tsSec = stamp.sec;
      f.tsNsec = stamp.nsec;
      f.hasTime = true;
      f.capLen = capLen;
      f.origLen = v.getUint32(p + 24, true);
      f.interfaceId = id;
      // The same interface frame after frame: not stored again (an object store runs the write barrier).
      if (f.iface !== ifc.info) f.iface = ifc.info;
      f.linkType = ifc.linkType;
      f.fcsLen = ifc.fcsLen;
      f.recordOffset = base + p;
      f.data = b;
      f.offset = p + PACKET_FIXED;
      f.optStart = optStart;
      f.optEnd = optStart === 0 ? 0 : p + len - 4;
      this.delivered++;
      sink(f);
      p += len;
      if (this.stopped) break;
    }
    return p;
  }

  private u32(b: Uint8Array, p: number): number {
    return this.le
      ? (b[p] | (b[p + 1] << 8) | (b[p + 2] << 16) | (b[p + 3] << 24)) >>> 0
      : ((b[p] << 24) | (b[p + 1] << 16) | (b[p + 2] << 8) | b[p + 3]) >>> 0;
  }

  private u16(b: Uint8Array, p: number): number {
    return this.le ? b[p] | (b[p + 1] << 8) : (b[p] << 8) | b[p + 1];
  }

  protected unitLength(b: Uint8Array, p: number, avail: number, offset: number): number {
    if (this.trailerDue) return avail < 4 ? -4 : 4;
    if (avail < 8) return -8;
    const type = this.sections.length === 0 ? BLOCK_SHB : this.u32(b, p);
    if (type === BLOCK_SHB) {
      // The SHB's own length is in the byte order its magic announces.
      if (avail < 12) return -12;
      const bom = (b[p + 8] | (b[p + 9] << 8) | (b[p + 10] << 16) | (b[p + 11] << 24)) >>> 0;
      if (bom === BYTE_ORDER_MAGIC) this.le = true;
      else if (bom === 0x4d3c2b1a) this.le = false;
      else {
        this.fail(offset, `pcapng section header has no byte-order magic (0x${bom.toString(16).padStart(8, '0')}): not a pcapng file, or damaged`);
        return FAILED;
      }
      const len = pad4(this.u32(b, p + 4));
      if (!this.lengthOk(len, SHB_MIN, PCAPNG_MAX_METADATA_BLOCK, 'section header block', offset)) return FAILED;
      return len;
    }
    // A length that is not a multiple of 4 is rounded up and read on, as wiretap 4.0 does ("some example
    // files don't count the padding"); the trailer must repeat it, as written or rounded up.
    const len = pad4(this.u32(b, p + 4));
    switch (type) {
      case BLOCK_EPB:
      case BLOCK_PB: {
        if (!this.lengthOk(len, EPB_MIN, PCAPNG_MAX_BLOCK, type === BLOCK_EPB ? 'enhanced packet block' : 'packet block', offset)) return FAILED;
        if (avail < PACKET_FIXED) return -PACKET_FIXED;
        const id = type === BLOCK_EPB ? this.u32(b, p + 8) : this.u16(b, p + 8);
        if (id >= this.ifaces.length) {
          this.fail(offset, `packet block for interface ${id}, but the section describes ${this.ifaces.length === 0 ? 'no interfaces' : `only ${this.ifaces.length}`}`);
          return FAILED;
        }
        const capLen = this.u32(b, p + 20);
        return this.packetBlockOk(len, EPB_MIN, capLen, this.ifaces[id], type === BLOCK_EPB ? 'enhanced packet block' : 'packet block', offset) ? len : FAILED;
      }
      case BLOCK_SPB: {
        if (!this.lengthOk(len, SPB_MIN, PCAPNG_MAX_BLOCK, 'simple packet block', offset)) return FAILED;
        if (this.ifaces.length === 0) {
          this.fail(offset, 'simple packet block before any interface description block');
          return FAILED;
        }
        if (avail < 12) return -12;
        return this.packetBlockOk(len, SPB_MIN, this.spbCapLen(b, p), this.ifaces[0], 'simple packet block', offset) ? len : FAILED;
      }
      case BLOCK_IDB:
        return this.lengthOk(len, IDB_MIN, PCAPNG_MAX_METADATA_BLOCK, 'interface description block', offset) ? len : FAILED;
      default:
        // Skipped: only its header is looked at; the body streams past.
        return this.lengthOk(len, 12, PCAPNG_MAX_BLOCK, 'block', offset) ? 8 : FAILED;
    }
  }

  /** Checks a block's length, already rounded up to a multiple of 4. */
  private lengthOk(len: number, min: number, max: number, what: string, offset: number): boolean {
    if (len < min) this.fail(offset, `pcapng ${what} length ${len} is shorter than the ${min} bytes it needs`);
    else if (len > max) this.fail(offset, `pcapng ${what} length ${len} is larger than any such block can be (${max})`);
    else return true;
    return false;
  }

  private packetBlockOk(len: number, min: number, capLen: number, ifc: PcapngInterface, what: string, offset: number): boolean {
    const max = ifc.maxCapLen;
    if (capLen > max) {
      this.fail(offset, `${what} claims ${capLen} captured bytes; no frame of link type ${ifc.linkType} can have more than ${max} (damaged file?)`);
    } else if (len - min < capLen) {
      this.fail(offset, `${what} of ${len} bytes is too short for its ${capLen} captured bytes`);
    } else if (len - min - pad4(capLen) > PCAPNG_MAX_PACKET_OPTIONS) {
      this.fail(offset, `${what} of ${len} bytes is far longer than its ${capLen} captured bytes and options can use`);
    } else return true;
    return false;
  }

  /** An SPB has no captured length: it is the packet length cut to the snapshot length (pcapng 4.4). */
  private spbCapLen(b: Uint8Array, p: number): number {
    const packetLen = this.u32(b, p + 8);
    const snap = this.ifaces[0].snapLen;
    return snap !== 0 && packetLen > snap ? snap : packetLen;
  }

  protected unit(b: Uint8Array, p: number, len: number, offset: number): void {
    if (this.trailerDue) {
      this.trailerDue = false;
      const trailer = this.u32(b, p);
      if (trailer !== this.skipLen && trailer !== pad4(this.skipLen)) this.disagree(this.skipOffset, this.skipLen, trailer);
      return;
    }
    const type = this.sections.length === 0 ? BLOCK_SHB : this.u32(b, p);
    if (type !== BLOCK_SHB && type !== BLOCK_EPB && type !== BLOCK_SPB && type !== BLOCK_PB && type !== BLOCK_IDB) {
      this.skipOffset = offset;
      this.skipLen = this.u32(b, p + 4);
      this.skipBytes = pad4(this.skipLen) - 12;
      this.trailerDue = true;
      return;
    }
    const trailer = this.u32(b, p + len - 4);
    const written = this.u32(b, p + 4);
    // tshark 4.0 takes the trailer as the length written or as it rounds it up (both seen in damaged files).
    if (trailer !== written && trailer !== len) {
      this.disagree(offset, written, trailer);
      return;
    }
    switch (type) {
      case BLOCK_EPB:
      case BLOCK_PB:
        this.packet(b, p, len, type, offset);
        return;
      case BLOCK_SPB:
        this.simplePacket(b, p, offset);
        return;
      case BLOCK_IDB:
        this.interface(b, p, len);
        return;
      default:
        this.section(b, p, len, offset);
    }
  }

  private disagree(offset: number, first: number, second: number): void {
    this.fail(offset, `pcapng block lengths disagree: ${first} at its start, ${second} at its end`);
  }

  private packet(b: Uint8Array, p: number, len: number, type: number, offset: number): void {
    const epb = type === BLOCK_EPB;
    const id = epb ? this.u32(b, p + 8) : this.u16(b, p + 8);
    const ifc = this.ifaces[id];
    const f = this.frame;
    // Options follow the padded packet data (EPB and obsolete PB alike); tshark 4.0 stops at damaged ones.
    const optStart = p + PACKET_FIXED + pad4(this.u32(b, p + 20));
    const optEnd = p + len - 4;
    if (optEnd > optStart) {
      const problem = packetOptionsProblem(b, optStart, optEnd, this.le);
      if (problem !== null) {
        this.fail(offset, `pcapng ${epb ? 'enhanced packet block' : 'packet block'}: ${problem}`);
        return;
      }
      f.optStart = optStart;
      f.optEnd = optEnd;
    } else {
      f.optStart = 0;
      f.optEnd = 0;
    }
    convert(this.u32(b, p + 12), this.u32(b, p + 16), ifc.time);
    f.tsSec = converted.sec;
    f.tsNsec = converted.nsec;
    f.hasTime = true;
    f.capLen = this.u32(b, p + 20);
    f.origLen = this.u32(b, p + 24);
    f.interfaceId = id;
    this.deliver(ifc, b, p + PACKET_FIXED, offset);
  }

  private deliver(ifc: PcapngInterface, b: Uint8Array, data: number, offset: number): void {
    const f = this.frame;
    f.linkType = ifc.linkType;
    if (f.iface !== ifc.info) f.iface = ifc.info;
    f.fcsLen = ifc.fcsLen;
    f.recordOffset = offset;
    f.data = b;
    f.offset = data;
    const ph = ifc.pseudoHeader;
    if (ph !== 0) {
      if (f.capLen < ph) {
        this.fail(offset, `a ${f.capLen}-byte frame of link type ${ifc.linkType} is too short for its ${ph}-byte pseudo-header`);
        return;
      }
      f.capLen -= ph;
      f.origLen = (f.origLen - ph) >>> 0;
      f.offset += ph;
    }
    this.delivered++;
    this.sink(f);
  }

  private simplePacket(b: Uint8Array, p: number, offset: number): void {
    const ifc = this.ifaces[0];
    const f = this.frame;
    f.tsSec = 0;
    f.tsNsec = 0;
    f.hasTime = false;
    f.optStart = 0;
    f.optEnd = 0;
    f.capLen = this.spbCapLen(b, p);
    f.origLen = this.u32(b, p + 8);
    f.interfaceId = 0;
    this.deliver(ifc, b, p + 12, offset);
  }

  private section(b: Uint8Array, p: number, _len: number, offset: number): void {
    const major = this.u16(b, p + 12);
    const minor = this.u16(b, p + 14);
    if (major !== 1) {
      this.fail(offset, `pcapng version ${major}.${minor} is not supported (1.x is)`);
      return;
    }
    this.ifaces = [];
    this.sections.push({ offset, littleEndian: this.le, interfaces: this.ifaces });
  }

  private interface(b: Uint8Array, p: number, len: number): void {
    let tsresol: number | undefined;
    let tsoffset = 0;
    let fcsLen = -1;
    let name: string | null = null;
    let description: string | null = null;
    let o = p + 16;
    const end = p + len - 4;
    // Options (pcapng 3.5): code, length, value padded to 4. A damaged option
    // list ends the options, not the file (wiretap is as lenient).
    while (o + 4 <= end) {
      const code = this.u16(b, o);
      const olen = this.u16(b, o + 2);
      const v = o + 4;
      if (code === OPT_END || v + olen > end) break;
      if (code === OPT_IF_TSRESOL && olen === 1) tsresol = b[v];
      else if (code === OPT_IF_FCSLEN && olen === 1) fcsLen = b[v];
      else if (code === OPT_IF_TSOFFSET && olen === 8) {
        const hi = this.u32(b, this.le ? v + 4 : v);
        const lo = this.u32(b, this.le ? v : v + 4);
        tsoffset = (hi | 0) * 4294967296 + lo;
      } else if (code === OPT_IF_NAME) name = optionText(b, v, olen);
      else if (code === OPT_IF_DESCRIPTION) description = optionText(b, v, olen);
      o = v + pad4(olen);
    }
    const time = timeBase(tsresol, tsoffset);
    if (time.fastUnits !== 1000000 && (time.fastUnits === 0 || time.fastUnits > 1000000)) this.nanosecond = true;
    const linkType = this.u16(b, p + 8);
    this.ifaces.push({
      linkType,
      snapLen: this.u32(b, p + 12),
      fcsLen,
      time,
      info: { name, description, section: this.sections.length, littleEndian: this.le },
      pseudoHeader: pseudoHeaderLen(linkType),
      maxCapLen: maxSnapLen(linkType),
    });
  }

  /** Continues inside `section` (random access): its byte order and interface table apply. */
  enterSection(section: PcapngSection): void {
    this.le = section.littleEndian;
    this.ifaces = section.interfaces;
    if (this.sections.length === 0) this.sections.push(section);
  }

  override restartAt(offset: number): void {
    super.restartAt(offset);
    this.trailerDue = false;
  }

  /** Snapshot length of the first interface described (0: not set, or none yet). */
  get firstSnapLen(): number {
    for (const s of this.sections) if (s.interfaces.length > 0) return s.interfaces[0].snapLen;
    return 0;
  }

  /** The byte order of the section being read: during a sink call, the delivered frame's section. */
  get littleEndian(): boolean {
    return this.le;
  }

  /** Link type of the first interface described, or -1. */
  get firstLinkType(): number {
    for (const s of this.sections) if (s.interfaces.length > 0) return s.interfaces[0].linkType;
    return -1;
  }

  protected override endedCleanly(): void {
    if (this.trailerDue) this.cutInSkip();
  }

  protected cutShort(offset: number, have: number, len: number): void {
    if (this.trailerDue) this.cutInSkip();
    else if (len < 0 || have < 8) this.fail(offset, `the file ends inside a pcapng block header (${have} bytes)`);
    else this.fail(offset, `the file ends in the middle of a pcapng block (${have} of its ${len} bytes)`);
  }

  protected override cutInSkip(): void {
    const seen = this.skipLen - 4 - this.skipBytes;
    this.fail(this.skipOffset, `the file ends in the middle of a pcapng block (${seen} of its ${this.skipLen} bytes)`);
  }
}
