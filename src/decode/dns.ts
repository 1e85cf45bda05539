/**
 * DNS messages (RFC 1035 section 4; EDNS0 OPT, RFC 6891; mDNS, RFC 6762) over UDP.
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
import { Base, FieldType, type FieldDef, type Protocol, type TreeNode } from './protocol';
import { add, asciiCString, bitPicture, bytesText, fieldNode, flagNode, formatText, hex0x, ipv4Text, ipv6Text, ipv6TextAt } from './treekit';

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

const F_RESPONSE = 0x8000;
const F_RCODE = 0x000f;

/** Layer aux bit: the message came on the mDNS port (5353): classes carry the QU / cache-flush bit. */
const AUX_MDNS = 1;
/** Carried by TCP: a two-byte length precedes the message. */
const AUX_TCP = 2;

/** Wireshark's short type names (dns_types_vals). */
export const DNS_TYPE_NAMES = new Map<number, string>([
  [0, 'Unused'], [1, 'A'], [2, 'NS'], [3, 'MD'], [4, 'MF'], [5, 'CNAME'], [6, 'SOA'], [7, 'MB'], [8, 'MG'], [9, 'MR'],
  [10, 'NULL'], [11, 'WKS'], [12, 'PTR'], [13, 'HINFO'], [14, 'MINFO'], [15, 'MX'], [16, 'TXT'], [17, 'RP'], [18, 'AFSDB'],
  [19, 'X25'], [20, 'ISDN'], [21, 'RT'], [22, 'NSAP'], [23, 'NSAP-PTR'], [24, 'SIG'], [25, 'KEY'], [26, 'PX'], [27, 'GPOS'],
  [28, 'AAAA'], [29, 'LOC'], [30, 'NXT'], [31, 'EID'], [32, 'NIMLOC'], [33, 'SRV'], [34, 'ATMA'], [35, 'NAPTR'], [36, 'KX'],
  [37, 'CERT'], [38, 'A6'], [39, 'DNAME'], [40, 'SINK'], [41, 'OPT'], [42, 'APL'], [43, 'DS'], [44, 'SSHFP'], [45, 'IPSECKEY'],
  [46, 'RRSIG'], [47, 'NSEC'], [48, 'DNSKEY'], [49, 'DHCID'], [50, 'NSEC3'], [51, 'NSEC3PARAM'], [52, 'TLSA'], [53, 'SMIMEA'],
  [55, 'HIP'], [56, 'NINFO'], [57, 'RKEY'], [58, 'TALINK'], [59, 'CDS'], [60, 'CDNSKEY'], [61, 'OPENPGPKEY'], [62, 'CSYNC'],
  [63, 'ZONEMD'], [64, 'SVCB'], [65, 'HTTPS'], [99, 'SPF'], [100, 'UINFO'], [101, 'UID'], [102, 'GID'], [103, 'UNSPEC'],
  [104, 'NID'], [105, 'L32'], [106, 'L64'], [107, 'LP'], [108, 'EUI48'], [109, 'EUI64'], [249, 'TKEY'], [250, 'TSIG'],
  [251, 'IXFR'], [252, 'AXFR'], [253, 'MAILB'], [254, 'MAILA'], [255, 'ANY'], [256, 'URI'], [257, 'CAA'], [258, 'AVC'],
  [259, 'DOA'], [260, 'AMTRELAY'], [32768, 'TA'], [32769, 'DLV'], [65281, 'WINS'], [65282, 'WINS-R'], [65521, 'XPF'],
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

/** What tshark's tree adds after a type's name (its dns_types_description_vals, for the types seen in real captures). */
const DNS_TYPE_WORDS = new Map<number, string>([
  [1, 'Host Address'], [2, 'authoritative Name Server'], [5, 'Canonical NAME for an alias'], [6, 'Start Of a zone of Authority'],
  [12, 'domain name PoinTeR'], [15, 'Mail eXchange'], [16, 'Text strings'], [28, 'IPv6 Address'], [44, 'SSH Key Fingerprint'],
  [46, 'Resource Record Signature'],
]);

/** A record's "Type:" line as tshark's tree writes it: "A (Host Address) (1)", "Unknown (507)". */
function typeLine(t: number): string {
  const name = DNS_TYPE_NAMES.get(t);
  if (name === undefined) return `Type: Unknown (${t})`;
  const words = DNS_TYPE_WORDS.get(t);
  return `Type: ${name}${words === undefined ? '' : ` (${words})`} (${t})`;
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
const respType = rrField('dns.resp.type', 'Type', FieldType.Uint, anyRR, (pkt, _li, _o, f) => pkt.u16(f), Base.Dec);
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
const NSEC3_HASHES = new Map<number, string>([[1, 'SHA-1']]);
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
      { text: `Option Data: ${bytesText(pkt, d, len)}`, field: 'dns.opt.data', offset: d, length: len },
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
              : bytesText(pkt, d + 4, len - 4);
        node(`Client Subnet: ${addr}`, family === 1 ? 'dns.opt.client.addr4' : family === 2 ? 'dns.opt.client.addr6' : 'dns.opt.client.addr', d + 4, len - 4);
        break;
      }
      case O_COOKIE:
        node(`Client Cookie: ${bytesText(pkt, d, Math.min(8, len))}`, 'dns.opt.cookie.client', d, Math.min(8, len));
        if (len >= 8) node(`Server Cookie: ${bytesText(pkt, d + 8, len - 8)}`, 'dns.opt.cookie.server', d + 8, len - 8);
        break;
      case O_TCP_KEEPALIVE:
        if (len === 2) node(`Timeout: ${pkt.u16(d)}`, 'dns.opt.edns_tcp_keepalive.timeout', d, 2);
        break;
      case O_PADDING:
        node(`Padding: ${bytesText(pkt, d, len)}`, 'dns.opt.padding', d, len);
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

/** The record's data as the summary and tree show it ("192.0.2.1", "10 mx.example.com"), or '' when none is shown. */
export function dnsRdataText(pkt: Packet, li: number, f: number): string {
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
  const data = dnsRdataText(pkt, li, f);
  const fits = f + 10 + rdlen <= end;
  if (!fits) children.push({ text: '[Data runs past the end of the message]', offset: f + 10, length: end - f - 10 });
  else if (data !== '') children.push({ text: `${RDATA_LABELS.get(type) ?? 'Data'}: ${data}`, field: RDATA_FIELDS.get(type), offset: f + 10, length: rdlen });
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
const RDATA_WORDS = new Map<number, string>([[T_A, 'addr'], [T_AAAA, 'addr'], [T_NS, 'ns'], [T_CNAME, 'cname'], [T_PTR, ''], [T_MX, 'preference, mx'], [T_SOA, 'mname'], [T_SRV, 'priority, weight, port, target']]);
const RDATA_FIELDS = new Map<number, string>([[T_A, 'dns.a'], [T_AAAA, 'dns.aaaa'], [T_NS, 'dns.ns'], [T_CNAME, 'dns.cname'], [T_PTR, 'dns.ptr.domain_name'], [T_MX, 'dns.mx.mail_exchange'], [T_SOA, 'dns.soa.mname']]);

/** UDP port of multicast DNS (RFC 6762). */
export const MDNS_PORT = 5353;

export const dns: Protocol = {
  name: 'dns',
  label: 'Domain Name System',
  short: 'DNS',
  fields,
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
  }
}
