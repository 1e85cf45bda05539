/**
 * Object reuse for connections that left the analysis (a SYN flood evicts
 * one per SYN: new objects that live for thousands of frames die old, and
 * V8's old-space collections then cost more than the analysis).
 *
 * `resetter(template)` compiles a function that puts every own field of an
 * object back to the template's value, nested objects of the same class
 * included, as straight-line stores (one hidden class, no keyed stores).
 * Fields are read from a freshly constructed template, so a field added to
 * a class later is reset without anyone remembering to.
 */

/** A function that resets `target` to the fields of the template it was made from. */
export type Resetter<T> = (target: T) => void;

/** `keep`: top-level fields left as they are (the caller sets them: configuration objects). */
export function resetter<T extends object>(template: T, keep: readonly (keyof T & string)[] = []): Resetter<T> {
  const lines: string[] = [];
  emit(template as Record<string, unknown>, 't', lines, 0, new Set<string>(keep));
  // eslint-disable-next-line @typescript-eslint/no-implied-eval
  return new Function('t', lines.join('\n')) as Resetter<T>;
}

const IDENT = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

function emit(o: Record<string, unknown>, path: string, lines: string[], depth: number, keep: ReadonlySet<string>): void {
  if (depth > 4) throw new Error('resetter: objects nested too deep');
  for (const k of Object.keys(o)) {
    if (depth === 0 && keep.has(k)) continue;
    if (!IDENT.test(k)) throw new Error(`resetter: field name ${k}`);
    const v = o[k];
    const at = `${path}.${k}`;
    if (v === null || v === undefined) lines.push(`${at} = ${v === null ? 'null' : 'undefined'};`);
    else if (typeof v === 'number') lines.push(`${at} = ${Object.is(v, -0) ? '-0' : Number.isNaN(v) ? 'NaN' : String(v)};`);
    else if (typeof v === 'boolean' || typeof v === 'string') lines.push(`${at} = ${JSON.stringify(v)};`);
    else if (typeof v === 'object' && Object.getPrototypeOf(v) !== Object.prototype && !ArrayBuffer.isView(v) && !Array.isArray(v)) {
      // A nested object of a class (a connection's sides): reset in place, it stays the same object.
      emit(v as Record<string, unknown>, at, lines, depth + 1, keep);
    } else {
      throw new Error(`resetter: field ${k} holds a ${typeof v} that cannot be reset in place`);
    }
  }
}
