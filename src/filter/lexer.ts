/**
 * Tokens of Wireshark 4.0's display-filter language (epan/dfilter/scanner.l).
 * Every token keeps its position, so every error can put a caret under the
 * text at fault. Keywords are lower case only: tshark 4.0 rejects `AND`.
 */

export enum Tok {
  End,
  /** An unparsed word: a field or protocol name, or a literal (80, 10.0.0.0/8, aa:bb, fe80::1, TCP). */
  Word,
  /** "..." (or r"..."): bytes after escapes. */
  String,
  /** 'a': one byte value. */
  Char,
  LParen,
  RParen,
  LBrace,
  RBrace,
  LBracket,
  RBracket,
  Comma,
  DotDot,
  Hash,
  And,
  Or,
  Not,
  /** Comparison and relation operators: `op` says which. */
  Cmp,
  Contains,
  Matches,
  In,
  Any,
  All,
  Plus,
  Minus,
  Star,
  Slash,
  Percent,
  BitAnd,
}

export enum CmpOp {
  AnyEq,
  AllNe,
  AllEq,
  AnyNe,
  Lt,
  Le,
  Gt,
  Ge,
}

export interface Token {
  tok: Tok;
  /** Source text of the token (for words: the word; for strings: the quoted text). */
  text: string;
  start: number;
  end: number;
  op?: CmpOp;
  /** String: the bytes after escapes. Char: one byte. */
  bytes?: Uint8Array;
}

/** A problem in the filter text, with the span it concerns (for the caret line). */
export class FilterError extends Error {
  constructor(
    message: string,
    readonly start: number,
    readonly end: number,
  ) {
    super(message);
    this.name = 'FilterError';
  }
}

const WORD_KEYWORDS: ReadonlyMap<string, [Tok, CmpOp?]> = new Map<string, [Tok, CmpOp?]>([
  ['and', [Tok.And]],
  ['or', [Tok.Or]],
  ['not', [Tok.Not]],
  ['eq', [Tok.Cmp, CmpOp.AnyEq]],
  ['any_eq', [Tok.Cmp, CmpOp.AnyEq]],
  ['ne', [Tok.Cmp, CmpOp.AllNe]],
  ['all_ne', [Tok.Cmp, CmpOp.AllNe]],
  ['all_eq', [Tok.Cmp, CmpOp.AllEq]],
  ['any_ne', [Tok.Cmp, CmpOp.AnyNe]],
  ['lt', [Tok.Cmp, CmpOp.Lt]],
  ['le', [Tok.Cmp, CmpOp.Le]],
  ['gt', [Tok.Cmp, CmpOp.Gt]],
  ['ge', [Tok.Cmp, CmpOp.Ge]],
  ['contains', [Tok.Contains]],
  ['matches', [Tok.Matches]],
  ['in', [Tok.In]],
  ['any', [Tok.Any]],
  ['all', [Tok.All]],
  ['bitwise_and', [Tok.BitAnd]],
]);

/** Longest first, so `===` wins over `==` and `!==` over `!=`. */
const SYMBOLS: readonly [string, Tok, CmpOp?][] = [
  ['===', Tok.Cmp, CmpOp.AllEq],
  ['!==', Tok.Cmp, CmpOp.AnyNe],
  ['==', Tok.Cmp, CmpOp.AnyEq],
  ['!=', Tok.Cmp, CmpOp.AllNe],
  ['~=', Tok.Cmp, CmpOp.AnyNe],
  ['<=', Tok.Cmp, CmpOp.Le],
  ['>=', Tok.Cmp, CmpOp.Ge],
  ['&&', Tok.And],
  ['||', Tok.Or],
  ['..', Tok.DotDot],
  ['<', Tok.Cmp, CmpOp.Lt],
  ['>', Tok.Cmp, CmpOp.Gt],
  ['!', Tok.Not],
  ['~', Tok.Matches],
  ['(', Tok.LParen],
  [')', Tok.RParen],
  ['{', Tok.LBrace],
  ['}', Tok.RBrace],
  ['[', Tok.LBracket],
  [']', Tok.RBracket],
  [',', Tok.Comma],
  ['#', Tok.Hash],
  ['+', Tok.Plus],
  ['-', Tok.Minus],
  ['*', Tok.Star],
  ['/', Tok.Slash],
  ['%', Tok.Percent],
  ['&', Tok.BitAnd],
];

function isWordStart(c: number): boolean {
  return (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95 || c === 58; // 0-9 A-Z a-z _ :
}

/** Inside a word also '-' (47-45-54, mac-lte), '.' (ip.src, 1.2.3.4) and '/' (CIDR). */
function isWordPart(c: number): boolean {
  return isWordStart(c) || c === 45 || c === 46 || c === 47;
}

function isSpace(c: number): boolean {
  return c === 32 || c === 9 || c === 10 || c === 13;
}

/** Splits a filter into tokens, or throws FilterError at the first character that cannot start one. */
export function tokenize(text: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  const n = text.length;
  while (i < n) {
    const c = text.charCodeAt(i);
    if (isSpace(c)) {
      i++;
      continue;
    }
    if (c === 34 || ((c === 114 || c === 82) && text.charCodeAt(i + 1) === 34)) {
      i = quoted(text, i, out);
      continue;
    }
    if (c === 39) {
      i = charConst(text, i, out);
      continue;
    }
    // Inside brackets everything up to ']' or ',' is one range (scanner.l's RANGE state): ip[-4:], ip[12-15].
    const prev = out.length > 0 ? out[out.length - 1].tok : Tok.End;
    if ((prev === Tok.LBracket || (prev === Tok.Comma && inBrackets(out))) && c !== 93) {
      let j = i;
      while (j < n && text.charCodeAt(j) !== 93 && text.charCodeAt(j) !== 44) j++;
      const raw = text.slice(i, j);
      const trimmed = raw.trim();
      const lead = raw.length - raw.trimStart().length;
      out.push({ tok: Tok.Word, text: trimmed, start: i + lead, end: i + lead + trimmed.length });
      i = j;
      continue;
    }
    if (isWordStart(c)) {
      let j = i + 1;
      while (j < n) {
        const d = text.charCodeAt(j);
        if (!isWordPart(d)) break;
        // '..' ends a word: 1..3 is a range, never one literal.
        if (d === 46 && text.charCodeAt(j + 1) === 46) break;
        j++;
      }
      const word = text.slice(i, j);
      const kw = WORD_KEYWORDS.get(word);
      if (kw !== undefined) out.push({ tok: kw[0], op: kw[1], text: word, start: i, end: j });
      else out.push({ tok: Tok.Word, text: word, start: i, end: j });
      i = j;
      continue;
    }
    const sym = SYMBOLS.find(([s]) => text.startsWith(s, i));
    if (sym === undefined) {
      const ch = String.fromCodePoint(text.codePointAt(i)!);
      throw new FilterError(`'${ch}' cannot appear here`, i, i + ch.length);
    }
    out.push({ tok: sym[1], op: sym[2], text: sym[0], start: i, end: i + sym[0].length });
    i += sym[0].length;
  }
  out.push({ tok: Tok.End, text: '', start: n, end: n });
  return out;
}

/** True when the last unclosed bracket token is '['. */
function inBrackets(out: readonly Token[]): boolean {
  for (let k = out.length - 1; k >= 0; k--) {
    const t = out[k].tok;
    if (t === Tok.RBracket) return false;
    if (t === Tok.LBracket) return true;
    if (t !== Tok.Word && t !== Tok.Comma) return false;
  }
  return false;
}

const SIMPLE_ESCAPES: Readonly<Record<string, number>> = { a: 7, b: 8, f: 12, n: 10, r: 13, t: 9, v: 11, '\\': 92, '"': 34, "'": 39, '?': 63 };

/** A double-quoted string with C escapes (\n \x41 \101 \u00e9), or a raw r"..." string. */
function quoted(text: string, start: number, out: Token[]): number {
  const raw = text.charCodeAt(start) !== 34;
  let i = start + (raw ? 2 : 1);
  const bytes: number[] = [];
  const n = text.length;
  const utf8 = (s: string): void => {
    for (const b of Buffer.from(s, 'utf8')) bytes.push(b);
  };
  for (;;) {
    if (i >= n) throw new FilterError('the closing quote of this string is missing', start, n);
    const c = text[i];
    if (c === '"') {
      i++;
      break;
    }
    if (c !== '\\') {
      const cp = text.codePointAt(i)!;
      const ch = String.fromCodePoint(cp);
      utf8(ch);
      i += ch.length;
      continue;
    }
    const e = text[i + 1];
    if (e === undefined) throw new FilterError('the closing quote of this string is missing', start, n);
    if (raw) {
      // Raw strings keep backslashes; only \" and \\ are escapes (and still keep the backslash).
      bytes.push(92);
      utf8(e);
      i += 2;
      continue;
    }
    const m = /^(?:([0-7]{1,3})|x([0-9a-fA-F]{1,2})|u([0-9a-fA-F]{4})|U([0-9a-fA-F]{8}))/.exec(text.slice(i + 1, i + 10));
    if (m !== null) {
      if (m[1] !== undefined) {
        const v = parseInt(m[1], 8);
        if (v > 255) throw new FilterError(`\\${m[1]} is larger than 255`, i, i + 1 + m[0].length);
        bytes.push(v);
      } else if (m[2] !== undefined) bytes.push(parseInt(m[2], 16));
      else {
        const cp = parseInt(m[3] ?? m[4], 16);
        if (cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) throw new FilterError(`\\${m[0]} is not a character`, i, i + 1 + m[0].length);
        utf8(String.fromCodePoint(cp));
      }
      i += 1 + m[0].length;
      continue;
    }
    const simple = SIMPLE_ESCAPES[e];
    if (simple === undefined) throw new FilterError(`unknown escape \\${e} in a string`, i, i + 2);
    bytes.push(simple);
    i += 2;
  }
  out.push({ tok: Tok.String, text: text.slice(start, i), start, end: i, bytes: Uint8Array.from(bytes) });
  return i;
}

/** 'a', '\n', '\x41', '\101': one byte. */
function charConst(text: string, start: number, out: Token[]): number {
  const close = text.indexOf("'", start + (text[start + 1] === '\\' ? 3 : 1));
  if (close < 0) throw new FilterError('the closing quote of this character is missing', start, text.length);
  const body = text.slice(start + 1, close);
  let v: number | undefined;
  if (body.length === 1 && body.charCodeAt(0) < 256) v = body.charCodeAt(0);
  else if (body[0] === '\\') {
    const e = body.slice(1);
    if (/^[0-7]{1,3}$/.test(e)) v = parseInt(e, 8);
    else if (/^x[0-9a-fA-F]{1,2}$/.test(e)) v = parseInt(e.slice(1), 16);
    else if (e.length === 1) v = SIMPLE_ESCAPES[e];
  }
  if (v === undefined || v > 255) throw new FilterError(`${text.slice(start, close + 1)} is not a valid character constant`, start, close + 1);
  out.push({ tok: Tok.Char, text: text.slice(start, close + 1), start, end: close + 1, bytes: Uint8Array.of(v) });
  return close + 1;
}
