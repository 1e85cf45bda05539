/**
 * `-V`: the detail tree of each frame as text, laid out as tshark's: one
 * title line per layer ("Transmission Control Protocol, Src Port: 57520, ..."),
 * its fields indented by four spaces per level, a blank line after the frame.
 * The trees come from each protocol's `tree()` (or, when it has none, its
 * field table); this module adds the layer titles, which the dashboard's
 * detail pane uses too (`layerTitle`, `frameTree`).
 *
 * Tree text can hold packet bytes (DNS names, payload text): it is written
 * with text8, which escapes every control character.
 */
import { ipv4Text } from '../analysis/arp';
import { dhcpMessageType, DHCP_MESSAGE_TYPES } from '../decode/dhcp';
import { hasPacketComments, interfaceName, packetCommentsNode } from '../decode/frame';
import { fieldByName } from '../decode/index';
import { ipv4Title } from '../decode/ipv4';
import { ipv6Title } from '../decode/ipv6';
import { ProblemKind, type Packet } from '../decode/packet';
import type { TreeNode } from '../decode/protocol';
import { EX_ACK_NONZERO, FLAG_ACK, tcpExpertNode, tcpExperts, tcpFlags, tcpSegmentLength } from '../decode/tcp';
import { attach, expertNode, fieldNodes, macText, type ExpertSeverity } from '../decode/treekit';
import { writeValue } from './fields';
import { writeHexLines } from './hexdump';
import { OutBuf } from './outbuf';

/** The title line of layer `li`, as Wireshark's protocol item text. */
export function layerTitle(pkt: Packet, li: number): string {
  const proto = pkt.layerProto[li];
  const s = pkt.layerStart[li];
  const has = (n: number): boolean => s + n <= pkt.capLen;
  switch (proto.name) {
    case 'frame': {
      const f = pkt.frame;
      const on = f.iface !== null ? ` on interface ${interfaceName(pkt)}, id ${f.interfaceId}` : '';
      return `Frame ${pkt.number}: ${f.origLen} bytes on wire (${f.origLen * 8} bits), ${f.capLen} bytes captured (${f.capLen * 8} bits)${on}`;
    }
    case 'eth':
      return has(12) ? `Ethernet II, Src: ${macText(pkt, s + 6)}, Dst: ${macText(pkt, s)}` : proto.label;
    case 'ip':
      return ipv4Title(pkt, li);
    case 'ipv6':
      return ipv6Title(pkt, li);
    case 'tcp': {
      if (!has(4)) return proto.label;
      let t = `${proto.label}, Src Port: ${pkt.u16(s)}, Dst Port: ${pkt.u16(s + 2)}`;
      if (!has(16)) return t;
      t += `, Seq: ${numberOf(pkt, li, 'tcp.seq', pkt.u32(s + 4))}`;
      if (tcpFlags(pkt, li) & FLAG_ACK) t += `, Ack: ${numberOf(pkt, li, 'tcp.ack', pkt.u32(s + 8))}`;
      const n = tcpSegmentLength(pkt, li);
      if (n >= 0) t += `, Len: ${n}`;
      return t;
    }
    case 'udp':
      return has(4) ? `${proto.label}, Src Port: ${pkt.u16(s)}, Dst Port: ${pkt.u16(s + 2)}` : proto.label;
    case 'dns':
      return has(4) ? `${proto.label} (${pkt.u16(s + 2) & 0x8000 ? 'response' : 'query'})` : proto.label;
    case 'dhcp': {
      const type = dhcpMessageType(pkt, li);
      if (type >= 0) return `${proto.label} (${DHCP_MESSAGE_TYPES.get(type) ?? type})`;
      return has(1) ? `Bootstrap Protocol (${pkt.u8(s) === 1 ? 'Request' : pkt.u8(s) === 2 ? 'Reply' : 'Unknown'})` : 'Bootstrap Protocol';
    }
    case 'arp':
      if (!has(8)) return proto.label;
      return `${proto.label} (${pkt.u16(s + 6) === 1 ? 'request' : pkt.u16(s + 6) === 2 ? 'reply' : `opcode ${pkt.u16(s + 6)}`})`;
    case 'data': {
      const n = pkt.layerEnd[li] - s;
      return `Data (${n} byte${n === 1 ? '' : 's'})`;
    }
    default:
      return proto.label;
  }
}

/** Analysis's value of `name` for the layer (relative sequence numbers), else the raw one. */
function numberOf(pkt: Packet, li: number, name: string, raw: number): number {
  return analysisNumber(pkt, li, name) ?? raw;
}

/**
 * The lines tshark's TCP tree gets from its conversation, put where tshark
 * puts them: the stream index and completeness, relative sequence numbers,
 * the scaled window, who closes first, the [Timestamps] and [SEQ/ACK
 * analysis] subtrees with their expert items. The decoder sees one frame and
 * cannot know them; analysis registers them as fields, absent when analysis
 * did not see the frame (then nothing is added). Each line reads its field,
 * so the tree shows exactly what -T fields and the filters see.
 */
function addTcpAnalysisLines(pkt: Packet, li: number, children: TreeNode[]): void {
  const value = (name: string): number | null => analysisNumber(pkt, li, name);
  const at = (field: string): number => children.findIndex((c) => c.field === field);
  // A relative number covers the bytes of the raw one it is computed from (the hex view highlights them).
  const insert = (i: number, text: string, field: string, bytesOf?: TreeNode): TreeNode | undefined => {
    if (i < 0) return undefined;
    const node = { text, field, offset: bytesOf?.offset ?? 0, length: bytesOf?.length ?? 0 };
    children.splice(i, 0, node);
    return node;
  };
  const stream = value('tcp.stream');
  if (stream === null) return;
  insert(at('tcp.dstport') + 1, `[Stream index: ${stream}]`, 'tcp.stream');
  const completeness = value('tcp.completeness');
  if (completeness !== null) insert(at('tcp.stream') + 1, `[Conversation completeness: ${completenessText(completeness)} (${completeness})]`, 'tcp.completeness');
  const seq = value('tcp.seq');
  if (seq !== null) insert(at('tcp.seq_raw'), `Sequence Number: ${seq}    (relative sequence number)`, 'tcp.seq', children[at('tcp.seq_raw')]);
  const next = value('tcp.nxtseq');
  if (next !== null) insert(at('tcp.seq_raw') + 1, `[Next Sequence Number: ${next}    (relative sequence number)]`, 'tcp.nxtseq');
  const ack = value('tcp.ack');
  if (ack !== null) {
    const acked = (tcpFlags(pkt, li) & FLAG_ACK) !== 0;
    const line = insert(at('tcp.ack_raw'), acked ? `Acknowledgment Number: ${ack}    (relative ack number)` : `Acknowledgment Number: ${ack}`, 'tcp.ack', children[at('tcp.ack_raw')]);
    if (tcpExperts(pkt, li) & EX_ACK_NONZERO) attach(line, tcpExpertNode(EX_ACK_NONZERO));
  }
  const win = value('tcp.window_size');
  const afterWindow = at('tcp.window_size_value') + 1;
  if (win !== null && afterWindow > 0) {
    const scale = value('tcp.window_size_scalefactor');
    if (scale !== null) insert(afterWindow, `[Window size scaling factor: ${scale}${SCALE_WORDS.get(scale) ?? ''}]`, 'tcp.window_size_scalefactor');
    insert(afterWindow, `[Calculated window size: ${win}]`, 'tcp.window_size', children[afterWindow - 1]);
  }
  const flagsStr = children[at('tcp.flags')]?.children?.find((c) => c.field === 'tcp.flags.str');
  if (value(FIN_ACTIVE) !== null) attach(flagsStr, expertNode('Note', 'Sequence', 'This frame initiates the connection closing', FIN_ACTIVE));
  if (value(FIN_PASSIVE) !== null) attach(flagsStr, expertNode('Note', 'Sequence', 'This frame undergoes the connection closing', FIN_PASSIVE));
  // After the header's lines (the options), before the payload, as tshark adds them.
  let end = children.findIndex((c) => c.field === 'tcp.payload' || c.field === 'tcp.reset_cause');
  if (end < 0) end = children.length;
  const seqAck = seqAckNode(pkt, li);
  if (seqAck !== null) children.splice(end, 0, seqAck);
  const rel = fieldText(pkt, li, 'tcp.time_relative');
  const delta = fieldText(pkt, li, 'tcp.time_delta');
  if (rel !== null && delta !== null) {
    children.splice(end, 0, {
      text: '[Timestamps]',
      offset: 0,
      length: 0,
      children: [generated(`Time since first frame in this TCP stream: ${rel} seconds`, 'tcp.time_relative'), generated(`Time since previous frame in this TCP stream: ${delta} seconds`, 'tcp.time_delta')],
    });
  }
}

/**
 * The analysis fields under which addTcpAnalysisLines draws its expert
 * items (the closing notes, and [TCP Analysis Flags] with every finding and
 * the duplicate ACK); its one other item, the nonzero acknowledgment number,
 * is a tcpExperts bit, which tcp.mayExpert answers for.
 */
const FIN_ACTIVE = 'tcp.connection.fin_active';
const FIN_PASSIVE = 'tcp.connection.fin_passive';
const ANALYSIS_FLAGS = 'tcp.analysis.flags';

function tcpAnalysisMayExpert(pkt: Packet, li: number): boolean {
  return analysisNumber(pkt, li, FIN_ACTIVE) !== null || analysisNumber(pkt, li, FIN_PASSIVE) !== null || analysisNumber(pkt, li, ANALYSIS_FLAGS) !== null;
}

/** tshark's conversation_completeness_fill(): the named combinations of the bits, else "Incomplete". */
function completenessText(v: number): string {
  switch (v) {
    case 1:
      return 'Incomplete, SYN_SENT';
    case 3:
      return 'Incomplete, CLIENT_ESTABLISHED';
    case 7:
      return 'Incomplete, ESTABLISHED';
    case 15:
      return 'Incomplete, DATA';
    case 31:
    case 47:
    case 63:
      return 'Complete, WITH_DATA';
    case 23:
    case 39:
    case 55:
      return 'Complete, NO_DATA';
    default:
      return 'Incomplete';
  }
}

const generated = (text: string, field: string): TreeNode => ({ text: `[${text}]`, field, offset: 0, length: 0 });

/**
 * The [SEQ/ACK analysis] subtree as tcp_print_sequence_number_analysis()
 * draws it: what this segment acknowledges, the iRTT, bytes in flight, then
 * [TCP Analysis Flags] with an expert item per finding in tshark's order
 * (a fast or spurious retransmission also carries the plain one), the RTO of
 * a retransmission, and the duplicate ACK's number and frame.
 */
function seqAckNode(pkt: Packet, li: number): TreeNode | null {
  if (analysisNumber(pkt, li, 'tcp.analysis') === null) return null;
  const num = (name: string): number | null => analysisNumber(pkt, li, name);
  const text = (name: string): string | null => fieldText(pkt, li, name);
  const has = (name: string): boolean => num(name) !== null;
  const kids: TreeNode[] = [];
  const acks = num('tcp.analysis.acks_frame');
  if (acks !== null) kids.push(generated(`This is an ACK to the segment in frame: ${acks}`, 'tcp.analysis.acks_frame'));
  const rtt = text('tcp.analysis.ack_rtt');
  if (rtt !== null) kids.push(generated(`The RTT to ACK the segment was: ${rtt} seconds`, 'tcp.analysis.ack_rtt'));
  const irtt = text('tcp.analysis.initial_rtt');
  if (irtt !== null) kids.push(generated(`iRTT: ${irtt} seconds`, 'tcp.analysis.initial_rtt'));
  const inFlight = num('tcp.analysis.bytes_in_flight');
  if (inFlight !== null) {
    kids.push(generated(`Bytes in flight: ${inFlight}`, 'tcp.analysis.bytes_in_flight'));
    kids.push(generated(`Bytes sent since last PSH flag: ${num('tcp.analysis.push_bytes_sent') ?? 0}`, 'tcp.analysis.push_bytes_sent'));
  }
  if (has(ANALYSIS_FLAGS)) {
    const flags: TreeNode[] = [];
    const expert = (name: string, severity: ExpertSeverity, message = fieldByName(name)!.label): void => {
      flags.push(expertNode(severity, 'Sequence', message, name));
    };
    if (has('tcp.analysis.reused_ports')) expert('tcp.analysis.reused_ports', 'Note');
    const fast = has('tcp.analysis.fast_retransmission');
    const spurious = has('tcp.analysis.spurious_retransmission');
    if (has('tcp.analysis.retransmission') && !fast && !spurious) {
      expert('tcp.analysis.retransmission', 'Note');
      const rto = text('tcp.analysis.rto');
      if (rto !== null) {
        flags.push(generated(`The RTO for this segment was: ${rto} seconds`, 'tcp.analysis.rto'));
        flags.push(generated(`RTO based on delta from frame: ${num('tcp.analysis.rto_frame')}`, 'tcp.analysis.rto_frame'));
      }
    }
    if (fast) {
      expert('tcp.analysis.fast_retransmission', 'Note');
      expert('tcp.analysis.retransmission', 'Note');
    }
    if (spurious) {
      expert('tcp.analysis.spurious_retransmission', 'Note');
      expert('tcp.analysis.retransmission', 'Note');
    }
    if (has('tcp.analysis.out_of_order')) expert('tcp.analysis.out_of_order', 'Warning');
    if (has('tcp.analysis.lost_segment')) expert('tcp.analysis.lost_segment', 'Warning');
    if (has('tcp.analysis.ack_lost_segment')) expert('tcp.analysis.ack_lost_segment', 'Warning');
    if (has('tcp.analysis.window_update')) expert('tcp.analysis.window_update', 'Chat');
    if (has('tcp.analysis.window_full')) expert('tcp.analysis.window_full', 'Warning');
    if (has('tcp.analysis.keep_alive')) expert('tcp.analysis.keep_alive', 'Note');
    if (has('tcp.analysis.keep_alive_ack')) expert('tcp.analysis.keep_alive_ack', 'Note');
    const dupNum = num('tcp.analysis.duplicate_ack_num');
    if (dupNum !== null && has('tcp.analysis.duplicate_ack')) flags.push(generated('This is a TCP duplicate ack', 'tcp.analysis.duplicate_ack'));
    if (has('tcp.analysis.zero_window_probe')) expert('tcp.analysis.zero_window_probe', 'Note');
    if (has('tcp.analysis.zero_window')) expert('tcp.analysis.zero_window', 'Warning');
    if (has('tcp.analysis.zero_window_probe_ack')) expert('tcp.analysis.zero_window_probe_ack', 'Note');
    kids.push({ text: '[TCP Analysis Flags]', field: ANALYSIS_FLAGS, offset: 0, length: 0, children: flags });
    if (dupNum !== null) {
      // The number and the frame go to the analysis tree itself; the expert item hangs on the frame's line.
      kids.push(generated(`Duplicate ACK #: ${dupNum}`, 'tcp.analysis.duplicate_ack_num'));
      const frame = generated(`Duplicate to the ACK in frame: ${num('tcp.analysis.duplicate_ack_frame')}`, 'tcp.analysis.duplicate_ack_frame');
      attach(frame, expertNode('Note', 'Sequence', `Duplicate ACK (#${dupNum})`, 'tcp.analysis.duplicate_ack'));
      kids.push(frame);
    }
  }
  return { text: '[SEQ/ACK analysis]', field: 'tcp.analysis', offset: 0, length: 0, children: kids };
}

/** tshark's words for the scale factors that are not factors. */
const SCALE_WORDS = new Map([
  [-1, ' (unknown)'],
  [-2, ' (no window scaling used)'],
]);

/** UDP's conversation index, after the checksum lines as tshark puts it. */
function addUdpAnalysisLines(pkt: Packet, li: number, children: TreeNode[]): void {
  const stream = analysisNumber(pkt, li, 'udp.stream');
  if (stream === null) return;
  let i = children.findIndex((c) => c.field === 'udp.payload');
  if (i < 0) i = children.length;
  const rel = fieldText(pkt, li, 'udp.time_relative');
  const delta = fieldText(pkt, li, 'udp.time_delta');
  if (rel !== null && delta !== null) {
    const timestamps = [generated(`Time since first frame: ${rel} seconds`, 'udp.time_relative'), generated(`Time since previous frame: ${delta} seconds`, 'udp.time_delta')];
    children.splice(i, 0, { text: '[Timestamps]', offset: 0, length: 0, children: timestamps });
  }
  children.splice(i, 0, { text: `[Stream index: ${stream}]`, field: 'udp.stream', offset: 0, length: 0 });
}

function analysisNumber(pkt: Packet, li: number, name: string): number | null {
  const v = fieldByName(name)?.get(pkt, li, 0);
  return typeof v === 'number' ? v : null;
}

/** Field `name` of layer `li` as -T fields writes it (times as tshark prints them), or null when absent. */
function fieldText(pkt: Packet, li: number, name: string): string | null {
  const def = fieldByName(name);
  const v = def?.get(pkt, li, 0);
  if (def === undefined || v === undefined) return null;
  fieldScratch.clear();
  writeValue(fieldScratch, pkt, def, v, li, 0);
  return fieldScratch.text();
}

/** An echo reply's request and response time, as tshark's ICMP and ICMPv6 trees end (before the echoed data). */
function addEchoLines(pkt: Packet, li: number, children: TreeNode[], v6: boolean): void {
  const request = analysisNumber(pkt, li, v6 ? 'icmpv6.resp_to' : 'icmp.resp_to');
  const ms = analysisNumber(pkt, li, v6 ? 'icmpv6.resptime' : 'icmp.resptime');
  if (request === null || ms === null) return;
  children.push(generated(`${v6 ? 'Response To' : 'Request frame'}: ${request}`, v6 ? 'icmpv6.resp_to' : 'icmp.resp_to'));
  children.push(generated(`${v6 ? 'Response Time' : 'Response time'}: ${ms.toFixed(3)} ms`, v6 ? 'icmpv6.resptime' : 'icmp.resptime'));
}

/** A DNS response's query and the time since it, at the end of its tree as tshark puts them. */
function addDnsPairLines(pkt: Packet, li: number, children: TreeNode[]): void {
  const request = analysisNumber(pkt, li, 'dns.response_to');
  const time = fieldText(pkt, li, 'dns.time');
  if (request === null || time === null) return;
  children.push(generated(`Request In: ${request}`, 'dns.response_to'), generated(`Time: ${time} seconds`, 'dns.time'));
}

/** The analysis field the duplicate line is drawn for (tshark's words, present only on such a frame). */
const ARP_DUPLICATE = 'synack.arp.duplicate';

/**
 * tshark's "Duplicate IP address detected" line, which it adds beside the
 * ARP tree rather than in it, with its expert item (counted under ARP).
 * Analysis finds them across frames; absent when it did not see the frame.
 */
function addArpDuplicateLine(pkt: Packet, li: number, out: TreeNode[]): void {
  const text = fieldByName(ARP_DUPLICATE);
  const ip = fieldByName('synack.arp.duplicate_ip');
  const frame = fieldByName('arp.duplicate-address-frame');
  const seconds = fieldByName('arp.seconds-since-duplicate-address-frame');
  if (text === undefined || ip === undefined || frame === undefined || seconds === undefined) return;
  const t = text.get(pkt, li, 0);
  const address = ip.get(pkt, li, 0);
  if (typeof t !== 'string' || typeof address !== 'number') return;
  const earlier = generated(`Frame showing earlier use of IP address: ${frame.get(pkt, li, 0)}`, 'arp.duplicate-address-frame');
  const e = expertNode('Warning', 'Sequence', `Duplicate IP address configured (${ipv4Text(address)})`, 'arp.duplicate-address-detected');
  e.expert = { ...e.expert!, protocol: pkt.layerProto[li].short };
  attach(earlier, e);
  out.push({
    text: `[${t}]`,
    field: 'arp.duplicate-address-detected',
    offset: 0,
    length: 0,
    children: [earlier, generated(`Seconds since earlier frame seen: ${seconds.get(pkt, li, 0)}`, 'arp.seconds-since-duplicate-address-frame')],
  });
}

/** The problem as tshark's closing line says it, or null. */
export function problemLine(pkt: Packet): string | null {
  if (pkt.problem === ProblemKind.None) return null;
  const layer = pkt.layerProto[pkt.problemLayer];
  if (pkt.problem === ProblemKind.Truncated) {
    return `[Packet size limited during capture: ${layer.name.toUpperCase()} truncated (${pkt.problemAvailable} of ${pkt.problemNeeded} bytes captured)]`;
  }
  return `[Malformed Packet: ${layer.name.toUpperCase()}: ${pkt.problemField}: ${pkt.problemReason}]`;
}

/**
 * Whether layer `li`'s node in frameTree may hold an expert item: its
 * protocol's mayExpert (absent: it may), or the analysis lines added to it.
 */
export function layerMayExpert(pkt: Packet, li: number): boolean {
  const proto = pkt.layerProto[li];
  if (proto.mayExpert === undefined || proto.mayExpert(pkt, li)) return true;
  if (proto.name === 'tcp') return tcpAnalysisMayExpert(pkt, li);
  if (proto.name === 'arp') return fieldByName(ARP_DUPLICATE)?.get(pkt, li, 0) !== undefined;
  return false;
}

/**
 * Whether frameTree(pkt) may hold an expert item; false promises it holds
 * none, and -z expert skips the frame without drawing (most frames). A frame
 * the decoder found truncated or malformed is always drawn, whole: its
 * closing line, and the trees of damaged headers, are where items gather.
 * Allocates nothing.
 */
export function frameMayExpert(pkt: Packet): boolean {
  if (pkt.problem !== ProblemKind.None || hasPacketComments(pkt)) return true;
  for (let li = 0; li < pkt.layerCount; li++) if (layerMayExpert(pkt, li)) return true;
  return false;
}

/**
 * Every layer as a node: the title, then the protocol's tree (or its fields).
 * `expertsOnly` (for -z expert): a layer that cannot hold an expert item
 * (layerMayExpert) keeps its node, so items stay under the layer they belong
 * to, but neither its title nor its lines are drawn; a frame with a decode
 * problem is drawn whole.
 */
export function frameTree(pkt: Packet, expertsOnly = false): TreeNode[] {
  const skipping = expertsOnly && pkt.problem === ProblemKind.None;
  const top: TreeNode[] = [];
  // pcapng packet comments lead, above the frame, as tshark draws them.
  const comments = packetCommentsNode(pkt);
  if (comments !== null) top.push(comments);
  // The packet an ICMP error quotes is drawn inside the ICMP node, as tshark draws it; its payload is not.
  let out = top;
  let echoData: TreeNode[] | null = null;
  for (let li = 0; li < pkt.layerCount; li++) {
    const proto = pkt.layerProto[li];
    const skip = skipping && !layerMayExpert(pkt, li);
    let children: TreeNode[];
    if (skip) children = [];
    else {
      try {
        children = proto.tree !== undefined ? proto.tree(pkt, li) : fieldNodes(pkt, li, proto.fields);
      } catch {
        // A tree that fails on odd bytes must not take the frame down with it; the fields still show.
        children = fieldNodes(pkt, li, proto.fields);
      }
      if (li === 0) addFrameTimeLines(pkt, children);
      if (proto.name === 'tcp') addTcpAnalysisLines(pkt, li, children);
      else if (proto.name === 'udp') addUdpAnalysisLines(pkt, li, children);
      else if (proto.name === 'icmp' || proto.name === 'icmpv6') addEchoLines(pkt, li, children, proto.name === 'icmpv6');
      else if (proto.name === 'dns') addDnsPairLines(pkt, li, children);
    }
    const start = pkt.layerStart[li];
    const end = li === 0 ? pkt.capLen : Math.min(pkt.layerEnd[li], pkt.capLen);
    // An echo's payload is drawn inside its ICMP node; a quoted packet's payload is not, as tshark draws them.
    if (proto.name === 'data') out = echoData ?? top;
    out.push({ text: skip ? proto.label : layerTitle(pkt, li), field: proto.name, offset: start, length: Math.max(0, end - start), children });
    if (proto.name === 'arp' && !skip) addArpDuplicateLine(pkt, li, out);
    if ((proto.name === 'icmp' || proto.name === 'icmpv6') && li + 1 < pkt.layerCount) {
      const next = pkt.layerProto[li + 1].name;
      if (isIp(next)) out = children;
      else if (next === 'data') echoData = children;
    }
  }
  const problem = problemLine(pkt);
  if (problem !== null) {
    const line: TreeNode = { text: problem, offset: pkt.capLen, length: 0 };
    // tshark's closing line of a malformed frame carries its Error, counted under the protocol that failed;
    // damage tshark reports as the layer's own expert item (a bogus length) stops no dissector and has none.
    if (pkt.problem === ProblemKind.Malformed && !pkt.problemReported) {
      const e = expertNode('Error', 'Malformed', 'Malformed Packet (Exception occurred)', '_ws.malformed.expert');
      e.expert = { ...e.expert!, protocol: pkt.layerProto[pkt.problemLayer].short };
      attach(line, e);
    }
    top.push(line);
  }
  return top;
}

const isIp = (name: string): boolean => name === 'ip' || name === 'ipv6';

/**
 * The frame's times and marks, as tshark's frame tree has them around the
 * fields the frame protocol itself lists: the arrival time in the local
 * zone, the time shift (none: synack never shifts), the three deltas, and
 * the marked and ignored flags (synack marks and ignores nothing).
 */
function addFrameTimeLines(pkt: Packet, children: TreeNode[]): void {
  const at = (field: string): number => children.findIndex((n) => n.field === field);
  const line = (text: string, field: string): TreeNode => ({ text, field, offset: 0, length: 0 });
  const len = at('frame.cap_len');
  if (len >= 0) children.splice(len + 1, 0, line('[Frame is marked: False]', 'frame.marked'), line('[Frame is ignored: False]', 'frame.ignored'));
  if (!pkt.frame.hasTime) return;
  // The fields' own values, as -T fields prints them: one computation and one format for both.
  const seconds = (name: string, label: string): TreeNode => line(`[${label}: ${fieldText(pkt, 0, name) ?? ''} seconds]`, name);
  const epoch = at('frame.time_epoch');
  if (epoch >= 0) {
    children.splice(
      epoch + 1,
      0,
      seconds('frame.time_delta', 'Time delta from previous captured frame'),
      seconds('frame.time_delta_displayed', 'Time delta from previous displayed frame'),
      seconds('frame.time_relative', 'Time since reference or first frame'),
    );
  }
  const encap = at('frame.encap_type');
  children.splice(encap + 1, 0, line(`Arrival Time: ${fieldText(pkt, 0, 'frame.time') ?? ''}`, 'frame.time'), line('[Time shift for this packet: 0.000000000 seconds]', 'frame.time_shift'));
}

const fieldScratch = new OutBuf(-1, 256);


/**
 * Writes the tree of one frame as tshark -V does, then a blank line. Unless
 * the whole frame follows in hex (`-V -x`), a Data layer's bytes are dumped
 * under its title, as tshark prints uninterpreted data.
 */
export function writeTree(out: OutBuf, pkt: Packet, hexFollows = false): void {
  for (const n of frameTree(pkt)) writeNode(out, n, 0, hexFollows ? null : pkt);
  out.byte(10);
}

/** `dataOf`: the frame whose Data layers are dumped in hex (null with -x). */
function writeNode(out: OutBuf, n: TreeNode, depth: number, dataOf: Packet | null): void {
  for (let i = 0; i < depth; i++) out.ascii('    ');
  out.text8(n.text);
  out.byte(10);
  if (dataOf !== null && n.field === 'data') {
    out.byte(10);
    writeHexLines(out, dataOf.data, dataOf.base + n.offset, n.length);
  }
  if (n.children !== undefined) for (const c of n.children) writeNode(out, c, depth + 1, dataOf);
}
