/**
 * IPv6 (RFC 8200) and its extension headers, each its own layer as in
 * Wireshark (ipv6.hopopts, ipv6.routing, ipv6.fraghdr, ipv6.dstopts), chained
 * through the IP protocol table up to the transport header.
 *
 *   0   4        12                      31
 *   |ver| tclass |       flow label      |
 *   |  payload length  | next hdr | hlim |
 *   |        source address (16)         |
 *   |     destination address (16)       |
 *
 * Extension headers (section 4): hop-by-hop, routing and destination options
 * are (len + 1) * 8 bytes with next-header and length in their first two
 * bytes; the fragment header is 8 bytes. A payload length of 0 with a
 * Jumbo Payload option is a jumbogram (RFC 2675); without one the payload
 * is empty, as Wireshark reads it. Fragments after the first
 * are data: synack decodes frame by frame and does not reassemble.
 */
import { fallback, ipProtocols } from './dispatch';
import { address, computed, either, uint } from './fieldkit';
import { locatedUint } from './optionkit';
import type { Packet } from './packet';
import { Base, FieldType, type FieldDef, type Protocol, type TreeNode } from './protocol';
import { dsSummary, DSCP_NAMES, ECN_NAMES, PROTOCOL_NAMES } from './ipv4';
import { add, attach, bitPicture, expertNode, fieldNode, hex0x, inErrorQuote, ipv6Text } from './treekit';

export const HEADER_LEN = 40;
const NEXT_HOPOPTS = 0;
const NO_NEXT_HEADER = 59;
const OPT_PAD1 = 0;
const OPT_JUMBO = 0xc2;

/** layerAux bit on the ipv6 layer: the header's version nibble is not 6 (Wireshark stops after ipv6.version). */
const AUX_BAD_VERSION = 1;
/** layerAux bit: a jumbogram (payload length 0, length from the Jumbo Payload option). */
const AUX_JUMBO = 2;

function ok(pkt: Packet, li: number): boolean {
  return (pkt.layerAux[li] & AUX_BAD_VERSION) === 0;
}
function gated(f: FieldDef): FieldDef {
  const get = f.get;
  return { ...f, get: (pkt, li, k) => (ok(pkt, li) ? get(pkt, li, k) : undefined) };
}

const version = uint('ipv6.version', 'Version', 0, 1, { mask: 0xf0 });
const tclass = gated(uint('ipv6.tclass', 'Traffic Class', 0, 4, { mask: 0x0ff00000, base: Base.Hex, width: 8 }));
const dscp = gated(uint('ipv6.tclass.dscp', 'Differentiated Services Codepoint', 0, 4, { mask: 0x0fc00000, names: DSCP_NAMES }));
const ecn = gated(uint('ipv6.tclass.ecn', 'Explicit Congestion Notification', 0, 4, { mask: 0x00300000, names: ECN_NAMES }));
const flow = gated(uint('ipv6.flow', 'Flow Label', 0, 4, { mask: 0x000fffff, base: Base.Hex, width: 6 }));
const plen = gated(uint('ipv6.plen', 'Payload Length', 4, 2));
const nxt = gated(uint('ipv6.nxt', 'Next Header', 6, 1, { names: PROTOCOL_NAMES }));
const hlim = gated(uint('ipv6.hlim', 'Hop Limit', 7, 1));
const src = gated(address('ipv6.src', 'Source Address', FieldType.Ipv6, 8));
const dst = gated(address('ipv6.dst', 'Destination Address', FieldType.Ipv6, 24));
const srcHost = gated(address('ipv6.src_host', 'Source Host', FieldType.Ipv6, 8));
const dstHost = gated(address('ipv6.dst_host', 'Destination Host', FieldType.Ipv6, 24));

/** Looks for a Jumbo Payload option in the hop-by-hop header at `off`; its value, or -1. */
function jumboLength(pkt: Packet, off: number): number {
  if (pkt.avail(off) < 2) return -1;
  const end = off + (pkt.u8(off + 1) + 1) * 8;
  let o = off + 2;
  while (o < end && o < pkt.capLen) {
    const t = pkt.u8(o);
    if (t === OPT_PAD1) {
      o++;
      continue;
    }
    if (o + 2 > pkt.capLen) return -1;
    if (t === OPT_JUMBO && pkt.u8(o + 1) === 4 && o + 6 <= pkt.capLen) return pkt.u32(o + 2);
    o += 2 + pkt.u8(o + 1);
  }
  return -1;
}

const OPTION_NAMES: ReadonlyMap<number, string> = new Map([
  [0x00, 'Pad1'],
  [0x01, 'PadN'],
  [0x04, 'Tunnel Encapsulation Limit'],
  [0x05, 'Router Alert'],
  [0xc2, 'Jumbo Payload'],
  [0xc9, 'Home Address Option'],
]);

/* The options of the extension headers after this IPv6 header (chainOption and the headers are below; resolved at call time). */
const optionType = locatedUint('ipv6.opt.type', 'Type', (pkt, li, k) => chainOption(pkt, li, k, false), 0, 1, { base: Base.Hex, width: 2, names: OPTION_NAMES });
const optionLength = locatedUint('ipv6.opt.length', 'Length', (pkt, li, k) => chainOption(pkt, li, k, true), 1, 1);

/** The payload length the header declares: the field, or a jumbogram's Jumbo Payload option. */
function payloadLength(pkt: Packet, li: number): number {
  const start = pkt.layerStart[li];
  const p = pkt.u16(start + 4);
  return p === 0 && (pkt.layerAux[li] & AUX_JUMBO) !== 0 ? jumboLength(pkt, start + HEADER_LEN) : p;
}

/**
 * The layer's title as tshark's: the addresses are appended once the whole
 * fixed header was read, so a bad version or a header the link layer cuts
 * short shows the bare name.
 */
export function ipv6Title(pkt: Packet, li: number): string {
  const s = pkt.layerStart[li];
  if (!ok(pkt, li) || s + HEADER_LEN > pkt.capLen || s + HEADER_LEN > pkt.layerEnd[li]) return ipv6.label;
  return `${ipv6.label}, Src: ${ipv6Text(pkt, s + 8)}, Dst: ${ipv6Text(pkt, s + 24)}`;
}

/**
 * The expert items the tree draws, as X_* bits: tree() draws each under its
 * bit, and mayExpert() is "any bit", so -z expert skips exactly the headers
 * whose tree says nothing.
 */
const X_VERSION = 1;
const X_SHORT_HEADER = 2;
const X_PLEN_ZERO = 4;
const X_JUMBO_MISSING = 8;
const X_PLEN_EXCEEDS = 16;

function ipv6Experts(pkt: Packet, li: number): number {
  if (!ok(pkt, li)) return X_VERSION;
  const start = pkt.layerStart[li];
  let x = 0;
  // The link layer declared fewer bytes than the fixed header (outside an error's quote): tshark says so, reads on and stops where they end.
  if (pkt.layerEnd[li] - start < HEADER_LEN && !inErrorQuote(pkt, li)) x |= X_SHORT_HEADER;
  const p = plen.get(pkt, li, 0);
  if (p === undefined) return x;
  if (p === 0) {
    const nextHeader = pkt.u8(start + 6);
    // RFC 2675 3: a zero payload length needs a Jumbo Payload option in the hop-by-hop header.
    if (nextHeader === NEXT_HOPOPTS) {
      if ((pkt.layerAux[li] & AUX_JUMBO) === 0) x |= X_JUMBO_MISSING;
    } else if (nextHeader !== NO_NEXT_HEADER) {
      // tshark 4.0 does not suspect TSO when no header follows (next header 59), bytes after it or not.
      x |= X_PLEN_ZERO;
    }
  }
  const framing = pkt.layerEnd[li] - start - HEADER_LEN;
  // layerEnd stops at the bytes the link layer declared when the payload length claims more.
  if (framing >= 0 && payloadLength(pkt, li) > framing && !inErrorQuote(pkt, li)) x |= X_PLEN_EXCEEDS;
  return x;
}

export const ipv6: Protocol = {
  name: 'ipv6',
  label: 'Internet Protocol Version 6',
  short: 'IPv6',
  fields: [
    version,
    tclass,
    dscp,
    ecn,
    flow,
    plen,
    nxt,
    hlim,
    src,
    dst,
    either('ipv6.addr', 'Source or Destination Address', src, dst),
    srcHost,
    dstHost,
    either('ipv6.host', 'Source or Destination Host', srcHost, dstHost),
    optionType,
    optionLength,
  ],
  decode(pkt: Packet): Protocol | null {
    const start = pkt.cursor;
    const declared = pkt.limit - start;
    const li = pkt.push(ipv6, start, start + HEADER_LEN, pkt.limit);
    if (li < 0) return null;
    const avail = pkt.avail(start);
    if (declared < HEADER_LEN || avail < HEADER_LEN) {
      if (declared < HEADER_LEN) pkt.malformed('ipv6', 'fewer than 40 bytes for the IPv6 header');
      else pkt.truncated(HEADER_LEN, avail);
      return null;
    }
    if (pkt.u8(start) >> 4 !== 6) {
      pkt.layerAux[li] = AUX_BAD_VERSION;
      pkt.malformed('ipv6.version', 'version is not 6', true);
      return null;
    }
    let payload = pkt.u16(start + 4);
    const next = pkt.u8(start + 6);
    if (payload === 0) {
      const jumbo = next === NEXT_HOPOPTS ? jumboLength(pkt, start + HEADER_LEN) : -1;
      if (jumbo >= 0) {
        pkt.layerAux[li] = AUX_JUMBO;
        payload = jumbo;
      }
      // Otherwise the payload is empty: Wireshark (unlike for IPv4's TSO) takes the 0 at its word.
    }
    // tshark warns and goes on with the bytes there are.
    if (payload > declared - HEADER_LEN) pkt.malformed('ipv6.plen', 'payload length beyond the end of the frame', true);
    const end = start + HEADER_LEN + Math.min(payload, declared - HEADER_LEN);
    pkt.layerEnd[li] = end;
    pkt.cursor = start + HEADER_LEN;
    pkt.limit = end;
    if (next === NO_NEXT_HEADER) return pkt.cursor < end ? fallback.data : null;
    return ipProtocols[next] ?? fallback.data;
  },
  mayExpert: (pkt: Packet, li: number): boolean => ipv6Experts(pkt, li) !== 0,
  tree(pkt: Packet, li: number): TreeNode[] {
    const out: TreeNode[] = [];
    const start = pkt.layerStart[li];
    const x = ipv6Experts(pkt, li);
    const versionNode = fieldNode(pkt, li, version);
    add(out, versionNode);
    if (!ok(pkt, li)) {
      if (x & X_VERSION) attach(versionNode ?? undefined, expertNode('Error', 'Malformed', 'Bogus IPv6 version', 'ipv6.bogus_ipv6_version'));
      return out;
    }
    if (x & X_SHORT_HEADER) out.push(expertNode('Error', 'Malformed', 'IPv6 header must be exactly 40 bytes', 'ipv6.invalid_header'));
    const tc = tclass.get(pkt, li, 0);
    if (tc !== undefined) {
      const t = tc as number;
      out.push({
        text: `${bitPicture(pkt.u32(start), 0x0ff00000, 32)} = Traffic Class: ${hex0x(t, 2)} ${dsSummary(t)}`,
        field: 'ipv6.tclass',
        offset: start,
        length: 4,
        children: [fieldNode(pkt, li, dscp), fieldNode(pkt, li, ecn)].filter((n): n is TreeNode => n !== null),
      });
    }
    const fl = flow.get(pkt, li, 0);
    if (fl !== undefined) {
      // Drawn over the last three bytes, with as many hex digits as its 20 bits need, as tshark's tree does.
      const raw = (pkt.u8(start + 1) << 16) | pkt.u16(start + 2);
      out.push({ text: `${bitPicture(raw, 0x0fffff, 24)} = Flow Label: ${hex0x(fl as number, 5)}`, field: 'ipv6.flow', offset: start + 1, length: 3 });
    }
    const p = plen.get(pkt, li, 0);
    if (p !== undefined) {
      const jumbo = (pkt.layerAux[li] & AUX_JUMBO) !== 0;
      const line: TreeNode = { text: `Payload Length: ${p}${jumbo ? ' (Jumbogram)' : ''}`, field: 'ipv6.plen', offset: start + 4, length: 2 };
      if (x & X_PLEN_ZERO) {
        attach(line, expertNode('Chat', 'Protocol', 'IPv6 payload length equals 0 (maybe because of "TCP segmentation offload" (TSO))', 'ipv6.plen_zero'));
      } else if (x & X_JUMBO_MISSING) {
        attach(line, expertNode('Error', 'Malformed', 'IPv6 payload length equals 0 and Hop-By-Hop present and Jumbo Payload option missing', 'ipv6.opt.jumbo.missing'));
      }
      if (x & X_PLEN_EXCEEDS) {
        attach(line, expertNode('Warning', 'Protocol', `IPv6 payload length exceeds framing length (${pkt.layerEnd[li] - start - HEADER_LEN} bytes)`, 'ipv6.plen_exceeds_framing'));
      }
      out.push(line);
    }
    for (const f of [nxt, hlim, src, dst]) add(out, fieldNode(pkt, li, f));
    return out;
  },
};

/* ---- Extension headers ------------------------------------------------------------------ */

/** (len + 1) * 8 bytes: hop-by-hop, routing, destination options (RFC 8200 sections 4.3-4.6). */
function extensionLength(pkt: Packet, off: number): number {
  return (pkt.u8(off + 1) + 1) * 8;
}

/** Shared decode of an extension header of `fixedLen` bytes (8 for fragments) or its own length. */
function decodeExtension(pkt: Packet, proto: Protocol, fixedLen: number, lenField: string): Protocol | null {
  const start = pkt.cursor;
  const declared = pkt.limit - start;
  const li = pkt.push(proto, start, start + 8, pkt.limit);
  if (li < 0) return null;
  const avail = pkt.avail(start);
  if (declared < 2 || avail < 2) {
    if (declared < 2) pkt.malformed(proto.name, 'extension header cut short by the payload length');
    else pkt.truncated(8, avail);
    return null;
  }
  const hlen = fixedLen > 0 ? fixedLen : extensionLength(pkt, start);
  pkt.layerPayload[li] = start + hlen;
  if (hlen > declared) {
    pkt.malformed(lenField, 'extension header longer than the payload');
    return null;
  }
  if (avail < hlen) {
    pkt.truncated(hlen, avail);
    return null;
  }
  pkt.cursor = start + hlen;
  const next = pkt.u8(start);
  if (next === NO_NEXT_HEADER) return pkt.cursor < pkt.limit ? fallback.data : null;
  // A fragment other than the first carries no upper-layer header.
  if (proto === fraghdr && (pkt.u16(start + 2) & 0xfff8) !== 0) return fallback.data;
  return ipProtocols[next] ?? fallback.data;
}

function lenOctets(name: string): FieldDef {
  return {
    ...computed(name, 'Length', FieldType.Uint, (pkt, li, k) =>
      k === 0 && pkt.layerStart[li] + 2 <= pkt.capLen ? extensionLength(pkt, pkt.layerStart[li]) : undefined,
    ),
    offset: 1,
    length: 1,
  };
}

/** Frame-relative offset of option `k` in the options header at layer `li`, or -1. */
function optionAt(pkt: Packet, li: number, k: number): number {
  const start = pkt.layerStart[li];
  if (start + 2 > pkt.capLen || start + 2 > pkt.layerEnd[li]) return -1;
  // Options end with the header, the captured bytes, or the payload the IPv6 header declares.
  const end = Math.min(start + extensionLength(pkt, start), pkt.capLen, pkt.layerEnd[li]);
  let o = start + 2;
  for (let i = 0; o < end; i++) {
    const pad1 = pkt.u8(o) === OPT_PAD1;
    // An option is listed when its type and length bytes lie in the header (its data may run past: malformed).
    if (!pad1 && o + 2 > end) return -1;
    if (i === k) return o;
    o += pad1 ? 1 : 2 + pkt.u8(o + 1);
  }
  return -1;
}

/**
 * The options of every hop-by-hop and destination header that follows the
 * IPv6 layer `li`, in order: occurrence `k` as [layer, offset], or undefined.
 * Wireshark names them ipv6.opt.* in both headers; here the IPv6 layer
 * answers for its chain, since a field has one owning protocol.
 */
function chainOption(pkt: Packet, li: number, k: number, withLength: boolean): number {
  let seen = 0;
  for (let j = li + 1; j < pkt.layerCount; j++) {
    const p = pkt.layerProto[j];
    if (p !== hopopts && p !== dstopts) {
      if (p === routing || p === fraghdr) continue;
      break;
    }
    for (let i = 0; ; i++) {
      const o = optionAt(pkt, j, i);
      if (o < 0) break;
      if (withLength && (pkt.u8(o) === OPT_PAD1 || o + 2 > pkt.capLen)) continue;
      if (seen++ === k) return o;
    }
  }
  return -1;
}


function optionNodes(pkt: Packet, li: number): TreeNode[] {
  const out: TreeNode[] = [];
  for (let k = 0; ; k++) {
    const o = optionAt(pkt, li, k);
    if (o < 0) break;
    const t = pkt.u8(o);
    const n = t === OPT_PAD1 ? 1 : 2 + (o + 1 < pkt.capLen ? pkt.u8(o + 1) : 0);
    const name = OPTION_NAMES.get(t) ?? `Unknown (${hex0x(t, 2)})`;
    let text = `${name}`;
    if (t === OPT_JUMBO && o + 6 <= pkt.capLen) text += `: Payload Length: ${pkt.u32(o + 2)}`;
    out.push({ text, field: 'ipv6.opt.type', offset: o, length: n });
  }
  return out;
}

/** An extension header the IPv6 payload length leaves no room for shows no field (Wireshark's tvb ends there). */
function inPayload(f: FieldDef): FieldDef {
  const get = f.get;
  return { ...f, get: (pkt, li, k) => (pkt.layerStart[li] + 2 <= pkt.layerEnd[li] ? get(pkt, li, k) : undefined) };
}

function optionsHeader(name: 'ipv6.hopopts' | 'ipv6.dstopts', label: string, short: string): Protocol {
  const lenField = `${name}.len`;
  const fields = [
    uint(`${name}.nxt`, 'Next Header', 0, 1, { names: PROTOCOL_NAMES }),
    uint(`${name}.len`, 'Length', 1, 1),
    lenOctets(`${name}.len_oct`),
  ].map(inPayload);
  const proto: Protocol = {
    name,
    label,
    short,
    fields,
    decode: (pkt) => decodeExtension(pkt, proto, 0, lenField),
    tree(pkt, li) {
      const out: TreeNode[] = [];
      for (const f of fields) add(out, fieldNode(pkt, li, f));
      out.push(...optionNodes(pkt, li));
      return out;
    },
  };
  return proto;
}

// Both option headers report their options under the same names (ipv6.opt.*); Wireshark does the same.
export const hopopts = optionsHeader('ipv6.hopopts', 'IPv6 Hop-by-Hop Option', 'IPv6 Hop-by-Hop');
export const dstopts = optionsHeader('ipv6.dstopts', 'Destination Options for IPv6', 'IPv6 Destination');

const ROUTING_NAMES: ReadonlyMap<number, string> = new Map([
  [0, 'Source Route'],
  [2, 'Type 2 Routing'],
  [3, 'RPL Source Route'],
  [4, 'Segment Routing'],
]);

const routingFields = [
  uint('ipv6.routing.nxt', 'Next Header', 0, 1, { names: PROTOCOL_NAMES }),
  uint('ipv6.routing.len', 'Length', 1, 1),
  lenOctets('ipv6.routing.len_oct'),
  uint('ipv6.routing.type', 'Type', 2, 1, { names: ROUTING_NAMES }),
  uint('ipv6.routing.segleft', 'Segments Left', 3, 1),
].map(inPayload);

export const routing: Protocol = {
  name: 'ipv6.routing',
  label: 'Routing Header for IPv6',
  short: 'IPv6 Routing',
  fields: routingFields,
  decode: (pkt) => decodeExtension(pkt, routing, 0, 'ipv6.routing.len'),
  tree(pkt, li) {
    const out: TreeNode[] = [];
    for (const f of routingFields) add(out, fieldNode(pkt, li, f));
    return out;
  },
};

/** Wireshark reads the 8-byte fragment header whole: cut short (by the capture or the payload length), it shows none of it. */
function wholeFragment(f: FieldDef): FieldDef {
  const get = f.get;
  return {
    ...f,
    get: (pkt, li, k) => {
      const end = pkt.layerStart[li] + 8;
      return end <= pkt.capLen && end <= pkt.layerEnd[li] ? get(pkt, li, k) : undefined;
    },
  };
}

const fragFields = [
  uint('ipv6.fraghdr.nxt', 'Next header', 0, 1, { names: PROTOCOL_NAMES }),
  uint('ipv6.fraghdr.reserved_octet', 'Reserved octet', 1, 1, { base: Base.Hex }),
  uint('ipv6.fraghdr.offset', 'Offset', 2, 2, { mask: 0xfff8 }),
  uint('ipv6.fraghdr.reserved_bits', 'Reserved bits', 2, 2, { mask: 0x0006 }),
  { ...uint('ipv6.fraghdr.more', 'More Fragments', 2, 2, { mask: 0x0001 }), type: FieldType.Bool },
  uint('ipv6.fraghdr.ident', 'Identification', 4, 4, { base: Base.Hex }),
].map(wholeFragment);

export const fraghdr: Protocol = {
  name: 'ipv6.fraghdr',
  label: 'Fragment Header for IPv6',
  short: 'IPv6 Fragment',
  fields: fragFields,
  decode: (pkt) => decodeExtension(pkt, fraghdr, 8, 'ipv6.fraghdr'),
  tree(pkt, li) {
    const out: TreeNode[] = [];
    for (const f of fragFields) add(out, fieldNode(pkt, li, f));
    return out;
  },
};
