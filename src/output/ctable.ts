/**
 * What tshark 4.0's conversation and endpoint tables (-z conv,..., -z
 * endpoints,...; epan/conversation_table.c, ui/cli/tap-iousers.c and
 * tap-endpoints.c) share: a row store keyed by numbers, which taps feed it,
 * and how rows are ordered and sizes printed.
 *
 * tshark appends a row the first time its tap sees a key and never forgets
 * one; synack keeps at most `maxRows` (a flood of made-up addresses must not
 * grow memory without bound) and counts the frames it could not count.
 */
import { ethernet } from '../decode/ethernet';
import { icmp } from '../decode/icmp';
import { icmpv6 } from '../decode/icmpv6';
import { ipv4 } from '../decode/ipv4';
import { dstopts, fraghdr, hopopts, ipv6, routing } from '../decode/ipv6';
import type { Packet } from '../decode/packet';
import { formatAddress, type Flow } from '../analysis/index';
import type { OutBuf } from './outbuf';
import { sanitize } from './sanitize';

/** Rows a table keeps (about 100 bytes each): far more than a real capture's hosts or streams. */
export const CT_MAX_ROWS = 1 << 18;

export const CT_BAR = '================================================================================\n';

/**
 * Rows in order of creation, keyed by `width` 32-bit words (open addressing:
 * a lookup allocates nothing), each with `dataWidth` words of the caller's,
 * frame and byte counters both ways and, when `timed`, the earliest and
 * latest frame times (relative to the first frame, as nstime).
 */
export class CtRows {
  /** The key to look up: the caller fills it, then calls row(). */
  readonly key: Uint32Array;
  rows = 0;
  /** The last row() added its row (the caller fills the row's data). */
  created = false;
  /** Tap calls not counted: their key was new and the table full. */
  refused = 0;
  keys: Uint32Array;
  data: Uint32Array;
  /** tshark's tx (frames sent by A, or by the endpoint) and rx. */
  txFrames: Float64Array;
  txBytes: Float64Array;
  rxFrames: Float64Array;
  rxBytes: Float64Array;
  startSec: Float64Array;
  startNsec: Int32Array;
  stopSec: Float64Array;
  stopNsec: Int32Array;
  private slots: Int32Array = new Int32Array(256);

  constructor(
    readonly width: number,
    readonly dataWidth: number,
    readonly timed: boolean,
    readonly maxRows = CT_MAX_ROWS,
  ) {
    this.key = new Uint32Array(width);
    const n = 64;
    this.keys = new Uint32Array(n * width);
    this.data = new Uint32Array(n * dataWidth);
    this.txFrames = new Float64Array(n);
    this.txBytes = new Float64Array(n);
    this.rxFrames = new Float64Array(n);
    this.rxBytes = new Float64Array(n);
    const t = timed ? n : 0;
    this.startSec = new Float64Array(t);
    this.startNsec = new Int32Array(t);
    this.stopSec = new Float64Array(t);
    this.stopNsec = new Int32Array(t);
  }

  private hash(): number {
    const k = this.key;
    let h = 0x811c9dc5 ^ this.width;
    for (let i = 0; i < this.width; i++) h = Math.imul(h ^ k[i], 0x01000193) ^ (h >>> 15);
    h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
    h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
    return h ^ (h >>> 16);
  }

  private matches(row: number): boolean {
    const k = this.key;
    const w = this.width;
    const at = row * w;
    for (let i = 0; i < w; i++) if (this.keys[at + i] !== k[i]) return false;
    return true;
  }

  /** The row of `key`, added (then `created`) when new; -1 when new and the table is full (counted). */
  row(): number {
    const mask = this.slots.length - 1;
    let s = this.hash() & mask;
    for (;;) {
      const r = this.slots[s] - 1;
      if (r < 0) break;
      if (this.matches(r)) {
        this.created = false;
        return r;
      }
      s = (s + 1) & mask;
    }
    if (this.rows >= this.maxRows) {
      this.refused++;
      this.created = false;
      return -1;
    }
    const r = this.rows++;
    if (r >= this.txFrames.length) this.grow();
    this.keys.set(this.key, r * this.width);
    this.slots[s] = r + 1;
    // At most half full, so probes stay short.
    if (this.rows * 2 > this.slots.length) this.rehash();
    this.created = true;
    return r;
  }

  /** Counts one frame of `len` bytes on row `r`, sent (tx) or received. */
  count(r: number, tx: boolean, len: number): void {
    if (tx) {
      this.txFrames[r]++;
      this.txBytes[r] += len;
    } else {
      this.rxFrames[r]++;
      this.rxBytes[r] += len;
    }
  }

  /** A frame at (sec, nsec) after the first: the first sets start and stop, later ones widen them. */
  time(r: number, sec: number, nsec: number): void {
    if (this.created) {
      this.startSec[r] = this.stopSec[r] = sec;
      this.startNsec[r] = this.stopNsec[r] = nsec;
      return;
    }
    // tshark keeps the latest time as the stop and the earliest as the start: frames may be out of order.
    if (sec > this.stopSec[r] || (sec === this.stopSec[r] && nsec > this.stopNsec[r])) {
      this.stopSec[r] = sec;
      this.stopNsec[r] = nsec;
    } else if (sec < this.startSec[r] || (sec === this.startSec[r] && nsec < this.startNsec[r])) {
      this.startSec[r] = sec;
      this.startNsec[r] = nsec;
    }
  }

  /**
   * Rows as tshark's draw loops print them: repeatedly the largest total of
   * frames below the previous one, rows with it in the order they were added.
   */
  order(): number[] {
    const order: number[] = [];
    for (let i = 0; i < this.rows; i++) order.push(i);
    return order.sort((x, y) => this.txFrames[y] + this.rxFrames[y] - (this.txFrames[x] + this.rxFrames[x]) || x - y);
  }

  /** The line saying what the cap left out (nothing when it left nothing out): `what` rows, each tap call one `unit`. */
  writeRefused(out: OutBuf, what: string, unit: string): void {
    if (this.refused > 0) out.ascii(`[synack: at most ${this.maxRows} ${what} are kept; ${this.refused} ${unit} of others were not counted]\n`);
  }

  private grow(): void {
    const n = Math.min(this.txFrames.length * 2, this.maxRows);
    const f64 = (a: Float64Array, size: number): Float64Array => {
      const b = new Float64Array(size);
      b.set(a);
      return b;
    };
    const i32 = (a: Int32Array, size: number): Int32Array => {
      const b = new Int32Array(size);
      b.set(a);
      return b;
    };
    const u32 = (a: Uint32Array, size: number): Uint32Array => {
      const b = new Uint32Array(size);
      b.set(a);
      return b;
    };
    this.keys = u32(this.keys, n * this.width);
    this.data = u32(this.data, n * this.dataWidth);
    this.txFrames = f64(this.txFrames, n);
    this.txBytes = f64(this.txBytes, n);
    this.rxFrames = f64(this.rxFrames, n);
    this.rxBytes = f64(this.rxBytes, n);
    if (this.timed) {
      this.startSec = f64(this.startSec, n);
      this.startNsec = i32(this.startNsec, n);
      this.stopSec = f64(this.stopSec, n);
      this.stopNsec = i32(this.stopNsec, n);
    }
  }

  private rehash(): void {
    const slots = new Int32Array(this.slots.length * 2);
    const mask = slots.length - 1;
    const saved = this.key.slice();
    for (let r = 0; r < this.rows; r++) {
      this.key.set(this.keys.subarray(r * this.width, (r + 1) * this.width));
      let s = this.hash() & mask;
      while (slots[s] !== 0) s = (s + 1) & mask;
      slots[s] = r + 1;
    }
    this.key.set(saved);
    this.slots = slots;
  }
}

/** wsutil's format_size(size, FORMAT_SIZE_UNIT_BYTES, 0): SI prefixes once the value reaches ten of them. */
export function formatSize(size: number): string {
  const p = 1000;
  if (Math.floor(size / p / p / p / p) >= 10) return `${Math.floor(size / p / p / p / p)} TB`;
  if (Math.floor(size / p / p / p) >= 10) return `${Math.floor(size / p / p / p)} GB`;
  if (Math.floor(size / p / p) >= 10) return `${Math.floor(size / p / p)} MB`;
  if (Math.floor(size / p) >= 10) return `${Math.floor(size / p)} kB`;
  return `${size} bytes`;
}

/** The "Filter:" line: tshark prints a given filter as given, even an empty one ("conv,ip,"). */
export function filterLine(text: string | null): string {
  // The user's own text, echoed as tshark does; a control character in it is escaped all the same.
  return `Filter:${text === null ? '<No Filter>' : sanitize(text)}\n`;
}

/** The layers the tables count (tshark's eth, ip, ipv6, tcp and udp taps). */
export type CtKind = 'eth' | 'ip' | 'ipv6' | 'tcp' | 'udp';
export type AddressLayer = 'eth' | 'ip' | 'ipv6';

/** How tshark titles each table ("IPv4 Conversations", "TCP Endpoints"). */
export const CT_TITLES: Readonly<Record<CtKind, string>> = { eth: 'Ethernet', ip: 'IPv4', ipv6: 'IPv6', tcp: 'TCP', udp: 'UDP' };

/** 32-bit words per address: a MAC as its first 2 bytes and last 4. */
export const ADDRESS_WORDS: Readonly<Record<AddressLayer, number>> = { eth: 2, ip: 1, ipv6: 4 };

/** Reads the address at frame offset `off` into `w` from `at`. */
export function readAddress(pkt: Packet, kind: AddressLayer, off: number, w: Uint32Array, at: number): void {
  if (kind === 'eth') {
    w[at] = pkt.u16(off);
    w[at + 1] = pkt.u32(off + 2);
  } else if (kind === 'ip') {
    w[at] = pkt.u32(off);
  } else {
    for (let k = 0; k < 4; k++) w[at + k] = pkt.u32(off + 4 * k);
  }
}

/** Frame offsets of a layer's source and destination addresses. */
export function sourceAt(pkt: Packet, kind: AddressLayer, li: number): number {
  return pkt.layerStart[li] + (kind === 'eth' ? 6 : kind === 'ip' ? 12 : 8);
}
export function destinationAt(pkt: Packet, kind: AddressLayer, li: number): number {
  return pkt.layerStart[li] + (kind === 'eth' ? 0 : kind === 'ip' ? 16 : 24);
}

const HEX = '0123456789abcdef';

/** The address in words w[at...] as tshark -n prints it. */
export function addressText(kind: AddressLayer, w: Uint32Array, at: number): string {
  if (kind === 'ip') return formatAddress(4, w[at], 0, 0, 0);
  if (kind === 'ipv6') return formatAddress(6, w[at], w[at + 1], w[at + 2], w[at + 3]);
  let s = '';
  for (let i = 0; i < 6; i++) {
    const b = i < 2 ? (w[at] >>> (8 - 8 * i)) & 255 : (w[at + 1] >>> (24 - 8 * (i - 2))) & 255;
    if (i > 0) s += ':';
    s += HEX[b >> 4] + HEX[b & 15];
  }
  return s;
}

/**
 * Calls `visit(flow, stream, fromA)` for each TCP segment or UDP datagram of
 * the frame tshark's tcp or udp tap sees (after analysis processed the
 * frame): not one quoted in an ICMP error, which was not sent again; for TCP
 * not one whose header tshark could not read (see TcpNote.tapped).
 */
export function tappedTransport(pkt: Packet, kind: 'tcp' | 'udp', visit: (flow: Flow, stream: number, fromA: boolean) => void): void {
  const fa = pkt.notes.analysis;
  if (fa === undefined || fa.frame !== pkt.number) return;
  if (kind === 'tcp') {
    for (let i = 0; i < fa.tcpCount; i++) {
      const n = fa.tcp[i];
      // A first IP fragment's segment counts (tshark taps it), one quoted in an ICMP error does not.
      if (n.conn !== null && n.tapped && !n.inError && tcpHeaderDeclared(pkt, n.layer)) visit(n.conn, n.stream, n.fromA);
    }
  } else if (fa.udp !== null && fa.udp.conv !== null && !fa.udp.inError && pkt.layerEnd[fa.udp.layer] - pkt.layerStart[fa.udp.layer] >= 8) {
    visit(fa.udp.conv, fa.udp.stream, fa.udp.fromA);
  }
}

/**
 * Calls `visit(pkt, li)` for each layer of `kind` tshark's tap sees in the frame:
 * every one (an IP tunnel counts both headers), but none quoted in an ICMP
 * error (tap.c skips packets flagged in_error_pkt), and only those whose
 * header tshark read up to where its dissector queues the tap.
 */
export function tappedLayers(pkt: Packet, kind: AddressLayer, visit: (pkt: Packet, li: number) => void): void {
  const proto = kind === 'eth' ? ethernet : kind === 'ip' ? ipv4 : ipv6;
  for (let li = 1; li < pkt.layerCount; li++) {
    const p = pkt.layerProto[li];
    // What follows an ICMP or ICMPv6 layer is the quoted datagram of an error.
    if (p === icmp || p === icmpv6) return;
    if (p === proto && headerRead(pkt, li, kind)) visit(pkt, li);
  }
}

/**
 * The network layer declares the whole TCP header: tshark's TCP dissector
 * reads it within the declared length and queues its tap after it (a
 * header cut by the declared length throws first), where the analysis
 * numbers the stream once the first 16 bytes are there. UDP's header
 * likewise (checked in place).
 */
function tcpHeaderDeclared(pkt: Packet, li: number): boolean {
  const s = pkt.layerStart[li];
  return pkt.layerEnd[li] - s >= Math.max(20, (pkt.u8(s + 12) >> 4) * 4);
}

/**
 * packet-ipv6.c (ipv6_dissect_next) queues its tap where the extension
 * header chain ends, before the payload: not when an extension header throws
 * (cut short by the capture or the payload length), not for a fragment other
 * than the first (shown as data), and not after a Mobility header (its
 * dissector ends the chain without the tap). AH, HIP and Shim6, which synack
 * shows as data, end in the tap as any payload does.
 */
function ipv6ChainEnds(pkt: Packet, li: number): boolean {
  let next = pkt.u8(pkt.layerStart[li] + 6);
  for (let j = li + 1; ; j++) {
    if (next === 135) return false;
    const ext = next === 0 ? hopopts : next === 43 ? routing : next === 44 ? fraghdr : next === 60 ? dstopts : null;
    if (ext === null) return true;
    if (j >= pkt.layerCount || pkt.layerProto[j] !== ext) return false;
    const e = pkt.layerStart[j];
    const end = pkt.layerPayload[j];
    if (end > pkt.layerEnd[j] || end > pkt.capLen) return false;
    if (ext === fraghdr && (pkt.u16(e + 2) & 0xfff8) !== 0) return false;
    next = pkt.u8(e);
  }
}

function headerRead(pkt: Packet, li: number, kind: AddressLayer): boolean {
  const s = pkt.layerStart[li];
  const declared = pkt.layerEnd[li] - s;
  const avail = pkt.avail(s);
  if (kind === 'eth') {
    // packet-eth.c queues the tap once it read the type field (bytes 12-13).
    return avail >= 14 && declared >= 14;
  }
  if (kind === 'ipv6') return avail >= 40 && declared >= 40 && pkt.u8(s) >> 4 === 6 && ipv6ChainEnds(pkt, li);
  // packet-ip.c queues it after the options; it returned earlier on a bad version, header length or total length.
  if (avail < 20 || declared < 20) return false;
  const b = pkt.u8(s);
  const ihl = (b & 15) * 4;
  const total = pkt.u16(s + 2);
  return b >> 4 === 4 && ihl >= 20 && (total === 0 || total >= ihl) && avail >= ihl && declared >= ihl;
}
