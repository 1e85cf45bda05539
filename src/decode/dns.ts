/**
 * DNS messages (RFC 1035 section 4; EDNS0 OPT, RFC 6891; mDNS, RFC 6762) over UDP,
 * and the data of the DNSSEC records (RFC 4034, RFC 5155, RFC 7344) as tshark 4.0 shows it.
 *
 *   0        2        4        6        8        10       12
 *   |  id    | flags  | qdcount| ancount| nscount| arcount| questions, answers, authority, additional
 *
 * decode() checks the 12-byte header and walks every record once, without
 * building names, so a record that runs past the message is reported
 * (truncated by the capture, or malformed) as tshark reports it. Names are
 * built only when a getter, the summary or the tree asks for them.
 *
 * Compressed names (RFC 1035 4.1.4) are followed with a bound on jumps and on
 * the name's length, so a pointer loop or a pointer out of the message ends
 * the name with a marker ("<Name contains a pointer that loops>") instead of
 * hanging or throwing.
 */
import { computed, flag, uint } from './fieldkit';
import { OccurrenceCursor, OffsetIndex } from './offsets';
import { fallback } from './dispatch';
import { ProblemKind, type Packet } from './packet';
import { Base, FieldType, type FieldDef, type FieldValue, type Protocol, type TreeNode } from './protocol';
import { utcTimeText } from './nstime';
import { add, asciiCString, bitPicture, bytesText, expertNode, fieldNode, flagNode, formatText, hex0x, hexText, ipv4Text, ipv6Text, ipv6TextAt } from './treekit';

export const HEADER_LEN = 12;

/** RFC 1035 2.3.4: 255 octets on the wire; Wireshark's limit for the text form. */
const MAX_NAME_TEXT = 255;
/** More jumps than a legal name can need (each label is at least 2 bytes of a 255-byte name). */
const MAX_POINTER_JUMPS = 128;

export const T_A = 1;
export const T_NS = 2;
export const T_CNAME = 5;
export const T_SOA = 6;
export const T_PTR = 12;
export const T_MX = 15;
export const T_TXT = 16;
export const T_AAAA = 28;
export const T_SRV = 33;
export const T_OPT = 41;
const T_SIG = 24;
const T_DS = 43;
const T_SSHFP = 44;
const T_RRSIG = 46;
const T_NSEC = 47;
const T_DNSKEY = 48;
const T_NSEC3 = 50;
const T_NSEC3PARAM = 51;
const T_CDS = 59;
const T_CDNSKEY = 60;
const T_DLV = 32769;

const F_RESPONSE = 0x8000;
const F_RCODE = 0x000f;

/** Layer aux bit: the message came on the mDNS port (5353): classes carry the QU / cache-flush bit. */
const AUX_MDNS = 1;
/** Carried by TCP: a two-byte length precedes the message. */
const AUX_TCP = 2;

/** Wireshark 4.0's short type names (dns_types_vals: its MAILA and MAILB swapped, no SMIMEA, NINFO, AVC ...). */
export const DNS_TYPE_NAMES = new Map<number, string>([
  [0, 'Unused'], [1, 'A'], [2, 'NS'], [3, 'MD'], [4, 'MF'], [5, 'CNAME'], [6, 'SOA'], [7, 'MB'], [8, 'MG'], [9, 'MR'],
  [10, 'NULL'], [11, 'WKS'], [12, 'PTR'], [13, 'HINFO'], [14, 'MINFO'], [15, 'MX'], [16, 'TXT'], [17, 'RP'], [18, 'AFSDB'],
  [19, 'X25'], [20, 'ISDN'], [21, 'RT'], [22, 'NSAP'], [23, 'NSAP-PTR'], [24, 'SIG'], [25, 'KEY'], [26, 'PX'], [27, 'GPOS'],
  [28, 'AAAA'], [29, 'LOC'], [30, 'NXT'], [31, 'EID'], [32, 'NIMLOC'], [33, 'SRV'], [34, 'ATMA'], [35, 'NAPTR'], [36, 'KX'],
  [37, 'CERT'], [38, 'A6'], [39, 'DNAME'], [40, 'SINK'], [41, 'OPT'], [42, 'APL'], [43, 'DS'], [44, 'SSHFP'], [45, 'IPSECKEY'],
  [46, 'RRSIG'], [47, 'NSEC'], [48, 'DNSKEY'], [49, 'DHCID'], [50, 'NSEC3'], [51, 'NSEC3PARAM'], [52, 'TLSA'],
  [55, 'HIP'], [57, 'RKEY'], [58, 'TALINK'], [59, 'CDS'], [60, 'CDNSKEY'], [61, 'OPENPGPKEY'], [62, 'CSYNC'],
  [63, 'ZONEMD'], [64, 'SVCB'], [65, 'HTTPS'], [99, 'SPF'], [100, 'UINFO'], [101, 'UID'], [102, 'GID'], [103, 'UNSPEC'],
  [104, 'NID'], [105, 'L32'], [106, 'L64'], [107, 'LP'], [108, 'EUI48'], [109, 'EUI64'], [249, 'TKEY'], [250, 'TSIG'],
  [251, 'IXFR'], [252, 'AXFR'], [253, 'MAILA'], [254, 'MAILB'], [255, 'ANY'], [256, 'URI'], [257, 'CAA'],
  [32768, 'TA'], [32769, 'DLV'], [65281, 'WINS'], [65282, 'WINS-R'], [65422, 'XPF'],
]);

export const DNS_CLASS_NAMES = new Map<number, string>([[1, 'IN'], [2, 'CS'], [3, 'CH'], [4, 'HS'], [254, 'NONE'], [255, 'ANY']]);

export const DNS_OPCODE_NAMES = new Map<number, string>([
  [0, 'Standard query'], [1, 'Inverse query'], [2, 'Server status request'], [4, 'Zone change notification'],
  [5, 'Dynamic update'], [6, 'DNS Stateful operations (DSO)'],
]);

export const DNS_RCODE_NAMES = new Map<number, string>([
  [0, 'No error'], [1, 'Format error'], [2, 'Server failure'], [3, 'No such name'], [4, 'Not implemented'], [5, 'Refused'],
  [6, 'Name exists'], [7, 'RRset exists'], [8, 'RRset does not exist'], [9, 'Not authoritative'], [10, 'Name out of zone'],
  [11, 'DSO-Type Not Implemented'],
]);

/** "A", or "Unknown (507)" as Wireshark writes types it does not know. */
export function dnsTypeName(t: number): string {
  return DNS_TYPE_NAMES.get(t) ?? `Unknown (${t})`;
}

/**
 * Wireshark 4.0's dns_types_description_vals: how its tree names a type ("Type:", "Type Covered:", a type
 * bit map). Read off tshark itself: an NSEC record whose bit maps list every type of windows 0, 1, 128, 255.
 */
const DNS_TYPE_DESCRIPTIONS = new Map<number, string>([
  [0, 'Unused'], [1, 'A (Host Address)'], [2, 'NS (authoritative Name Server)'], [3, 'MD (Mail Destination)'], [4, 'MF (Mail Forwarder)'],
  [5, 'CNAME (Canonical NAME for an alias)'], [6, 'SOA (Start Of a zone of Authority)'], [7, 'MB (MailBox domain name)'], [8, 'MG (Mail Group member)'],
  [9, 'MR (Mail Rename domain)'], [10, 'NULL RR'], [11, 'WKS (Well Known Service)'], [12, 'PTR (domain name PoinTeR)'], [13, 'HINFO (host information)'],
  [14, 'MINFO (Mailbox or mail list information)'], [15, 'MX (Mail eXchange)'], [16, 'TXT (Text strings)'], [17, 'RP (Responsible Person)'],
  [18, 'AFSDB (AFS Data Base location)'], [19, 'X25 (XX.25 PSDN address)'], [20, 'ISDN (ISDN address)'], [21, 'RT (Route Through)'],
  [22, 'NSAP (NSAP address)'], [23, 'NSAP-PTR (NSAP domain name pointer)'], [24, 'SIG (security signature)'], [25, 'KEY (security key)'],
  [26, 'PX (X.400 mail mapping information)'], [27, 'GPOS (Geographical Position)'], [28, 'AAAA (IPv6 Address)'], [29, 'LOC (Location Information)'],
  [30, 'NXT (Next Domain)'], [31, 'EID (Endpoint Identifier)'], [32, 'NIMLOC (Nimrod Locator)'], [33, 'SRV (Server Selection)'], [34, 'ATMA (ATM Address)'],
  [35, 'NAPTR (Naming Authority Pointer)'], [36, 'KX (Key Exchanger)'], [37, 'CERT'], [38, 'A6 (OBSOLETE - use AAAA)'], [39, 'DNAME'], [40, 'SINK'],
  [41, 'OPT'], [42, 'APL'], [43, 'DS (Delegation Signer)'], [44, 'SSHFP (SSH Key Fingerprint)'], [45, 'IPSECKEY'], [46, 'RRSIG (Resource Record Signature)'],
  [47, 'NSEC (Next Secure)'], [48, 'DNSKEY (DNS Public Key)'], [49, 'DHCID'], [50, 'NSEC3'], [51, 'NSEC3PARAM'], [52, 'TLSA'],
  [55, 'HIP (Host Identity Protocol)'], [57, 'RKEY'], [58, 'TALINK (Trust Anchor LINK)'], [59, 'CDS (Child DS)'],
  [60, 'CDNSKEY (DNSKEY(s) the Child wants reflected in DS)'], [61, 'OPENPGPKEY (OpenPGP Key)'], [62, 'CSYNC (Child-to-Parent Synchronization)'],
  [63, 'ZONEMD'], [64, 'SVCB (General Purpose Service Endpoints)'], [65, 'HTTPS (HTTPS Specific Service Endpoints)'], [99, 'SPF'], [100, 'UINFO'],
  [101, 'UID'], [102, 'GID'], [103, 'UNSPEC'], [104, 'NID (NodeID)'], [105, 'L32 (Locator32)'], [106, 'L64 (Locator64)'], [107, 'LP (Locator FQDN)'],
  [108, 'EUI48'], [109, 'EUI64'], [249, 'TKEY (Transaction Key)'], [250, 'TSIG (Transaction Signature)'], [251, 'IXFR (incremental transfer)'],
  [252, 'AXFR (transfer of an entire zone)'], [253, 'MAILB (mailbox-related RRs)'], [254, 'MAILA (mail agent RRs)'],
  [255, '* (A request for all records the server/cache has available)'], [256, 'URI'], [257, 'CAA (Certification Authority Restriction)'],
  [32768, 'TA (DNSSEC Trust Authorities)'], [32769, 'DLV (DNSSEC Lookaside Validation)'], [65281, 'WINS'], [65282, 'WINS-R'], [65422, 'XPF'],
]);

/** A type as tshark's tree writes a type field: "A (Host Address) (1)", "Unknown (507)". */
function typeDescription(t: number): string {
  return `${DNS_TYPE_DESCRIPTIONS.get(t) ?? 'Unknown'} (${t})`;
}

/** A record's "Type:" line. */
function typeLine(t: number): string {
  return `Type: ${typeDescription(t)}`;
}

/**
 * Types whose data tshark 4.0 dissects (its dissect_dns_answer cases, found by asking it about every type
 * 0-299 and the high ones in use). Data of any other type it shows as bytes under a Note: "Dissector for DNS
 * Type (256) code not implemented" (dns-uri.pcap).
 */
function tsharkDissects(t: number): boolean {
  if (t <= 65) return t !== 0 && t !== 31 && t !== 32 && t !== 34 && t !== 40 && t !== 53 && t !== 54 && (t < 56 || t > 58);
  return t === 99 || (t >= 104 && t <= 109) || t === 249 || t === 250 || t === 257 || t === 32769 || t === 65281 || t === 65282 || t === 65422;
}

export function dnsOpcodeName(op: number): string {
  return DNS_OPCODE_NAMES.get(op) ?? `Unknown operation (${op})`;
}

export function dnsRcodeName(rc: number): string {
  return DNS_RCODE_NAMES.get(rc) ?? `Unknown error (${rc})`;
}

// ---- walking the message without allocating ----

/** skipName: the name runs past `end`. */
const PAST_END = -1;
/** skipName: a label type RFC 1035 leaves undefined (0x40, 0x80; RFC 6891 retired extended labels). */
const BAD_LABEL = -2;

/**
 * Offset just after the name starting at frame-relative `o` (a pointer ends
 * the name in place), or PAST_END / BAD_LABEL. Reads nothing at or past `end`.
 */
function skipName(pkt: Packet, o: number, end: number): number {
  while (o < end) {
    const len = pkt.u8(o);
    if (len === 0) return o + 1;
    if ((len & 0xc0) === 0xc0) return o + 2 <= end ? o + 2 : PAST_END;
    if ((len & 0xc0) !== 0) return BAD_LABEL;
    o += 1 + len;
  }
  return PAST_END;
}

/** Total records the header announces. */
function recordCount(pkt: Packet, start: number): number {
  return pkt.u16(start + 4) + pkt.u16(start + 6) + pkt.u16(start + 8) + pkt.u16(start + 10);
}

/**
 * Frame-relative offset of record `index` (questions first, then answers,
 * authority and additional records), or -1 when the message ends before it.
 * Reads only what was captured.
 */
export function dnsRecord(pkt: Packet, li: number, index: number): number {
  const r = records.of(pkt, li);
  return index < r.count ? r.offsets[index] : -1;
}

/** Offsets of every record of the message (a message can announce 65535 of them). */
const records = new OffsetIndex((pkt, li, index) => {
  const start = pkt.layerStart[li];
  const end = messageEnd(pkt, li);
  if (start + HEADER_LEN > end) return;
  const qd = pkt.u16(start + 4);
  const total = recordCount(pkt, start);
  let o = start + HEADER_LEN;
  for (let i = 0; i < total && o < end; i++) {
    index.add(o);
    const n = skipName(pkt, o, end);
    if (n < 0) return;
    if (i < qd) o = n + 4;
    else {
      if (n + 10 > end) return;
      o = n + 10 + pkt.u16(n + 8);
    }
  }
});

/** Bytes of the message that can be read: the declared end, cut at the capture's end. */
function messageEnd(pkt: Packet, li: number): number {
  const e = pkt.layerEnd[li];
  return e < pkt.capLen ? e : pkt.capLen;
}

/** Where the fixed part of a record (type, class ...) starts: after its owner name, or -1. */
function afterName(pkt: Packet, li: number, o: number): number {
  return skipName(pkt, o, messageEnd(pkt, li));
}

/** Section of record `index`: 0 question, 1 answer, 2 authority, 3 additional. */
export function dnsSection(pkt: Packet, li: number, index: number): number {
  const s = pkt.layerStart[li];
  let n = pkt.u16(s + 4);
  if (index < n) return 0;
  n += pkt.u16(s + 6);
  if (index < n) return 1;
  n += pkt.u16(s + 8);
  return index < n ? 2 : 3;
}

// ---- names as text ----

/**
 * The name at frame-relative `o` as Wireshark writes it: labels joined by
 * dots, "<Root>" for the root. Label bytes are taken as Latin-1 characters;
 * the output layer escapes the unprintable ones (OutBuf.text8, sanitize).
 */
export function dnsName(pkt: Packet, li: number, o: number): string {
  const start = pkt.layerStart[li];
  const end = messageEnd(pkt, li);
  let s = '';
  let jumps = 0;
  let first = true;
  while (true) {
    if (o >= end) return s + (first ? '<Name truncated>' : '');
    const len = pkt.u8(o);
    if (len === 0) return first ? '<Root>' : s;
    if ((len & 0xc0) === 0xc0) {
      if (o + 2 > end) return s;
      if (++jumps > MAX_POINTER_JUMPS) return s + '<Name contains a pointer that loops>';
      const target = start + (pkt.u16(o) & 0x3fff);
      if (target >= end) return s + '<Name contains a pointer beyond the message>';
      o = target;
      continue;
    }
    if ((len & 0xc0) !== 0) return s + '<Unknown extended label>';
    if (o + 1 + len > end) return s;
    if (!first) s += '.';
    for (let i = 0; i < len; i++) s += String.fromCharCode(pkt.u8(o + 1 + i));
    if (s.length > MAX_NAME_TEXT) return '<Name too long>';
    first = false;
    o += 1 + len;
  }
}

/** Length of the name's text form, as tshark counts it ("<Root>" counts 6). */
function nameTextLength(name: string): number {
  return name.length;
}

/** Labels as tshark 4.0 counts them: the dots of the text form plus one ("<Root>" is 1). */
function labelCount(name: string): number {
  let n = 1;
  for (let i = 0; i < name.length; i++) if (name.charCodeAt(i) === 46) n++;
  return n;
}

// ---- fields ----

/** Occurrence k of a question (section 0) or of a resource record (sections 1-3), as a record offset. */
function nthRecord(pkt: Packet, li: number, k: number, questions: boolean): number {
  const start = pkt.layerStart[li];
  if (start + HEADER_LEN > messageEnd(pkt, li)) return -1;
  const index = questions ? k : pkt.u16(start + 4) + k;
  if (questions && k >= pkt.u16(start + 4)) return -1;
  return dnsRecord(pkt, li, index);
}

/** Where the last nthRR call found its occurrence: the next occurrence continues from there. */
const rrCursor = new OccurrenceCursor();

/** Occurrence k among resource records for which `want(type, rrOffset)` holds; returns the record offset. */
function nthRR(pkt: Packet, li: number, k: number, want: (pkt: Packet, li: number, fixed: number) => boolean): number {
  let seen = 0;
  let i = 0;
  const index = records.of(pkt, li);
  const at = rrCursor.resume(index, want, k);
  if (at >= 0) {
    if (rrCursor.lastK === k) return nthRecord(pkt, li, at, false);
    seen = rrCursor.lastK + 1;
    i = at + 1;
  }
  for (; ; i++) {
    const o = nthRecord(pkt, li, i, false);
    if (o < 0) return -1;
    const f = afterName(pkt, li, o);
    if (f < 0 || f + 10 > messageEnd(pkt, li)) return -1;
    if (!want(pkt, li, f)) continue;
    if (seen === k) {
      rrCursor.found(index, want, k, i);
      return o;
    }
    seen++;
  }
}

function rrData(pkt: Packet, li: number, o: number): { fixed: number; rdata: number; rdlen: number } | null {
  const f = afterName(pkt, li, o);
  if (f < 0 || f + 10 > messageEnd(pkt, li)) return null;
  return { fixed: f, rdata: f + 10, rdlen: pkt.u16(f + 8) };
}

const rdataFits = (pkt: Packet, li: number, f: number, type: number, len: number): boolean =>
  pkt.u16(f) === type && pkt.u16(f + 8) === len && f + 10 + len <= messageEnd(pkt, li);

const hasTypes = new Map<number, (pkt: Packet, li: number, f: number) => boolean>();
/** A record-type filter; one function per type, so the occurrence cursor recognises it. */
function hasType(type: number): (pkt: Packet, li: number, f: number) => boolean {
  let fn = hasTypes.get(type);
  if (fn === undefined) {
    fn = (pkt, li, f) => pkt.u16(f) === type && f + 10 + pkt.u16(f + 8) <= messageEnd(pkt, li);
    hasTypes.set(type, fn);
  }
  return fn;
}

function isResponse(pkt: Packet, li: number): boolean {
  return (pkt.u16(pkt.layerStart[li] + 2) & F_RESPONSE) !== 0;
}

/** A flag that Wireshark shows only in responses (authoritative, recursion available, rcode). */
function responseOnly(def: FieldDef): FieldDef {
  return { ...def, get: (pkt, li, k) => (pkt.layerStart[li] + 4 <= pkt.capLen && isResponse(pkt, li) ? def.get(pkt, li, k) : undefined) };
}

function questionString(name: string, label: string, value: (pkt: Packet, li: number, o: number) => string | number | undefined, type = FieldType.String, base?: Base, width?: number): FieldDef {
  return computed(name, label, type, (pkt, li, k) => {
    const o = nthRecord(pkt, li, k, true);
    if (o < 0) return undefined;
    const f = afterName(pkt, li, o);
    if (f < 0 || f + 4 > messageEnd(pkt, li)) return undefined;
    return value(pkt, li, o);
  }, { base, width });
}

/** A value of occurrence k among records matching `want`. */
function rrField(name: string, label: string, type: FieldType, want: (pkt: Packet, li: number, f: number) => boolean, value: (pkt: Packet, li: number, o: number, f: number) => string | number | undefined, base?: Base, width?: number): FieldDef {
  return computed(name, label, type, (pkt, li, k) => {
    const o = nthRR(pkt, li, k, want);
    return o < 0 ? undefined : value(pkt, li, o, afterName(pkt, li, o));
  }, { base, width });
}

const anyRR = (pkt: Packet, li: number, f: number): boolean => f + 10 <= messageEnd(pkt, li);
/** OPT carries no class or TTL (RFC 6891 6.1.2: those bytes are the UDP size and extended flags). */
const notOpt = (pkt: Packet, _li: number, f: number): boolean => pkt.u16(f) !== T_OPT;

function classValue(pkt: Packet, li: number, at: number): number {
  const c = pkt.u16(at);
  return pkt.layerAux[li] & AUX_MDNS ? c & 0x7fff : c;
}

const id = uint('dns.id', 'Transaction ID', 0, 2, { base: Base.Hex });
/** Over TCP: the length before the message (the layer starts after it). */
const tcpLength = computed('dns.length', 'Length', FieldType.Uint, (pkt, li, k) => (k === 0 && (pkt.layerAux[li] & AUX_TCP) !== 0 ? pkt.u16(pkt.layerStart[li] - 2) : undefined));
const flagsField = uint('dns.flags', 'Flags', 2, 2, { base: Base.Hex });
/** A flag with the words tshark's DNS tree gives its two values (set, clear). */
const worded = (def: FieldDef, set: string, clear: string): FieldDef => ({ ...def, flagWords: [set, clear] });
const response = worded(flag('dns.flags.response', 'Response', 2, 2, F_RESPONSE), 'Message is a response', 'Message is a query');
const opcode = uint('dns.flags.opcode', 'Opcode', 2, 2, { mask: 0x7800, names: DNS_OPCODE_NAMES });
const authoritative = responseOnly(worded(flag('dns.flags.authoritative', 'Authoritative', 2, 2, 0x0400), 'Server is an authority for domain', 'Server is not an authority for domain'));
const truncated = worded(flag('dns.flags.truncated', 'Truncated', 2, 2, 0x0200), 'Message is truncated', 'Message is not truncated');
const recdesired = worded(flag('dns.flags.recdesired', 'Recursion desired', 2, 2, 0x0100), 'Do query recursively', "Don't do query recursively");
const recavail = responseOnly(worded(flag('dns.flags.recavail', 'Recursion available', 2, 2, 0x0080), 'Server can do recursive queries', "Server can't do recursive queries"));
const z = worded(flag('dns.flags.z', 'Z', 2, 2, 0x0040), 'reserved (1)', 'reserved (0)');
const authenticatedBit = worded(
  flag('dns.flags.authenticated', 'Answer authenticated', 2, 2, 0x0020),
  'Answer/authority portion was authenticated by the server',
  'Answer/authority portion was not authenticated by the server',
);
/** In a query, tshark shows the AD bit (RFC 6840 5.7) only when it is set. */
const authenticated: FieldDef = {
  ...authenticatedBit,
  get: (pkt, li, k) => {
    const v = authenticatedBit.get(pkt, li, k);
    return v === 0 && !isResponse(pkt, li) ? undefined : v;
  },
};
const checkdisable = worded(flag('dns.flags.checkdisable', 'Non-authenticated data', 2, 2, 0x0010), 'Acceptable', 'Unacceptable');
/** A query's AD bit (RFC 6840 5.7) as tshark's tree names it. */
const queryAdBit: FieldDef = { ...authenticated, label: 'AD bit', flagWords: undefined };
const rcode = responseOnly(uint('dns.flags.rcode', 'Reply code', 2, 2, { mask: F_RCODE, names: DNS_RCODE_NAMES }));
const qdcount = uint('dns.count.queries', 'Questions', 4, 2);
const ancount = uint('dns.count.answers', 'Answer RRs', 6, 2);
const nscount = uint('dns.count.auth_rr', 'Authority RRs', 8, 2);
const arcount = uint('dns.count.add_rr', 'Additional RRs', 10, 2);

const qryName = questionString('dns.qry.name', 'Name', (pkt, li, o) => dnsName(pkt, li, o));
const qryNameLen = questionString('dns.qry.name.len', 'Name Length', (pkt, li, o) => nameTextLength(dnsName(pkt, li, o)), FieldType.Uint);
const labels = questionString('dns.count.labels', 'Label Count', (pkt, li, o) => labelCount(dnsName(pkt, li, o)), FieldType.Uint);
const qryType = questionString('dns.qry.type', 'Type', (pkt, li, o) => pkt.u16(afterName(pkt, li, o)), FieldType.Uint, Base.Dec);
const qryClass = questionString('dns.qry.class', 'Class', (pkt, li, o) => classValue(pkt, li, afterName(pkt, li, o) + 2), FieldType.Uint, Base.Hex, 4);

const respName = rrField('dns.resp.name', 'Name', FieldType.String, anyRR, (pkt, li, o) => dnsName(pkt, li, o));
const respClass = rrField('dns.resp.class', 'Class', FieldType.Uint, notOpt, (pkt, li, _o, f) => classValue(pkt, li, f + 2), Base.Hex, 4);
const respTtl = rrField('dns.resp.ttl', 'Time to live', FieldType.Uint, notOpt, (pkt, _li, _o, f) => pkt.u32(f + 4), Base.Dec);
const respLen = rrField('dns.resp.len', 'Data length', FieldType.Uint, anyRR, (pkt, _li, _o, f) => pkt.u16(f + 8), Base.Dec);

const a = rrField('dns.a', 'Address', FieldType.Ipv4, (pkt, li, f) => rdataFits(pkt, li, f, T_A, 4), (_pkt, _li, _o, f) => f + 10);
const aaaa = rrField('dns.aaaa', 'AAAA Address', FieldType.Ipv6, (pkt, li, f) => rdataFits(pkt, li, f, T_AAAA, 16), (_pkt, _li, _o, f) => f + 10);
const ns = rrField('dns.ns', 'Name Server', FieldType.String, hasType(T_NS), (pkt, li, _o, f) => dnsName(pkt, li, f + 10));
const cname = rrField('dns.cname', 'CNAME', FieldType.String, hasType(T_CNAME), (pkt, li, _o, f) => dnsName(pkt, li, f + 10));
const ptr = rrField('dns.ptr.domain_name', 'Domain Name', FieldType.String, hasType(T_PTR), (pkt, li, _o, f) => dnsName(pkt, li, f + 10));
const mxPref = rrField('dns.mx.preference', 'Preference', FieldType.Uint, hasType(T_MX), (pkt, _li, _o, f) => pkt.u16(f + 10), Base.Dec);
const mxName = rrField('dns.mx.mail_exchange', 'Mail Exchange', FieldType.String, hasType(T_MX), (pkt, li, _o, f) => dnsName(pkt, li, f + 12));
const soaMname = rrField('dns.soa.mname', 'Primary name server', FieldType.String, hasType(T_SOA), (pkt, li, _o, f) => dnsName(pkt, li, f + 10));

/** SOA after its MNAME (RFC 1035 3.3.13): RNAME, then five 32-bit numbers; the offset of RNAME and of the numbers, or null. */
function soaTail(pkt: Packet, f: number): { rname: number; numbers: number } | null {
  const end = f + 10 + pkt.u16(f + 8);
  const rname = skipName(pkt, f + 10, end);
  if (rname < 0) return null;
  const numbers = skipName(pkt, rname, end);
  return numbers < 0 || numbers + 20 > end ? null : { rname, numbers };
}
const SOA_NUMBERS = [
  ['dns.soa.serial_number', 'Serial Number'],
  ['dns.soa.refresh_interval', 'Refresh Interval'],
  ['dns.soa.retry_interval', 'Retry Interval'],
  ['dns.soa.expire_limit', 'Expire limit'],
  ['dns.soa.minimum_ttl', 'Minimum TTL'],
] as const;
const soaRname = rrField('dns.soa.rname', "Responsible authority's mailbox", FieldType.String, hasType(T_SOA), (pkt, li, _o, f) => {
  const t = soaTail(pkt, f);
  return t === null ? undefined : dnsName(pkt, li, t.rname);
});
const soaNumbers = SOA_NUMBERS.map(([name, label], i) =>
  rrField(name, label, FieldType.Uint, hasType(T_SOA), (pkt, _li, _o, f) => {
    const t = soaTail(pkt, f);
    return t === null ? undefined : pkt.u32(t.numbers + 4 * i);
  }, Base.Dec),
);

/** TXT: every character-string of every TXT record is one occurrence (RFC 1035 3.3.14). */
function txtString(pkt: Packet, li: number, k: number): { at: number; len: number } | null {
  let left = k;
  for (let i = 0; ; i++) {
    const o = nthRR(pkt, li, i, hasType(T_TXT));
    if (o < 0) return null;
    const r = rrData(pkt, li, o);
    if (r === null) return null;
    const end = r.rdata + r.rdlen;
    for (let p = r.rdata; p < end; ) {
      const len = pkt.u8(p);
      if (p + 1 + len > end) break;
      if (left === 0) return { at: p + 1, len };
      left--;
      p += 1 + len;
    }
  }
}

const txt: FieldDef = {
  name: 'dns.txt',
  label: 'TXT',
  type: FieldType.String,
  get: (pkt, li, k) => {
    const t = txtString(pkt, li, k);
    if (t === null) return undefined;
    let s = '';
    for (let i = 0; i < t.len; i++) s += String.fromCharCode(pkt.u8(t.at + i));
    return s;
  },
};

// ---- EDNS options (RFC 6891 6.1.2: the OPT record's data is a list of code, length, data) ----

const O_NSID = 3;
const O_DAU = 5;
const O_DHU = 6;
const O_N3U = 7;
const O_CLIENT_SUBNET = 8;
const O_COOKIE = 10;
const O_TCP_KEEPALIVE = 11;
const O_PADDING = 12;
const O_CHAIN = 13;
const O_EXT_ERROR = 15;
/** draft-vandergaast-edns-client-subnet's code, before RFC 7871 assigned 8: dissected the same. */
const O_CLIENT_SUBNET_EXP = 0x50fa;

/** Wireshark 4.0's edns0_opt_code_vals. */
const EDNS_OPTION_NAMES = new Map<number, string>([
  [0, 'Reserved'], [1, 'LLQ - Long-lived query'], [2, 'UL - Update lease'], [O_NSID, 'NSID - Name Server Identifier'], [4, 'Owner (reserved)'],
  [O_DAU, 'DAU - DNSSEC Algorithm Understood (RFC6975)'], [O_DHU, 'DHU - DS Hash Understood (RFC6975)'], [O_N3U, 'N3U - NSEC3 Hash Understood (RFC6975)'],
  [O_CLIENT_SUBNET_EXP, 'Experimental - CSUBNET - Client subnet'], [O_CLIENT_SUBNET, 'CSUBNET - Client subnet'], [9, 'EDNS EXPIRE (RFC7314)'],
  [O_COOKIE, 'COOKIE'], [O_TCP_KEEPALIVE, 'EDNS TCP Keepalive'], [O_PADDING, 'PADDING'], [O_CHAIN, 'CHAIN'], [O_EXT_ERROR, 'Extended DNS Error'],
]);
/** DNSSEC algorithm numbers (RFC 8624), as Wireshark 4.0 names them (its "P-386" included). */
const DNSSEC_ALGORITHMS = new Map<number, string>([
  [1, 'RSA/MD5'], [2, 'Diffie-Hellman'], [3, 'DSA'], [4, 'Elliptic curve crypto'], [5, 'RSA/SHA1'], [6, 'DSA + NSEC3/SHA1'], [7, 'RSA/SHA1 + NSEC3/SHA1'],
  [8, 'RSA/SHA-256'], [10, 'RSA/SHA-512'], [12, 'GOST R 34.10-2001'], [13, 'ECDSA Curve P-256 with SHA-256'], [14, 'ECDSA Curve P-386 with SHA-386'],
  [15, 'Ed25519'], [16, 'Ed448'], [157, 'HMAC/MD5'], [252, 'Indirect key'], [253, 'Private, domain name'], [254, 'Private, OID'],
]);
const DS_DIGESTS = new Map<number, string>([[0, 'Reserved digest'], [1, 'SHA-1'], [2, 'SHA-256'], [3, 'GOST R 34.11-94'], [4, 'SHA-384']]);
/** NSEC3 hash algorithms (RFC 5155 11). */
const NSEC3_HASHES = new Map<number, string>([[0, 'Reserved'], [1, 'SHA-1']]);
/** Address family numbers (IANA) a client subnet names. */
const ADDRESS_FAMILIES = new Map<number, string>([[1, 'IPv4'], [2, 'IPv6']]);

const isOpt = hasType(T_OPT);

/**
 * Calls `each(at, code, len)` for every option of every OPT record, in order, until it returns
 * true. An option whose length runs past its record's data ends that record's list: what follows
 * is not an option (tshark reads on into the next record; synack does not guess).
 */
function everyOption(pkt: Packet, li: number, each: (at: number, code: number, len: number) => boolean): void {
  for (let i = 0; ; i++) {
    const o = nthRR(pkt, li, i, isOpt);
    if (o < 0) return;
    const r = rrData(pkt, li, o);
    if (r === null) return;
    const end = r.rdata + r.rdlen;
    for (let p = r.rdata; p + 4 <= end; ) {
      const len = pkt.u16(p + 2);
      if (p + 4 + len > end) break;
      if (each(p, pkt.u16(p), len)) return;
      p += 4 + len;
    }
  }
}

/** Which options a field reads: its code, and for a client subnet's address, its family. */
type OptionWant = (pkt: Packet, at: number, code: number, len: number) => boolean;
const anyOption: OptionWant = () => true;
const optionCode =
  (code: number): OptionWant =>
  (_pkt, _at, c) =>
    c === code;
const clientSubnet: OptionWant = (_pkt, _at, c) => c === O_CLIENT_SUBNET || c === O_CLIENT_SUBNET_EXP;
const subnetFamilyIs =
  (family: number | null): OptionWant =>
  (pkt, at, c, len) =>
    clientSubnet(pkt, at, c, len) && len >= 4 && (family === null ? pkt.u16(at + 4) !== 1 && pkt.u16(at + 4) !== 2 : pkt.u16(at + 4) === family);

/** Offset of the k-th option that `want` accepts, or -1. */
function nthOption(pkt: Packet, li: number, k: number, want: OptionWant): number {
  let left = k;
  let found = -1;
  everyOption(pkt, li, (at, code, len) => {
    if (!want(pkt, at, code, len) || left-- > 0) return false;
    found = at;
    return true;
  });
  return found;
}

/** A value of the k-th option `want` accepts, from its offset and length (undefined: too short to hold it). */
function optField(name: string, label: string, type: FieldType, want: OptionWant, value: (pkt: Packet, at: number, len: number) => number | string | undefined, names?: ReadonlyMap<number, string>): FieldDef {
  return computed(name, label, type, (pkt, li, k) => {
    const at = nthOption(pkt, li, k, want);
    return at < 0 ? undefined : value(pkt, at, pkt.u16(at + 2));
  }, { names });
}

/** The option data of the k-th option `want` accepts, from byte `skip` to its end (tshark: <MISSING> when empty). */
function optBytes(name: string, label: string, want: OptionWant, skip: number, max = 0xffff): FieldDef {
  const def = optField(name, label, FieldType.Bytes, want, (_pkt, at, len) => (len >= skip ? at + 4 + skip : undefined));
  return { ...def, size: (pkt, li, k) => Math.min(max, pkt.u16(nthOption(pkt, li, k, want) + 2) - skip) };
}

/** The k-th byte across the options of `code`: DAU, DHU and N3U list one number per byte (RFC 6975). */
function optByteList(name: string, label: string, code: number, names: ReadonlyMap<number, string>): FieldDef {
  return computed(name, label, FieldType.Uint, (pkt, li, k) => {
    let left = k;
    let v: number | undefined;
    everyOption(pkt, li, (at, c, len) => {
      if (c !== code) return false;
      if (left >= len) {
        left -= len;
        return false;
      }
      v = pkt.u8(at + 4 + left);
      return true;
    });
    return v;
  }, { names });
}

/** A client subnet's address bytes, zero-filled past those sent (RFC 7871 6: only what the source prefix needs). */
function subnetAddress(pkt: Packet, at: number, len: number, width: number): Uint8Array {
  const bytes = new Uint8Array(width);
  for (let i = 0; i < width && i < len - 4; i++) bytes[i] = pkt.u8(at + 8 + i);
  return bytes;
}

const optPresent = optField('dns.opt', 'Option', FieldType.None, anyOption, () => '1');
const optCode = optField('dns.opt.code', 'Option Code', FieldType.Uint, anyOption, (pkt, at) => pkt.u16(at), EDNS_OPTION_NAMES);
const optLen = optField('dns.opt.len', 'Option Length', FieldType.Uint, anyOption, (pkt, at) => pkt.u16(at + 2));
const optData = optBytes('dns.opt.data', 'Option Data', anyOption, 0);
const optDau = optByteList('dns.opt.dau', 'DAU', O_DAU, DNSSEC_ALGORITHMS);
const optDhu = optByteList('dns.opt.dhu', 'DHU', O_DHU, DS_DIGESTS);
const optN3u = optByteList('dns.opt.n3u', 'N3U', O_N3U, NSEC3_HASHES);
const subnetFamily = optField('dns.opt.client.family', 'Family', FieldType.Uint, clientSubnet, (pkt, at, len) => (len >= 2 ? pkt.u16(at + 4) : undefined), ADDRESS_FAMILIES);
const subnetNetmask = optField('dns.opt.client.netmask', 'Source Netmask', FieldType.Uint, clientSubnet, (pkt, at, len) => (len >= 3 ? pkt.u8(at + 6) : undefined));
const subnetScope = optField('dns.opt.client.scope', 'Scope Netmask', FieldType.Uint, clientSubnet, (pkt, at, len) => (len >= 4 ? pkt.u8(at + 7) : undefined));
const subnetAddr4 = optField('dns.opt.client.addr4', 'Client Subnet', FieldType.Ipv4Value, subnetFamilyIs(1), (pkt, at, len) => {
  const b = subnetAddress(pkt, at, len, 4);
  return ((b[0] << 24) | (b[1] << 16) | (b[2] << 8) | b[3]) >>> 0;
});
// A string, not an address type: the address is cut to its prefix, so no 16 frame bytes hold it.
const subnetAddr6 = optField('dns.opt.client.addr6', 'Client Subnet', FieldType.String, subnetFamilyIs(2), (pkt, at, len) => ipv6TextAt(subnetAddress(pkt, at, len, 16), 0));
const subnetAddr = optBytes('dns.opt.client.addr', 'Client Subnet', subnetFamilyIs(null), 4);
const cookieClient = optBytes('dns.opt.cookie.client', 'Client Cookie', optionCode(O_COOKIE), 0, 8);
const cookieServer = optBytes('dns.opt.cookie.server', 'Server Cookie', optionCode(O_COOKIE), 8);
const keepalive = optField('dns.opt.edns_tcp_keepalive.timeout', 'Timeout', FieldType.Uint, optionCode(O_TCP_KEEPALIVE), (pkt, at, len) => (len === 2 ? pkt.u16(at + 4) : undefined));
const padding = optBytes('dns.opt.padding', 'Padding', optionCode(O_PADDING), 0);
const chainFqdn = optField('dns.opt.chain.fqdn', 'Closest Trust Point', FieldType.String, optionCode(O_CHAIN), (pkt, at, len) => (len > 0 ? asciiCString(pkt, at + 4, len) : undefined));
const extErrorCode = optField('dns.opt.ext_error.info_code', 'Info Code', FieldType.Uint, optionCode(O_EXT_ERROR), (pkt, at, len) => (len >= 2 ? pkt.u16(at + 4) : undefined));
const extErrorText = optField('dns.opt.ext_error.extra_text', 'Extra Text', FieldType.String, optionCode(O_EXT_ERROR), (pkt, at, len) => (len > 2 ? asciiCString(pkt, at + 6, len - 2) : undefined));

const OPTION_FIELDS = [optPresent, optCode, optLen, optData, optDau, optDhu, optN3u, subnetFamily, subnetNetmask, subnetScope, subnetAddr4, subnetAddr6, subnetAddr, cookieClient, cookieServer, keepalive, padding, chainFqdn, extErrorCode, extErrorText];

const named = (names: ReadonlyMap<number, string>, v: number): string => `${names.get(v) ?? 'Unknown'} (${v})`;

/** The OPT record's options as tshark's tree lists them (dissect_dns_answer, case T_OPT). */
function optionNodes(pkt: Packet, rdata: number, rdlen: number): TreeNode[] {
  const out: TreeNode[] = [];
  const end = rdata + rdlen;
  for (let at = rdata; at + 4 <= end; ) {
    const code = pkt.u16(at);
    const len = pkt.u16(at + 2);
    if (at + 4 + len > end) {
      out.push({ text: `[Option ${code} of ${len} bytes runs past the record's data]`, offset: at, length: end - at });
      break;
    }
    const d = at + 4;
    const kids: TreeNode[] = [
      { text: `Option Code: ${named(EDNS_OPTION_NAMES, code)}`, field: 'dns.opt.code', offset: at, length: 2 },
      { text: `Option Length: ${len}`, field: 'dns.opt.len', offset: at + 2, length: 2 },
      { text: `Option Data: ${bytesLabel(pkt, d, len)}`, field: 'dns.opt.data', offset: d, length: len },
    ];
    const node = (text: string, field: string, offset: number, length: number): void => {
      kids.push({ text, field, offset, length });
    };
    switch (code) {
      case O_DAU:
      case O_DHU:
      case O_N3U: {
        const list = code === O_DAU ? optDau : code === O_DHU ? optDhu : optN3u;
        for (let i = 0; i < len; i++) node(`${list.label}: ${named(list.names!, pkt.u8(d + i))}`, list.name, d + i, 1);
        break;
      }
      case O_CLIENT_SUBNET_EXP:
      case O_CLIENT_SUBNET: {
        if (len < 4) break;
        const family = pkt.u16(d);
        node(`Family: ${named(ADDRESS_FAMILIES, family)}`, 'dns.opt.client.family', d, 2);
        node(`Source Netmask: ${pkt.u8(d + 2)}`, 'dns.opt.client.netmask', d + 2, 1);
        node(`Scope Netmask: ${pkt.u8(d + 3)}`, 'dns.opt.client.scope', d + 3, 1);
        const addr =
          family === 1
            ? Array.from(subnetAddress(pkt, at, len, 4)).join('.')
            : family === 2
              ? ipv6TextAt(subnetAddress(pkt, at, len, 16), 0)
              : bytesLabel(pkt, d + 4, len - 4);
        node(`Client Subnet: ${addr}`, family === 1 ? 'dns.opt.client.addr4' : family === 2 ? 'dns.opt.client.addr6' : 'dns.opt.client.addr', d + 4, len - 4);
        break;
      }
      case O_COOKIE:
        node(`Client Cookie: ${bytesText(pkt, d, Math.min(8, len))}`, 'dns.opt.cookie.client', d, Math.min(8, len));
        if (len >= 8) node(`Server Cookie: ${bytesLabel(pkt, d + 8, len - 8)}`, 'dns.opt.cookie.server', d + 8, len - 8);
        break;
      case O_TCP_KEEPALIVE:
        if (len === 2) node(`Timeout: ${pkt.u16(d)}`, 'dns.opt.edns_tcp_keepalive.timeout', d, 2);
        break;
      case O_PADDING:
        node(`Padding: ${bytesLabel(pkt, d, len)}`, 'dns.opt.padding', d, len);
        break;
      case O_CHAIN:
        if (len > 0) node(`Closest Trust Point: ${formatText(asciiCString(pkt, d, len))}`, 'dns.opt.chain.fqdn', d, len);
        break;
      case O_EXT_ERROR:
        if (len >= 2) node(`Info Code: ${pkt.u16(d)}`, 'dns.opt.ext_error.info_code', d, 2);
        if (len > 2) node(`Extra Text: ${formatText(asciiCString(pkt, d + 2, len - 2))}`, 'dns.opt.ext_error.extra_text', d + 2, len - 2);
        break;
    }
    out.push({ text: `Option: ${EDNS_OPTION_NAMES.get(code) ?? `Unknown (${code})`}`, field: 'dns.opt', offset: at, length: 4 + len, children: kids });
    at = d + len;
  }
  return out;
}

// ---- DNSSEC record data (RFC 4034: RRSIG, DNSKEY, DS, NSEC; RFC 5155: NSEC3, NSEC3PARAM; RFC 7344: CDS, CDNSKEY) ----

/** Where a value of the record data lies: the data ends before it (tshark stops there on an exception). */
const NOT_HELD = -1;
/** ... or the record has none (an RRSIG without signature, an NSEC3 hash of length 0): tshark shows no line. */
const ABSENT = -2;

/** The frame offset of a value in the record data [rdata, end), or NOT_HELD / ABSENT. Reads nothing at or past `end`. */
type At = (pkt: Packet, rdata: number, end: number) => number;

/** One value of a record's data: its field, where it lies, and how tshark's tree writes it. */
interface RdataItem {
  readonly name: string;
  readonly label: string;
  readonly type: FieldType;
  /** The record types that carry it (tshark dissects SIG as RRSIG, CDNSKEY as DNSKEY, CDS and DLV as DS). */
  readonly types: readonly number[];
  readonly base?: Base;
  readonly width?: number;
  readonly names?: ReadonlyMap<number, string>;
  /** A bit field: its mask within `bytes` bytes, drawn as Wireshark's bit picture. */
  readonly mask?: number;
  readonly bytes?: number;
  /** Computed by tshark (the key tag of a DNSKEY, NSEC3's hash in base32): shown in brackets. */
  readonly generated?: boolean;
  readonly at: At;
  readonly size: (pkt: Packet, at: number, end: number) => number;
  /** The value as FieldDef.get gives it (a Bytes value is its offset). */
  readonly value: (pkt: Packet, li: number, at: number, end: number) => FieldValue;
  readonly text: (pkt: Packet, li: number, at: number, end: number) => string;
  /** Bit fields drawn under it. */
  readonly bits?: readonly RdataItem[];
}

const fixedAt =
  (off: number, len: number): At =>
  (_pkt, rdata, end) =>
    rdata + off + len <= end ? rdata + off : NOT_HELD;

function readUint(pkt: Packet, at: number, len: number): number {
  return len === 1 ? pkt.u8(at) : len === 2 ? pkt.u16(at) : pkt.u32(at);
}

interface UintOptions {
  base?: Base;
  width?: number;
  names?: ReadonlyMap<number, string>;
  text?: (v: number) => string;
  type?: FieldType;
}

/** An unsigned number `off` bytes into the data. */
function rdUint(name: string, label: string, types: readonly number[], off: number, len: 1 | 2 | 4, o: UintOptions = {}): RdataItem {
  const names = o.names;
  const text = o.text ?? (names === undefined ? String : (v: number) => named(names, v));
  return {
    name, label, types, type: o.type ?? FieldType.Uint, base: o.base, width: o.width, names,
    at: fixedAt(off, len),
    size: () => len,
    value: (pkt, _li, at) => readUint(pkt, at, len),
    text: (pkt, _li, at) => text(readUint(pkt, at, len)),
  };
}

/** A flag (`words`: set, clear) or, without words, a masked number in hex, of the `len` bytes `off` bytes into the data. */
function rdBits(name: string, label: string, types: readonly number[], off: number, len: 1 | 2, mask: number, words: readonly [string, string] | null): RdataItem {
  let shift = 0;
  while (((mask >>> shift) & 1) === 0) shift++;
  const value = (pkt: Packet, _li: number, at: number): number => {
    const v = (readUint(pkt, at, len) & mask) >>> shift;
    return words === null ? v : v !== 0 ? 1 : 0;
  };
  return {
    name, label, types, mask, bytes: len,
    type: words === null ? FieldType.Uint : FieldType.Bool,
    base: words === null ? Base.Hex : undefined,
    width: len * 2,
    at: fixedAt(off, len),
    size: () => len,
    value,
    text: (pkt, li, at) => (words === null ? hex0x(value(pkt, li, at), len * 2) : words[value(pkt, li, at) !== 0 ? 0 : 1]),
  };
}

/** Bytes from `at`: `size` of them, by default to the end of the data (a key, a digest, a signature). */
function rdBytes(name: string, label: string, types: readonly number[], at: At, size: RdataItem['size'] = (_pkt, p, end) => end - p): RdataItem {
  return {
    name, label, types, type: FieldType.Bytes, at, size,
    value: (_pkt, _li, p) => p,
    text: (pkt, _li, p, end) => bytesLabel(pkt, p, size(pkt, p, end)),
  };
}

/** A domain name in the data (RFC 4034 3.1.7, 4.1.1: uncompressed, though tshark follows pointers as synack does). */
function rdName(name: string, label: string, types: readonly number[], at: At): RdataItem {
  const inData: At = (pkt, rdata, end) => {
    const p = at(pkt, rdata, end);
    return p < 0 || skipName(pkt, p, end) < 0 ? NOT_HELD : p;
  };
  return {
    name, label, types, type: FieldType.String, at: inData,
    size: (pkt, p, end) => skipName(pkt, p, end) - p,
    value: (pkt, li, p) => dnsName(pkt, li, p),
    text: (pkt, li, p) => dnsName(pkt, li, p),
  };
}

/** Bytes as tshark's tree shows a byte field: at most 36 of them in hex, then "…" (its bytes_to_str); none: <MISSING>. */
function bytesLabel(pkt: Packet, at: number, n: number): string {
  return n > 36 ? `${hexText(pkt, at, 36)}\u2026` : bytesText(pkt, at, n);
}

const BASE32HEX = '0123456789abcdefghijklmnopqrstuv';

/** RFC 4648 section 7 (base32 with the extended hex alphabet), unpadded and lower-case, as RFC 5155 writes hashed owner names. */
function base32hex(pkt: Packet, at: number, n: number): string {
  let s = '';
  let acc = 0;
  let bits = 0;
  for (let i = 0; i < n; i++) {
    acc = ((acc << 8) | pkt.u8(at + i)) & 0xfff;
    bits += 8;
    while (bits >= 5) {
      bits -= 5;
      s += BASE32HEX[(acc >>> bits) & 31];
    }
  }
  if (bits > 0) s += BASE32HEX[(acc << (5 - bits)) & 31];
  return s;
}

/**
 * A DNSKEY's key tag (RFC 4034 appendix B): the ones'-complement-like sum of the whole data; for
 * RSA/MD5 (algorithm 1, B.1) the 16 bits before the key's last byte. `end - rdata` is at least 4.
 */
function keyTag(pkt: Packet, rdata: number, end: number): number {
  if (pkt.u8(rdata + 3) === 1) return pkt.u16(end - 3);
  let ac = 0;
  for (let p = rdata; p < end; p++) ac = (ac + ((p - rdata) & 1 ? pkt.u8(p) : pkt.u8(p) << 8)) >>> 0;
  ac += (ac >>> 16) & 0xffff;
  return ac & 0xffff;
}

const SIG_TYPES = [T_SIG, T_RRSIG];
const DNSKEY_TYPES = [T_DNSKEY, T_CDNSKEY];
const DS_TYPES = [T_DS, T_CDS, T_DLV];
const NSEC3_TYPES = [T_NSEC3, T_NSEC3PARAM];

const durationValue = (v: number): string => `${v} (${durationText(v)})`;
const utcValue = (v: number): string => utcTimeText(v, 0);

/** RRSIG (RFC 4034 3.1): 18 bytes of fixed fields, the signer's name, the signature. */
const RRSIG_ITEMS: readonly RdataItem[] = [
  rdUint('dns.rrsig.type_covered', 'Type Covered', SIG_TYPES, 0, 2, { text: typeDescription }),
  rdUint('dns.rrsig.algorithm', 'Algorithm', SIG_TYPES, 2, 1, { names: DNSSEC_ALGORITHMS }),
  rdUint('dns.rrsig.labels', 'Labels', SIG_TYPES, 3, 1),
  rdUint('dns.rrsig.original_ttl', 'Original TTL', SIG_TYPES, 4, 4, { text: durationValue }),
  // Seconds since 1970 as an unsigned number (RFC 4034 3.1.5: serial arithmetic past 2106); tshark shows them in UTC.
  rdUint('dns.rrsig.signature_expiration', 'Signature Expiration', SIG_TYPES, 8, 4, { type: FieldType.AbsTime, base: Base.Utc, text: utcValue }),
  rdUint('dns.rrsig.signature_inception', 'Signature Inception', SIG_TYPES, 12, 4, { type: FieldType.AbsTime, base: Base.Utc, text: utcValue }),
  rdUint('dns.rrsig.key_tag', 'Key Tag', SIG_TYPES, 16, 2),
  rdName('dns.rrsig.signers_name', "Signer's name", SIG_TYPES, fixedAt(18, 0)),
  rdBytes('dns.rrsig.signature', 'Signature', SIG_TYPES, (pkt, rdata, end) => {
    const p = rdata + 18 < end ? skipName(pkt, rdata + 18, end) : PAST_END;
    return p < 0 ? NOT_HELD : p === end ? ABSENT : p;
  }),
];

/** DNSKEY (RFC 4034 2.1): flags (2.1.1: zone key, SEP; RFC 5011 7: revoked), protocol, algorithm, key. */
const DNSKEY_ITEMS: readonly RdataItem[] = [
  {
    ...rdUint('dns.dnskey.flags', 'Flags', DNSKEY_TYPES, 0, 2, { base: Base.Hex, width: 4, text: (v) => hex0x(v, 4) }),
    bits: [
      rdBits('dns.dnskey.flags.zone_key', 'Zone Key', DNSKEY_TYPES, 0, 2, 0x0100, ['This is the zone key for specified zone', 'This it not a zone key']),
      rdBits('dns.dnskey.flags.key_revoked', 'Key Revoked', DNSKEY_TYPES, 0, 2, 0x0080, ['Yes', 'No']),
      rdBits('dns.dnskey.flags.secure_entry_point', 'Key Signing Key', DNSKEY_TYPES, 0, 2, 0x0001, ['Yes', 'No']),
      // tshark 4.0 labels the reserved bits "Key Signing Key" too.
      rdBits('dns.dnskey.flags.reserved', 'Key Signing Key', DNSKEY_TYPES, 0, 2, 0xfe7e, null),
    ],
  },
  rdUint('dns.dnskey.protocol', 'Protocol', DNSKEY_TYPES, 2, 1),
  rdUint('dns.dnskey.algorithm', 'Algorithm', DNSKEY_TYPES, 3, 1, { names: DNSSEC_ALGORITHMS }),
  {
    name: 'dns.dnskey.key_id', label: 'Key id', type: FieldType.Uint, types: DNSKEY_TYPES, generated: true,
    at: fixedAt(4, 0),
    size: () => 0,
    value: (pkt, _li, at, end) => keyTag(pkt, at - 4, end),
    text: (pkt, _li, at, end) => String(keyTag(pkt, at - 4, end)),
  },
  rdBytes('dns.dnskey.public_key', 'Public Key', DNSKEY_TYPES, fixedAt(4, 0)),
];

/** DS (RFC 4034 5.1), and CDS and DLV, which carry the same data. */
const DS_ITEMS: readonly RdataItem[] = [
  rdUint('dns.ds.key_id', 'Key id', DS_TYPES, 0, 2, { base: Base.Hex, width: 4, text: (v) => hex0x(v, 4) }),
  rdUint('dns.ds.algorithm', 'Algorithm', DS_TYPES, 2, 1, { names: DNSSEC_ALGORITHMS }),
  rdUint('dns.ds.digest_type', 'Digest Type', DS_TYPES, 3, 1, { names: DS_DIGESTS }),
  rdBytes('dns.ds.digest', 'Digest', DS_TYPES, fixedAt(4, 0)),
];

/** NSEC (RFC 4034 4.1): the next owner name, then the type bit maps. */
const NSEC_ITEMS: readonly RdataItem[] = [rdName('dns.nsec.next_domain_name', 'Next Domain Name', [T_NSEC], fixedAt(0, 0))];

/** NSEC3 and NSEC3PARAM (RFC 5155 3.2, 4.2): the salt after its length byte; NSEC3 then the hash after its length byte. */
const saltAt: At = (pkt, rdata, end) => (rdata + 5 <= end && rdata + 5 + pkt.u8(rdata + 4) <= end ? rdata + 5 : NOT_HELD);
const hashLengthAt: At = (pkt, rdata, end) => {
  const salt = saltAt(pkt, rdata, end);
  return salt < 0 || salt + pkt.u8(rdata + 4) + 1 > end ? NOT_HELD : salt + pkt.u8(rdata + 4);
};
const hashAt: At = (pkt, rdata, end) => {
  const n = hashLengthAt(pkt, rdata, end);
  if (n < 0) return NOT_HELD;
  const len = pkt.u8(n);
  return n + 1 + len > end ? NOT_HELD : len === 0 ? ABSENT : n + 1;
};
const NSEC3_PARAMS: readonly RdataItem[] = [
  rdUint('dns.nsec3.algo', 'Hash algorithm', NSEC3_TYPES, 0, 1, { names: NSEC3_HASHES }),
  {
    ...rdUint('dns.nsec3.flags', 'NSEC3 flags', NSEC3_TYPES, 1, 1),
    // Opt-out (RFC 5155 3.1.2.1) means something only in NSEC3; tshark draws it there alone.
    bits: [rdBits('dns.nsec3.flags.opt_out', 'NSEC3 Opt-out flag', [T_NSEC3], 1, 1, 0x01, ['Additional insecure delegations allowed', 'Additional insecure delegations forbidden'])],
  },
  rdUint('dns.nsec3.iterations', 'NSEC3 iterations', NSEC3_TYPES, 2, 2),
  rdUint('dns.nsec3.salt_length', 'Salt length', NSEC3_TYPES, 4, 1),
  rdBytes('dns.nsec3.salt_value', 'Salt value', NSEC3_TYPES, saltAt, (pkt, p) => pkt.u8(p - 1)),
];
const NSEC3_ITEMS: readonly RdataItem[] = [
  ...NSEC3_PARAMS,
  { ...rdUint('dns.nsec3.hash_length', 'Hash length', [T_NSEC3], 0, 1), at: hashLengthAt },
  {
    name: 'dns.nsec3.hash_value', label: 'Next hashed owner', type: FieldType.String, types: [T_NSEC3], generated: true,
    at: hashAt,
    size: (pkt, p) => pkt.u8(p - 1),
    value: (pkt, _li, p) => base32hex(pkt, p, pkt.u8(p - 1)),
    text: (pkt, _li, p) => base32hex(pkt, p, pkt.u8(p - 1)),
  },
];

/** SSHFP (RFC 4255 3.1, signed beside the DNSSEC records in dnssec.pcap): algorithm, fingerprint type, fingerprint. */
const SSHFP_ALGORITHMS = new Map<number, string>([[0, 'Reserved'], [1, 'RSA'], [2, 'DSA'], [3, 'ECDSA'], [4, 'Ed25519'], [5, 'XMSS']]);
const SSHFP_DIGESTS = new Map<number, string>([[0, 'Reserved'], [1, 'SHA1'], [2, 'SHA256']]);
const SSHFP_ITEMS: readonly RdataItem[] = [
  rdUint('dns.sshfp.algorithm', 'Algorithm', [T_SSHFP], 0, 1, { names: SSHFP_ALGORITHMS }),
  rdUint('dns.sshfp.fingerprint.type', 'Fingerprint type', [T_SSHFP], 1, 1, { names: SSHFP_DIGESTS }),
  rdBytes('dns.sshfp.fingerprint', 'Fingerprint', [T_SSHFP], (_pkt, rdata, end) => (rdata + 2 < end ? rdata + 2 : rdata + 2 === end ? ABSENT : NOT_HELD)),
];

const RDATA_ITEMS = new Map<number, readonly RdataItem[]>([
  [T_SSHFP, SSHFP_ITEMS],
  [T_SIG, RRSIG_ITEMS], [T_RRSIG, RRSIG_ITEMS], [T_DNSKEY, DNSKEY_ITEMS], [T_CDNSKEY, DNSKEY_ITEMS], [T_DS, DS_ITEMS], [T_CDS, DS_ITEMS],
  [T_DLV, DS_ITEMS], [T_NSEC, NSEC_ITEMS], [T_NSEC3, NSEC3_ITEMS], [T_NSEC3PARAM, NSEC3_PARAMS],
]);

/** Where the type bit maps of an NSEC or NSEC3 record start (RFC 4034 4.1.2), NOT_HELD when the fields before them do not fit, or -1 for other types. */
function bitmapsAt(pkt: Packet, type: number, rdata: number, end: number): number {
  if (type === T_NSEC) return skipName(pkt, rdata, end) < 0 ? NOT_HELD : skipName(pkt, rdata, end);
  if (type !== T_NSEC3) return -1;
  const n = hashLengthAt(pkt, rdata, end);
  return n < 0 || n + 1 + pkt.u8(n) > end ? NOT_HELD : n + 1 + pkt.u8(n);
}

/**
 * Calls `each(type, byteOffset)` for every type the bit maps in [at, end) list, in order (RFC 4034
 * 4.1.2: window number, bitmap length, bitmap, bit 0 the most significant); returns false when a window
 * runs past the data (after listing the types of its bytes that fit, as tshark lists them before it stops).
 */
function eachBitmapType(pkt: Packet, at: number, end: number, each: (type: number, byte: number) => void): boolean {
  while (at < end) {
    if (at + 2 > end) return false;
    const window = pkt.u8(at) << 8;
    const len = pkt.u8(at + 1);
    const stop = Math.min(at + 2 + len, end);
    for (let p = at + 2; p < stop; p++) {
      const b = pkt.u8(p);
      for (let bit = 0; bit < 8; bit++) if (b & (0x80 >> bit)) each(window + (p - at - 2) * 8 + bit, p);
    }
    if (at + 2 + len > end) return false;
    at += 2 + len;
  }
  return true;
}

/** Bit maps that end where the data ends (no allocation: checkMessage runs on every frame). */
function bitmapsFit(pkt: Packet, at: number, end: number): boolean {
  while (at < end) {
    if (at + 2 > end || at + 2 + pkt.u8(at + 1) > end) return false;
    at += 2 + pkt.u8(at + 1);
  }
  return true;
}

/** The field at which the data of a record of `type` ends too soon (tshark: Malformed Packet), or null. */
function rdataFault(pkt: Packet, type: number, rdata: number, end: number): string | null {
  const items = RDATA_ITEMS.get(type);
  if (items === undefined || rdata === end) return null;
  for (let i = 0; i < items.length; i++) if (items[i].at(pkt, rdata, end) === NOT_HELD) return items[i].name;
  const maps = bitmapsAt(pkt, type, rdata, end);
  return maps >= 0 && !bitmapsFit(pkt, maps, end) ? 'dns.resp.type' : null;
}

/**
 * The field of an item: occurrence k is the item in the k-th record of its types whose data holds it.
 * (tshark stops at a record that is too short; synack reports that record malformed and reads on.)
 */
function rdataField(item: RdataItem): FieldDef {
  const want = (pkt: Packet, li: number, f: number): boolean => {
    if (item.types.indexOf(pkt.u16(f)) < 0) return false;
    const rdlen = pkt.u16(f + 8);
    return rdlen > 0 && f + 10 + rdlen <= messageEnd(pkt, li) && item.at(pkt, f + 10, f + 10 + rdlen) >= 0;
  };
  /** The k-th record's fixed part, or -1. */
  const fixed = (pkt: Packet, li: number, k: number): number => {
    const o = nthRR(pkt, li, k, want);
    return o < 0 ? -1 : afterName(pkt, li, o);
  };
  const where = (pkt: Packet, f: number): number => item.at(pkt, f + 10, f + 10 + pkt.u16(f + 8));
  return {
    name: item.name,
    label: item.label,
    type: item.type,
    base: item.base,
    width: item.width,
    names: item.names,
    get(pkt, li, k) {
      const f = fixed(pkt, li, k);
      return f < 0 ? undefined : item.value(pkt, li, where(pkt, f), f + 10 + pkt.u16(f + 8));
    },
    span(pkt, li, k) {
      const f = fixed(pkt, li, k);
      if (f < 0) return undefined;
      const at = where(pkt, f);
      return { offset: at, length: item.size(pkt, at, f + 10 + pkt.u16(f + 8)) };
    },
    size(pkt, li, k) {
      const f = fixed(pkt, li, k);
      return f < 0 ? 0 : item.size(pkt, where(pkt, f), f + 10 + pkt.u16(f + 8));
    },
  };
}

const DNSSEC_FIELDS: FieldDef[] = [];
for (const items of [RRSIG_ITEMS, DNSKEY_ITEMS, DS_ITEMS, NSEC_ITEMS, NSEC3_ITEMS, SSHFP_ITEMS]) {
  for (const item of items) {
    DNSSEC_FIELDS.push(rdataField(item));
    for (const bit of item.bits ?? []) DNSSEC_FIELDS.push(rdataField(bit));
  }
}

/** The data of a record tshark has no dissector for (its types are tsharkDissects' complement): one Note and the bytes. */
const isUndecoded = (pkt: Packet, li: number, f: number): boolean => {
  const rdlen = pkt.u16(f + 8);
  return rdlen > 0 && !tsharkDissects(pkt.u16(f)) && f + 10 + rdlen <= messageEnd(pkt, li);
};
const undecodedNote = rrField('dns.undecoded.type', 'Undecoded option', FieldType.Bool, isUndecoded, () => 1);
const undecodedData: FieldDef = {
  ...rrField('dns.data', 'Data', FieldType.Bytes, isUndecoded, (_pkt, _li, _o, f) => f + 10),
  size: (pkt, li, k) => {
    const o = nthRR(pkt, li, k, isUndecoded);
    return o < 0 ? 0 : pkt.u16(afterName(pkt, li, o) + 8);
  },
};
const undecodedMessage = (type: number): string => `Dissector for DNS Type (${type}) code not implemented, Contact Wireshark developers if you want this supported`;

/** A record data item's line, with its bit fields under it. */
function rdataNode(pkt: Packet, li: number, item: RdataItem, type: number, at: number, end: number): TreeNode {
  let text = `${item.label}: ${item.text(pkt, li, at, end)}`;
  if (item.mask !== undefined) text = `${bitPicture(readUint(pkt, at, item.bytes!), item.mask, item.bytes! * 8)} = ${text}`;
  if (item.generated) text = `[${text}]`;
  const node: TreeNode = { text, field: item.name, offset: at, length: item.size(pkt, at, end) };
  for (const bit of item.bits ?? []) if (bit.types.includes(type)) (node.children ??= []).push(rdataNode(pkt, li, bit, type, at, end));
  return node;
}

/** The lines of a DNSSEC record's data, as far as the data holds them (tshark's lines before its exception). */
function rdataNodes(pkt: Packet, li: number, type: number, items: readonly RdataItem[], rdata: number, end: number, out: TreeNode[]): void {
  for (const item of items) {
    const at = item.at(pkt, rdata, end);
    if (at === ABSENT) continue;
    if (at === NOT_HELD) return;
    out.push(rdataNode(pkt, li, item, type, at, end));
  }
  const maps = bitmapsAt(pkt, type, rdata, end);
  if (maps < 0) return;
  eachBitmapType(pkt, maps, end, (t, byte) => {
    out.push({ text: `RR type in bit map: ${DNS_TYPE_DESCRIPTIONS.get(t) ?? `Unknown (${t})`}`, field: 'dns.resp.type', offset: byte, length: 1 });
  });
}

/**
 * dns.resp.type: each record's type and, after an NSEC or NSEC3 record's own, every type its bit maps
 * list, as tshark adds them (under the same field name). Items here are type numbers, not offsets.
 */
const respTypes = new OffsetIndex((pkt, li, index) => {
  const end = messageEnd(pkt, li);
  for (let i = 0; ; i++) {
    const o = nthRecord(pkt, li, i, false);
    if (o < 0) return;
    const f = afterName(pkt, li, o);
    if (f < 0 || f + 10 > end) return;
    const type = pkt.u16(f);
    index.add(type);
    const rdend = f + 10 + pkt.u16(f + 8);
    if (pkt.u16(f + 8) === 0 || rdend > end) continue;
    const maps = bitmapsAt(pkt, type, f + 10, rdend);
    if (maps >= 0) eachBitmapType(pkt, maps, rdend, (t) => index.add(t));
  }
});
const respType = computed('dns.resp.type', 'Type', FieldType.Uint, (pkt, li, k) => {
  const types = respTypes.of(pkt, li);
  return k < types.count ? types.offsets[k] : undefined;
}, { base: Base.Dec });

const fields: FieldDef[] = [
  tcpLength,
  id,
  flagsField,
  response,
  opcode,
  authoritative,
  truncated,
  recdesired,
  recavail,
  z,
  authenticated,
  checkdisable,
  rcode,
  qdcount,
  ancount,
  nscount,
  arcount,
  qryName,
  qryNameLen,
  labels,
  qryType,
  qryClass,
  respName,
  respType,
  respClass,
  respTtl,
  respLen,
  a,
  aaaa,
  ns,
  cname,
  ptr,
  mxPref,
  mxName,
  soaMname,
  soaRname,
  ...soaNumbers,
  txt,
  ...OPTION_FIELDS,
  ...DNSSEC_FIELDS,
  undecodedNote,
  undecodedData,
  computed('synack.dns.mdns', 'Multicast DNS (port 5353)', FieldType.Bool, (pkt, li, k) => (k === 0 ? pkt.layerAux[li] & AUX_MDNS : undefined)),
];

// ---- summary help (used by output/summary) ----

/** Question record `k` (offset) or -1; exported for the summary line. */
export function dnsQuestion(pkt: Packet, li: number, k: number): number {
  return nthRecord(pkt, li, k, true);
}

/** Resource record `k` across answer, authority and additional sections (offset) or -1. */
export function dnsResourceRecord(pkt: Packet, li: number, k: number): number {
  return nthRecord(pkt, li, k, false);
}

/** Offset of the type field after the owner name of the record at `o`, or -1. */
export function dnsRecordFixed(pkt: Packet, li: number, o: number): number {
  const f = afterName(pkt, li, o);
  return f < 0 ? -1 : f;
}

export function dnsIsMdns(pkt: Packet, li: number): boolean {
  return (pkt.layerAux[li] & AUX_MDNS) !== 0;
}

/** The record's data as the summary line shows it: the tree's (recordText), and for NSEC3PARAM the owner's name, as tshark 4.0's Info column has it. */
export function dnsRdataText(pkt: Packet, li: number, f: number): string {
  const len = pkt.u16(f + 8);
  if (pkt.u16(f) !== T_NSEC3PARAM || len === 0 || f + 10 + len > messageEnd(pkt, li)) return recordText(pkt, li, f);
  const owner = recordAt(pkt, li, f);
  return owner < 0 ? '' : dnsName(pkt, li, owner);
}

/** The record whose type field is at `f` (the last record that starts before it), or -1. */
function recordAt(pkt: Packet, li: number, f: number): number {
  const r = records.of(pkt, li);
  let lo = 0;
  let hi = r.count - 1;
  let found = -1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (r.offsets[mid] < f) {
      found = mid;
      lo = mid + 1;
    } else hi = mid - 1;
  }
  return found < 0 ? -1 : r.offsets[found];
}

/** The record's data as the tree's record line shows it ("192.0.2.1", "10 mx.example.com"), or '' when none is shown. */
function recordText(pkt: Packet, li: number, f: number): string {
  const type = pkt.u16(f);
  const len = pkt.u16(f + 8);
  const at = f + 10;
  if (at + len > messageEnd(pkt, li)) return '';
  switch (type) {
    case T_A:
      return len === 4 ? ipv4Text(pkt, at) : '';
    case T_AAAA:
      return len === 16 ? ipv6Text(pkt, at) : '';
    case T_NS:
    case T_CNAME:
    case T_PTR:
    case T_SOA:
      return dnsName(pkt, li, at);
    case T_MX:
      return len >= 3 ? `${pkt.u16(at)} ${dnsName(pkt, li, at + 2)}` : '';
    case T_SRV:
      return len >= 7 ? `${pkt.u16(at)} ${pkt.u16(at + 2)} ${pkt.u16(at + 4)} ${dnsName(pkt, li, at + 6)}` : '';
    case T_NSEC:
      return skipName(pkt, at, at + len) >= 0 ? dnsName(pkt, li, at) : '';
    default:
      return '';
  }
}

// ---- detail tree ----

const SECTION_TITLES = ['Queries', 'Answers', 'Authoritative nameservers', 'Additional records'];

/** Seconds as Wireshark's unsigned_time_secs_to_str writes them: "1 day, 22 hours, 45 minutes, 4 seconds", zero parts left out. */
function durationText(secs: number): string {
  if (secs === 0) return '0 seconds';
  const parts: string[] = [];
  const part = (n: number, unit: string): void => {
    if (n !== 0) parts.push(`${n} ${unit}${n === 1 ? '' : 's'}`);
  };
  part(Math.floor(secs / 86400), 'day');
  part(Math.floor(secs / 3600) % 24, 'hour');
  part(Math.floor(secs / 60) % 60, 'minute');
  part(secs % 60, 'second');
  return parts.join(', ');
}

function className(c: number): string {
  return DNS_CLASS_NAMES.get(c) ?? 'Unknown';
}

function tree(pkt: Packet, li: number): TreeNode[] {
  const out: TreeNode[] = [];
  const start = pkt.layerStart[li];
  const length = tcpLength.get(pkt, li, 0);
  if (length !== undefined) out.push({ text: `Length: ${length}`, field: 'dns.length', offset: start - 2, length: 2 });
  add(out, fieldNode(pkt, li, id));
  if (start + 4 <= pkt.capLen) {
    const f = pkt.u16(start + 2);
    const resp = (f & F_RESPONSE) !== 0;
    const children: TreeNode[] = [];
    for (const d of [response, opcode, authoritative, truncated, recdesired, recavail, z, resp ? authenticated : queryAdBit, checkdisable, rcode]) {
      if (d.get(pkt, li, 0) === undefined) continue;
      add(children, d.type === FieldType.Bool ? flagNode(pkt, li, d) : fieldNode(pkt, li, d));
    }
    let text = `Flags: ${hex0x(f, 4)} ${dnsOpcodeName((f >> 11) & 15)}${resp ? ' response' : ''}`;
    if (resp) text += `, ${dnsRcodeName(f & F_RCODE)}`;
    out.push({ text, field: 'dns.flags', offset: start + 2, length: 2, children });
  }
  for (const d of [qdcount, ancount, nscount, arcount]) add(out, fieldNode(pkt, li, d));
  if (start + HEADER_LEN > pkt.capLen) return out;
  const total = recordCount(pkt, start);
  let section = -1;
  let group: TreeNode | null = null;
  for (let i = 0; i < total; i++) {
    const o = dnsRecord(pkt, li, i);
    if (o < 0) {
      out.push({ text: `[Records ${i} to ${total - 1} are missing: the message ends before them]`, offset: messageEnd(pkt, li), length: 0 });
      break;
    }
    const s = dnsSection(pkt, li, i);
    if (s !== section || group === null) {
      section = s;
      group = { text: SECTION_TITLES[s], offset: o, length: 0, children: [] };
      out.push(group);
    }
    const node = recordNode(pkt, li, o, s === 0);
    group.children!.push(node);
    group.length = node.offset + node.length - group.offset;
  }
  return out;
}

function recordNode(pkt: Packet, li: number, o: number, question: boolean): TreeNode {
  const name = dnsName(pkt, li, o);
  const f = afterName(pkt, li, o);
  const end = messageEnd(pkt, li);
  const children: TreeNode[] = [];
  if (f < 0 || f + (question ? 4 : 10) > end) {
    return { text: `${name}: <record cut short>`, offset: o, length: end - o };
  }
  children.push({ text: `Name: ${name}`, field: question ? 'dns.qry.name' : 'dns.resp.name', offset: o, length: f - o });
  if (question) {
    children.push({ text: `[Name Length: ${nameTextLength(name)}]`, field: 'dns.qry.name.len', offset: o, length: f - o });
    children.push({ text: `[Label Count: ${labelCount(name)}]`, field: 'dns.count.labels', offset: o, length: f - o });
  }
  const type = pkt.u16(f);
  const cls = classValue(pkt, li, f + 2);
  children.push({ text: typeLine(type), field: question ? 'dns.qry.type' : 'dns.resp.type', offset: f, length: 2 });
  if (question) {
    children.push({ text: `Class: ${className(cls)} (${hex0x(cls, 4)})`, field: 'dns.qry.class', offset: f + 2, length: 2 });
    return { text: `${name}: type ${dnsTypeName(type)}, class ${className(cls)}`, offset: o, length: f + 4 - o, children };
  }
  const rdlen = pkt.u16(f + 8);
  if (type === T_OPT) {
    children.push({ text: `UDP payload size: ${pkt.u16(f + 2)}`, offset: f + 2, length: 2 });
    children.push({ text: `Higher bits in extended RCODE: ${hex0x(pkt.u8(f + 4), 2)}`, offset: f + 4, length: 1 });
    children.push({ text: `EDNS0 version: ${pkt.u8(f + 5)}`, offset: f + 5, length: 1 });
    // RFC 6891 6.1.4: the top bit is DO (RFC 3225), the rest must be zero.
    const zf = pkt.u16(f + 6);
    children.push({
      text: `Z: ${hex0x(zf, 4)}`,
      offset: f + 6,
      length: 2,
      children: [
        { text: `${bitPicture(zf, 0x8000, 16)} = DO bit: ${zf & 0x8000 ? 'Accepts DNSSEC security RRs' : 'Cannot handle DNSSEC security RRs'}`, offset: f + 6, length: 2 },
        { text: `${bitPicture(zf, 0x7fff, 16)} = Reserved: ${hex0x(zf & 0x7fff, 4)}`, offset: f + 6, length: 2 },
      ],
    });
  } else {
    children.push({ text: `Class: ${className(cls)} (${hex0x(cls, 4)})`, field: 'dns.resp.class', offset: f + 2, length: 2 });
    const ttl = pkt.u32(f + 4);
    children.push({ text: `Time to live: ${ttl} (${durationText(ttl)})`, field: 'dns.resp.ttl', offset: f + 4, length: 4 });
  }
  children.push({ text: `Data length: ${rdlen}`, field: 'dns.resp.len', offset: f + 8, length: 2 });
  const data = recordText(pkt, li, f);
  const fits = f + 10 + rdlen <= end;
  // tshark dissects no data at all of a record whose length is 0.
  const items = fits && rdlen > 0 ? RDATA_ITEMS.get(type) : undefined;
  if (!fits) children.push({ text: '[Data runs past the end of the message]', offset: f + 10, length: end - f - 10 });
  else if (items !== undefined) rdataNodes(pkt, li, type, items, f + 10, f + 10 + rdlen, children);
  else if (isUndecoded(pkt, li, f)) {
    children.push(expertNode('Note', 'Undecoded', undecodedMessage(type), 'dns.undecoded.type'));
    children.push({ text: `Data: ${bytesLabel(pkt, f + 10, rdlen)}`, field: 'dns.data', offset: f + 10, length: rdlen });
  } else if (data !== '') children.push({ text: `${RDATA_LABELS.get(type) ?? 'Data'}: ${data}`, field: RDATA_FIELDS.get(type), offset: f + 10, length: rdlen });
  if (fits && type === T_OPT) children.push(...optionNodes(pkt, f + 10, rdlen));
  const soa = fits && type === T_SOA ? soaTail(pkt, f) : null;
  if (soa !== null) {
    children.push({ text: `Responsible authority's mailbox: ${dnsName(pkt, li, soa.rname)}`, field: 'dns.soa.rname', offset: soa.rname, length: soa.numbers - soa.rname });
    SOA_NUMBERS.forEach(([field, label], i) => {
      const v = pkt.u32(soa.numbers + 4 * i);
      // The serial is a version number; the other four are durations (RFC 1035 3.3.13).
      children.push({ text: `${label}: ${v}${i === 0 ? '' : ` (${durationText(v)})`}`, field, offset: soa.numbers + 4 * i, length: 4 });
    });
  }
  let text = `${name}: type ${dnsTypeName(type)}`;
  if (type !== T_OPT) text += `, class ${className(cls)}`;
  if (data !== '') text += `, ${RDATA_WORDS.get(type) ?? 'data'} ${data}`;
  return { text, offset: o, length: f + 10 + (fits ? rdlen : 0) - o, children };
}

const RDATA_LABELS = new Map<number, string>([[T_A, 'Address'], [T_AAAA, 'AAAA Address'], [T_NS, 'Name Server'], [T_CNAME, 'CNAME'], [T_PTR, 'Domain Name'], [T_MX, 'Mail Exchange'], [T_SOA, 'Primary name server'], [T_SRV, 'Service']]);
const RDATA_WORDS = new Map<number, string>([[T_A, 'addr'], [T_AAAA, 'addr'], [T_NS, 'ns'], [T_CNAME, 'cname'], [T_PTR, ''], [T_MX, 'preference, mx'], [T_SOA, 'mname'], [T_SRV, 'priority, weight, port, target'], [T_NSEC, 'next domain name']]);
const RDATA_FIELDS = new Map<number, string>([[T_A, 'dns.a'], [T_AAAA, 'dns.aaaa'], [T_NS, 'dns.ns'], [T_CNAME, 'dns.cname'], [T_PTR, 'dns.ptr.domain_name'], [T_MX, 'dns.mx.mail_exchange'], [T_SOA, 'dns.soa.mname']]);

/** UDP port of multicast DNS (RFC 6762). */
export const MDNS_PORT = 5353;

export const dns: Protocol = {
  name: 'dns',
  label: 'Domain Name System',
  short: 'DNS',
  fields,
  // The tree's one expert item is the Note on a record isUndecoded finds (dns.undecoded.type's records).
  mayExpert: (pkt: Packet, li: number): boolean => nthRR(pkt, li, 0, isUndecoded) >= 0,
  decode(pkt: Packet): Protocol | null {
    // Over TCP each message follows its two-byte length (RFC 1035 4.2.2), and one segment may carry
    // several (RFC 7766 pipelining): each is a layer of its own, as tshark shows them. A message that
    // continues in a later segment is left as data (tshark reassembles it; synack decodes one frame).
    const below = pkt.layerCount - 1;
    const overTcp = below >= 0 && (pkt.layerProto[below].name === 'tcp' || (pkt.layerProto[below] === dns && (pkt.layerAux[below] & AUX_TCP) !== 0));
    const segmentEnd = pkt.limit;
    if (overTcp) {
      const at = pkt.cursor;
      if (at + 2 > pkt.capLen || at + 2 > segmentEnd) return fallback.data;
      const len = pkt.u16(at);
      if (len < HEADER_LEN || at + 2 + len > segmentEnd) return fallback.data;
      pkt.cursor = at + 2;
      pkt.limit = at + 2 + len;
    }
    const start = pkt.cursor;
    const declared = pkt.limit - start;
    const li = pkt.push(dns, start, start + HEADER_LEN, pkt.limit);
    if (li < 0) return null;
    // The parent (UDP) is the layer below; mDNS is told apart by its port.
    const parent = li - 1;
    if (parent >= 0 && pkt.layerProto[parent].name === 'udp') {
      const ps = pkt.layerStart[parent];
      if (pkt.u16(ps) === MDNS_PORT || pkt.u16(ps + 2) === MDNS_PORT) pkt.layerAux[li] = AUX_MDNS;
    }
    checkMessage(pkt, start, declared);
    if (!overTcp) return null;
    pkt.layerAux[li] = AUX_TCP;
    if (pkt.problem !== ProblemKind.None || pkt.limit >= segmentEnd) return null;
    // Another message follows in this segment.
    pkt.cursor = pkt.limit;
    pkt.limit = segmentEnd;
    return dns;
  },
  tree,
};

/**
 * Checks the message at `start` (`declared` bytes) record by record and
 * reports on the packet the first one that does not fit (malformed) or was
 * not captured (truncated).
 */
function checkMessage(pkt: Packet, start: number, declared: number): void {
  const avail = pkt.avail(start);
  if (declared < HEADER_LEN) {
    pkt.malformed('dns', 'fewer than 12 bytes for the DNS header');
    return;
  }
  if (avail < HEADER_LEN) {
    pkt.truncated(HEADER_LEN, avail);
    return;
  }
  // Walk every record once: the first one that does not fit is the problem.
  const end = pkt.limit;
  const capEnd = end < pkt.capLen ? end : pkt.capLen;
  const qd = pkt.u16(start + 4);
  const total = recordCount(pkt, start);
  let o = start + HEADER_LEN;
  for (let i = 0; i < total; i++) {
    let n = skipName(pkt, o, capEnd);
    if (n === BAD_LABEL) {
      pkt.malformed(i < qd ? 'dns.qry.name' : 'dns.resp.name', 'label type 0x40 / 0x80 is undefined (RFC 1035 4.1.4)');
      return;
    }
    if (n === PAST_END) {
      // Bytes past the capture cannot be read: when the capture was cut, say so.
      if (capEnd < end) pkt.truncated(capEnd - start + 1, capEnd - start);
      else pkt.malformed(i < qd ? 'dns.qry.name' : 'dns.resp.name', 'name runs past the end of the message');
      return;
    }
    const fixed = i < qd ? 4 : 10;
    if (n + fixed > end) {
      pkt.malformed(i < qd ? 'dns.qry.type' : 'dns.resp.type', 'record runs past the end of the message');
      return;
    }
    if (n + fixed > capEnd) {
      pkt.truncated(n + fixed - start, capEnd - start);
      return;
    }
    const typeAt = n;
    if (i >= qd) n += pkt.u16(n + 8);
    o = n + fixed;
    if (o > end) {
      pkt.malformed('dns.resp.len', 'record data runs past the end of the message');
      return;
    }
    if (o > capEnd) {
      pkt.truncated(o - start, capEnd - start);
      return;
    }
    // A DNSSEC record whose data ends before one of its fields: tshark stops there (Malformed Packet).
    const fault = i >= qd ? rdataFault(pkt, pkt.u16(typeAt), typeAt + 10, o) : null;
    if (fault !== null) {
      pkt.malformed(fault, 'record data ends before this field');
      return;
    }
  }
}
