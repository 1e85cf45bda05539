/**
 * The analysis results as fields, under Wireshark's names (tcp.stream,
 * tcp.seq, tcp.analysis.* ...) and under synack.* for what Wireshark lacks
 * (message framing, Nagle, states, Zeek's history). They are registered with
 * the decoder registry so -T fields, -T json and display filters see them
 * like any decoder field. A field is present exactly when tshark 4.0 shows
 * it (for example tcp.analysis.initial_rtt only on frames that carry an
 * analysis tree); presence-only fields (tshark's FT_NONE) print 1.
 */
import { registerField } from '../decode/index';
import type { Packet } from '../decode/packet';
import { Base, FieldType, type FieldDef, type FieldValue, type Protocol } from '../decode/protocol';
import { relativeAck, tcp } from '../decode/tcp';
import { udp } from '../decode/udp';
import { icmp } from '../decode/icmp';
import { icmpv6 } from '../decode/icmpv6';
import { dns } from '../decode/dns';
import { FRAMING_NAMES } from './framing';
import {
  A_ACK_LOST_SEGMENT,
  A_DUPLICATE_ACK,
  A_FAST_RETRANSMISSION,
  A_KEEP_ALIVE,
  A_KEEP_ALIVE_ACK,
  A_LOST_SEGMENT,
  A_OUT_OF_ORDER,
  A_RETRANSMISSION,
  A_REUSED_PORTS,
  A_SPURIOUS_RETRANSMISSION,
  A_WINDOW_FULL,
  A_WINDOW_UPDATE,
  A_ZERO_WINDOW,
  A_ZERO_WINDOW_PROBE,
  A_ZERO_WINDOW_PROBE_ACK,
} from './seq';
import { FIN_ACTIVE, FIN_PASSIVE, TCP_STATE_NAMES, type TcpNote } from './tcp';
import type { ArpNote } from './arp';
import type { IcmpNote } from './icmp';
import type { FrameAnalysis } from './index';

function tcpNote(pkt: Packet, li: number): TcpNote | undefined {
  const fa = pkt.notes.analysis;
  if (fa === undefined || fa.frame !== pkt.number) return undefined;
  return fa.tcpAt(li);
}

/** The frame's note of kind `key` (one per frame: UDP, ARP, ICMP echo, DNS), when it belongs to layer `li`. */
function layerNote<K extends 'udp' | 'arp' | 'icmp' | 'dns'>(key: K): (pkt: Packet, li: number) => NonNullable<FrameAnalysis[K]> | undefined {
  return (pkt, li) => {
    const fa = pkt.notes.analysis;
    if (fa === undefined || fa.frame !== pkt.number) return undefined;
    const n = fa[key];
    return n === null || n.layer !== li ? undefined : (n as NonNullable<FrameAnalysis[K]>);
  };
}

const udpNote = layerNote('udp');
const arpNote = layerNote('arp');
const icmpNote = layerNote('icmp');
const dnsNote = layerNote('dns');

/** An echo reply's time since its request in milliseconds, as tshark's nstime_to_msec computes it. */
function echoMs(n: IcmpNote): number {
  const secs = Math.trunc(n.responseNs / 1e9);
  return secs * 1000 + (n.responseNs - secs * 1e9) / 1e6;
}

type Getter<N> = (n: N) => FieldValue | undefined;

function field<N>(proto: Protocol, find: (pkt: Packet, li: number) => N | undefined, name: string, label: string, type: FieldType, get: Getter<N>, occurrences = 1): FieldDef {
  const def: FieldDef = {
    name,
    label,
    type,
    base: type === FieldType.Uint ? Base.Dec : undefined,
    get(pkt, li, k) {
      if (k >= occurrences) return undefined;
      const n = find(pkt, li);
      return n === undefined ? undefined : get(n);
    },
  };
  registerField(proto, def);
  return def;
}

const T = (name: string, label: string, type: FieldType, get: Getter<TcpNote>, occurrences = 1): FieldDef => field(tcp, tcpNote, name, label, type, get, occurrences);

/** tshark shows the SEQ/ACK analysis tree only when a tcp_acked record exists and dissection reached it. */
const shown = (n: TcpNote): boolean => n.printed && n.seq.exists;
const flag = (name: string, label: string, bits: number, occurrences = 1): FieldDef =>
  T(name, label, FieldType.Bool, (n) => (n.printed && (n.seq.flags & bits) !== 0 ? 1 : undefined), occurrences);

export const ANALYSIS_FIELDS: readonly FieldDef[] = [
  T('tcp.stream', 'Stream index', FieldType.Uint, (n) => n.stream),
  T('tcp.completeness', 'Conversation completeness', FieldType.Uint, (n) => n.completeness),
  T('tcp.seq', 'Sequence Number', FieldType.Uint, (n) => n.relSeq),
  T('tcp.nxtseq', 'Next Sequence Number', FieldType.Uint, (n) => (n.analyzed && !n.bogusHeader ? n.nxtSeq : undefined)),
  T('tcp.ack', 'Acknowledgment Number', FieldType.Uint, (n) => (n.bogusHeader ? undefined : n.ack)),
  T('tcp.window_size', 'Calculated window size', FieldType.Uint, (n) => (n.bogusHeader ? undefined : n.window)),
  T('tcp.window_size_scalefactor', 'Window size scaling factor', FieldType.Int, (n) => (n.bogusHeader || n.windowScaleFactor === 0 ? undefined : n.windowScaleFactor)),
  T('tcp.time_relative', 'Time since first frame in this TCP stream', FieldType.RelTime, (n) => (n.bogusHeader ? undefined : n.timeRelNs)),
  T('tcp.time_delta', 'Time since previous frame in this TCP stream', FieldType.RelTime, (n) => (n.bogusHeader ? undefined : n.timeDeltaNs)),
  T('tcp.analysis', 'SEQ/ACK analysis', FieldType.Bool, (n) => (shown(n) ? 1 : undefined)),
  T('tcp.analysis.flags', 'TCP Analysis Flags', FieldType.Bool, (n) => (n.printed && n.seq.flags !== 0 ? 1 : undefined)),
  T('tcp.analysis.acks_frame', 'This is an ACK to the segment in frame', FieldType.FrameNum, (n) => (shown(n) && n.seq.acksFrame !== 0 ? n.seq.acksFrame : undefined)),
  T('tcp.analysis.ack_rtt', 'The RTT to ACK the segment was', FieldType.RelTime, (n) => (shown(n) && n.seq.acksFrame !== 0 && n.seq.ackRttNs !== 0 ? n.seq.ackRttNs : undefined)),
  T('tcp.analysis.initial_rtt', 'iRTT', FieldType.RelTime, (n) => (n.initialRttNs !== 0 ? n.initialRttNs : undefined)),
  T('tcp.analysis.bytes_in_flight', 'Bytes in flight', FieldType.Uint, (n) => (shown(n) && n.seq.bytesInFlight !== 0 ? n.seq.bytesInFlight : undefined)),
  T('tcp.analysis.push_bytes_sent', 'Bytes sent since last PSH flag', FieldType.Uint, (n) => (shown(n) && n.seq.bytesInFlight !== 0 ? n.seq.pushBytesSent : undefined)),
  // tshark adds the expert item "retransmission" to fast and spurious retransmissions too.
  flag('tcp.analysis.retransmission', 'This frame is a (suspected) retransmission', A_RETRANSMISSION | A_FAST_RETRANSMISSION | A_SPURIOUS_RETRANSMISSION),
  T('tcp.analysis.rto', 'The RTO for this segment was', FieldType.RelTime, (n) => (n.printed && n.seq.flags & A_RETRANSMISSION && n.seq.rtoNs !== 0 ? n.seq.rtoNs : undefined)),
  T('tcp.analysis.rto_frame', 'RTO based on delta from frame', FieldType.FrameNum, (n) => (n.printed && n.seq.flags & A_RETRANSMISSION && n.seq.rtoNs !== 0 ? n.seq.rtoFrame : undefined)),
  flag('tcp.analysis.fast_retransmission', 'This frame is a (suspected) fast retransmission', A_FAST_RETRANSMISSION),
  flag('tcp.analysis.spurious_retransmission', 'This frame is a (suspected) spurious retransmission', A_SPURIOUS_RETRANSMISSION),
  flag('tcp.analysis.out_of_order', 'This frame is a (suspected) out-of-order segment', A_OUT_OF_ORDER),
  flag('tcp.analysis.reused_ports', 'A new tcp session is started with the same ports as an earlier session in this trace', A_REUSED_PORTS),
  flag('tcp.analysis.lost_segment', 'Previous segment(s) not captured (common at capture start)', A_LOST_SEGMENT),
  flag('tcp.analysis.ack_lost_segment', "ACKed segment that wasn't captured (common at capture start)", A_ACK_LOST_SEGMENT),
  flag('tcp.analysis.window_update', 'TCP window update', A_WINDOW_UPDATE),
  flag('tcp.analysis.window_full', 'TCP window specified by the receiver is now completely full', A_WINDOW_FULL),
  flag('tcp.analysis.keep_alive', 'TCP keep-alive segment', A_KEEP_ALIVE),
  flag('tcp.analysis.keep_alive_ack', 'ACK to a TCP keep-alive segment', A_KEEP_ALIVE_ACK),
  flag('tcp.analysis.zero_window_probe', 'TCP Zero Window Probe', A_ZERO_WINDOW_PROBE),
  flag('tcp.analysis.zero_window', 'TCP Zero Window segment', A_ZERO_WINDOW),
  flag('tcp.analysis.zero_window_probe_ack', 'ACK to a TCP Zero Window Probe', A_ZERO_WINDOW_PROBE_ACK),
  // The field and the expert item share the name: tshark prints it twice.
  T('tcp.analysis.duplicate_ack', 'Duplicate ACK', FieldType.Bool, (n) => (n.printed && n.seq.flags & A_DUPLICATE_ACK && n.seq.dupAckNum !== 0 ? 1 : undefined), 2),
  T('tcp.analysis.duplicate_ack_num', 'Duplicate ACK #', FieldType.Uint, (n) => (n.printed && n.seq.dupAckNum !== 0 ? n.seq.dupAckNum : undefined)),
  T('tcp.connection.fin_active', 'This frame initiates the connection closing', FieldType.Bool, (n) => (n.finRole === FIN_ACTIVE ? 1 : undefined)),
  T('tcp.connection.fin_passive', 'This frame undergoes the connection closing', FieldType.Bool, (n) => (n.finRole === FIN_PASSIVE ? 1 : undefined)),
  T('tcp.analysis.duplicate_ack_frame', 'Duplicate to the ACK in frame', FieldType.FrameNum, (n) => (n.printed && n.seq.dupAckNum !== 0 ? n.seq.dupAckFrame : undefined)),

  // What Wireshark lacks: application messages against segments, Nagle, states.
  T('synack.from_client', 'Sent by the client', FieldType.Bool, (n) => (n.conn === null ? undefined : n.fromClient ? 1 : 0)),
  T('synack.framing', 'Message framing of this direction', FieldType.String, (n) => (n.framing >= 0 ? FRAMING_NAMES[n.framing] : undefined)),
  T('synack.msgs_in_segment', 'Messages with bytes in this segment', FieldType.Uint, (n) => (n.chunk.msgs >= 0 ? n.chunk.msgs : undefined)),
  T('synack.msg_starts', 'Messages starting in this segment', FieldType.Uint, (n) => (n.chunk.msgs >= 0 ? n.chunk.started : undefined)),
  T('synack.msg_ends', 'Messages ending in this segment', FieldType.Uint, (n) => (n.chunk.msgs >= 0 ? n.chunk.ended : undefined)),
  T('synack.msg_first', 'First message (0-based, per direction) with bytes in this segment', FieldType.Uint, (n) => (n.chunk.msgs > 0 ? n.chunk.firstMsg : undefined)),
  T('synack.coalesced', 'Several messages share this segment (a "sticky packet")', FieldType.Bool, (n) => (n.chunk.msgs >= 0 ? (n.chunk.msgs >= 2 ? 1 : 0) : undefined)),
  T('synack.msg_split', 'A message continues from or into another segment', FieldType.Bool, (n) => (n.chunk.msgs >= 0 ? (n.chunk.continues || n.chunk.continued ? 1 : 0) : undefined)),
  T('synack.new_bytes', 'Payload bytes new to the stream', FieldType.Uint, (n) => (n.analyzed && n.seglen > 0 ? n.chunk.newBytes : undefined)),
  T('synack.dup_bytes', 'Payload bytes already received (counted once)', FieldType.Uint, (n) => (n.chunk.dupBytes > 0 ? n.chunk.dupBytes : undefined)),
  T('synack.nagle', 'Small segment released by the ACK of earlier data (Nagle, RFC 896)', FieldType.Bool, (n) => (n.nagleHoldNs > 0 ? 1 : undefined)),
  T('synack.nagle_hold', 'Time since the previous segment: how long it may have been held (Nagle)', FieldType.RelTime, (n) => (n.nagleHoldNs > 0 ? n.nagleHoldNs : undefined)),
  T('synack.zero_window_probe', 'Zero-window probe sent as Linux does: no data, one below the next sequence number (tshark calls it a keep-alive)', FieldType.Bool, (n) => (n.zeroWindowProbe ? 1 : undefined)),
  T('synack.zero_window_probe_ack', 'Answer to such a probe: the window is still zero', FieldType.Bool, (n) => (n.zeroWindowProbeAck ? 1 : undefined)),
  T('synack.after_fin', 'Data sent after the peer closed its side (half-close)', FieldType.Bool, (n) => (n.afterPeerFin ? 1 : undefined)),
  T('synack.state.client', 'Client state (RFC 9293) after this segment', FieldType.String, (n) => (n.conn === null ? undefined : TCP_STATE_NAMES[n.clientState])),
  T('synack.state.server', 'Server state (RFC 9293) after this segment', FieldType.String, (n) => (n.conn === null ? undefined : TCP_STATE_NAMES[n.serverState])),
  T('synack.handshake', 'Handshake kind so far', FieldType.String, (n) => n.conn?.handshake),
  T('synack.teardown', 'Teardown kind so far', FieldType.String, (n) => n.conn?.teardown),
  T('synack.history', "Zeek's connection history so far", FieldType.String, (n) => (n.conn === null ? undefined : n.conn.history())),
  T('synack.conn_state', "Zeek's conn_state so far", FieldType.String, (n) => (n.conn === null ? undefined : n.conn.connState())),

  field(udp, udpNote, 'udp.stream', 'Stream index', FieldType.Uint, (n) => n.stream),
  field(udp, udpNote, 'udp.time_relative', 'Time since first frame', FieldType.RelTime, (n) => (n.timed ? n.timeRelNs : undefined)),
  field(udp, udpNote, 'udp.time_delta', 'Time since previous frame', FieldType.RelTime, (n) => (n.timed ? n.timeDeltaNs : undefined)),
  // An echo reply's request, as tshark's single pass shows it (the request's icmp.resp_in needs a second pass).
  field(icmp, icmpNote, 'icmp.resp_to', 'Request frame', FieldType.FrameNum, (n) => (n.requestFrame !== 0 ? n.requestFrame : undefined)),
  field(icmp, icmpNote, 'icmp.resptime', 'Response time', FieldType.Double, (n) => (n.requestFrame !== 0 ? echoMs(n) : undefined)),
  field(icmpv6, icmpNote, 'icmpv6.resp_to', 'Response To', FieldType.FrameNum, (n) => (n.requestFrame !== 0 ? n.requestFrame : undefined)),
  field(icmpv6, icmpNote, 'icmpv6.resptime', 'Response Time', FieldType.Double, (n) => (n.requestFrame !== 0 ? echoMs(n) : undefined)),
  // A DNS response's query, as tshark's single pass shows it (the query's dns.response_in needs a second pass).
  field(dns, dnsNote, 'dns.response_to', 'Request In', FieldType.FrameNum, (n) => (n.requestFrame !== 0 ? n.requestFrame : undefined)),
  field(dns, dnsNote, 'dns.time', 'Time', FieldType.RelTime, (n) => (n.requestFrame !== 0 ? n.responseNs : undefined)),
  field(udp, udpNote, 'synack.udp.message', "This datagram's message number in its direction (each datagram is one message)", FieldType.Uint, (n) => (n.message > 0 ? n.message : undefined)),
];

// SACK edges print relative to the peer's initial sequence number, as tshark's (base_ack = rev->base_seq).
relativeAck.base = (pkt, li) => {
  const n = tcpNote(pkt, li);
  if (n === undefined || n.conn === null) return undefined;
  return (n.fromClient ? n.conn.server : n.conn.client).seq.baseSeq;
};

/** ARP fields attach to the ARP decoder's protocol once it is registered. */
export function registerArpFields(arp: Protocol): void {
  const A = (name: string, label: string, type: FieldType, get: Getter<ArpNote>): FieldDef => field(arp, arpNote, name, label, type, get);
  A('synack.arp.request_frame', 'The request this reply answers', FieldType.FrameNum, (n) => (n.requestFrame !== 0 ? n.requestFrame : undefined));
  A('synack.arp.response_time', 'Time since the request', FieldType.RelTime, (n) => (n.requestFrame !== 0 ? n.responseNs : undefined));
  A('synack.arp.gratuitous', 'Gratuitous ARP (the sender announces its own address)', FieldType.Bool, (n) => (n.gratuitous ? 1 : 0));
  A('synack.arp.probe', 'ARP probe (RFC 5227: sender address 0.0.0.0)', FieldType.Bool, (n) => (n.probe ? 1 : 0));
  A('synack.arp.conflict_frame', 'Another hardware address claimed this IP address in frame', FieldType.FrameNum, (n) => (n.conflictFrame !== 0 ? n.conflictFrame : undefined));
  // tshark's duplicate-address check (one finding a frame at most).
  const D = (name: string, label: string, type: FieldType, get: Getter<ArpNote>): FieldDef => A(name, label, type, (n) => (n.duplicate ? get(n) : undefined));
  D('arp.duplicate-address-detected', 'Duplicate IP address detected', FieldType.Bool, () => 1);
  D('arp.duplicate-address-frame', 'Frame showing earlier use of IP address', FieldType.FrameNum, (n) => n.duplicateFrame);
  D('arp.seconds-since-duplicate-address-frame', 'Seconds since earlier frame seen', FieldType.Uint, (n) => n.duplicateSeconds);
  D('synack.arp.duplicate_ip', 'IP address a second MAC address claims (as tshark finds duplicates)', FieldType.Ipv4Value, (n) => n.duplicateIp);
  D('synack.arp.duplicate', "Duplicate address, in tshark's words", FieldType.String, (n) => n.duplicateText);
}
