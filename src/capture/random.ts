/**
 * Random access: re-reads frame N of a capture file given the recordOffset it
 * was delivered with, so the dashboard can keep 8 bytes per frame instead of
 * the frame. A pcapng record is read with the section (byte order, interface
 * table) in force at its offset: taken from the parser that loaded the file,
 * or found by scanning the file's block headers once, incrementally, which
 * also works on a spill file that is still being written.
 */
import * as fs from 'node:fs';
import { CaptureError, type Frame } from './frame';
import { parsePcapHeader, PcapParser, PCAP_HEADER_LEN, isPcapMagic, type PcapInfo } from './pcap';
import { BLOCK_SHB, PcapngParser, type PcapngSection } from './pcapng';

/** First read at an offset: a typical frame fits, so one pread usually does. */
const FIRST_READ = 4096;

export class FrameReader {
  private fd = -1;
  private buf = Buffer.allocUnsafe(FIRST_READ);
  private pcapInfo: PcapInfo | null = null;
  /** Where pcapng sections are known from: the loading parser, or this reader's own scan. */
  private tables: PcapngParser | null = null;
  private scanned = 0;
  private ownScan = false;
  private got: Frame | null = null;
  private readonly pcapReader: PcapParser;
  private readonly pcapngReader: PcapngParser;

  constructor(
    readonly path: string,
    /** The parser that read (or is reading) the file sequentially, whose tables can be shared. */
    known: PcapParser | PcapngParser | null = null,
  ) {
    // Only the record at the offset asked for is wanted: stop at the first frame.
    const pcap: PcapParser = new PcapParser((f) => {
      this.got = f;
      pcap.stop();
    }, path);
    const pcapng: PcapngParser = new PcapngParser((f) => {
      this.got = f;
      pcapng.stop();
    }, path);
    this.pcapReader = pcap;
    this.pcapngReader = pcapng;
    if (known instanceof PcapParser && known.info !== null) this.pcapInfo = known.info;
    if (known instanceof PcapngParser) this.tables = known;
  }

  /**
   * The frame whose record starts at `recordOffset` (valid until the next
   * call), or the damage found there. Never throws on file contents.
   */
  read(recordOffset: number): Frame | CaptureError {
    try {
      if (this.fd < 0) this.fd = fs.openSync(this.path, 'r');
      if (this.pcapInfo === null && this.tables === null) {
        const e = this.identify();
        if (e !== null) return e;
      }
      let parser: PcapParser | PcapngParser;
      if (this.pcapInfo !== null) {
        parser = this.pcapReader;
        parser.setInfo(this.pcapInfo);
      } else {
        const section = this.sectionAt(recordOffset);
        if (section instanceof CaptureError) return section;
        parser = this.pcapngReader;
        parser.enterSection(section);
      }
      return this.readRecord(parser, recordOffset);
    } catch (e) {
      return new CaptureError(`cannot read: ${(e as Error).message}`, this.path, recordOffset);
    }
  }

  /** The parser's error without its frame number, which means nothing out of sequence. */
  private located(e: CaptureError): CaptureError {
    return new CaptureError(e.message, this.path, e.byteOffset);
  }

  close(): void {
    if (this.fd >= 0) fs.closeSync(this.fd);
    this.fd = -1;
  }

  private identify(): CaptureError | null {
    const n = fs.readSync(this.fd, this.buf, 0, PCAP_HEADER_LEN, 0);
    const magic = n >= 4 ? this.buf.readUInt32BE(0) : -1;
    if (magic === BLOCK_SHB) {
      this.tables = new PcapngParser(() => undefined, this.path);
      this.ownScan = true;
      return null;
    }
    if (isPcapMagic(magic) && n === PCAP_HEADER_LEN) {
      const info = parsePcapHeader(this.buf, 0);
      if (typeof info !== 'string') {
        this.pcapInfo = info;
        return null;
      }
      return new CaptureError(info, this.path, 0);
    }
    return new CaptureError('not a pcap or pcapng capture', this.path, 0);
  }

  /** The section whose SHB is the last one at or before `offset`, scanning further into the file if needed. */
  private sectionAt(offset: number): PcapngSection | CaptureError {
    const tables = this.tables!;
    if (this.ownScan && this.scanned <= offset) {
      // Scan up to and including the block at `offset`'s start; blocks before it define its section.
      const chunk = Buffer.allocUnsafe(1 << 20);
      while (this.scanned <= offset && !tables.stopped) {
        const n = fs.readSync(this.fd, chunk, 0, Math.min(chunk.length, offset - this.scanned + 1), this.scanned);
        if (n === 0) break;
        tables.feed(chunk, 0, n);
        this.scanned += n;
      }
    }
    const sections = tables.sections;
    let lo = 0;
    let hi = sections.length - 1;
    let found = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (sections[mid].offset <= offset) {
        found = mid;
        lo = mid + 1;
      } else hi = mid - 1;
    }
    if (found < 0) return new CaptureError('no pcapng section header before this offset', this.path, offset);
    return sections[found];
  }

  private readRecord(parser: PcapParser | PcapngParser, offset: number): Frame | CaptureError {
    this.got = null;
    parser.restartAt(offset);
    let pos = offset;
    let want = FIRST_READ;
    for (;;) {
      if (this.buf.length < want) this.buf = Buffer.allocUnsafe(want);
      const n = fs.readSync(this.fd, this.buf, 0, want, pos);
      if (n === 0) {
        const err = parser.finish();
        return err !== null ? this.located(err) : new CaptureError('no frame at this offset (end of file)', this.path, offset);
      }
      pos += n;
      parser.feed(this.buf, 0, n);
      const got = this.got as Frame | null;
      if (got !== null) {
        if (got.recordOffset !== offset) return new CaptureError('no frame record starts at this offset', this.path, offset);
        return got;
      }
      if (parser.error !== null) return this.located(parser.error);
      want = Math.min(want * 4, 1 << 20);
    }
  }
}
