/**
 * Wireshark's `frame` protocol: the root layer of every packet, carrying what
 * the capture knows (times, lengths, interface) rather than what the bytes say.
 * It is always layer 0, so `frame.*` fields resolve like any other field.
 */
import { commentText, findComment } from '../capture/packet-options';
import { data } from './data';
import { linkTypes } from './dispatch';
import { deltaNsecs, deltaSecs } from './nstime';
import { computed } from './fieldkit';
import type { Packet } from './packet';
import { FieldType, type FieldDef, type Protocol, type TreeNode } from './protocol';
import { expertNode } from './treekit';

const when = (_pkt: Packet, k: number, v: number): number | undefined => (k === 0 ? v : undefined);

/** The interface's name as tshark shows it: if_name, else if_description, else "unknown". */
export function interfaceName(pkt: Packet): string {
  const i = pkt.frame.iface;
  return i?.name ?? i?.description ?? 'unknown';
}

const fields: FieldDef[] = [
  // pcapng packet comments, one occurrence each, read from the block only when asked. tshark 4.0 draws them in a
  // tree of their own (pkt_comment, before the frame's) but names the fields frame.*; each is also an expert item.
  computed('frame.comment', 'Comment', FieldType.String, (pkt, _li, k) => commentText(pkt.frame, k)),
  computed('frame.comment.expert', 'Formatted comment', FieldType.Bool, (pkt, _li, k) => (findComment(pkt.frame, k) ? 1 : undefined)),
  computed('frame.number', 'Frame Number', FieldType.Uint, (pkt, _li, k) => when(pkt, k, pkt.number)),
  {
    name: 'frame.time_epoch',
    label: 'Epoch Time',
    type: FieldType.AbsTime,
    // pcapng simple packet blocks carry no time: tshark prints none.
    get: (pkt, _li, k) => (pkt.frame.hasTime ? when(pkt, k, pkt.frame.tsSec) : undefined),
    nanos: (pkt) => pkt.frame.tsNsec,
  },
  // Seconds and nanoseconds as nstime_delta() leaves them (nstime.ts): exact at any span.
  {
    name: 'frame.time_relative',
    label: 'Time since reference or first frame',
    type: FieldType.RelTime,
    get: (pkt, _li, k) => when(pkt, k, deltaSecs(pkt.frame.tsSec, pkt.frame.tsNsec, pkt.clock.firstSec, pkt.clock.firstNsec)),
    nanos: (pkt) => deltaNsecs(pkt.frame.tsSec, pkt.frame.tsNsec, pkt.clock.firstSec, pkt.clock.firstNsec),
  },
  {
    name: 'frame.time_delta',
    label: 'Time delta from previous captured frame',
    type: FieldType.RelTime,
    get: (pkt, _li, k) => when(pkt, k, deltaSecs(pkt.frame.tsSec, pkt.frame.tsNsec, pkt.clock.prevSec, pkt.clock.prevNsec)),
    nanos: (pkt) => deltaNsecs(pkt.frame.tsSec, pkt.frame.tsNsec, pkt.clock.prevSec, pkt.clock.prevNsec),
  },
  computed('frame.len', 'Frame Length', FieldType.Uint, (pkt, _li, k) => when(pkt, k, pkt.frame.origLen)),
  computed('frame.cap_len', 'Capture Length', FieldType.Uint, (pkt, _li, k) => when(pkt, k, pkt.frame.capLen)),
  computed('frame.interface_id', 'Interface id', FieldType.Uint, (pkt, _li, k) =>
    k === 0 && pkt.frame.interfaceId >= 0 ? pkt.frame.interfaceId : undefined,
  ),
  computed('frame.interface_name', 'Interface name', FieldType.String, (pkt, _li, k) => (k === 0 && pkt.frame.iface !== null ? interfaceName(pkt) : undefined)),
  computed('frame.interface_description', 'Interface description', FieldType.String, (pkt, _li, k) =>
    k === 0 && pkt.frame.iface !== null && pkt.frame.iface.description !== null ? pkt.frame.iface.description : undefined,
  ),
  computed('frame.section_number', 'Section number', FieldType.Uint, (pkt, _li, k) => (k === 0 && pkt.frame.iface !== null ? pkt.frame.iface.section : undefined)),
  computed('frame.encap_type', 'Encapsulation type', FieldType.Int, (pkt, _li, k) => {
    const e = k === 0 ? WTAP_ENCAP.get(pkt.frame.linkType) : undefined;
    return e === undefined ? undefined : e[0];
  }),
  computed('frame.protocols', 'Protocols in frame', FieldType.String, (pkt, _li, k) => (k === 0 ? protocolsText(pkt) : undefined)),
  // synack has no marked or ignored frames; tshark prints 0 for every frame.
  computed('frame.marked', 'Frame is marked', FieldType.Bool, (pkt, _li, k) => when(pkt, k, 0)),
  computed('frame.ignored', 'Frame is ignored', FieldType.Bool, (pkt, _li, k) => when(pkt, k, 0)),
];

/**
 * LINKTYPE_* (pcap, pcapng) to Wireshark's WTAP_ENCAP_* number and name, for
 * frame.encap_type (values read from tshark 4.0 on captures of each type).
 */
const WTAP_ENCAP: ReadonlyMap<number, readonly [number, string]> = new Map([
  [0, [15, 'NULL/Loopback']],
  [1, [1, 'Ethernet']],
  [3, [148, 'Amateur Radio AX.25']],
  [6, [2, 'Token Ring']],
  [7, [8, 'ARCNET']],
  [8, [3, 'SLIP']],
  [9, [4, 'PPP']],
  [10, [6, 'FDDI with bit-swapped MAC addresses']],
  [12, [7, 'Raw IP']],
  [14, [7, 'Raw IP']],
  [50, [4, 'PPP']],
  [100, [10, 'RFC 1483 ATM']],
  [101, [7, 'Raw IP']],
  [104, [28, 'Cisco HDLC']],
  [105, [20, 'IEEE 802.11 Wireless LAN']],
  [106, [11, 'Linux ATM CLIP']],
  [107, [26, 'Frame Relay']],
  [108, [174, 'OpenBSD loopback']],
  [113, [25, 'Linux cooked-mode capture v1']],
  [123, [13, 'ATM PDUs']],
  [127, [23, 'IEEE 802.11 plus radiotap radio header']],
  [129, [9, 'Linux ARCNET']],
  [137, [67, 'Juniper ATM1']],
  [149, [47, 'USER 2']],
  [160, [58, 'USER 13']],
  [178, [83, 'Juniper Ethernet']],
  [192, [97, 'Per-Packet Information header']],
  [195, [104, 'IEEE 802.15.4 Wireless PAN']],
  [226, [124, 'Solaris IPNET']],
  [228, [129, 'Raw IPv4']],
  [229, [130, 'Raw IPv6']],
  [231, [146, 'D-Bus']],
  [239, [141, 'NFLOG']],
  [242, [180, 'IP over IB']],
  [258, [171, 'Apple PKTAP']],
  [271, [185, 'Linux vsock']],
  [276, [210, 'Linux cooked-mode capture v2']],
]);
// LINKTYPE_USER0..15 (147..162) are WTAP_ENCAP_USER0..15 (45..60).
for (let i = 0; i < 16; i++) if (!WTAP_ENCAP.has(147 + i)) (WTAP_ENCAP as Map<number, readonly [number, string]>).set(147 + i, [45 + i, `USER ${i}`]);

/** Layers after which Wireshark's stack shows its `ethertype` pseudo-protocol (see AUX_ETHERTYPE in ethernet.ts). */
const SHOWS_ETHERTYPE = new Set(['eth', 'vlan', 'ieee8021ad', 'sll']);
const AUX_ETHERTYPE = 2;

/** 'eth:ethertype:ip:tcp', as tshark's frame.protocols (built only when asked for). */
export function protocolsText(pkt: Packet): string {
  let s = '';
  for (let i = 1; i < pkt.layerCount; i++) {
    const name = pkt.layerProto[i].name;
    // Several messages of one TCP segment (DNS over TCP) are listed once, as tshark lists them.
    if (samePduRun(pkt, i)) continue;
    s += s === '' ? name : ':' + name;
    if ((pkt.layerAux[i] & AUX_ETHERTYPE) !== 0 && SHOWS_ETHERTYPE.has(name)) s += ':ethertype';
    if (name === 'tcp') for (let n = mptcpOptions(pkt, i); n > 0; n--) s += ':mptcp';
  }
  return s;
}

/** Layer `i` repeats the protocol of the layers before it, which follow a TCP layer (one segment's messages). */
function samePduRun(pkt: Packet, i: number): boolean {
  let j = i - 1;
  while (j > 0 && pkt.layerProto[j] === pkt.layerProto[i]) j--;
  return j < i - 1 && pkt.layerProto[j].name === 'tcp';
}

/** TCP option kind 30 (RFC 8684): Wireshark lists each Multipath TCP option as protocol `mptcp`. */
const TCP_OPTION_MPTCP = 30;

/** How many MPTCP options the TCP header at layer `li` carries (options walked as RFC 9293 section 3.1 lays them out). */
function mptcpOptions(pkt: Packet, li: number): number {
  const start = pkt.layerStart[li];
  if (start + 13 > pkt.capLen) return 0;
  const end = Math.min(start + (pkt.u8(start + 12) >> 4) * 4, pkt.capLen);
  let n = 0;
  for (let o = start + 20; o < end; ) {
    const kind = pkt.u8(o);
    if (kind === 0) break;
    if (kind === 1) {
      o++;
      continue;
    }
    if (o + 1 >= end) break;
    const len = pkt.u8(o + 1);
    if (len < 2 || o + len > end) break;
    if (kind === TCP_OPTION_MPTCP) n++;
    o += len;
  }
  return n;
}

/** The frame carries a packet comment, each an expert item (packetCommentsNode); allocates nothing. */
export function hasPacketComments(pkt: Packet): boolean {
  return findComment(pkt.frame, 0);
}

/**
 * tshark's "Packet comments" tree, drawn before the frame's: each comment,
 * with the Comment expert item that -z expert counts under "Comments"; null
 * when the frame has none (every frame but an annotated pcapng one).
 */
export function packetCommentsNode(pkt: Packet): TreeNode | null {
  if (!hasPacketComments(pkt)) return null;
  let text = commentText(pkt.frame, 0);
  const children: TreeNode[] = [];
  for (let k = 1; text !== undefined; text = commentText(pkt.frame, k++)) {
    children.push({ text, field: 'frame.comment', offset: 0, length: 0, children: [expertNode('Comment', 'Comment', text, 'frame.comment.expert')] });
  }
  return { text: 'Packet comments', field: 'pkt_comment', offset: 0, length: 0, children };
}

export const frame: Protocol = {
  name: 'frame',
  label: 'Frame',
  short: 'Frame',
  // The frame's own lines hold no expert item; its comments' items are drawn beside it (hasPacketComments).
  mayExpert: () => false,
  fields,
  decode(pkt: Packet): Protocol | null {
    pkt.push(frame, 0, 0, pkt.capLen);
    pkt.cursor = 0;
    pkt.limit = pkt.frame.origLen > pkt.capLen ? pkt.frame.origLen : pkt.capLen;
    return linkTypes.get(pkt.frame.linkType) ?? data;
  },
  tree(pkt: Packet): TreeNode[] {
    const f = pkt.frame;
    const encap = WTAP_ENCAP.get(f.linkType);
    const line = (text: string, field?: string): TreeNode => ({ text, field, offset: 0, length: 0 });
    const out: TreeNode[] = [
      line(encap === undefined ? `Encapsulation type: Unknown (link type ${f.linkType})` : `Encapsulation type: ${encap[1]} (${encap[0]})`, 'frame.encap_type'),
      line(`Epoch Time: ${f.tsSec}.${String(f.tsNsec).padStart(9, '0')} seconds`, 'frame.time_epoch'),
      line(`Frame Number: ${pkt.number}`, 'frame.number'),
      line(`Frame Length: ${f.origLen} bytes (${f.origLen * 8} bits)`, 'frame.len'),
      line(`Capture Length: ${f.capLen} bytes (${f.capLen * 8} bits)`, 'frame.cap_len'),
      line(`[Protocols in frame: ${protocolsText(pkt)}]`, 'frame.protocols'),
    ];
    // pcapng: the section and interface lead the tree, as tshark's; pcap has neither.
    if (f.iface !== null) {
      const name = interfaceName(pkt);
      const ifaceLines = [line(`Interface name: ${name}`, 'frame.interface_name')];
      if (f.iface.description !== null) ifaceLines.push(line(`Interface description: ${f.iface.description}`, 'frame.interface_description'));
      out.unshift(line(`Section number: ${f.iface.section}`, 'frame.section_number'), { ...line(`Interface id: ${f.interfaceId} (${name})`, 'frame.interface_id'), children: ifaceLines });
    } else if (f.interfaceId >= 0) {
      out.unshift(line(`Interface id: ${f.interfaceId}`, 'frame.interface_id'));
    }
    return out;
  },
};
