/**
 * What a filter compares: the kinds of values (Wireshark's ftypes, folded to
 * what a comparison needs) and the per-packet value lists operands fill.
 * Values live in preallocated typed arrays, so evaluating a comparison of
 * numbers or addresses allocates nothing per packet.
 */
import { FieldType, type FieldDef } from '../decode/protocol';

export enum Kind {
  /** Unsigned or signed integer (also frame numbers). */
  Num,
  Bool,
  Float,
  /** Nanoseconds (frame.time_delta, frame.time_relative). */
  RelTime,
  /** Whole seconds in `num`, nanoseconds in `nano`. */
  AbsTime,
  /** The address as an unsigned 32-bit number. */
  Ipv4,
  Ipv6,
  Ether,
  Bytes,
  Str,
  /** A protocol: its header bytes (`len`), and all its bytes (`ext`) for contains / matches. */
  Proto,
  /** A label without a value: only its presence can be tested. */
  None,
}

export const KIND_NAMES: Readonly<Record<Kind, string>> = {
  [Kind.Num]: 'an integer',
  [Kind.Bool]: 'a boolean',
  [Kind.Float]: 'a floating-point number',
  [Kind.RelTime]: 'a time offset',
  [Kind.AbsTime]: 'a date and time',
  [Kind.Ipv4]: 'an IPv4 address',
  [Kind.Ipv6]: 'an IPv6 address',
  [Kind.Ether]: 'a MAC address',
  [Kind.Bytes]: 'a byte string',
  [Kind.Str]: 'a character string',
  [Kind.Proto]: 'a protocol',
  [Kind.None]: 'a label without a value',
};

export function isNumeric(k: Kind): boolean {
  return k === Kind.Num || k === Kind.Bool || k === Kind.Float || k === Kind.RelTime || k === Kind.Ipv4 || k === Kind.AbsTime;
}

/** Kinds whose values are byte ranges (they compare as byte strings and can be sliced). */
export function isByteLike(k: Kind): boolean {
  return k === Kind.Ipv6 || k === Kind.Ether || k === Kind.Bytes || k === Kind.Proto;
}

export function kindOfField(def: FieldDef): Kind {
  switch (def.type) {
    case FieldType.Uint:
    case FieldType.Int:
    case FieldType.FrameNum:
      return Kind.Num;
    case FieldType.Bool:
      return Kind.Bool;
    case FieldType.Double:
      return Kind.Float;
    case FieldType.RelTime:
      return Kind.RelTime;
    case FieldType.AbsTime:
      return Kind.AbsTime;
    case FieldType.Ipv4:
    case FieldType.Ipv4Value:
      return Kind.Ipv4;
    case FieldType.Ipv6:
      return Kind.Ipv6;
    case FieldType.Ether:
      return Kind.Ether;
    case FieldType.Bytes:
      return Kind.Bytes;
    case FieldType.String:
      return Kind.Str;
    default:
      return Kind.None;
  }
}

const EMPTY = new Uint8Array(0);

/**
 * The values of one operand for the current packet: `n` of them, in the
 * arrays its kind uses. Arrays grow (rarely: a frame with many occurrences)
 * and are otherwise reused from packet to packet.
 */
export class Vals {
  n = 0;
  num = new Float64Array(4);
  /** AbsTime: nanoseconds; Ipv4 constants: the CIDR mask. */
  aux = new Float64Array(4);
  buf: Uint8Array[] = [EMPTY, EMPTY, EMPTY, EMPTY];
  off = new Int32Array(4);
  len = new Int32Array(4);
  /** Proto: bytes up to the end of the layer (contains, matches); Ipv6 constants: prefix bits. */
  ext = new Int32Array(4);
  str: string[] = ['', '', '', ''];

  /** Makes room for index `i`. */
  room(i: number): void {
    if (i < this.num.length) return;
    const size = Math.max(i + 1, this.num.length * 2);
    const grow = <T extends Float64Array | Int32Array>(a: T, make: (n: number) => T): T => {
      const b = make(size);
      b.set(a);
      return b;
    };
    this.num = grow(this.num, (n) => new Float64Array(n));
    this.aux = grow(this.aux, (n) => new Float64Array(n));
    this.off = grow(this.off, (n) => new Int32Array(n));
    this.len = grow(this.len, (n) => new Int32Array(n));
    this.ext = grow(this.ext, (n) => new Int32Array(n));
    while (this.buf.length < size) this.buf.push(EMPTY);
    while (this.str.length < size) this.str.push('');
  }

  pushNum(v: number, aux = 0): void {
    const i = this.n;
    if (i >= this.num.length) this.room(i);
    this.num[i] = v;
    this.aux[i] = aux;
    this.n = i + 1;
  }

  pushBytes(buf: Uint8Array, off: number, len: number, ext = len): void {
    const i = this.n;
    if (i >= this.num.length) this.room(i);
    this.buf[i] = buf;
    this.off[i] = off;
    this.len[i] = len;
    this.ext[i] = ext;
    this.n = i + 1;
  }

  pushStr(s: string): void {
    const i = this.n;
    if (i >= this.num.length) this.room(i);
    this.str[i] = s;
    this.n = i + 1;
  }
}

/**
 * Order of two byte ranges as Wireshark's ftype-bytes cmp_order: the shorter
 * is smaller, and only equal lengths compare byte by byte (so a 1000-byte
 * payload is greater than 47:45 whatever its first byte).
 */
export function compareBytes(a: Uint8Array, ao: number, al: number, b: Uint8Array, bo: number, bl: number): number {
  if (al !== bl) return al - bl;
  for (let i = 0; i < al; i++) {
    const d = a[ao + i] - b[bo + i];
    if (d !== 0) return d;
  }
  return 0;
}

/** Equality of the first `bits` bits (a CIDR prefix), or of the whole ranges when bits < 0. */
export function equalBytes(a: Uint8Array, ao: number, al: number, b: Uint8Array, bo: number, bl: number, bits: number): boolean {
  if (bits < 0) {
    if (al !== bl) return false;
    for (let i = 0; i < al; i++) if (a[ao + i] !== b[bo + i]) return false;
    return true;
  }
  if (al !== bl) return false;
  const whole = bits >> 3;
  for (let i = 0; i < whole; i++) if (a[ao + i] !== b[bo + i]) return false;
  const rest = bits & 7;
  if (rest === 0) return true;
  const mask = (0xff << (8 - rest)) & 0xff;
  return (a[ao + whole] & mask) === (b[bo + whole] & mask);
}

/** First index of needle in haystack, or -1 (contains on bytes and protocols). */
export function indexOfBytes(h: Uint8Array, ho: number, hl: number, n: Uint8Array, no: number, nl: number): number {
  if (nl === 0) return 0;
  const first = n[no];
  const last = hl - nl;
  outer: for (let i = 0; i <= last; i++) {
    if (h[ho + i] !== first) continue;
    for (let j = 1; j < nl; j++) if (h[ho + i + j] !== n[no + j]) continue outer;
    return i;
  }
  return -1;
}
