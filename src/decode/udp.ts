/**
 * UDP (RFC 768; RFC 8200 section 8.1 for IPv6, where a zero checksum is illegal).
 *
 *   0               16              31
 *   |  source port  |   dest port   |
 *   |    length     |   checksum    |
 *
 * Layer: start = header, payload = start + 8, end = start + the length field.
 * The payload is dispatched by port (udpPorts: DNS, DHCP ...), lower port first.
 */
import { fallback, udpPorts } from './dispatch';
import { computed, either, uint } from './fieldkit';
import type { Packet } from './packet';
import { Base, FieldType, type FieldDef, type Protocol, type TreeNode } from './protocol';
import { CHECKSUM_BAD, CHECKSUM_GOOD, CHECKSUM_UNVERIFIED, transportChecksum } from './tcp';
import { add, attach, expertNode, fieldNode, hex0x } from './treekit';

export const HEADER_LEN = 8;

/** Wireshark's PROTO_CHECKSUM_E_NOT_PRESENT: an IPv4 sender may send 0 for "no checksum" (RFC 768). */
export const CHECKSUM_NOT_PRESENT = 3;

/** The layer's length field was checked by decode() (layerAux = 1). */
function lengthValid(pkt: Packet, li: number): boolean {
  return pkt.layerAux[li] === 1;
}

/** The parent IPv4 header has more fragments to come (RFC 791): the datagram continues elsewhere. */
function inFirstFragment(pkt: Packet, li: number): boolean {
  if (li < 1 || pkt.layerProto[li - 1].name !== 'ip') return false;
  const ip = pkt.layerStart[li - 1];
  return ip + 8 <= pkt.capLen && (pkt.u8(ip + 6) & 0x20) !== 0;
}

/** The datagram's network layer is IPv6 (possibly behind extension headers). */
function overIpv6(pkt: Packet, li: number): boolean {
  for (let i = li - 1; i > 0; i--) {
    const n = pkt.layerProto[i].name;
    if (n === 'ipv6') return true;
    if (!n.startsWith('ipv6.')) return false;
  }
  return false;
}

/** Zero checksum: absent over IPv4 (and in ICMP quotes), illegal over IPv6. */
function zeroChecksumStatus(pkt: Packet, li: number): number {
  const parent = li > 0 ? pkt.layerProto[li - 1].name : '';
  return parent === 'ip' || pkt.inQuote ? CHECKSUM_NOT_PRESENT : CHECKSUM_BAD;
}

/** UDP checksum verdict computed by synack. */
export function udpChecksumStatus(pkt: Packet, li: number): number {
  const sum = pkt.u16(pkt.layerStart[li] + 6);
  if (sum === 0) return zeroChecksumStatus(pkt, li);
  if (!lengthValid(pkt, li)) return CHECKSUM_UNVERIFIED;
  let want = transportChecksum(pkt, li, 17, 6);
  if (want < 0) return CHECKSUM_UNVERIFIED;
  // RFC 768: a computed zero is sent as all ones.
  if (want === 0) want = 0xffff;
  return sum === want ? CHECKSUM_GOOD : CHECKSUM_BAD;
}

/** The payload's length as the header declares it (length field - 8), or -1 when the field is invalid. */
export function udpPayloadLength(pkt: Packet, li: number): number {
  return lengthValid(pkt, li) ? pkt.layerEnd[li] - pkt.layerPayload[li] : -1;
}

const srcport = uint('udp.srcport', 'Source Port', 0, 2);
const dstport = uint('udp.dstport', 'Destination Port', 2, 2);
const length = uint('udp.length', 'Length', 4, 2);
const checksum = uint('udp.checksum', 'Checksum', 6, 2, { base: Base.Hex });

/**
 * tshark 4.0 does not verify UDP checksums by default: 2 (unverified), except
 * that a zero checksum is 3 (not present) over IPv4 and 0 (illegal) over IPv6.
 */
const checksumStatus = computed('udp.checksum.status', 'Checksum Status', FieldType.Uint, (pkt, li, k) => {
  const o = pkt.layerStart[li] + 6;
  if (k !== 0 || o + 2 > pkt.capLen) return undefined;
  return pkt.u16(o) === 0 ? zeroChecksumStatus(pkt, li) : CHECKSUM_UNVERIFIED;
});

const synackChecksumStatus = computed('synack.udp.checksum.status', 'Checksum Status (verified by synack)', FieldType.Uint, (pkt, li, k) =>
  k === 0 && pkt.layerStart[li] + 8 <= pkt.capLen ? udpChecksumStatus(pkt, li) : undefined,
);

const payload: FieldDef = {
  name: 'udp.payload',
  label: 'UDP payload',
  type: FieldType.Bytes,
  get: (pkt, li, k) => {
    const p = pkt.layerPayload[li];
    return k === 0 && lengthValid(pkt, li) && pkt.layerEnd[li] > p && p < pkt.capLen ? p : undefined;
  },
  size: (pkt, li) => pkt.layerEnd[li] - pkt.layerPayload[li],
  span: (pkt, li) => ({ offset: pkt.layerPayload[li], length: pkt.layerEnd[li] - pkt.layerPayload[li] }),
};

const fields: FieldDef[] = [
  srcport,
  dstport,
  either('udp.port', 'Source or Destination Port', srcport, dstport),
  length,
  checksum,
  checksumStatus,
  synackChecksumStatus,
  payload,
];

const STATUS_WORDS = ['Bad', 'Good', 'Unverified', 'Not present'];

/**
 * LBL traceroute's probes go to ports 33435 and up, three per hop: tshark
 * marks a port in the first ten hops' range (32768 + 666 + 1 .. + 30). The
 * probe's number, or -1.
 */
function tracerouteProbe(port: number): number {
  const n = port - 32768 - 666 - 1;
  return n >= 0 && n < 30 ? n : -1;
}

function traceroute(line: TreeNode | null, port: number): TreeNode | null {
  const n = tracerouteProbe(port);
  if (line !== null && n >= 0) {
    attach(line, expertNode('Chat', 'Sequence', `Possible traceroute: hop #${Math.trunc(n / 3) + 1}, attempt #${(n % 3) + 1}`, 'udp.possible_traceroute'));
  }
  return line;
}

/**
 * The expert items the tree draws, as U_* bits: tree() draws each under its
 * bit, and mayExpert() is "any bit", so -z expert skips exactly the headers
 * whose tree says nothing.
 */
const U_TRACEROUTE_SRC = 1;
const U_TRACEROUTE_DST = 2;
const U_LEN_SHORT = 4;
const U_LEN_LONG = 8;
const U_LEN_ZERO = 16;
const U_CHECKSUM_ZERO = 32;

function udpExperts(pkt: Packet, li: number): number {
  const start = pkt.layerStart[li];
  let x = 0;
  if (start + 2 <= pkt.capLen && tracerouteProbe(pkt.u16(start)) >= 0) x |= U_TRACEROUTE_SRC;
  if (start + 4 <= pkt.capLen && tracerouteProbe(pkt.u16(start + 2)) >= 0) x |= U_TRACEROUTE_DST;
  if (start + HEADER_LEN > pkt.capLen) return x;
  // tshark's length checks (its words): below 8 stops the dissection, beyond the IP payload does not.
  const raw = pkt.u16(start + 4);
  const declared = pkt.layerEnd[li] - start;
  // (A header cut short by the IP payload is the problem itself, not its length field.)
  if (!lengthValid(pkt, li)) {
    if (declared >= HEADER_LEN) x |= U_LEN_SHORT;
  } else {
    if (raw > declared) x |= U_LEN_LONG;
    // RFC 2675 4: a jumbogram's zero length stands for a payload of 65536 bytes or more.
    if (raw === 0 && declared < 65536) x |= U_LEN_ZERO;
  }
  // (Only where the IP payload declares the whole header: tshark stops before the checksum otherwise.)
  if (pkt.u16(start + 6) === 0 && declared >= HEADER_LEN && udpChecksumStatus(pkt, li) === CHECKSUM_BAD) x |= U_CHECKSUM_ZERO;
  return x;
}

function tree(pkt: Packet, li: number): TreeNode[] {
  const out: TreeNode[] = [];
  const start = pkt.layerStart[li];
  const captured = start + 8 <= pkt.capLen;
  const x = udpExperts(pkt, li);
  add(out, traceroute(fieldNode(pkt, li, srcport), x & U_TRACEROUTE_SRC ? pkt.u16(start) : -1));
  add(out, traceroute(fieldNode(pkt, li, dstport), x & U_TRACEROUTE_DST ? pkt.u16(start + 2) : -1));
  const lenLine = fieldNode(pkt, li, length);
  add(out, lenLine);
  if (lenLine !== null && captured) {
    const raw = pkt.u16(start + 4);
    const declared = pkt.layerEnd[li] - start;
    if (x & U_LEN_SHORT) {
      lenLine.text += ' (bogus, must be >= 8)';
      attach(lenLine, expertNode('Error', 'Malformed', `Bad length value ${raw} < 8`, 'udp.length.bad'));
      return out;
    }
    if (x & U_LEN_LONG) {
      lenLine.text += ` (bogus, payload length ${declared})`;
      attach(lenLine, expertNode('Error', 'Malformed', `Bad length value ${raw} > IP payload length`, 'udp.length.bad'));
    }
    if (x & U_LEN_ZERO) attach(lenLine, expertNode('Warning', 'Protocol', 'Length is zero but payload < 65536', 'udp.length.bad_zero'));
  }
  if (captured) {
    const sum = pkt.u16(start + 6);
    const status = udpChecksumStatus(pkt, li);
    let text = `Checksum: ${hex0x(sum, 4)}`;
    if (sum === 0) text += status === CHECKSUM_NOT_PRESENT ? ' [zero: no checksum (RFC 768)]' : ' [zero: illegal over IPv6 (RFC 8200 8.1)]';
    else if (status === CHECKSUM_GOOD) text += ' [correct]';
    else if (status === CHECKSUM_BAD) {
      let want = transportChecksum(pkt, li, 17, 6);
      if (want === 0) want = 0xffff;
      text += ` [incorrect, should be ${hex0x(want, 4)} (maybe caused by checksum offload)]`;
    } else text += ' [unverified]';
    const line: TreeNode = { text, field: 'udp.checksum', offset: start + 6, length: 2 };
    if (x & U_CHECKSUM_ZERO) attach(line, expertNode('Error', 'Checksum', 'Illegal checksum value (0)', 'udp.checksum.zero'));
    out.push(line);
    out.push({ text: `[Checksum Status (synack): ${STATUS_WORDS[status]}]`, field: 'synack.udp.checksum.status', offset: start + 6, length: 2 });
  }
  const n = udpPayloadLength(pkt, li);
  if (n > 0) out.push({ text: `UDP payload (${n} byte${n === 1 ? '' : 's'})`, field: 'udp.payload', offset: pkt.layerPayload[li], length: n });
  return out;
}

export const udp: Protocol = {
  name: 'udp',
  label: 'User Datagram Protocol',
  short: 'UDP',
  fields,
  mayExpert: (pkt: Packet, li: number): boolean => udpExperts(pkt, li) !== 0,
  decode(pkt: Packet): Protocol | null {
    const start = pkt.cursor;
    const declared = pkt.limit - start;
    const li = pkt.push(udp, start, start + HEADER_LEN, pkt.limit);
    if (li < 0) return null;
    const avail = pkt.avail(start);
    if (declared < HEADER_LEN) {
      pkt.malformed('udp', 'fewer than 8 bytes for the UDP header');
      return null;
    }
    if (avail < HEADER_LEN) {
      pkt.truncated(HEADER_LEN, avail);
      return null;
    }
    let len = pkt.u16(start + 4);
    // RFC 2675 4: in an IPv6 jumbogram the UDP length is 0 and the datagram is the rest of the
    // payload; like tshark, a 0 over IPv6 is read so whatever the payload's size.
    if (len === 0 && overIpv6(pkt, li)) len = declared;
    if (len < HEADER_LEN) {
      pkt.malformed('udp.length', 'length below 8', true);
      return null;
    }
    pkt.layerAux[li] = 1;
    pkt.layerEnd[li] = start + len;
    if (len > declared) {
      // An ICMP error quotes only the first bytes of the datagram, a first IPv4 fragment carries
      // only its start: the length may point past them. Otherwise the length contradicts the IP
      // header; like tshark, go on with the IP payload.
      if (!pkt.inQuote && !inFirstFragment(pkt, li)) {
        pkt.malformed('udp.length', 'length beyond the IP payload', true);
        pkt.layerEnd[li] = start + declared;
      }
    }
    pkt.cursor = start + HEADER_LEN;
    pkt.limit = start + (len < declared ? len : declared);
    if (pkt.cursor >= pkt.limit) return null;
    const sp = pkt.u16(start);
    const dp = pkt.u16(start + 2);
    // As Wireshark: the lower port is tried first (servers usually have it).
    const next = sp < dp ? udpPorts.get(sp) ?? udpPorts.get(dp) : udpPorts.get(dp) ?? udpPorts.get(sp);
    return next ?? fallback.data;
  },
  tree,
};
