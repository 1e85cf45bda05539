/**
 * TCP header (RFC 9293 section 3.1), options (RFC 9293 3.2, RFC 7323, RFC 2018,
 * RFC 7413), and the checksum over the IPv4 / IPv6 pseudo-header.
 *
 *   0               16              31
 *   |  source port  |   dest port   |
 *   |        sequence number        |
 *   |     acknowledgment number     |
 *   |off|rsv|flags  |    window     |
 *   |   checksum    |  urgent ptr   |
 *   |    options (0..40 bytes)      |
 *
 * Layer: start = header, payload = start + data offset, end = segment end as
 * the IP header declares it. Options are not parsed by decode(): the getters
 * walk them (at most 40 bytes) when a field, the summary or the tree asks.
 *
 * Connection-dependent values (relative sequence numbers, the scaled window,
 * tcp.stream, tcp.analysis.*) belong to analysis/, which registers them as
 * fields and may set `relativeAck` so SACK edges print relative, as tshark's.
 */
import { onesSum } from './checksum';
import { fallback, tcpPorts } from './dispatch';
import { computed, either, flag, uint } from './fieldkit';
import { kindLengthOption, locatedUint, nthKept, type Locate } from './optionkit';
import type { Packet } from './packet';
import { Base, FieldType, type FieldDef, type Protocol, type TreeNode } from './protocol';
import { add, asciiCString, attach, expertNode, fieldNode, flagNode, hex0x, hexText, type ExpertSeverity } from './treekit';

export const MIN_HEADER_LEN = 20;

/** Option kinds (IANA "TCP Option Kind Numbers"). */
export const OPT_EOL = 0;
export const OPT_NOP = 1;
export const OPT_MSS = 2;
export const OPT_WSCALE = 3;
export const OPT_SACK_PERM = 4;
export const OPT_SACK = 5;
export const OPT_TIMESTAMP = 8;
export const OPT_TFO = 34;
/** Matches every kind in `tcpOption`. */
export const ANY_OPTION = -1;

/** The length each option must have (RFC 9293, 7323, 2018); a different length is shown, not decoded. */
const FIXED_OPTION_LEN: Record<number, number> = { [OPT_MSS]: 4, [OPT_WSCALE]: 3, [OPT_SACK_PERM]: 2, [OPT_TIMESTAMP]: 10 };

/** RFC 7323 section 2.3: a shift above 14 is used as 14. */
const MAX_WSCALE_SHIFT = 14;

export const FLAG_FIN = 0x001;
export const FLAG_SYN = 0x002;
export const FLAG_RST = 0x004;
export const FLAG_PSH = 0x008;
export const FLAG_ACK = 0x010;
export const FLAG_URG = 0x020;
export const FLAG_ECE = 0x040;
export const FLAG_CWR = 0x080;
/** AccECN (RFC 9768; formerly NS, RFC 3540). */
export const FLAG_AE = 0x100;
export const FLAG_RESERVED = 0xe00;

/**
 * Set by analysis/ once it knows the connection: the base that relative
 * acknowledgment numbers subtract (tshark shows SACK edges relative to it).
 * Until then SACK edges are the raw values.
 */
export const relativeAck: { base: ((pkt: Packet, li: number) => number | undefined) | null } = { base: null };

/** The 12 flag bits of TCP layer `li` (the header must be captured through byte 14). */
export function tcpFlags(pkt: Packet, li: number): number {
  return pkt.u16(pkt.layerStart[li] + 12) & 0x0fff;
}

/** Header length in bytes as the data offset says (may be invalid: check the layer's problem). */
export function tcpHeaderLength(pkt: Packet, li: number): number {
  return (pkt.u8(pkt.layerStart[li] + 12) >> 4) * 4;
}

/** Segment length (payload bytes the IP header declares), or -1 when the header was not valid. */
export function tcpSegmentLength(pkt: Packet, li: number): number {
  return headerValid(pkt, li) ? pkt.layerEnd[li] - pkt.layerPayload[li] : -1;
}

/** The data offset was checked by decode() (it sets layerAux to 1 then). */
function headerValid(pkt: Packet, li: number): boolean {
  return pkt.layerAux[li] === 1;
}

/**
 * Frame-relative offset of occurrence `k` of option `kind` (ANY_OPTION: any)
 * in TCP layer `li`, or -1. Walks as tshark 4.0 does: EOL and NOP are one
 * byte each (after an EOL tshark shows each following zero byte as another
 * EOL and stops at the first non-zero one, "non-zero header padding"), any
 * other option needs a length of at least 2 that stays
 * in the header; an invalid length ends the walk (the tree says why, never
 * an error). An option whose kind and length were captured is returned even
 * when its body was cut by the snapshot length: value getters check
 * `optionCaptured` before reading it.
 */
export function tcpOption(pkt: Packet, li: number, kind: number, k: number): number {
  if (!headerValid(pkt, li)) return -1;
  const hdrEnd = pkt.layerPayload[li];
  let o = pkt.layerStart[li] + MIN_HEADER_LEN;
  let seen = 0;
  let afterEol = false;
  while (o < hdrEnd && o < pkt.capLen) {
    const kd = pkt.u8(o);
    if (afterEol && kd !== OPT_EOL) return -1;
    if (kd === OPT_EOL) afterEol = true;
    const len = kindLengthOption(pkt, o, hdrEnd);
    if (len < 0) return -1;
    if (kind === ANY_OPTION || kd === kind) {
      if (seen === k) return o;
      seen++;
    }
    o += len;
  }
  return -1;
}

/** The whole option at `o` was captured. */
export function optionCaptured(pkt: Packet, o: number): boolean {
  return o + tcpOptionLength(pkt, o) <= pkt.capLen;
}

/** Total length of the option at frame-relative `o` (1 for EOL and NOP). */
export function tcpOptionLength(pkt: Packet, o: number): number {
  const kd = pkt.u8(o);
  return kd === OPT_EOL || kd === OPT_NOP ? 1 : pkt.u8(o + 1);
}

const anyOption: Locate = (pkt, li, k) => tcpOption(pkt, li, ANY_OPTION, k);

/**
 * Locates occurrence k of `kind` wholly captured and of the length the RFC
 * requires. (Skipping an uncaptured option ends the search all the same:
 * every option after it starts past the captured bytes.)
 */
function wellFormedOption(kind: number): Locate {
  const want = FIXED_OPTION_LEN[kind];
  const ofKind: Locate = (pkt, li, i) => tcpOption(pkt, li, kind, i);
  const keep = (pkt: Packet, o: number): boolean => optionCaptured(pkt, o) && (want === undefined || pkt.u8(o + 1) === want);
  return (pkt, li, k) => nthKept(pkt, li, k, ofKind, keep);
}

/** One field per option: the option's bytes (tshark prints option "protocols" as hex). */
function optionBytes(name: string, label: string, kind: number): FieldDef {
  return {
    name,
    label,
    type: FieldType.Bytes,
    get: (pkt, li, k) => {
      const o = tcpOption(pkt, li, kind, k);
      return o < 0 || !optionCaptured(pkt, o) ? undefined : o;
    },
    size: (pkt, li, k) => {
      const o = tcpOption(pkt, li, kind, k);
      return o < 0 ? 0 : tcpOptionLength(pkt, o);
    },
    span: (pkt, li, k) => {
      const o = tcpOption(pkt, li, kind, k);
      return o < 0 ? undefined : { offset: o, length: tcpOptionLength(pkt, o) };
    },
  };
}

/** A number inside a well-formed option: `at` bytes after the kind, `len` bytes long. */
function optionUint(name: string, label: string, kind: number, at: number, len: 1 | 2 | 4, map?: (v: number) => number): FieldDef {
  return locatedUint(name, label, wellFormedOption(kind), at, len, { map });
}

/** Occurrence k of a SACK edge over all blocks of all SACK options; `edge` 0 left, 4 right. */
function sackEdgeOffset(pkt: Packet, li: number, k: number, edge: 0 | 4): number {
  let left = k;
  for (let i = 0; ; i++) {
    const o = tcpOption(pkt, li, OPT_SACK, i);
    if (o < 0 || !optionCaptured(pkt, o)) return -1;
    const blocks = (pkt.u8(o + 1) - 2) >> 3;
    if (left < blocks) return o + 2 + left * 8 + edge;
    left -= blocks;
  }
}

function relativeToAck(raw: number, pkt: Packet, li: number): number {
  const base = relativeAck.base === null ? undefined : relativeAck.base(pkt, li);
  return base === undefined ? raw : (raw - base) >>> 0;
}

function sackEdge(name: string, label: string, edge: 0 | 4): FieldDef {
  return locatedUint(name, label, (pkt, li, k) => sackEdgeOffset(pkt, li, k, edge), 0, 4, { map: relativeToAck });
}

/**
 * The first SACK block when it reports a duplicate (RFC 2883 section 4, as
 * tshark's dissect_tcpopt_sack tests it: at or below the acknowledgment
 * number, or inside the second block), as its frame offset; else -1.
 * Serial-number comparisons: the same whether the numbers are raw or relative.
 */
function dsackBlock(pkt: Packet, li: number): number {
  const first = sackEdgeOffset(pkt, li, 0, 0);
  if (first < 0) return -1;
  const start = pkt.layerStart[li];
  const rawAck = pkt.u32(start + 8);
  // tshark's th_ack is relative only when the ACK flag is set.
  const ack = tcpFlags(pkt, li) & FLAG_ACK ? relativeToAck(rawAck, pkt, li) : rawAck;
  const re0 = relativeToAck(pkt.u32(first + 4), pkt, li);
  if (((re0 - ack) | 0) <= 0) return first;
  const second = sackEdgeOffset(pkt, li, 1, 0);
  if (second < 0) return -1;
  const le1 = relativeToAck(pkt.u32(second), pkt, li);
  const re1 = relativeToAck(pkt.u32(second + 4), pkt, li);
  return ((le1 - re0) | 0) < 0 && ((re1 - re0) | 0) >= 0 ? first : -1;
}

const dsackEdge = (name: string, label: string, edge: 0 | 4): FieldDef =>
  locatedUint(name, label, (pkt, li, k) => (k === 0 && dsackBlock(pkt, li) >= 0 ? dsackBlock(pkt, li) + edge : -1), 0, 4, { map: relativeToAck });

/** Wireshark's one-glance picture of the 12 flag bits ("··········S·"); cached per value. */
const FLAG_LETTERS = 'RRRACEUAPRSF';
const flagStrings: (string | undefined)[] = new Array(4096);
export function tcpFlagsPicture(flags: number): string {
  let s = flagStrings[flags];
  if (s === undefined) {
    s = '';
    for (let i = 0; i < 12; i++) s += (flags >> (11 - i)) & 1 ? FLAG_LETTERS[i] : '\u00b7';
    flagStrings[flags] = s;
  }
  return s;
}

/** "SYN, ACK" in Wireshark's order (lowest bit first), "<None>" when no flag is set; cached per value. */
const FLAG_NAMES = ['FIN', 'SYN', 'RST', 'PSH', 'ACK', 'URG', 'ECE', 'CWR', 'AE'];
const flagNameStrings: (string | undefined)[] = new Array(4096);
export function tcpFlagsText(flags: number): string {
  let s = flagNameStrings[flags];
  if (s === undefined) {
    const names: string[] = [];
    for (let i = 0; i < FLAG_NAMES.length; i++) if (flags & (1 << i)) names.push(FLAG_NAMES[i]);
    if (flags & FLAG_RESERVED) names.push('Reserved');
    s = names.length === 0 ? '<None>' : names.join(', ');
    flagNameStrings[flags] = s;
  }
  return s;
}

// ---- checksum (RFC 9293 section 3.1: over the pseudo-header and the whole segment) ----

/** Checksum verdicts, as Wireshark's checksum.status values. */
export const CHECKSUM_BAD = 0;
export const CHECKSUM_GOOD = 1;
export const CHECKSUM_UNVERIFIED = 2;

/**
 * The checksum the segment should carry (the field treated as zero), or -1
 * when it cannot be computed: segment not wholly captured, no IPv4 / IPv6
 * parent, or a fragment (the rest of the segment is in other frames).
 * `protocol` is 6 for TCP, 17 for UDP (UDP shares this code).
 */
export function transportChecksum(pkt: Packet, li: number, protocol: number, checksumAt: number): number {
  if (li < 1) return -1;
  const start = pkt.layerStart[li];
  const end = pkt.layerEnd[li];
  if (end > pkt.capLen || end < start + checksumAt + 2) return -1;
  const parent = pkt.layerProto[li - 1].name;
  const ip = pkt.layerStart[li - 1];
  const len = end - start;
  let sum: number;
  if (parent === 'ip') {
    // RFC 791: MF set or a non-zero offset means only part of the datagram is here.
    if (ip + 20 > pkt.capLen || (pkt.u16(ip + 6) & 0x3fff) !== 0) return -1;
    sum = onesSum(pkt, ip + 12, 8);
  } else if (parent === 'ipv6') {
    // RFC 8200 8.1; with a routing header the final destination is elsewhere: not verified here.
    if (ip + 40 > pkt.capLen || pkt.layerPayload[li - 1] !== ip + 40) return -1;
    sum = onesSum(pkt, ip + 8, 32);
  } else return -1;
  sum += protocol + (len >>> 16) + (len & 0xffff);
  sum = onesSum(pkt, start, checksumAt, sum);
  sum = onesSum(pkt, start + checksumAt + 2, len - checksumAt - 2, sum);
  return ~sum & 0xffff;
}

function tcpChecksumStatus(pkt: Packet, li: number): number {
  const want = transportChecksum(pkt, li, 6, 16);
  if (want < 0) return CHECKSUM_UNVERIFIED;
  return pkt.u16(pkt.layerStart[li] + 16) === want ? CHECKSUM_GOOD : CHECKSUM_BAD;
}

// ---- fields ----

/**
 * tshark 4.0 reads bytes 4..15 (sequence number to window) before it shows
 * any of them, so a capture that ends inside them shows only the ports
 * (tcpdump's tcp_header_heapoverflow.pcap). The same rule here keeps -T
 * fields equal.
 */
const FIXED_READ = 16;
function needsFixed(def: FieldDef): FieldDef {
  return { ...def, get: (pkt, li, k) => (pkt.layerStart[li] + FIXED_READ <= pkt.capLen ? def.get(pkt, li, k) : undefined) };
}

/** The segment continues in later IPv4 fragments (MF set): its length is not known here. */
function inFirstFragment(pkt: Packet, li: number): boolean {
  if (li < 1 || pkt.layerProto[li - 1].name !== 'ip') return false;
  const ip = pkt.layerStart[li - 1];
  return ip + 8 <= pkt.capLen && (pkt.u8(ip + 6) & 0x20) !== 0;
}

/** RFC 9293 3.5.3 lets a RST carry text saying why; Wireshark shows it as the reset cause, not as payload. */
function resetWithCause(pkt: Packet, li: number): boolean {
  return (tcpFlags(pkt, li) & FLAG_RST) !== 0 && pkt.layerEnd[li] > pkt.layerPayload[li];
}

const srcport = uint('tcp.srcport', 'Source Port', 0, 2);
const dstport = uint('tcp.dstport', 'Destination Port', 2, 2);
const checksum = uint('tcp.checksum', 'Checksum', 16, 2, { base: Base.Hex });
const flagsField = needsFixed(uint('tcp.flags', 'Flags', 12, 2, { mask: 0x0fff, base: Base.Hex, width: 4 }));

const flagFields = [
  flag('tcp.flags.res', 'Reserved', 12, 2, FLAG_RESERVED),
  flag('tcp.flags.ae', 'Accurate ECN', 12, 2, FLAG_AE),
  flag('tcp.flags.cwr', 'Congestion Window Reduced', 12, 2, FLAG_CWR),
  flag('tcp.flags.ece', 'ECN-Echo', 12, 2, FLAG_ECE),
  flag('tcp.flags.urg', 'Urgent', 12, 2, FLAG_URG),
  flag('tcp.flags.ack', 'Acknowledgment', 12, 2, FLAG_ACK),
  flag('tcp.flags.push', 'Push', 12, 2, FLAG_PSH),
  flag('tcp.flags.reset', 'Reset', 12, 2, FLAG_RST),
  flag('tcp.flags.syn', 'Syn', 12, 2, FLAG_SYN),
  flag('tcp.flags.fin', 'Fin', 12, 2, FLAG_FIN),
].map(needsFixed);

const hdrLen: FieldDef = {
  ...uint('tcp.hdr_len', 'Header Length', 12, 1, { mask: 0xf0 }),
  get: (pkt, li, k) => (k === 0 && pkt.layerStart[li] + FIXED_READ <= pkt.capLen ? tcpHeaderLength(pkt, li) : undefined),
};

const segLen = computed('tcp.len', 'TCP Segment Len', FieldType.Uint, (pkt, li, k) => {
  if (k !== 0) return undefined;
  const n = tcpSegmentLength(pkt, li);
  return n < 0 || inFirstFragment(pkt, li) ? undefined : n;
});

const flagsStr = computed('tcp.flags.str', 'TCP Flags', FieldType.String, (pkt, li, k) =>
  k === 0 && pkt.layerStart[li] + FIXED_READ <= pkt.capLen ? tcpFlagsPicture(tcpFlags(pkt, li)) : undefined,
);

/** tshark 4.0 does not verify TCP checksums by default: it reports 2 (unverified) for every segment. */
const checksumStatus = computed('tcp.checksum.status', 'Checksum Status', FieldType.Uint, (pkt, li, k) =>
  k === 0 && pkt.layerStart[li] + 18 <= pkt.capLen ? CHECKSUM_UNVERIFIED : undefined,
);

/** synack's own verdict: 1 good, 0 bad, 2 not verifiable (segment cut short, fragment, no IP parent). */
const synackChecksumStatus = computed('synack.tcp.checksum.status', 'Checksum Status (verified by synack)', FieldType.Uint, (pkt, li, k) =>
  k === 0 && pkt.layerStart[li] + 18 <= pkt.capLen ? tcpChecksumStatus(pkt, li) : undefined,
);

const synackChecksumCalculated = computed(
  'synack.tcp.checksum_calculated',
  'Calculated Checksum',
  FieldType.Uint,
  (pkt, li, k) => {
    if (k !== 0) return undefined;
    const v = transportChecksum(pkt, li, 6, 16);
    return v < 0 ? undefined : v;
  },
  { base: Base.Hex, width: 4 },
);

const options: FieldDef = {
  name: 'tcp.options',
  label: 'Options',
  type: FieldType.Bytes,
  get: (pkt, li, k) => {
    const start = pkt.layerStart[li] + MIN_HEADER_LEN;
    return k === 0 && headerValid(pkt, li) && pkt.layerPayload[li] > start && start < pkt.capLen ? start : undefined;
  },
  size: (pkt, li) => pkt.layerPayload[li] - pkt.layerStart[li] - MIN_HEADER_LEN,
  span: (pkt, li) => ({ offset: pkt.layerStart[li] + MIN_HEADER_LEN, length: pkt.layerPayload[li] - pkt.layerStart[li] - MIN_HEADER_LEN }),
};

const optionKind = locatedUint('tcp.option_kind', 'Kind', anyOption, 0, 1);

/** Every option but EOL and NOP carries a length byte. */
const hasLengthByte = (pkt: Packet, o: number): boolean => pkt.u8(o) > OPT_NOP;
const optionLen = locatedUint('tcp.option_len', 'Length', (pkt, li, k) => nthKept(pkt, li, k, anyOption, hasLengthByte), 1, 1);

const sackCount: FieldDef = {
  name: 'tcp.options.sack.count',
  label: 'TCP SACK Count',
  type: FieldType.Uint,
  base: Base.Dec,
  get: (pkt, li, k) => {
    const o = tcpOption(pkt, li, OPT_SACK, k);
    return o < 0 ? undefined : (pkt.u8(o + 1) - 2) >> 3;
  },
};

const payload: FieldDef = {
  name: 'tcp.payload',
  label: 'TCP payload',
  type: FieldType.Bytes,
  get: (pkt, li, k) => {
    const p = pkt.layerPayload[li];
    return k === 0 && headerValid(pkt, li) && pkt.layerEnd[li] > p && p < pkt.capLen && !resetWithCause(pkt, li) ? p : undefined;
  },
  size: (pkt, li) => pkt.layerEnd[li] - pkt.layerPayload[li],
  span: (pkt, li) => ({ offset: pkt.layerPayload[li], length: pkt.layerEnd[li] - pkt.layerPayload[li] }),
};

const resetCause: FieldDef = {
  name: 'tcp.reset_cause',
  label: 'Reset cause',
  type: FieldType.String,
  get: (pkt, li, k) => {
    const p = pkt.layerPayload[li];
    if (k !== 0 || !headerValid(pkt, li) || p >= pkt.capLen || !resetWithCause(pkt, li)) return undefined;
    // As tshark reads it: ASCII up to the first NUL, other bytes as U+FFFD (which output escapes).
    return asciiCString(pkt, p, Math.min(pkt.layerEnd[li], pkt.capLen) - p);
  },
  span: (pkt, li) => ({ offset: pkt.layerPayload[li], length: pkt.layerEnd[li] - pkt.layerPayload[li] }),
};

const mssVal = optionUint('tcp.options.mss_val', 'MSS Value', OPT_MSS, 2, 2);
const wscaleShift = optionUint('tcp.options.wscale.shift', 'Shift count', OPT_WSCALE, 2, 1);
const wscaleMultiplier = optionUint('tcp.options.wscale.multiplier', 'Multiplier', OPT_WSCALE, 2, 1, (s) => 1 << Math.min(s, MAX_WSCALE_SHIFT));
const tsval = optionUint('tcp.options.timestamp.tsval', 'Timestamp value', OPT_TIMESTAMP, 2, 4);
const tsecr = optionUint('tcp.options.timestamp.tsecr', 'Timestamp echo reply', OPT_TIMESTAMP, 6, 4);
const sackLe = sackEdge('tcp.options.sack_le', 'TCP SACK Left Edge', 0);
const sackRe = sackEdge('tcp.options.sack_re', 'TCP SACK Right Edge', 4);
const seqRaw = needsFixed(uint('tcp.seq_raw', 'Sequence Number (raw)', 4, 4));
const ackRaw = needsFixed(uint('tcp.ack_raw', 'Acknowledgment number (raw)', 8, 4));
const window = needsFixed(uint('tcp.window_size_value', 'Window', 14, 2));
const urgent = uint('tcp.urgent_pointer', 'Urgent Pointer', 18, 2);


// ---- expert items ----

/**
 * The expert items a TCP header raises by itself, without its connection
 * (Wireshark's dissect_tcp and tcp_dissect_options), as EX_* bits. tshark
 * reads the header through the window before anything else and gives up on a
 * header length below 20; the option notes need the whole option walk.
 */
export const EX_SYN = 1;
export const EX_SYNACK = 2;
export const EX_FIN = 4;
export const EX_RST = 8;
export const EX_ACK_NONZERO = 16;
export const EX_URGENT_NONZERO = 32;
export const EX_NOP = 64;
export const EX_MSS_ABSENT = 128;
export const EX_MSS_PRESENT = 256;

interface TcpExpert {
  readonly bit: number;
  /** The expert's filter name (a presence field). */
  readonly field: string;
  readonly severity: ExpertSeverity;
  readonly group: string;
  /** Its message (a SYN's tree text adds the server port). */
  readonly message: string;
}

/** Severities and groups as tshark 4.0 registers them (compared with tshark -V by test/output/verbose-tree.test.ts). */
const TCP_EXPERTS: readonly TcpExpert[] = [
  { bit: EX_SYN, field: 'tcp.connection.syn', severity: 'Chat', group: 'Sequence', message: 'Connection establish request (SYN)' },
  { bit: EX_SYNACK, field: 'tcp.connection.synack', severity: 'Chat', group: 'Sequence', message: 'Connection establish acknowledge (SYN+ACK)' },
  { bit: EX_FIN, field: 'tcp.connection.fin', severity: 'Chat', group: 'Sequence', message: 'Connection finish (FIN)' },
  { bit: EX_RST, field: 'tcp.connection.rst', severity: 'Warning', group: 'Sequence', message: 'Connection reset (RST)' },
  { bit: EX_ACK_NONZERO, field: 'tcp.ack.nonzero', severity: 'Note', group: 'Protocol', message: 'The acknowledgment number field is nonzero while the ACK flag is not set' },
  { bit: EX_URGENT_NONZERO, field: 'tcp.urgent_pointer.non_zero', severity: 'Note', group: 'Protocol', message: 'The urgent pointer field is nonzero while the URG flag is not set' },
  { bit: EX_NOP, field: 'tcp.nop', severity: 'Warning', group: 'Protocol', message: '4 NOP in a row - a router may have removed some options' },
  { bit: EX_MSS_ABSENT, field: 'tcp.options.mss.absent', severity: 'Note', group: 'Protocol', message: 'The SYN packet does not contain a MSS option' },
  { bit: EX_MSS_PRESENT, field: 'tcp.options.mss.present', severity: 'Warning', group: 'Protocol', message: 'The non-SYN packet does contain a MSS option' },
];

/** The tree node of expert `bit`; `detail` follows the message (": server port 8080"). */
export function tcpExpertNode(bit: number, detail = ''): TreeNode {
  const e = TCP_EXPERTS.find((x) => x.bit === bit)!;
  return expertNode(e.severity, e.group, e.message + detail, e.field);
}

export function tcpExperts(pkt: Packet, li: number): number {
  const start = pkt.layerStart[li];
  if (start + FIXED_READ > pkt.capLen || tcpHeaderLength(pkt, li) < MIN_HEADER_LEN) return 0;
  const f = tcpFlags(pkt, li);
  let x = 0;
  if (f & FLAG_SYN) x |= f & FLAG_ACK ? EX_SYNACK : EX_SYN;
  if (f & FLAG_FIN) x |= EX_FIN;
  if (f & FLAG_RST) x |= EX_RST;
  if ((f & FLAG_ACK) === 0 && pkt.u32(start + 8) !== 0) x |= EX_ACK_NONZERO;
  if (start + MIN_HEADER_LEN <= pkt.capLen && (f & FLAG_URG) === 0 && pkt.u16(start + 18) !== 0) x |= EX_URGENT_NONZERO;
  if (nopRunOption(pkt, li) >= 0) x |= EX_NOP;
  return x | mssNote(pkt, li, f);
}

/**
 * Index of the option before which tshark notes "4 NOP in a row", or -1.
 * Its count (tcp_dissect_options) restarts only at a NOP on a 4-byte boundary
 * after other NOPs: the options between NOPs do not reset it.
 */
function nopRunOption(pkt: Packet, li: number): number {
  const start = pkt.layerStart[li];
  let nops = 0;
  for (let i = 0; ; i++) {
    const o = tcpOption(pkt, li, ANY_OPTION, i);
    if (o < 0) return -1;
    if (pkt.u8(o) !== OPT_NOP) continue;
    if (nops === 0 || (o - start) % 4 !== 0) {
      if (++nops === 4) return i;
    } else {
      nops = 0;
    }
  }
}

/**
 * The MSS notes: a SYN without the option (after a walk that reached the end:
 * a bad length or the snapshot length stops tshark first), or another
 * segment with one (noted as the option is dissected).
 */
function mssNote(pkt: Packet, li: number, flags: number): number {
  if ((flags & FLAG_SYN) === 0) return tcpOption(pkt, li, OPT_MSS, 0) >= 0 ? EX_MSS_PRESENT : 0;
  const start = pkt.layerStart[li];
  const hdrEnd = pkt.layerPayload[li];
  if (!headerValid(pkt, li) || hdrEnd === start + MIN_HEADER_LEN || hdrEnd > pkt.capLen) return 0;
  for (let i = 0; ; i++) {
    const o = tcpOption(pkt, li, ANY_OPTION, i);
    if (o < 0) break;
    if (pkt.u8(o) === OPT_MSS) return 0;
  }
  return optionWalkProblem(pkt, li) === null ? EX_MSS_ABSENT : 0;
}

/**
 * Whether the layer's tree, with the lines tree.ts adds from the analysis,
 * may hold an expert item (Protocol.mayExpert): a tcpExperts bit, a D-SACK
 * block, or an option walk that stops early. The other items ride on those:
 * a Fast Open cookie's note needs a SYN without ACK (EX_SYN), the reset
 * cause's stray characters a RST (EX_RST), and tcpExperts answers 0 only
 * where the header's fields or options are not read at all.
 */
function mayExpert(pkt: Packet, li: number): boolean {
  return tcpExperts(pkt, li) !== 0 || dsackBlock(pkt, li) >= 0 || optionWalkProblem(pkt, li) !== null;
}

const expertFields = [
  ...TCP_EXPERTS.map((e) => computed(e.field, e.message, FieldType.Bool, (pkt, li, k) => (k === 0 && (tcpExperts(pkt, li) & e.bit) !== 0 ? 1 : undefined))),
  dsackEdge('tcp.options.sack.dsack_le', 'D-SACK Left Edge', 0),
  dsackEdge('tcp.options.sack.dsack_re', 'D-SACK Right Edge', 4),
  computed('tcp.options.sack.dsack', 'D-SACK Sequence', FieldType.Bool, (pkt, li, k) => (k === 0 && dsackBlock(pkt, li) >= 0 ? 1 : undefined)),
];

const fields: FieldDef[] = [
  srcport,
  dstport,
  either('tcp.port', 'Source or Destination Port', srcport, dstport),
  segLen,
  seqRaw,
  ackRaw,
  hdrLen,
  flagsField,
  ...flagFields,
  flagsStr,
  window,
  checksum,
  checksumStatus,
  synackChecksumStatus,
  synackChecksumCalculated,
  urgent,
  options,
  optionBytes('tcp.options.nop', 'TCP Option - No-Operation (NOP)', OPT_NOP),
  optionBytes('tcp.options.eol', 'TCP Option - End of Option List (EOL)', OPT_EOL),
  optionBytes('tcp.options.mss', 'TCP Option - Maximum segment size', OPT_MSS),
  optionBytes('tcp.options.wscale', 'TCP Option - Window scale', OPT_WSCALE),
  optionBytes('tcp.options.sack_perm', 'TCP Option - SACK permitted', OPT_SACK_PERM),
  optionBytes('tcp.options.sack', 'TCP Option - SACK', OPT_SACK),
  optionBytes('tcp.options.timestamp', 'TCP Option - Timestamps', OPT_TIMESTAMP),
  optionBytes('tcp.options.tfo', 'TCP Option - TCP Fast Open', OPT_TFO),
  optionKind,
  optionLen,
  mssVal,
  wscaleShift,
  wscaleMultiplier,
  sackLe,
  sackRe,
  sackCount,
  tsval,
  tsecr,
  payload,
  resetCause,
  ...expertFields,
];

// ---- detail tree ----

const OPTION_NAMES = new Map<number, string>([
  [OPT_EOL, 'End of Option List (EOL)'],
  [OPT_NOP, 'No-Operation (NOP)'],
  [OPT_MSS, 'Maximum segment size'],
  [OPT_WSCALE, 'Window scale'],
  [OPT_SACK_PERM, 'SACK permitted'],
  [OPT_SACK, 'SACK'],
  [OPT_TIMESTAMP, 'Timestamps'],
  [19, 'TCP MD5 signature'],
  [28, 'User Timeout'],
  [29, 'TCP AO'],
  [30, 'Multipath TCP'],
  [OPT_TFO, 'TCP Fast Open'],
]);

const KIND_NAMES = new Map<number, string>([
  [OPT_EOL, 'End of Option List'],
  [OPT_NOP, 'No-Operation'],
  [OPT_MSS, 'Maximum Segment Size'],
  [OPT_WSCALE, 'Window Scale'],
  [OPT_SACK_PERM, 'SACK Permitted'],
  [OPT_SACK, 'SACK'],
  [OPT_TIMESTAMP, 'Time Stamp Option'],
  [OPT_TFO, 'TCP Fast Open'],
]);

const OPTION_FIELDS = new Map<number, string>([
  [OPT_EOL, 'tcp.options.eol'],
  [OPT_NOP, 'tcp.options.nop'],
  [OPT_MSS, 'tcp.options.mss'],
  [OPT_WSCALE, 'tcp.options.wscale'],
  [OPT_SACK_PERM, 'tcp.options.sack_perm'],
  [OPT_SACK, 'tcp.options.sack'],
  [OPT_TIMESTAMP, 'tcp.options.timestamp'],
  [OPT_TFO, 'tcp.options.tfo'],
]);

export function tcpOptionName(kind: number): string {
  return OPTION_NAMES.get(kind) ?? `Unknown (kind ${kind})`;
}

function optionNode(pkt: Packet, li: number, o: number): TreeNode {
  const kd = pkt.u8(o);
  const len = tcpOptionLength(pkt, o);
  const children: TreeNode[] = [{ text: `Kind: ${KIND_NAMES.get(kd) ?? 'Unknown'} (${kd})`, field: 'tcp.option_kind', offset: o, length: 1 }];
  if (len > 1) children.push({ text: `Length: ${len}`, field: 'tcp.option_len', offset: o + 1, length: 1 });
  let text = `TCP Option - ${tcpOptionName(kd)}`;
  const want = FIXED_OPTION_LEN[kd];
  if (!optionCaptured(pkt, o)) {
    text += ' [cut short by the snapshot length]';
  } else if (want !== undefined && len !== want) {
    text += ` (length ${len}, must be ${want})`;
  } else if (kd === OPT_MSS) {
    const v = pkt.u16(o + 2);
    text += `: ${v} bytes`;
    children.push({ text: `MSS Value: ${v}`, field: 'tcp.options.mss_val', offset: o + 2, length: 2 });
  } else if (kd === OPT_WSCALE) {
    const s = pkt.u8(o + 2);
    const m = 1 << Math.min(s, MAX_WSCALE_SHIFT);
    text += `: ${s} (multiply by ${m})`;
    children.push({ text: `Shift count: ${s}` + (s > MAX_WSCALE_SHIFT ? ' (above 14: used as 14, RFC 7323 2.3)' : ''), field: 'tcp.options.wscale.shift', offset: o + 2, length: 1 });
    children.push({ text: `[Multiplier: ${m}]`, field: 'tcp.options.wscale.multiplier', offset: o + 2, length: 1 });
  } else if (kd === OPT_TIMESTAMP) {
    const v = pkt.u32(o + 2);
    const e = pkt.u32(o + 6);
    text += `: TSval ${v}, TSecr ${e}`;
    children.push({ text: `Timestamp value: ${v}`, field: 'tcp.options.timestamp.tsval', offset: o + 2, length: 4 });
    children.push({ text: `Timestamp echo reply: ${e}`, field: 'tcp.options.timestamp.tsecr', offset: o + 6, length: 4 });
  } else if (kd === OPT_SACK) {
    // Edges relative to the peer's first sequence number once the analysis knows it, as tshark shows them.
    const relative = relativeAck.base !== null && relativeAck.base(pkt, li) !== undefined;
    const edge = (at: number): string => `${relativeToAck(pkt.u32(at), pkt, li)}${relative ? ' (relative)' : ' (raw)'}`;
    const blocks = (len - 2) >> 3;
    for (let b = 0; b < blocks; b++) {
      const at = o + 2 + b * 8;
      children.push({ text: `left edge = ${edge(at)}`, field: 'tcp.options.sack_le', offset: at, length: 4 });
      children.push({ text: `right edge = ${edge(at + 4)}`, field: 'tcp.options.sack_re', offset: at + 4, length: 4 });
      text += ` ${relativeToAck(pkt.u32(at), pkt, li)}-${relativeToAck(pkt.u32(at + 4), pkt, li)}`;
    }
    children.push({ text: `[TCP SACK Count: ${blocks}]`, field: 'tcp.options.sack.count', offset: o, length: len });
    if (dsackBlock(pkt, li) === o + 2) {
      children.push({ text: `[D-SACK Left Edge = ${edge(o + 2)}]`, field: 'tcp.options.sack.dsack_le', offset: o + 2, length: 4 });
      children.push({ text: `[D-SACK Right Edge = ${edge(o + 6)}]`, field: 'tcp.options.sack.dsack_re', offset: o + 6, length: 4 });
      children.push({ text: 'D-SACK Sequence', offset: o + 2, length: 8, children: [expertNode('Warning', 'Sequence', 'D-SACK Sequence', 'tcp.options.sack.dsack')] });
    }
  } else if (kd === OPT_TFO) {
    text += len === 2 ? ': Cookie request' : `: Cookie (${len - 2} bytes)`;
    if (len > 2) tfoCookie(pkt, li, o + 2, len - 2, children);
  } else if (len > 2 && !OPTION_NAMES.has(kd)) {
    text += ` (${len} bytes)`;
    // RFC 7413's cookie before it had a kind: experiment 254 with identifier 0xf989 (Wireshark reads it too).
    if (kd === OPT_EXPERIMENT_2 && len > 4 && pkt.u16(o + 2) === TFO_EXID) tfoCookie(pkt, li, o + 4, len - 4, children);
  }
  return { text, field: OPTION_FIELDS.get(kd), offset: o, length: len, children };
}

/**
 * Wireshark's check of a string field (detect_trailing_stray_characters):
 * something other than NUL after the first NUL, within the field's length,
 * counted in the decoded text, where each byte above 0x7f became U+FFFD
 * (three bytes of UTF-8): the check sees those positions, so do we.
 */
function strayAfterNul(pkt: Packet, p: number, end: number): boolean {
  const len = end - p;
  let pos = 0;
  let nul = false;
  for (let i = p; i < end && pos < len; i++) {
    const b = pkt.u8(i);
    if (nul && b !== 0) return true;
    if (b === 0) nul = true;
    pos += b < 0x80 ? 1 : 3;
  }
  return false;
}

const OPT_EXPERIMENT_2 = 254;
const TFO_EXID = 0xf989;

/** A Fast Open cookie; in a first SYN, Wireshark's note that data may ride on it. */
function tfoCookie(pkt: Packet, li: number, at: number, n: number, children: TreeNode[]): void {
  const cookie: TreeNode = { text: `Fast Open Cookie: ${hexText(pkt, at, n)}`, field: 'tcp.options.tfo.cookie', offset: at, length: n };
  if ((tcpFlags(pkt, li) & (FLAG_SYN | FLAG_ACK)) === FLAG_SYN) attach(cookie, expertNode('Note', 'Sequence', 'TCP SYN with TFO Cookie', 'tcp.analysis.tfo_syn'));
  children.push(cookie);
}

/** RFC 9293 3.1: the header is padded with zeros after EOL. */
const NON_ZERO_PADDING = 'Non-zero header padding';

/** Why the option walk stops early, for the tree (Wireshark's "length invalid" notes); null when it does not. */
function optionWalkProblem(pkt: Packet, li: number): string | null {
  if (!headerValid(pkt, li)) return null;
  let at = pkt.layerStart[li] + MIN_HEADER_LEN;
  let afterEol = false;
  for (let i = 0; ; i++) {
    const o = tcpOption(pkt, li, ANY_OPTION, i);
    if (o < 0) break;
    at = o + tcpOptionLength(pkt, o);
    afterEol = pkt.u8(o) === OPT_EOL;
  }
  const hdrEnd = pkt.layerPayload[li];
  if (at >= hdrEnd || at >= pkt.capLen) return null;
  const kd = pkt.u8(at);
  if (kd === OPT_EOL) return null;
  if (afterEol) return NON_ZERO_PADDING;
  if (at + 1 >= hdrEnd) return `${tcpOptionName(kd)} (length byte past end of options)`;
  if (at + 1 >= pkt.capLen) return null;
  const len = pkt.u8(at + 1);
  if (len < 2) return `${tcpOptionName(kd)} (with too-short option length = ${len} byte${len === 1 ? '' : 's'})`;
  if (at + len > hdrEnd) return `${tcpOptionName(kd)} (option length = ${len} bytes says option goes past end of options)`;
  return null;
}

const CHECKSUM_WORDS = ['incorrect', 'correct', 'unverified'];

function tree(pkt: Packet, li: number): TreeNode[] {
  const out: TreeNode[] = [];
  const start = pkt.layerStart[li];
  const x = tcpExperts(pkt, li);
  add(out, fieldNode(pkt, li, srcport));
  add(out, fieldNode(pkt, li, dstport));
  const n = tcpSegmentLength(pkt, li);
  if (n >= 0) out.push({ text: `[TCP Segment Len: ${n}]`, field: 'tcp.len', offset: pkt.layerPayload[li], length: 0 });
  add(out, fieldNode(pkt, li, seqRaw));
  add(out, fieldNode(pkt, li, ackRaw));
  if (start + 13 <= pkt.capLen) {
    const h = pkt.u8(start + 12) >> 4;
    const bits = ((h >> 3) & 1) + '' + ((h >> 2) & 1) + ((h >> 1) & 1) + (h & 1);
    out.push({ text: `${bits} .... = Header Length: ${h * 4} bytes (${h})`, field: 'tcp.hdr_len', offset: start + 12, length: 1 });
  }
  if (start + 14 <= pkt.capLen) {
    const f = tcpFlags(pkt, li);
    const children: TreeNode[] = [];
    for (const d of flagFields) add(children, flagNode(pkt, li, d));
    for (const c of children) c.text = c.text.replace(/^.... /, ''); // 12 bits shown, as Wireshark does
    const bit = (field: string): TreeNode | undefined => children.find((c) => c.field === field);
    if (x & EX_SYN) attach(bit('tcp.flags.syn'), tcpExpertNode(EX_SYN, `: server port ${pkt.u16(start + 2)}`));
    if (x & EX_SYNACK) attach(bit('tcp.flags.syn'), tcpExpertNode(EX_SYNACK, `: server port ${pkt.u16(start)}`));
    if (x & EX_FIN) attach(bit('tcp.flags.fin'), tcpExpertNode(EX_FIN));
    if (x & EX_RST) attach(bit('tcp.flags.reset'), tcpExpertNode(EX_RST));
    children.push({ text: `[TCP Flags: ${tcpFlagsPicture(f)}]`, field: 'tcp.flags.str', offset: start + 12, length: 2 });
    out.push({ text: `Flags: ${hex0x(f, 3)} (${tcpFlagsText(f)})`, field: 'tcp.flags', offset: start + 12, length: 2, children });
  }
  add(out, fieldNode(pkt, li, window));
  if (start + 18 <= pkt.capLen) {
    const status = tcpChecksumStatus(pkt, li);
    const want = transportChecksum(pkt, li, 6, 16);
    let text = `Checksum: ${hex0x(pkt.u16(start + 16), 4)} [${CHECKSUM_WORDS[status]}`;
    if (status === CHECKSUM_BAD) text += `, should be ${hex0x(want, 4)} (maybe caused by checksum offload: the capture saw the segment before the NIC filled it in)`;
    text += ']';
    out.push({ text, field: 'tcp.checksum', offset: start + 16, length: 2 });
    out.push({ text: `[Checksum Status (synack): ${['Bad', 'Good', 'Unverified'][status]}]`, field: 'synack.tcp.checksum.status', offset: start + 16, length: 2 });
  }
  const urgentNode = fieldNode(pkt, li, urgent);
  if (urgentNode !== null && x & EX_URGENT_NONZERO) attach(urgentNode, tcpExpertNode(EX_URGENT_NONZERO));
  add(out, urgentNode);
  const optLen = pkt.layerPayload[li] - start - MIN_HEADER_LEN;
  if (headerValid(pkt, li) && optLen > 0) {
    const children: TreeNode[] = [];
    const names: string[] = [];
    let at = start + MIN_HEADER_LEN;
    for (let i = 0; ; i++) {
      const o = tcpOption(pkt, li, ANY_OPTION, i);
      if (o < 0) break;
      children.push(optionNode(pkt, li, o));
      names.push(tcpOptionName(pkt.u8(o)));
      at = o + tcpOptionLength(pkt, o);
    }
    // (The walk above is optionWalkProblem's: `at` is where it stopped.)
    const problem = optionWalkProblem(pkt, li);
    if (problem !== null) {
      // tshark's expert items: zeros must follow EOL; an option length that does not fit ends the walk.
      const padding = problem === NON_ZERO_PADDING;
      const expert = padding ? expertNode('Error', 'Protocol', problem, 'tcp.non_zero_bytes_after_eol') : expertNode('Note', 'Sequence', problem, 'tcp.option.len.invalid');
      children.push({ text: problem, offset: at, length: pkt.layerPayload[li] - at, children: [expert] });
    }
    // tshark notes a NOP run before the fourth NOP's line, and the MSS notes after the last option.
    if (x & EX_NOP) children.splice(nopRunOption(pkt, li), 0, tcpExpertNode(EX_NOP));
    if (x & EX_MSS_ABSENT) children.push(tcpExpertNode(EX_MSS_ABSENT));
    if (x & EX_MSS_PRESENT) {
      // The MSS option's own dissector notes it, first under the option's line.
      const mss = children.find((c) => c.field === 'tcp.options.mss');
      mss?.children?.unshift(tcpExpertNode(EX_MSS_PRESENT));
    }
    out.push({
      text: `Options: (${optLen} bytes)` + (names.length > 0 ? ', ' + names.join(', ') : ''),
      field: 'tcp.options',
      offset: start + MIN_HEADER_LEN,
      length: optLen,
      children,
    });
  }
  // tshark's payload line comes after a header it could read whole; a RST's bytes are its reset cause.
  if (n > 0 && resetWithCause(pkt, li)) {
    const cause = fieldNode(pkt, li, resetCause);
    if (strayAfterNul(pkt, pkt.layerPayload[li], Math.min(pkt.layerEnd[li], pkt.capLen))) {
      attach(cause ?? undefined, expertNode('Warning', 'Undecoded', 'Trailing stray characters', '_ws.string.trailing_stray_characters'));
    }
    add(out, cause);
  }
  else if (n > 0 && pkt.layerPayload[li] <= pkt.capLen) out.push({ text: `TCP payload (${n} byte${n === 1 ? '' : 's'})`, field: 'tcp.payload', offset: pkt.layerPayload[li], length: n });
  return out;
}

export const tcp: Protocol = {
  name: 'tcp',
  label: 'Transmission Control Protocol',
  short: 'TCP',
  fields,
  decode(pkt: Packet): Protocol | null {
    const start = pkt.cursor;
    const declared = pkt.limit - start;
    const li = pkt.push(tcp, start, start + MIN_HEADER_LEN, pkt.limit);
    if (li < 0) return null;
    const avail = pkt.avail(start);
    if (declared < MIN_HEADER_LEN) {
      pkt.malformed('tcp', 'fewer than 20 bytes for the TCP header');
      return null;
    }
    if (avail < FIXED_READ) {
      pkt.truncated(MIN_HEADER_LEN, avail);
      return null;
    }
    const hlen = (pkt.u8(start + 12) >> 4) * 4;
    if (hlen < MIN_HEADER_LEN) {
      pkt.malformed('tcp.hdr_len', 'header length below 20 bytes');
      return null;
    }
    if (hlen > declared) {
      pkt.malformed('tcp.hdr_len', 'header longer than the segment');
      return null;
    }
    pkt.layerPayload[li] = start + hlen;
    pkt.layerAux[li] = 1;
    if (avail < hlen) {
      pkt.truncated(hlen, avail);
      return null;
    }
    pkt.cursor = start + hlen;
    if (pkt.cursor >= pkt.limit) return null;
    if ((pkt.u8(start + 13) & FLAG_RST) !== 0) return null; // the payload is the reset cause
    const sp = pkt.u16(start);
    const dp = pkt.u16(start + 2);
    // As Wireshark: the lower port is tried first (servers usually have it).
    const next = sp < dp ? tcpPorts.get(sp) ?? tcpPorts.get(dp) : tcpPorts.get(dp) ?? tcpPorts.get(sp);
    return next ?? fallback.data;
  },
  tree,
  mayExpert,
};

/** Every TCP field by name, for tests and for the summary (no lookups per frame). */
export const TCP_FIELDS: ReadonlyMap<string, FieldDef> = new Map(fields.map((f) => [f.name, f]));
