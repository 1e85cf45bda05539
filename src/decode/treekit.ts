/**
 * Helpers for the detail trees (`Protocol.tree`): Wireshark's text forms of
 * addresses and numbers, and a node per field. Trees are built only for the
 * frame on screen, so these allocate freely; decode() never calls them.
 * (decode/ cannot use output/, which sits below it in the pipeline.)
 */
import type { Packet } from './packet';
import { Base, FieldType, type ExpertSeverity, type FieldDef, type TreeNode } from './protocol';

const HEXDIGITS = '0123456789abcdef';

/** aa:bb:cc:dd:ee:ff from `n` bytes at frame-relative `off`. */
export function macText(pkt: Packet, off: number, n = 6): string {
  let s = '';
  for (let i = 0; i < n; i++) {
    const b = pkt.u8(off + i);
    if (i > 0) s += ':';
    s += HEXDIGITS[b >> 4] + HEXDIGITS[b & 15];
  }
  return s;
}

export function ipv4Text(pkt: Packet, off: number): string {
  return `${pkt.u8(off)}.${pkt.u8(off + 1)}.${pkt.u8(off + 2)}.${pkt.u8(off + 3)}`;
}

/**
 * The zero groups inet_ntop (and so tshark) compresses to '::' in the IPv6
 * address at data[p]: the longest run of two or more, the first of equal
 * ones (RFC 5952 section 4.2.3), as start * 16 + length, or -1 for none.
 * Shared by the tree's text, OutBuf's fields writer and the connection
 * tables, so the same address reads the same everywhere.
 */
export function ipv6ZeroRun(data: Uint8Array, p: number): number {
  let best = -1;
  let bestLen = 1;
  let runStart = -1;
  for (let g = 0; g <= 8; g++) {
    if (g < 8 && data[p + 2 * g] === 0 && data[p + 2 * g + 1] === 0) {
      if (runStart < 0) runStart = g;
    } else if (runStart >= 0) {
      if (g - runStart > bestLen) {
        best = runStart;
        bestLen = g - runStart;
      }
      runStart = -1;
    }
  }
  return best < 0 ? -1 : best * 16 + bestLen;
}

/**
 * What inet_ntop prints before the last 32 bits written as IPv4, given the
 * zero run: '::ffff:' for an IPv4-mapped address, '::' for an
 * IPv4-compatible one (whose seventh group is not zero: ::102 stays hex),
 * null when every group is written in hex.
 */
export function ipv6Ipv4Prefix(data: Uint8Array, p: number, run: number): '::ffff:' | '::' | null {
  // A run from group 0 is `run` = its length.
  if (run === 5 && data[p + 10] === 0xff && data[p + 11] === 0xff) return '::ffff:';
  // A run of exactly six from group 0 ends at a non-zero seventh group (::102, all zeros but the last, runs seven).
  if (run === 6) return '::';
  return null;
}

/** RFC 5952 text of the IPv6 address at frame-relative `off`. */
export function ipv6Text(pkt: Packet, off: number): string {
  return ipv6TextAt(pkt.data, pkt.base + off);
}

/** RFC 5952 text of the 16 bytes at data[p] (inet_ntop's, so tshark's). */
export function ipv6TextAt(data: Uint8Array, p: number): string {
  const run = ipv6ZeroRun(data, p);
  const v4 = ipv6Ipv4Prefix(data, p, run);
  if (v4 !== null) return `${v4}${data[p + 12]}.${data[p + 13]}.${data[p + 14]}.${data[p + 15]}`;
  const start = run < 0 ? -1 : run >> 4;
  let s = '';
  for (let g = 0; g < 8; g++) {
    if (g === start) {
      s += g === 0 ? '::' : ':';
      g += (run & 15) - 1;
      continue;
    }
    s += ((data[p + 2 * g] << 8) | data[p + 2 * g + 1]).toString(16);
    if (g < 7) s += ':';
  }
  return s;
}

/** Hex of [off, off + n), or tshark's <MISSING> for no bytes at all (an empty option, say). */
export function bytesText(pkt: Packet, off: number, n: number): string {
  return n === 0 ? '<MISSING>' : hexText(pkt, off, n);
}

/**
 * Bytes as tshark reads an ENC_ASCII string: a C string (a NUL ends it), a byte above 0x7f as
 * U+FFFD. Controls stay: the output layer escapes them, or formatText() for tshark's own escapes.
 */
export function asciiCString(pkt: Packet, at: number, n: number): string {
  let s = '';
  for (let i = 0; i < n; i++) {
    const c = pkt.u8(at + i);
    if (c === 0) break;
    s += c < 0x80 ? String.fromCharCode(c) : '\ufffd';
  }
  return s;
}

const C_ESCAPES = new Map<number, string>([[7, 'a'], [8, 'b'], [12, 'f'], [10, 'n'], [13, 'r'], [9, 't'], [11, 'v']]);

/** tshark's format_text, as its tree shows a string read from the packet: C escapes for the usual controls, octal for the rest. */
export function formatText(s: string): string {
  let out = '';
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if ((c >= 0x20 && c < 0x7f) || c > 0xff) out += s[i];
    else out += '\\' + (C_ESCAPES.get(c) ?? c.toString(8).padStart(3, '0'));
  }
  return out;
}

/** Plain lower-case hex of the captured part of [off, off + n). */
export function hexText(pkt: Packet, off: number, n: number): string {
  let s = '';
  const end = Math.min(off + n, pkt.capLen);
  for (let i = off; i < end; i++) {
    const b = pkt.u8(i);
    s += HEXDIGITS[b >> 4] + HEXDIGITS[b & 15];
  }
  return s;
}

/** 0x-prefixed hex with `width` digits. */
export function hex0x(v: number, width: number): string {
  return '0x' + v.toString(16).padStart(width, '0');
}

/** Wireshark's bit-field picture: `.... ..1. .... ....` for `mask` over `bits` bits, with `value` shown. */
export function bitPicture(value: number, mask: number, bits: number): string {
  let s = '';
  // Every header field is at most 32 bits: integer shifts (the general loop below costs a fifth of a tree).
  if (bits <= 32) {
    for (let i = bits - 1; i >= 0; i--) {
      s += ((mask >>> i) & 1) === 1 ? (((value >>> i) & 1) === 1 ? '1' : '0') : '.';
      if ((i & 3) === 0 && i > 0) s += ' ';
    }
    return s;
  }
  for (let i = bits - 1; i >= 0; i--) {
    const m = 2 ** i;
    s += Math.floor(mask / m) % 2 === 1 ? (Math.floor(value / m) % 2 === 1 ? '1' : '0') : '.';
    if (i % 4 === 0 && i > 0) s += ' ';
  }
  return s;
}

/** A field's value as the tree shows it ('IPv4 (0x0800)', '64', '127.0.0.1'); undefined when absent. */
export function valueText(pkt: Packet, li: number, def: FieldDef, k = 0): string | undefined {
  const v = def.get(pkt, li, k);
  if (v === undefined) return undefined;
  switch (def.type) {
    case FieldType.Ipv4:
      return ipv4Text(pkt, v as number);
    case FieldType.Ipv6:
      return ipv6Text(pkt, v as number);
    case FieldType.Ether:
      return macText(pkt, v as number);
    case FieldType.Bytes:
      return bytesText(pkt, v as number, def.size === undefined ? def.length ?? 0 : def.size(pkt, li, k));
    case FieldType.Bool:
      return (v as number) !== 0 ? 'True' : 'False';
    case FieldType.Ipv4Value: {
      const n = v as number;
      return `${n >>> 24}.${(n >>> 16) & 255}.${(n >>> 8) & 255}.${n & 255}`;
    }
    case FieldType.String:
      return v as string;
    case FieldType.Uint:
    case FieldType.Int: {
      const n = v as number;
      const base = def.base ?? Base.Dec;
      let num =
        base === Base.Hex
          ? hex0x(n, def.width ?? 2)
          : base === Base.DecHex
            ? `${n} (${hex0x(n, def.width ?? 2)})`
            : base === Base.HexDec
              ? `${hex0x(n, def.width ?? 2)} (${n})`
              : String(n);
      const name = def.names?.get(n);
      if (name !== undefined) num = `${name} (${num})`;
      return num;
    }
    default:
      return String(v);
  }
}

/** Where occurrence `k` of `def` lies in the frame (fixed offset, or its span()). */
export function fieldSpan(pkt: Packet, li: number, def: FieldDef, k = 0): { offset: number; length: number } {
  if (def.span !== undefined) {
    const s = def.span(pkt, li, k);
    if (s !== undefined) return s;
  }
  if (def.offset !== undefined) return { offset: pkt.layerStart[li] + def.offset, length: def.length ?? 0 };
  return { offset: pkt.layerStart[li], length: 0 };
}

/** 'Label: value' for a field, or null when the field is absent (not captured). */
export function fieldNode(pkt: Packet, li: number, def: FieldDef, k = 0, children?: TreeNode[]): TreeNode | null {
  const text = valueText(pkt, li, def, k);
  if (text === undefined) return null;
  const { offset, length } = fieldSpan(pkt, li, def, k);
  let line = `${def.label}: ${text}`;
  if (def.mask !== undefined && def.length !== undefined && def.type !== FieldType.Bool) {
    const raw = rawAt(pkt, offset, def.length);
    if (raw !== undefined) line = `${bitPicture(raw, def.mask, def.length * 8)} = ${line}`;
  }
  const node: TreeNode = { text: line, field: def.name, offset, length };
  if (children !== undefined && children.length > 0) node.children = children;
  return node;
}

/** A flag as Wireshark shows it: `.1.. .... = Don't fragment: Set`. */
const SET_NOT_SET = ['Set', 'Not set'] as const;

export function flagNode(pkt: Packet, li: number, def: FieldDef): TreeNode | null {
  const v = def.get(pkt, li, 0);
  if (v === undefined || def.mask === undefined || def.length === undefined) return null;
  const { offset, length } = fieldSpan(pkt, li, def);
  const raw = rawAt(pkt, offset, def.length) ?? 0;
  return {
    text: `${bitPicture(raw, def.mask, def.length * 8)} = ${def.label}: ${(def.flagWords ?? SET_NOT_SET)[(v as number) !== 0 ? 0 : 1]}`,
    field: def.name,
    offset,
    length,
  };
}

function rawAt(pkt: Packet, off: number, n: number): number | undefined {
  if (off + n > pkt.capLen) return undefined;
  let v = 0;
  for (let i = 0; i < n; i++) v = v * 256 + pkt.u8(off + i);
  return v;
}

/** Nodes for every present field of `defs`, in order (the default tree shape). */
export function fieldNodes(pkt: Packet, li: number, defs: readonly FieldDef[]): TreeNode[] {
  const out: TreeNode[] = [];
  for (const d of defs) {
    const n = fieldNode(pkt, li, d);
    if (n !== null) out.push(n);
  }
  return out;
}

/** Appends `n` when it is not null. */
export function add(out: TreeNode[], n: TreeNode | null): void {
  if (n !== null) out.push(n);
}

export type { ExpertSeverity } from './protocol';

/**
 * An expert item as tshark -V draws it under the line it is about:
 * "[Expert Info (Note/Sequence): message]" over the message, the severity
 * and the group. `field` is the expert's own filter name (tcp.connection.syn).
 */
export function expertNode(severity: ExpertSeverity, group: string, message: string, field: string): TreeNode {
  return {
    text: `[Expert Info (${severity}/${group}): ${message}]`,
    field: '_ws.expert',
    offset: 0,
    length: 0,
    expert: { severity, group, message },
    children: [
      { text: `[${message}]`, field, offset: 0, length: 0 },
      { text: `[Severity level: ${severity}]`, field: '_ws.expert.severity', offset: 0, length: 0 },
      { text: `[Group: ${group}]`, field: '_ws.expert.group', offset: 0, length: 0 },
    ],
  };
}

/**
 * `Protocol.mayExpert` of a protocol whose tree never draws an expert item
 * (a file that calls expertNode must not use it: test/output/expert.test.ts
 * checks the source, beside checking every frame of the corpus).
 */
export const drawsNoExpert = (): boolean => false;

/** Appends `child` to `node`'s children (an expert item under the line it is about). */
export function attach(node: TreeNode | undefined, child: TreeNode): void {
  if (node === undefined) return;
  (node.children ??= []).push(child);
}

/**
 * Layer `li` lies in the datagram an ICMP or ICMPv6 error quotes (Wireshark's
 * in_error_pkt): a quote holds only the datagram's first bytes (RFC 792,
 * RFC 4443 section 2.4 (c)), so tshark raises no length complaint there.
 */
export function inErrorQuote(pkt: Packet, li: number): boolean {
  for (let j = li - 1; j > 0; j--) {
    const n = pkt.layerProto[j].name;
    if (n === 'icmp' || n === 'icmpv6') return true;
  }
  return false;
}
