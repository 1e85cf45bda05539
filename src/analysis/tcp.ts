/**
 * TCP connections: found by a numeric hash of the 5-tuple (IPv4 and IPv6),
 * numbered as tshark numbers `tcp.stream`, and followed segment by segment:
 * tshark's sequence analysis (seq.ts), each side's RFC 9293 (793) state, the
 * handshake and teardown kinds, Zeek's history and conn_state (zeek.ts), the
 * byte streams and their messages (stream.ts), and Nagle evidence.
 *
 * Per-packet work allocates nothing: connection objects are created once per
 * connection, results go into a reused TcpNote, segments into a typed-array
 * pool. Live connections are capped; the least recently active one is evicted
 * (summarised, counted) when the cap is reached, so a SYN flood of millions of
 * half-open connections runs in bounded memory.
 */
import * as tcpHeader from '../decode/tcp';
import type { Packet } from '../decode/packet';
import * as sequence from './seq';
import { SegmentPool, SeqFlow, SeqResult, TcpSegment } from './seq';
import { ChunkFacts, ChunkLog, DirStream, type StreamLimits } from './stream';
import type { FramingChoice } from './framing';
import { ZeekConn } from './zeek';
import * as flows from './flowtable';
import { Flow, FlowTable, type KeyWords } from './flowtable';
import { resetter, type Resetter } from './recycle';

// Constants and functions the per-packet code uses, as module-local bindings. In the CommonJS
// output a named import is read from the exporting module's object at every use (a property
// load and a map check), and so is this module's own `export const`: on the benchmark that was
// a quarter of the analysis' instructions. Hence the destructuring here, and `const` + `export {}`.
const { FLAG_ACK, FLAG_FIN, FLAG_PSH, FLAG_RST, FLAG_SYN, OPT_MSS, OPT_SACK, OPT_SACK_PERM, OPT_TIMESTAMP, OPT_WSCALE, tcpOption } = tcpHeader;
const { A_FAST_RETRANSMISSION, A_RETRANSMISSION, A_KEEP_ALIVE, A_REUSED_PORTS, A_SPURIOUS_RETRANSMISSION, analyzeSequence, nsBetween, S_BASE_SEQ_SET } = sequence;
const { fillKey4, hashKey, hashKey4, readKey, TIME_BASE } = flows;

// RFC 9293 section 3.3.2 connection states.
const ST_CLOSED = 0;
const ST_LISTEN = 1;
const ST_SYN_SENT = 2;
const ST_SYN_RECEIVED = 3;
const ST_ESTABLISHED = 4;
const ST_FIN_WAIT_1 = 5;
const ST_FIN_WAIT_2 = 6;
const ST_CLOSE_WAIT = 7;
const ST_CLOSING = 8;
const ST_LAST_ACK = 9;
const ST_TIME_WAIT = 10;
export { ST_CLOSED, ST_LISTEN, ST_SYN_SENT, ST_SYN_RECEIVED, ST_ESTABLISHED, ST_FIN_WAIT_1, ST_FIN_WAIT_2, ST_CLOSE_WAIT, ST_CLOSING, ST_LAST_ACK, ST_TIME_WAIT };
export const TCP_STATE_NAMES = [
  'CLOSED',
  'LISTEN',
  'SYN-SENT',
  'SYN-RECEIVED',
  'ESTABLISHED',
  'FIN-WAIT-1',
  'FIN-WAIT-2',
  'CLOSE-WAIT',
  'CLOSING',
  'LAST-ACK',
  'TIME-WAIT',
];

/** How the connection began. */
export type HandshakeKind =
  /** SYN sent, nothing back yet (live capture) */
  | 'in-progress'
  | 'normal'
  /** normal, but the SYN had to be sent more than once */
  | 'syn-retransmitted'
  /** both sides sent a SYN (RFC 9293 figure 7) */
  | 'simultaneous-open'
  /** the SYN was answered with a RST: nothing listened on the port */
  | 'refused'
  /** the SYN never got an answer in the capture */
  | 'unanswered'
  /** SYN and SYN-ACK seen, then a RST or FIN before the handshake's ACK */
  | 'aborted'
  /** the capture started after the handshake */
  | 'midstream';

/** How the connection ended (so far). */
export type TeardownKind =
  | 'open'
  /** FIN, ACK, FIN, ACK: the active closer's FIN was acknowledged before the passive closer's FIN */
  | 'four-way'
  /** FIN, FIN+ACK, ACK: the passive closer acknowledged and closed in one segment */
  | 'three-way'
  /** one side closed its sending half; data still flowed the other way after the FIN */
  | 'half-close'
  /** both FINs were sent before either was acknowledged (the FINs crossed) */
  | 'simultaneous'
  /** one side sent a FIN; the other has not closed (yet) */
  | 'half-closed'
  | 'reset';

const CLIENT = 0;
const SERVER = 1;

/** TcpNote.finRole: the FIN's side closes first, or after the peer's FIN. */
export const FIN_ACTIVE = 1;
export const FIN_PASSIVE = 2;
export { CLIENT, SERVER };

/**
 * Everything tracked about one side (the sender of segments in that
 * direction). It is its own SeqFlow (tshark's per-direction state), so a
 * connection is a handful of objects, not a tree of them.
 */
export class TcpSide extends SeqFlow {
  /** The sequence-analysis state of this side (the side itself). */
  get seq(): SeqFlow {
    return this;
  }

  state = ST_CLOSED;
  /** Frames and bytes on the wire (tshark's conversation table counts these). */
  frames = 0;
  frameBytes = 0;
  /** Segments carrying payload, and the payload bytes (retransmissions included). */
  dataSegments = 0;
  payloadBytes = 0;
  /** The SYN's sequence number, signed 32-bit as every raw sequence number here (see SeqFlow). */
  isn = 0;
  sawSyn = false;
  synFrame = 0;
  synSec = 0;
  synNsec = 0;
  synCount = 0;
  finSeqEnd = 0;
  finFrame = 0;
  finAcked = false;
  rstFrame = 0;
  /** Options announced in this side's SYN: MSS (-1 none), window scale shift (-1 none). */
  mss = -1;
  wscale = -1;
  sackPermitted = false;
  timestamps = false;
  zeroWindows = 0;
  /** This side's last segment was a Linux-style zero-window probe (see TcpNote.zeroWindowProbe). */
  probedZeroWindow = false;
  zeroWindowProbes = 0;
  /** This side's byte stream, once it sends data (it also holds the data-only statistics: see `data`). */
  stream: DirStream | null = null;

  /**
   * This side's data-only statistics (half-close, ack RTT, Nagle): its stream's, or NO_DATA's
   * zeros while it has sent no data. One accessor instead of a getter per number, and no
   * allocation: a side without data shares the one frozen object.
   */
  get data(): SideData {
    return this.stream ?? NO_DATA;
  }
}

/**
 * The statistics TcpSide.data gives: bytes and segments sent after the peer's FIN (a half-close:
 * counted, not lost), tcp.analysis.ack_rtt of the data this side sent (ns), and Nagle evidence
 * (small segments that left as soon as an ACK emptied the flight, and the longest hold, ns).
 */
export type SideData = Readonly<Pick<DirStream, 'bytesAfterPeerFin' | 'segmentsAfterPeerFin' | 'rttCount' | 'rttMinNs' | 'rttMaxNs' | 'rttSumNs' | 'nagleHolds' | 'nagleMaxHoldNs'>>;
const NO_DATA: SideData = Object.freeze({ bytesAfterPeerFin: 0, segmentsAfterPeerFin: 0, rttCount: 0, rttMinNs: 0, rttMaxNs: 0, rttSumNs: 0, nagleHolds: 0, nagleMaxHoldNs: 0 });

/** One TCP connection (one tcp.stream). Side A of the flow is the first frame's source. */
export class TcpConnection extends Flow {
  /** tcp.stream, as tshark numbers it. */
  stream: number;
  /** Side A (the first frame's source) is the client. False when A was the server (its SYN-ACK came first, or ports said so). */
  clientIsA = true;
  /** The handshake was not seen: which side is the client is a guess from the ports. */
  midstream = false;
  readonly client = new TcpSide();
  readonly server = new TcpSide();

  /** tshark's per-conversation previous frame time (tcp.time_delta), and that frame's number (the dashboard re-derives the delta from it). */
  prevSec = 0;
  prevNsec = 0;
  prevFrame = 0;
  /** tshark: time of the most recent SYN, and the iRTT (first ACK after it); 0 unknown. */
  mruSynSec = 0;
  mruSynNsec = 0;
  mruSynSet = false;
  firstRttNs = 0;
  /** tshark's tcp.completeness bits so far. */
  completeness = 0;
  /** Started by a SYN that reused the ports of an earlier connection. */
  reusedPorts = false;

  handshake: HandshakeKind = 'in-progress';
  synAckFrame = 0;
  synAckSec = 0;
  synAckNsec = 0;
  /** The client's ACK that completed the handshake. */
  handshakeAckFrame = 0;
  synToSynAckNs = -1;
  synAckToAckNs = -1;
  simultaneousOpen = false;

  teardown: TeardownKind = 'open';
  /** CLIENT or SERVER: who sent the first FIN (the active closer), -1 none. */
  activeCloser = -1;
  firstFinFrame = 0;
  secondFinFrame = 0;
  finalAckFrame = 0;
  /** CLIENT or SERVER: who sent the RST that ended it, -1 none. */
  resetBy = -1;
  resetFrame = 0;
  /** 'handshake', 'established' or 'closing' (after a FIN). */
  resetPhase = '';

  readonly zeek = new ZeekConn();
  /** Frames by tcp.analysis flag bit index (bit i -> counts[i]); null until the first flag. */
  flagCounts: Uint32Array | null = null;
  log: ChunkLog | null = null;

  constructor(stream: number, family: number, w: KeyWords, frame: number, sec: number, nsec: number) {
    super(family, w, frame, sec, nsec);
    this.stream = stream;
    this.prevSec = sec;
    this.prevNsec = nsec;
    this.prevFrame = frame;
  }

  /**
   * This object, retired (evicted) and handed to no one who keeps it, starts
   * over as a new connection: every field as a new one's (see recycle.ts).
   */
  reuse(stream: number, family: number, w: KeyWords, frame: number, sec: number, nsec: number): void {
    resetConnection(this);
    this.begin(family, w, frame, sec, nsec);
    this.stream = stream;
    this.prevSec = sec;
    this.prevNsec = nsec;
    this.prevFrame = frame;
  }

  /** Both sides closed, or reset: eviction takes it first. */
  override get done(): boolean {
    return this.teardown === 'reset' || (this.client.state === ST_CLOSED || this.client.state === ST_TIME_WAIT) && (this.server.state === ST_CLOSED || this.server.state === ST_TIME_WAIT);
  }

  /** The side that sent a segment from A (true) or from B. */
  sideFromA(fromA: boolean): TcpSide {
    // Not fromA === clientIsA: V8 compares two booleans with a generic call. And `=== true`: V8
    // does not know the field holds only booleans, and tests a bare one as any value (a dozen
    // instructions each time, on every segment).
    if (fromA) return this.clientIsA === true ? this.client : this.server;
    return this.clientIsA === true ? this.server : this.client;
  }

  /** Zeek's conn_state, current. */
  connState(): string {
    return this.zeek.connState();
  }

  /** Zeek's history letters, current. */
  history(): string {
    return this.zeek.history;
  }

  /** Frames carrying tcp.analysis flag `bit` (A_* constant). */
  flagCount(bit: number): number {
    if (this.flagCounts === null) return 0;
    return this.flagCounts[31 - Math.clz32(bit)];
  }
}

/** Resets a connection to a new one's fields (compiled from a fresh connection; see recycle.ts). */
const resetConnection: Resetter<TcpConnection> = resetter(new TcpConnection(0, 4, new Uint32Array(10), 0, 0, 0));

/** What the tracker found for one TCP layer of the current frame (reused; see TcpTracker.note). */
export class TcpNote {
  /** Frame number this note belongs to (notes of older frames are stale). */
  frame = 0;
  /** Index of the TCP layer in the packet. */
  layer = -1;
  conn: TcpConnection | null = null;
  stream = -1;
  /** Sent by the client. */
  fromClient = false;
  /** Sent by side A of the flow (the source of its first frame). */
  fromA = false;
  /** tshark taps the frame (its conversation table counts it): not a bogus header, options not cut. */
  tapped = false;
  /** Sequence analysis ran (tshark: the segment length is known: not an IP fragment, not inside an ICMP error). */
  analyzed = false;
  /** Quoted inside an ICMP error: it has a tcp.stream, but is not one of the connection's segments. */
  inError = false;
  /**
   * In the first fragment of an IP datagram: its length is the whole datagram's, which the capture
   * does not reassemble, so tshark gives it a tcp.stream (and counts it in its tables) but no sequence
   * analysis; synack leaves it out of the connection's exchange too.
   */
  firstFragment = false;
  /** The header length field is below 20: tshark stops after tcp.seq (no ack, no analysis tree). */
  bogusHeader = false;
  /** tshark prints the tcp.analysis tree (it does not when the options were cut by the snapshot length). */
  printed = false;
  seglen = 0;
  relSeq = 0;
  /** Relative ack when the ACK flag is set, else the raw field. */
  ack = 0;
  nxtSeq = 0;
  /** tcp.window_size: the window scaled as tshark scales it (raw when the scale is unknown). */
  window = 0;
  /** tcp.window_size_scalefactor: -1 unknown, -2 no scaling, else the multiplier; 0 not shown (SYN). */
  windowScaleFactor = 0;
  completeness = 0;
  timeRelNs = 0;
  timeDeltaNs = 0;
  /** The stream's frame before this one (this frame itself for the first): timeDeltaNs runs from it. */
  prevFrame = 0;
  readonly seq = new SeqResult();
  /** The connection's iRTT when tshark prints it on this frame (0: not printed). */
  initialRttNs = 0;
  /** Message facts of this segment's new bytes (see ChunkFacts). */
  readonly chunk = new ChunkFacts();
  /** The framing of this segment's direction (FRAMING_* from framing.ts). */
  framing = -1;
  /** Nagle: this small segment left right when the ACK of earlier data arrived; ns it may have waited (0: no). */
  nagleHoldNs = 0;
  /** Payload sent after the peer's FIN. */
  afterPeerFin = false;
  /** A FIN: 1 this side closes first (tshark: "initiates the connection closing"), 2 after the peer (0: no FIN). */
  finRole = 0;
  /**
   * A zero-window probe Linux-style: no data, sequence number one below the next (tcp_xmit_probe_skb),
   * sent while the peer advertises a zero window. tshark's rules call it a keep-alive.
   */
  zeroWindowProbe = false;
  /** The peer's answer to such a probe: same ACK, window still 0. */
  zeroWindowProbeAck = false;
  /** RFC 9293 states after this segment. */
  clientState = 0;
  serverState = 0;
}

export interface TcpTrackerOptions {
  framing: FramingChoice;
  limits: StreamLimits;
  /** Live connections kept in full detail (the least recently active is evicted beyond). */
  maxConnections: number;
  /** Keep every byte of this tcp.stream (-z follow). */
  followStream: number;
  /** Record delivered chunks (follow, the dashboard's ladder and stream view). */
  keepChunks: boolean;
  /** Mark where messages start in each segment (the notes' chunk.marks). */
  messageMarks: boolean;
  /** Called when a connection leaves the live table (closed and evicted, or at the end). */
  onRetire: ((c: TcpConnection, evicted: boolean) => void) | null;
  /**
   * Reuse the objects of evicted connections for new ones (a SYN flood then allocates almost
   * nothing). Only for owners that keep no reference to a connection after `onRetire` returns
   * (the followed stream's connection is never reused).
   */
  recycle: boolean;
  onEvent: ((e: TcpEvent) => void) | null;
}

/** Events for a live view (allocated only when someone listens). */
export type TcpEvent =
  | { type: 'tcp-open'; conn: TcpConnection; frame: number }
  | { type: 'tcp-handshake'; conn: TcpConnection; frame: number; kind: HandshakeKind }
  | { type: 'tcp-state'; conn: TcpConnection; frame: number; side: number; from: number; to: number }
  | { type: 'tcp-teardown'; conn: TcpConnection; frame: number; kind: TeardownKind }
  | { type: 'tcp-finding'; conn: TcpConnection; frame: number; flags: number }
  | { type: 'tcp-evicted'; conn: TcpConnection };

const MAX_NOTES = 4;
/** Message starts marked per segment: a 64 KiB segment of one-byte messages would have more; the count still says. */
const MAX_MARKS = 1024;
/** Segments below this many bytes count as small for Nagle (RFC 896 holds back segments smaller than the MSS). */
const DEFAULT_MSS = 536;
/** A segment that leaves within this time after the ACK counts as released by it. */
const NAGLE_RELEASE_NS = 1_000_000;
/** DirStream.flightEmptySec when no ACK emptied the flight since the last data. */
const NOT_EMPTIED = -2_000_000_000;
/** Chunks logged for the followed stream (21 bytes each): its bytes are capped by followBytes anyway. */
const FOLLOW_CHUNKS = 1 << 22;
/** Evicted connections kept for reuse (one suffices in a flood: each new one evicts one). */
const SPARE_MAX = 64;

export class TcpTracker {
  readonly pool = new SegmentPool();
  /** tshark's tcp_stream_count. */
  streams = 0;
  /** Connections whose ports a later SYN reused (no longer reachable by their 5-tuple). */
  reused = 0;
  readonly table: FlowTable<TcpConnection>;
  readonly notes: TcpNote[] = [];
  noteCount = 0;
  private readonly w: KeyWords = new Uint32Array(10);
  /** The header of the segment being analysed. */
  private readonly seg = new TcpSegment();
  /** A DataView of the last frames' array (`viewOf`). */
  private view: DataView<ArrayBufferLike> = new DataView(new ArrayBuffer(0));
  private viewOf: Uint8Array | null = null;

  constructor(readonly opts: TcpTrackerOptions) {
    for (let i = 0; i < MAX_NOTES; i++) {
      const n = new TcpNote();
      if (opts.messageMarks) n.chunk.marks = new Int32Array(MAX_MARKS);
      this.notes.push(n);
    }
    this.table = new FlowTable<TcpConnection>(opts.maxConnections, (c, evicted) => this.retire(c, evicted));
  }

  get live(): number {
    return this.table.live;
  }

  get evicted(): number {
    return this.table.evicted;
  }

  /** Every live connection, in order of creation (roughly: see FlowTable). */
  connections(): IterableIterator<TcpConnection> {
    return this.table.all();
  }

  /** The note of TCP layer `li` of the current frame, if analysed. */
  noteFor(pkt: Packet, li: number): TcpNote | undefined {
    for (let i = 0; i < this.noteCount; i++) {
      const n = this.notes[i];
      if (n.layer === li && n.frame === pkt.number) return n;
    }
    return undefined;
  }

  /**
   * One TCP layer `li` whose network layer is `ipLi` (IPv4 or IPv6, `family`).
   * `inError`: inside an ICMP error; `firstFragment`: in the first fragment of an IP datagram (tshark
   * assigns a stream to both but analyses neither).
   */
  segment(pkt: Packet, li: number, ipLi: number, family: number, inError: boolean, firstFragment: boolean): TcpNote | null {
    const start = pkt.layerStart[li];
    // tshark reads the ports, numbers, flags and window before finding the conversation: within the bytes
    // captured and the length the network layer declares (an IPv6 payload length of 0 declares none).
    if ((pkt.capLen < pkt.layerEnd[li] ? pkt.capLen : pkt.layerEnd[li]) - start < 16) return null;
    if (this.noteCount === MAX_NOTES) return null;
    const note = this.notes[this.noteCount++];
    note.frame = pkt.number;
    this.frameNow = pkt.number;
    note.layer = li;

    const w = this.w;
    // The header straight from the bytes (16 captured, checked above): this runs for every segment.
    // Through a DataView of the frame's array (one per capture chunk): a 32-bit read is one bounds
    // check and a byte swap, where four byte reads cost V8 four checked loads.
    const d = pkt.data;
    if (d !== this.viewOf) {
      this.viewOf = d;
      this.view = new DataView(d.buffer, d.byteOffset, d.byteLength);
    }
    const v = this.view;
    const t = pkt.base + start;
    const sport = v.getUint16(t);
    const dport = v.getUint16(t + 2);
    // Signed 32-bit: small integers to V8 (see SeqFlow).
    const seq = v.getInt32(t + 4);
    const ackRaw = v.getInt32(t + 8);
    const offsetFlags = v.getUint16(t + 12);
    const hlen = (offsetFlags >> 12) * 4;
    const flags = offsetFlags & 0x0fff;
    const window = v.getUint16(t + 14);
    const sec = pkt.frame.tsSec - TIME_BASE;
    const nsec = pkt.frame.tsNsec;
    const num = pkt.number;
    const sg = this.seg;
    sg.seq = seq;
    sg.ack = ackRaw;
    sg.flags = flags;
    sg.window = window;
    sg.frame = num;
    sg.sec = sec;
    sg.nsec = nsec;

    let h: number;
    let conn: TcpConnection | null;
    let fromA = true;
    if (family === 4) {
      // IPv4 without key words: numbers compared in place.
      const ip = pkt.base + pkt.layerStart[ipLi];
      const src = v.getUint32(ip + 12);
      const dst = v.getUint32(ip + 16);
      // The previous segment's connection first: its stored hash saves computing this one's.
      conn = this.table.findLast4(src, sport, dst, dport);
      if (conn !== null) h = conn.hash;
      else {
        h = hashKey4(src, sport, dst, dport);
        conn = this.table.findBucket4(h, src, sport, dst, dport);
      }
      if (conn !== null) fromA = this.table.foundFromA === true;
      // The key words are needed only to make a connection.
      if (conn === null || (flags & FLAG_SYN) !== 0) fillKey4(w, src, sport, dst, dport);
    } else {
      readKey(pkt, ipLi, family, start, w);
      h = hashKey(w, family);
      conn = this.table.find(h, family, w);
      if (conn !== null) fromA = conn.fromA(w);
    }
    const r = note.seq;
    r.reset();
    if (conn === null) {
      conn = this.create(h, family, w, num, sec, nsec);
      this.rolesFromFirstSegment(conn, flags);
    } else {
      let fwd = conn.sideFromA(fromA).seq;
      // A SYN with a new ISN on a used 5-tuple starts a new connection (tshark: TCP_A_REUSED_PORTS).
      if ((flags & (FLAG_SYN | FLAG_ACK)) === FLAG_SYN && fwd.staticFlags & S_BASE_SEQ_SET && seq !== fwd.baseSeq) {
        this.table.unlinkKey(conn);
        this.reused++;
        conn = this.create(h, family, w, num, sec, nsec);
        this.rolesFromFirstSegment(conn, flags);
        // tshark starts the new conversation's completeness at "SYN sent" and does not treat it as new.
        conn.completeness = 1;
        conn.reusedPorts = true;
        fromA = true;
        r.flags |= A_REUSED_PORTS;
        r.exists = true;
      } else if ((flags & (FLAG_SYN | FLAG_ACK)) === (FLAG_SYN | FLAG_ACK) && fwd.staticFlags & S_BASE_SEQ_SET && seq !== fwd.baseSeq) {
        // A SYN-ACK with a new ISN: tshark flags it and takes the new base (its issue 16944).
        fwd.baseSeq = seq;
        r.flags |= A_REUSED_PORTS;
        r.exists = true;
      }
      fwd = conn.sideFromA(fromA).seq;
    }
    this.table.touch(conn, num, sec, nsec);

    const side = conn.sideFromA(fromA);
    const peer = side === conn.client ? conn.server : conn.client;
    // Most segments belong to the previous segment's connection: storing it again into this old
    // note would run the write barrier (connections are young) for nothing.
    if (note.conn !== conn) note.conn = conn;
    note.fromA = fromA;
    note.stream = conn.stream;
    note.completeness = conn.completeness;
    note.timeRelNs = nsBetween(sec, nsec, conn.firstSec, conn.firstNsec);
    note.timeDeltaNs = nsBetween(sec, nsec, conn.prevSec, conn.prevNsec);
    note.prevFrame = conn.prevFrame;
    conn.prevSec = sec;
    conn.prevNsec = nsec;
    conn.prevFrame = num;
    side.seq.numSack = 0;

    const reported = pkt.layerEnd[li] - start;
    const analysed = !inError && !firstFragment && reported >= hlen;
    note.analyzed = analysed;
    note.inError = inError;
    note.firstFragment = firstFragment;
    note.bogusHeader = hlen < 20;
    note.printed = false;
    note.tapped = false;
    note.windowScaleFactor = 0;
    note.initialRttNs = 0;
    note.chunk.reset();
    note.framing = -1;
    note.nagleHoldNs = 0;
    note.afterPeerFin = false;
    note.finRole = 0;
    note.zeroWindowProbe = false;
    note.zeroWindowProbeAck = false;
    const seglen = analysed ? reported - hlen : 0;
    note.seglen = seglen;
    sg.seglen = seglen;
    const fwd = side.seq;
    const rev = peer.seq;
    const peerWindowBefore = rev.window;
    note.window = window;
    if (analysed) {
      analyzeSequence(this.pool, fwd, rev, conn.firstRttNs, sg, r);
      // SYNs are never scaled; an unknown scale leaves the window as it is (tshark's default preference).
      if ((flags & FLAG_SYN) === 0 && fwd.winScale >= 0) note.window = window << fwd.winScale;
      note.relSeq = (seq - fwd.baseSeq) >>> 0;
      note.ack = flags & FLAG_ACK ? (ackRaw - rev.baseSeq) >>> 0 : ackRaw >>> 0;
      note.nxtSeq = (note.relSeq + seglen + (flags & (FLAG_SYN | FLAG_FIN) ? 1 : 0)) >>> 0;
      // Before this segment, rev.window was the peer's last advertised window.
      note.zeroWindowProbe = (r.flags & A_KEEP_ALIVE) !== 0 && peerWindowBefore === 0;
      note.zeroWindowProbeAck = seglen === 0 && window === 0 && peer.probedZeroWindow && (flags & (FLAG_SYN | FLAG_FIN | FLAG_RST)) === 0;
      peer.probedZeroWindow = false;
      side.probedZeroWindow = note.zeroWindowProbe;
      if (note.zeroWindowProbe) side.zeroWindowProbes++;
    } else {
      note.relSeq = seq >>> 0;
      note.ack = ackRaw >>> 0;
      note.nxtSeq = 0;
    }
    if ((flags & FLAG_SYN) === 0) note.windowScaleFactor = fwd.winScale >= 0 ? 1 << fwd.winScale : fwd.winScale;
    // tshark gives up after tcp.seq when the header length is below 20: nothing below happens for it.
    if (!note.bogusHeader) this.tsharkRest(pkt, li, conn, side, fwd, rev, note, sg, hlen, analysed);
    if (inError || firstFragment) {
      // An ICMP error quotes a segment, and a first fragment's segment cannot be measured: neither is part of the connection's exchange.
      note.fromClient = side === conn.client;
      note.clientState = conn.client.state;
      note.serverState = conn.server.state;
      return note;
    }

    this.count(conn, side, pkt, r.flags, seglen, window);
    // Zeek first (its history records the segment as sent), then the states. Most segments are data
    // or an ACK between two established sides before any FIN: nothing but Zeek's view moves then (no
    // state, no handshake or teardown step, no event), and states() is not called at all.
    conn.zeek.packet(side === conn.client, sg, seglen > 0 && (side.lastSegmentFlags & (A_RETRANSMISSION | A_FAST_RETRANSMISSION | A_SPURIOUS_RETRANSMISSION)) !== 0);
    if ((flags & (FLAG_SYN | FLAG_FIN | FLAG_RST)) !== 0 || side.state !== ST_ESTABLISHED || peer.state !== ST_ESTABLISHED || peer.finFrame !== 0 || conn.handshake === 'in-progress') {
      this.states(conn, side, peer, sg);
    }
    if (analysed) this.bytes(conn, side, peer, pkt, li, hlen, sg, note);
    note.fromClient = side === conn.client;
    note.clientState = conn.client.state;
    note.serverState = conn.server.state;
    if (r.flags !== 0 && this.opts.onEvent !== null) this.opts.onEvent({ type: 'tcp-finding', conn, frame: num, flags: r.flags });
    return note;
  }

  /** What dissect_tcp() does after the sequence analysis: completeness, iRTT, options, window scaling. */
  private tsharkRest(pkt: Packet, li: number, conn: TcpConnection, side: TcpSide, fwd: SeqFlow, rev: SeqFlow, note: TcpNote, sg: TcpSegment, hlen: number, analysed: boolean): void {
    const flags = sg.flags;
    const seglen = sg.seglen;
    const sec = sg.sec;
    const nsec = sg.nsec;
    const r = note.seq;
    const num = pkt.number;
    const start = pkt.layerStart[li];
    // tcp.completeness: a SYN only counts in a new conversation; tshark shows the value before this frame.
    let cpl = conn.completeness;
    if (conn.firstFrame === num && !conn.reusedPorts) {
      if ((flags & (FLAG_SYN | FLAG_ACK)) === FLAG_SYN) {
        cpl |= 1;
        if (seglen > 0) cpl |= 8;
      }
    } else {
      if ((flags & (FLAG_SYN | FLAG_ACK)) === (FLAG_SYN | FLAG_ACK)) cpl |= 2;
      if ((flags & (FLAG_SYN | FLAG_ACK)) === FLAG_ACK) cpl |= seglen > 0 ? 8 : 4;
      if ((flags & (FLAG_FIN | FLAG_ACK)) === (FLAG_FIN | FLAG_ACK)) cpl |= 16;
      if (flags & FLAG_RST) cpl |= 32;
    }
    conn.completeness = cpl;

    if (flags & FLAG_SYN && (flags & FLAG_ACK) === 0) {
      conn.mruSynSec = sec;
      conn.mruSynNsec = nsec;
      conn.mruSynSet = sec + TIME_BASE !== 0 || nsec !== 0;
    }
    if ((flags & (FLAG_SYN | FLAG_ACK)) === FLAG_ACK && conn.mruSynSet && conn.firstRttNs === 0) {
      conn.firstRttNs = nsBetween(sec, nsec, conn.mruSynSec, conn.mruSynNsec);
    }
    if (flags & FLAG_SYN) fwd.isFirstAck = true;
    else if (flags & FLAG_ACK) fwd.isFirstAck = false;
    // Who closes first: a FIN before any from the peer (a repeated one of this side's counts again).
    if (flags & FLAG_FIN) {
      if (rev.closingInitiator) note.finRole = FIN_PASSIVE;
      else {
        fwd.closingInitiator = true;
        note.finRole = FIN_ACTIVE;
      }
    }

    // Options: window scale (any segment, as tshark), SACK blocks for bytes in flight, and the SYN's offers.
    // Options cut by the snapshot length stop tshark's dissection before it prints the analysis.
    const optionsCut = pkt.capLen < start + hlen;
    // Linux data segments carry NOP, NOP, timestamps and nothing else: no window scale, no SACK to read.
    if (hlen > 20 && !(hlen === 32 && !optionsCut && this.view.getUint32(pkt.base + start + 20) === 0x0101080a)) this.options(pkt, li, flags, side, fwd, rev);
    // `=== true` on a boolean argument or field: V8 would test it as any value (see stream.ts).
    note.printed = analysed === true && !optionsCut;
    note.tapped = !optionsCut;
    if (note.printed && r.exists === true) note.initialRttNs = conn.firstRttNs;
    // tshark checks the window scale negotiation after printing (verify_tcp_window_scaling).
    if (flags & FLAG_SYN && !optionsCut) {
      if (fwd.winScale === -1) {
        fwd.winScale = -2;
        rev.winScale = -2;
      } else if (flags & FLAG_ACK && rev.winScale === -2) {
        fwd.winScale = -2;
      }
    }

  }

  private options(pkt: Packet, li: number, flags: number, side: TcpSide, fwd: SeqFlow, rev: SeqFlow): void {
    const ws = tcpOption(pkt, li, OPT_WSCALE, 0);
    if (ws >= 0 && pkt.u8(ws + 1) === 3) {
      const shift = pkt.u8(ws + 2);
      fwd.winScale = shift > 14 ? 14 : shift;
    }
    let n = 0;
    for (let k = 0; n < 3; k++) {
      const o = tcpOption(pkt, li, OPT_SACK, k);
      if (o < 0) break;
      const len = pkt.u8(o + 1);
      for (let b = o + 2; b + 8 <= o + len && n < 3; b += 8) {
        const l = (pkt.u32(b) - rev.baseSeq) >>> 0;
        const r = (pkt.u32(b + 4) - rev.baseSeq) >>> 0;
        n++;
        if (n === 1) {
          fwd.sackL1 = l;
          fwd.sackR1 = r;
        } else if (n === 2) {
          fwd.sackL2 = l;
          fwd.sackR2 = r;
        } else {
          fwd.sackL3 = l;
          fwd.sackR3 = r;
        }
      }
    }
    fwd.numSack = n;
    if (flags & FLAG_SYN) {
      const mss = tcpOption(pkt, li, OPT_MSS, 0);
      if (mss >= 0 && pkt.u8(mss + 1) === 4) side.mss = pkt.u16(mss + 2);
      if (ws >= 0 && pkt.u8(ws + 1) === 3) side.wscale = pkt.u8(ws + 2);
      side.sackPermitted = tcpOption(pkt, li, OPT_SACK_PERM, 0) >= 0;
      side.timestamps = tcpOption(pkt, li, OPT_TIMESTAMP, 0) >= 0;
    }
  }

  private count(conn: TcpConnection, side: TcpSide, pkt: Packet, flags: number, seglen: number, window: number): void {
    side.frames++;
    side.frameBytes += pkt.frame.origLen;
    if (seglen > 0) {
      side.dataSegments++;
      side.payloadBytes += seglen;
    }
    if (window === 0) side.zeroWindows++;
    if (flags !== 0) {
      if (conn.flagCounts === null) conn.flagCounts = new Uint32Array(16);
      for (let f = flags; f !== 0; f &= f - 1) conn.flagCounts[31 - Math.clz32(f & -f)]++;
    }
  }

  /** Handshake, teardown and each side's RFC 9293 state (Zeek's view has taken the segment already). */
  private states(conn: TcpConnection, side: TcpSide, peer: TcpSide, sg: TcpSegment): void {
    const flags = sg.flags;
    const seq = sg.seq;
    const ack = sg.ack;
    const seglen = sg.seglen;
    const num = sg.frame;
    const sec = sg.sec;
    const nsec = sg.nsec;
    const ev = this.opts.onEvent;
    const fromClient = side === conn.client;
    const oldMine = side.state;
    const oldPeer = peer.state;
    const syn = (flags & FLAG_SYN) !== 0;
    const fin = (flags & FLAG_FIN) !== 0;
    const rst = (flags & FLAG_RST) !== 0;
    const ackf = (flags & FLAG_ACK) !== 0;
    let ackedPeerFinNow = false;

    if (syn && !rst) {
      if (!ackf) {
        if (!side.sawSyn || seq !== side.isn) {
          side.sawSyn = true;
          side.isn = seq;
          side.synFrame = num;
          side.synSec = sec;
          side.synNsec = nsec;
          side.synCount = 1;
        } else {
          side.synCount++;
        }
        if (fromClient) {
          if (side.state === ST_CLOSED || side.state === ST_LISTEN) side.state = ST_SYN_SENT;
          if (peer.state === ST_CLOSED) peer.state = ST_LISTEN;
        } else {
          // The "server" sent a plain SYN: both sides opened at once.
          conn.simultaneousOpen = true;
          if (side.state === ST_CLOSED || side.state === ST_LISTEN) side.state = ST_SYN_SENT;
        }
        if (peer.state === ST_SYN_SENT && peer.sawSyn && side.sawSyn && fromClient !== !conn.clientIsA) {
          conn.simultaneousOpen = true;
        }
        if (peer.state === ST_SYN_SENT && conn.simultaneousOpen) peer.state = ST_SYN_RECEIVED;
        if (peer.state === ST_LISTEN) peer.state = ST_SYN_RECEIVED;
      } else {
        // SYN-ACK.
        if (!side.sawSyn || seq !== side.isn) {
          side.sawSyn = true;
          side.isn = seq;
          side.synFrame = num;
          side.synCount = 1;
        } else {
          side.synCount++;
        }
        if (conn.synAckFrame === 0 && !fromClient) {
          conn.synAckFrame = num;
          if (conn.client.sawSyn) conn.synToSynAckNs = nsBetween(sec, nsec, conn.client.synSec, conn.client.synNsec);
          conn.synAckSec = sec;
          conn.synAckNsec = nsec;
        }
        if (side.state !== ST_ESTABLISHED) side.state = ST_SYN_RECEIVED;
        if (peer.state === ST_SYN_SENT || peer.state === ST_SYN_RECEIVED) {
          if (peer.sawSyn && ((ack - peer.isn) | 0) >= 1) peer.state = ST_ESTABLISHED;
        }
      }
    }

    if (rst) {
      const phase = side.state === ST_SYN_SENT || side.state === ST_SYN_RECEIVED || peer.state === ST_SYN_SENT || peer.state === ST_SYN_RECEIVED ? 'handshake' : conn.firstFinFrame !== 0 ? 'closing' : 'established';
      if (conn.resetBy < 0 && (side.state !== ST_CLOSED || peer.state !== ST_CLOSED || conn.teardown === 'open' || conn.teardown === 'half-closed' || conn.teardown === 'half-close')) {
        if (!(side.state === ST_CLOSED && peer.state === ST_CLOSED && conn.teardown !== 'open')) {
          conn.resetBy = fromClient ? CLIENT : SERVER;
          conn.resetFrame = num;
          conn.resetPhase = phase;
          side.rstFrame = num;
          if (phase === 'handshake' && conn.handshake === 'in-progress') {
            // RST to a SYN: refused; after a SYN-ACK (or from the client): aborted.
            conn.handshake = !fromClient && conn.synAckFrame === 0 ? 'refused' : 'aborted';
            ev?.({ type: 'tcp-handshake', conn, frame: num, kind: conn.handshake });
          }
          conn.teardown = 'reset';
          ev?.({ type: 'tcp-teardown', conn, frame: num, kind: 'reset' });
        }
      }
      side.state = ST_CLOSED;
      peer.state = ST_CLOSED;
    } else {
      // The ACK field: completes the handshake, acknowledges a FIN.
      if (ackf) {
        if (peer.state === ST_SYN_RECEIVED && peer.sawSyn && ((ack - peer.isn) | 0) >= 1) {
          peer.state = ST_ESTABLISHED;
          if (side.state === ST_SYN_SENT || side.state === ST_SYN_RECEIVED) side.state = ST_ESTABLISHED;
        }
        if (peer.finFrame !== 0 && !peer.finAcked && ((ack - peer.finSeqEnd) | 0) >= 0) {
          peer.finAcked = true;
          ackedPeerFinNow = true;
          if (peer.state === ST_FIN_WAIT_1) peer.state = ST_FIN_WAIT_2;
          else if (peer.state === ST_CLOSING) peer.state = ST_TIME_WAIT;
          else if (peer.state === ST_LAST_ACK) {
            peer.state = ST_CLOSED;
            conn.finalAckFrame = num;
          }
        }
      }
      if (side.state === ST_SYN_SENT && peer.state === ST_ESTABLISHED && ackf) side.state = ST_ESTABLISHED;
      if (fin) {
        const end = (seq + seglen + (syn ? 1 : 0) + 1) | 0;
        const repeat = side.finFrame !== 0 && end === side.finSeqEnd;
        if (!repeat) {
          side.finSeqEnd = end;
          side.finFrame = num;
          side.finAcked = false;
          if (conn.firstFinFrame === 0) {
            conn.firstFinFrame = num;
            conn.activeCloser = fromClient ? CLIENT : SERVER;
            if (conn.teardown === 'open') conn.teardown = 'half-closed';
          } else if (conn.secondFinFrame === 0 && conn.activeCloser !== (fromClient ? CLIENT : SERVER)) {
            conn.secondFinFrame = num;
            if (conn.teardown !== 'reset') {
              const crossed = !(ackf && ((ack - peer.finSeqEnd) | 0) >= 0);
              // FIN+ACK acknowledging the first FIN in the same segment: the three-segment close.
              const piggyback = !crossed && ackedPeerFinNow;
              conn.teardown = side.data.bytesAfterPeerFin > 0 ? 'half-close' : crossed ? 'simultaneous' : piggyback ? 'three-way' : 'four-way';
              if (crossed && side.data.bytesAfterPeerFin > 0) conn.teardown = 'simultaneous';
              ev?.({ type: 'tcp-teardown', conn, frame: num, kind: conn.teardown });
            }
          }
        }
        // This side: ESTABLISHED -> FIN-WAIT-1, CLOSE-WAIT -> LAST-ACK. A FIN that does not acknowledge
        // the peer's FIN was sent before that FIN arrived (they crossed): this side goes to CLOSING.
        const crossedPeerFin = peer.finFrame !== 0 && !(ackf && ((ack - peer.finSeqEnd) | 0) >= 0);
        if (side.state === ST_ESTABLISHED || side.state === ST_SYN_RECEIVED || side.state === ST_SYN_SENT) side.state = ST_FIN_WAIT_1;
        else if (side.state === ST_CLOSE_WAIT) side.state = crossedPeerFin ? ST_CLOSING : ST_LAST_ACK;
        // The peer receives it.
        if (peer.state === ST_ESTABLISHED) peer.state = ST_CLOSE_WAIT;
        else if (peer.state === ST_FIN_WAIT_1) peer.state = peer.finAcked ? ST_TIME_WAIT : ST_CLOSING;
        else if (peer.state === ST_FIN_WAIT_2) peer.state = ST_TIME_WAIT;
      }
    }

    // The handshake's last step: the client's ACK of the SYN-ACK.
    if (conn.handshake === 'in-progress' && !rst && !fin) {
      if (conn.client.state === ST_ESTABLISHED && conn.server.state === ST_ESTABLISHED) {
        conn.handshake = conn.simultaneousOpen ? 'simultaneous-open' : conn.client.synCount > 1 ? 'syn-retransmitted' : 'normal';
        if (fromClient && !syn) {
          conn.handshakeAckFrame = num;
          if (conn.synAckFrame !== 0) conn.synAckToAckNs = nsBetween(sec, nsec, conn.synAckSec, conn.synAckNsec);
        }
        ev?.({ type: 'tcp-handshake', conn, frame: num, kind: conn.handshake });
      }
    } else if (conn.handshake === 'in-progress' && fin && conn.synAckFrame !== 0) {
      conn.handshake = 'aborted';
    }
    if (ev !== null) {
      if (side.state !== oldMine) ev({ type: 'tcp-state', conn, frame: num, side: fromClient ? CLIENT : SERVER, from: oldMine, to: side.state });
      if (peer.state !== oldPeer) ev({ type: 'tcp-state', conn, frame: num, side: fromClient ? SERVER : CLIENT, from: oldPeer, to: peer.state });
    }
  }

  /** Byte stream, messages and Nagle evidence of a segment (the sequence analysis already ran). */
  private bytes(conn: TcpConnection, side: TcpSide, peer: TcpSide, pkt: Packet, li: number, hlen: number, sg: TcpSegment, note: TcpNote): void {
    const flags = sg.flags;
    const seglen = sg.seglen;
    const sec = sg.sec;
    const nsec = sg.nsec;
    // A direction's byte stream exists once it carries data (a SYN flood costs no streams).
    if (side.stream === null && seglen > 0 && (flags & FLAG_RST) === 0) {
      side.stream = this.newStream(conn, side === conn.client ? CLIENT : SERVER);
      if (side.sawSyn) side.stream.syn(side.isn);
    }
    const st = side.stream;
    if (st !== null) {
      if (seglen > 0 && (flags & FLAG_RST) === 0) {
        const payload = pkt.layerStart[li] + hlen;
        const cap = pkt.capLen > payload ? Math.min(pkt.capLen - payload, seglen) : 0;
        st.segment(sg, pkt.data, pkt.base + payload, cap, note.chunk);
        note.framing = st.framing;
      }
      if (flags & FLAG_FIN) st.fin((sg.seq + seglen + (flags & FLAG_SYN ? 1 : 0)) | 0);
    }
    // An ACK beyond anything the peer sent: data the capture missed. Its stream starts here, with the gap.
    if (flags & FLAG_ACK && peer.stream === null && peer.sawSyn && peer.nextSeq !== 0 && ((sg.ack - peer.nextSeq) | 0) > 0) {
      peer.stream = this.newStream(conn, peer === conn.client ? CLIENT : SERVER);
      peer.stream.syn(peer.isn);
    }
    // An ACK beyond what the peer's stream has: those bytes were not captured.
    if (flags & FLAG_ACK && peer.stream !== null && peer.stream.ahead(sg.ack)) {
      const lost = peer.stream.peerAcked(sg.ack);
      if (lost > 0) conn.zeek.gap(peer === conn.client);
    }
    if (seglen > 0 && peer.finFrame !== 0) {
      note.afterPeerFin = true;
      if (st !== null) {
        st.bytesAfterPeerFin += seglen;
        st.segmentsAfterPeerFin++;
      }
    }

    // Nagle (RFC 896): a small segment may not leave while earlier data is unacknowledged.
    if (st !== null && seglen > 0 && (flags & (FLAG_SYN | FLAG_FIN | FLAG_RST)) === 0) {
      const mss = peer.mss > 0 ? peer.mss : side.mss > 0 ? side.mss : DEFAULT_MSS;
      const small = seglen < mss;
      if (small && st.lastDataSmall === true && st.flightEmptySec !== NOT_EMPTIED && side.segCount <= 1) {
        const sinceAck = nsBetween(sec, nsec, st.flightEmptySec, st.flightEmptyNsec);
        const waited = nsBetween(st.flightEmptySec, st.flightEmptyNsec, st.lastDataSec, st.lastDataNsec);
        if (sinceAck >= 0 && sinceAck <= NAGLE_RELEASE_NS && waited > 2 * sinceAck && waited >= 200_000) {
          const hold = nsBetween(sec, nsec, st.lastDataSec, st.lastDataNsec);
          note.nagleHoldNs = hold;
          st.nagleHolds++;
          if (hold > st.nagleMaxHoldNs) st.nagleMaxHoldNs = hold;
        }
      }
      st.lastDataSec = sec;
      st.lastDataNsec = nsec;
      st.lastDataSmall = small && (flags & FLAG_PSH) !== 0;
      st.flightEmptySec = NOT_EMPTIED;
    }
    // This ACK emptied the peer's flight: remember when (a held segment of the peer may leave now).
    const ps = peer.stream;
    if (ps !== null && flags & FLAG_ACK && peer.segHead < 0 && ps.lastDataSmall === true && ps.flightEmptySec === NOT_EMPTIED) {
      ps.flightEmptySec = sec;
      ps.flightEmptyNsec = nsec;
    }
    // RTT statistics of the data this one acknowledges (it was sent by the peer).
    const rtt = note.seq.ackRttNs;
    if (ps !== null && note.seq.acksFrame !== 0 && rtt > 0) {
      if (ps.rttCount === 0 || rtt < ps.rttMinNs) ps.rttMinNs = rtt;
      if (rtt > ps.rttMaxNs) ps.rttMaxNs = rtt;
      ps.rttSumNs += rtt;
      ps.rttCount++;
    }
  }

  private newStream(conn: TcpConnection, dir: number): DirStream {
    const o = this.opts;
    const keepAll = conn.stream === o.followStream;
    if (conn.log === null && (o.keepChunks || keepAll)) conn.log = new ChunkLog(o.limits.maxChunks > 0 ? o.limits.maxChunks : keepAll ? FOLLOW_CHUNKS : 1 << 20);
    const spare = this.spareStreams.pop();
    if (spare === undefined) return new DirStream(dir, o.limits, o.framing, conn.log, keepAll);
    spare.reuse(dir, o.limits, o.framing, conn.log, keepAll);
    this.recycledStreams++;
    return spare;
  }

  /** Evicted connections waiting for reuse, and the frame that evicted each (reused from the next frame on). */
  private readonly spare: TcpConnection[] = [];
  private readonly spareFrame: number[] = [];
  /** Byte streams of reused connections, for the next streams (with `recycle` only). */
  private readonly spareStreams: DirStream[] = [];
  /** Connections and byte streams that were reused objects (counted for the bench and tests). */
  recycled = 0;
  recycledStreams = 0;
  /** The frame being analysed. */
  private frameNow = 0;

  private create(h: number, family: number, w: KeyWords, num: number, sec: number, nsec: number): TcpConnection {
    let c: TcpConnection;
    const n = this.spare.length;
    // A connection evicted by this very frame may still be in one of its notes: not before the next frame.
    if (n > 0 && this.spareFrame[n - 1] !== num) {
      c = this.spare.pop()!;
      this.spareFrame.pop();
      // Its byte streams are free too (nothing reads them once it is reused): the next streams.
      if (c.client.stream !== null && this.spareStreams.length < 2 * SPARE_MAX) this.spareStreams.push(c.client.stream);
      if (c.server.stream !== null && this.spareStreams.length < 2 * SPARE_MAX) this.spareStreams.push(c.server.stream);
      c.reuse(this.streams++, family, w, num, sec, nsec);
      this.recycled++;
    } else {
      c = new TcpConnection(this.streams++, family, w, num, sec, nsec);
    }
    this.table.add(c, h);
    this.opts.onEvent?.({ type: 'tcp-open', conn: c, frame: num });
    return c;
  }

  /** Called with the first segment's flags right after `create` (before any state). */
  rolesFromFirstSegment(c: TcpConnection, flags: number): void {
    if ((flags & FLAG_SYN) !== 0 && (flags & FLAG_ACK) === 0) return;
    if ((flags & (FLAG_SYN | FLAG_ACK)) === (FLAG_SYN | FLAG_ACK)) {
      // The SYN-ACK came first: its sender is the server (Zeek flips the roles: '^').
      c.clientIsA = false;
      c.zeek.flip();
      return;
    }
    c.midstream = true;
    c.handshake = 'midstream';
    c.client.state = ST_ESTABLISHED;
    c.server.state = ST_ESTABLISHED;
    // Guess the server from the ports: a well-known port below a high one.
    if (c.aPort < 1024 && c.bPort >= 1024) {
      c.clientIsA = false;
      c.zeek.flip();
    }
  }

  /** A connection leaves the table: free its segments, tell the owner (who summarises it). */
  private retire(c: TcpConnection, evicted: boolean): void {
    if (evicted) this.opts.onEvent?.({ type: 'tcp-evicted', conn: c });
    this.pool.releaseList(c.client.seq.segHead);
    this.pool.releaseList(c.server.seq.segHead);
    c.client.seq.segHead = c.server.seq.segHead = -1;
    c.client.seq.segCount = c.server.seq.segCount = 0;
    this.opts.onRetire?.(c, evicted);
    if (evicted && this.opts.recycle && c.stream !== this.opts.followStream && this.spare.length < SPARE_MAX) {
      this.spare.push(c);
      this.spareFrame.push(this.frameNow);
    }
  }

  /** End of the capture: finish every stream, settle handshake kinds, report every connection. */
  finish(): void {
    for (const c of this.table.all()) {
      c.client.stream?.finish();
      c.server.stream?.finish();
      if (c.handshake === 'in-progress') {
        if (c.client.sawSyn && c.synAckFrame === 0 && c.server.frames === 0) c.handshake = 'unanswered';
        else if (c.synAckFrame !== 0) c.handshake = 'aborted';
      }
    }
    this.table.clear();
  }
}
