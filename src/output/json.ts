/**
 * `-T json`: one JSON object per frame and per line (JSON Lines, so `jq`
 * and a line-by-line reader both work), a flat map from field name to value.
 * A field that occurs more than once in the frame (tcp.port, ip.src of an
 * ICMP error's quote, dns.a) is an array, in the order of the layers.
 *
 * Values: decimal integers and booleans are JSON numbers (booleans 1 / 0, as
 * -T fields prints them); everything else is a string printed as -T fields
 * prints it ("0x0002", "127.0.0.1", hex bytes). Fields registered by
 * analysis (tcp.stream, tcp.analysis.*) are included like decoder fields.
 * Strings are escaped for JSON and for the terminal: every control
 * character, C1 control and bidi override becomes a \u escape.
 *
 * With -e, as tshark's `-T json -e`, the object holds only those fields, in
 * the order given, each present in the frame (a field given twice once).
 */
import { allFieldNames, fieldByName, fieldProtocol } from '../decode/index';
import type { Packet } from '../decode/packet';
import { Base, FieldType, type FieldDef, type FieldValue, type Protocol } from '../decode/protocol';
import { writeValue, type FieldColumn } from './fields';
import type { OutBuf } from './outbuf';
import { isUnsafe } from './sanitize';

const HEX = '0123456789abcdef';

export class JsonWriter {
  /** Fields of each protocol, decoder fields first, in table order, then registered ones. */
  private readonly byProtocol = new Map<Protocol, FieldDef[]>();
  /** Each field's key as written, `"tcp.srcport":` (names are ASCII: escaped once, here). */
  private readonly keys = new Map<FieldDef, string>();

  /** The -e fields, when given: only these are written. */
  private readonly chosen: readonly { def: FieldDef; proto: Protocol; key: string }[] | null;

  constructor(columns?: readonly FieldColumn[]) {
    if (columns !== undefined && columns.length > 0) {
      const seen = new Set<FieldDef>();
      this.chosen = columns.filter((c) => !seen.has(c.def) && seen.add(c.def)).map((c) => ({ def: c.def, proto: c.proto, key: JSON.stringify(c.name) + ':' }));
      return;
    }
    this.chosen = null;
    for (const name of allFieldNames()) {
      const def = fieldByName(name)!;
      // The summary's columns (_ws.col.*) are written only when asked for with -e, as tshark's.
      if (def.type === FieldType.None || name.startsWith('_ws.col.')) continue;
      const proto = fieldProtocol(def);
      let list = this.byProtocol.get(proto);
      if (list === undefined) this.byProtocol.set(proto, (list = []));
      list.push(def);
      this.keys.set(def, JSON.stringify(name) + ':');
    }
  }

  /** Writes the frame's object and a newline. */
  write(out: OutBuf, pkt: Packet): void {
    if (this.chosen !== null) {
      this.writeChosen(out, pkt, this.chosen);
      return;
    }
    out.byte(123);
    let first = true;
    for (let li = 0; li < pkt.layerCount; li++) {
      const proto = pkt.layerProto[li];
      // Each protocol once, at its first layer; its fields gather every layer of it.
      if (pkt.find(proto) !== li) continue;
      const defs = this.byProtocol.get(proto);
      if (defs === undefined) continue;
      for (const def of defs) {
        const count = occurrences(pkt, proto, def, li);
        if (count === 0) continue;
        if (!first) out.byte(44);
        first = false;
        out.ascii(this.keys.get(def)!);
        writeValues(out, pkt, proto, def, li, count);
      }
    }
    out.byte(125);
    out.byte(10);
  }

  private writeChosen(out: OutBuf, pkt: Packet, chosen: readonly { def: FieldDef; proto: Protocol; key: string }[]): void {
    out.byte(123);
    let first = true;
    for (const { def, proto, key } of chosen) {
      const from = pkt.find(proto);
      if (from < 0) continue;
      const count = occurrences(pkt, proto, def, from);
      if (count === 0) continue;
      if (!first) out.byte(44);
      first = false;
      out.ascii(key);
      writeValues(out, pkt, proto, def, from, count);
    }
    out.byte(125);
    out.byte(10);
  }
}

/** One value, or an array of the `count` values, of `def` in the layers of `proto` from layer `from` on. */
function writeValues(out: OutBuf, pkt: Packet, proto: Protocol, def: FieldDef, from: number, count: number): void {
  if (count > 1) out.byte(91);
  let written = 0;
  for (let l = from; l < pkt.layerCount; l++) {
    if (pkt.layerProto[l] !== proto) continue;
    for (let k = 0; ; k++) {
      const v = def.get(pkt, l, k);
      if (v === undefined) break;
      if (written++ > 0) out.byte(44);
      jsonValue(out, pkt, def, v, l, k);
    }
  }
  if (count > 1) out.byte(93);
}

function occurrences(pkt: Packet, proto: Protocol, def: FieldDef, from: number): number {
  let n = 0;
  for (let l = from; l < pkt.layerCount; l++) {
    if (pkt.layerProto[l] !== proto) continue;
    for (let k = 0; def.get(pkt, l, k) !== undefined; k++) n++;
  }
  return n;
}

function jsonValue(out: OutBuf, pkt: Packet, def: FieldDef, v: FieldValue, li: number, k: number): void {
  const base = def.base ?? Base.Dec;
  if (typeof v === 'number' && (def.type === FieldType.Bool || ((def.type === FieldType.Uint || def.type === FieldType.Int || def.type === FieldType.FrameNum) && base !== Base.Hex && base !== Base.HexDec && base !== Base.Oct))) {
    out.int(v);
    return;
  }
  if (typeof v === 'string') {
    jsonString(out, v);
    return;
  }
  // Addresses, hex numbers, bytes, times: -T fields text, which is plain ASCII.
  out.byte(34);
  writeValue(out, pkt, def, v, li, k);
  out.byte(34);
}

/** A JSON string literal; control characters, C1 controls and bidi overrides as \u escapes. */
export function jsonString(out: OutBuf, s: string): void {
  out.byte(34);
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 34 || c === 92) {
      out.byte(92);
      out.byte(c);
    } else if (c >= 0x20 && c < 0x7f) {
      out.byte(c);
    } else if (c === 10) out.ascii('\\n');
    else if (c === 13) out.ascii('\\r');
    else if (c === 9) out.ascii('\\t');
    else if (isUnsafe(c) || (c >= 0xd800 && c <= 0xdfff)) {
      out.ascii('\\u');
      for (let sh = 12; sh >= 0; sh -= 4) out.byte(HEX.charCodeAt((c >> sh) & 15));
    } else out.ascii(s[i]);
  }
  out.byte(34);
}
