/**
 * `synack -G fields` and `-G protocols`: every name -T fields, -e, -Y and
 * -T json know, in tshark's -G formats (epan/proto.c's
 * proto_registrar_dump_fields and _protocols), so `grep` finds a field the
 * way tshark users look one up:
 *
 *   P  <protocol>  <name>
 *   F  <label>  <name>  <FT_ type>  <protocol>  <description>  <base>  <bitmask>
 *
 * synack has no descriptions (tshark's blurbs): that column is empty. Its
 * own fields (synack.*, tcp.analysis.*) are listed under the protocol whose
 * layers carry them.
 */
import '../analysis/index';
import { glossary } from '../decode/index';
import { Base, FieldType, type FieldDef } from '../decode/protocol';
import './frame-fields';

export const GLOSSARY_REPORTS = ['fields', 'protocols'] as const;
export type GlossaryReport = (typeof GLOSSARY_REPORTS)[number];

const BASES: Readonly<Record<Base, string>> = {
  [Base.Dec]: 'BASE_DEC',
  [Base.Hex]: 'BASE_HEX',
  [Base.DecHex]: 'BASE_DEC_HEX',
  [Base.HexDec]: 'BASE_HEX_DEC',
  [Base.Oct]: 'BASE_OCT',
  [Base.Utc]: 'UTC',
};

/** tshark's ftenum name: integers by their width where the field states it (bytes, or hex digits), else 32 bits. */
function ftype(f: FieldDef): string {
  const bytes = f.length !== undefined && f.length > 0 && f.length <= 8 ? f.length : f.width !== undefined && f.width > 0 && f.width <= 16 ? Math.ceil(f.width / 2) : 4;
  const bits = bytes === 3 ? 24 : bytes > 4 ? 64 : bytes * 8;
  switch (f.type) {
    case FieldType.None:
      return 'FT_NONE';
    case FieldType.Uint:
      return `FT_UINT${bits}`;
    case FieldType.Int:
      return `FT_INT${bits}`;
    case FieldType.Bool:
      return 'FT_BOOLEAN';
    case FieldType.Double:
      return 'FT_DOUBLE';
    case FieldType.Ipv4:
    case FieldType.Ipv4Value:
      return 'FT_IPv4';
    case FieldType.Ipv6:
      return 'FT_IPv6';
    case FieldType.Ether:
      return 'FT_ETHER';
    case FieldType.Bytes:
      return 'FT_BYTES';
    case FieldType.String:
      return 'FT_STRING';
    case FieldType.RelTime:
      return 'FT_RELATIVE_TIME';
    case FieldType.FrameNum:
      return 'FT_FRAMENUM';
    case FieldType.AbsTime:
      return 'FT_ABSOLUTE_TIME';
  }
}

/** tshark's display column: an integer's base, a flag's width in bits, nothing for the rest. */
function display(f: FieldDef): string {
  if (f.type === FieldType.Uint || f.type === FieldType.Int) return BASES[f.base ?? Base.Dec];
  if (f.type === FieldType.AbsTime && f.base === Base.Utc) return BASES[Base.Utc];
  if (f.type === FieldType.Bool) return f.mask !== undefined && f.length !== undefined ? String(f.length * 8) : 'BASE_NONE';
  return '';
}

/** The report's text, one line per protocol or field. */
export function glossaryText(report: GlossaryReport): string {
  const { protocols, fields } = glossary();
  const lines: string[] = [];
  if (report === 'protocols') {
    for (const p of protocols) lines.push(`${p.label}\t${p.short}\t${p.name}`);
  } else {
    for (const p of protocols) {
      lines.push(`P\t${p.label}\t${p.name}`);
      for (const [f, owner] of fields) {
        if (owner !== p) continue;
        lines.push(`F\t${f.label}\t${f.name}\t${ftype(f)}\t${p.name}\t\t${display(f)}\t0x${(f.mask ?? 0).toString(16)}`);
      }
    }
  }
  return lines.join('\n') + '\n';
}
