/**
 * ICMPv6 (RFC 4443), with the Neighbor Discovery target addresses (RFC 4861).
 *
 *   0      1      2           4                 8
 *   | type | code | checksum  | rest of header  | body ...
 *
 * Errors (destination unreachable, packet too big, time exceeded, parameter
 * problem) quote as much of the offending packet as fits in the minimum
 * MTU; it is decoded as inner layers, as tshark does. The checksum covers an
 * IPv6 pseudo-header (RFC 4443 section 2.3) and is verified when the whole
 * message was captured and is not inside a quote.
 */
import { ipv6ChecksumDst, ipv6PseudoSum, onesSum } from './checksum';
import { etherTypes, fallback } from './dispatch';
import { address, computed, uint } from './fieldkit';
import type { Packet } from './packet';
import { Base, FieldType, type FieldDef, type Protocol, type TreeNode } from './protocol';
import { add, attach, bitPicture, expertNode, fieldNode, hex0x, ipv6Text, ipv6TextAt, macText } from './treekit';

export const HEADER_LEN = 4;
const NEXT_HEADER_ICMPV6 = 58;

export const TYPE_NAMES: ReadonlyMap<number, string> = new Map([
  [1, 'Destination Unreachable'],
  [2, 'Packet Too Big'],
  [3, 'Time Exceeded'],
  [4, 'Parameter Problem'],
  [128, 'Echo (ping) request'],
  [129, 'Echo (ping) reply'],
  [130, 'Multicast Listener Query'],
  [131, 'Multicast Listener Report'],
  [132, 'Multicast Listener Done'],
  [133, 'Router Solicitation'],
  [134, 'Router Advertisement'],
  [135, 'Neighbor Solicitation'],
  [136, 'Neighbor Advertisement'],
  [137, 'Redirect'],
  [143, 'Multicast Listener Report Message v2'],
]);

const UNREACHABLE_CODES: readonly string[] = [
  'no route to destination',
  'communication with destination administratively prohibited',
  'beyond scope of source address',
  'address unreachable',
  'port unreachable',
  'source address failed ingress/egress policy',
  'reject route to destination',
];

export function icmpv6TypeText(type: number, code: number): string {
  const t = TYPE_NAMES.get(type) ?? `Unknown (${type})`;
  if (type === 1 && code < UNREACHABLE_CODES.length) return `${t} (${UNREACHABLE_CODES[code]})`;
  if (type === 3) return `${t} (${code === 0 ? 'hop limit exceeded in transit' : code === 1 ? 'fragment reassembly time exceeded' : code})`;
  return t;
}

export function isError(type: number): boolean {
  return type >= 1 && type <= 4;
}

/** layerAux bit: inside another message's quote (checksum not verified, as Wireshark). */
const AUX_QUOTED = 1;

function typeOf(pkt: Packet, li: number): number {
  return pkt.u8(pkt.layerStart[li]);
}

/**
 * The message as its IPv6 payload length declares it holds at least the
 * fixed header: Wireshark hands ICMPv6 only that many bytes (a payload
 * length of 0 leaves it none, and it shows no field).
 */
function declaredHeader(pkt: Packet, li: number): boolean {
  return pkt.layerStart[li] + HEADER_LEN <= pkt.layerEnd[li];
}
function declared(f: FieldDef): FieldDef {
  const get = f.get;
  return { ...f, get: (pkt, li, k) => (declaredHeader(pkt, li) ? get(pkt, li, k) : undefined) };
}

function when(f: FieldDef, types: (t: number) => boolean): FieldDef {
  const get = f.get;
  return {
    ...f,
    get: (pkt, li, k) => (declaredHeader(pkt, li) && pkt.layerStart[li] < pkt.capLen && types(typeOf(pkt, li)) ? get(pkt, li, k) : undefined),
  };
}

/** The IPv6 header this message travels in (the nearest enclosing ipv6 layer), or -1. */
function enclosingIpv6(pkt: Packet, li: number): number {
  for (let j = li - 1; j >= 0; j--) {
    const name = pkt.layerProto[j].name;
    if (name === 'ipv6') return j;
    if (!name.startsWith('ipv6.')) return -1;
  }
  return -1;
}

/** 1 good, 0 bad, 2 unverified. */
export function icmpv6ChecksumStatus(pkt: Packet, li: number): number {
  const sum = checksumSum(pkt, li);
  return sum < 0 ? 2 : sum === 0xffff ? 1 : 0;
}

/** The ones' complement sum over the pseudo-header and message, or -1 when it cannot be verified. */
function checksumSum(pkt: Packet, li: number): number {
  const start = pkt.layerStart[li];
  const end = pkt.layerEnd[li];
  const ip = enclosingIpv6(pkt, li);
  if ((pkt.layerAux[li] & AUX_QUOTED) !== 0 || ip < 0 || end > pkt.capLen || pkt.frame.origLen > pkt.capLen) return -1;
  const ipStart = pkt.layerStart[ip];
  const pseudo = ipv6PseudoSum(pkt, ipStart + 8, ipv6ChecksumDst(pkt, ip, li), end - start, NEXT_HEADER_ICMPV6);
  return onesSum(pkt, start, end - start, pseudo);
}

/** The checksum the message should carry (tshark's in_cksum_shouldbe): the sum without the carried value. */
function shouldBe(pkt: Packet, li: number, carried: number): number {
  let x = checksumSum(pkt, li) + (~carried & 0xffff);
  x = (x & 0xffff) + (x >>> 16);
  x = (x & 0xffff) + (x >>> 16);
  return ~x & 0xffff;
}

const type = declared(uint('icmpv6.type', 'Type', 0, 1, { names: TYPE_NAMES }));
const code = declared(uint('icmpv6.code', 'Code', 1, 1));
const checksum = declared(uint('icmpv6.checksum', 'Checksum', 2, 2, { base: Base.Hex }));
const checksumStatus: FieldDef = {
  ...computed('icmpv6.checksum.status', 'Checksum Status', FieldType.Uint, (pkt, li, k) =>
    k === 0 && declaredHeader(pkt, li) && pkt.layerStart[li] + HEADER_LEN <= pkt.capLen ? icmpv6ChecksumStatus(pkt, li) : undefined,
  ),
  offset: 2,
  length: 2,
};
const isEcho = (t: number): boolean => t === 128 || t === 129;
/** RFC 8335 extended echo (PROBE) shares the identifier; its sequence number is one byte. */
const hasIdentifier = (t: number): boolean => isEcho(t) || t === 160 || t === 161;
const echoId = when(uint('icmpv6.echo.identifier', 'Identifier', 4, 2, { base: Base.Hex }), hasIdentifier);
const echoSeq = when(uint('icmpv6.echo.sequence_number', 'Sequence', 6, 2), isEcho);
const mtu = when(uint('icmpv6.mtu', 'MTU', 4, 4), (t) => t === 2);
const pointer = when(uint('icmpv6.pointer', 'Pointer', 4, 4), (t) => t === 4);
const nsTarget = when(address('icmpv6.nd.ns.target_address', 'Target Address', FieldType.Ipv6, 8), (t) => t === 135);
const naTarget = when(address('icmpv6.nd.na.target_address', 'Target Address', FieldType.Ipv6, 8), (t) => t === 136);

/** Where Neighbor Discovery options start (RFC 4861 section 4): after each message's fixed fields. */
const ND_OPTIONS_AT: ReadonlyMap<number, number> = new Map([
  [133, 8],
  [134, 16],
  [135, 24],
  [136, 24],
  [137, 40],
]);

/** Option names as tshark 4.0's option_vals has them. */
const ND_OPTION_NAMES: ReadonlyMap<number, string> = new Map([
  [1, 'Source link-layer address'], [2, 'Target link-layer address'], [3, 'Prefix information'], [4, 'Redirected header'],
  [5, 'MTU'], [6, 'NBMA Shortcut Limit Option'], [7, 'Advertisement Interval'], [8, 'Home Agent Information'],
  [9, 'Source Address List'], [10, 'Target Address List'], [11, 'CGA'], [12, 'RSA Signature'], [13, 'Timestamp'],
  [14, 'Nonce'], [15, 'Trust Anchor'], [16, 'Certificate'], [17, 'IP Address/Prefix Option'],
  [18, 'New Router Prefix Information'], [19, 'Link-layer Address'], [20, 'Neighbor Advertisement Acknowledgment'],
  [23, 'MAP'], [24, 'Route Information'], [25, 'Recursive DNS Server'], [26, 'RA Flags Extension'],
  [27, 'Handover Key Request'], [28, 'Handover Key Reply'], [29, 'Handover Assist Information'],
  [30, 'Mobile Node Identifier Option'], [31, 'DNS Search List Option'], [32, 'Proxy Signature (PS)'],
  [33, 'Address Registration Option'], [34, '6LoWPAN Context Option'], [35, 'Authoritative Border Router'],
  [36, '6LoWPAN Capability Indication Option'], [37, 'DHCP Captive-Portal'], [38, 'PREF64 Option'],
  [138, 'CARD Request'], [139, 'CARD Reply'], [253, 'RFC3692-style Experiment 1'], [254, 'RFC3692-style Experiment 2'],
]);

/** RFC 4191 2.1's preference values, as tshark names them. */
const ROUTE_PREFERENCES = ['Medium', 'High', 'Reserved', 'Low'];

/** The DNSSL option's domain names (RFC 8106 5.2), each after a space, as tshark appends them to the title. */
function dnsslNames(pkt: Packet, from: number, to: number): string {
  let text = '';
  let name = '';
  for (let p = from; p < to; ) {
    const n = pkt.u8(p++);
    if (n === 0) {
      // The end of a name, or the padding after the last one.
      if (name !== '') text += ` ${name}`;
      name = '';
      continue;
    }
    if (p + n > to) break;
    let label = '';
    for (let i = 0; i < n; i++) label += String.fromCharCode(pkt.u8(p + i));
    name += (name === '' ? '' : '.') + label;
    p += n;
  }
  return text;
}

/** RFC 8781 section 4: the prefix length each PREF64 Prefix Length Code stands for. */
const PREF64_BITS = [96, 64, 56, 48, 40, 32];

const invalidLength = (message: string): TreeNode => expertNode('Error', 'Malformed', message, 'icmpv6.invalid.option.length');

/**
 * The Neighbor Discovery options (RFC 4861 section 4.6), listed as tshark
 * lists them, each with its type and length: a zero length ends the list
 * with tshark's error (the walk could not go on), and a PREF64 option's
 * unassigned Prefix Length Code gets tshark's invalid-length error. Their
 * contents beyond that are the message body's bytes.
 */
function ndOptionNodes(pkt: Packet, li: number, out: TreeNode[]): void {
  const start = pkt.layerStart[li];
  const t = start < pkt.capLen ? typeOf(pkt, li) : -1;
  const at = ND_OPTIONS_AT.get(t);
  if (at === undefined || (pkt.layerAux[li] & AUX_QUOTED) !== 0) return;
  const end = Math.min(pkt.layerEnd[li], pkt.capLen);
  for (let o = start + at; o + 2 <= end; ) {
    const type = pkt.u8(o);
    const len = pkt.u8(o + 1) * 8;
    const name = ND_OPTION_NAMES.get(type) ?? `Unknown ${type}`;
    const lenLine: TreeNode = { text: `Length: ${pkt.u8(o + 1)} (${len} bytes)`, field: 'icmpv6.opt.length', offset: o + 1, length: 1 };
    const children: TreeNode[] = [{ text: `Type: ${name} (${type})`, field: 'icmpv6.opt.type', offset: o, length: 1 }, lenLine];
    let title = name;
    if (len === 0) {
      attach(lenLine, invalidLength('Invalid option length (Zero)'));
      out.push({ text: `ICMPv6 Option (${title})`, field: 'icmpv6.opt', offset: o, length: 2, children });
      return;
    }
    const whole = o + len <= end;
    if ((type === 1 || type === 2) && len === 8 && whole) title += ` : ${macText(pkt, o + 2)}`;
    else if (type === 3 && len >= 32 && whole) title += ` : ${ipv6Text(pkt, o + 16)}/${pkt.u8(o + 2)}`;
    else if ((type === 5 || type === 7) && len >= 8 && whole) title += ` : ${pkt.u32(o + 4)}`;
    else if (type === 24 && len >= 8 && whole) {
      // RFC 4191 2.3: the prefix has 0, 8 or 16 bytes, the rest zero.
      const prefix = new Uint8Array(16);
      for (let i = 0; i < Math.min(16, len - 8); i++) prefix[i] = pkt.u8(o + 8 + i);
      title += ` : ${ROUTE_PREFERENCES[(pkt.u8(o + 3) >> 3) & 3]} ${ipv6TextAt(prefix, 0)}/${pkt.u8(o + 2)}`;
    } else if (type === 25 && whole) {
      for (let a = o + 8; a + 16 <= o + len; a += 16) title += ` ${ipv6Text(pkt, a)}`;
    } else if (type === 31 && whole) title += dnsslNames(pkt, o + 8, o + len);
    else if (type === 38 && o + 4 <= end) {
      const word = pkt.u16(o + 2);
      const plc = word & 7;
      children.push({ text: `${bitPicture(word, 0xfff8, 16)} = Scaled Lifetime: ${word >> 3}`, field: 'icmpv6.opt.pref64.scaled_lifetime', offset: o + 2, length: 2 });
      const plcText = plc < PREF64_BITS.length ? `${PREF64_BITS[plc]} bits prefix length` : 'Unknown';
      children.push({ text: `${bitPicture(word, 0x0007, 16)} = PLC (Prefix Length Code): ${plcText} (${hex0x(plc, 1)})`, field: 'icmpv6.opt.pref64.plc', offset: o + 2, length: 2 });
      if (plc >= PREF64_BITS.length) attach(lenLine, invalidLength('Invalid Option Length'));
      else if (o + 4 + PREF64_BITS[plc] / 8 <= end) {
        const prefix = new Uint8Array(16);
        for (let i = 0; i < PREF64_BITS[plc] / 8; i++) prefix[i] = pkt.u8(o + 4 + i);
        children.push({ text: `Prefix: ${ipv6TextAt(prefix, 0)}`, field: 'icmpv6.opt.pref64.prefix', offset: o + 4, length: PREF64_BITS[plc] / 8 });
      }
    }
    out.push({ text: `ICMPv6 Option (${title})`, field: 'icmpv6.opt', offset: o, length: len, children });
    o += len;
  }
}

export const icmpv6: Protocol = {
  name: 'icmpv6',
  label: 'Internet Control Message Protocol v6',
  short: 'ICMPv6',
  fields: [type, code, checksum, checksumStatus, echoId, echoSeq, mtu, pointer, nsTarget, naTarget],
  decode(pkt: Packet): Protocol | null {
    const start = pkt.cursor;
    const declared = pkt.limit - start;
    const li = pkt.push(icmpv6, start, start + HEADER_LEN, pkt.limit);
    if (li < 0) return null;
    pkt.layerAux[li] = pkt.inQuote ? AUX_QUOTED : 0;
    const avail = pkt.avail(start);
    if (declared < HEADER_LEN) {
      pkt.malformed('icmpv6', 'fewer than 4 bytes for the ICMPv6 header in the IPv6 payload');
      return null;
    }
    if (avail < HEADER_LEN) {
      pkt.truncated(HEADER_LEN, avail);
      return null;
    }
    const t = pkt.u8(start);
    // Echo and the errors have 4 more header bytes; the rest is the message body.
    const hlen = isEcho(t) || isError(t) ? 8 : HEADER_LEN;
    pkt.layerPayload[li] = start + hlen;
    if (hlen > HEADER_LEN && avail < hlen) {
      if (declared < hlen) pkt.malformed('icmpv6', 'message shorter than its 8-byte header');
      else pkt.truncated(hlen, avail);
      return null;
    }
    pkt.cursor = start + hlen;
    if (pkt.cursor >= pkt.limit) return null;
    if (isError(t)) {
      // An error quoting an error: not opened further (RFC 4443 section 2.4 (e) forbids sending one).
      if (pkt.inQuote) return null;
      pkt.inQuote = true;
      return etherTypes.get(0x86dd) ?? fallback.data;
    }
    // A PROBE request's extension objects (RFC 8335 section 2) are not decoded here: shown as data.
    if (isEcho(t) || t === 160) return fallback.data;
    // Neighbor discovery, MLD and the rest: the body belongs to the message (shown in its tree).
    return null;
  },
  tree(pkt: Packet, li: number): TreeNode[] {
    const out: TreeNode[] = [];
    const start = pkt.layerStart[li];
    if (start + 2 <= pkt.capLen) {
      const t = typeOf(pkt, li);
      const c = pkt.u8(start + 1);
      out.push({ text: `Type: ${TYPE_NAMES.get(t) ?? 'Unknown'} (${t})`, field: 'icmpv6.type', offset: start, length: 1 });
      const full = icmpv6TypeText(t, c);
      const paren = full.indexOf(' (');
      // Only a code's own words (Destination unreachable's "(Port unreachable)"), not a type name's parentheses.
      out.push({ text: `Code: ${c}${paren > 0 && full !== TYPE_NAMES.get(t) ? full.slice(paren) : ''}`, field: 'icmpv6.code', offset: start + 1, length: 1 });
    }
    const c = checksum.get(pkt, li, 0);
    if (c !== undefined) {
      const s = icmpv6ChecksumStatus(pkt, li);
      const want = s === 0 ? hex0x(shouldBe(pkt, li, c as number), 4) : '';
      // tshark's proto_tree_add_checksum words: "[correct]", or "incorrect, should be" with a Warning.
      const verdict = s === 1 ? ' [correct]' : s === 0 ? ` incorrect, should be ${want}` : '';
      const line: TreeNode = { text: `Checksum: ${hex0x(c as number, 4)}${verdict}`, field: 'icmpv6.checksum', offset: start + 2, length: 2 };
      if (s === 0) attach(line, expertNode('Warning', 'Checksum', `Bad checksum [should be ${want}]`, 'icmpv6.checksum_bad.expert'));
      out.push(line);
      out.push({ text: `[Checksum Status: ${s === 1 ? 'Good' : s === 0 ? 'Bad' : 'Unverified'}]`, field: 'icmpv6.checksum.status', offset: start + 2, length: 2 });
    }
    for (const f of [echoId, echoSeq, mtu, pointer, nsTarget, naTarget]) add(out, fieldNode(pkt, li, f));
    const bodyStart = pkt.layerPayload[li];
    const end = pkt.layerEnd[li];
    if (pkt.layerCount === li + 1 && end > bodyStart) out.push({ text: `Message body (${end - bodyStart} bytes)`, offset: bodyStart, length: end - bodyStart });
    ndOptionNodes(pkt, li, out);
    return out;
  },
};
