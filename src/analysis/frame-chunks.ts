/**
 * Per-frame columns for millions of frames, held as typed arrays in chunks of
 * 64 Ki frames: allocated as frames arrive (no copying as a capture grows, as
 * a doubled array would), freed whole once every frame they hold is dropped
 * (a live capture's ring), so memory follows the frames kept. Analysis's
 * FrameFacts and the dashboard's FrameIndex each keep their columns in one;
 * a chunk class (one typed array per column) is the caller's.
 */

export const CHUNK_SHIFT = 16;
export const CHUNK_FRAMES = 1 << CHUNK_SHIFT;
/** `frame & CHUNK_MASK`: the frame's slot in its chunk. */
export const CHUNK_MASK = CHUNK_FRAMES - 1;

export class FrameChunks<C> {
  /** Chunk i holds frames i * CHUNK_FRAMES ...; null: its frames were all dropped. */
  private readonly list: (C | null)[] = [];
  /** Chunks 0..freed-1 are null. */
  private freed = 0;

  constructor(
    private readonly make: () => C,
    private readonly bytesPerFrame: number,
  ) {}

  /** The chunk holding `frame`: null when it was dropped, undefined before it is filled. */
  get(frame: number): C | null | undefined {
    return this.list[frame >>> CHUNK_SHIFT];
  }

  /**
   * The chunk holding `frame`, allocated with any missing before it. Those wholly below
   * `low` (frames already dropped) are never written: they stay null instead of taking memory.
   */
  fill(frame: number, low: number): C {
    const i = frame >>> CHUNK_SHIFT;
    while (this.list.length <= i) this.list.push((this.list.length + 1) * CHUNK_FRAMES <= low ? null : this.make());
    return this.list[i]!;
  }

  /** Frees every chunk whose frames are all below `frame`. */
  freeBelow(frame: number): void {
    const below = frame >>> CHUNK_SHIFT;
    // From the first chunk still held: the dashboard's ring calls this for every frame once it is full.
    for (; this.freed < below && this.freed < this.list.length; this.freed++) this.list[this.freed] = null;
  }

  /** Bytes held by the chunks (for memory accounting). */
  bytes(): number {
    let held = 0;
    for (const c of this.list) if (c !== null) held++;
    return held * CHUNK_FRAMES * this.bytesPerFrame;
  }
}
