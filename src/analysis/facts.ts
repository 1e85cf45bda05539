/**
 * Per-frame analysis facts kept compactly for millions of frames (the
 * dashboard's packet list and ladder read them after the fact): typed arrays
 * in FrameChunks (64 Ki frames each), 36 bytes a frame, allocated as frames arrive.
 * A live capture's dashboard keeps only its newest frames: `dropBefore`
 * frees the chunks of frames it dropped, and those read as no facts.
 */
import { CHUNK_FRAMES, CHUNK_MASK as MASK, FrameChunks } from './frame-chunks';

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
/** A FIN of the side that closes first, or of the side that closes after its peer (TcpNote.finRole). */
export const F_FIN_ACTIVE = 1 << 26;
export const F_FIN_PASSIVE = 1 << 27;
/** tshark keeps an analysis record for the segment (SeqResult.exists): its tree shows [SEQ/ACK analysis]. */
export const F_SEQ_RECORD = 1 << 28;

class Chunk {
  readonly kind = new Uint8Array(CHUNK_FRAMES);
  readonly stream = new Int32Array(CHUNK_FRAMES).fill(-1);
  readonly flags = new Uint32Array(CHUNK_FRAMES);
  readonly relSeq = new Uint32Array(CHUNK_FRAMES);
  readonly relAck = new Uint32Array(CHUNK_FRAMES);
  readonly msgs = new Uint16Array(CHUNK_FRAMES);
  /** TCP: tcp.completeness as of the frame, the stream's previous frame (UDP too), the frame it ACKs (tcp.analysis.acks_frame). */
  readonly completeness = new Uint8Array(CHUNK_FRAMES);
  readonly prevFrame = new Uint32Array(CHUNK_FRAMES);
  readonly acksFrame = new Uint32Array(CHUNK_FRAMES);
  /** TCP: tcp.analysis.bytes_in_flight and push_bytes_sent (0: not shown). */
  readonly inFlight = new Uint32Array(CHUNK_FRAMES);
  readonly pushBytes = new Uint32Array(CHUNK_FRAMES);
}
/** The columns above: kind 1, stream 4, flags 4, relSeq 4, relAck 4, msgs 2, completeness 1, prevFrame 4, acksFrame 4, inFlight 4, pushBytes 4. */
const FACT_BYTES_PER_FRAME = 36;

export class FrameFacts {
  private readonly chunks = new FrameChunks(() => new Chunk(), FACT_BYTES_PER_FRAME);
  /** Highest frame number recorded. */
  frames = 0;
  /** Frames below this were dropped (dropBefore). */
  private low = 0;

  private chunk(frame: number): Chunk {
    return this.chunks.fill(frame, this.low);
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

  /**
   * What a frame's detail tree shows besides the flags, to be read again out of order: the time
   * columns are kept as frame numbers (their times are in the dashboard's index). UDP uses prevFrame
   * alone (0: the datagram is not timed).
   */
  setDetail(frame: number, completeness: number, prevFrame: number, acksFrame: number, inFlight: number, pushBytes: number): void {
    const c = this.chunk(frame);
    const j = frame & MASK;
    c.completeness[j] = completeness;
    c.prevFrame[j] = prevFrame;
    c.acksFrame[j] = acksFrame;
    c.inFlight[j] = inFlight;
    c.pushBytes[j] = pushBytes;
  }

  completeness(frame: number): number {
    return this.read(frame, 'completeness', 0);
  }
  prevFrame(frame: number): number {
    return this.read(frame, 'prevFrame', 0);
  }
  acksFrame(frame: number): number {
    return this.read(frame, 'acksFrame', 0);
  }
  inFlight(frame: number): number {
    return this.read(frame, 'inFlight', 0);
  }
  pushBytes(frame: number): number {
    return this.read(frame, 'pushBytes', 0);
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
    return this.read(frame, 'kind', KIND_NONE);
  }
  stream(frame: number): number {
    return this.read(frame, 'stream', -1);
  }
  flags(frame: number): number {
    return this.read(frame, 'flags', 0);
  }
  relSeq(frame: number): number {
    return this.read(frame, 'relSeq', 0);
  }
  relAck(frame: number): number {
    return this.read(frame, 'relAck', 0);
  }
  msgs(frame: number): number {
    return this.read(frame, 'msgs', 0);
  }

  /** A column's value for `frame`, or `none` for a frame not recorded (dropped, or not yet seen). */
  private read(frame: number, column: keyof Chunk, none: number): number {
    return frame <= this.frames && frame >= this.low ? this.chunk(frame)[column][frame & MASK] : none;
  }

  /** Forgets frames below `frame`, freeing every chunk they filled (the dashboard's ring dropped them). */
  dropBefore(frame: number): void {
    if (frame <= this.low) return;
    this.low = frame;
    this.chunks.freeBelow(frame);
  }

  /** Bytes held (for memory accounting). */
  bytes(): number {
    return this.chunks.bytes();
  }
}
