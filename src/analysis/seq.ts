/**
 * TCP sequence analysis with Wireshark's definitions and precedence
 * (epan/dissectors/packet-tcp.c, tcp_analyze_sequence_number()), so that
 * `tcp.analysis.*` agrees with tshark 4.0 frame by frame. The order of the
 * tests below is the order of the C function, including its early exits
 * ("goto finished_fwd"), its 32-bit wrap-around arithmetic and its quirks (a
 * sequence number 0 means "not seen yet"); do not reorder them.
 *
 * Unacknowledged segments live in one pool of typed arrays shared by all
 * connections (a singly linked list per direction, newest first, as
 * Wireshark's `tcp_unacked_t` list), so a segment costs no allocation.
 */
import * as tcpHeader from '../decode/tcp';

// Module-local bindings for the per-packet code (a named import or an `export const` is a
// property load on a module object at every use in the CommonJS output; see tcp.ts).
const { FLAG_ACK, FLAG_FIN, FLAG_PSH, FLAG_RST, FLAG_SYN } = tcpHeader;

// tcp.analysis flag bits: Wireshark's TCP_A_* values.
const A_RETRANSMISSION = 0x0001;
const A_LOST_SEGMENT = 0x0002;
const A_ACK_LOST_SEGMENT = 0x0004;
const A_KEEP_ALIVE = 0x0008;
const A_DUPLICATE_ACK = 0x0010;
const A_ZERO_WINDOW = 0x0020;
const A_ZERO_WINDOW_PROBE = 0x0040;
const A_ZERO_WINDOW_PROBE_ACK = 0x0080;
const A_KEEP_ALIVE_ACK = 0x0100;
const A_OUT_OF_ORDER = 0x0200;
const A_FAST_RETRANSMISSION = 0x0400;
const A_WINDOW_UPDATE = 0x0800;
const A_WINDOW_FULL = 0x1000;
const A_REUSED_PORTS = 0x2000;
const A_SPURIOUS_RETRANSMISSION = 0x4000;
export { A_RETRANSMISSION, A_LOST_SEGMENT, A_ACK_LOST_SEGMENT, A_KEEP_ALIVE, A_DUPLICATE_ACK, A_ZERO_WINDOW, A_ZERO_WINDOW_PROBE, A_ZERO_WINDOW_PROBE_ACK, A_KEEP_ALIVE_ACK, A_OUT_OF_ORDER, A_FAST_RETRANSMISSION, A_WINDOW_UPDATE, A_WINDOW_FULL, A_REUSED_PORTS, A_SPURIOUS_RETRANSMISSION };

/** A tcp.analysis flag: its field, tshark's Info-column label, and the rule that sets it, in words. */
export interface AnalysisRule {
  readonly bit: number;
  readonly field: string;
  /** What tshark prepends to the Info column ('' when it prints nothing). */
  readonly info: string;
  readonly rule: string;
}

/** Every flag, in the order tshark prints their Info labels (last printed = leftmost). */
export const ANALYSIS_RULES: readonly AnalysisRule[] = [
  { bit: A_REUSED_PORTS, field: 'tcp.analysis.reused_ports', info: '[TCP Port numbers reused] ', rule: 'a SYN whose sequence number differs from the first SYN seen on this address/port pair: a new connection reusing the ports' },
  { bit: A_RETRANSMISSION, field: 'tcp.analysis.retransmission', info: '[TCP Retransmission] ', rule: 'carries data (or SYN/FIN) but does not advance the sequence number beyond what this side already sent' },
  { bit: A_FAST_RETRANSMISSION, field: 'tcp.analysis.fast_retransmission', info: '[TCP Fast Retransmission] ', rule: 'does not advance the sequence number, the peer sent at least 2 duplicate ACKs asking for exactly this sequence number, and it left within 20 ms of the last of them' },
  { bit: A_SPURIOUS_RETRANSMISSION, field: 'tcp.analysis.spurious_retransmission', info: '[TCP Spurious Retransmission] ', rule: 'carries only data the peer has already acknowledged' },
  { bit: A_OUT_OF_ORDER, field: 'tcp.analysis.out_of_order', info: '[TCP Out-Of-Order] ', rule: 'does not advance the sequence number, arrived within the initial RTT (3 ms when unknown) of the highest segment, and does not end where that one ended' },
  { bit: A_LOST_SEGMENT, field: 'tcp.analysis.lost_segment', info: '[TCP Previous segment not captured] ', rule: 'starts beyond the next expected sequence number: bytes in between were not captured' },
  { bit: A_ACK_LOST_SEGMENT, field: 'tcp.analysis.ack_lost_segment', info: '[TCP ACKed unseen segment] ', rule: 'acknowledges bytes beyond the highest contiguous sequence number seen from the peer: the ACKed data was not captured' },
  { bit: A_WINDOW_UPDATE, field: 'tcp.analysis.window_update', info: '[TCP Window Update] ', rule: 'no data, same sequence and acknowledgment numbers as this side\'s previous segment, only the window changed' },
  { bit: A_WINDOW_FULL, field: 'tcp.analysis.window_full', info: '[TCP Window Full] ', rule: 'carries data up to the last byte of the window the peer advertised' },
  { bit: A_KEEP_ALIVE, field: 'tcp.analysis.keep_alive', info: '[TCP Keep-Alive] ', rule: '0 or 1 byte at the next expected sequence number minus one, without SYN/FIN/RST: a keep-alive probe' },
  { bit: A_KEEP_ALIVE_ACK, field: 'tcp.analysis.keep_alive_ack', info: '[TCP Keep-Alive ACK] ', rule: 'repeats this side\'s previous ACK and window right after a keep-alive from the peer' },
  { bit: A_DUPLICATE_ACK, field: 'tcp.analysis.duplicate_ack', info: '', rule: 'no data, same sequence number, acknowledgment number and window as this side\'s previous segment' },
  { bit: A_ZERO_WINDOW_PROBE, field: 'tcp.analysis.zero_window_probe', info: '[TCP ZeroWindowProbe] ', rule: 'exactly 1 byte at the next expected sequence number while the peer advertises a zero window' },
  { bit: A_ZERO_WINDOW, field: 'tcp.analysis.zero_window', info: '[TCP ZeroWindow] ', rule: 'advertises a receive window of 0 (no SYN, FIN or RST)' },
  { bit: A_ZERO_WINDOW_PROBE_ACK, field: 'tcp.analysis.zero_window_probe_ack', info: '[TCP ZeroWindowProbeAck] ', rule: 'repeats this side\'s zero window and ACK right after a zero-window probe from the peer' },
];

/** Static flow flags (Wireshark's TCP_S_*). */
const S_BASE_SEQ_SET = 0x01;
const S_SAW_SYN = 0x03;
const S_SAW_SYNACK = 0x05;

/** Wireshark stops remembering unacknowledged segments beyond this many per direction (TCP_MAX_UNACKED_SEGMENTS). */
const MAX_UNACKED_SEGMENTS = 1000;
export { S_BASE_SEQ_SET, S_SAW_SYN, S_SAW_SYNACK, MAX_UNACKED_SEGMENTS };

const FAST_RETRANSMISSION_WINDOW_NS = 20_000_000;
const DEFAULT_OOO_THRESHOLD_NS = 3_000_000;

/** Wireshark's GT_SEQ / LT_SEQ / LE_SEQ: signed 32-bit difference. */
export function gtSeq(a: number, b: number): boolean {
  return ((a - b) | 0) > 0;
}
export function ltSeq(a: number, b: number): boolean {
  return ((a - b) | 0) < 0;
}
export function leSeq(a: number, b: number): boolean {
  return ((a - b) | 0) <= 0;
}

/** Nanoseconds from (s2, n2) to (s1, n1), exact for any realistic gap (no absolute-time doubles). */
export function nsBetween(s1: number, n1: number, s2: number, n2: number): number {
  return (s1 - s2) * 1e9 + (n1 - n2);
}

/**
 * Unacknowledged segments of every connection: parallel typed arrays with a
 * free list. Index -1 ends a list.
 */
export class SegmentPool {
  /** Raw sequence numbers, signed 32-bit (see SeqFlow). */
  seq: Int32Array = new Int32Array(1024);
  nextSeq: Int32Array = new Int32Array(1024);
  frame: Float64Array = new Float64Array(1024);
  sec: Float64Array = new Float64Array(1024);
  nsec: Int32Array = new Int32Array(1024);
  link: Int32Array = new Int32Array(1024);
  private free = -1;
  private used = 0;
  /** Segments currently held (for memory accounting). */
  live = 0;

  alloc(): number {
    this.live++;
    if (this.free >= 0) {
      const i = this.free;
      this.free = this.link[i];
      return i;
    }
    if (this.used === this.seq.length) this.grow();
    return this.used++;
  }

  release(i: number): void {
    this.live--;
    this.link[i] = this.free;
    this.free = i;
  }

  /** Releases a whole list (a connection that is evicted). */
  releaseList(head: number): void {
    let u = head;
    while (u >= 0) {
      const next = this.link[u];
      this.release(u);
      u = next;
    }
  }

  private grow(): void {
    const n = this.seq.length * 2;
    const grow32 = (a: Int32Array): Int32Array => {
      const b = new Int32Array(n);
      b.set(a);
      return b;
    };
    const growF = (a: Float64Array): Float64Array => {
      const b = new Float64Array(n);
      b.set(a);
      return b;
    };
    this.seq = grow32(this.seq);
    this.nextSeq = grow32(this.nextSeq);
    this.frame = growF(this.frame);
    this.sec = growF(this.sec);
    const ns = new Int32Array(n);
    ns.set(this.nsec);
    this.nsec = ns;
    const l = new Int32Array(n);
    l.set(this.link);
    this.link = l;
  }
}

/**
 * One direction of a connection as Wireshark's `tcp_flow_t` and
 * `tcp_analyze_seq_flow_info_t` see it: what this side sent.
 *
 * Raw sequence and acknowledgment numbers (baseSeq, nextSeq, lastAck,
 * maxSeqToBeAcked, and TcpSegment's) are kept as signed 32-bit integers:
 * the same bits as the header's unsigned field, but a small integer to V8
 * (an unsigned one above 2^31 is a heap number: boxed in every field and
 * argument). They are compared by signed difference, `((a - b) | 0) > 0`,
 * as Wireshark's GT_SEQ, and made unsigned (`>>> 0`) only to be shown.
 */
export class SeqFlow {
  baseSeq = 0;
  staticFlags = 0;
  /** -1 unknown, -2 known not to scale, else the shift this side announced. */
  winScale = -1;
  /**
   * Last raw (unscaled) window this side advertised; -1 before any (Wireshark's
   * G_MAXUINT32, kept as -1 so it is a small integer).
   */
  window = -1;
  /** This side sent a SYN and no ACK without SYN since: its window is not scaled yet. */
  isFirstAck = false;
  validBif = true;
  pushBytesSent = 0;
  pushSetLast = false;
  /** This side sent a FIN before the peer did (tshark's closing_initiator). */
  closingInitiator = false;
  lastSegmentFlags = 0;
  nextSeq = 0;
  nextSeqFrame = 0;
  nextSeqSec = 0;
  nextSeqNsec = 0;
  maxSeqToBeAcked = 0;
  lastAck = 0;
  lastAckSec = 0;
  lastAckNsec = 0;
  lastNonDupAck = 0;
  dupAckNum = 0;
  segHead = -1;
  segCount = 0;
  /** SACK blocks of this side's latest segment (at most 3 kept, as Wireshark). */
  numSack = 0;
  sackL1 = 0;
  sackR1 = 0;
  sackL2 = 0;
  sackR2 = 0;
  sackL3 = 0;
  sackR3 = 0;
}

/**
 * The header of the segment being analysed (one per tracker, refilled per
 * segment), handed to each step of the analysis instead of a dozen arguments.
 */
export class TcpSegment {
  /** Raw sequence and acknowledgment numbers, signed 32-bit (see SeqFlow). */
  seq = 0;
  ack = 0;
  /** Payload bytes (0 when the segment length is unknown: not analysed). */
  seglen = 0;
  /** TCP flags (FLAG_* of decode/tcp.ts, 12 bits). */
  flags = 0;
  /** The raw (unscaled) window field. */
  window = 0;
  frame = 0;
  /** Seconds since TIME_BASE, and nanoseconds. */
  sec = 0;
  nsec = 0;
}

/** What the sequence analysis found for one segment (tshark's `tcp_acked`, reused). */
export class SeqResult {
  /** A tcp_acked record exists: tshark shows the tcp.analysis tree (and iRTT) only then. */
  exists = false;
  flags = 0;
  dupAckNum = 0;
  dupAckFrame = 0;
  acksFrame = 0;
  /** RTT to the acknowledged segment in ns (0: not shown). */
  ackRttNs = 0;
  bytesInFlight = 0;
  pushBytesSent = 0;
  /** A retransmission's RTO: ns since the segment it most likely repeats was first sent (0: none). */
  rtoNs = 0;
  /** The frame that RTO is measured from. */
  rtoFrame = 0;

  reset(): void {
    this.exists = false;
    this.flags = 0;
    this.dupAckNum = 0;
    this.dupAckFrame = 0;
    this.acksFrame = 0;
    this.ackRttNs = 0;
    this.bytesInFlight = 0;
    this.pushBytesSent = 0;
    this.rtoNs = 0;
    this.rtoFrame = 0;
  }
}

/**
 * The RTO of a plain retransmission, as tshark measures it: from the eldest
 * segment this side still has unacknowledged (the one most likely sent
 * again; its list is newest first), else from the segment that last moved
 * nextseq. Off the fast path: only retransmissions come here.
 */
function retransmissionTimeout(pool: SegmentPool, fwd: SeqFlow, s: TcpSegment, r: SeqResult): void {
  let sec = fwd.nextSeqSec;
  let nsec = fwd.nextSeqNsec;
  let frame = fwd.nextSeqFrame;
  for (let u = fwd.segHead; u >= 0; u = pool.link[u]) {
    sec = pool.sec[u];
    nsec = pool.nsec[u];
    frame = pool.frame[u];
  }
  r.rtoNs = nsBetween(s.sec, s.nsec, sec, nsec);
  r.rtoFrame = frame;
}

/**
 * tcp_analyze_sequence_number() for segment `s` sent by `fwd` to `rev`.
 * `firstRttNs` is the connection's iRTT (0 unknown). Fills `r` (which may
 * already carry REUSED_PORTS from the connection lookup).
 */
export function analyzeSequence(pool: SegmentPool, fwd: SeqFlow, rev: SeqFlow, firstRttNs: number, s: TcpSegment, r: SeqResult): void {
  const seq = s.seq;
  const ack = s.ack;
  const seglen = s.seglen;
  const flags = s.flags;
  const window = s.window;
  const frameNo = s.frame;
  const sec = s.sec;
  const nsec = s.nsec;
  // Relative numbering starts at the SYN, or one before the first segment seen (Wireshark bug 1542).
  if ((fwd.staticFlags & S_BASE_SEQ_SET) === 0) {
    if (flags & FLAG_SYN) {
      fwd.baseSeq = seq;
      fwd.staticFlags |= flags & FLAG_ACK ? S_SAW_SYNACK : S_SAW_SYN;
    } else {
      fwd.baseSeq = (seq - 1) | 0;
    }
    fwd.staticFlags |= S_BASE_SEQ_SET;
  }
  // The peer's ISN: ack - 1 of the first segment with ACK set (the ACK field of a SYN is not trusted).
  if ((rev.staticFlags & S_BASE_SEQ_SET) === 0 && flags & FLAG_ACK) {
    rev.baseSeq = (ack - 1) | 0;
    rev.staticFlags |= S_BASE_SEQ_SET;
  }
  if (flags & FLAG_ACK) rev.validBif = true;

  let f = r.flags;
  const noSynFinRst = (flags & (FLAG_SYN | FLAG_FIN | FLAG_RST)) === 0;

  fwdChecks: {
    if (seglen === 1 && seq === fwd.nextSeq && rev.window === 0) {
      f |= A_ZERO_WINDOW_PROBE;
      break fwdChecks;
    }
    if (window === 0 && noSynFinRst) f |= A_ZERO_WINDOW;
    if (fwd.nextSeq !== 0 && gtSeq(seq, fwd.nextSeq) && (flags & FLAG_RST) === 0) {
      f |= A_LOST_SEGMENT;
      // Bytes in flight are unknown until the peer ACKs again.
      fwd.validBif = false;
    }
    if ((seglen === 0 || seglen === 1) && seq === ((fwd.nextSeq - 1) | 0) && noSynFinRst) f |= A_KEEP_ALIVE;
    if (seglen === 0 && window !== 0 && window !== fwd.window && seq === fwd.nextSeq && ack === fwd.lastAck && noSynFinRst) {
      f |= A_WINDOW_UPDATE;
    }
    if (seglen > 0 && rev.winScale !== -1 && noSynFinRst) {
      const shift = rev.isFirstAck === true || rev.winScale === -2 ? 0 : rev.winScale;
      // -1 << shift is 0xffffffff << shift in 32 bits, as Wireshark computes with its G_MAXUINT32.
      if (((seq + seglen) | 0) === ((rev.lastAck + ((rev.window << shift) >>> 0)) | 0)) f |= A_WINDOW_FULL;
    }
    const repeatsAck = seglen === 0 && window === fwd.window && seq === fwd.nextSeq && ack === fwd.lastAck && noSynFinRst;
    if (repeatsAck && window !== 0 && rev.lastSegmentFlags & A_KEEP_ALIVE) {
      f |= A_KEEP_ALIVE_ACK;
      break fwdChecks;
    }
    if (repeatsAck && window === 0 && rev.lastSegmentFlags & A_ZERO_WINDOW_PROBE) {
      f |= A_ZERO_WINDOW_PROBE_ACK;
      break fwdChecks;
    }
    if (repeatsAck && window !== 0) {
      // -1 (set after an "ACKed unseen segment") neutralises that report: counting restarts at 1.
      fwd.dupAckNum = fwd.dupAckNum === -1 ? 1 : fwd.dupAckNum + 1;
      f |= A_DUPLICATE_ACK;
      r.dupAckNum = fwd.dupAckNum;
      r.dupAckFrame = fwd.lastNonDupAck;
    }
  }

  if (ack !== fwd.lastAck) {
    fwd.lastNonDupAck = frameNo;
    fwd.dupAckNum = 0;
  }

  let exists = r.exists === true || f !== 0;

  // ACKED LOST PACKET: this side acknowledges bytes beyond the highest contiguous byte seen from the
  // peer. tshark 4.0 (established on crafted captures) reports it once per new peer segment: when
  // the peer sent past the boundary (max < nextseq, compared unsigned) the boundary moves; otherwise
  // it reports only if the peer is not counting duplicate ACKs, and always marks dupacknum with -1
  // (which 4.0 stores unsigned: the marker then passes the fast-retransmission test below).
  if (rev.maxSeqToBeAcked !== 0 && gtSeq(ack, rev.maxSeqToBeAcked) && flags & FLAG_ACK) {
    exists = true;
    if (rev.maxSeqToBeAcked >>> 0 < rev.nextSeq >>> 0) {
      rev.maxSeqToBeAcked = rev.nextSeq;
      f |= A_ACK_LOST_SEGMENT;
    } else {
      if (rev.dupAckNum === 0) f |= A_ACK_LOST_SEGMENT;
      rev.dupAckNum = -1;
    }
  }

  if (seglen > 0 || flags & (FLAG_SYN | FLAG_FIN)) {
    retrans: {
      // A keep-alive is not a retransmission.
      if (f & A_KEEP_ALIVE) break retrans;
      let seqNotAdvanced = fwd.nextSeq !== 0 && ltSeq(seq, fwd.nextSeq);
      // More than one byte starting one before nextseq follows a zero-window probe: new data.
      if (seglen > 1 && ((fwd.nextSeq - 1) | 0) === seq) seqNotAdvanced = false;
      if (seglen > 0 && rev.lastAck !== 0 && leSeq((seq + seglen) | 0, rev.lastAck)) {
        f |= A_SPURIOUS_RETRANSMISSION;
        break retrans;
      }
      let t = nsBetween(sec, nsec, rev.lastAckSec, rev.lastAckNsec);
      if (seqNotAdvanced && (rev.dupAckNum >= 2 || rev.dupAckNum === -1) && rev.lastAck === seq && t >= 0 && t < FAST_RETRANSMISSION_WINDOW_NS) {
        f |= A_FAST_RETRANSMISSION;
        break retrans;
      }
      t = nsBetween(sec, nsec, fwd.nextSeqSec, fwd.nextSeqNsec);
      const threshold = firstRttNs === 0 ? DEFAULT_OOO_THRESHOLD_NS : firstRttNs;
      const end = (seq + seglen + (flags & (FLAG_SYN | FLAG_FIN) ? 1 : 0)) | 0;
      if (seqNotAdvanced && t >= 0 && t < threshold && fwd.nextSeq !== end) {
        f |= A_OUT_OF_ORDER;
        break retrans;
      }
      if (seqNotAdvanced) {
        f |= A_RETRANSMISSION;
        retransmissionTimeout(pool, fwd, s, r);
      }
    }
  }
  if (f !== 0) exists = true;

  let nextSeq = (seq + seglen) | 0;
  if ((seglen !== 0 || flags & (FLAG_SYN | FLAG_FIN)) && fwd.segCount < MAX_UNACKED_SEGMENTS) {
    const u = pool.alloc();
    pool.link[u] = fwd.segHead;
    fwd.segHead = u;
    fwd.segCount++;
    pool.frame[u] = frameNo;
    pool.seq[u] = seq;
    pool.sec[u] = sec;
    pool.nsec[u] = nsec;
    // SYN and FIN take one sequence number (only when remembered: Wireshark's quirk at the list limit).
    if (flags & (FLAG_SYN | FLAG_FIN)) nextSeq = (nextSeq + 1) | 0;
    pool.nextSeq[u] = nextSeq;
  }

  // A zero-window probe does not move nextseq (the byte is sent again once the window opens).
  const probe = (f & A_ZERO_WINDOW_PROBE) !== 0;
  if ((gtSeq(nextSeq, fwd.nextSeq) || fwd.nextSeq === 0) && !probe) {
    fwd.nextSeq = nextSeq;
    fwd.nextSeqFrame = frameNo;
    fwd.nextSeqSec = sec;
    fwd.nextSeqNsec = nsec;
  }
  if ((seq === fwd.maxSeqToBeAcked || fwd.maxSeqToBeAcked === 0) && !probe) fwd.maxSeqToBeAcked = fwd.nextSeq;

  fwd.window = window;
  fwd.lastAck = ack;
  fwd.lastAckSec = sec;
  fwd.lastAckNsec = nsec;
  fwd.lastSegmentFlags = f;

  // Drop what this segment acknowledges from the peer's list; the oldest exact match names the ACKed frame.
  let prev = -1;
  let u = rev.segHead;
  const link = pool.link;
  while (u >= 0) {
    const un = pool.nextSeq[u];
    if (ack === un) {
      exists = true;
      r.acksFrame = pool.frame[u];
      r.ackRttNs = nsBetween(sec, nsec, pool.sec[u], pool.nsec[u]);
    } else if (gtSeq(ack, pool.seq[u]) && leSeq(ack, un)) {
      pool.seq[u] = ack;
      prev = u;
      u = link[u];
      continue;
    } else if (gtSeq(un, ack)) {
      prev = u;
      u = link[u];
      continue;
    }
    const next = link[u];
    if (prev < 0) rev.segHead = next;
    else link[prev] = next;
    pool.release(u);
    rev.segCount--;
    u = next;
  }

  // Bytes in flight: Wireshark's default, payload-based method.
  // Boolean fields are tested `=== true`: V8 does not know they hold only booleans and would test
  // each as any value (a dozen instructions; see stream.ts).
  if (seglen !== 0 && fwd.segHead >= 0 && fwd.validBif === true) {
    const base = fwd.baseSeq;
    let v = fwd.segHead;
    let first = (pool.seq[v] - base) >>> 0;
    let last = (pool.nextSeq[v] - base) >>> 0;
    while (v >= 0) {
      const e = (pool.nextSeq[v] - base) >>> 0;
      if (e > last) last = e;
      const s = (pool.seq[v] - base) >>> 0;
      if (s < first) first = s;
      v = link[v];
    }
    let inFlight = (last - first) >>> 0;
    const n = rev.numSack;
    if (n > 0) {
      let delivered = (rev.sackR1 - rev.sackL1) >>> 0;
      if (n > 1) delivered = (delivered + rev.sackR2 - rev.sackL2) >>> 0;
      if (n > 2) delivered = (delivered + rev.sackR3 - rev.sackL3) >>> 0;
      inFlight = (inFlight - delivered) >>> 0;
    }
    if (inFlight > 0 && inFlight < 2_000_000_000) {
      r.bytesInFlight = flags & (FLAG_SYN | FLAG_FIN) ? inFlight - 1 : inFlight;
    }
    const psh = (flags & FLAG_PSH) !== 0;
    if (psh && fwd.pushSetLast !== true) {
      fwd.pushBytesSent = (fwd.pushBytesSent + seglen) >>> 0;
      fwd.pushSetLast = true;
    } else if (psh) {
      fwd.pushBytesSent = seglen;
    } else if (fwd.pushSetLast === true) {
      fwd.pushBytesSent = seglen;
      fwd.pushSetLast = false;
    } else {
      fwd.pushBytesSent = (fwd.pushBytesSent + seglen) >>> 0;
    }
    r.pushBytesSent = fwd.pushBytesSent;
    exists = true;
  }

  r.flags = f;
  r.exists = exists;
}
