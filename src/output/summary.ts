/**
 * The default text output: one line per frame shaped exactly like tshark's
 * (number, time since the first frame, source, destination, protocol,
 * length, info), so a learner can put the two side by side:
 *
 *     1   0.000000    127.0.0.1 → 127.0.0.1    TCP 74 57520 → 47001 [SYN] Seq=0 Win=65495 Len=0 MSS=65495 ...
 *
 * Column widths are tshark's (tshark.c print_columns): the number is padded
 * to 5, the time to 10, the source right-aligned and the destination
 * left-aligned in 12. Everything is written straight into the OutBuf (no
 * string per frame on the TCP/UDP path: this is the hot path the summary
 * benchmark measures); text that comes from a packet goes through text8.
 *
 * Info text depends on the topmost layer that has an info writer. The parts
 * that need the connection (relative sequence numbers, the scaled window,
 * "[TCP Retransmission]", "(reply in 8)") come from analysis/: it registers
 * the fields tcp.seq, tcp.ack, tcp.window_size (used here when present) and
 * may set `summaryHooks`.
 */
import { arpInfo } from '../decode/arp';
import { data as dataProtocol } from '../decode/data';
import { dhcpMessageType, DHCP_MESSAGE_TYPES } from '../decode/dhcp';
import {
  dnsIsMdns,
  dnsOpcodeName,
  dnsQuestion,
  dnsRcodeName,
  dnsRdataText,
  dnsRecordFixed,
  dnsResourceRecord,
  dnsTypeName,
  dnsName,
} from '../decode/dns';
import { icmp as icmpProtocol, icmpTypeText } from '../decode/icmp';
import { icmpv6 as icmpv6Protocol, icmpv6TypeText } from '../decode/icmpv6';
import { fieldByName } from '../decode/index';
import { PROTOCOL_NAMES } from '../decode/ipv4';
import { ProblemKind, type Packet } from '../decode/packet';
import type { FieldDef } from '../decode/protocol';
import {
  ANY_OPTION,
  FLAG_ACK,
  FLAG_URG,
  OPT_MSS,
  OPT_SACK,
  OPT_SACK_PERM,
  OPT_TFO,
  OPT_TIMESTAMP,
  OPT_WSCALE,
  optionCaptured,
  tcp as tcpProtocol,
  tcpFlags,
  tcpFlagsText,
  tcpOption,
  tcpOptionLength,
  tcpSegmentLength,
} from '../decode/tcp';
import { udp as udpProtocol, udpPayloadLength } from '../decode/udp';
import { DEFAULT_TIME_COLUMN, writeColumnTime, type TimeColumn } from './column-time';
import type { OutBuf } from './outbuf';

// Module-local bindings for topLayer, which runs per printed frame: in the CommonJS output a named
// import is read from the exporting module's object at every use (as analysis/index.ts does).
const dataProto = dataProtocol;
const icmpProto = icmpProtocol;
const icmpv6Proto = icmpv6Protocol;
const tcpProto = tcpProtocol;
const udpProto = udpProtocol;

/** Number, time, two IPv6 addresses, arrow, protocol and length, with room to spare. */
const COLUMNS_ROOM = 256;

/** UTF-8 of " → " (U+2192), as tshark separates source and destination. */
const ARROW = Buffer.from(' \u2192 ', 'utf8');

export interface SummaryOptions {
  /**
   * Decimals of the time column. tshark prints the capture's own precision:
   * 6 for microsecond files, 9 for nanosecond ones.
   */
  timeDigits: number;
  /** -t and -u: the time column's format (default: seconds since the first frame). */
  time?: TimeColumn;
}

/**
 * Places analysis/ fills in. Each writes straight into `out`; null means
 * nothing is added.
 */
export const summaryHooks: {
  /** Before the TCP info: "[TCP Retransmission] ", "[TCP Dup ACK 3#1] " ... (tshark's prefixes, with their space). */
  tcpPrefix: ((out: OutBuf, pkt: Packet, li: number) => void) | null;
  /** After the info of layer `li` (the topmost with info): " (reply in 8)", "[TCP segment of a reassembled PDU]" ... */
  infoSuffix: ((out: OutBuf, pkt: Packet, li: number) => void) | null;
} = { tcpPrefix: null, infoSuffix: null };

/** The summary line's columns, as tshark names them in its _ws.col.* fields. */
export enum SummaryColumn {
  No = 1,
  Time,
  Source,
  Destination,
  Protocol,
  Length,
  Info,
}

/** Writes one summary line per frame. Resolves the analysis fields once, when created. */
export class SummaryWriter {
  private readonly seq: FieldDef | undefined;
  private readonly ack: FieldDef | undefined;
  private readonly win: FieldDef | undefined;
  private readonly timeDigits: number;
  private readonly timeColumn: TimeColumn;

  constructor(opts: SummaryOptions) {
    this.seq = fieldByName('tcp.seq');
    this.ack = fieldByName('tcp.ack');
    this.win = fieldByName('tcp.window_size');
    this.timeDigits = opts.timeDigits;
    this.timeColumn = opts.time ?? DEFAULT_TIME_COLUMN;
  }

  /** Whether this writer shows times with these digits and in this format. */
  writes(timeDigits: number, time: TimeColumn): boolean {
    return this.timeDigits === timeDigits && this.timeColumn.format === time.format && this.timeColumn.hms === time.hms;
  }

  write(out: OutBuf, pkt: Packet): void {
    // The columns are aligned by moving bytes within the buffer: it must not flush before the info.
    out.reserve(COLUMNS_ROOM);
    const n = out.pos;
    out.uint(pkt.number);
    padLeftInPlace(out, n, 5);
    out.byte(32);
    const t = out.pos;
    this.time(out, pkt);
    padLeftInPlace(out, t, 10);
    out.byte(32);
    const top = topLayer(pkt);
    // An IP header too broken to read: tshark shows the link's addresses and says what is bogus.
    const bogus = bogusNetwork(pkt);
    this.addresses(out, pkt, bogus === null ? top : pkt.problemLayer - 1);
    out.byte(32);
    protocolColumn(out, pkt, top);
    out.byte(32);
    out.uint(pkt.frame.origLen);
    out.byte(32);
    if (bogus !== null) {
      out.ascii(bogus);
      out.byte(10);
      return;
    }
    this.infoAndMarker(out, pkt, top);
    out.byte(10);
  }

  /**
   * The protocol and info columns alone, separated by a tab: the dashboard
   * draws its own columns (and re-reads frames out of order: echo replies
   * name their request from the analysis' per-frame notes, see echoPair).
   */
  writeColumns(out: OutBuf, pkt: Packet): void {
    const top = topLayer(pkt);
    protocolColumn(out, pkt, top);
    out.byte(9);
    this.infoAndMarker(out, pkt, top);
  }

  /** One column alone and unpadded, as the line has it (tshark's _ws.col.No., _ws.col.Time ...). */
  writeColumn(out: OutBuf, pkt: Packet, c: SummaryColumn): void {
    if (c === SummaryColumn.No) out.uint(pkt.number);
    else if (c === SummaryColumn.Time) this.time(out, pkt);
    else if (c === SummaryColumn.Length) out.uint(pkt.frame.origLen);
    else {
      const top = topLayer(pkt);
      const bogus = bogusNetwork(pkt);
      if (c === SummaryColumn.Protocol) protocolColumn(out, pkt, top);
      else if (c === SummaryColumn.Info) {
        if (bogus !== null) out.ascii(bogus);
        else this.infoAndMarker(out, pkt, top);
      } else this.addresses(out, pkt, bogus === null ? top : pkt.problemLayer - 1, c);
    }
  }

  /** The info column and the problem marker after it. */
  private infoAndMarker(out: OutBuf, pkt: Packet, top: number): void {
    // A transport header cut before its ports: tshark has no info yet (see topLayer).
    const next = top + 1 < pkt.layerCount ? pkt.layerProto[top + 1] : null;
    if (next !== tcpProto && next !== udpProto) this.info(out, pkt, top);
    if (pkt.problem === ProblemKind.Malformed) {
      // A UDP length beyond the IP payload: udpInfo already said so in tshark's words, and tshark goes on.
      const li = pkt.problemLayer;
      if (!(pkt.problemField === 'udp.length' && pkt.layerProto[li] === udpProto && pkt.u16(pkt.layerStart[li] + 4) > 8)) out.ascii('[Malformed Packet]');
    } else if (pkt.problem === ProblemKind.Truncated) out.ascii('[Packet size limited during capture]');
  }

  /** The time column (column-time.ts): by default seconds since the first frame, with the capture's precision. */
  private time(out: OutBuf, pkt: Packet): void {
    writeColumnTime(out, pkt, this.timeColumn, this.timeDigits);
  }

  /**
   * Source and destination: the innermost network layer's addresses (not
   * inside an ICMP quote), else the link's. Both padded, or `only` one of them.
   */
  private addresses(out: OutBuf, pkt: Packet, top: number, only?: SummaryColumn.Source | SummaryColumn.Destination): void {
    let net = -1;
    let link = -1;
    for (let li = 1; li <= top; li++) {
      const name = pkt.layerProto[li].name;
      if (name === 'icmp' || name === 'icmpv6') break;
      if (name === 'ip' || name === 'ipv6') net = li;
      else if (name === 'eth' || name === 'sll') link = li;
    }
    let src = -1;
    let dst = -1;
    let kind = 0; // 4 IPv4, 6 IPv6, 1 MAC (6 bytes)
    if (net >= 0) {
      const s = pkt.layerStart[net];
      if (pkt.layerProto[net].name === 'ip') {
        if (s + 20 <= pkt.capLen) {
          kind = 4;
          src = s + 12;
          dst = s + 16;
        }
      } else if (s + 40 <= pkt.capLen) {
        kind = 6;
        src = s + 8;
        dst = s + 24;
        const final = routedDestination(pkt, net);
        if (final >= 0) dst = final;
      }
    }
    if (kind === 0 && link >= 0) {
      const s = pkt.layerStart[link];
      if (pkt.layerProto[link].name === 'eth') {
        if (s + 12 <= pkt.capLen) {
          kind = 1;
          dst = s;
          src = s + 6;
        }
      } else if (s + 12 <= pkt.capLen && pkt.u16(s + 4) === 6) {
        // Linux cooked v1: only the sender's address is known.
        kind = 1;
        src = s + 6;
      }
    }
    if (only !== undefined) {
      writeAddress(out, pkt, kind, only === SummaryColumn.Source ? src : dst);
      return;
    }
    const start = out.pos;
    writeAddress(out, pkt, kind, src);
    padLeftInPlace(out, start, 12);
    appendArrow(out);
    const dStart = out.pos;
    writeAddress(out, pkt, kind, dst);
    padTo(out, dStart, 12);
  }

  private info(out: OutBuf, pkt: Packet, top: number): void {
    const name = pkt.layerProto[top].name;
    switch (name) {
      case 'tcp':
        this.tcpInfo(out, pkt, top);
        break;
      case 'udp':
        udpInfo(out, pkt, top);
        break;
      case 'dns':
        dnsInfo(out, pkt, top);
        break;
      case 'dhcp':
        dhcpInfo(out, pkt, top);
        break;
      case 'arp':
        // tshark writes the ARP info only once the message was read: a malformed one shows the marker alone.
        if (!(pkt.problem === ProblemKind.Malformed && pkt.problemLayer === top)) out.text8(arpInfo(pkt, top));
        break;
      case 'icmp':
        icmpInfo(out, pkt, top);
        echoPair(out, pkt, top);
        break;
      case 'icmpv6':
        icmpv6Info(out, pkt, top);
        echoPair(out, pkt, top);
        break;
      case 'ip':
        ipInfo(out, pkt, top);
        break;
      case 'ipv6':
      case 'ipv6.hopopts':
      case 'ipv6.routing':
      case 'ipv6.fraghdr':
      case 'ipv6.dstopts':
        ipv6Info(out, pkt, top);
        break;
      case 'eth':
        out.ascii('Ethernet II');
        break;
      default:
        out.ascii(pkt.layerProto[top].label);
    }
    if (summaryHooks.infoSuffix !== null) summaryHooks.infoSuffix(out, pkt, top);
  }

  private tcpInfo(out: OutBuf, pkt: Packet, li: number): void {
    const s = pkt.layerStart[li];
    if (summaryHooks.tcpPrefix !== null) summaryHooks.tcpPrefix(out, pkt, li);
    if (s + 4 > pkt.capLen) return;
    out.uint(pkt.u16(s));
    appendArrow(out);
    out.uint(pkt.u16(s + 2));
    // tshark shows nothing more until bytes 4..15 are all captured.
    if (s + 16 > pkt.capLen) return;
    const flags = tcpFlags(pkt, li);
    out.ascii(' [');
    out.ascii(tcpFlagsText(flags));
    out.ascii('] Seq=');
    out.uint(fieldOr(this.seq, pkt, li, pkt.u32(s + 4)));
    if (flags & FLAG_ACK) {
      out.ascii(' Ack=');
      out.uint(fieldOr(this.ack, pkt, li, pkt.u32(s + 8)));
    }
    out.ascii(' Win=');
    out.uint(fieldOr(this.win, pkt, li, pkt.u16(s + 14)));
    if (flags & FLAG_URG && s + 20 <= pkt.capLen) {
      out.ascii(' Urg=');
      out.uint(pkt.u16(s + 18));
    }
    // tshark writes Len= once it has read the whole fixed header (through the urgent pointer).
    const len = tcpSegmentLength(pkt, li);
    if (len >= 0 && s + 20 <= pkt.capLen) {
      out.ascii(' Len=');
      out.uint(len);
    }
    for (let k = 0; ; k++) {
      const o = tcpOption(pkt, li, ANY_OPTION, k);
      if (o < 0 || !optionCaptured(pkt, o)) break;
      const kind = pkt.u8(o);
      const olen = tcpOptionLength(pkt, o);
      if (kind === OPT_MSS && olen === 4) {
        out.ascii(' MSS=');
        out.uint(pkt.u16(o + 2));
      } else if (kind === OPT_WSCALE && olen === 3) {
        out.ascii(' WS=');
        out.uint(1 << Math.min(pkt.u8(o + 2), 14));
      } else if (kind === OPT_SACK_PERM && olen === 2) {
        out.ascii(' SACK_PERM');
      } else if (kind === OPT_TIMESTAMP && olen === 10) {
        out.ascii(' TSval=');
        out.uint(pkt.u32(o + 2));
        out.ascii(' TSecr=');
        out.uint(pkt.u32(o + 6));
      } else if (kind === OPT_SACK) {
        // SACK edges are relative to the same base as the acknowledgment number (tshark).
        const base = this.ack === undefined ? 0 : (pkt.u32(s + 8) - fieldOr(this.ack, pkt, li, pkt.u32(s + 8))) >>> 0;
        for (let p = o + 2; p + 8 <= o + olen; p += 8) {
          out.ascii(' SLE=');
          out.uint((pkt.u32(p) - base) >>> 0);
          out.ascii(' SRE=');
          out.uint((pkt.u32(p + 4) - base) >>> 0);
        }
      } else if (kind === OPT_TFO) {
        out.ascii(olen === 2 ? ' TFO=R' : ' TFO=C');
      } else if ((kind === 253 || kind === 254) && olen >= 4 && pkt.u16(o + 2) === TFO_EXPERIMENT_ID) {
        // Fast Open before its kind was assigned: an RFC 6994 experiment (RFC 7413 4.1.1).
        out.ascii(olen === 4 ? ' TFO=R' : ' TFO=C');
      } else if ((kind === 172 || kind === 174) && olen >= 5) {
        // AccECN counters (RFC 9768 3.2.3): order 0 lists EE0B first, order 1 EE1B first.
        const names = kind === 172 ? ACCECN_ORDER0 : ACCECN_ORDER1;
        for (let i = 0; 2 + 3 * (i + 1) <= olen && i < 3; i++) {
          out.ascii(names[i]);
          out.uint((pkt.u8(o + 2 + 3 * i) << 16) | pkt.u16(o + 3 + 3 * i));
        }
      }
    }
  }
}

/** The address at frame offset `p` (nothing when -1): kind 4 IPv4, 6 IPv6, 1 MAC. */
function writeAddress(out: OutBuf, pkt: Packet, kind: number, p: number): void {
  if (p < 0) return;
  if (kind === 4) out.ipv4(pkt.data, pkt.base + p);
  else if (kind === 6) out.ipv6(pkt.data, pkt.base + p);
  else out.colonHex(pkt.data, pkt.base + p, 6);
}

/**
 * With a routing header that still has segments to visit, the destination
 * tshark shows is the last one (RFC 8200 4.4; RFC 8754 for segment routing,
 * whose list is in reverse order; RFC 6275 6.4 for type 2): frame-relative
 * offset of that address, or -1.
 */
function routedDestination(pkt: Packet, ipv6Layer: number): number {
  for (let li = ipv6Layer + 1; li < pkt.layerCount; li++) {
    const name = pkt.layerProto[li].name;
    if (name !== 'ipv6.routing') {
      if (name.startsWith('ipv6.')) continue;
      return -1;
    }
    const r = pkt.layerStart[li];
    if (r + 8 > pkt.capLen || pkt.u8(r + 3) === 0) return -1;
    const type = pkt.u8(r + 2);
    const addresses = (pkt.u8(r + 1) * 8) >> 4;
    const at = type === 0 ? r + 8 + (addresses - 1) * 16 : type === 2 || type === 4 ? r + 8 : -1;
    return at >= r + 8 && at + 16 <= pkt.capLen ? at : -1;
  }
  return -1;
}

/** RFC 7413's experiment identifier for Fast Open in options 253/254. */
const TFO_EXPERIMENT_ID = 0xf989;
const ACCECN_ORDER0 = [' EE0B=', ' ECEB=', ' EE1B='];
const ACCECN_ORDER1 = [' EE1B=', ' ECEB=', ' EE0B='];

/**
 * A reply names its request (" (request in 3)") as single-pass tshark does.
 * The pairing is the analysis' per-frame fact (analysis/icmp.ts), so a frame
 * read again out of order shows it too.
 */
function echoPair(out: OutBuf, pkt: Packet, li: number): void {
  const fa = pkt.notes.analysis;
  const note = fa === undefined || fa.frame !== pkt.number ? null : fa.icmp;
  if (note === null || note.layer !== li || note.requestFrame === 0) return;
  out.ascii(' (request in ');
  out.uint(note.requestFrame);
  out.byte(41);
}

/**
 * tshark's info for an IPv4 / IPv6 header whose version, header length or
 * total length make it unreadable ("Bogus IPv4 version (0, must be 4)"), or
 * null. tshark reports these as expert notes, not as a malformed packet.
 */
function bogusNetwork(pkt: Packet): string | null {
  if (pkt.problem !== ProblemKind.Malformed) return null;
  const li = pkt.problemLayer;
  const s = pkt.layerStart[li];
  if (s + 4 > pkt.capLen) return null;
  switch (pkt.problemField) {
    case 'ip.version':
      return `Bogus IPv4 version (${pkt.u8(s) >> 4}, must be 4)`;
    case 'ipv6.version':
      return `Bogus IPv6 version (${pkt.u8(s) >> 4}, must be 6)`;
    case 'ip.hdr_len': {
      const ihl = (pkt.u8(s) & 15) * 4;
      return ihl < 20 ? `Bogus IP header length (${ihl}, must be at least 20)` : null;
    }
    case 'ip.len': {
      const ihl = (pkt.u8(s) & 15) * 4;
      const total = pkt.u16(s + 2);
      return total !== 0 && total < ihl ? `Bogus IP length (${total}, less than header length ${ihl})` : null;
    }
    default:
      return null;
  }
}

/** A field's value when analysis registered it and has one for this layer; else the raw value. */
function fieldOr(def: FieldDef | undefined, pkt: Packet, li: number, raw: number): number {
  if (def === undefined) return raw;
  const v = def.get(pkt, li, 0);
  return typeof v === 'number' ? v : raw;
}

/** The layer whose protocol names the line: the topmost, unless that is undecoded data. */
function topLayer(pkt: Packet): number {
  // What an ICMP error quotes does not name the line: the ICMP message does (tshark fences its columns).
  const protos = pkt.layerProto;
  for (let li = 1; li < pkt.layerCount; li++) {
    const p = protos[li];
    if (p === icmpProto || p === icmpv6Proto) return li;
  }
  let top = pkt.layerCount - 1;
  while (top > 0 && protos[top] === dataProto) top--;
  // tshark names TCP / UDP only once it has read both ports: a capture cut before them names the IP layer.
  const p = protos[top];
  if ((p === tcpProto || p === udpProto) && pkt.layerStart[top] + 4 > pkt.capLen) return top - 1;
  return top;
}

/** Protocol column names, as tshark's short names. */
const COLUMN_NAMES = new Map<string, string>([
  ['frame', 'Frame'],
  ['eth', 'Ethernet'],
  ['llc', 'LLC'],
  ['vlan', '802.1Q'],
  ['ieee8021ad', '802.1ad'],
  ['sll', 'SLL'],
  ['null', 'NULL'],
  ['arp', 'ARP'],
  ['ip', 'IPv4'],
  ['ipv6', 'IPv6'],
  ['ipv6.hopopts', 'IPv6'],
  ['ipv6.routing', 'IPv6'],
  ['ipv6.fraghdr', 'IPv6'],
  ['ipv6.dstopts', 'IPv6'],
  ['icmp', 'ICMP'],
  ['icmpv6', 'ICMPv6'],
  ['tcp', 'TCP'],
  ['udp', 'UDP'],
]);

function protocolColumn(out: OutBuf, pkt: Packet, li: number): void {
  const name = pkt.layerProto[li].name;
  if (name === 'dns') {
    out.ascii(dnsIsMdns(pkt, li) ? 'MDNS' : 'DNS');
  } else if (name === 'dhcp') {
    out.ascii(dhcpMessageType(pkt, li) >= 0 ? 'DHCP' : 'BOOTP');
  } else if (name === 'eth' && pkt.layerStart[li] + 14 <= pkt.capLen) {
    // An ethertype nothing decodes: tshark names the column by the number.
    out.hex0x(pkt.u16(pkt.layerStart[li] + 12), 4);
  } else {
    out.ascii(COLUMN_NAMES.get(name) ?? name.toUpperCase());
  }
}

function udpInfo(out: OutBuf, pkt: Packet, li: number): void {
  const s = pkt.layerStart[li];
  if (s + 4 > pkt.capLen) return;
  out.uint(pkt.u16(s));
  appendArrow(out);
  out.uint(pkt.u16(s + 2));
  const n = udpPayloadLength(pkt, li);
  if (n < 0) return;
  const declared = pkt.u16(s + 4);
  if (pkt.problem === ProblemKind.Malformed && pkt.problemLayer === li && pkt.problemField === 'udp.length' && declared > 8) {
    // tshark's words for a length beyond the IP payload; it goes on, as synack does.
    out.ascii(' [BAD UDP LENGTH ');
    out.uint(declared);
    out.ascii(' > IP PAYLOAD LENGTH]');
  }
  out.ascii(' Len=');
  out.uint(declared > 8 ? declared - 8 : n);
}

function dnsInfo(out: OutBuf, pkt: Packet, li: number): void {
  const s = pkt.layerStart[li];
  if (s + 4 > pkt.capLen) return;
  const flags = pkt.u16(s + 2);
  out.ascii(dnsOpcodeName((flags >> 11) & 15));
  const response = (flags & 0x8000) !== 0;
  if (response) out.ascii(' response');
  out.ascii(' 0x');
  out.hex(pkt.u16(s), 4);
  if (response && (flags & 15) !== 0) {
    out.byte(32);
    out.ascii(dnsRcodeName(flags & 15));
  }
  for (let k = 0; ; k++) {
    const o = dnsQuestion(pkt, li, k);
    if (o < 0) break;
    const f = dnsRecordFixed(pkt, li, o);
    if (f < 0 || f + 4 > pkt.capLen) break;
    out.byte(32);
    out.ascii(dnsTypeName(pkt.u16(f)));
    out.byte(32);
    out.text8(dnsName(pkt, li, o));
  }
  for (let k = 0; ; k++) {
    const o = dnsResourceRecord(pkt, li, k);
    if (o < 0) break;
    const f = dnsRecordFixed(pkt, li, o);
    if (f < 0 || f + 10 > pkt.capLen) break;
    out.byte(32);
    out.ascii(dnsTypeName(pkt.u16(f)));
    const data = dnsRdataText(pkt, li, f);
    if (data !== '') {
      out.byte(32);
      out.text8(data);
    }
  }
}

function dhcpInfo(out: OutBuf, pkt: Packet, li: number): void {
  const s = pkt.layerStart[li];
  const type = dhcpMessageType(pkt, li);
  if (type >= 0) {
    // tshark: "DHCP %-8s - Transaction ID 0x%x"
    const name = DHCP_MESSAGE_TYPES.get(type) ?? `Unknown Message Type (0x${type.toString(16).padStart(2, '0')})`;
    out.ascii('DHCP ');
    out.ascii(name);
    for (let i = name.length; i < 8; i++) out.byte(32);
    out.ascii(' - Transaction ID 0x');
    out.ascii(pkt.u32(s + 4).toString(16));
    return;
  }
  if (s + 1 > pkt.capLen) return;
  const op = pkt.u8(s);
  if (op === 1 && s + 34 <= pkt.capLen && pkt.u8(s + 1) === 1 && pkt.u8(s + 2) === 6) {
    // tshark: "from ADDRESS (NAME)"; unresolved, as synack always is, the name is the address again.
    out.ascii('Boot Request from ');
    out.colonHex(pkt.data, pkt.base + s + 28, 6);
    out.ascii(' (');
    out.colonHex(pkt.data, pkt.base + s + 28, 6);
    out.byte(41);
  } else if (op === 1) out.ascii('Boot Request');
  else if (op === 2) out.ascii('Boot Reply');
  else {
    out.ascii('Unknown BOOTP message type (');
    out.uint(op);
    out.byte(41);
  }
}

/** Echo, timestamp, information and address mask messages carry an identifier and sequence number. */
function icmpHasIdSeq(type: number): boolean {
  return type === 0 || type === 8 || (type >= 13 && type <= 18);
}

function icmpInfo(out: OutBuf, pkt: Packet, li: number): void {
  const s = pkt.layerStart[li];
  if (s + 2 > pkt.capLen) return;
  const type = pkt.u8(s);
  const text = icmpTypeText(type, pkt.u8(s + 1));
  out.ascii(text);
  if (!icmpHasIdSeq(type) || s + 8 > pkt.capLen) return;
  // tshark pads the type to 20 columns, then " id=0x%04x, seq=%u/%u, ttl=%u" (both byte orders of seq).
  for (let i = text.length; i < 20; i++) out.byte(32);
  out.ascii(' id=0x');
  out.hex(pkt.u16(s + 4), 4);
  out.ascii(', seq=');
  out.uint(pkt.u16(s + 6));
  out.byte(47);
  out.uint(pkt.u16le(s + 6));
  if (li > 0 && pkt.layerProto[li - 1].name === 'ip') {
    out.ascii(', ttl=');
    out.uint(pkt.u8(pkt.layerStart[li - 1] + 8));
  }
}

function icmpv6Info(out: OutBuf, pkt: Packet, li: number): void {
  const s = pkt.layerStart[li];
  if (s + 2 > pkt.capLen) return;
  const type = pkt.u8(s);
  out.ascii(icmpv6TypeText(type, pkt.u8(s + 1)));
  if ((type === 128 || type === 129) && s + 8 <= pkt.capLen) {
    out.ascii(' id=0x');
    out.hex(pkt.u16(s + 4), 4);
    out.ascii(', seq=');
    out.uint(pkt.u16(s + 6));
    // The IPv6 header may be behind extension headers.
    let ip = li - 1;
    while (ip > 0 && pkt.layerProto[ip].name.startsWith('ipv6.')) ip--;
    if (ip > 0 && pkt.layerProto[ip].name === 'ipv6') {
      out.ascii(', hop limit=');
      out.uint(pkt.u8(pkt.layerStart[ip] + 7));
    }
  } else if ((type === 135 || type === 136) && s + 24 <= pkt.capLen) {
    // Neighbor solicitation / advertisement (RFC 4861 4.3, 4.4): the target address.
    out.ascii(type === 135 ? ' for ' : ' ');
    out.ipv6(pkt.data, pkt.base + s + 8);
  }
}

function ipInfo(out: OutBuf, pkt: Packet, li: number): void {
  const s = pkt.layerStart[li];
  if (s + 20 > pkt.capLen) return;
  const proto = pkt.u8(s + 9);
  const frag = pkt.u16(s + 6);
  const name = PROTOCOL_NAMES.get(proto) ?? 'Unknown';
  if ((frag & 0x3fff) !== 0) {
    // tshark: "Fragmented IP protocol (proto=UDP 17, off=0, ID=9d0f)"
    out.ascii('Fragmented IP protocol (proto=');
    out.ascii(name);
    out.byte(32);
    out.uint(proto);
    out.ascii(', off=');
    out.uint((frag & 0x1fff) * 8);
    out.ascii(', ID=');
    out.hex(pkt.u16(s + 4), 4);
    out.byte(41);
    return;
  }
  out.ascii(name);
  out.ascii(' (');
  out.uint(proto);
  out.byte(41);
}

function ipv6Info(out: OutBuf, pkt: Packet, li: number): void {
  const next = pkt.layerStart[li] + 6 < pkt.capLen ? pkt.u8(pkt.layerStart[li] + 6) : -1;
  if (pkt.layerProto[li].name === 'ipv6' && next === 59) out.ascii('IPv6 no next header');
  else if (next >= 0) {
    out.ascii(PROTOCOL_NAMES.get(next) ?? 'Unknown');
    out.ascii(' (');
    out.uint(next);
    out.byte(41);
  }
}

// ---- column padding in place (no strings) ----

function appendArrow(out: OutBuf): void {
  for (let i = 0; i < ARROW.length; i++) out.byte(ARROW[i]);
}

/** Pads what was written since `start` with spaces on the right up to `width` characters (ASCII). */
function padTo(out: OutBuf, start: number, width: number): void {
  for (let n = out.pos - start; n < width; n++) out.byte(32);
}

/** Right-aligns what was written since `start` in `width` characters (ASCII), moving it in the buffer. */
function padLeftInPlace(out: OutBuf, start: number, width: number): void {
  const n = out.pos - start;
  if (n >= width) return;
  const shift = width - n;
  // Byte loops: copyWithin and fill cost more than they move for a dozen bytes.
  const buf = out.buf;
  for (let i = out.pos - 1; i >= start; i--) buf[i + shift] = buf[i];
  for (let i = start; i < start + shift; i++) buf[i] = 32;
  out.pos += shift;
}
