/**
 * Text for terminal cells: widths as blessed (and the terminal) count them
 * (a CJK character takes two cells: the lessons' chat is in Chinese), cut
 * and padded to a column, and made safe for blessed's tag parser.
 *
 * `safe()` is the one gate for captured text on its way into a widget:
 * sanitize() escapes every control character (a payload cannot move the
 * cursor or retitle the terminal), then blessed's braces are escaped (a
 * payload cannot inject `{red-bg}` either).
 */
import { sanitize } from '../../output/sanitize';
// eslint-disable-next-line @typescript-eslint/no-var-requires
const unicode = require('blessed/lib/unicode') as { strWidth(s: string): number; charWidth(s: string, i?: number): number };

export function textWidth(s: string): number {
  // Fast path: printable ASCII is one cell a character.
  let ascii = true;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x20 || c >= 0x7f) {
      ascii = false;
      break;
    }
  }
  return ascii ? s.length : unicode.strWidth(s);
}

/** `s` cut to at most `width` cells ('…' marks a cut) and padded with spaces to exactly `width`. */
export function fit(s: string, width: number, alignRight = false): string {
  if (width <= 0) return '';
  let w = textWidth(s);
  if (w > width) {
    let out = '';
    let used = 0;
    for (const ch of s) {
      const cw = textWidth(ch);
      if (used + cw > width - 1) break;
      out += ch;
      used += cw;
    }
    s = out + '…';
    w = used + 1;
  }
  const pad = ' '.repeat(Math.max(0, width - w));
  return alignRight ? pad + s : s + pad;
}

/**
 * `s` wrapped at spaces into at most `lines` lines of `width` cells (a word
 * longer than the width is cut); the last line is cut with '…' if text is
 * left over. Lines are not padded.
 */
export function wrap(s: string, width: number, lines: number): string[] {
  const out: string[] = [];
  let rest = s;
  while (out.length < lines - 1 && textWidth(rest) > width) {
    let cut = -1;
    let used = 0;
    let i = 0;
    for (const ch of rest) {
      used += textWidth(ch);
      if (used > width) break;
      if (ch === ' ') cut = i;
      i += ch.length;
    }
    if (cut <= 0) cut = i;
    out.push(rest.slice(0, cut).trimEnd());
    rest = rest.slice(cut).trimStart();
  }
  out.push(fit(rest, width).trimEnd());
  return out;
}

/** Braces escaped for blessed's tag parser. */
export function escapeTags(s: string): string {
  return s.replace(/[{}]/g, (c) => (c === '{' ? '{open}' : '{close}'));
}

/** Captured (or any untrusted) text, safe to put into a tagged widget. */
export function safe(s: string): string {
  return escapeTags(sanitize(s));
}
