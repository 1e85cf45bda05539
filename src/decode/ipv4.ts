/**
 * IPv4 (RFC 791).
 *
 *   0       4       8              16      19             31
 *   |ver|ihl|dsfield|        total length                  |
 *   |      identification       |flags|  fragment offset   |
 *   |  ttl  | proto |        header checksum               |
 *   |                  source address                      |
 *   |                destination address                   |
 *   |            options (ihl * 4 - 20 bytes)              |
 *
 * Lengths: the total length trims Ethernet padding; 0 means the NIC segments
 * the datagram (TSO) and the frame's own length stands. Fragments: a first
 * fragment (offset 0, MF set) is decoded further, later ones are data (synack
 * decodes frame by frame and does not reassemble).
 *
 * Which fields exist follows Wireshark's packet-ip.c, so -T fields agrees
 * with tshark on broken headers too: a bad version shows only ip.version, a
 * header length below 20 adds ip.hdr_len, a total length below the header
 * length adds ip.dsfield and ip.len; everything else needs a sane header.
 * The header checksum is verified (synack.ip.checksum.status and the tree),
 * but ip.checksum.status prints 2 ("unverified") as tshark 4.0 does by
 * default (its ip.check_checksum preference is off).
 */
import { onesSum } from './checksum';
import { etherTypes, fallback, ipProtocols } from './dispatch';
import { address, computed, either, flag, uint } from './fieldkit';
import { kindLengthOption, locatedUint, nthKept } from './optionkit';
import type { Packet } from './packet';
import { Base, FieldType, type FieldDef, type Protocol, type TreeNode } from './protocol';
import { add, attach, bitPicture, expertNode, fieldNode, flagNode, hex0x, inErrorQuote, ipv4Text } from './treekit';

export const MIN_HEADER_LEN = 20;

/** layerAux: how far Wireshark would get through the header (see the file comment). */
const STAGE_VERSION = 0;
const STAGE_HDR_LEN = 1;
const STAGE_LEN = 2;
const STAGE_ALL = 3;
const STAGE_MASK = 3;
/** layerAux bit: total length was 0 (segmentation offload). */
const AUX_TSO = 4;
/**
 * layerAux bit: a version-6 header at LINKTYPE_IPV4 (228), which Wireshark's
 * raw-IPv4 entry hands to IPv6 before adding ip.version (behind ethertype
 * 0x0800 its IPv4 dissector adds it first, then hands over).
 */
const AUX_HANDED_OVER = 8;

/**
 * DSCP and ECN as Wireshark names them (dscp_vals, dscp_short_vals, ecn_vals,
 * ecn_short_vals), read off tshark 4.0's tree for all 64 code points; a code
 * point with no name is "Unknown", as tshark prints it. IPv6's traffic class
 * carries the same two fields.
 */
const DSCP_KNOWN: readonly (readonly [number, string, string])[] = [
  [0, 'Default', 'CS0'], [1, 'Lower Effort', 'LE'], [8, 'Class Selector 1', 'CS1'], [10, 'Assured Forwarding 11', 'AF11'],
  [12, 'Assured Forwarding 12', 'AF12'], [14, 'Assured Forwarding 13', 'AF13'], [16, 'Class Selector 2', 'CS2'], [18, 'Assured Forwarding 21', 'AF21'],
  [20, 'Assured Forwarding 22', 'AF22'], [22, 'Assured Forwarding 23', 'AF23'], [24, 'Class Selector 3', 'CS3'], [26, 'Assured Forwarding 31', 'AF31'],
  [28, 'Assured Forwarding 32', 'AF32'], [30, 'Assured Forwarding 33', 'AF33'], [32, 'Class Selector 4', 'CS4'], [34, 'Assured Forwarding 41', 'AF41'],
  [36, 'Assured Forwarding 42', 'AF42'], [38, 'Assured Forwarding 43', 'AF43'], [40, 'Class Selector 5', 'CS5'], [44, 'Voice Admit', 'VOICE-ADMIT'],
  [46, 'Expedited Forwarding', 'EF PHB'], [48, 'Class Selector 6', 'CS6'], [56, 'Class Selector 7', 'CS7'],
];
export const DSCP_NAMES: ReadonlyMap<number, string> = new Map(Array.from({ length: 64 }, (_, i) => [i, DSCP_KNOWN.find((d) => d[0] === i)?.[1] ?? 'Unknown']));
const DSCP_SHORT: readonly string[] = Array.from({ length: 64 }, (_, i) => DSCP_KNOWN.find((d) => d[0] === i)?.[2] ?? 'Unknown');
export const ECN_NAMES: ReadonlyMap<number, string> = new Map([
  [0, 'Not ECN-Capable Transport'],
  [1, "ECN-Capable Transport codepoint '01'"],
  [2, "ECN-Capable Transport codepoint '10'"],
  [3, 'Congestion Experienced'],
]);
const ECN_SHORT: readonly string[] = ['Not-ECT', 'ECT(1)', 'ECT(0)', 'CE'];

/** "(DSCP: CS0, ECN: Not-ECT)" of a DS field / traffic class byte, as tshark's title line ends. */
export function dsSummary(ds: number): string {
  return `(DSCP: ${DSCP_SHORT[(ds >> 2) & 63]}, ECN: ${ECN_SHORT[ds & 3]})`;
}

export const PROTOCOL_NAMES: ReadonlyMap<number, string> = new Map([
  [0, 'IPv6 Hop-by-Hop Option'],
  [1, 'ICMP'],
  [2, 'IGMP'],
  [4, 'IPIP'],
  [6, 'TCP'],
  [17, 'UDP'],
  [41, 'IPv6'],
  [43, 'IPv6 routing'],
  [44, 'IPv6 fragment'],
  [47, 'Generic Routing Encapsulation'],
  [50, 'Encap Security Payload'],
  [51, 'Authentication Header'],
  [58, 'ICMPv6'],
  [59, 'IPv6 no next header'],
  [60, 'IPv6 destination option'],
  [89, 'OSPF IGP'],
  [103, 'PIM'],
  [112, 'Virtual Router Redundancy Protocol'],
  [132, 'SCTP'],
]);

/**
 * Options Wireshark 4.0 knows (its ip_opts table): only these get ip.opt.type
 * and ip.opt.len; others are listed in the tree as unknown.
 */
const KNOWN_OPTIONS = new Set([0, 1, 7, 11, 12, 25, 30, 68, 82, 94, 130, 131, 133, 134, 136, 137, 148, 149, 158, 222]);

const OPTION_NAMES: ReadonlyMap<number, string> = new Map([
  [0, 'End of Options List (EOL)'],
  [1, 'No-Operation (NOP)'],
  [7, 'Record Route (RR)'],
  [68, 'Time Stamp (TS)'],
  [130, 'Security (SEC)'],
  [131, 'Loose Source Route (LSR)'],
  [136, 'Stream ID (SID)'],
  [137, 'Strict Source Route (SSR)'],
  [148, 'Router Alert'],
]);

function stage(pkt: Packet, li: number): number {
  return pkt.layerAux[li] & STAGE_MASK;
}

/** Restricts a fixed field to headers Wireshark gets far enough into. */
function gated(f: FieldDef, need: number): FieldDef {
  const get = f.get;
  return { ...f, get: (pkt, li, k) => (stage(pkt, li) >= need ? get(pkt, li, k) : undefined) };
}

/** A bad version at LINKTYPE_IPV4 (228): Wireshark's version-neutral IP dissector says "Bogus IP version". */
function bogusVersionAnyIp(pkt: Packet, li: number): boolean {
  return li === 1 && pkt.frame.linkType === 228;
}

/**
 * The layer's title as tshark's protocol item reads: the addresses are
 * appended as they are read, so a header cut by its bytes or stopped by a
 * bogus field shows fewer (or, for LINKTYPE_IPV4's bad version, another title).
 */
export function ipv4Title(pkt: Packet, li: number): string {
  const s = pkt.layerStart[li];
  if (s < pkt.capLen && pkt.u8(s) >> 4 !== 4 && bogusVersionAnyIp(pkt, li) && (pkt.layerAux[li] & AUX_HANDED_OVER) === 0) {
    return `Internet Protocol, bogus version (${pkt.u8(s) >> 4})`;
  }
  const end = Math.min(pkt.capLen, pkt.layerEnd[li]);
  if (stage(pkt, li) < STAGE_ALL || s + 16 > end) return ipv4.label;
  return s + 20 > end ? `${ipv4.label}, Src: ${ipv4Text(pkt, s + 12)}` : `${ipv4.label}, Src: ${ipv4Text(pkt, s + 12)}, Dst: ${ipv4Text(pkt, s + 16)}`;
}

function headerLength(pkt: Packet, li: number): number {
  return (pkt.u8(pkt.layerStart[li]) & 0x0f) * 4;
}

/** 1 good, 0 bad, undefined when the header was not captured whole. */
function checksumGood(pkt: Packet, li: number): number | undefined {
  const start = pkt.layerStart[li];
  if (stage(pkt, li) < STAGE_ALL || start + MIN_HEADER_LEN > pkt.capLen) return undefined;
  const hlen = headerLength(pkt, li);
  if (start + hlen > pkt.capLen) return undefined;
  return onesSum(pkt, start, hlen) === 0xffff ? 1 : 0;
}

/**
 * Options as Wireshark walks them: EOL and NOP are one byte, every other
 * option has a length byte; the walk stops at EOL, at a length below 2, or
 * where an option would run past the header. Returns the frame-relative
 * offset of option `k`, or -1.
 */
function optionAt(pkt: Packet, li: number, k: number): number {
  const start = pkt.layerStart[li];
  if (stage(pkt, li) < STAGE_ALL || start + MIN_HEADER_LEN > pkt.capLen) return -1;
  const end = start + headerLength(pkt, li);
  // Wireshark walks the options only when the whole header was captured.
  if (end > pkt.capLen) return -1;
  let o = start + MIN_HEADER_LEN;
  for (let i = 0; o < end; i++) {
    if (o >= pkt.capLen) return -1;
    const len = kindLengthOption(pkt, o, end);
    if (i === k) return len < 0 ? -1 : o;
    // End of option list (RFC 791 3.1): Wireshark walks no further.
    if (len < 0 || pkt.u8(o) === 0) return -1;
    o += len;
  }
  return -1;
}

const version = uint('ip.version', 'Version', 0, 1, { mask: 0xf0 });

/**
 * ip.version as tshark fills it: Wireshark's IPv6 dissector adds ip.version
 * too, so it has one occurrence per IPv4 *and* IPv6 header, in order. A
 * field has one owning protocol, so the frame layer owns this one (index.ts
 * registers it) and walks the stack.
 */
export const ipVersionAnyLayer = locatedUint('ip.version', 'Version', (pkt, _li, k) => nthIpHeader(pkt, k), 0, 1, { map: (b) => b >> 4 });

/** Frame-relative start of the k-th captured IPv4 or IPv6 header, or -1. */
function nthIpHeader(pkt: Packet, k: number): number {
  let seen = 0;
  for (let i = 1; i < pkt.layerCount; i++) {
    const name = pkt.layerProto[i].name;
    if ((name !== 'ip' && name !== 'ipv6') || pkt.layerStart[i] >= pkt.capLen) continue;
    if (name === 'ip' && (pkt.layerAux[i] & AUX_HANDED_OVER) !== 0) continue;
    if (seen++ === k) return pkt.layerStart[i];
  }
  return -1;
}
const hdrLen: FieldDef = {
  ...computed('ip.hdr_len', 'Header Length', FieldType.Uint, (pkt, li, k) =>
    k === 0 && stage(pkt, li) >= STAGE_HDR_LEN && pkt.layerStart[li] < pkt.capLen ? headerLength(pkt, li) : undefined,
  ),
  offset: 0,
  length: 1,
};
const dsfield = gated(uint('ip.dsfield', 'Differentiated Services Field', 1, 1, { base: Base.Hex }), STAGE_LEN);
const dscp = gated(uint('ip.dsfield.dscp', 'Differentiated Services Codepoint', 1, 1, { mask: 0xfc, names: DSCP_NAMES }), STAGE_LEN);
const ecn = gated(uint('ip.dsfield.ecn', 'Explicit Congestion Notification', 1, 1, { mask: 0x03, names: ECN_NAMES }), STAGE_LEN);
const rawLen = uint('ip.len', 'Total Length', 2, 2);
/** With segmentation offload (total length 0) Wireshark shows the length it used: the rest of the frame. */
const len: FieldDef = {
  ...rawLen,
  get: (pkt, li, k) =>
    stage(pkt, li) < STAGE_LEN ? undefined : (pkt.layerAux[li] & AUX_TSO) !== 0 && k === 0 ? pkt.layerEnd[li] - pkt.layerStart[li] : rawLen.get(pkt, li, k),
};
const id = gated(uint('ip.id', 'Identification', 4, 2, { base: Base.HexDec }), STAGE_ALL);
const flags = gated(uint('ip.flags', 'Flags', 6, 1, { mask: 0xe0, base: Base.Hex, width: 2 }), STAGE_ALL);
const rb = gated(flag('ip.flags.rb', 'Reserved bit', 6, 1, 0x80), STAGE_ALL);
const df = gated(flag('ip.flags.df', "Don't fragment", 6, 1, 0x40), STAGE_ALL);
const mf = gated(flag('ip.flags.mf', 'More fragments', 6, 1, 0x20), STAGE_ALL);
const fragOffset = gated(uint('ip.frag_offset', 'Fragment Offset', 6, 2, { mask: 0x1fff }), STAGE_ALL);
const ttl = gated(uint('ip.ttl', 'Time to Live', 8, 1), STAGE_ALL);
const proto = gated(uint('ip.proto', 'Protocol', 9, 1, { names: PROTOCOL_NAMES }), STAGE_ALL);
const checksum = gated(uint('ip.checksum', 'Header Checksum', 10, 2, { base: Base.Hex }), STAGE_ALL);
const checksumStatus: FieldDef = {
  ...computed('ip.checksum.status', 'Header checksum status', FieldType.Uint, (pkt, li, k) =>
    k === 0 && stage(pkt, li) >= STAGE_ALL && pkt.layerStart[li] + 12 <= pkt.capLen ? 2 : undefined,
  ),
  offset: 10,
  length: 2,
};
const synackChecksum: FieldDef = {
  ...computed('synack.ip.checksum.status', 'Header checksum status (verified by synack)', FieldType.Uint, (pkt, li, k) =>
    k === 0 ? checksumGood(pkt, li) : undefined,
  ),
  offset: 10,
  length: 2,
};
const src = gated(address('ip.src', 'Source Address', FieldType.Ipv4, 12), STAGE_ALL);
const dst = gated(address('ip.dst', 'Destination Address', FieldType.Ipv4, 16), STAGE_ALL);
// With name resolution off (tshark -n, and synack never resolves) the *_host fields are the addresses.
const srcHost = gated(address('ip.src_host', 'Source Host', FieldType.Ipv4, 12), STAGE_ALL);
const dstHost = gated(address('ip.dst_host', 'Destination Host', FieldType.Ipv4, 16), STAGE_ALL);

/** Frame-relative offset of the k-th option Wireshark knows, or -1. */
const isKnown = (pkt: Packet, o: number): boolean => KNOWN_OPTIONS.has(pkt.u8(o));
const knownOptionAt = (pkt: Packet, li: number, k: number): number => nthKept(pkt, li, k, optionAt, isKnown);
const optType = locatedUint('ip.opt.type', 'Type', knownOptionAt, 0, 1, { names: OPTION_NAMES });

/** Lengths of the known options that have one (all but EOL and NOP): occurrence k is the k-th such option. */
const hasLengthByte = (pkt: Packet, o: number): boolean => pkt.u8(o) > 1;
const optLen = locatedUint('ip.opt.len', 'Length', (pkt, li, k) => nthKept(pkt, li, k, knownOptionAt, hasLengthByte), 1, 1);

/**
 * Wireshark's TTL notes: a packet to the Local Network Control Block
 * (224.0.0.0/24) is never routed, so its TTL is 1 (RFC 3171), except where a
 * protocol fixes 255 (VRRP 224.0.0.18, GLBP/HSRPv2 224.0.0.102) or any goes
 * (mDNS 224.0.0.251); a unicast packet about to run out of hops (not PIM or
 * OSPF, which send to neighbours with TTL 1).
 */
function ttlNote(ttl: number, dst: number, protocol: number): string | null {
  if (dst >>> 8 === 0xe00000) {
    const want = dst === 0xe00000fb ? -1 : dst === 0xe0000012 || dst === 0xe0000066 ? 255 : 1;
    return want >= 0 && ttl !== want ? `"Time To Live" != ${want} for a packet sent to the Local Network Control Block (see RFC 3171)` : null;
  }
  return dst >>> 28 !== 0xe && ttl < 5 && protocol !== 103 && protocol !== 89 ? `"Time To Live" only ${ttl}` : null;
}

/**
 * How Wireshark 4.0's option table (ipopts) treats an option with a length
 * byte: its name in the tree and, for the options of one fixed size, that
 * size (0: any length). Types not here are "Unknown (0x..)", RFC 3692's
 * experiment numbers included, as tshark 4.0 shows them.
 */
const OPTION_TABLE: ReadonlyMap<number, readonly [string, number]> = new Map([
  [7, ['Record Route', 0]],
  [11, ['MTU Probe', 4]],
  [12, ['MTU Reply', 4]],
  [25, ['Quick-Start', 8]],
  [68, ['Time Stamp', 0]],
  [82, ['Traceroute', 12]],
  [130, ['Security', 0]],
  [131, ['Loose Source Route', 0]],
  [133, ['Extended Security', 0]],
  [134, ['Commercial Security', 0]],
  [136, ['Stream ID', 4]],
  [137, ['Strict Source Route', 0]],
  [148, ['Router Alert', 4]],
  [149, ['Selective Directed Broadcast', 0]],
]);
const NO_LENGTH_NAMES = ['End of Options List (EOL)', 'No-Operation (NOP)'];
const TS_AND_ADDRESS = 1;
const TS_PRESPECIFIED = 3;

const bytes = (n: number): string => `${n} byte${n === 1 ? '' : 's'}`;

/** The header has options and Wireshark walks them: only when the whole header was captured. */
function optionsWalked(pkt: Packet, li: number): boolean {
  const start = pkt.layerStart[li];
  if (stage(pkt, li) < STAGE_ALL || start + MIN_HEADER_LEN > pkt.capLen) return false;
  const hlen = headerLength(pkt, li);
  return hlen > MIN_HEADER_LEN && start + hlen <= pkt.capLen;
}

/**
 * The expert items the tree draws, as X_* bits (the options' walk as one
 * bit: it may find nothing to say). tree() draws each item under its bit,
 * and mayExpert() is "any bit", so -z expert skips exactly the headers
 * whose tree says nothing.
 */
const X_VERSION = 1;
const X_HDR_LEN = 2;
const X_LEN_SHORT = 4;
const X_LEN_EXCEEDS = 8;
const X_TTL = 16;
const X_OPTIONS = 32;

function ipv4Experts(pkt: Packet, li: number): number {
  const start = pkt.layerStart[li];
  let x = 0;
  if (pkt.u8(start) >> 4 !== 4 && (pkt.layerAux[li] & AUX_HANDED_OVER) === 0) x |= X_VERSION;
  const h = hdrLen.get(pkt, li, 0);
  if (h !== undefined && (h as number) < MIN_HEADER_LEN) x |= X_HDR_LEN;
  const l = len.get(pkt, li, 0);
  if (l !== undefined && (pkt.layerAux[li] & AUX_TSO) === 0) {
    if ((l as number) < headerLength(pkt, li)) x |= X_LEN_SHORT;
    // layerEnd stops at the bytes the link layer declared: the length Wireshark compares with.
    else if ((l as number) > pkt.layerEnd[li] - start && !inErrorQuote(pkt, li)) x |= X_LEN_EXCEEDS;
  }
  if (ttl.get(pkt, li, 0) !== undefined && pkt.avail(start) >= MIN_HEADER_LEN && ttlNote(pkt.u8(start + 8), pkt.u32(start + 16), pkt.u8(start + 9)) !== null) x |= X_TTL;
  if (optionsWalked(pkt, li)) x |= X_OPTIONS;
  return x;
}

/** A line that is itself a warning (proto_tree_add_expert): the text, with the item under it. */
function warningLine(text: string, field: string, offset: number, length: number): TreeNode {
  return { text, offset, length, children: [expertNode('Warning', 'Protocol', text, field)] };
}

/**
 * The options as Wireshark's dissect_ip_tcp_options walks them (RFC 791
 * section 3.1): EOL ends the list; an option whose length byte is missing,
 * below 2 or runs past the header ends it with a warning; a fixed-size option
 * of another length is warned about and skipped by its length byte. Four
 * NOPs in a row (not aligned to a 32-bit word) get tshark's NOP warning; a
 * route's pointer before or inside an address slot, and a route or timestamp
 * option whose last slot does not fit, get theirs.
 */
function optionsNode(pkt: Packet, li: number): TreeNode | null {
  if (!optionsWalked(pkt, li)) return null;
  const start = pkt.layerStart[li];
  const hlen = headerLength(pkt, li);
  const end = start + hlen;
  const node: TreeNode = { text: `Options: (${hlen - MIN_HEADER_LEN} bytes)`, offset: start + MIN_HEADER_LEN, length: hlen - MIN_HEADER_LEN, children: [] };
  const opts = node.children!;
  let nops = 0;
  for (let o = start + MIN_HEADER_LEN; o < end; ) {
    const t = pkt.u8(o);
    const typeLine: TreeNode = { text: `Type: ${t}`, field: 'ip.opt.type', offset: o, length: 1 };
    if (t <= 1) {
      opts.push({ text: `IP Option - ${NO_LENGTH_NAMES[t]}`, offset: o, length: 1, children: [typeLine] });
      // tshark counts NOPs within one 32-bit word of the header, then restarts.
      nops = t === 1 && (nops === 0 || (o - start) % 4 !== 0) ? nops + 1 : 0;
      if (nops === 4) opts.push(expertNode('Warning', 'Protocol', '4 NOP in a row - a router may have removed some options', 'ip.nop'));
      o++;
      if (t === 0) break;
      continue;
    }
    nops = 0;
    const known = OPTION_TABLE.get(t);
    const name = known?.[0] ?? `Unknown (${hex0x(t, 2)})`;
    if (o + 1 >= end) {
      opts.push(warningLine(`${name} (length byte past end of options)`, 'ip.opt.len.invalid', o, 1));
      break;
    }
    const len = pkt.u8(o + 1);
    if (len < 2) {
      opts.push(warningLine(`${name} (with too-short option length = ${bytes(len)})`, 'ip.opt.len.invalid', o, 2));
      break;
    }
    if (o + len > end) {
      opts.push(warningLine(`${name} (option length = ${bytes(len)} says option goes past end of options)`, 'ip.opt.len.invalid', o, end - o));
      break;
    }
    if (known === undefined) {
      opts.push({ text: `${name} (${bytes(len)})`, offset: o, length: len });
    } else {
      const fixed = known[1];
      node.text += `, ${name}`;
      const lenLine: TreeNode = { text: `Length: ${len}`, field: 'ip.opt.len', offset: o + 1, length: 1 };
      if (fixed !== 0 && len !== fixed) attach(lenLine, expertNode('Warning', 'Protocol', `${name} (with option length = ${bytes(len)}; should be ${fixed})`, 'ip.opt.len.invalid'));
      const children = [typeLine, lenLine];
      // Route options (RFC 791 3.1): a 1-based pointer to the next 4-byte address slot after type, length and pointer.
      if ((t === 7 || t === 131 || t === 137) && len >= 3) {
        const ptr = pkt.u8(o + 2);
        const ptrLine: TreeNode = { text: `Pointer: ${ptr}`, field: 'ip.opt.ptr', offset: o + 2, length: 1 };
        if (ptr < 4) attach(ptrLine, expertNode('Warning', 'Protocol', 'Pointer points before first address', 'ip.opt.ptr.before_address'));
        else if ((ptr & 3) !== 0) attach(ptrLine, expertNode('Warning', 'Protocol', 'Pointer points to middle of address', 'ip.opt.ptr.middle_address'));
        else if ((len - 3) % 4 !== 0) attach(ptrLine, expertNode('Warning', 'Protocol', 'Suboption would go past end of option', 'ip.subopt_too_long'));
        children.push(ptrLine);
      }
      // RFC 791: after the pointer and flags, entries of 4 bytes (timestamps) or 8 (address and timestamp).
      if (t === 68 && len >= 4) {
        const entry = (pkt.u8(o + 3) & 0x0f) === TS_AND_ADDRESS || (pkt.u8(o + 3) & 0x0f) === TS_PRESPECIFIED ? 8 : 4;
        const rest = (len - 4) % entry;
        if (rest !== 0) children.push(warningLine('Suboption would go past end of option', 'ip.subopt_too_long', o + len - rest, rest));
      }
      opts.push({ text: `IP Option - ${name} (${fixed !== 0 ? fixed : len} bytes)`, offset: o, length: len, children });
    }
    o += len;
  }
  return node;
}

export const ipv4: Protocol = {
  name: 'ip',
  label: 'Internet Protocol Version 4',
  short: 'IPv4',
  // ip.version is registered under the frame layer (ipVersionAnyLayer).
  fields: [
    hdrLen,
    dsfield,
    dscp,
    ecn,
    len,
    id,
    flags,
    rb,
    df,
    mf,
    fragOffset,
    ttl,
    proto,
    checksum,
    checksumStatus,
    synackChecksum,
    src,
    dst,
    either('ip.addr', 'Source or Destination Address', src, dst),
    srcHost,
    dstHost,
    either('ip.host', 'Source or Destination Host', srcHost, dstHost),
    optType,
    optLen,
  ],
  decode(pkt: Packet): Protocol | null {
    const start = pkt.cursor;
    const declared = pkt.limit - start;
    const li = pkt.push(ipv4, start, start + MIN_HEADER_LEN, pkt.limit);
    if (li < 0) return null;
    const avail = pkt.avail(start);
    pkt.layerAux[li] = STAGE_ALL;
    if (declared < MIN_HEADER_LEN || avail < MIN_HEADER_LEN) {
      if (declared < MIN_HEADER_LEN) pkt.malformed('ip', 'fewer than 20 bytes for the IPv4 header');
      else pkt.truncated(MIN_HEADER_LEN, avail);
      return null;
    }
    const v = pkt.u8(start) >> 4;
    if (v !== 4) {
      pkt.layerAux[li] = STAGE_VERSION;
      // Wireshark's IP dissector hands a version-6 header to IPv6 (ethertype 0x0800 mislabelled).
      if (v === 6) {
        if (li === 1 && pkt.frame.linkType === 228) pkt.layerAux[li] |= AUX_HANDED_OVER;
        return etherTypes.get(0x86dd) ?? fallback.data;
      }
      pkt.malformed('ip.version', 'version is not 4', true);
      return null;
    }
    const ihl = (pkt.u8(start) & 0x0f) * 4;
    if (ihl < MIN_HEADER_LEN) {
      pkt.layerAux[li] = STAGE_HDR_LEN;
      pkt.malformed('ip.hdr_len', 'header length below 20 bytes', true);
      return null;
    }
    let total = pkt.u16(start + 2);
    if (total === 0) {
      // Segmentation offload: the NIC fills the length in later, so the frame's own length stands.
      pkt.layerAux[li] |= AUX_TSO;
      total = declared;
    }
    if (total < ihl) {
      pkt.layerAux[li] = STAGE_LEN;
      pkt.malformed('ip.len', 'total length shorter than the header', true);
      return null;
    }
    // tshark notes it and goes on with the bytes there are.
    if (total > declared) pkt.malformed('ip.len', 'total length beyond the end of the frame', true);
    const end = start + Math.min(total, declared);
    pkt.layerPayload[li] = start + ihl;
    pkt.layerEnd[li] = end;
    if (ihl > declared) {
      pkt.malformed('ip.hdr_len', 'header longer than the frame');
      return null;
    }
    if (avail < ihl) {
      pkt.truncated(ihl, avail);
      return null;
    }
    pkt.cursor = start + ihl;
    pkt.limit = end;
    // A fragment other than the first carries no upper-layer header.
    if ((pkt.u16(start + 6) & 0x1fff) !== 0) return fallback.data;
    return ipProtocols[pkt.u8(start + 9)] ?? fallback.data;
  },
  mayExpert: (pkt: Packet, li: number): boolean => ipv4Experts(pkt, li) !== 0,
  tree(pkt: Packet, li: number): TreeNode[] {
    const out: TreeNode[] = [];
    const start = pkt.layerStart[li];
    const x = ipv4Experts(pkt, li);
    const versionNode = fieldNode(pkt, li, version);
    if (versionNode !== null && x & X_VERSION) {
      // LINKTYPE_IPV4's entry is Wireshark's version-neutral dissector, with its own words.
      attach(versionNode, expertNode('Error', 'Protocol', bogusVersionAnyIp(pkt, li) ? 'Bogus IP version' : 'Bogus IPv4 version', 'ip.bogus_ip_version'));
    }
    add(out, versionNode);
    const h = hdrLen.get(pkt, li, 0);
    if (h !== undefined) {
      const line: TreeNode = { text: `.... ${((h as number) / 4).toString(2).padStart(4, '0')} = Header Length: ${h} bytes (${(h as number) / 4})`, field: 'ip.hdr_len', offset: start, length: 1 };
      if (x & X_HDR_LEN) attach(line, expertNode('Error', 'Protocol', `Bogus IP header length (${h}, must be at least ${MIN_HEADER_LEN})`, 'ip.bogus_header_length'));
      out.push(line);
    }
    const ds = dsfield.get(pkt, li, 0);
    if (ds !== undefined) {
      out.push({
        text: `Differentiated Services Field: ${hex0x(ds as number, 2)} ${dsSummary(ds as number)}`,
        field: 'ip.dsfield',
        offset: start + 1,
        length: 1,
        children: [fieldNode(pkt, li, dscp), fieldNode(pkt, li, ecn)].filter((n): n is TreeNode => n !== null),
      });
    }
    const l = len.get(pkt, li, 0);
    if (l !== undefined) {
      const line: TreeNode = { text: `Total Length: ${l}`, field: 'ip.len', offset: start + 2, length: 2 };
      if ((pkt.layerAux[li] & AUX_TSO) !== 0) line.text += ' (reported as 0, presumed to be because of "TCP segmentation offload" (TSO))';
      else if (x & X_LEN_SHORT) {
        line.text += ` bytes (bogus, less than header length ${headerLength(pkt, li)})`;
        attach(line, expertNode('Error', 'Protocol', 'Bogus IP length', 'ip.bogus_ip_length'));
      } else if (x & X_LEN_EXCEEDS) {
        attach(line, expertNode('Error', 'Protocol', `IPv4 total length exceeds packet length (${pkt.layerEnd[li] - start} bytes)`, 'ip.bogus_ip_length'));
      }
      out.push(line);
    }
    add(out, fieldNode(pkt, li, id));
    const fl = flagNode(pkt, li, rb);
    if (fl !== null) {
      const f = flags.get(pkt, li, 0) as number;
      const names = [f & 4 ? 'Reserved bit' : '', f & 2 ? "Don't fragment" : '', f & 1 ? 'More fragments' : ''].filter((s) => s !== '');
      out.push({
        text: `${bitPicture(pkt.u8(start + 6), 0xe0, 8)} = Flags: ${hex0x(f, 1)}${names.length > 0 ? ', ' + names.join(', ') : ''}`,
        field: 'ip.flags',
        offset: start + 6,
        length: 1,
        children: [fl, flagNode(pkt, li, df), flagNode(pkt, li, mf)].filter((n): n is TreeNode => n !== null),
      });
    }
    const fo = fragOffset.get(pkt, li, 0);
    if (fo !== undefined) {
      out.push({ text: `${bitPicture(pkt.u16(start + 6), 0x1fff, 16)} = Fragment Offset: ${(fo as number) * 8}`, field: 'ip.frag_offset', offset: start + 6, length: 2 });
    }
    const ttlNode = fieldNode(pkt, li, ttl);
    const note = x & X_TTL ? ttlNote(pkt.u8(start + 8), pkt.u32(start + 16), pkt.u8(start + 9)) : null;
    if (ttlNode !== null && note !== null) attach(ttlNode, expertNode('Note', 'Sequence', note, 'ip.ttl.note'));
    add(out, ttlNode);
    add(out, fieldNode(pkt, li, proto));
    const c = checksum.get(pkt, li, 0);
    if (c !== undefined) {
      const good = checksumGood(pkt, li);
      const status = good === undefined ? 'Unverified' : good === 1 ? 'Good' : 'Bad';
      out.push({ text: `Header Checksum: ${hex0x(c as number, 4)}`, field: 'ip.checksum', offset: start + 10, length: 2 });
      out.push({ text: `[Header checksum status: ${status}]`, field: 'synack.ip.checksum.status', offset: start + 10, length: 2 });
    }
    add(out, fieldNode(pkt, li, src));
    add(out, fieldNode(pkt, li, dst));
    const options = x & X_OPTIONS ? optionsNode(pkt, li) : null;
    if (options !== null) out.push(options);
    return out;
  },
};
