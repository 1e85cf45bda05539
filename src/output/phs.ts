/**
 * `-z io,phs[,FILTER]`: tshark 4.0's Protocol Hierarchy Statistics
 * (ui/cli/tap-protohierstat.c), byte for byte where synack decodes what
 * tshark decodes.
 *
 * tshark does not walk frame.protocols: it walks the top level of each
 * frame's detail tree, one level deeper per item, so a protocol tshark draws
 * inside another's tree is not a level of its own. Hence, from synack's
 * layers (the names frame.protocols prints):
 * - no `frame` (tshark 4.0's phs never lists it), no `ethertype` or `mptcp`
 *   (names frame.protocols adds, not tree items);
 * - IPv6 extension headers are drawn inside the IPv6 header's tree;
 * - the packet an ICMP or ICMPv6 error quotes is drawn inside the ICMP tree,
 *   but the quoted transport's payload (`data`) at the top again; an echo's
 *   payload inside its ICMP tree (as src/output/tree.ts draws them);
 * - LINKTYPE_IPV4 (228) carrying an IPv6 header: tshark's raw-IPv4 entry
 *   hands it to IPv6 without an IPv4 item, though frame.protocols says `ip`;
 * - pcapng packet comments lead as `pkt_comment` (4.0 does not skip them);
 * - a frame stopped by an exception ends with tshark's `_ws.short`
 *   (truncated) or `_ws.malformed` item; damage tshark reports as the
 *   layer's own expert item (a bogus IP length) stops nothing and adds none.
 *
 * The tree's nodes are found by linear search among siblings (as tshark's),
 * comparing the protocols' constant names: a frame whose chain was seen
 * before allocates nothing. Bytes are the frame's length on the wire.
 */
import { hasPacketComments } from '../decode/frame';
import { ProblemKind, type Packet } from '../decode/packet';
import type { OutBuf } from './outbuf';
import { sanitize } from './sanitize';

class PhsNode {
  readonly children: PhsNode[] = [];
  frames = 0;
  bytes = 0;
  constructor(readonly name: string) {}
}

/** The child of `parent` named `name`, added last when first seen (tshark's order), with the frame counted. */
function step(parent: PhsNode, name: string, bytes: number): PhsNode {
  const kids = parent.children;
  let node: PhsNode | undefined;
  for (let i = 0; i < kids.length; i++) {
    if (kids[i].name === name) {
      node = kids[i];
      break;
    }
  }
  if (node === undefined) {
    node = new PhsNode(name);
    kids.push(node);
  }
  node.frames++;
  node.bytes += bytes;
  return node;
}

/** Protocols Wireshark draws inside the IPv6 header's tree rather than beside it. */
const IPV6_EXTENSIONS: ReadonlySet<string> = new Set(['ipv6.hopopts', 'ipv6.routing', 'ipv6.fraghdr', 'ipv6.dstopts']);

const LINKTYPE_IPV4 = 228;

/** LINKTYPE_IPV4's IPv4 layer that found an IPv6 header: Wireshark's raw-IPv4 entry adds no IPv4 item for it. */
function handedToIpv6(pkt: Packet, li: number): boolean {
  return li === 1 && pkt.frame.linkType === LINKTYPE_IPV4 && li + 1 < pkt.layerCount && pkt.layerProto[li].name === 'ip' && pkt.layerProto[li + 1].name === 'ipv6';
}

/**
 * Dissectors that add their tree item before reading a byte (tshark 4.0 on
 * empty headers: raw IP, IPv6, ICMPv6); Ethernet, cooked and loopback
 * headers, IPv4, ARP, VLAN tags, ICMP, TCP and UDP read a field first.
 */
const ITEM_FIRST: ReadonlySet<string> = new Set(['raw', 'ipv6', 'icmpv6']);

/**
 * The layer whose dissector threw at its first read, before adding its tree
 * item: the problem layer when none of its bytes were captured or declared,
 * unless its dissector adds the item first; -1 for none.
 */
function thrownBeforeItem(pkt: Packet): number {
  if (pkt.problem === ProblemKind.None || pkt.problemReported) return -1;
  const li = pkt.problemLayer;
  if (li <= 0 || ITEM_FIRST.has(pkt.layerProto[li].name)) return -1;
  return pkt.layerStart[li] >= pkt.capLen || pkt.layerEnd[li] <= pkt.layerStart[li] ? li : -1;
}

const isIcmp = (name: string): boolean => name === 'icmp' || name === 'icmpv6';
const isIp = (name: string): boolean => name === 'ip' || name === 'ipv6';

export class PhsTable {
  private readonly root = new PhsNode('');

  constructor(
    /** Extra test per frame (the tap filter of -z io,phs,FILTER); null: every frame. */
    private readonly filter: ((pkt: Packet) => boolean) | null,
    readonly filterText: string,
  ) {}

  /** Counts the frame's chain of top-level protocols. */
  observe(pkt: Packet): void {
    if (this.filter !== null && !this.filter(pkt)) return;
    const bytes = pkt.frame.origLen;
    let node = this.root;
    if (hasPacketComments(pkt)) node = step(node, 'pkt_comment', bytes);
    // Inside the packet an ICMP error quotes; after an ICMP message whose payload is data (an echo's).
    let quoted = false;
    let echo = false;
    const n = pkt.layerCount;
    // A layer with no byte of its own stopped its dissector at its first read, before it added its item.
    const thrown = thrownBeforeItem(pkt);
    for (let li = 1; li < n; li++) {
      if (li === thrown) continue;
      const name = pkt.layerProto[li].name;
      if (name === 'data') {
        if (!echo) node = step(node, name, bytes);
        continue;
      }
      if (!quoted && !IPV6_EXTENSIONS.has(name) && !handedToIpv6(pkt, li)) node = step(node, name, bytes);
      if (isIcmp(name) && li + 1 < n) {
        const next = pkt.layerProto[li + 1].name;
        if (isIp(next)) quoted = true;
        else if (next === 'data') echo = true;
      }
    }
    if (pkt.problem === ProblemKind.Truncated) step(node, '_ws.short', bytes);
    else if (pkt.problem === ProblemKind.Malformed && !pkt.problemReported) {
      node = step(node, '_ws.malformed', bytes);
      // An IPv6 extension header left no byte by the payload length: tshark 4.0 draws a Malformed item,
      // then a short-capture one after it (seen in ipv6_frag6_negative_len.pcap, ipv6_missing_jumbo_payload_option.pcap).
      const li = pkt.problemLayer;
      if (IPV6_EXTENSIONS.has(pkt.layerProto[li].name) && pkt.layerEnd[li] <= pkt.layerStart[li] && pkt.layerStart[li] < pkt.capLen) step(node, '_ws.short', bytes);
    }
  }

  /** The report as tshark prints it. */
  write(out: OutBuf): void {
    const bar = '===================================================================\n';
    out.ascii('\n' + bar + 'Protocol Hierarchy Statistics\n');
    out.ascii(`Filter: ${sanitize(this.filterText)}\n\n`);
    draw(out, this.root.children, 0);
    out.ascii(bar);
  }
}

/** tshark's MAXPHSLINE: the indented name is cut to 79 characters. */
const MAX_LINE = 79;

function draw(out: OutBuf, nodes: readonly PhsNode[], depth: number): void {
  for (const n of nodes) {
    // Two spaces a level; past 16 levels "..." stands for the rest.
    const indent = depth > 16 ? '  '.repeat(16) + '...' : '  '.repeat(depth);
    const label = (indent + n.name).slice(0, MAX_LINE);
    out.ascii(`${label.padEnd(40)} frames:${n.frames} bytes:${n.bytes}\n`);
    draw(out, n.children, depth + 1);
  }
}
