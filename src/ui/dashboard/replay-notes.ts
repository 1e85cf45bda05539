/**
 * Analysis notes for a frame read again out of order. The whole-file pass
 * kept each frame's facts (stream, relative seq/ack, finding bits, message
 * counts: FrameFacts); this puts them back on the re-read Packet as the
 * notes analysis would have left there, so the fields tcp.stream, tcp.seq,
 * tcp.ack, tcp.window_size, tcp.completeness, tcp.time_relative/delta,
 * tcp.analysis.* (the ACKed frame, its RTT, bytes in flight included), udp.stream
 * and udp.time_relative/delta, the
 * summary line and the detail tree read the same numbers as in the
 * sequential pass. From the connection as it is now, as Wireshark's window
 * shows them once a file is loaded: the window scaling factor and the iRTT.
 */
import { FIN_ACTIVE, FIN_PASSIVE, FrameAnalysis, IcmpNote, TcpNote, UdpNote } from '../../analysis/index';
import { F_AFTER_PEER_FIN, F_ECHO_REQUEST, F_FIN_ACTIVE, F_FIN_PASSIVE, F_SEQ_RECORD, F_FROM_CLIENT, F_HAS_MSGS, F_MSG_SPLIT, F_NAGLE, KIND_ICMP, KIND_TCP, KIND_UDP } from '../../analysis/facts';
import type { Packet } from '../../decode/packet';
import { FLAG_FIN, FLAG_SYN, tcpFlags, tcpSegmentLength } from '../../decode/tcp';
import { liveTcp } from './conn-snapshot';
import type { CaptureModel } from './model';
import { ANALYSIS_MASK } from './row-class';

export class ReplayNotes {
  private readonly fa = new FrameAnalysis();
  private readonly tcp = new TcpNote();
  private readonly udp = new UdpNote();
  private readonly icmp = new IcmpNote();

  constructor() {
    this.fa.tcp = [this.tcp];
  }

  attach(pkt: Packet, model: CaptureModel, n: number): void {
    const facts = model.analyzer.facts;
    const fa = this.fa;
    fa.frame = n;
    fa.tcpCount = 0;
    fa.udp = null;
    fa.arp = null;
    fa.icmp = null;
    pkt.notes.analysis = fa;
    if (facts === null) return;
    const kind = facts.kind(n);
    if (kind === KIND_TCP) {
      const li = firstLayer(pkt, 'tcp');
      if (li < 0) return;
      const t = this.tcp;
      const flags = facts.flags(n);
      const seglen = Math.max(0, tcpSegmentLength(pkt, li));
      const tf = tcpFlags(pkt, li);
      t.frame = n;
      t.layer = li;
      t.stream = facts.stream(n);
      t.fromClient = (flags & F_FROM_CLIENT) !== 0;
      t.analyzed = true;
      t.bogusHeader = false;
      t.printed = true;
      t.seglen = seglen;
      t.relSeq = facts.relSeq(n);
      t.ack = facts.relAck(n);
      t.nxtSeq = (t.relSeq + seglen + (tf & FLAG_SYN ? 1 : 0) + (tf & FLAG_FIN ? 1 : 0)) >>> 0;
      t.window = this.window(pkt, li, model, t.stream, t.fromClient, tf);
      t.completeness = facts.completeness(n);
      const index = model.index;
      const prev = facts.prevFrame(n);
      t.timeDeltaNs = prev > 0 && index.has(prev) ? index.nsBetween(prev, n) : 0;
      const conn = model.connection('tcp', t.stream);
      t.timeRelNs = conn !== null && index.has(conn.firstFrame) ? index.nsBetween(conn.firstFrame, n) : 0;
      t.seq.reset();
      t.seq.exists = (flags & F_SEQ_RECORD) !== 0;
      t.seq.flags = flags & ANALYSIS_MASK;
      t.seq.bytesInFlight = facts.inFlight(n);
      t.seq.pushBytesSent = facts.pushBytes(n);
      const acks = facts.acksFrame(n);
      if (acks > 0 && index.has(acks)) {
        t.seq.acksFrame = acks;
        t.seq.ackRttNs = index.nsBetween(acks, n);
      }
      const live = liveTcp(conn);
      const side = live === null ? null : t.fromClient ? live.client : live.server;
      // tshark shows no scaling factor on a SYN; -1: not known (no SYN seen), -2: not negotiated.
      t.windowScaleFactor = side === null || tf & FLAG_SYN ? 0 : side.winScale >= 0 ? 1 << side.winScale : side.winScale;
      t.initialRttNs = live === null || !t.seq.exists ? 0 : live.firstRttNs;
      t.chunk.reset();
      t.chunk.msgs = flags & F_HAS_MSGS ? facts.msgs(n) : -1;
      t.chunk.continues = (flags & F_MSG_SPLIT) !== 0;
      t.nagleHoldNs = flags & F_NAGLE ? 1 : 0;
      t.afterPeerFin = (flags & F_AFTER_PEER_FIN) !== 0;
      t.finRole = flags & F_FIN_ACTIVE ? FIN_ACTIVE : flags & F_FIN_PASSIVE ? FIN_PASSIVE : 0;
      fa.tcpCount = 1;
    } else if (kind === KIND_UDP) {
      const li = firstLayer(pkt, 'udp');
      if (li < 0) return;
      const u = this.udp;
      u.frame = n;
      u.layer = li;
      u.stream = facts.stream(n);
      u.fromA = (facts.flags(n) & F_FROM_CLIENT) !== 0;
      const prev = facts.prevFrame(n);
      const index = model.index;
      const conv = model.connection('udp', u.stream);
      u.timed = prev > 0 && index.has(prev) && conv !== null && index.has(conv.firstFrame);
      u.timeDeltaNs = u.timed ? index.nsBetween(prev, n) : 0;
      u.timeRelNs = u.timed ? index.nsBetween(conv!.firstFrame, n) : 0;
      fa.udp = u;
    } else if (kind === KIND_ICMP) {
      // An echo reply's request, found in the sequential pass (the summary's "(request in N)").
      const v4 = firstLayer(pkt, 'icmp');
      const v6 = firstLayer(pkt, 'icmpv6');
      const li = v4 < 0 ? v6 : v6 < 0 ? v4 : Math.min(v4, v6);
      if (li < 0) return;
      const e = this.icmp;
      e.frame = n;
      e.layer = li;
      e.request = (facts.flags(n) & F_ECHO_REQUEST) !== 0;
      e.requestFrame = facts.relSeq(n);
      e.replyFrame = e.request ? facts.relAck(n) : 0;
      e.responseNs = 0;
      fa.icmp = e;
    }
  }

  /** The window as tshark scales it: by the sender's shift once both SYNs offered scaling (RFC 7323 2.2), never on a SYN. */
  private window(pkt: Packet, li: number, model: CaptureModel, stream: number, fromClient: boolean, tf: number): number {
    const s = pkt.layerStart[li];
    const raw = pkt.avail(s) >= 16 ? pkt.u16(s + 14) : 0;
    if (tf & FLAG_SYN) return raw;
    const c = liveTcp(model.connection('tcp', stream));
    if (c === null) return raw;
    const side = fromClient ? c.client : c.server;
    const peer = fromClient ? c.server : c.client;
    return side.wscale >= 0 && peer.wscale >= 0 ? raw * 2 ** side.wscale : raw;
  }
}

/** The first layer named `name` (the one analysis notes: quoted headers come after it). */
function firstLayer(pkt: Packet, name: string): number {
  for (let i = 0; i < pkt.layerCount; i++) if (pkt.layerProto[i].name === name) return i;
  return -1;
}
