/**
 * Operands: what a comparison reads from a packet. Each fills its `Vals`
 * with every value it has in the current packet (a field can occur several
 * times: ip.addr twice, tcp.port twice, one per layer in a tunnel), and
 * returns how many. Constants fill theirs once, at compile time.
 */
import type { Packet } from '../decode/packet';
import { FieldType, type FieldDef, type Protocol } from '../decode/protocol';
import type { RangeNode } from './parser';
import { isByteLike, Kind, Vals } from './values';

export abstract class Operand {
  readonly out = new Vals();
  constructor(readonly kind: Kind) {}
  /** Fills `out` for this packet; returns out.n. */
  abstract load(pkt: Packet): number;
}

export class Const extends Operand {
  load(): number {
    return this.out.n;
  }
}

/** Which layers of a protocol to read: all, or those a #layer list names (1-based, as Wireshark's ip.addr#2). */
export type LayerFilter = readonly RangeNode[] | undefined;

function layerWanted(layers: readonly RangeNode[], index: number, count: number): boolean {
  for (const r of layers) {
    const from = r.from < 0 ? count + r.from + 1 : r.from;
    let to: number;
    switch (r.endKind) {
      case 'single':
        to = from;
        break;
      case 'length':
        to = from + r.to - 1;
        break;
      case 'offset':
        to = r.to < 0 ? count + r.to + 1 : r.to;
        break;
      default:
        to = count;
    }
    if (index >= from && index <= to) return true;
  }
  return false;
}

function countLayers(pkt: Packet, proto: Protocol): number {
  let c = 0;
  for (let li = 0; li < pkt.layerCount; li++) if (pkt.layerProto[li] === proto) c++;
  return c;
}

/**
 * A field's values, every occurrence in every layer of its protocol, in the
 * same order -T fields prints them. `asBytes` reads an address as its bytes
 * (to slice it: ip.src[0] == 7f).
 */
export class FieldOperand extends Operand {
  constructor(
    readonly def: FieldDef,
    readonly proto: Protocol,
    kind: Kind,
    readonly layers: LayerFilter,
    private readonly asBytes: boolean,
  ) {
    super(kind);
  }

  load(pkt: Packet): number {
    const out = this.out;
    out.n = 0;
    const { def, proto, layers } = this;
    const total = layers === undefined ? 0 : countLayers(pkt, proto);
    let index = 0;
    for (let li = 0; li < pkt.layerCount; li++) {
      if (pkt.layerProto[li] !== proto) continue;
      index++;
      if (layers !== undefined && !layerWanted(layers, index, total)) continue;
      for (let k = 0; ; k++) {
        const v = def.get(pkt, li, k);
        if (v === undefined) break;
        this.store(pkt, v, li, k);
      }
    }
    return out.n;
  }

  private store(pkt: Packet, v: number | string, li: number, k: number): void {
    const out = this.out;
    const def = this.def;
    switch (def.type) {
      case FieldType.Ipv4:
        if (this.asBytes) out.pushBytes(pkt.data, pkt.base + (v as number), 4);
        else out.pushNum(pkt.u32(v as number));
        return;
      case FieldType.Ipv6:
        out.pushBytes(pkt.data, pkt.base + (v as number), 16);
        return;
      case FieldType.Ether:
        out.pushBytes(pkt.data, pkt.base + (v as number), 6);
        return;
      case FieldType.Bytes: {
        const p = v as number;
        const n = def.size === undefined ? (def.length ?? 0) : def.size(pkt, li, k);
        const end = Math.min(p + n, pkt.capLen);
        out.pushBytes(pkt.data, pkt.base + p, end > p ? end - p : 0);
        return;
      }
      case FieldType.String:
        out.pushStr(v as string);
        return;
      case FieldType.AbsTime:
        out.pushNum(v as number, def.nanos === undefined ? 0 : def.nanos(pkt, li, k));
        return;
      case FieldType.RelTime:
        // Filters compare time offsets as nanoseconds (exact up to 104 days, as literals are).
        out.pushNum(def.nanos === undefined ? (v as number) : (v as number) * 1e9 + def.nanos(pkt, li, k));
        return;
      case FieldType.None:
        out.pushNum(0);
        return;
      default:
        out.pushNum(typeof v === 'number' ? v : Number(v));
    }
  }
}

/**
 * A protocol is present when tshark would show its tree item. The decoders
 * keep a layer whose header the snapshot length cut, to report the
 * truncation; tshark adds the item of most protocols before reading their
 * fields, so a truncated tcp or ip still matches `-Y tcp` (seen in the
 * corpus: arp, ip, ipv6, tcp, udp, icmp, dhcp, ipv6.routing), but not a
 * layer with no captured byte at all (`-Y icmp` skips an IP packet whose ICMP
 * header was not captured), and not these, whose dissectors read the whole
 * fixed header first (l2tp-avp-overflow.pcap: 8 bytes of Ethernet;
 * ip6_frag_asan.pcap: 6 bytes of a fragment header).
 */
const ITEM_NEEDS_WHOLE_HEADER = new Set(['eth', 'ipv6.fraghdr']);

export function layerShown(pkt: Packet, li: number): boolean {
  if (li === 0) return true;
  const start = pkt.layerStart[li];
  if (start >= pkt.capLen) return false;
  return !ITEM_NEEDS_WHOLE_HEADER.has(pkt.layerProto[li].name) || pkt.layerPayload[li] <= pkt.capLen;
}

/**
 * A protocol as a value: its header bytes for slices and len() (ip[0], the
 * tree item's length), and all its bytes to the end of the layer for
 * contains and matches (Wireshark searches the protocol's whole tvb:
 * `ip contains "GET"` finds a TCP payload).
 */
export class ProtoOperand extends Operand {
  constructor(
    readonly proto: Protocol,
    private readonly layers: LayerFilter,
  ) {
    super(Kind.Proto);
  }

  load(pkt: Packet): number {
    const out = this.out;
    out.n = 0;
    const { proto, layers } = this;
    const total = layers === undefined ? 0 : countLayers(pkt, proto);
    let index = 0;
    for (let li = 0; li < pkt.layerCount; li++) {
      if (pkt.layerProto[li] !== proto || !layerShown(pkt, li)) continue;
      index++;
      if (layers !== undefined && !layerWanted(layers, index, total)) continue;
      const start = pkt.layerStart[li];
      const cap = pkt.capLen;
      const end = Math.min(pkt.layerEnd[li], cap);
      // A layer without a header of its own (frame, data) is all of its bytes.
      const header = pkt.layerPayload[li] > start ? Math.min(pkt.layerPayload[li], cap) : end;
      out.pushBytes(pkt.data, pkt.base + start, Math.max(0, header - start), Math.max(0, end - start));
    }
    return out.n;
  }
}

/** Start and length of one range within `len` bytes, or -1 when it does not fit (tshark drops the value). */
function resolveRange(r: RangeNode, len: number, res: Int32Array): boolean {
  const start = r.from < 0 ? len + r.from : r.from;
  if (start < 0) return false;
  let n: number;
  switch (r.endKind) {
    case 'single':
      n = 1;
      break;
    case 'length':
      n = r.to;
      break;
    case 'offset': {
      const end = r.to < 0 ? len + r.to : r.to;
      if (end < start) return false;
      n = end - start + 1;
      break;
    }
    default:
      n = len - start;
  }
  if (n <= 0 || start + n > len) return false;
  res[0] = start;
  res[1] = n;
  return true;
}

/** field[i:j], [i-j], [i], [:j], [i:], and lists of them concatenated: ip[12,19]. */
export class SliceOperand extends Operand {
  private scratch = new Uint8Array(64);
  private readonly res = new Int32Array(2);

  constructor(
    private readonly inner: Operand,
    private readonly ranges: readonly RangeNode[],
  ) {
    super(Kind.Bytes);
  }

  load(pkt: Packet): number {
    const out = this.out;
    out.n = 0;
    const src = this.inner.out;
    const n = this.inner.load(pkt);
    const res = this.res;
    let used = 0;
    for (let i = 0; i < n; i++) {
      let buf: Uint8Array;
      let off: number;
      let len: number;
      if (this.inner.kind === Kind.Str) {
        buf = Buffer.from(src.str[i], 'utf8');
        off = 0;
        len = buf.length;
      } else {
        buf = src.buf[i];
        off = src.off[i];
        len = src.len[i];
      }
      const ranges = this.ranges;
      if (ranges.length === 1) {
        if (resolveRange(ranges[0], len, res)) out.pushBytes(buf, off + res[0], res[1]);
        continue;
      }
      let total = 0;
      let ok = true;
      for (const r of ranges) {
        if (!resolveRange(r, len, res)) {
          ok = false;
          break;
        }
        total += res[1];
      }
      if (!ok) continue;
      if (used + total > this.scratch.length) {
        // Values already pushed keep the old array; only new ones use the bigger one.
        this.scratch = new Uint8Array(Math.max(2 * this.scratch.length, used + total));
        used = 0;
      }
      const at = used;
      for (const r of ranges) {
        resolveRange(r, len, res);
        this.scratch.set(buf.subarray(off + res[0], off + res[0] + res[1]), used);
        used += res[1];
      }
      out.pushBytes(this.scratch, at, total);
    }
    return out.n;
  }
}

/** len(x): byte length of each value (a protocol's header length, a string's UTF-8 length). */
export class LenOperand extends Operand {
  constructor(private readonly inner: Operand) {
    super(Kind.Num);
  }

  load(pkt: Packet): number {
    const out = this.out;
    out.n = 0;
    const src = this.inner.out;
    const n = this.inner.load(pkt);
    for (let i = 0; i < n; i++) {
      if (this.inner.kind === Kind.Str) out.pushNum(Buffer.byteLength(src.str[i], 'utf8'));
      else if (this.inner.kind === Kind.Ipv4) out.pushNum(4);
      else out.pushNum(src.len[i]);
    }
    return out.n;
  }
}

/** count(field): how many times it occurs; a frame without it has no value (tshark 4.0). */
export class CountOperand extends Operand {
  constructor(private readonly inner: Operand) {
    super(Kind.Num);
  }

  load(pkt: Packet): number {
    const n = this.inner.load(pkt);
    this.out.n = 0;
    if (n > 0) this.out.pushNum(n);
    return this.out.n;
  }
}

export class CaseOperand extends Operand {
  constructor(
    private readonly inner: Operand,
    private readonly upper: boolean,
  ) {
    super(Kind.Str);
  }

  load(pkt: Packet): number {
    const out = this.out;
    out.n = 0;
    const n = this.inner.load(pkt);
    for (let i = 0; i < n; i++) {
      const s = this.inner.out.str[i];
      out.pushStr(this.upper ? s.toUpperCase() : s.toLowerCase());
    }
    return out.n;
  }
}

/** max(), min(): one value over all values of all arguments; abs(): each value. */
export class NumFnOperand extends Operand {
  constructor(
    kind: Kind,
    private readonly args: readonly Operand[],
    private readonly fn: 'max' | 'min' | 'abs',
  ) {
    super(kind);
  }

  load(pkt: Packet): number {
    const out = this.out;
    out.n = 0;
    if (this.fn === 'abs') {
      const a = this.args[0];
      const n = a.load(pkt);
      for (let i = 0; i < n; i++) out.pushNum(Math.abs(a.out.num[i]), a.out.aux[i]);
      return out.n;
    }
    let best = 0;
    let found = false;
    for (const a of this.args) {
      const n = a.load(pkt);
      for (let i = 0; i < n; i++) {
        const v = a.out.num[i];
        if (!found || (this.fn === 'max' ? v > best : v < best)) best = v;
        found = true;
      }
    }
    if (found) out.pushNum(best);
    return out.n;
  }
}

/** Bitwise and of two integers up to 2^53 (JS bit operators stop at 32 bits). */
function and53(a: number, b: number): number {
  if (a >= 0 && b >= 0 && a <= 0xffffffff && b <= 0xffffffff) return (a & b) >>> 0;
  const hi = (Math.floor(a / 0x100000000) & Math.floor(b / 0x100000000)) >>> 0;
  return hi * 0x100000000 + ((a & b) >>> 0);
}

/**
 * Arithmetic over every pair of values (dfvm's binary operations walk both
 * value lists). Integer division truncates; division by zero yields no value.
 * `&` on byte strings ands byte by byte (tcp[13] & 0x02), keeping the left length.
 */
export class ArithOperand extends Operand {
  private scratch = new Uint8Array(64);

  constructor(
    kind: Kind,
    private readonly a: Operand,
    private readonly b: Operand,
    private readonly op: '+' | '-' | '*' | '/' | '%' | '&',
  ) {
    super(kind);
  }

  load(pkt: Packet): number {
    const out = this.out;
    out.n = 0;
    const na = this.a.load(pkt);
    if (na === 0) return 0;
    const nb = this.b.load(pkt);
    const A = this.a.out;
    const B = this.b.out;
    if (isByteLike(this.kind)) {
      let used = 0;
      for (let i = 0; i < na; i++) {
        for (let j = 0; j < nb; j++) {
          const len = A.len[i];
          if (used + len > this.scratch.length) {
            this.scratch = new Uint8Array(Math.max(2 * this.scratch.length, len));
            used = 0;
          }
          for (let x = 0; x < len; x++) this.scratch[used + x] = x < B.len[j] ? A.buf[i][A.off[i] + x] & B.buf[j][B.off[j] + x] : 0;
          out.pushBytes(this.scratch, used, len);
          used += len;
        }
      }
      return out.n;
    }
    const integer = this.kind !== Kind.Float;
    for (let i = 0; i < na; i++) {
      const x = A.num[i];
      for (let j = 0; j < nb; j++) {
        const y = B.num[j];
        let r: number;
        switch (this.op) {
          case '+':
            r = x + y;
            break;
          case '-':
            r = x - y;
            break;
          case '*':
            r = x * y;
            break;
          case '/':
            if (y === 0) continue;
            r = integer ? Math.trunc(x / y) : x / y;
            break;
          case '%':
            if (y === 0) continue;
            r = x % y;
            break;
          default:
            r = and53(x, y);
        }
        out.pushNum(r);
      }
    }
    return out.n;
  }
}

export class NegOperand extends Operand {
  constructor(private readonly inner: Operand) {
    super(inner.kind);
  }

  load(pkt: Packet): number {
    const out = this.out;
    out.n = 0;
    const n = this.inner.load(pkt);
    for (let i = 0; i < n; i++) out.pushNum(-this.inner.out.num[i]);
    return out.n;
  }
}
