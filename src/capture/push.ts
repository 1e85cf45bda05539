/**
 * The shape every capture format parser has: a push parser fed with chunks of
 * any size, in order. Whole records inside a chunk are delivered straight from
 * it (no copy); a record that straddles two chunks is gathered in a carry
 * buffer, which stays bounded because every length is checked against the
 * format's limits (limits.ts) before a byte of the record is buffered.
 *
 * A file source feeds large chunks read with fs.readSync; standard input
 * feeds whatever each 'data' event brings, so a frame is delivered as soon as
 * its last byte has arrived.
 */
import { CaptureError, newFrame, type Frame, type FrameSink } from './frame';

/** `unitLength`: the unit is damaged; `fail` has recorded why. Other negative values -n mean "tell me again with n bytes". */
export const FAILED = -0x7fffffff;

export abstract class PushParser {
  /** The reused frame every delivery fills in. */
  protected readonly frame: Frame = newFrame();
  /** Frames delivered so far. */
  delivered = 0;
  /** Set by `stop()`, or when damage was found. */
  stopped = false;
  /** The damage that stopped parsing, if any. */
  error: CaptureError | null = null;

  /** Bytes fed so far: the stream offset of the next chunk's first byte. */
  private fed = 0;
  /** Bytes of a unit that started in an earlier chunk. */
  private carry = new Uint8Array(4096);
  private carryLen = 0;
  /** Bytes to pass over without looking (the inside of a skipped pcapng block). */
  protected skipBytes = 0;

  constructor(
    protected readonly sink: FrameSink,
    /** File name or '-', for error messages. */
    protected readonly source: string,
  ) {}

  /** Bytes consumed so far (progress). */
  get consumed(): number {
    return this.fed;
  }

  /**
   * Length of the unit (file header, record, block) that starts at `buf[p]`,
   * given the `avail` bytes there; `-n` when n bytes are needed to tell; or
   * FAILED after calling `fail`. Must check the length against the format's
   * limits: the caller buffers that many bytes. `offset` is `buf[p]`'s offset
   * in the stream.
   */
  protected abstract unitLength(buf: Uint8Array, p: number, avail: number, offset: number): number;

  /** Handles one complete unit of `len` bytes at `buf[p]`. */
  protected abstract unit(buf: Uint8Array, p: number, len: number, offset: number): void;

  /** The input ended after `have` bytes of a unit of `len` (or, when negative, at least -len) bytes. */
  protected abstract cutShort(offset: number, have: number, len: number): void;

  /** The input ended inside a skipped block. */
  protected cutInSkip(): void {}

  /** The input ended at a unit boundary (an input with no header at all is damage). */
  protected endedCleanly(): void {}

  stop(): void {
    this.stopped = true;
  }

  /** Forgets any partial unit and continues as if the next byte fed were at stream `offset` (random access). */
  restartAt(offset: number): void {
    this.fed = offset;
    this.carryLen = 0;
    this.skipBytes = 0;
    this.stopped = false;
    this.error = null;
  }

  /** Records damage found in the unit at `offset`; parsing stops. */
  protected fail(offset: number, message: string): void {
    if (this.error === null) this.error = new CaptureError(message, this.source, offset, this.delivered + 1);
    this.stopped = true;
  }

  /**
   * Consumes `buf[start, end)`. Returns false once parsing has stopped (the
   * sink asked, or damage was found): the rest of the input is not needed.
   *
   * Formats override this with the same skeleton around their own tight loop
   * over whole records (`PcapParser.records`): a loop shared by both formats
   * would see both, and V8 runs a polymorphic loop at half the speed.
   */
  feed(buf: Uint8Array, start: number, end: number): boolean {
    if (this.stopped) return false;
    const base = this.begin(start, end);
    let p = this.resume(buf, start, end, base);
    while (p >= 0) p = this.step(buf, p, end, base);
    return !this.stopped;
  }

  /** Accounts for a chunk about to be parsed; returns the stream offset of `buf[0]`. */
  protected begin(start: number, end: number): number {
    const base = this.fed - start;
    this.fed += end - start;
    return base;
  }

  /**
   * Passes over bytes being skipped and completes a unit carried from earlier
   * chunks. Returns where parsing goes on, or -1 when the chunk is used up
   * (or parsing stopped).
   */
  protected resume(buf: Uint8Array, p: number, end: number, base: number): number {
    if (this.skipBytes > 0) {
      const n = Math.min(this.skipBytes, end - p);
      this.skipBytes -= n;
      p += n;
      if (this.skipBytes > 0) return -1;
    }
    if (this.carryLen === 0) return p;
    const offset = base + p - this.carryLen;
    for (;;) {
      const len = this.unitLength(this.carry, 0, this.carryLen, offset);
      if (len === FAILED) {
        this.carryLen = 0;
        return -1;
      }
      const target = len >= 0 ? len : -len;
      const take = Math.min(target - this.carryLen, end - p);
      if (take > 0) {
        this.reserve(this.carryLen + take);
        this.carry.set(buf.subarray(p, p + take), this.carryLen);
        this.carryLen += take;
        p += take;
      }
      if (this.carryLen < target) return -1;
      if (len >= 0) {
        this.carryLen = 0;
        this.unit(this.carry, 0, len, offset);
        return this.stopped ? -1 : p;
      }
    }
  }

  /**
   * Handles one unit at `buf[p]` the general way (or keeps an incomplete
   * one for the next chunk). Returns the position after it, or -1 when the
   * chunk is used up (or parsing stopped).
   */
  protected step(buf: Uint8Array, p: number, end: number, base: number): number {
    if (this.skipBytes > 0) {
      const n = Math.min(this.skipBytes, end - p);
      this.skipBytes -= n;
      p += n;
      if (this.skipBytes > 0) return -1;
    }
    const avail = end - p;
    if (avail === 0) return -1;
    const len = this.unitLength(buf, p, avail, base + p);
    if (len === FAILED) return -1;
    if (len < 0 || len > avail) {
      this.reserve(avail);
      this.carry.set(buf.subarray(p, end), 0);
      this.carryLen = avail;
      return -1;
    }
    this.unit(buf, p, len, base + p);
    return this.stopped ? -1 : p + len;
  }

  /**
   * The input ended. Returns the damage that stopped parsing, a "cut short"
   * error when the input ended inside a unit, or null after a clean end.
   */
  finish(): CaptureError | null {
    if (this.error !== null || this.stopped) return this.error;
    if (this.skipBytes > 0) {
      this.cutInSkip();
    } else if (this.carryLen > 0) {
      const offset = this.fed - this.carryLen;
      const len = this.unitLength(this.carry, 0, this.carryLen, offset);
      if (len !== FAILED) this.cutShort(offset, this.carryLen, len);
    } else {
      this.endedCleanly();
    }
    return this.error;
  }

  private reserve(n: number): void {
    if (this.carry.length >= n) return;
    let size = this.carry.length;
    while (size < n) size *= 2;
    const bigger = new Uint8Array(size);
    bigger.set(this.carry.subarray(0, this.carryLen), 0);
    this.carry = bigger;
  }
}
