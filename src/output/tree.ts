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
import { dhcpMessageType, DHCP_MESSAGE_TYPES } from '../decode/dhcp';
import { fieldByName } from '../decode/index';
import { ProblemKind, type Packet } from '../decode/packet';
import type { TreeNode } from '../decode/protocol';
import { FLAG_ACK, tcpFlags, tcpSegmentLength } from '../decode/tcp';
import { fieldNodes, ipv4Text, ipv6Text, macText } from '../decode/treekit';
import { writeValue } from './fields';
import { OutBuf } from './outbuf';

/** The title line of layer `li`, as Wireshark's protocol item text. */
export function layerTitle(pkt: Packet, li: number): string {
  const proto = pkt.layerProto[li];
  const s = pkt.layerStart[li];
  const has = (n: number): boolean => s + n <= pkt.capLen;
  switch (proto.name) {
    case 'frame': {
      const f = pkt.frame;
      return `Frame ${pkt.number}: ${f.origLen} bytes on wire (${f.origLen * 8} bits), ${f.capLen} bytes captured (${f.capLen * 8} bits)`;
    }
    case 'eth':
      return has(12) ? `Ethernet II, Src: ${macText(pkt, s + 6)}, Dst: ${macText(pkt, s)}` : proto.label;
    case 'ip':
      return has(20) ? `${proto.label}, Src: ${ipv4Text(pkt, s + 12)}, Dst: ${ipv4Text(pkt, s + 16)}` : proto.label;
    case 'ipv6':
      return has(40) ? `${proto.label}, Src: ${ipv6Text(pkt, s + 8)}, Dst: ${ipv6Text(pkt, s + 24)}` : proto.label;
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
 * The lines tshark's TCP tree gets from its conversation (stream index,
 * relative sequence numbers, the scaled window), put where tshark puts them.
 * The decoder sees one frame and cannot know them; analysis registers them as
 * fields, absent when analysis did not see the frame (then nothing is added).
 */
function addTcpAnalysisLines(pkt: Packet, li: number, children: TreeNode[]): void {
  const value = (name: string): number | null => analysisNumber(pkt, li, name);
  const at = (field: string): number => children.findIndex((c) => c.field === field);
  // A relative number covers the bytes of the raw one it is computed from (the hex view highlights them).
  const insert = (i: number, text: string, field: string, bytesOf?: TreeNode): void => {
    if (i >= 0) children.splice(i, 0, { text, field, offset: bytesOf?.offset ?? 0, length: bytesOf?.length ?? 0 });
  };
  const stream = value('tcp.stream');
  if (stream === null) return;
  insert(at('tcp.dstport') + 1, `[Stream index: ${stream}]`, 'tcp.stream');
  const seq = value('tcp.seq');
  if (seq !== null) insert(at('tcp.seq_raw'), `Sequence Number: ${seq}    (relative sequence number)`, 'tcp.seq', children[at('tcp.seq_raw')]);
  const next = value('tcp.nxtseq');
  if (next !== null) insert(at('tcp.seq_raw') + 1, `[Next Sequence Number: ${next}    (relative sequence number)]`, 'tcp.nxtseq');
  const ack = value('tcp.ack');
  if (ack !== null) {
    const acked = (tcpFlags(pkt, li) & FLAG_ACK) !== 0;
    insert(at('tcp.ack_raw'), acked ? `Acknowledgment Number: ${ack}    (relative ack number)` : `Acknowledgment Number: ${ack}`, 'tcp.ack', children[at('tcp.ack_raw')]);
  }
  const win = value('tcp.window_size');
  const afterWindow = at('tcp.window_size_value') + 1;
  if (win !== null && afterWindow > 0) {
    const scale = value('tcp.window_size_scalefactor');
    if (scale !== null) insert(afterWindow, `[Window size scaling factor: ${scale}${SCALE_WORDS.get(scale) ?? ''}]`, 'tcp.window_size_scalefactor');
    insert(afterWindow, `[Calculated window size: ${win}]`, 'tcp.window_size', children[afterWindow - 1]);
  }
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
  children.splice(i, 0, { text: `[Stream index: ${stream}]`, field: 'udp.stream', offset: 0, length: 0 });
}

function analysisNumber(pkt: Packet, li: number, name: string): number | null {
  const v = fieldByName(name)?.get(pkt, li, 0);
  return typeof v === 'number' ? v : null;
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

/** Every layer as a node: the title, then the protocol's tree (or its fields). */
export function frameTree(pkt: Packet): TreeNode[] {
  const top: TreeNode[] = [];
  // The packet an ICMP error quotes is drawn inside the ICMP node, as tshark draws it; its payload is not.
  let out = top;
  for (let li = 0; li < pkt.layerCount; li++) {
    const proto = pkt.layerProto[li];
    let children: TreeNode[];
    try {
      children = proto.tree !== undefined ? proto.tree(pkt, li) : fieldNodes(pkt, li, proto.fields);
    } catch {
      // A tree that fails on odd bytes must not take the frame down with it; the fields still show.
      children = fieldNodes(pkt, li, proto.fields);
    }
    if (li === 0) addFrameTimeLines(pkt, children);
    if (proto.name === 'tcp') addTcpAnalysisLines(pkt, li, children);
    else if (proto.name === 'udp') addUdpAnalysisLines(pkt, li, children);
    const start = pkt.layerStart[li];
    const end = li === 0 ? pkt.capLen : Math.min(pkt.layerEnd[li], pkt.capLen);
    if (proto.name === 'data') out = top;
    out.push({ text: layerTitle(pkt, li), field: proto.name, offset: start, length: Math.max(0, end - start), children });
    if ((proto.name === 'icmp' || proto.name === 'icmpv6') && li + 1 < pkt.layerCount && isIp(pkt.layerProto[li + 1].name)) out = children;
  }
  const problem = problemLine(pkt);
  if (problem !== null) top.push({ text: problem, offset: pkt.capLen, length: 0 });
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
  const seconds = (name: string, label: string): TreeNode => line(`[${label}: ${frameFieldText(pkt, name)} seconds]`, name);
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
  children.splice(encap + 1, 0, line(`Arrival Time: ${frameFieldText(pkt, 'frame.time')}`, 'frame.time'), line('[Time shift for this packet: 0.000000000 seconds]', 'frame.time_shift'));
}

const fieldScratch = new OutBuf(-1, 256);

/** The frame layer's field `name` as -T fields writes it. */
function frameFieldText(pkt: Packet, name: string): string {
  const def = fieldByName(name)!;
  const v = def.get(pkt, 0, 0);
  fieldScratch.clear();
  if (v !== undefined) writeValue(fieldScratch, pkt, def, v, 0, 0);
  return fieldScratch.text();
}

/** Writes the tree of one frame as tshark -V does, then a blank line. */
export function writeTree(out: OutBuf, pkt: Packet): void {
  for (const n of frameTree(pkt)) writeNode(out, n, 0);
  out.byte(10);
}

function writeNode(out: OutBuf, n: TreeNode, depth: number): void {
  for (let i = 0; i < depth; i++) out.ascii('    ');
  out.text8(n.text);
  out.byte(10);
  if (n.children !== undefined) for (const c of n.children) writeNode(out, c, depth + 1);
}
