/**
 * Ethernet II and IEEE 802.3, LINKTYPE_ETHERNET (1).
 * A type field up to 1500 is an 802.3 length with an LLC header after it
 * (dispatched as pseudo-ethertype `LLC_FOLLOWS`); 1501..1535 is neither and
 * is shown as eth.invalid_lentype; 0 is treated as a type, as Wireshark does
 * (Cisco MDS uses it internally).
 *
 *   0      6      12   14
 *   | dst  | src  |type| payload ... | padding to 60 | trailer
 *
 * Padding and trailer are what follows the payload's declared length (IPv4
 * total length, ARP's fixed size, the 802.3 length): `linkTrailer` computes
 * them for every layer that carries an ethertype (Ethernet, VLAN tags, SLL).
 */
import { etherTypes, fallback } from './dispatch';
import { address, either, flag, uint } from './fieldkit';
import type { Packet } from './packet';
import { Base, FieldType, type FieldDef, type Protocol, type TreeNode } from './protocol';
import { add, attach, expertNode, fieldNode, hexText, macText } from './treekit';

export const HEADER_LEN = 14;
/** Type values up to 1500 are 802.3 lengths (IEEE 802.3 clause 3.2.6). */
export const MAX_8023_LENGTH = 1500;
/** Values from 1536 (0x0600) on are ethertypes; in between is invalid. */
export const MIN_ETHERTYPE = 0x0600;
/** Pseudo-ethertype under which the LLC decoder is registered. */
export const LLC_FOLLOWS = 0x10000;
/** Frames shorter than this (without FCS) are padded by the sender (IEEE 802.3 clause 4.2.3.3). */
const MIN_FRAME_LEN = 60;

/**
 * layerAux bit: this layer belongs to an Ethernet chain (Ethernet, then its
 * tags): bytes after the payload the chain carries are padding and trailer.
 */
export const AUX_CHAIN = 1;
/** layerAux bit: this layer handed its payload on by ethertype (frame.protocols shows ':ethertype'). */
export const AUX_ETHERTYPE = 2;

/** Names for the tree and summaries (Wireshark's etype_vals, the ones a learner meets). */
export const ETHERTYPE_NAMES: ReadonlyMap<number, string> = new Map([
  [0x0800, 'IPv4'],
  [0x0806, 'ARP'],
  [0x0842, 'Wake on LAN'],
  [0x8035, 'RARP'],
  [0x809b, 'AppleTalk'],
  [0x80f3, 'AARP'],
  [0x8100, '802.1Q Virtual LAN'],
  [0x8137, 'Netware IPX/SPX'],
  [0x86dd, 'IPv6'],
  [0x8808, 'MAC Control'],
  [0x8809, 'Slow Protocols'],
  [0x880b, 'PPP'],
  [0x8847, 'MPLS label switched packet'],
  [0x8848, 'MPLS multicast label switched packet'],
  [0x8863, 'PPPoE Discovery'],
  [0x8864, 'PPPoE Session'],
  [0x888e, '802.1X Authentication'],
  [0x88a8, '802.1ad Provider Bridge (Q-in-Q)'],
  [0x88cc, '802.1 Link Layer Discovery Protocol (LLDP)'],
  [0x88e5, '802.1AE (MACsec)'],
  [0x88f7, 'PTPv2 over Ethernet (IEEE1588)'],
  [0x8906, 'Fibre Channel over Ethernet'],
  [0x9000, 'Configuration Test Protocol (loopback)'],
  [0x9100, 'VLAN-tagged frame (Q-in-Q)'],
]);

/** Protocols that take part in a chain (layerAux is per protocol, so the bit alone is not enough). */
const CHAIN_PROTOCOLS = new Set(['eth', 'vlan', 'ieee8021ad', 'sll']);

function inChain(pkt: Packet, j: number): boolean {
  return (pkt.layerAux[j] & AUX_CHAIN) !== 0 && CHAIN_PROTOCOLS.has(pkt.layerProto[j].name);
}

/** The innermost layer of the chain that `li` belongs to: Wireshark hangs the trailer on it. */
export function chainOwner(pkt: Packet, li: number): number {
  let owner = li;
  while (owner + 1 < pkt.layerCount && inChain(pkt, owner + 1)) owner++;
  return owner;
}

/** The outermost layer (the Ethernet header) of the chain that `li` belongs to. */
export function chainFirst(pkt: Packet, li: number): number {
  let first = li;
  while (first > 0 && inChain(pkt, first - 1)) first--;
  return first;
}

export interface LinkTrailer {
  /** Frame-relative start and length of the padding (zero bytes up to 60 bytes of frame). */
  pad: number;
  padLen: number;
  /** What follows the padding (a switch's tag, garbage). */
  trailer: number;
  trailerLen: number;
  /** Frame-relative offset of a 4-byte FCS taken by the heuristic below, or -1 (also when not captured). */
  fcs: number;
}

/** Wireshark assumes a frame this long (from the Ethernet header) needs no padding, so 4 trailing bytes are an FCS. */
const MIN_LEN_WITH_FCS = 64;

/**
 * Padding, trailer and FCS of the chain that layer `li` belongs to: the bytes
 * after the end its payload declares (IPv4 total length, ARP's size, the
 * 802.3 length), or undefined when the payload takes the whole frame.
 * Padding fills the frame to 60 bytes (IEEE 802.3 clause 4.2.3.3); what
 * follows it, or all of it when the would-be padding is not all zeros
 * (Wireshark's default "padding is zeros"), is the trailer. When the capture
 * does not say whether frames carry an FCS, Wireshark guesses, for a plain
 * Ethernet header only (tags hand their payload on without one): a frame of
 * 64 bytes or more with at least 4 trailing bytes ends in an FCS.
 */
export function linkTrailer(pkt: Packet, li: number): LinkTrailer | undefined {
  const first = chainFirst(pkt, li);
  const owner = chainOwner(pkt, li);
  const next = owner + 1;
  if (next >= pkt.layerCount) return undefined;
  let reportedEnd = pkt.layerEnd[owner];
  const start = pkt.layerEnd[next];
  if (start >= Math.min(reportedEnd, pkt.capLen)) return undefined;
  let fcs = -1;
  const firstStart = pkt.layerStart[first];
  if (
    owner === first &&
    pkt.frame.fcsLen === -1 &&
    pkt.layerProto[first].name === 'eth' &&
    pkt.frame.origLen - firstStart >= MIN_LEN_WITH_FCS &&
    reportedEnd - start >= 4
  ) {
    reportedEnd -= 4;
    fcs = reportedEnd + 4 <= pkt.capLen ? reportedEnd : -1;
  }
  const end = Math.min(reportedEnd, pkt.capLen);
  if (start > end) return undefined;
  // Padding fills the frame to 60 bytes from its first header (for a cooked header too, as Wireshark counts it).
  const padEnd = Math.min(firstStart + MIN_FRAME_LEN, reportedEnd);
  let padLen = padEnd > start ? padEnd - start : 0;
  const checkable = Math.min(padLen, end - start);
  for (let i = 0; i < checkable; i++) {
    if (pkt.u8(start + i) !== 0) {
      padLen = 0;
      break;
    }
  }
  // Zeros so far but the padding cut by the snapshot length: Wireshark cannot tell, and shows neither padding nor trailer.
  if (padLen > checkable) return undefined;
  return { pad: start, padLen, trailer: start + padLen, trailerLen: end - start - padLen, fcs };
}

/** A chain's trailer field (eth.trailer, vlan.trailer ...): present on the chain's innermost layer only. */
export function trailerField(name: string): FieldDef {
  return {
    name,
    label: 'Trailer',
    type: FieldType.Bytes,
    get: (pkt, li, k) => {
      if (k !== 0 || chainOwner(pkt, li) !== li) return undefined;
      const t = linkTrailer(pkt, li);
      return t !== undefined && t.trailerLen > 0 ? t.trailer : undefined;
    },
    size: (pkt, li) => linkTrailer(pkt, li)?.trailerLen ?? 0,
    span: (pkt, li) => {
      const t = linkTrailer(pkt, li);
      return t === undefined ? undefined : { offset: t.trailer, length: t.trailerLen };
    },
  };
}

const dst = address('eth.dst', 'Destination', FieldType.Ether, 0);
const src = address('eth.src', 'Source', FieldType.Ether, 6);
const dstLg = flag('eth.dst.lg', 'LG bit', 0, 1, 0x02);
const dstIg = flag('eth.dst.ig', 'IG bit', 0, 1, 0x01);
const srcLg = flag('eth.src.lg', 'LG bit', 6, 1, 0x02);
const srcIg = flag('eth.src.ig', 'IG bit', 6, 1, 0x01);

function typeField(pkt: Packet, li: number): number | undefined {
  const o = pkt.layerStart[li] + 12;
  return o + 2 <= pkt.capLen ? pkt.u16(o) : undefined;
}

const type: FieldDef = {
  ...uint('eth.type', 'Type', 12, 2, { base: Base.Hex, names: ETHERTYPE_NAMES }),
  get: (pkt, li, k) => {
    const t = k === 0 ? typeField(pkt, li) : undefined;
    return t !== undefined && (t >= MIN_ETHERTYPE || t === 0) ? t : undefined;
  },
};
const len: FieldDef = {
  ...uint('eth.len', 'Length', 12, 2),
  get: (pkt, li, k) => {
    const t = k === 0 ? typeField(pkt, li) : undefined;
    return t !== undefined && t !== 0 && t <= MAX_8023_LENGTH ? t : undefined;
  },
};
const invalidLentype: FieldDef = {
  ...uint('eth.invalid_lentype', 'Invalid length/type', 12, 2, { base: Base.HexDec }),
  get: (pkt, li, k) => {
    const t = k === 0 ? typeField(pkt, li) : undefined;
    return t !== undefined && t > MAX_8023_LENGTH && t < MIN_ETHERTYPE ? t : undefined;
  },
};

/** The outermost layer that starts a chain (Ethernet, or a cooked header), or -1. */
function firstChain(pkt: Packet): number {
  for (let i = 1; i < pkt.layerCount; i++) if (inChain(pkt, i)) return chainFirst(pkt, i);
  return -1;
}

/**
 * Wireshark names the padding eth.padding whichever layer shows it: an
 * Ethernet header, a tag, or a Linux cooked header (received Ethernet frames
 * keep their padding there). A field has one owning protocol, so the frame
 * layer owns this one (index.ts registers it) and finds the chain.
 */
export const ethPadding: FieldDef = {
  name: 'eth.padding',
  label: 'Padding',
  type: FieldType.Bytes,
  get: (pkt, _li, k) => {
    const first = k === 0 ? firstChain(pkt) : -1;
    // Like every Ethernet field, none when the header itself was not captured.
    const t = first < 0 || pkt.layerPayload[first] > pkt.capLen ? undefined : linkTrailer(pkt, first);
    return t !== undefined && t.padLen > 0 ? t.pad : undefined;
  },
  size: (pkt) => {
    const first = firstChain(pkt);
    return first < 0 ? 0 : (linkTrailer(pkt, first)?.padLen ?? 0);
  },
  span: (pkt) => {
    const first = firstChain(pkt);
    const t = first < 0 ? undefined : linkTrailer(pkt, first);
    return t === undefined ? undefined : { offset: t.pad, length: t.padLen };
  },
};
const trailer = trailerField('eth.trailer');

/**
 * The frame check sequence: the last 4 bytes, when the capture says the
 * frames carry one (pcap link-type FCS bits, pcapng if_fcslen; then outside
 * the Ethernet layer) or when Wireshark's guess in linkTrailer says so.
 * Wireshark does not check it by default (eth.fcs.status 2).
 */
function fcsOffset(pkt: Packet, li: number): number {
  if (li !== chainFirst(pkt, li)) return -1;
  if (pkt.frame.fcsLen === -1) return linkTrailer(pkt, li)?.fcs ?? -1;
  const o = pkt.layerEnd[li];
  return pkt.frame.fcsLen === 4 && o + 4 <= pkt.capLen && o + 4 === pkt.frame.origLen ? o : -1;
}
const fcs: FieldDef = {
  ...uint('eth.fcs', 'Frame check sequence', 0, 4, { base: Base.Hex }),
  get(pkt, li, k) {
    const o = k === 0 ? fcsOffset(pkt, li) : -1;
    return o < 0 ? undefined : pkt.u32(o);
  },
  span: (pkt, li) => ({ offset: fcsOffset(pkt, li), length: 4 }),
};
const fcsStatus: FieldDef = {
  ...uint('eth.fcs.status', 'FCS Status', 0, 1),
  get: (pkt, li, k) => (k === 0 && fcsOffset(pkt, li) >= 0 ? 2 : undefined),
  span: (pkt, li) => ({ offset: fcsOffset(pkt, li), length: 4 }),
};

/** Wireshark reads the type field first: a frame shorter than the header shows no Ethernet field at all. */
function whole(f: FieldDef): FieldDef {
  const get = f.get;
  return { ...f, get: (pkt, li, k) => (pkt.layerStart[li] + HEADER_LEN <= pkt.capLen ? get(pkt, li, k) : undefined) };
}

const fields: FieldDef[] = [
  dst,
  dstLg,
  dstIg,
  src,
  srcLg,
  srcIg,
  either('eth.addr', 'Address', dst, src),
  either('eth.lg', 'LG bit', dstLg, srcLg),
  either('eth.ig', 'IG bit', dstIg, srcIg),
  type,
  len,
  invalidLentype,
  trailer,
  fcs,
  fcsStatus,
].map(whole);

/** A frame is sent by one station: a group (multicast) bit on the sender is a bug or a forgery (the tree's one expert item). */
function sourceIsGroup(pkt: Packet, li: number): boolean {
  return srcIg.get(pkt, li, 0) === 1;
}

function addressNode(pkt: Packet, li: number, def: FieldDef, lg: FieldDef, ig: FieldDef, label: string): TreeNode | null {
  const n = fieldNode(pkt, li, def);
  if (n === null) return null;
  const off = n.offset;
  const lgSet = (pkt.u8(off) & 2) !== 0;
  const igSet = (pkt.u8(off) & 1) !== 0;
  n.text = `${label}: ${macText(pkt, off)}`;
  n.children = [
    { text: `Address: ${macText(pkt, off)}`, field: 'eth.addr', offset: off, length: 6 },
    {
      text: `.... ..${lgSet ? 1 : 0}. .... .... .... .... = LG bit: ${lgSet ? 'Locally administered address (this is NOT the factory default)' : 'Globally unique address (factory default)'}`,
      field: lg.name,
      offset: off,
      length: 3,
    },
    {
      text: `.... ...${igSet ? 1 : 0} .... .... .... .... = IG bit: ${igSet ? 'Group address (multicast/broadcast)' : 'Individual address (unicast)'}`,
      field: ig.name,
      offset: off,
      length: 3,
    },
  ];
  return n;
}

export const ethernet: Protocol = {
  name: 'eth',
  label: 'Ethernet II',
  short: 'Ethernet',
  fields,
  decode(pkt: Packet): Protocol | null {
    const start = pkt.cursor;
    const li = pkt.push(ethernet, start, start + HEADER_LEN, pkt.limit);
    if (li < 0) return null;
    if (pkt.limit - start < HEADER_LEN || pkt.avail(start) < HEADER_LEN) {
      if (pkt.limit - start < HEADER_LEN) pkt.malformed('eth', 'frame shorter than the 14-byte Ethernet header');
      else pkt.truncated(HEADER_LEN, pkt.avail(start));
      return null;
    }
    const t = pkt.u16(start + 12);
    pkt.cursor = start + HEADER_LEN;
    // A frame check sequence the capture declares is not part of the payload.
    const fcsLen = pkt.frame.fcsLen;
    if (fcsLen > 0 && pkt.limit - fcsLen >= pkt.cursor && pkt.limit === pkt.frame.origLen) {
      pkt.limit -= fcsLen;
      pkt.layerEnd[li] = pkt.limit;
    }
    if (t >= MIN_ETHERTYPE || t === 0) {
      pkt.layerAux[li] = AUX_CHAIN | AUX_ETHERTYPE;
      return etherTypes.get(t) ?? fallback.data;
    }
    if (t > MAX_8023_LENGTH) return fallback.data;
    // 802.3: the field is the LLC payload's length; what follows it is padding or trailer.
    pkt.layerAux[li] = AUX_CHAIN;
    if (pkt.cursor + t > pkt.limit) pkt.malformed('eth.len', 'length field goes past the end of the frame');
    else pkt.limit = pkt.cursor + t;
    // Novell's "raw 802.3" puts IPX (checksum 0xffff) straight after the length, with no LLC.
    if (pkt.avail(pkt.cursor) >= 2 && pkt.u16(pkt.cursor) === 0xffff) return fallback.data;
    return etherTypes.get(LLC_FOLLOWS) ?? fallback.data;
  },
  mayExpert: sourceIsGroup,
  tree(pkt: Packet, li: number): TreeNode[] {
    const out: TreeNode[] = [];
    add(out, addressNode(pkt, li, dst, dstLg, dstIg, 'Destination'));
    const source = addressNode(pkt, li, src, srcLg, srcIg, 'Source');
    if (source !== null && sourceIsGroup(pkt, li)) {
      attach(source, expertNode('Warning', 'Protocol', 'Source MAC must not be a group address: IEEE 802.3-2002, Section 3.2.3(b)', 'eth.src_not_group'));
    }
    add(out, source);
    add(out, fieldNode(pkt, li, type));
    add(out, fieldNode(pkt, li, len));
    add(out, fieldNode(pkt, li, invalidLentype));
    out.push(...trailerNodes(pkt, li, trailer));
    const f = fcs.get(pkt, li, 0);
    if (f !== undefined) {
      const o = fcsOffset(pkt, li);
      out.push({ text: `Frame check sequence: 0x${(f as number).toString(16).padStart(8, '0')} [unverified]`, field: 'eth.fcs', offset: o, length: 4 });
      out.push({ text: '[FCS Status: Unverified]', field: 'eth.fcs.status', offset: o, length: 4 });
    }
    return out;
  },
};

/** Padding and trailer lines, shown (as Wireshark does) under the chain's innermost layer. */
export function trailerNodes(pkt: Packet, li: number, trailerDef: FieldDef): TreeNode[] {
  const out: TreeNode[] = [];
  if (chainOwner(pkt, li) !== li) return out;
  const t = linkTrailer(pkt, li);
  if (t === undefined) return out;
  if (t.padLen > 0) out.push({ text: `Padding: ${hexText(pkt, t.pad, t.padLen)}`, field: 'eth.padding', offset: t.pad, length: t.padLen });
  if (t.trailerLen > 0) out.push({ text: `Trailer: ${hexText(pkt, t.trailer, t.trailerLen)}`, field: trailerDef.name, offset: t.trailer, length: t.trailerLen });
  return out;
}
