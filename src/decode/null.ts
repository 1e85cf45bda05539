/**
 * BSD loopback encapsulation, LINKTYPE_NULL (0): a 4-byte address family in
 * the *capturing host's* byte order, so either order must be read (libpcap's
 * pcap-linktype(7)). AF_INET is 2 everywhere; AF_INET6 is 24 (NetBSD,
 * OpenBSD), 28 (FreeBSD) or 30 (macOS). Old Linux libpcap put two zero bytes
 * and an ethertype there instead, and IRIX snoop a 16-bit family: the
 * byte-order guess below is Wireshark's (packet-null.c), so both tools agree.
 * OpenBSD's LINKTYPE_LOOP (loop.ts) is the same header in network order.
 *
 *   0               4
 *   | family/type   | IP datagram ...
 */
import { etherTypes, fallback } from './dispatch';
import { computed } from './fieldkit';
import type { Packet } from './packet';
import { Base, FieldType, type Protocol, type TreeNode } from './protocol';
import { ETHERTYPE_NAMES, MAX_8023_LENGTH } from './ethernet';
import { add, drawsNoExpert, fieldNode } from './treekit';

export const HEADER_LEN = 4;

export const FAMILY_NAMES: ReadonlyMap<number, string> = new Map([
  [2, 'IP'],
  [7, 'OSI'],
  [16, 'Appletalk'],
  [23, 'Netware IPX/SPX'],
  [24, 'IPv6'],
  [28, 'IPv6'],
  [30, 'IPv6'],
]);

/** Ethertype of the family's network protocol, for the dispatch table. */
function familyEthertype(family: number): number {
  if (family === 2) return 0x0800;
  if (family === 24 || family === 28 || family === 30) return 0x86dd;
  return -1;
}

/** The header value as Wireshark reads it: byte order guessed from which bytes are zero. */
export function nullHeaderValue(pkt: Packet, off: number): number {
  let v = pkt.u32le(off);
  if ((v & 0xffff0000) !== 0) {
    // Upper half set: a 16-bit family in front (IRIX snoop), or the other byte order.
    if ((v & 0xff000000) === 0 && (v & 0x00ff0000) < 0x00060000) v >>>= 16;
    else v = pkt.u32(off);
  } else if ((v & 0xff) === 0 && (v & 0xff00) < 0x0600) {
    v = ((v >>> 8) & 0xff) | ((v & 0xff) << 8);
  }
  return v >>> 0;
}

/** Decodes a null / loop header whose value `v` was read by the caller; pushes the `null` layer. */
export function decodeFamily(pkt: Packet, readValue: (pkt: Packet, off: number) => number): Protocol | null {
  const start = pkt.cursor;
  const li = pkt.push(nullLink, start, start + HEADER_LEN, pkt.limit);
  if (li < 0) return null;
  if (pkt.limit - start < HEADER_LEN || pkt.avail(start) < HEADER_LEN) {
    if (pkt.limit - start < HEADER_LEN) pkt.malformed('null', 'frame shorter than the 4-byte loopback header');
    else pkt.truncated(HEADER_LEN, pkt.avail(start));
    return null;
  }
  const v = readValue(pkt, start);
  pkt.layerAux[li] = v | 0;
  pkt.cursor = start + HEADER_LEN;
  if (v > MAX_8023_LENGTH) return etherTypes.get(v & 0xffff) ?? fallback.data;
  const t = familyEthertype(v);
  return t < 0 ? fallback.data : etherTypes.get(t) ?? fallback.data;
}

const value = (pkt: Packet, li: number): number | undefined =>
  pkt.layerStart[li] + HEADER_LEN <= pkt.capLen ? pkt.layerAux[li] >>> 0 : undefined;

const family = {
  ...computed('null.family', 'Family', FieldType.Uint, (pkt, li, k) => {
    const v = k === 0 ? value(pkt, li) : undefined;
    return v !== undefined && v <= MAX_8023_LENGTH ? v : undefined;
  }, { names: FAMILY_NAMES }),
  offset: 0,
  length: 4,
};
const type = {
  ...computed('null.type', 'Type', FieldType.Uint, (pkt, li, k) => {
    const v = k === 0 ? value(pkt, li) : undefined;
    return v !== undefined && v > MAX_8023_LENGTH ? v & 0xffff : undefined;
  }, { base: Base.Hex, width: 4, names: ETHERTYPE_NAMES }),
  offset: 0,
  length: 4,
};

export const nullLink: Protocol = {
  name: 'null',
  label: 'Null/Loopback',
  short: 'NULL',
  mayExpert: drawsNoExpert,
  fields: [family, type],
  decode(pkt: Packet): Protocol | null {
    return decodeFamily(pkt, nullHeaderValue);
  },
  tree(pkt: Packet, li: number): TreeNode[] {
    const out: TreeNode[] = [];
    add(out, fieldNode(pkt, li, family));
    add(out, fieldNode(pkt, li, type));
    return out;
  },
};
