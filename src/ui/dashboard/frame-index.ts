/**
 * What the dashboard keeps per frame: where its record is (to re-read it on
 * demand), its time, its length on the wire and its row class (colour).
 * 25 bytes a frame in typed-array chunks of 64 Ki frames, allocated as frames
 * arrive; with analysis's FrameFacts (21 bytes) a frame costs 46 bytes, so a
 * 2 M-frame file is indexed in under 100 MB and never held in memory itself.
 *
 * Also the growable list of frame numbers a display filter selects.
 */

const SHIFT = 16;
const CHUNK = 1 << SHIFT;
const MASK = CHUNK - 1;

class IndexChunk {
  /** Byte offset of the frame's record in the file (or the spill file). Float64: files pass 4 GB. */
  readonly offset = new Float64Array(CHUNK);
  /** Whole seconds: a double keeps every second a damaged file can carry (wiretap allows negatives). */
  readonly sec = new Float64Array(CHUNK);
  readonly nsec = new Int32Array(CHUNK);
  /** frame.len: length on the wire. */
  readonly len = new Uint32Array(CHUNK);
  /** RowClass value (row-class.ts). */
  readonly cls = new Uint8Array(CHUNK);
}

export const INDEX_BYTES_PER_FRAME = 8 + 8 + 4 + 4 + 1;

export class FrameIndex {
  private readonly chunks: IndexChunk[] = [];
  /** Frames indexed; frame numbers are 1..count. */
  count = 0;

  /** Appends the next frame; returns its number. */
  push(offset: number, sec: number, nsec: number, len: number, cls: number): number {
    const n = ++this.count;
    const i = n >>> SHIFT;
    if (i === this.chunks.length) this.chunks.push(new IndexChunk());
    const c = this.chunks[i];
    const j = n & MASK;
    c.offset[j] = offset;
    c.sec[j] = sec;
    c.nsec[j] = nsec;
    c.len[j] = len;
    c.cls[j] = cls;
    return n;
  }

  offset(n: number): number {
    return this.chunks[n >>> SHIFT].offset[n & MASK];
  }
  sec(n: number): number {
    return this.chunks[n >>> SHIFT].sec[n & MASK];
  }
  nsec(n: number): number {
    return this.chunks[n >>> SHIFT].nsec[n & MASK];
  }
  len(n: number): number {
    return this.chunks[n >>> SHIFT].len[n & MASK];
  }
  cls(n: number): number {
    return this.chunks[n >>> SHIFT].cls[n & MASK];
  }

  /** Nanoseconds from frame `a` to frame `b` (exact to the microsecond over 104 days). */
  nsBetween(a: number, b: number): number {
    return (this.sec(b) - this.sec(a)) * 1e9 + (this.nsec(b) - this.nsec(a));
  }

  /** Memory held, for the benchmark's accounting. */
  bytes(): number {
    return this.chunks.length * CHUNK * INDEX_BYTES_PER_FRAME;
  }
}

/** A growable list of frame numbers (a display filter's matches), 4 bytes each. */
export class FrameList {
  private data = new Int32Array(1024);
  length = 0;

  push(n: number): void {
    if (this.length === this.data.length) {
      const bigger = new Int32Array(this.data.length * 2);
      bigger.set(this.data);
      this.data = bigger;
    }
    this.data[this.length++] = n;
  }

  at(i: number): number {
    return this.data[i];
  }

  /** Index of the first entry >= n (binary search: entries are ascending). */
  lowerBound(n: number): number {
    let lo = 0;
    let hi = this.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.data[mid] < n) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  bytes(): number {
    return this.data.byteLength;
  }
}
