/**
 * What the dashboard keeps per frame: where its record is (to re-read it on
 * demand), its time, its length on the wire and its row class (colour).
 * 25 bytes a frame in typed-array chunks of 64 Ki frames, allocated as frames
 * arrive; with analysis's FrameFacts (36 bytes) a frame costs 61 bytes, so a
 * 2 M-frame file is indexed in under 100 MB and never held in memory itself.
 *
 * Live and standard-input captures keep only their newest frames (the
 * model's ring: --keep-frames, --keep-bytes): `dropBefore` frees the chunks
 * wholly below the first kept frame, so the index stays bounded however long
 * the capture runs, while frame numbers keep counting from 1.
 *
 * Also the growable list of frame numbers a display filter selects.
 */
import { CHUNK_FRAMES, CHUNK_MASK as MASK, FrameChunks } from '../../analysis/frame-chunks';

class IndexChunk {
  /** Byte offset of the frame's record in the file (or the spill file). Float64: files pass 4 GB. */
  readonly offset = new Float64Array(CHUNK_FRAMES);
  /** Whole seconds: a double keeps every second a damaged file can carry (wiretap allows negatives). */
  readonly sec = new Float64Array(CHUNK_FRAMES);
  readonly nsec = new Int32Array(CHUNK_FRAMES);
  /** frame.len: length on the wire. */
  readonly len = new Uint32Array(CHUNK_FRAMES);
  /** RowClass value (row-class.ts). */
  readonly cls = new Uint8Array(CHUNK_FRAMES);
}

export const INDEX_BYTES_PER_FRAME = 8 + 8 + 4 + 4 + 1;

export class FrameIndex {
  private readonly chunks = new FrameChunks(() => new IndexChunk(), INDEX_BYTES_PER_FRAME);
  /** Frames indexed; frame numbers are 1..count. */
  count = 0;
  /** The oldest frame still indexed (frames below it were dropped); frames first..count are kept. */
  first = 1;
  /** Frame 1's time, kept after it is dropped: frame.time_relative counts from it, as tshark's does. */
  startSec = 0;
  startNsec = 0;

  /** Appends the next frame; returns its number. */
  push(offset: number, sec: number, nsec: number, len: number, cls: number): number {
    const n = ++this.count;
    if (n === 1) {
      this.startSec = sec;
      this.startNsec = nsec;
    }
    const c = this.chunks.fill(n, this.first);
    const j = n & MASK;
    c.offset[j] = offset;
    c.sec[j] = sec;
    c.nsec[j] = nsec;
    c.len[j] = len;
    c.cls[j] = cls;
    return n;
  }

  // A dropped frame reads as zeros: views that name old frames (a connection's
  // stream log) must not fail on them, and never show their values.
  offset(n: number): number {
    const c = this.chunks.get(n);
    return c == null ? 0 : c.offset[n & MASK];
  }
  sec(n: number): number {
    const c = this.chunks.get(n);
    return c == null ? 0 : c.sec[n & MASK];
  }
  nsec(n: number): number {
    const c = this.chunks.get(n);
    return c == null ? 0 : c.nsec[n & MASK];
  }
  len(n: number): number {
    const c = this.chunks.get(n);
    return c == null ? 0 : c.len[n & MASK];
  }
  cls(n: number): number {
    const c = this.chunks.get(n);
    return c == null ? 0 : c.cls[n & MASK];
  }

  /** Whether frame `n` is indexed (not dropped, not yet to come). */
  has(n: number): boolean {
    return n >= this.first && n <= this.count;
  }

  /** Nanoseconds from frame `a` to frame `b` (exact to the microsecond over 104 days). */
  nsBetween(a: number, b: number): number {
    return (this.sec(b) - this.sec(a)) * 1e9 + (this.nsec(b) - this.nsec(a));
  }

  /** Nanoseconds from frame 1 to frame `n` (frame.time_relative), also once frame 1 is dropped. */
  nsFromStart(n: number): number {
    return (this.sec(n) - this.startSec) * 1e9 + (this.nsec(n) - this.startNsec);
  }

  /**
   * Drops frames below `first`. Chunks are freed whole, and only once the
   * frame before `first` has gone too: re-decoding the first kept frame
   * needs its predecessor's time (frame.time_delta).
   */
  dropBefore(first: number): void {
    if (first <= this.first) return;
    this.first = Math.min(first, this.count + 1);
    this.chunks.freeBelow(this.first - 1);
  }

  /** Memory held, for the benchmark's accounting. */
  bytes(): number {
    return this.chunks.bytes();
  }
}

/**
 * A growable list of ascending frame numbers (a display filter's matches), 4
 * bytes each. Entries of dropped frames leave from the front (`dropBelow`),
 * and the space they held is reused, so the list stays as bounded as the
 * frames it names.
 */
export class FrameList {
  private data = new Int32Array(1024);
  /** Where entry 0 is in `data`. */
  private head = 0;
  private end = 0;
  /** Entries dropped from the front so far. */
  dropped = 0;

  get length(): number {
    return this.end - this.head;
  }

  push(n: number): void {
    if (this.end === this.data.length) {
      if (this.head >= this.data.length >>> 1) {
        // Half of it is dropped entries: move the rest down instead of growing.
        this.data.copyWithin(0, this.head, this.end);
      } else {
        const bigger = new Int32Array(this.data.length * 2);
        bigger.set(this.data.subarray(this.head, this.end));
        this.data = bigger;
      }
      this.end -= this.head;
      this.head = 0;
    }
    this.data[this.end++] = n;
  }

  at(i: number): number {
    return this.data[this.head + i];
  }

  /** Index of the first entry >= n (binary search: entries are ascending). */
  lowerBound(n: number): number {
    let lo = this.head;
    let hi = this.end;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.data[mid] < n) lo = mid + 1;
      else hi = mid;
    }
    return lo - this.head;
  }

  /** Removes the entries below frame `n`; returns how many left. */
  dropBelow(n: number): number {
    const k = this.lowerBound(n);
    this.head += k;
    this.dropped += k;
    return k;
  }

  bytes(): number {
    return this.data.byteLength;
  }
}
