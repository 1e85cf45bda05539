/**
 * The one gate between captured bytes and a terminal. A payload may hold
 * escape sequences (../shared/corpus/lab/esc.pcap: colours, bell, a window
 * title): nothing from a packet reaches the screen without passing here.
 */

/**
 * Escapes every character that could control a terminal: C0 controls, DEL,
 * C1 controls (U+0080..U+009F: 8-bit CSI and OSC), and the Unicode bidi
 * overrides and isolates that reorder what is shown. Printable text,
 * including non-ASCII letters, is kept. Fast path: returns `s` itself when
 * nothing needs escaping (the common case, no allocation).
 */
export function sanitize(s: string): string {
  let i = 0;
  const n = s.length;
  for (; i < n; i++) if (isUnsafe(s.charCodeAt(i))) break;
  if (i === n) return s;
  let out = s.slice(0, i);
  for (; i < n; i++) {
    const c = s.charCodeAt(i);
    if (!isUnsafe(c)) {
      out += s[i];
    } else if (c === 0x0a) {
      out += '\\n';
    } else if (c === 0x0d) {
      out += '\\r';
    } else if (c === 0x09) {
      out += '\\t';
    } else if (c <= 0xff) {
      out += '\\x' + HEX[c >> 4] + HEX[c & 15];
    } else {
      out += '\\u' + c.toString(16).padStart(4, '0');
    }
  }
  return out;
}

export function isUnsafe(c: number): boolean {
  return (
    c < 0x20 ||
    (c >= 0x7f && c <= 0x9f) ||
    (c >= 0x202a && c <= 0x202e) ||
    (c >= 0x2066 && c <= 0x2069) ||
    c === 0x200e ||
    c === 0x200f ||
    c === 0x061c ||
    // lone surrogates cannot be printed; pairs are checked by the caller's encoder
    c === 0xfffd
  );
}

/** A byte shown in the ASCII column of a hex dump: printable ASCII, or '.'. */
export function asciiByte(b: number): number {
  return b >= 0x20 && b < 0x7f ? b : 0x2e;
}

/** Bytes as text for one line of a stream view: printable ASCII kept, everything else '.'. */
export function bytesToSafeAscii(data: Uint8Array, start: number, end: number): string {
  let s = '';
  for (let i = start; i < end; i++) s += String.fromCharCode(asciiByte(data[i]));
  return s;
}

const HEX = '0123456789abcdef';

/**
 * Payload bytes as one line of safe text, as the dashboard's stream view and -A show them: UTF-8
 * decoded, line feeds as '↵' (where line framing cuts), CR and tab as '␍' and '⇥', bytes that are
 * not UTF-8 as '·', every other control escaped.
 */
export function payloadText(b: Uint8Array): string {
  const s = Buffer.from(b.buffer, b.byteOffset, b.length).toString('utf8');
  let out = '';
  for (const ch of s) {
    if (ch === '\n') out += '↵';
    else if (ch === '\r') out += '␍';
    else if (ch === '\t') out += '⇥';
    else if (ch === '\ufffd') out += '·';
    else out += ch;
  }
  return sanitize(out);
}
