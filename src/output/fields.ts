/**
 * `-T fields`: values printed exactly as tshark 4.0 prints them, so tshark
 * can be the oracle of the differential tests and scripts can switch tools.
 * Field names are compiled once; per frame only the getters run.
 */
import { fieldByName, fieldProtocol, allFieldNames } from '../decode/index';
import { closestNames } from '../decode/suggest';
import type { Packet } from '../decode/packet';
import { utcTimeText } from '../decode/nstime';
import { Base, FieldType, type FieldDef, type FieldValue, type Protocol } from '../decode/protocol';
import { FRAME_TIME } from './frame-fields';
import { localTimeText } from './localtime';
import type { OutBuf } from './outbuf';

export interface FieldColumn {
  readonly name: string;
  readonly def: FieldDef;
  readonly proto: Protocol;
}

/** tshark's -E options. */
export interface FieldsOptions {
  header: boolean;
  separator: string;
  /** Between occurrences of one field in one frame ('a' occurrence mode). */
  aggregator: string;
  /** 'a' all, 'f' first, 'l' last. */
  occurrence: 'a' | 'f' | 'l';
  quote: 'n' | 'd' | 's';
  /** A UTF-8 byte order mark before the first line (for spreadsheets that need it to read UTF-8). */
  bom: boolean;
}

export const DEFAULT_FIELDS_OPTIONS: FieldsOptions = { header: false, separator: '\t', aggregator: ',', occurrence: 'a', quote: 'n', bom: false };

export class UnknownFieldError extends Error {
  constructor(readonly field: string, readonly suggestions: string[]) {
    super(
      `unknown field '${field}'` + (suggestions.length > 0 ? `; did you mean ${suggestions.map((s) => `'${s}'`).join(', ')}?` : ''),
    );
  }
}

/** Resolves names to columns, or throws UnknownFieldError naming the closest known names. */
export function compileColumns(names: readonly string[]): FieldColumn[] {
  return names.map((name) => {
    const def = fieldByName(name);
    if (def === undefined) throw new UnknownFieldError(name, closestNames(name, allFieldNames()));
    return { name, def, proto: fieldProtocol(def) };
  });
}

/** What comes before the first row, as tshark's write_fields_preamble(): the BOM if asked for, then the header if asked for. */
export function writePreamble(out: OutBuf, cols: readonly FieldColumn[], opts: FieldsOptions): void {
  if (opts.bom) {
    out.byte(0xef);
    out.byte(0xbb);
    out.byte(0xbf);
  }
  if (opts.header) writeHeader(out, cols, opts);
}

export function writeHeader(out: OutBuf, cols: readonly FieldColumn[], opts: FieldsOptions): void {
  for (let c = 0; c < cols.length; c++) {
    if (c > 0) out.ascii(opts.separator);
    out.ascii(cols[c].name);
  }
  out.byte(10);
}

/** Writes one frame's row: every occurrence of every column, tab-separated, newline-terminated. */
export function writeRow(out: OutBuf, pkt: Packet, cols: readonly FieldColumn[], opts: FieldsOptions): void {
  for (let c = 0; c < cols.length; c++) {
    if (c > 0) out.ascii(opts.separator);
    writeColumn(out, pkt, cols[c], opts);
  }
  out.byte(10);
}

/**
 * tshark's format_field_values() and FORMAT_CSV: the quotes go around the
 * column (every occurrence and the aggregators between them), not around each
 * value, and a column with no occurrence gets no quotes at all.
 */
function writeColumn(out: OutBuf, pkt: Packet, col: FieldColumn, opts: FieldsOptions): void {
  const { def, proto } = col;
  const quote = opts.quote === 'd' ? 34 : opts.quote === 's' ? 39 : 0;
  if (opts.occurrence === 'l') {
    // Found first, then written: rewinding over earlier values would fail when the buffer flushed in between.
    let lastLi = -1;
    let lastK = 0;
    for (let li = 0; li < pkt.layerCount; li++) {
      if (pkt.layerProto[li] !== proto) continue;
      for (let k = 0; def.get(pkt, li, k) !== undefined; k++) {
        lastLi = li;
        lastK = k;
      }
    }
    if (lastLi < 0) return;
    if (quote !== 0) out.byte(quote);
    writeValue(out, pkt, def, def.get(pkt, lastLi, lastK)!, lastLi, lastK);
    if (quote !== 0) out.byte(quote);
    return;
  }
  let written = 0;
  for (let li = 0; li < pkt.layerCount; li++) {
    if (pkt.layerProto[li] !== proto) continue;
    for (let k = 0; ; k++) {
      const v = def.get(pkt, li, k);
      if (v === undefined) break;
      if (written === 0) {
        if (quote !== 0) out.byte(quote);
      } else if (opts.occurrence === 'f') {
        if (quote !== 0) out.byte(quote);
        return;
      } else out.ascii(opts.aggregator);
      writeValue(out, pkt, def, v, li, k);
      written++;
    }
  }
  if (written > 0 && quote !== 0) out.byte(quote);
}

/** One value as tshark 4.0 prints it in -T fields. */
export function writeValue(out: OutBuf, pkt: Packet, def: FieldDef, v: FieldValue, li: number, k: number): void {
  switch (def.type) {
    case FieldType.Uint:
    case FieldType.Int:
    case FieldType.FrameNum: {
      const n = v as number;
      const base = def.base ?? Base.Dec;
      if (base === Base.Hex || base === Base.HexDec) out.hex0x(n, def.width ?? 2);
      else if (base === Base.Oct) {
        out.byte(48);
        if (n !== 0) out.ascii(n.toString(8));
      } else out.int(n);
      return;
    }
    case FieldType.Bool:
      out.byte((v as number) !== 0 ? 49 : 48);
      return;
    case FieldType.Ipv4:
      out.ipv4(pkt.data, pkt.base + (v as number));
      return;
    case FieldType.Ipv4Value:
      out.ipv4Value(v as number);
      return;
    case FieldType.Ipv6:
      out.ipv6(pkt.data, pkt.base + (v as number));
      return;
    case FieldType.Ether:
      out.colonHex(pkt.data, pkt.base + (v as number), 6);
      return;
    case FieldType.Bytes: {
      const n = def.size === undefined ? def.length ?? 0 : def.size(pkt, li, k);
      // tshark 4.0 prints bytes of length zero (an empty EDNS option) as <MISSING>.
      if (n === 0) {
        out.ascii('<MISSING>');
        return;
      }
      const p = v as number;
      const end = Math.min(p + n, pkt.capLen);
      out.hexBytes(pkt.data, pkt.base + p, end - p);
      return;
    }
    case FieldType.String:
      out.text8(v as string);
      return;
    case FieldType.RelTime:
      if (def.nanos === undefined) out.nanosAsSeconds(v as number);
      else out.secNanos(v as number, def.nanos(pkt, li, k));
      return;
    case FieldType.AbsTime:
      // frame.time is frame.time_epoch's value shown as local time, as tshark's hf_frame_arrival_time.
      if (def === FRAME_TIME) out.ascii(localTimeText(v as number, def.nanos!(pkt, li, k)));
      else if (def.base === Base.Utc) out.ascii(utcTimeText(v as number, def.nanos === undefined ? 0 : def.nanos(pkt, li, k)));
      else out.secNanos(v as number, def.nanos === undefined ? 0 : def.nanos(pkt, li, k));
      return;
    case FieldType.Double:
      out.ascii(doubleText(v as number));
      return;
    case FieldType.None:
      out.text8(typeof v === 'string' ? v : def.label);
      return;
  }
}

/**
 * A double as Wireshark writes FT_DOUBLE values: C's "%.15g" (15 significant
 * digits, trailing zeros dropped, an exponent below 1e-4 or from 1e15 on:
 * "1e-06", where JavaScript would write "0.000001").
 */
export function doubleText(v: number): string {
  if (!Number.isFinite(v)) return Number.isNaN(v) ? 'nan' : v > 0 ? 'inf' : '-inf';
  if (v === 0) return Object.is(v, -0) ? '-0' : '0';
  const [mantissa, e] = v.toExponential(14).split('e');
  const exp = Number(e);
  const trim = (t: string): string => (t.includes('.') ? t.replace(/0+$/, '').replace(/\.$/, '') : t);
  if (exp < -4 || exp >= 15) return `${trim(mantissa)}e${exp < 0 ? '-' : '+'}${String(Math.abs(exp)).padStart(2, '0')}`;
  return trim(v.toFixed(14 - exp));
}
