/**
 * The analysis engine: decoded frames in, meaning out. Data only; nothing
 * here logs or prints.
 *
 * ## Use
 *
 *     const a = new Analyzer({ framing: 'auto' });
 *     for each frame: decodeFrame(pkt, frame, n); a.process(pkt);
 *     a.finish();                       // end of capture: settles "unanswered", flushes streams
 *
 * After `process(pkt)` the frame's results are in `pkt.notes.analysis`
 * (a FrameAnalysis, reused for the next frame) and readable as fields
 * (`tcp.stream`, `tcp.seq`, `tcp.analysis.*`, `udp.stream`, `synack.*`: see
 * fields.ts) by -T fields, -T json and display filters, like decoder fields.
 *
 * ## Queryable state (for the dashboard)
 *
 * - `a.tcp.connections()`: live TcpConnection objects (tcp.ts), in order
 *   of creation, each kept current on every packet:
 *   endpoints (`address(true)`, `aPort`, ...; `clientIsA`, `midstream`),
 *   `client` / `server` TcpSide: RFC 9293 `state` (TCP_STATE_NAMES), frames,
 *   bytes, data segments, options offered (`mss`, `wscale`, `sackPermitted`,
 *   `timestamps`), ack RTT statistics, Nagle holds, bytes sent after the
 *   peer's FIN, and `stream`: the DirStream (stream.ts) with the framing,
 *   message totals and records (`msgStart`/`msgEnd`/`msgFirstFrame`/
 *   `msgLastFrame`/`msgSegments`), gaps, and the kept reassembled bytes;
 *   `handshake` / `teardown` kinds with their frame numbers and RTTs
 *   (`synToSynAckNs`, `synAckToAckNs`, `firstRttNs` = tcp.analysis.initial_rtt),
 *   `history()` and `connState()` (Zeek's, current), `flagCount(bit)`, and
 *   `log`: the ChunkLog of delivered bytes in order (follow view, ladder).
 * - `a.udp.table.all()`: UdpConversation objects (udp.ts).
 * - `a.arp`: requests with replies and response times, the IP-to-MAC table,
 *   conflicts, gratuitous ARP (arp.ts).
 * - `a.echo`: ICMP echo requests paired with their replies (icmp.ts); each
 *   frame's pairing is in `pkt.notes.analysis.icmp` (and in FrameFacts:
 *   KIND_ICMP, relSeq = the request of a reply, relAck = a request's reply).
 * - `a.facts` (when `frameFacts`): FrameFacts (facts.ts), compact per-frame
 *   stream id, relative seq/ack, flag bits and message counts for any frame
 *   number, for millions of frames.
 * - `describeFindings(flags)`: the rule behind each flag, in words.
 *
 * ## Events
 *
 * `onEvent` (optional) receives AnalysisEvent objects as things happen: a
 * connection opens, its handshake completes (or is refused), a side changes
 * state, it is torn down, a finding, an eviction, an ARP conflict. Events
 * are only allocated when a listener is set.
 *
 * ## Bounds
 *
 * At most `maxConnections` TCP connections (and `maxUdpConversations` UDP
 * conversations) are live; beyond that the least recently active is evicted
 * (CLOCK order; handed to `onTcpRetire`, counted in `tcp.evicted`). Reassembled bytes are
 * kept up to `streamBytes` per direction (0 by default: the command line
 * needs only counts; `followBytes`, 64 MiB, for the followed stream), message
 * records up to `maxMessages`, delivered chunks up to `maxChunks`; the rest is
 * counted (DirStream.droppedBytes, ChunkLog.dropped).
 * With `recycle`, an evicted connection's objects become the next new
 * connection (a retired TcpConnection must then not be kept: copy what you need
 * in `onTcpRetire`).
 */
import * as arpDecoder from '../decode/arp';
import * as dataDecoder from '../decode/data';
import * as dnsDecoder from '../decode/dns';
import * as ethernetDecoder from '../decode/ethernet';
import * as icmpDecoder from '../decode/icmp';
import * as icmpv6Decoder from '../decode/icmpv6';
import * as ipv4Decoder from '../decode/ipv4';
import * as ipv6Decoder from '../decode/ipv6';
import type { Packet } from '../decode/packet';
import * as tcpDecoder from '../decode/tcp';
import * as udpDecoder from '../decode/udp';
import { ArpTracker, type ArpConflict, type ArpNote } from './arp';
import { registerArpFields } from './fields';
import * as frameFacts from './facts';
import { FrameFacts } from './facts';
import { DnsTracker, type DnsNote } from './dns';
import { EchoTracker, type IcmpNote } from './icmp';
import { AUTO_FRAMING, parseFraming, type FramingChoice } from './framing';
import { ANALYSIS_RULES } from './seq';
import { DEFAULT_LIMITS, type StreamLimits } from './stream';
import { FIN_ACTIVE, FIN_PASSIVE, TcpTracker, type TcpConnection, type TcpEvent, type TcpNote } from './tcp';
import { UdpTracker, type UdpConversation, type UdpNote } from './udp';

// Module-local bindings for the per-frame code: in the CommonJS output a named import is read
// from the exporting module's object at every use (see tcp.ts).
const { arp: arpProto } = arpDecoder;
const { data: dataProto } = dataDecoder;
const { dns: dnsProto } = dnsDecoder;
const { ethernet } = ethernetDecoder;
const { icmp } = icmpDecoder;
const { icmpv6 } = icmpv6Decoder;
const { ipv4 } = ipv4Decoder;
const { fraghdr, ipv6 } = ipv6Decoder;
const { tcp: tcpProto } = tcpDecoder;
const { udp: udpProto } = udpDecoder;
const { F_AFTER_PEER_FIN, F_ARP_CONFLICT, F_ECHO_REQUEST, F_ARP_GRATUITOUS, F_FIN_ACTIVE, F_FIN_PASSIVE, F_SEQ_RECORD, F_COALESCED, F_FROM_CLIENT, F_HAS_MSGS, F_MSG_SPLIT, F_NAGLE, F_QUEUED, KIND_ARP, KIND_ICMP, KIND_TCP, KIND_UDP } = frameFacts;

export * from './seq';
export * from './tcp';
export { UdpConversation, UdpTracker, UdpNote } from './udp';
export { ARP_MAX_ADDRESSES, ArpTracker, ArpNote, ipv4Text } from './arp';
export { EchoTracker, IcmpNote, MAX_ECHO_REQUESTS } from './icmp';
export { FrameFacts } from './facts';
export { DirStream, ChunkLog, ChunkFacts, type StreamLimits } from './stream';
export { parseFraming, FRAMING_NAMES } from './framing';
export { CONN_STATE_MEANING } from './zeek';
export { formatAddress, TIME_BASE } from './flowtable';
export type { Flow } from './flowtable';

export interface AnalysisOptions {
  /** --framing: auto, lines, length, length1/2/4, fixed:N, none. */
  framing: string | FramingChoice;
  maxConnections: number;
  maxUdpConversations: number;
  /** Reassembled bytes kept per direction of each connection. */
  streamBytes: number;
  /** Reassembled bytes kept per direction of the followed stream (the rest is counted as not kept). */
  followBytes: number;
  /** Message records kept per direction. */
  maxMessages: number;
  /** Delivered chunks kept per connection (0: as many as needed when chunks are kept). */
  maxChunks: number;
  /** Record the chunk log of every connection (follow view, ladder). */
  keepChunks: boolean;
  /** Keep every byte of this tcp.stream (for -z follow); -1 none. */
  followStream: number;
  /** Keep FrameFacts for every frame. */
  frameFacts: boolean;
  /** Mark where messages start in each segment (ChunkFacts.marks: what -A draws). */
  messageMarks: boolean;
  onEvent: ((e: AnalysisEvent) => void) | null;
  /** A TCP connection leaves the live table: `evicted` when because of the cap, else at the end. */
  onTcpRetire: ((c: TcpConnection, evicted: boolean) => void) | null;
  onUdpRetire: ((c: UdpConversation, evicted: boolean) => void) | null;
  /**
   * Reuse the objects of evicted TCP connections for new ones: set it only when nothing keeps a
   * connection after `onTcpRetire` returns (events included); the followed stream's is never reused.
   */
  recycle: boolean;
}

export type AnalysisEvent = TcpEvent | { type: 'arp-conflict'; conflict: ArpConflict };

export const DEFAULT_OPTIONS: AnalysisOptions = {
  framing: 'auto',
  // About 2 KB each: with V8's heap growth on top, 20,000 live connections keep a
  // SYN flood of millions under 300 MB. Closed connections are evicted first.
  maxConnections: 20_000,
  maxUdpConversations: 20_000,
  streamBytes: 0,
  followBytes: 64 << 20,
  maxMessages: 0,
  maxChunks: 0,
  keepChunks: false,
  followStream: -1,
  frameFacts: false,
  messageMarks: false,
  onEvent: null,
  onTcpRetire: null,
  onUdpRetire: null,
  recycle: false,
};

/** The analysis results of the current frame (reused: valid until the next `process`). */
export class FrameAnalysis {
  frame = 0;
  /** Notes of the frame's TCP layers (usually one). */
  tcp: readonly TcpNote[] = [];
  tcpCount = 0;
  udp: UdpNote | null = null;
  arp: ArpNote | null = null;
  /** The echo request or reply of the frame's first ICMP layer (not one quoted in an error). */
  icmp: IcmpNote | null = null;
  /** The frame's first DNS message, paired with its query when a response. */
  dns: DnsNote | null = null;

  /** The note of TCP layer `li`, if it was analysed. */
  tcpAt(li: number): TcpNote | undefined {
    for (let i = 0; i < this.tcpCount; i++) if (this.tcp[i].layer === li) return this.tcp[i];
    return undefined;
  }
}

declare module '../decode/packet' {
  interface PacketNotes {
    /** Set by analysis/ for the frame being processed. */
    analysis?: FrameAnalysis;
  }
}

export class Analyzer {
  readonly options: AnalysisOptions;
  readonly tcp: TcpTracker;
  readonly udp: UdpTracker;
  readonly arp = new ArpTracker();
  readonly echo = new EchoTracker();
  readonly dns = new DnsTracker();
  readonly facts: FrameFacts | null;
  readonly framing: FramingChoice;
  /** Frames processed. */
  frames = 0;
  /** First frame's time (what relative times in reports start from). */
  firstSec = 0;
  firstNsec = 0;
  private readonly result = new FrameAnalysis();

  constructor(options: Partial<AnalysisOptions> = {}) {
    const o = { ...DEFAULT_OPTIONS, ...options };
    this.options = o;
    this.framing = typeof o.framing === 'string' ? parseFraming(o.framing) : o.framing ?? AUTO_FRAMING;
    const limits: StreamLimits = { ...DEFAULT_LIMITS, streamBytes: o.streamBytes, followBytes: o.followBytes, maxMessages: o.maxMessages, maxChunks: o.maxChunks };
    const onEvent = o.onEvent;
    this.tcp = new TcpTracker({
      framing: this.framing,
      limits,
      maxConnections: o.maxConnections,
      followStream: o.followStream,
      keepChunks: o.keepChunks,
      messageMarks: o.messageMarks,
      onRetire: o.onTcpRetire,
      recycle: o.recycle,
      onEvent,
    });
    this.udp = new UdpTracker(o.maxUdpConversations, o.onUdpRetire);
    this.facts = o.frameFacts ? new FrameFacts() : null;
    this.result.tcp = this.tcp.notes;
  }

  /** Analyses one decoded frame; results in `pkt.notes.analysis`. */
  process(pkt: Packet): void {
    const fa = this.result;
    fa.frame = pkt.number;
    fa.udp = null;
    fa.arp = null;
    fa.icmp = null;
    fa.dns = null;
    this.tcp.noteCount = 0;
    // The same object every frame: not stored again (each store of an object runs a write barrier).
    if (pkt.notes.analysis !== fa) pkt.notes.analysis = fa;
    if (this.frames === 0) {
      this.firstSec = pkt.frame.tsSec;
      this.firstNsec = pkt.frame.tsNsec;
    }
    this.frames++;

    let ipLi = -1;
    let family = 0;
    // 0: a whole datagram; 1: a first fragment (its transport header is dissected, without sequence
    // analysis); 2: a later fragment (no transport header).
    let fragment = 0;
    let icmpLi = -1;
    const n = pkt.layerCount;
    const protos = pkt.layerProto;
    // Protocols compared by identity, the common ones first: this loop runs for every frame.
    // Layer 0 is the frame itself (decodeFrame always puts it first).
    for (let li = 1; li < n; li++) {
      const p = protos[li];
      if (p === tcpProto) {
        if (ipLi >= 0 && fragment < 2) this.tcp.segment(pkt, li, ipLi, family, icmpLi >= 0 && icmpLi < ipLi, fragment === 1);
      } else if (p === ipv4) {
        ipLi = li;
        family = 4;
        fragment = ipv4Fragment(pkt, li);
      } else if (p === ethernet || p === dataProto) {
        // Nothing to analyse, and in nearly every frame: spared the comparisons below.
      } else if (p === ipv6) {
        ipLi = li;
        family = 6;
        fragment = 0;
      } else if (p === udpProto) {
        // tshark times a first fragment's datagram like any other (it is only its TCP analysis that needs the length).
        if (ipLi >= 0 && fragment < 2) fa.udp = this.udp.datagram(pkt, li, ipLi, family, icmpLi >= 0 && icmpLi < ipLi);
      } else if (p === icmp || p === icmpv6) {
        if (icmpLi < 0) fa.icmp = this.echo.packet(pkt, li, ipLi, family, p === icmpv6);
        icmpLi = li;
      } else if (p === arpProto) {
        fa.arp = this.arp.packet(pkt, li);
        if (fa.arp !== null && fa.arp.conflictFrame !== 0 && this.options.onEvent !== null) {
          this.options.onEvent({ type: 'arp-conflict', conflict: this.arp.conflicts[this.arp.conflicts.length - 1] });
        }
      } else if (p === dnsProto) {
        // The transport layer is the one below the first DNS message (TCP may carry several).
        if (fa.dns === null && ipLi >= 0 && li >= 2 && !(icmpLi >= 0 && icmpLi < ipLi)) fa.dns = this.dns.message(pkt, li, li - 1, ipLi, family);
      } else if (p === fraghdr) {
        const s = pkt.layerStart[li];
        if (pkt.avail(s) >= 4) fragment = (pkt.u16(s + 2) & 0xfff8) !== 0 ? 2 : (pkt.u8(s + 3) & 1) !== 0 ? 1 : fragment;
      }
    }
    fa.tcpCount = this.tcp.noteCount;
    if (this.facts !== null) this.record(pkt, fa);
  }

  private record(pkt: Packet, fa: FrameAnalysis): void {
    const facts = this.facts!;
    if (fa.tcpCount > 0) {
      const t = fa.tcp[0];
      let flags = t.seq.flags;
      const c = t.chunk;
      if (c.msgs >= 0) {
        flags |= F_HAS_MSGS;
        if (c.msgs >= 2) flags |= F_COALESCED;
        if (c.continues || c.continued) flags |= F_MSG_SPLIT;
      }
      if (c.queued) flags |= F_QUEUED;
      if (t.nagleHoldNs > 0) flags |= F_NAGLE;
      if (t.fromClient) flags |= F_FROM_CLIENT;
      if (t.afterPeerFin) flags |= F_AFTER_PEER_FIN;
      if (t.finRole === FIN_ACTIVE) flags |= F_FIN_ACTIVE;
      else if (t.finRole === FIN_PASSIVE) flags |= F_FIN_PASSIVE;
      if (t.seq.exists) flags |= F_SEQ_RECORD;
      facts.set(pkt.number, KIND_TCP, t.stream, flags, t.relSeq, t.ack, c.msgs > 0 ? c.msgs : 0);
      facts.setDetail(pkt.number, t.completeness, t.prevFrame, t.seq.acksFrame, t.seq.bytesInFlight, t.seq.pushBytesSent);
    } else if (fa.udp !== null) {
      facts.set(pkt.number, KIND_UDP, fa.udp.stream, fa.udp.fromA ? F_FROM_CLIENT : 0, 0, 0, fa.udp.message > 0 ? 1 : 0);
      facts.setDetail(pkt.number, 0, fa.udp.prevFrame, 0, 0, 0);
    } else if (fa.arp !== null) {
      facts.set(pkt.number, KIND_ARP, -1, (fa.arp.gratuitous ? F_ARP_GRATUITOUS : 0) | (fa.arp.conflictFrame !== 0 ? F_ARP_CONFLICT : 0), 0, 0, 0);
    } else if (fa.icmp !== null) {
      facts.set(pkt.number, KIND_ICMP, -1, fa.icmp.request ? F_ECHO_REQUEST : 0, fa.icmp.requestFrame, 0, 0);
      if (fa.icmp.requestFrame !== 0) facts.pairReply(fa.icmp.requestFrame, pkt.number);
    }
  }

  /** End of the capture: flushes streams, settles handshake kinds, retires every flow. */
  finish(): void {
    this.tcp.finish();
    this.udp.finish();
  }
}

/**
 * Whether IPv4 layer `li` is a fragment. synack does not reassemble IP
 * fragments (nor does the tshark oracle: ip.defragment is off), so a first
 * fragment's TCP or UDP header is dissected as tshark does then: a stream is
 * assigned, but the segment length is unknown and there is no sequence
 * analysis (1). Later fragments carry no transport header (2).
 */
function ipv4Fragment(pkt: Packet, li: number): number {
  const s = pkt.layerStart[li];
  if (pkt.avail(s) < 8) return 0;
  const off = pkt.u16(s + 6);
  if ((off & 0x1fff) !== 0) return 2;
  return (off & 0x2000) !== 0 ? 1 : 0;
}

/** The rules behind a frame's tcp.analysis flags (A_* bits), in words, for the detail pane. */
export function describeFindings(flags: number): { field: string; rule: string }[] {
  const out: { field: string; rule: string }[] = [];
  for (const r of ANALYSIS_RULES) if (flags & r.bit) out.push({ field: r.field, rule: r.rule });
  return out;
}

// ARP fields attach to the ARP decoder.
registerArpFields(arpProto);
