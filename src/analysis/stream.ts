/**
 * One direction of a TCP connection as a byte stream: segments put back in
 * sequence order (retransmitted bytes counted once, holes marked as gaps),
 * then split into application messages by the direction's framing.
 *
 * Memory is bounded per direction: at most `limits.streamBytes` reassembled
 * bytes and `limits.maxMessages` message records are kept (what is dropped is
 * counted), out-of-order segments wait in a small bounded queue, and framing
 * detection looks at the first DETECT_BYTES bytes only.
 */
import * as tcpHeader from '../decode/tcp';
import * as framings from './framing';
import { AUTO_FRAMING, MessageSplitter, type FramingChoice, type MessageSink } from './framing';
import { resetter, type Resetter } from './recycle';
import type { TcpSegment } from './seq';

// Module-local bindings for the per-packet code (see tcp.ts).
const { FLAG_SYN } = tcpHeader;
const { DETECT_BYTES, detectFraming, FRAMING_FIXED, FRAMING_LINES, FRAMING_NONE, FRAMING_UNDECIDED } = framings;

export interface StreamLimits {
  /** Reassembled bytes kept per direction (0: none; the counts and messages still work). */
  streamBytes: number;
  /** Reassembled bytes kept per direction of the followed stream (-z follow). */
  followBytes: number;
  /** Message records kept per direction (totals count every message). */
  maxMessages: number;
  /** Delivered chunks (segment pieces) remembered per connection, for follow and the ladder. */
  maxChunks: number;
  /** Out-of-order segments waiting for a hole to fill, per direction. */
  maxOutOfOrder: number;
  /** Out-of-order bytes waiting, per direction. */
  maxOutOfOrderBytes: number;
}

export const DEFAULT_LIMITS: StreamLimits = {
  streamBytes: 0,
  followBytes: 64 << 20,
  maxMessages: 0,
  maxChunks: 0,
  maxOutOfOrder: 64,
  maxOutOfOrderBytes: 256 * 1024,
};

/** Message facts of the bytes one segment delivered (reused; see DirStream.segment). */
export class ChunkFacts {
  /** Bytes this segment added to the stream (not seen before). */
  newBytes = 0;
  /** Bytes of this segment already received earlier (retransmitted), counted once. */
  dupBytes = 0;
  /** The segment arrived before a hole and waits; its facts come when the hole fills. */
  queued = false;
  /** Messages touching the new bytes; -1 while no framing applies. */
  msgs = -1;
  started = 0;
  ended = 0;
  /** The new bytes begin inside a message that started earlier. */
  continues = false;
  /** The new bytes end inside a message that goes on later. */
  continued = false;
  /** Index (0-based, per direction) of the first message touching the new bytes. */
  firstMsg = -1;
  /**
   * Where messages start in this segment, as indexes from its first captured payload byte
   * (-A draws them); null unless the analysis was asked for them, and at most marks.length.
   */
  marks: Int32Array | null = null;
  markCount = 0;

  reset(): void {
    this.newBytes = 0;
    this.dupBytes = 0;
    this.queued = false;
    this.msgs = -1;
    this.started = 0;
    this.ended = 0;
    this.continues = false;
    this.continued = false;
    this.firstMsg = -1;
    this.markCount = 0;
  }

  mark(index: number): void {
    const m = this.marks!;
    if (this.markCount < m.length) m[this.markCount++] = index;
  }
}

/** A segment waiting for an earlier hole to be filled. */
interface Pending {
  seq: number;
  bytes: Uint8Array;
  /** Length on the wire (bytes beyond `bytes.length` were not captured). */
  len: number;
  frame: number;
}

/** The connection-wide log of delivered chunks, in delivery order (tshark's follow order). */
export class ChunkLog {
  dir = new Uint8Array(64);
  offset = new Float64Array(64);
  len = new Int32Array(64);
  frame = new Float64Array(64);
  count = 0;
  /** Chunks not recorded because the log was full. */
  dropped = 0;

  constructor(private readonly max: number) {}

  add(dir: number, offset: number, len: number, frame: number): void {
    if (this.count >= this.max) {
      this.dropped++;
      return;
    }
    if (this.count === this.dir.length) this.grow();
    const i = this.count++;
    this.dir[i] = dir;
    this.offset[i] = offset;
    this.len[i] = len;
    this.frame[i] = frame;
  }

  private grow(): void {
    const n = this.dir.length * 2;
    const d = new Uint8Array(n);
    d.set(this.dir);
    this.dir = d;
    const o = new Float64Array(n);
    o.set(this.offset);
    this.offset = o;
    const l = new Int32Array(n);
    l.set(this.len);
    this.len = l;
    const f = new Float64Array(n);
    f.set(this.frame);
    this.frame = f;
  }
}

/**
 * (Boolean fields are tested `=== true` on the per-segment path: V8 does not
 * know they hold only booleans and would test each as any value, a dozen
 * instructions, where `=== true` is one compare.)
 *
 * One direction's byte stream. It is its own MessageSplitter (one object per
 * direction, not two: the per-packet path touches fewer objects).
 */
export class DirStream extends MessageSplitter implements MessageSink {
  /** Stream offset of the next expected byte (bytes delivered in order so far, gaps included). */
  offset = 0;
  /** The first byte's sequence number is known. */
  private begun = false;
  /** Raw sequence number of the next expected byte (signed 32-bit, as in seq.ts). */
  nextSeq = 0;

  /** Kept bytes: data[0, kept) are stream offsets [0, kept). */
  data: Uint8Array | null = null;
  kept = 0;
  /** Bytes not kept because of the cap (they were still counted and framed). */
  droppedBytes = 0;
  /** Bytes received more than once (retransmissions, overlaps). */
  dupBytes = 0;
  gaps = 0;
  gapBytes = 0;
  /** Stream offsets where gaps start, and their lengths (first 32; null until a gap). */
  gapAt: number[] | null = null;
  gapLen: number[] | null = null;
  private pending: Pending[] | null = null;
  private pendingBytes = 0;
  /** Holes given up because the out-of-order queue was full (each then counted as a gap). */
  oooDropped = 0;

  // Framing.
  framing = FRAMING_UNDECIDED;
  private detect: Uint8Array | null = null;
  private detectLen = 0;
  /** detectFraming's verdict on the full window (-1: not full yet). */
  private windowVerdict = -1;
  /** Chunks delivered before the framing was known: (offset, len, frame), replayed once it is. */
  private early: number[] | null = null;
  /** Every byte so far is text (printable, tab, CR, LF), and whether a line feed came: a long first line may be pending. */
  private allText = true;
  private sawLF = false;
  /** The message splitter of this direction (the stream itself). */
  get splitter(): MessageSplitter {
    return this;
  }

  // Messages.
  messages = 0;
  completeMessages = 0;
  /** Segments whose new bytes touch two or more messages. */
  coalescedSegments = 0;
  maxMessagesInSegment = 0;
  /** Messages that spanned more than one segment. */
  splitMessages = 0;
  /** Message records: start offset, end offset (-1 open), first and last frame, segments. */
  msgStart: Float64Array | null = null;
  msgEnd: Float64Array | null = null;
  msgFirstFrame: Float64Array | null = null;
  msgLastFrame: Float64Array | null = null;
  msgSegments: Int32Array | null = null;
  messagesKept = 0;
  /** Segments the open message has touched so far. */
  private curSegments = 0;
  /** Record index of the open message (-1: none open, or it was not recorded). */
  private openRecord = -1;
  private curFrame = 0;
  /** The facts collecting message marks during frameChunk (null otherwise), and the stream offset of payload index 0. */
  private markOut: ChunkFacts | null = null;
  private markBase = 0;

  // Data-only statistics of the sending side (kept here: a side without data costs nothing for them).
  /** Payload bytes and segments sent after the peer's FIN (a half-close: counted, not lost). */
  bytesAfterPeerFin = 0;
  segmentsAfterPeerFin = 0;
  /** tcp.analysis.ack_rtt of this data (ns). */
  rttCount = 0;
  rttMinNs = 0;
  rttMaxNs = 0;
  rttSumNs = 0;
  /** Nagle evidence: small segments released by the ACK of earlier data, and the longest hold. */
  nagleHolds = 0;
  nagleMaxHoldNs = 0;
  /** Time (seconds since TIME_BASE) of the last data segment; it was small and pushed. */
  lastDataSec = 0;
  lastDataNsec = 0;
  lastDataSmall = false;
  /** When an ACK covered everything sent since (-2e9: not since the last data). */
  flightEmptySec = -2_000_000_000;
  flightEmptyNsec = 0;

  constructor(
    public dir: number,
    private limits: StreamLimits,
    private choice: FramingChoice,
    private log: ChunkLog | null,
    private keepAll: boolean,
  ) {
    super();
    if (choice.kind !== FRAMING_UNDECIDED) this.setFraming(choice.kind);
  }

  /**
   * This object, whose connection was retired and reused, starts over as a
   * new direction's stream: every field as a new one's (see recycle.ts).
   */
  reuse(dir: number, limits: StreamLimits, choice: FramingChoice, log: ChunkLog | null, keepAll: boolean): void {
    resetStream(this);
    this.dir = dir;
    this.limits = limits;
    this.choice = choice;
    this.log = log;
    this.keepAll = keepAll;
    if (choice.kind !== FRAMING_UNDECIDED) this.setFraming(choice.kind);
  }

  /** Raw sequence number of this direction's FIN (valid when `finSeen`): the byte it occupies is no data. */
  private finSeq = 0;
  private finSeen = false;

  /** A FIN at raw sequence number `seq` (after any data of its segment). */
  fin(seq: number): void {
    if (!this.finSeen || ((seq - this.finSeq) | 0) > 0) {
      this.finSeq = seq;
      this.finSeen = true;
    }
  }

  /** A SYN fixes where the data starts (its sequence number + 1). */
  syn(isn: number): void {
    if (this.begun !== true) {
      this.begun = true;
      this.nextSeq = (isn + 1) | 0;
    }
  }

  /**
   * The payload of segment `s` (its data starts after the SYN, if any), of
   * which `cap` bytes were captured at b[p, p + cap). Fills `out`.
   */
  segment(s: TcpSegment, b: Uint8Array, p: number, cap: number, out: ChunkFacts): void {
    let len = s.seglen;
    if (len === 0) return;
    const seq = s.flags & FLAG_SYN ? (s.seq + 1) | 0 : s.seq;
    const frame = s.frame;
    if (this.begun !== true) {
      this.begun = true;
      this.nextSeq = seq;
    }
    let rel = (seq - this.nextSeq) | 0;
    if (rel + len <= 0) {
      out.dupBytes += len;
      this.dupBytes += len;
      return;
    }
    while (rel > 0) {
      const q = this.pending;
      if ((q === null || q.length < this.limits.maxOutOfOrder) && this.pendingBytes + cap <= this.limits.maxOutOfOrderBytes) {
        this.queue(seq, b, p, cap, len, frame);
        out.queued = true;
        return;
      }
      // No room to wait: give up the earliest hole (a gap), deliver what waited behind it, look again.
      this.oooDropped++;
      const first = q !== null && q.length > 0 ? (q[0].seq - this.nextSeq) | 0 : rel;
      this.skip(first < rel ? first : rel);
      this.drain();
      rel = (seq - this.nextSeq) | 0;
      if (rel + len <= 0) {
        out.dupBytes += len;
        this.dupBytes += len;
        return;
      }
    }
    if (rel < 0) {
      const skipped = -rel;
      out.dupBytes += skipped;
      this.dupBytes += skipped;
      p += skipped;
      cap = cap > skipped ? cap - skipped : 0;
      len -= skipped;
    }
    this.deliver(b, p, cap, len, frame, out);
    if (this.pending !== null && this.pending.length > 0) this.drain();
  }

  /** Whether `ack` is beyond the bytes received: only then has peerAcked() anything to do. */
  ahead(ack: number): boolean {
    return this.begun === true && ((ack - this.nextSeq) | 0) > 0;
  }

  /**
   * The peer acknowledged up to `ack`: bytes before it that never arrived
   * were lost to the capture (tshark's "ACKed unseen segment"); mark them as a
   * gap so the stream and the framing go on. Returns the gap's length.
   */
  peerAcked(ack: number): number {
    if (!this.begun) return 0;
    // The ACK of a FIN covers the FIN's sequence number, which carries no data.
    if (this.finSeen && ((ack - this.finSeq) | 0) > 0) ack = this.finSeq;
    const ahead = (ack - this.nextSeq) | 0;
    if (ahead <= 0) return 0;
    let hole = ahead;
    const q = this.pending;
    if (q !== null && q.length > 0) {
      const first = (q[0].seq - this.nextSeq) | 0;
      if (first < hole) hole = first;
    }
    if (hole <= 0) return 0;
    this.skip(hole);
    if (q !== null && q.length > 0) this.drain();
    return hole;
  }

  /** End of capture: whatever still waits is delivered after marking the holes before it. */
  finish(): void {
    const q = this.pending;
    while (q !== null && q.length > 0) {
      const first = (q[0].seq - this.nextSeq) | 0;
      if (first > 0) this.skip(first);
      this.drain();
    }
    if (this.framing === FRAMING_UNDECIDED) this.decide(true);
  }

  private queue(seq: number, b: Uint8Array, p: number, cap: number, len: number, frame: number): void {
    const bytes = b.slice(p, p + cap);
    const item: Pending = { seq, bytes, len, frame };
    const q = (this.pending ??= []);
    let i = q.length;
    while (i > 0 && ((q[i - 1].seq - seq) | 0) > 0) i--;
    q.splice(i, 0, item);
    this.pendingBytes += cap;
  }

  private drain(): void {
    const scratch = DRAIN_FACTS;
    const q = this.pending;
    if (q === null) return;
    while (q.length > 0) {
      const head = q[0];
      const rel = (head.seq - this.nextSeq) | 0;
      if (rel > 0) return;
      q.shift();
      this.pendingBytes -= head.bytes.length;
      scratch.reset();
      if (rel + head.len <= 0) {
        this.dupBytes += head.len;
        continue;
      }
      const skip = -rel;
      this.dupBytes += skip;
      const cap = head.bytes.length > skip ? head.bytes.length - skip : 0;
      this.deliver(head.bytes, skip, cap, head.len - skip, head.frame, scratch);
    }
  }

  private skip(n: number): void {
    this.gaps++;
    this.gapBytes += n;
    if (this.gapAt === null || this.gapLen === null) {
      this.gapAt = [];
      this.gapLen = [];
    }
    if (this.gapAt.length < 32) {
      this.gapAt.push(this.offset);
      this.gapLen.push(n);
    }
    this.nextSeq = (this.nextSeq + n) | 0;
    this.offset += n;
    if (this.framing === FRAMING_UNDECIDED) this.decide(true);
    this.closeCurrentAsSplit();
    this.gap();
    if (this.kind === FRAMING_NONE && this.framing !== FRAMING_NONE) this.framing = FRAMING_NONE;
  }

  private deliver(b: Uint8Array, p: number, cap: number, len: number, frame: number, out: ChunkFacts): void {
    const at = this.offset;
    out.newBytes += len;
    this.log?.add(this.dir, at, len, frame);
    this.keep(b, p, cap);
    this.nextSeq = (this.nextSeq + len) | 0;
    this.offset += len;
    if (this.framing === FRAMING_UNDECIDED && this.decidedInPlace(b, p, cap)) {
      this.frameChunk(b, p, cap, at, frame, out);
    } else if (this.framing === FRAMING_UNDECIDED) {
      this.scanText(b, p, cap);
      this.gather(b, p, cap);
      (this.early ??= []).push(at, cap, frame);
      this.decide(false);
      if (this.framing === FRAMING_UNDECIDED) return;
      // Decided now: the earlier chunks were replayed by decide(); this one too, with its facts.
      this.frameChunk(b, p, cap, at, frame, out);
    } else {
      this.frameChunk(b, p, cap, at, frame, out);
    }
    // Bytes on the wire but not captured: the framing loses track of them.
    if (cap < len) {
      this.closeCurrentAsSplit();
      this.gap();
      if (this.kind === FRAMING_NONE) this.framing = FRAMING_NONE;
    }
  }

  private keep(b: Uint8Array, p: number, cap: number): void {
    const limit = this.keepAll ? this.limits.followBytes : this.limits.streamBytes;
    if (limit <= 0 || this.kept !== this.offset) {
      this.droppedBytes += cap;
      return;
    }
    let n = cap;
    if (this.kept + n > limit) n = limit - this.kept;
    if (n > 0) {
      const need = this.kept + n;
      if (this.data === null || this.data.length < need) {
        let size = this.data === null ? 256 : this.data.length * 2;
        while (size < need) size *= 2;
        if (size > limit) size = limit;
        const d = new Uint8Array(size);
        if (this.data !== null) d.set(this.data.subarray(0, this.kept));
        this.data = d;
      }
      this.data.set(b.subarray(p, p + n), this.kept);
      this.kept += n;
    }
    this.droppedBytes += cap - n;
  }

  private gather(b: Uint8Array, p: number, cap: number): void {
    const room = DETECT_BYTES - this.detectLen;
    if (room <= 0) return;
    const n = cap < room ? cap : room;
    const need = this.detectLen + n;
    // Sized to what arrives (most directions decide on their first small segment).
    if (this.detect === null || this.detect.length < need) {
      let size = this.detect === null ? 64 : this.detect.length;
      while (size < need) size *= 2;
      const d = new Uint8Array(size < DETECT_BYTES ? size : DETECT_BYTES);
      if (this.detect !== null) d.set(this.detect.subarray(0, this.detectLen));
      this.detect = d;
    }
    this.detect.set(b.subarray(p, p + n), this.detectLen);
    this.detectLen += n;
  }

  /**
   * Most directions show their framing in their first segment: decided on
   * its bytes where they lie, nothing gathered or replayed. Only a definite
   * framing is taken here; 'none' and 'undecided' (a long first line may be
   * pending) go the gathering way, which sees the same bytes again.
   */
  private decidedInPlace(b: Uint8Array, p: number, cap: number): boolean {
    if (this.detectLen !== 0 || this.early !== null || cap <= 0) return false;
    const n = cap < DETECT_BYTES ? cap : DETECT_BYTES;
    const kind = detectFraming(b, n, n >= DETECT_BYTES, this.choice, p);
    if (kind === FRAMING_UNDECIDED || kind === FRAMING_NONE) return false;
    this.setFraming(kind);
    return true;
  }

  private scanText(b: Uint8Array, p: number, cap: number): void {
    if (!this.allText || this.sawLF) return;
    for (let i = p, end = p + cap; i < end; i++) {
      const c = b[i];
      if (c === 0x0a) {
        this.sawLF = true;
        return;
      }
      if (!((c >= 0x20 && c < 0x7f) || c === 0x0d || c === 0x09 || c >= 0x80)) {
        this.allText = false;
        return;
      }
    }
  }

  private decide(final: boolean): void {
    // A full window does not change: its verdict is found once (a long first line asks again per segment).
    let kind = this.windowVerdict;
    if (kind < 0 || this.detectLen < DETECT_BYTES) {
      kind = detectFraming(this.detect ?? EMPTY, this.detectLen, final || this.detectLen >= DETECT_BYTES, this.choice);
      if (this.detectLen >= DETECT_BYTES) this.windowVerdict = kind;
    }
    if (kind === FRAMING_NONE && this.allText && !this.choice.lengthAnyWidth && this.detectLen >= DETECT_BYTES) {
      // A first line longer than the detection window: text so far, its end not seen yet.
      if (this.sawLF) kind = FRAMING_LINES;
      else if (!final && this.offset < LONG_LINE_LIMIT) return;
    }
    if (kind === FRAMING_UNDECIDED) return;
    this.setFraming(kind);
    // Replay what arrived before the decision (all but the chunk being delivered now, which the caller frames).
    const early = this.early ?? [];
    this.early = null;
    const replay = final ? early.length : early.length - 3;
    const d = this.detect;
    for (let i = 0; i < replay; i += 3) {
      const at = early[i];
      const cap = early[i + 1];
      if (d !== null && at + cap <= this.detectLen) {
        this.frameChunk(d, at, cap, at, early[i + 2], DRAIN_FACTS);
      } else if (kind === FRAMING_LINES && this.allText && d !== null) {
        // Beyond the window the bytes were not kept, but they held no line feed (the first one made
        // the decision, in the chunk being delivered now): the first line goes on through them.
        if (at < this.detectLen) this.frameChunk(d, at, this.detectLen - at, at, early[i + 2], DRAIN_FACTS);
        else this.continueMessage(early[i + 2]);
      } else {
        this.gap();
      }
    }
    this.detect = null;
    this.detectLen = 0;
  }

  private setFraming(kind: number): void {
    this.framing = kind;
    this.reset(kind, kind === FRAMING_FIXED ? this.choice.size : 0);
  }

  private frameChunk(b: Uint8Array, p: number, cap: number, at: number, frame: number, out: ChunkFacts): void {
    const s: MessageSplitter = this;
    if (s.kind === FRAMING_NONE || cap <= 0) return;
    this.curFrame = frame;
    const before = this.messages;
    if (s.inMessage === true) this.continueMessage(frame);
    // The new bytes follow the segment's retransmitted ones (its dupBytes so far).
    const marking = out.marks !== null;
    if (marking) {
      this.markOut = out;
      this.markBase = at - out.dupBytes;
    }
    // Boundaries are walked one by one only while a message record is open or still to be kept, or marks are asked for.
    s.feed(b, p, cap, at, marking || this.openRecord >= 0 || this.messagesKept < this.limits.maxMessages ? this : null);
    this.markOut = null;
    const started = s.started;
    const ended = s.ended;
    const began = s.beganInside === true;
    this.messages += started;
    this.completeMessages += ended;
    if (ended > 0) {
      // Only the first message ending here can have begun in an earlier segment.
      if (began && this.curSegments > 1) this.splitMessages++;
      this.curSegments = s.endsInside === true ? 1 : 0;
    } else if (!began && started > 0) {
      this.curSegments = 1;
    }
    const touching = started + (began ? 1 : 0);
    out.msgs = touching;
    out.started = started;
    out.ended = ended;
    out.continues = began;
    out.continued = s.endsInside;
    out.firstMsg = began ? before - 1 : before;
    if (touching >= 2) this.coalescedSegments++;
    if (touching > this.maxMessagesInSegment) this.maxMessagesInSegment = touching;
  }

  /** A chunk inside the open message (also one whose bytes are not at hand, known to hold no boundary). */
  private continueMessage(frame: number): void {
    if (!this.inMessage) return;
    this.curSegments++;
    const r = this.openRecord;
    if (r >= 0) {
      this.msgLastFrame![r] = frame;
      this.msgSegments![r]++;
    }
  }

  /** A gap ends the current message: it counts as split (its bytes crossed a boundary we cannot see). */
  private closeCurrentAsSplit(): void {
    if (this.inMessage && this.curSegments > 1) this.splitMessages++;
    this.curSegments = 0;
  }

  /** Lost bytes: besides the splitter's reaction, a message that ended unseen leaves its record open. */
  override gap(): void {
    super.gap();
    if (!this.inMessage) this.openRecord = -1;
  }

  /** Records a message (the counts are kept by frameChunk for every message, recorded or not). */
  messageStart(offset: number): void {
    if (this.markOut !== null) this.markOut.mark(offset - this.markBase);
    const max = this.limits.maxMessages;
    if (this.messagesKept >= max) {
      this.openRecord = -1;
      return;
    }
    if (this.msgStart === null || this.messagesKept === this.msgStart.length) this.growMessages(max);
    const i = this.messagesKept++;
    this.msgStart![i] = offset;
    this.msgEnd![i] = -1;
    this.msgFirstFrame![i] = this.curFrame;
    this.msgLastFrame![i] = this.curFrame;
    this.msgSegments![i] = 1;
    this.openRecord = i;
  }

  messageEnd(offset: number): void {
    const r = this.openRecord;
    if (r < 0) return;
    this.msgEnd![r] = offset;
    this.msgLastFrame![r] = this.curFrame;
    this.openRecord = -1;
  }

  private growMessages(max: number): void {
    const old = this.msgStart === null ? 0 : this.msgStart.length;
    const n = Math.min(max, old === 0 ? 16 : old * 2);
    const f = (a: Float64Array | null): Float64Array => {
      const b = new Float64Array(n);
      if (a !== null) b.set(a);
      return b;
    };
    this.msgStart = f(this.msgStart);
    this.msgEnd = f(this.msgEnd);
    this.msgFirstFrame = f(this.msgFirstFrame);
    this.msgLastFrame = f(this.msgLastFrame);
    const s = new Int32Array(n);
    if (this.msgSegments !== null) s.set(this.msgSegments);
    this.msgSegments = s;
  }

  /** The kept bytes of stream offsets [from, from + n), or null when they were not kept. */
  bytes(from: number, n: number): Uint8Array | null {
    if (this.data === null || from + n > this.kept) return null;
    return this.data.subarray(from, from + n);
  }
}

const EMPTY = new Uint8Array(0);
/** Resets a stream to a new one's fields but its configuration (compiled from a fresh stream; see recycle.ts). */
const resetStream: Resetter<DirStream> = resetter(new DirStream(0, DEFAULT_LIMITS, AUTO_FRAMING, null, false), ['dir', 'limits', 'choice', 'log', 'keepAll'] as (keyof DirStream & string)[]);
/** How long a first line may be before the direction is declared unframed. */
const LONG_LINE_LIMIT = 1 << 20;
/** Facts of chunks delivered late (out of order, or replayed): nobody prints them per frame. */
const DRAIN_FACTS = new ChunkFacts();
