/**
 * Display filters (-Y, the dashboard's filter bar): Wireshark 4.0's language,
 * compiled once into a predicate over a decoded Packet.
 *
 *   const r = compileFilter('tcp.flags.syn == 1 && tcp.flags.ack == 0');
 *   if (r.ok) { if (r.match(pkt)) show(pkt); } else console.error(formatFilterError(r.text, r.error));
 *
 * Compiling is cheap (microseconds for a typical filter) and never throws,
 * so a filter bar can call it on every keystroke; the error carries the span
 * to underline.
 */
import type { Packet } from '../decode/packet';
import type { FieldDef } from '../decode/protocol';
import { sanitize } from '../output/sanitize';
import { Compiler, type PacketPredicate } from './compile';
import { FilterError } from './lexer';
import { parse } from './parser';

export type { PacketPredicate };

export type CompiledFilter =
  | {
      readonly ok: true;
      readonly text: string;
      readonly match: PacketPredicate;
      /** false for an empty filter (every frame matches) */
      readonly active: boolean;
      /**
       * The fields the filter reads. A caller may skip work no field needs:
       * a filter of decoder fields only (fieldProtocol(f).fields includes f)
       * does not need analysis to have run.
       */
      readonly fields: readonly FieldDef[];
    }
  | { readonly ok: false; readonly text: string; readonly error: FilterError };

const MATCH_ALL: PacketPredicate = () => true;

/** Compiles `text`; on error, says what and where (error.start / error.end are offsets into `text`). */
export function compileFilter(text: string): CompiledFilter {
  try {
    const ast = parse(text);
    if (ast === null) return { ok: true, text, match: MATCH_ALL, active: false, fields: [] };
    const compiler = new Compiler(text);
    const match = compiler.expr(ast);
    return { ok: true, text, match, active: true, fields: [...compiler.fields] };
  } catch (e) {
    if (e instanceof FilterError) return { ok: false, text, error: e };
    throw e;
  }
}

/** Whether packet `pkt` passes the compiled filter (a convenience for one-off checks). */
export function matches(filter: CompiledFilter & { ok: true }, pkt: Packet): boolean {
  return filter.match(pkt);
}

/**
 * The message, the filter, and a caret line under the span at fault, as
 * tshark prints them:
 *
 *   'tcp.srcprt' is neither a field nor a protocol synack knows; did you mean 'tcp.srcport'?
 *     tcp.srcprt == 80
 *     ^~~~~~~~~~
 */
export function formatFilterError(text: string, error: FilterError, indent = '  '): string {
  const before = sanitize(text.slice(0, error.start));
  const span = sanitize(text.slice(error.start, Math.max(error.end, error.start)));
  const caret = ' '.repeat([...before].length) + '^' + '~'.repeat(Math.max(0, [...span].length - 1));
  return `${error.message}\n${indent}${sanitize(text)}\n${indent}${caret}`;
}
