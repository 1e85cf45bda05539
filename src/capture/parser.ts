/**
 * Recognises the format from the first four bytes (a pcap magic, or the
 * pcapng section header type) and hands every byte to that format's parser.
 */
import { CaptureError, type FrameSink } from './frame';
import { isPcapMagic, PcapParser } from './pcap';
import { BLOCK_SHB, PcapngParser } from './pcapng';
import type { PushParser } from './push';

export type Format = 'pcap' | 'pcapng';

export class CaptureParser {
  inner: PcapParser | PcapngParser | null = null;
  private head = new Uint8Array(4);
  private headLen = 0;
  private stopRequested = false;
  private ownError: CaptureError | null = null;

  constructor(
    private readonly sink: FrameSink,
    /** File name or '-' (error messages). */
    readonly source: string,
  ) {}

  get format(): Format | null {
    return this.inner === null ? null : this.inner instanceof PcapParser ? 'pcap' : 'pcapng';
  }

  get delivered(): number {
    return this.inner === null ? 0 : this.inner.delivered;
  }

  get consumed(): number {
    return this.inner === null ? this.headLen : this.inner.consumed;
  }

  get error(): CaptureError | null {
    return this.ownError ?? (this.inner === null ? null : this.inner.error);
  }

  /** Link type of the frames to expect, once the header says; -1 before. */
  get linkType(): number {
    const p = this.inner;
    if (p instanceof PcapParser) return p.info === null ? -1 : p.info.linkType;
    if (p instanceof PcapngParser) return p.firstLinkType;
    return -1;
  }

  get snapLen(): number {
    const p = this.inner;
    if (p instanceof PcapParser) return p.info === null ? 0 : p.info.snapLen;
    if (p instanceof PcapngParser) return p.firstSnapLen;
    return 0;
  }

  /**
   * The byte order the input was written in: the pcap file header's, or the
   * pcapng section's that the frame being delivered belongs to. libpcap
   * compiles DLT_NULL filters in it (bpf/gencode.ts); true until known.
   */
  get littleEndian(): boolean {
    const p = this.inner;
    if (p instanceof PcapParser) return p.info === null || p.info.littleEndian;
    return !(p instanceof PcapngParser) || p.littleEndian;
  }

  get nanosecond(): boolean {
    const p = this.inner;
    if (p instanceof PcapParser) return p.info !== null && p.info.nanosecond;
    return p instanceof PcapngParser && p.nanosecond;
  }

  stop(): void {
    this.stopRequested = true;
    if (this.inner !== null) this.inner.stop();
  }

  /** See PushParser.feed. */
  feed(buf: Uint8Array, start: number, end: number): boolean {
    if (this.inner !== null) return this.inner.feed(buf, start, end);
    if (this.stopRequested || this.ownError !== null) return false;
    const take = Math.min(4 - this.headLen, end - start);
    this.head.set(buf.subarray(start, start + take), this.headLen);
    this.headLen += take;
    if (this.headLen < 4) return true;
    const h = this.head;
    const magic = ((h[0] << 24) | (h[1] << 16) | (h[2] << 8) | h[3]) >>> 0;
    let inner: PushParser;
    if (isPcapMagic(magic)) inner = this.inner = new PcapParser(this.sink, this.source);
    else if (magic === BLOCK_SHB) inner = this.inner = new PcapngParser(this.sink, this.source);
    else {
      const hex = [...h].map((b) => b.toString(16).padStart(2, '0')).join(' ');
      this.ownError = new CaptureError(`not a pcap or pcapng capture (it starts with bytes ${hex})`, this.source, 0);
      return false;
    }
    // The four bytes were taken from this chunk (or earlier ones): replay them.
    if (!inner.feed(h, 0, 4)) return false;
    return inner.feed(buf, start + take, end);
  }

  /** See PushParser.finish. */
  finish(): CaptureError | null {
    if (this.inner !== null) return this.inner.finish();
    if (this.ownError !== null || this.stopRequested) return this.ownError;
    this.ownError = new CaptureError(
      this.headLen === 0 ? 'no capture data: the input is empty' : `the input ends after ${this.headLen} bytes, before any pcap or pcapng header`,
      this.source,
      0,
    );
    return this.ownError;
  }
}

/**
 * What a file and a stream source share: both feed one CaptureParser, and
 * report the format's facts from it once its header has been read.
 */
export abstract class ParsingSource {
  protected parser: CaptureParser | null = null;
  protected stopRequested = false;

  get linkType(): number {
    return this.parser === null ? -1 : this.parser.linkType;
  }

  get littleEndian(): boolean {
    return this.parser === null || this.parser.littleEndian;
  }

  get nanosecond(): boolean {
    return this.parser !== null && this.parser.nanosecond;
  }

  get snapLen(): number {
    return this.parser === null ? 0 : this.parser.snapLen;
  }

  /** Bytes of input parsed so far. */
  protected get consumed(): number {
    return this.parser === null ? 0 : this.parser.consumed;
  }
}
