/**
 * Linux cooked capture v1, LINKTYPE_LINUX_SLL (113): what `tcpdump -i any`
 * wrote before libpcap 1.10 (see packet(7) and pcap-linktype(7)).
 * Version 2 (sll2.ts) reorders the same fields and adds the interface index;
 * Wireshark shows both as `sll`, so both push this protocol, and the field
 * getters read the offsets of the version the layer records.
 *
 * v1:  0        2        4       6            14      16
 *      | pkttype| hatype | halen | address (8) | proto |
 * v2:  0       2          4           8        10      11      12           20
 *      | proto | reserved | ifindex   | hatype | pkttype| halen | address (8) |
 */
import { etherTypes, fallback } from './dispatch';
import { AUX_CHAIN, AUX_ETHERTYPE, ETHERTYPE_NAMES, LLC_FOLLOWS, trailerField, trailerNodes } from './ethernet';
import { computed } from './fieldkit';
import type { Packet } from './packet';
import { Base, FieldType, type FieldDef, type Protocol, type TreeNode } from './protocol';
import { add, drawsNoExpert, fieldNode } from './treekit';

export const V1_HEADER_LEN = 16;
export const V2_HEADER_LEN = 20;
/** layerAux bit: the layer is a v2 header. */
export const AUX_V2 = 8;

/** ARPHRD_* values whose protocol field is not an ethertype (include/uapi/linux/if_arp.h). */
const ARPHRD_IPGRE = 778;
const ARPHRD_NETLINK = 824;
/** Protocol values below this are Linux's own (ETH_P_802_3, ETH_P_802_2 ...), not ethertypes. */
const MIN_ETHERTYPE = 0x0600;
const LINUX_PROTO_802_2 = 0x0004;

const PKTTYPE_NAMES: ReadonlyMap<number, string> = new Map([
  [0, 'Unicast to us'],
  [1, 'Broadcast'],
  [2, 'Multicast'],
  [3, 'Unicast to another host'],
  [4, 'Sent by us'],
]);
const HATYPE_NAMES: ReadonlyMap<number, string> = new Map([
  [1, 'Ethernet'],
  [512, 'PPP'],
  [768, 'IP over IP'],
  [772, 'Loopback'],
  [776, 'IPv6-in-IPv4'],
  [778, 'GRE over IP'],
  [801, 'IEEE 802.11'],
  [803, 'IEEE 802.11 + radiotap header'],
  [824, 'Netlink'],
  [65534, 'No header'],
]);
const LTYPE_NAMES: ReadonlyMap<number, string> = new Map([
  [0x0001, 'Raw 802.3'],
  [0x0002, 'AX.25'],
  [0x0003, 'ETH_P_ALL'],
  [0x0004, '802.2 LLC'],
  [0x000c, 'CAN'],
  [0x000d, 'CAN FD'],
]);

/** Offsets within the header, by version: [pkttype, pkttype size, hatype, halen, halen size, address, protocol]. */
const V1 = { pkttype: 0, pktSize: 2, hatype: 2, halen: 4, halenSize: 2, addr: 6, proto: 14 } as const;
const V2 = { pkttype: 10, pktSize: 1, hatype: 8, halen: 11, halenSize: 1, addr: 12, proto: 0 } as const;

function layout(pkt: Packet, li: number): typeof V1 | typeof V2 {
  return (pkt.layerAux[li] & AUX_V2) !== 0 ? V2 : V1;
}

function read(pkt: Packet, off: number, size: number): number | undefined {
  if (off + size > pkt.capLen) return undefined;
  return size === 1 ? pkt.u8(off) : size === 2 ? pkt.u16(off) : pkt.u32(off);
}

function at(name: string, label: string, pick: (l: typeof V1 | typeof V2) => [number, number], opts: { base?: Base; names?: ReadonlyMap<number, string>; width?: number } = {}): FieldDef {
  return {
    ...computed(name, label, FieldType.Uint, (pkt, li, k) => {
      if (k !== 0) return undefined;
      const [off, size] = pick(layout(pkt, li));
      return read(pkt, pkt.layerStart[li] + off, size);
    }, opts),
    span(pkt, li) {
      const [off, size] = pick(layout(pkt, li));
      return { offset: pkt.layerStart[li] + off, length: size };
    },
  };
}

function hatypeOf(pkt: Packet, li: number): number | undefined {
  const l = layout(pkt, li);
  return read(pkt, pkt.layerStart[li] + l.hatype, 2);
}
function halenOf(pkt: Packet, li: number): number | undefined {
  const l = layout(pkt, li);
  return read(pkt, pkt.layerStart[li] + l.halen, l.halenSize);
}
function protoOf(pkt: Packet, li: number): number | undefined {
  const l = layout(pkt, li);
  return read(pkt, pkt.layerStart[li] + l.proto, 2);
}

/** Which field the protocol value is shown as: 'e' ethertype, 'l' Linux type, 'g' GRE type, 'n' netlink. */
function protoKind(pkt: Packet, li: number): 'e' | 'l' | 'g' | 'n' | undefined {
  const hatype = hatypeOf(pkt, li);
  const p = protoOf(pkt, li);
  if (hatype === undefined || p === undefined) return undefined;
  if (hatype === ARPHRD_NETLINK) return 'n';
  if (hatype === ARPHRD_IPGRE) return 'g';
  return p < MIN_ETHERTYPE ? 'l' : 'e';
}

function protoField(name: string, label: string, kind: 'e' | 'l' | 'g', names: ReadonlyMap<number, string>): FieldDef {
  const f = at(name, label, (l) => [l.proto, 2], { base: Base.Hex, names, width: 4 });
  return { ...f, get: (pkt, li, k) => (protoKind(pkt, li) === kind ? f.get(pkt, li, k) : undefined) };
}

/** The link-layer address: 6 bytes are a MAC, 4 (GRE, IPIP) an IPv4 address, anything else bytes. */
function addressField(name: string, type: FieldType, want: (halen: number, hatype: number) => boolean): FieldDef {
  const span = (pkt: Packet, li: number): { offset: number; length: number } => ({
    offset: pkt.layerStart[li] + layout(pkt, li).addr,
    length: Math.min(halenOf(pkt, li) ?? 0, 8),
  });
  return {
    name,
    label: 'Source',
    type,
    get(pkt, li, k) {
      const halen = halenOf(pkt, li);
      const hatype = hatypeOf(pkt, li);
      if (k !== 0 || halen === undefined || hatype === undefined || !want(halen, hatype)) return undefined;
      const s = span(pkt, li);
      return s.offset + s.length <= pkt.capLen ? s.offset : undefined;
    },
    size: (pkt, li) => span(pkt, li).length,
    span,
  };
}

const isIpv4Address = (halen: number, hatype: number): boolean => halen === 4 && (hatype === ARPHRD_IPGRE || hatype === 768 || hatype === 776);
const srcEth = addressField('sll.src.eth', FieldType.Ether, (halen) => halen === 6);
const srcIpv4 = addressField('sll.src.ipv4', FieldType.Ipv4, isIpv4Address);
const srcOther = addressField('sll.src.other', FieldType.Bytes, (halen, hatype) => halen !== 0 && halen !== 6 && !isIpv4Address(halen, hatype));

/** The address field's 8 bytes beyond halen. */
const unused: FieldDef = {
  name: 'sll.unused',
  label: 'Unused',
  type: FieldType.Bytes,
  get(pkt, li, k) {
    const halen = halenOf(pkt, li);
    if (k !== 0 || halen === undefined || halen >= 8) return undefined;
    const o = pkt.layerStart[li] + layout(pkt, li).addr + halen;
    return o + (8 - halen) <= pkt.capLen ? o : undefined;
  },
  size: (pkt, li) => 8 - Math.min(halenOf(pkt, li) ?? 8, 8),
  span: (pkt, li) => {
    const halen = Math.min(halenOf(pkt, li) ?? 8, 8);
    return { offset: pkt.layerStart[li] + layout(pkt, li).addr + halen, length: 8 - halen };
  },
};

const pkttype = at('sll.pkttype', 'Packet type', (l) => [l.pkttype, l.pktSize], { names: PKTTYPE_NAMES });
const hatype = at('sll.hatype', 'Link-layer address type', (l) => [l.hatype, 2], { names: HATYPE_NAMES });
const halen = at('sll.halen', 'Link-layer address length', (l) => [l.halen, l.halenSize]);
const etype = protoField('sll.etype', 'Protocol', 'e', ETHERTYPE_NAMES);
const ltype = protoField('sll.ltype', 'Protocol', 'l', LTYPE_NAMES);
const gretype = protoField('sll.gretype', 'Protocol', 'g', ETHERTYPE_NAMES);
const ifindex: FieldDef = {
  ...computed('sll.ifindex', 'Interface index', FieldType.Uint, (pkt, li, k) =>
    k === 0 && (pkt.layerAux[li] & AUX_V2) !== 0 ? read(pkt, pkt.layerStart[li] + 4, 4) : undefined,
  ),
  span: (pkt, li) => ({ offset: pkt.layerStart[li] + 4, length: 4 }),
};
const sllTrailer = trailerField('sll.trailer');

/** Decodes a v1 or v2 header at the cursor (sll2.ts calls this with v2 = true). */
export function decodeCooked(pkt: Packet, v2: boolean): Protocol | null {
  const start = pkt.cursor;
  const hlen = v2 ? V2_HEADER_LEN : V1_HEADER_LEN;
  const li = pkt.push(sll, start, start + hlen, pkt.limit);
  if (li < 0) return null;
  pkt.layerAux[li] = v2 ? AUX_V2 : 0;
  const avail = pkt.avail(start);
  if (pkt.limit - start < hlen || avail < hlen) {
    if (pkt.limit - start < hlen) pkt.malformed('sll', 'frame shorter than the Linux cooked header');
    else pkt.truncated(hlen, avail);
    return null;
  }
  pkt.cursor = start + hlen;
  const kind = protoKind(pkt, li);
  const p = protoOf(pkt, li) ?? 0;
  if (kind === 'e') {
    // Received Ethernet frames keep their padding in cooked captures: the same trailer rules apply.
    pkt.layerAux[li] |= AUX_CHAIN | AUX_ETHERTYPE;
    return etherTypes.get(p) ?? fallback.data;
  }
  // GRE tunnels (ARPHRD_IPGRE) give the GRE protocol type, which is an ethertype too (RFC 2784).
  if (kind === 'g') return etherTypes.get(p) ?? fallback.data;
  if (kind === 'l' && p === LINUX_PROTO_802_2) return etherTypes.get(LLC_FOLLOWS) ?? fallback.data;
  return fallback.data;
}

export const sll: Protocol = {
  name: 'sll',
  label: 'Linux cooked capture',
  short: 'SLL',
  mayExpert: drawsNoExpert,
  fields: [pkttype, hatype, halen, srcEth, srcIpv4, srcOther, unused, etype, ltype, gretype, ifindex, sllTrailer],
  decode(pkt: Packet): Protocol | null {
    return decodeCooked(pkt, false);
  },
  tree(pkt: Packet, li: number): TreeNode[] {
    const out: TreeNode[] = [];
    const order = (pkt.layerAux[li] & AUX_V2) !== 0 ? [etype, ltype, gretype, ifindex, hatype, pkttype, halen] : [pkttype, hatype, halen];
    for (const f of order) add(out, fieldNode(pkt, li, f));
    for (const f of [srcEth, srcIpv4, srcOther, unused]) add(out, fieldNode(pkt, li, f));
    if ((pkt.layerAux[li] & AUX_V2) === 0) for (const f of [etype, ltype, gretype]) add(out, fieldNode(pkt, li, f));
    out.push(...trailerNodes(pkt, li, sllTrailer));
    return out;
  },
};
