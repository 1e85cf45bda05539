/**
 * Per-frame analysis facts kept compactly for millions of frames (the
 * dashboard's packet list and ladder read them after the fact): typed arrays
 * in chunks of 64 Ki frames, 21 bytes a frame, allocated as frames arrive.
 * A live capture's dashboard keeps only its newest frames: `dropBefore`
 * frees the chunks of frames it dropped, and those read as no facts.
 */

export const KIND_NONE = 0;
export const KIND_TCP = 1;
export const KIND_UDP = 2;
export const KIND_ARP = 3;
/** An ICMP echo request or reply: relSeq is a reply's request frame, relAck a request's first reply frame. */
export const KIND_ICMP = 4;

/** Bits above the 15 tcp.analysis flag bits (seq.ts A_*) in `flags`. */
export const F_COALESCED = 1 << 16;
export const F_MSG_SPLIT = 1 << 17;
export const F_NAGLE = 1 << 18;
export const F_FROM_CLIENT = 1 << 19;
export const F_AFTER_PEER_FIN = 1 << 20;
/** The segment arrived ahead of a hole; its message facts were set when the hole filled. */
export const F_QUEUED = 1 << 21;
export const F_ARP_GRATUITOUS = 1 << 22;
export const F_ARP_CONFLICT = 1 << 23;
export const F_HAS_MSGS = 1 << 24;
/** An ICMP echo request (else a reply). */
export const F_ECHO_REQUEST = 1 << 25;

const SHIFT = 16;
const CHUNK = 1 << SHIFT;
const MASK = CHUNK - 1;

class Chunk {
  readonly kind = new Uint8Array(CHUNK);
  readonly stream = new Int32Array(CHUNK).fill(-1);
  readonly flags = new Uint32Array(CHUNK);
  readonly relSeq = new Uint32Array(CHUNK);
  readonly relAck = new Uint32Array(CHUNK);
  readonly msgs = new Uint16Array(CHUNK);
}

export class FrameFacts {
  /** null: the chunk's frames were all dropped. */
  private readonly chunks: (Chunk | null)[] = [];
  /** Highest frame number recorded. */
  frames = 0;
  /** Frames below this were dropped (dropBefore). */
  private low = 0;
  /** Chunks 0..freed-1 are null. */
  private freed = 0;

  private chunk(frame: number): Chunk {
    const i = frame >>> SHIFT;
    // Chunks wholly below the dropped frames are never filled: no need to allocate them.
    while (this.chunks.length <= i) this.chunks.push((this.chunks.length + 1) * CHUNK <= this.low ? null : new Chunk());
    return this.chunks[i]!;
  }

  set(frame: number, kind: number, stream: number, flags: number, relSeq: number, relAck: number, msgs: number): void {
    const c = this.chunk(frame);
    const j = frame & MASK;
    c.kind[j] = kind;
    c.stream[j] = stream;
    c.flags[j] = flags;
    c.relSeq[j] = relSeq;
    c.relAck[j] = relAck;
    c.msgs[j] = msgs > 0xffff ? 0xffff : msgs;
    if (frame > this.frames) this.frames = frame;
  }

  /** An echo request learns its first reply (set when the reply arrives). */
  pairReply(request: number, reply: number): void {
    if (request > this.frames || request < this.low || this.kind(request) !== KIND_ICMP) return;
    const c = this.chunk(request);
    const j = request & MASK;
    if (c.relAck[j] === 0) c.relAck[j] = reply;
  }

  /** Adds message facts to a frame after the fact (an out-of-order segment delivered later). */
  addFlags(frame: number, flags: number, msgs: number): void {
    if (frame > this.frames || frame < this.low) return;
    const c = this.chunk(frame);
    const j = frame & MASK;
    c.flags[j] |= flags;
    c.msgs[j] = msgs > 0xffff ? 0xffff : msgs;
  }

  kind(frame: number): number {
    return frame <= this.frames && frame >= this.low ? this.chunk(frame).kind[frame & MASK] : KIND_NONE;
  }
  stream(frame: number): number {
    return frame <= this.frames && frame >= this.low ? this.chunk(frame).stream[frame & MASK] : -1;
  }
  flags(frame: number): number {
    return frame <= this.frames && frame >= this.low ? this.chunk(frame).flags[frame & MASK] : 0;
  }
  relSeq(frame: number): number {
    return frame <= this.frames && frame >= this.low ? this.chunk(frame).relSeq[frame & MASK] : 0;
  }
  relAck(frame: number): number {
    return frame <= this.frames && frame >= this.low ? this.chunk(frame).relAck[frame & MASK] : 0;
  }
  msgs(frame: number): number {
    return frame <= this.frames && frame >= this.low ? this.chunk(frame).msgs[frame & MASK] : 0;
  }

  /** Forgets frames below `frame`, freeing every chunk they filled (the dashboard's ring dropped them). */
  dropBefore(frame: number): void {
    if (frame <= this.low) return;
    this.low = frame;
    // From the first chunk still held: the dashboard calls this for every frame once its ring is full.
    for (; (this.freed + 1) * CHUNK <= frame && this.freed < this.chunks.length; this.freed++) this.chunks[this.freed] = null;
  }

  /** Bytes held (for memory accounting). */
  bytes(): number {
    let held = 0;
    for (const c of this.chunks) if (c !== null) held++;
    return held * CHUNK * 21;
  }
}
