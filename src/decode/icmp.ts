/**
 * ICMP (RFC 792, RFC 1191 for the MTU of "fragmentation needed").
 *
 *   0      1      2           4                 8
 *   | type | code | checksum  | rest of header  | body ...
 *
 * Echo, timestamp, information and address-mask messages carry an
 * identifier and a sequence number (Wireshark shows both byte orders, since
 * Windows and Linux pings differ); errors (destination unreachable, source
 * quench, redirect, time exceeded, parameter problem) quote the offending IP
 * header and at least 8 bytes after it, decoded here as inner layers, as
 * tshark does: ip.src then has two occurrences.
 *
 * The checksum covers the whole message; it is verified when the whole
 * message was captured, is not a fragment and is not itself inside a quote
 * (then icmp.checksum.status is 2, unverified, as in Wireshark).
 */
import { onesSum } from './checksum';
import { etherTypes, fallback } from './dispatch';
import { address, computed, uint } from './fieldkit';
import type { Packet } from './packet';
import { Base, FieldType, type FieldDef, type Protocol, type TreeNode } from './protocol';
import { add, attach, expertNode, fieldNode, hex0x, hexText } from './treekit';

export const HEADER_LEN = 8;
/** Minimum Wireshark needs to show type, code and checksum. */
const FIXED_LEN = 4;

export const TYPE_NAMES: ReadonlyMap<number, string> = new Map([
  [0, 'Echo (ping) reply'],
  [3, 'Destination unreachable'],
  [4, 'Source quench (flow control)'],
  [5, 'Redirect'],
  [8, 'Echo (ping) request'],
  [9, 'Router advertisement'],
  [10, 'Router solicitation'],
  [11, 'Time-to-live exceeded'],
  [12, 'Parameter problem'],
  [13, 'Timestamp request'],
  [14, 'Timestamp reply'],
  [15, 'Information request'],
  [16, 'Information reply'],
  [17, 'Address mask request'],
  [18, 'Address mask reply'],
]);

const UNREACHABLE_CODES: readonly string[] = [
  'Network unreachable',
  'Host unreachable',
  'Protocol unreachable',
  'Port unreachable',
  'Fragmentation needed',
  'Source route failed',
  'Destination network unknown',
  'Destination host unknown',
  'Source host isolated',
  'Network administratively prohibited',
  'Host administratively prohibited',
  'Network unreachable for TOS',
  'Host unreachable for TOS',
  'Communication administratively filtered',
  'Host precedence violation',
  'Precedence cutoff in effect',
];
const REDIRECT_CODES: readonly string[] = ['Redirect for network', 'Redirect for host', 'Redirect for TOS and network', 'Redirect for TOS and host'];
const EXCEEDED_CODES: readonly string[] = ['Time to live exceeded in transit', 'Fragment reassembly time exceeded'];

/** Wireshark's name for a type and code ('Destination unreachable (Port unreachable)'). */
export function icmpTypeText(type: number, code: number): string {
  const t = TYPE_NAMES.get(type) ?? 'Unknown ICMP (obsolete or malformed?)';
  const codes = type === 3 ? UNREACHABLE_CODES : type === 5 ? REDIRECT_CODES : type === 11 ? EXCEEDED_CODES : null;
  return codes !== null && code < codes.length ? `${t} (${codes[code]})` : t;
}

/** Messages with identifier and sequence number. */
function hasIdSeq(type: number): boolean {
  return type === 0 || type === 8 || (type >= 13 && type <= 18);
}
/** RFC 8335 extended echo (PROBE) has the identifier too; its sequence number is one byte (not icmp.seq). */
function hasIdent(type: number): boolean {
  return hasIdSeq(type) || type === 42 || type === 43;
}
/** Error messages that quote the offending datagram. */
export function isError(type: number): boolean {
  return type === 3 || type === 4 || type === 5 || type === 11 || type === 12;
}

/** layerAux bit: this ICMP message is itself inside another's quote. */
const AUX_QUOTED = 1;

function typeOf(pkt: Packet, li: number): number {
  return pkt.u8(pkt.layerStart[li]);
}
function captured(pkt: Packet, li: number, n: number): boolean {
  return pkt.layerStart[li] + n <= pkt.capLen;
}

/**
 * The IP payload length leaves room for `n` bytes of the message: Wireshark
 * reads type, code and checksum together, and the 4 bytes after them
 * together, so a message cut short by the IP length shows none of them.
 */
function declared(pkt: Packet, li: number, n: number): boolean {
  return pkt.layerStart[li] + n <= pkt.layerEnd[li];
}
function fixed(f: FieldDef): FieldDef {
  const get = f.get;
  return { ...f, get: (pkt, li, k) => (declared(pkt, li, FIXED_LEN) ? get(pkt, li, k) : undefined) };
}

/** A field present only for some types, at a fixed offset in the second 4 bytes. */
function when(f: FieldDef, types: (t: number) => boolean): FieldDef {
  const get = f.get;
  return { ...f, get: (pkt, li, k) => (captured(pkt, li, 1) && declared(pkt, li, HEADER_LEN) && types(typeOf(pkt, li)) ? get(pkt, li, k) : undefined) };
}

/** Little-endian reading of a 2-byte field (icmp.ident_le, icmp.seq_le). */
function le16(name: string, label: string, offset: number): FieldDef {
  return {
    ...uint(name, label, offset, 2, { base: Base.DecHex }),
    get(pkt, li, k) {
      const o = pkt.layerStart[li] + offset;
      return k === 0 && o + 2 <= pkt.capLen ? pkt.u16le(o) : undefined;
    },
  };
}

/** The enclosing IPv4 header says this is a fragment (flags MF or offset): the checksum cannot be checked. */
function inFragment(pkt: Packet, li: number): boolean {
  if (li === 0 || pkt.layerProto[li - 1].name !== 'ip') return false;
  const ip = pkt.layerStart[li - 1];
  return ip + 8 <= pkt.capLen && (pkt.u16(ip + 6) & 0x3fff) !== 0;
}

/** 1 good, 0 bad, 2 unverified (not all captured, a fragment, or inside a quote). */
export function icmpChecksumStatus(pkt: Packet, li: number): number {
  const start = pkt.layerStart[li];
  const end = pkt.layerEnd[li];
  if ((pkt.layerAux[li] & AUX_QUOTED) !== 0 || end > pkt.capLen || pkt.frame.origLen > pkt.capLen || inFragment(pkt, li)) return 2;
  return onesSum(pkt, start, end - start) === 0xffff ? 1 : 0;
}

/** The checksum the message should carry: its ones' complement sum without the checksum field, complemented. */
function shouldBe(pkt: Packet, li: number, carried: number): number {
  const start = pkt.layerStart[li];
  let x = onesSum(pkt, start, pkt.layerEnd[li] - start) + (~carried & 0xffff);
  x = (x & 0xffff) + (x >>> 16);
  x = (x & 0xffff) + (x >>> 16);
  return ~x & 0xffff;
}

const type = fixed(uint('icmp.type', 'Type', 0, 1, { names: TYPE_NAMES }));
const code = fixed(uint('icmp.code', 'Code', 1, 1));
const checksum = fixed(uint('icmp.checksum', 'Checksum', 2, 2, { base: Base.Hex }));
const checksumStatus: FieldDef = {
  ...computed('icmp.checksum.status', 'Checksum Status', FieldType.Uint, (pkt, li, k) =>
    k === 0 && captured(pkt, li, FIXED_LEN) && declared(pkt, li, FIXED_LEN) ? icmpChecksumStatus(pkt, li) : undefined,
  ),
  offset: 2,
  length: 2,
};
const ident = when(uint('icmp.ident', 'Identifier (BE)', 4, 2, { base: Base.DecHex }), hasIdent);
const identLe = when(le16('icmp.ident_le', 'Identifier (LE)', 4), hasIdent);
const seq = when(uint('icmp.seq', 'Sequence Number (BE)', 6, 2, { base: Base.DecHex }), hasIdSeq);
const seqLe = when(le16('icmp.seq_le', 'Sequence Number (LE)', 6), hasIdSeq);
const mtu = {
  ...when(uint('icmp.mtu', 'MTU of next hop', 6, 2), (t) => t === 3),
};
// Only "fragmentation needed" (code 4) carries the next-hop MTU (RFC 1191 section 4).
const mtuField: FieldDef = { ...mtu, get: (pkt, li, k) => (captured(pkt, li, 2) && pkt.u8(pkt.layerStart[li] + 1) === 4 ? mtu.get(pkt, li, k) : undefined) };
const redirGw = when(address('icmp.redir_gw', 'Gateway Address', FieldType.Ipv4, 4), (t) => t === 5);
const pointer = when(uint('icmp.pointer', 'Pointer', 4, 1), (t) => t === 12);

export const icmp: Protocol = {
  name: 'icmp',
  label: 'Internet Control Message Protocol',
  short: 'ICMP',
  fields: [type, code, checksum, checksumStatus, ident, identLe, seq, seqLe, mtuField, redirGw, pointer],
  // The tree's one expert item: a checksum it shows, and finds bad.
  mayExpert: (pkt: Packet, li: number): boolean => checksum.get(pkt, li, 0) !== undefined && icmpChecksumStatus(pkt, li) === 0,
  decode(pkt: Packet): Protocol | null {
    const start = pkt.cursor;
    const declared = pkt.limit - start;
    const li = pkt.push(icmp, start, start + HEADER_LEN, pkt.limit);
    if (li < 0) return null;
    pkt.layerAux[li] = pkt.inQuote ? AUX_QUOTED : 0;
    const avail = pkt.avail(start);
    if (declared < HEADER_LEN || avail < HEADER_LEN) {
      if (declared < HEADER_LEN) pkt.malformed('icmp', 'fewer than 8 bytes for the ICMP header');
      else pkt.truncated(HEADER_LEN, avail);
      return null;
    }
    pkt.cursor = start + HEADER_LEN;
    if (pkt.cursor >= pkt.limit) return null;
    const t = pkt.u8(start);
    if (isError(t)) {
      // An error quoting an error: Wireshark does not open the second quote (RFC 1122 3.2.2 forbids sending one).
      if (pkt.inQuote) return null;
      // RFC 792: the quoted datagram's IP header and first 64 bits of data; its lengths need not fit.
      pkt.inQuote = true;
      return etherTypes.get(0x0800) ?? fallback.data;
    }
    // An echo's payload is the sender's data; other messages' bodies (timestamps, masks, RFC 8335
    // extension objects ...) belong to the message, as in Wireshark, and are shown in its tree.
    return t === 0 || t === 8 ? fallback.data : null;
  },
  tree(pkt: Packet, li: number): TreeNode[] {
    const out: TreeNode[] = [];
    const start = pkt.layerStart[li];
    const t = captured(pkt, li, 2) ? typeOf(pkt, li) : -1;
    if (t >= 0) {
      out.push({ text: `Type: ${t} (${TYPE_NAMES.get(t) ?? 'Unknown'})`, field: 'icmp.type', offset: start, length: 1 });
      const c = pkt.u8(start + 1);
      const full = icmpTypeText(t, c);
      const paren = full.indexOf(' (');
      out.push({ text: `Code: ${c}${paren > 0 && full !== TYPE_NAMES.get(t) ? full.slice(paren) : ''}`, field: 'icmp.code', offset: start + 1, length: 1 });
    }
    const c = checksum.get(pkt, li, 0);
    if (c !== undefined) {
      const s = icmpChecksumStatus(pkt, li);
      const verdict = s === 1 ? ' [correct]' : s === 0 ? ` [incorrect, should be ${hex0x(shouldBe(pkt, li, c as number), 4)}]` : '';
      const line: TreeNode = { text: `Checksum: ${hex0x(c as number, 4)}${verdict}`, field: 'icmp.checksum', offset: start + 2, length: 2 };
      if (s === 0) attach(line, expertNode('Warning', 'Checksum', `Bad checksum [should be ${hex0x(shouldBe(pkt, li, c as number), 4)}]`, 'icmp.checksum_bad.expert'));
      out.push(line);
      out.push({ text: `[Checksum Status: ${s === 1 ? 'Good' : s === 0 ? 'Bad' : 'Unverified'}]`, field: 'icmp.checksum.status', offset: start + 2, length: 2 });
    }
    // Errors whose second word is unused show it, as tshark does (fragmentation needed has the MTU there instead).
    if ((t === 3 && pkt.u8(start + 1) !== 4) || t === 4 || t === 11) {
      if (captured(pkt, li, 8)) out.push({ text: `Unused: ${hexText(pkt, start + 4, 4)}`, offset: start + 4, length: 4 });
    }
    for (const f of [ident, identLe, seq, seqLe, mtuField, redirGw, pointer]) add(out, fieldNode(pkt, li, f));
    const bodyStart = start + HEADER_LEN;
    const end = pkt.layerEnd[li];
    if (pkt.layerCount === li + 1 && end > bodyStart) out.push({ text: `Message body (${end - bodyStart} bytes)`, offset: bodyStart, length: end - bodyStart });
    return out;
  },
};
