/**
 * One connection in full, for its ladder and stream view: its frames are
 * found through FrameFacts (tcp.stream per frame), re-read, and analysed
 * again by a private Analyzer that keeps what the whole-file pass cannot
 * afford for every connection (delivered chunks, reassembled bytes, message
 * records). Same frames, same rules: the same results, plus the bytes.
 *
 * Work is done in bounded slices (`update(budget)`), so a connection of a
 * million segments never freezes the screen, and live connections grow as
 * frames arrive.
 */
import { Analyzer, type TcpConnection, type UdpConversation } from '../../analysis/index';
import { KIND_TCP, KIND_UDP } from '../../analysis/facts';
import { CaptureError } from '../../capture/frame';
import { icmp, icmpTypeText } from '../../decode/icmp';
import { icmpv6, icmpv6TypeText } from '../../decode/icmpv6';
import { Packet } from '../../decode/packet';
import { tcpFlags } from '../../decode/tcp';
import type { CaptureModel } from './model';

/** Segments (or datagrams) shown at most; the rest are counted. */
export const MAX_SEGMENTS = 20_000;
/** Frames re-read per update (about 10 ms of work). */
export const SEGMENTS_PER_UPDATE = 2000;
/** Reassembled bytes kept per direction for the stream view. */
export const STREAM_BYTES = 1 << 20;

export interface Segment {
  frame: number;
  fromClient: boolean;
  /** TCP flag bits. */
  flags: number;
  relSeq: number;
  relAck: number;
  /** Payload length on the wire. */
  len: number;
  /** Since the previous segment of this connection, ns (0 for the first). */
  dtNs: number;
  /** tcp.analysis flag bits (A_*). */
  analysis: number;
  /** Messages the segment's new bytes touch (-1: no framing applies), and how. */
  msgs: number;
  continues: boolean;
  continued: boolean;
  /** Index (per direction) of the first message touched, -1 none. */
  firstMsg: number;
  newBytes: number;
  afterPeerFin: boolean;
  nagleHoldNs: number;
  /** UDP: the datagram's first bytes (UDP analysis keeps no stream). */
  payload?: Uint8Array;
  /**
   * An ICMP error quoting one of this connection's segments (a port
   * unreachable answering a datagram): its type in words. `fromClient` is the
   * direction of the ICMP message, back to the quoted segment's sender.
   */
  icmpError?: string;
  /**
   * A segment in the first fragment of an IP datagram: synack does not
   * reassemble fragments, so its length and numbers are not measured; the
   * ladder draws this text instead of them.
   */
  unmeasured?: string;
}

/** Bytes of a datagram kept for the stream view. */
const DATAGRAM_BYTES = 512;

export class ConnDetail {
  readonly segments: Segment[] = [];
  /** Segments not kept beyond MAX_SEGMENTS. */
  dropped = 0;
  readonly analyzer: Analyzer;
  private readonly pkt = new Packet();
  /** Frames of the capture examined so far. */
  private scanned: number;
  private prevSec = 0;
  private prevNsec = 0;
  /** A frame could not be re-read (the file changed or is damaged there). */
  error: string | null = null;
  /** Frames of the connection before this one were dropped by the live ring: the view starts midway. */
  droppedBefore = 0;
  /** The connection's last frame once analysis let go of it (0 while live). */
  private finalFrame = 0;

  constructor(
    private readonly model: CaptureModel,
    readonly kind: 'tcp' | 'udp',
    readonly stream: number,
    /** First frame of the connection (where the scan starts). */
    firstFrame: number,
  ) {
    this.scanned = firstFrame - 1;
    this.analyzer = new Analyzer({
      framing: model.options.framing ?? 'auto',
      keepChunks: true,
      streamBytes: model.options.streamBytes ?? STREAM_BYTES,
      maxMessages: MAX_SEGMENTS * 4,
      maxChunks: MAX_SEGMENTS,
    });
  }

  /** The connection as the private analysis sees it (null before its first frame). */
  get tcp(): TcpConnection | null {
    for (const c of this.analyzer.tcp.connections()) return c;
    return null;
  }

  get udp(): UdpConversation | null {
    for (const c of this.analyzer.udp.table.all()) return c;
    return null;
  }

  /** Whether frames remain to be examined (more loaded since, or the budget ran out). */
  get behind(): boolean {
    return this.scanned < this.lastFrame();
  }

  private lastFrame(): number {
    const c = this.model.connection(this.kind, this.stream);
    // A snapshot's last frame is final: remembered for when the model drops the snapshot (bounded memory).
    if (c !== null && 'kind' in c) this.finalFrame = c.lastFrame;
    const last = c?.lastFrame ?? (this.finalFrame > 0 ? this.finalFrame : this.model.count);
    return Math.min(last, this.model.count);
  }

  /**
   * Examines up to `budget` more frames of the capture (facts only: cheap),
   * re-reading and analysing those of this connection. Returns true when
   * something was added.
   */
  update(budget = 200_000, segmentBudget = SEGMENTS_PER_UPDATE): boolean {
    const facts = this.model.analyzer.facts;
    if (facts === null || this.error !== null) return false;
    const want = this.kind === 'tcp' ? KIND_TCP : KIND_UDP;
    // A live capture's ring may have dropped frames not examined yet: go on from the oldest kept.
    const first = this.model.firstFrame;
    if (this.scanned < first - 1) {
      this.scanned = first - 1;
      this.droppedBefore = first;
    }
    const last = this.lastFrame();
    let stop = Math.min(last, this.scanned + budget);
    let added = false;
    let read = 0;
    for (let n = this.scanned + 1; n <= stop; n++) {
      if (facts.stream(n) !== this.stream || facts.kind(n) !== want) continue;
      // Re-reading is the costly part: a slice at a time, so a long connection never freezes the screen.
      if (read === segmentBudget) {
        stop = n - 1;
        break;
      }
      if (this.segments.length >= MAX_SEGMENTS) {
        this.dropped++;
        continue;
      }
      read++;
      const p = this.model.decode(n, this.pkt);
      if (p instanceof CaptureError) {
        this.error = p.toString();
        this.scanned = n;
        return added;
      }
      this.analyzer.process(p);
      this.record(p, n);
      added = true;
    }
    this.scanned = stop;
    return added;
  }

  private record(p: Packet, n: number): void {
    const fa = p.notes.analysis!;
    const sec = p.frame.tsSec;
    const nsec = p.frame.tsNsec;
    const dtNs = this.segments.length === 0 ? 0 : (sec - this.prevSec) * 1e9 + (nsec - this.prevNsec);
    this.prevSec = sec;
    this.prevNsec = nsec;
    if (this.kind === 'tcp') {
      const t = fa.tcpCount > 0 ? fa.tcp[0] : null;
      if (t === null) return;
      if (t.inError) {
        this.segments.push(icmpErrorSegment(p, n, !t.fromClient, dtNs));
        return;
      }
      if (t.firstFragment) {
        this.segments.push({ ...unmeasuredSegment(n, t.fromClient, dtNs), flags: tcpFlags(p, t.layer), unmeasured: 'IP fragment, not reassembled' });
        return;
      }
      const c = t.chunk;
      this.segments.push({
        frame: n,
        fromClient: t.fromClient,
        flags: tcpFlags(p, t.layer),
        relSeq: t.relSeq,
        relAck: t.ack,
        len: t.seglen,
        dtNs,
        analysis: t.seq.flags,
        msgs: c.msgs,
        continues: c.continues,
        continued: c.continued,
        firstMsg: c.firstMsg,
        newBytes: c.newBytes,
        afterPeerFin: t.afterPeerFin,
        nagleHoldNs: t.nagleHoldNs,
      });
    } else {
      const u = fa.udp;
      if (u === null) return;
      if (u.inError) {
        this.segments.push(icmpErrorSegment(p, n, !u.fromA, dtNs));
        return;
      }
      const from = p.layerPayload[u.layer];
      const to = Math.min(p.capLen, from + Math.min(u.payload, DATAGRAM_BYTES));
      this.segments.push({
        frame: n,
        fromClient: u.fromA,
        flags: 0,
        relSeq: 0,
        relAck: 0,
        len: u.payload,
        dtNs,
        analysis: 0,
        msgs: 1,
        continues: false,
        continued: false,
        firstMsg: u.message - 1,
        newBytes: u.payload,
        afterPeerFin: false,
        nagleHoldNs: 0,
        // A copy: p.data may be a Buffer, whose slice() is a view the next read overwrites.
        payload: Uint8Array.prototype.slice.call(p.data, p.base + from, p.base + Math.max(from, to)),
      });
    }
  }
}

/** The ICMP error frame `n` (an ICMP layer over the quoted segment), as a ladder entry going back to its sender. */
function icmpErrorSegment(p: Packet, n: number, fromClient: boolean, dtNs: number): Segment {
  let text = 'ICMP error';
  for (let li = 1; li < p.layerCount; li++) {
    const proto = p.layerProto[li];
    if (proto !== icmp && proto !== icmpv6) continue;
    const at = p.layerStart[li];
    if (p.capLen - at >= 2) text = proto === icmp ? `ICMP ${icmpTypeText(p.u8(at), p.u8(at + 1))}` : `ICMPv6 ${icmpv6TypeText(p.u8(at), p.u8(at + 1))}`;
    break;
  }
  return { ...unmeasuredSegment(n, fromClient, dtNs), icmpError: text };
}

/** A row of the ladder with no measured length, numbers or messages (the caller says what it is). */
function unmeasuredSegment(n: number, fromClient: boolean, dtNs: number): Segment {
  return {
    frame: n,
    fromClient,
    flags: 0,
    relSeq: 0,
    relAck: 0,
    len: 0,
    dtNs,
    analysis: 0,
    msgs: 0,
    continues: false,
    continued: false,
    firstMsg: -1,
    newBytes: 0,
    afterPeerFin: false,
    nagleHoldNs: 0,
  };
}
