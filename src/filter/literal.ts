/**
 * Literals take the type of what they are compared with, as in Wireshark
 * (`80` is a port, `10.0.0.0/8` a network, `45` a byte 0x45 against a slice).
 * Each conversion runs once, at compile time, into a constant `Vals`.
 */
import { FieldType, type FieldDef } from '../decode/protocol';
import { FilterError } from './lexer';
import type { Entity } from './parser';
import { Kind, KIND_NAMES, Vals } from './values';

/** A literal before its type is known: a word, a quoted string or a character constant. */
export type LiteralEntity = Extract<Entity, { t: 'word' | 'string' | 'char' }>;

export function isLiteral(e: Entity): e is LiteralEntity {
  return e.t === 'string' || e.t === 'char' || (e.t === 'word' && e.layers === undefined);
}

/** Context of a conversion: the field on the other side (value names, range) and how to explain an unknown name. */
export interface LiteralContext {
  def?: FieldDef;
  /** Builds the error for a word that is no valid value but looks like a field name. */
  unknownName(word: Extract<Entity, { t: 'word' }>): FilterError | null;
}

const INTEGER = /^[+-]?(?:0[xX][0-9a-fA-F]+|0[bB][01]+|0[0-7]*|[1-9][0-9]*)$/;
const DECIMAL = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/;
const SECONDS = /^([+-]?)(\d*)(?:\.(\d*))?$/;

function fail(e: LiteralEntity, message: string, ctx: LiteralContext): never {
  if (e.t === 'word') {
    const named = ctx.unknownName(e);
    if (named !== null) throw named;
  }
  throw new FilterError(message, e.start, e.end);
}

function display(e: LiteralEntity): string {
  return e.t === 'word' ? `'${e.text}'` : e.t === 'string' ? JSON.stringify(e.text) : `'${String.fromCharCode(e.value)}'`;
}

/** Parses decimal, hex (0x), octal (leading 0) and binary (0b) integers; undefined when `s` is none. */
export function parseInteger(s: string): number | undefined {
  if (!INTEGER.test(s)) return undefined;
  const neg = s.startsWith('-');
  let body = s.replace(/^[+-]/, '');
  let v: bigint;
  if (/^0[xX]/.test(body)) v = BigInt(body);
  else if (/^0[bB]/.test(body)) v = BigInt(body);
  else if (body.length > 1 && body.startsWith('0')) {
    body = body.slice(1);
    v = BigInt('0o' + body);
  } else v = BigInt(body);
  if (v > BigInt(Number.MAX_SAFE_INTEGER)) return Infinity;
  return neg ? -Number(v) : Number(v);
}

function valueName(def: FieldDef | undefined, text: string): number | undefined {
  if (def?.names === undefined) return undefined;
  const want = text.toLowerCase();
  for (const [v, name] of def.names) if (name.toLowerCase() === want) return v;
  return undefined;
}

/** The largest value a fixed-width unsigned field holds (tshark: "too big for this field"). */
function maxOf(def: FieldDef | undefined): number {
  if (def === undefined || def.type !== FieldType.Uint || def.length === undefined) return Infinity;
  return 2 ** (8 * def.length) - 1;
}

function toInteger(e: LiteralEntity, ctx: LiteralContext): number {
  if (e.t === 'char') return e.value;
  const named = valueName(ctx.def, e.text);
  if (named !== undefined) return named;
  if (e.t === 'string') fail(e, `an integer is needed here, not the string ${display(e)}`, ctx);
  const v = parseInteger(e.text);
  if (v === undefined) {
    if (DECIMAL.test(e.text)) fail(e, `${display(e)} is not a whole number`, ctx);
    fail(e, `${display(e)} is not a valid number`, ctx);
  }
  const max = maxOf(ctx.def);
  if (v > max) throw new FilterError(`${display(e)} is too big for ${ctx.def!.name} (at most ${max})`, e.start, e.end);
  if (!Number.isFinite(v)) throw new FilterError(`${display(e)} is too big`, e.start, e.end);
  return v;
}

function toBool(e: LiteralEntity, ctx: LiteralContext): number {
  if (e.t !== 'char') {
    const t = e.text.toLowerCase();
    if (t === 'true') return 1;
    if (t === 'false') return 0;
  }
  // tshark 4.0 reads any number and keeps its truth: tcp.flags.syn == 2 matches SYNs.
  return toInteger(e, { ...ctx, def: undefined }) !== 0 ? 1 : 0;
}

function toFloat(e: LiteralEntity, ctx: LiteralContext): number {
  if (e.t === 'word') {
    if (DECIMAL.test(e.text)) return Number(e.text);
    const i = parseInteger(e.text);
    if (i !== undefined) return i;
  }
  fail(e, `${display(e)} is not a valid number`, ctx);
}

/** Seconds with up to 9 decimals to nanoseconds, exactly (no float rounding: 0.000015 is 15000 ns). */
function toNanos(e: LiteralEntity, ctx: LiteralContext): number {
  const m = e.t === 'word' ? SECONDS.exec(e.text) : null;
  if (m === null || (m[2] === '' && (m[3] ?? '') === '')) fail(e, `${display(e)} is not a valid time in seconds (like 0.25)`, ctx);
  const frac = (m[3] ?? '').padEnd(9, '0');
  if (frac.length > 9 && /[1-9]/.test(frac.slice(9))) fail(e, `${display(e)} has more than 9 decimals`, ctx);
  const v = Number(m[2] || '0') * 1e9 + Number(frac.slice(0, 9));
  return m[1] === '-' ? -v : v;
}

const MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];

/** Epoch seconds, or a date as tshark prints or takes it ("2024-05-01 10:00:00", "May  1, 2024 10:00:00.5"), local time unless it ends in UTC/Z. */
function toAbsTime(e: LiteralEntity, ctx: LiteralContext): [number, number] {
  const text = e.t === 'char' ? '' : e.text.trim();
  const epoch = /^(\d+)(?:\.(\d{1,9}))?$/.exec(text);
  if (epoch !== null) return [Number(epoch[1]), Number((epoch[2] ?? '').padEnd(9, '0'))];
  const iso = /^(\d{4})-(\d{2})-(\d{2})(?:[ T](\d{1,2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?)?\s*(UTC|Z)?$/i.exec(text);
  const us = /^([A-Za-z]{3})\s+(\d{1,2}),\s*(\d{4})(?:\s+(\d{1,2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?)?\s*(UTC|Z)?$/i.exec(text);
  let parts: (string | undefined)[] | null = null;
  if (iso !== null) parts = [iso[1], iso[2], iso[3], iso[4], iso[5], iso[6], iso[7], iso[8]];
  else if (us !== null) {
    const month = MONTHS.indexOf(us[1].toLowerCase());
    if (month >= 0) parts = [us[3], String(month + 1), us[2], us[4], us[5], us[6], us[7], us[8]];
  }
  if (parts === null) fail(e, `${display(e)} is not a date and time (use "2024-05-01 10:00:00" or epoch seconds)`, ctx);
  const [y, mo, d, h, mi, s, frac, utc] = parts;
  const args = [Number(y), Number(mo) - 1, Number(d), Number(h ?? 0), Number(mi ?? 0), Number(s ?? 0)] as const;
  const ms = utc !== undefined ? Date.UTC(...args) : new Date(...args).getTime();
  if (Number.isNaN(ms)) fail(e, `${display(e)} is not a valid date`, ctx);
  return [Math.floor(ms / 1000), Number((frac ?? '').padEnd(9, '0'))];
}

const IPV4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})(?:\/(\d{1,2}))?$/;

/** An IPv4 address as [address, mask]: 10.0.0.0/8 is [0x0a000000, 0xff000000]. */
function toIpv4(e: LiteralEntity, ctx: LiteralContext): [number, number] {
  const m = e.t === 'word' ? IPV4.exec(e.text) : null;
  if (m === null || [m[1], m[2], m[3], m[4]].some((o) => Number(o) > 255) || (m[5] !== undefined && Number(m[5]) > 32)) {
    if (e.t === 'string') fail(e, `write the IPv4 address without quotes, not ${display(e)}`, ctx);
    fail(e, `${display(e)} is not an IPv4 address (like 10.0.0.1 or 10.0.0.0/8; host names are not resolved)`, ctx);
  }
  const addr = ((Number(m[1]) << 24) | (Number(m[2]) << 16) | (Number(m[3]) << 8) | Number(m[4])) >>> 0;
  const bits = m[5] === undefined ? 32 : Number(m[5]);
  const mask = bits === 0 ? 0 : (0xffffffff << (32 - bits)) >>> 0;
  return [(addr & mask) >>> 0, mask];
}

/** Parses IPv6 text (RFC 4291 section 2.2, with :: and an embedded IPv4 tail) into 16 bytes. */
export function parseIpv6(text: string): Uint8Array | undefined {
  if (!/^[0-9a-fA-F:.]+$/.test(text) || text.length < 2) return undefined;
  const dbl = text.indexOf('::');
  if (dbl >= 0 && text.indexOf('::', dbl + 1) >= 0) return undefined;
  const groups = (s: string): number[] | undefined => {
    if (s === '') return [];
    const out: number[] = [];
    const parts = s.split(':');
    for (let i = 0; i < parts.length; i++) {
      const p = parts[i];
      if (i === parts.length - 1 && p.includes('.')) {
        const m = IPV4.exec(p);
        if (m === null || m[5] !== undefined || [m[1], m[2], m[3], m[4]].some((o) => Number(o) > 255)) return undefined;
        out.push((Number(m[1]) << 8) | Number(m[2]), (Number(m[3]) << 8) | Number(m[4]));
      } else {
        if (!/^[0-9a-fA-F]{1,4}$/.test(p)) return undefined;
        out.push(parseInt(p, 16));
      }
    }
    return out;
  };
  let words: number[];
  if (dbl >= 0) {
    const head = groups(text.slice(0, dbl));
    const tail = groups(text.slice(dbl + 2));
    if (head === undefined || tail === undefined || head.length + tail.length > 7) return undefined;
    words = [...head, ...new Array<number>(8 - head.length - tail.length).fill(0), ...tail];
  } else {
    const all = groups(text);
    if (all === undefined || all.length !== 8) return undefined;
    words = all;
  }
  const bytes = new Uint8Array(16);
  words.forEach((w, i) => {
    bytes[2 * i] = w >> 8;
    bytes[2 * i + 1] = w & 0xff;
  });
  return bytes;
}

function toIpv6(e: LiteralEntity, ctx: LiteralContext): [Uint8Array, number] {
  const text = e.t === 'word' ? e.text : '';
  const slash = text.indexOf('/');
  const addr = parseIpv6(slash < 0 ? text : text.slice(0, slash));
  const bits = slash < 0 ? -1 : /^\d{1,3}$/.test(text.slice(slash + 1)) ? Number(text.slice(slash + 1)) : 999;
  if (addr === undefined || bits > 128) {
    if (e.t === 'string') fail(e, `write the IPv6 address without quotes, not ${display(e)}`, ctx);
    fail(e, `${display(e)} is not an IPv6 address (like fe80::1 or 2001:db8::/32; host names are not resolved)`, ctx);
  }
  return [addr, bits];
}

/** aa:bb:cc, aa-bb-cc, aa.bb.cc (groups of one or two hex digits) or aabbcc (an even count of hex digits). */
export function parseByteString(s: string): Uint8Array | undefined {
  if (/^(?:[0-9a-fA-F]{2})+$/.test(s)) return Uint8Array.from(s.match(/../g)!.map((h) => parseInt(h, 16)));
  for (const sep of [':', '-', '.']) {
    const parts = s.split(sep);
    if (parts.length > 1 && parts.every((p) => /^[0-9a-fA-F]{1,2}$/.test(p))) return Uint8Array.from(parts.map((h) => parseInt(h, 16)));
  }
  return undefined;
}

function toEther(e: LiteralEntity, ctx: LiteralContext): Uint8Array {
  if (e.t !== 'word') fail(e, `write the MAC address without quotes, not ${display(e)}`, ctx);
  const quad = /^([0-9a-fA-F]{4})\.([0-9a-fA-F]{4})\.([0-9a-fA-F]{4})$/.exec(e.text);
  const bytes = quad !== null ? parseByteString(quad[1] + quad[2] + quad[3]) : parseByteString(e.text);
  if (bytes === undefined) fail(e, `${display(e)} is not a MAC address (like 00:1b:21:0a:bc:de)`, ctx);
  if (bytes.length !== 6) {
    throw new FilterError(`${display(e)} has ${bytes.length} bytes; a MAC address has 6`, e.start, e.end);
  }
  return bytes;
}

function toBytes(e: LiteralEntity, ctx: LiteralContext): Uint8Array {
  if (e.t === 'string') return e.bytes;
  if (e.t === 'char') return Uint8Array.of(e.value);
  const bytes = parseByteString(e.text);
  if (bytes !== undefined) return bytes;
  // A lone integer is one byte: ip[0] == 0x45.
  const v = parseInteger(e.text);
  if (v !== undefined && v >= 0 && v <= 255) return Uint8Array.of(v);
  fail(e, `${display(e)} is not a byte string (like 47:45:54, or "GET")`, ctx);
}

function toStr(e: LiteralEntity): string {
  return e.t === 'char' ? String.fromCharCode(e.value) : e.text;
}

/** Appends the value of literal `e`, read as `kind`, to `out`. */
export function pushLiteral(out: Vals, e: LiteralEntity, kind: Kind, ctx: LiteralContext): void {
  switch (kind) {
    case Kind.Num:
      out.pushNum(toInteger(e, ctx));
      return;
    case Kind.Bool:
      out.pushNum(toBool(e, ctx));
      return;
    case Kind.Float:
      out.pushNum(toFloat(e, ctx));
      return;
    case Kind.RelTime:
      out.pushNum(toNanos(e, ctx));
      return;
    case Kind.AbsTime: {
      const [s, ns] = toAbsTime(e, ctx);
      out.pushNum(s, ns);
      return;
    }
    case Kind.Ipv4: {
      const [addr, mask] = toIpv4(e, ctx);
      out.pushNum(addr, mask);
      return;
    }
    case Kind.Ipv6: {
      const [addr, bits] = toIpv6(e, ctx);
      out.pushBytes(addr, 0, 16, bits);
      return;
    }
    case Kind.Ether: {
      const b = toEther(e, ctx);
      out.pushBytes(b, 0, 6, -1);
      return;
    }
    case Kind.Bytes:
    case Kind.Proto: {
      const b = toBytes(e, ctx);
      out.pushBytes(b, 0, b.length, -1);
      return;
    }
    case Kind.Str:
      out.pushStr(toStr(e));
      return;
    case Kind.None:
      throw new FilterError(`nothing can be compared with ${KIND_NAMES[kind]}`, e.start, e.end);
  }
}

/** The raw bytes a literal stands for, for contains on bytes: "GET", 47:45:54, 'G'. */
export function literalBytes(e: LiteralEntity, ctx: LiteralContext): Uint8Array {
  return toBytes(e, ctx);
}
