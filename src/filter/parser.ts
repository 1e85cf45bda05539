/**
 * Parser for Wireshark 4.0's display-filter grammar (epan/dfilter/grammar.lemon):
 *
 *   expr     := expr 'or' expr | expr 'and' expr | 'not' expr | '(' expr ')' | relation
 *   relation := ['any'|'all'] arith [cmp arith | 'contains' arith | 'matches' arith | ['not'] 'in' set]
 *   arith    := arith '&' arith | arith ('+'|'-') arith | arith ('*'|'/'|'%') arith | ['-'|'+'] entity | '{' arith '}'
 *   entity   := word ['#' layer] | "string" | 'c' | entity '[' ranges ']' | name '(' args ')'
 *
 * `and` binds tighter than `or` (%left TEST_OR. %left TEST_AND.), both left
 * associative; `not` is right associative and binds tighter than both, but
 * looser than a relation: `!tcp.port == 80` is `!(tcp.port == 80)`.
 * Whether a word is a field or a literal is decided later, by the compiler.
 */
import { CmpOp, FilterError, Tok, tokenize, type Token } from './lexer';

export interface Span {
  start: number;
  end: number;
}

/** One node of a slice or layer list: ip[0:1, -4:], ip.src#[1-2]. */
export interface RangeNode extends Span {
  from: number;
  /** How the end is given: a length (i:j), an inclusive end (i-j), to the end (i:), or one byte (i). */
  endKind: 'length' | 'offset' | 'toEnd' | 'single';
  /** The length for 'length', the inclusive end for 'offset'. */
  to: number;
}

export type Entity =
  | (Span & { t: 'word'; text: string; layers?: RangeNode[] })
  | (Span & { t: 'string'; bytes: Uint8Array; text: string })
  | (Span & { t: 'char'; value: number })
  | (Span & { t: 'slice'; of: Entity; ranges: RangeNode[] })
  | (Span & { t: 'call'; name: string; args: Entity[] })
  | (Span & { t: 'arith'; op: '+' | '-' | '*' | '/' | '%' | '&'; a: Entity; b: Entity })
  | (Span & { t: 'neg'; of: Entity });

export interface SetElement extends Span {
  lo: Entity;
  /** Present for a range lo..hi. */
  hi?: Entity;
}

export type Expr =
  | (Span & { t: 'and' | 'or'; a: Expr; b: Expr })
  | (Span & { t: 'not'; a: Expr })
  | (Span & { t: 'test'; e: Entity })
  | (Span & { t: 'cmp'; op: CmpOp; quant?: 'any' | 'all'; opSpan: Span; a: Entity; b: Entity })
  | (Span & { t: 'contains'; quant?: 'any' | 'all'; opSpan: Span; a: Entity; b: Entity })
  | (Span & { t: 'matches'; quant?: 'any' | 'all'; opSpan: Span; a: Entity; b: Entity })
  | (Span & { t: 'in'; quant?: 'any' | 'all'; opSpan: Span; a: Entity; set: SetElement[] });

/** Parses a filter; null for an empty (all-blank) filter, which matches every frame. */
export function parse(text: string): Expr | null {
  const p = new Parser(tokenize(text));
  if (p.peek().tok === Tok.End) return null;
  const e = p.expr();
  const t = p.peek();
  if (t.tok !== Tok.End) throw unexpected(t);
  return e;
}

function unexpected(t: Token): FilterError {
  if (t.tok === Tok.End) return new FilterError('the filter ends too early', t.start, t.end);
  return new FilterError(`'${t.text}' was unexpected here`, t.start, t.end);
}

const FUNCTIONS = new Set(['len', 'count', 'upper', 'lower', 'max', 'min', 'abs']);

class Parser {
  private i = 0;
  constructor(private readonly toks: Token[]) {}

  peek(k = 0): Token {
    return this.toks[Math.min(this.i + k, this.toks.length - 1)];
  }

  private next(): Token {
    const t = this.toks[this.i];
    if (t.tok !== Tok.End) this.i++;
    return t;
  }

  private expect(tok: Tok, what: string): Token {
    const t = this.peek();
    if (t.tok !== tok) {
      if (t.tok === Tok.End) throw new FilterError(`the filter ends where ${what} was expected`, t.start, t.end);
      throw new FilterError(`'${t.text}' was unexpected here; ${what} was expected`, t.start, t.end);
    }
    return this.next();
  }

  expr(): Expr {
    let a = this.andExpr();
    while (this.peek().tok === Tok.Or) {
      this.next();
      const b = this.andExpr();
      a = { t: 'or', a, b, start: a.start, end: b.end };
    }
    return a;
  }

  private andExpr(): Expr {
    let a = this.notExpr();
    while (this.peek().tok === Tok.And) {
      this.next();
      const b = this.notExpr();
      a = { t: 'and', a, b, start: a.start, end: b.end };
    }
    return a;
  }

  private notExpr(): Expr {
    const t = this.peek();
    if (t.tok === Tok.Not) {
      this.next();
      const a = this.notExpr();
      return { t: 'not', a, start: t.start, end: a.end };
    }
    if (t.tok === Tok.LParen) {
      this.next();
      const e = this.expr();
      const close = this.peek();
      if (close.tok !== Tok.RParen) {
        if (close.tok === Tok.End) throw new FilterError("the ')' closing this '(' is missing", t.start, t.end);
        throw new FilterError(`'${close.text}' was unexpected here; ')' was expected`, close.start, close.end);
      }
      this.next();
      return { ...e, start: t.start, end: close.end };
    }
    return this.relation();
  }

  private relation(): Expr {
    const first = this.peek();
    let quant: 'any' | 'all' | undefined;
    if (first.tok === Tok.Any || first.tok === Tok.All) {
      this.next();
      quant = first.tok === Tok.Any ? 'any' : 'all';
    }
    const a = this.arith();
    const start = quant === undefined ? a.start : first.start;
    const t = this.peek();
    const opSpan = { start: t.start, end: t.end };
    switch (t.tok) {
      case Tok.Cmp: {
        this.next();
        const b = this.arith();
        return { t: 'cmp', op: t.op!, quant, opSpan, a, b, start, end: b.end };
      }
      case Tok.Contains:
      case Tok.Matches: {
        this.next();
        const b = this.entity();
        return { t: t.tok === Tok.Contains ? 'contains' : 'matches', quant, opSpan, a, b, start, end: b.end } as Expr;
      }
      case Tok.In: {
        this.next();
        const { set, end } = this.set();
        return { t: 'in', quant, opSpan, a, set, start, end };
      }
      case Tok.Not:
        if (this.peek(1).tok === Tok.In) {
          this.next();
          const inTok = this.next();
          const { set, end } = this.set();
          const rel: Expr = { t: 'in', quant, opSpan: { start: t.start, end: inTok.end }, a, set, start, end };
          return { t: 'not', a: rel, start, end };
        }
        break;
    }
    if (quant !== undefined) throw new FilterError(`'${first.text}' needs a comparison after it`, first.start, a.end);
    return { t: 'test', e: a, start: a.start, end: a.end };
  }

  private set(): { set: SetElement[]; end: number } {
    this.expect(Tok.LBrace, "'{'");
    const set: SetElement[] = [];
    for (;;) {
      const lo = this.setEntity();
      let hi: Entity | undefined;
      if (this.peek().tok === Tok.DotDot) {
        this.next();
        hi = this.setEntity();
      }
      set.push({ lo, hi, start: lo.start, end: (hi ?? lo).end });
      const t = this.peek();
      if (t.tok === Tok.Comma) {
        this.next();
        continue;
      }
      if (t.tok === Tok.RBrace) {
        this.next();
        return { set, end: t.end };
      }
      if (t.tok === Tok.End) throw new FilterError("the '}' closing this set is missing", t.start, t.end);
      // tshark 4.0 wants commas; 3.x took blanks. Say so instead of a bare "unexpected".
      throw new FilterError(`'${t.text}' was unexpected here; separate the members of a set with commas`, t.start, t.end);
    }
  }

  private setEntity(): Entity {
    const t = this.peek();
    if (t.tok === Tok.Minus) return this.negative();
    if (t.tok === Tok.Plus) this.next();
    return this.entity();
  }

  /** '-' then an entity; '-' then a number is the negative number itself (tcp.window_size_value > -1). */
  private negative(): Entity {
    const minus = this.next();
    const w = this.peek();
    if (w.tok === Tok.Word && /^[0-9]/.test(w.text)) {
      this.next();
      return { t: 'word', text: '-' + w.text, start: minus.start, end: w.end };
    }
    const e = this.entity();
    return { t: 'neg', of: e, start: minus.start, end: e.end };
  }

  /** Arithmetic by precedence: '&' loosest, then + -, then * / %, then unary. */
  private arith(): Entity {
    let a = this.additive();
    while (this.peek().tok === Tok.BitAnd) {
      this.next();
      const b = this.additive();
      a = { t: 'arith', op: '&', a, b, start: a.start, end: b.end };
    }
    return a;
  }

  private additive(): Entity {
    let a = this.multiplicative();
    for (;;) {
      const t = this.peek().tok;
      if (t !== Tok.Plus && t !== Tok.Minus) return a;
      this.next();
      const b = this.multiplicative();
      a = { t: 'arith', op: t === Tok.Plus ? '+' : '-', a, b, start: a.start, end: b.end };
    }
  }

  private multiplicative(): Entity {
    let a = this.unary();
    for (;;) {
      const t = this.peek().tok;
      if (t !== Tok.Star && t !== Tok.Slash && t !== Tok.Percent) return a;
      this.next();
      const b = this.unary();
      a = { t: 'arith', op: t === Tok.Star ? '*' : t === Tok.Slash ? '/' : '%', a, b, start: a.start, end: b.end };
    }
  }

  private unary(): Entity {
    const t = this.peek();
    if (t.tok === Tok.Minus) return this.negative();
    if (t.tok === Tok.Plus) {
      this.next();
      return this.entity();
    }
    if (t.tok === Tok.LBrace) {
      this.next();
      const e = this.arith();
      const close = this.expect(Tok.RBrace, "'}'");
      return { ...e, start: t.start, end: close.end };
    }
    return this.entity();
  }

  entity(): Entity {
    const t = this.next();
    let e: Entity;
    switch (t.tok) {
      case Tok.Word:
        if (this.peek().tok === Tok.LParen && /^[A-Za-z_][A-Za-z0-9_]*$/.test(t.text)) {
          e = this.call(t);
          break;
        }
        e = { t: 'word', text: t.text, start: t.start, end: t.end };
        if (this.peek().tok === Tok.Hash) {
          this.next();
          const n = this.peek();
          let layers: RangeNode[];
          if (n.tok === Tok.LBracket) layers = this.ranges().ranges;
          else if (n.tok === Tok.Word && /^\d+$/.test(n.text)) {
            this.next();
            layers = [rangeNode(n)];
          } else throw new FilterError('a layer number or [range] must follow #', n.start, n.end);
          e = { t: 'word', text: t.text, layers, start: t.start, end: this.peek(-1).end };
        }
        break;
      case Tok.String:
        e = { t: 'string', bytes: t.bytes!, text: Buffer.from(t.bytes!).toString('utf8'), start: t.start, end: t.end };
        break;
      case Tok.Char:
        e = { t: 'char', value: t.bytes![0], start: t.start, end: t.end };
        break;
      default:
        throw t.tok === Tok.End
          ? new FilterError('the filter ends where a field or value was expected', t.start, t.end)
          : new FilterError(`'${t.text}' was unexpected here; a field or value was expected`, t.start, t.end);
    }
    while (this.peek().tok === Tok.LBracket) {
      const { ranges, end } = this.ranges();
      e = { t: 'slice', of: e, ranges, start: e.start, end };
    }
    return e;
  }

  private call(name: Token): Entity {
    if (!FUNCTIONS.has(name.text)) {
      throw new FilterError(`there is no function '${name.text}' (functions: ${[...FUNCTIONS].join(', ')})`, name.start, name.end);
    }
    this.next(); // (
    const args: Entity[] = [];
    if (this.peek().tok !== Tok.RParen) {
      for (;;) {
        args.push(this.arith());
        if (this.peek().tok !== Tok.Comma) break;
        this.next();
      }
    }
    const close = this.expect(Tok.RParen, "')'");
    return { t: 'call', name: name.text, args, start: name.start, end: close.end };
  }

  private ranges(): { ranges: RangeNode[]; end: number } {
    const open = this.expect(Tok.LBracket, "'['");
    const ranges: RangeNode[] = [];
    for (;;) {
      const t = this.peek();
      if (t.tok !== Tok.Word || t.text === '') {
        if (t.tok === Tok.End) throw new FilterError("the ']' closing this slice is missing", open.start, open.end);
        throw new FilterError('a range (i, i:len, i-j, i:, :len) was expected here', t.start, Math.max(t.end, t.start + 1));
      }
      this.next();
      ranges.push(rangeNode(t));
      const c = this.next();
      if (c.tok === Tok.RBracket) return { ranges, end: c.end };
      if (c.tok !== Tok.Comma) {
        if (c.tok === Tok.End) throw new FilterError("the ']' closing this slice is missing", open.start, open.end);
        throw unexpected(c);
      }
    }
  }
}

const INT = '([+-]?(?:0[xX][0-9a-fA-F]+|\\d+))';
const RANGE_LENGTH = new RegExp(`^${INT}?:${INT}?$`);
const RANGE_OFFSET = new RegExp(`^${INT}-${INT}$`);
const RANGE_SINGLE = new RegExp(`^${INT}$`);

function int(s: string): number {
  const neg = s.startsWith('-');
  const body = s.replace(/^[+-]/, '');
  const v = /^0[xX]/.test(body) ? parseInt(body.slice(2), 16) : parseInt(body, 10);
  return neg ? -v : v;
}

/** Parses one range as drange_node_from_str does: i:j (start, length), i-j (inclusive end), i:, :j, i. */
function rangeNode(t: Token): RangeNode {
  const s = t.text;
  let m = RANGE_LENGTH.exec(s);
  if (m !== null) {
    const from = m[1] === undefined ? 0 : int(m[1]);
    if (m[2] === undefined) return { from, endKind: 'toEnd', to: 0, start: t.start, end: t.end };
    const len = int(m[2]);
    if (len <= 0) throw new FilterError(`range ${s} is not valid: the length ${len} is not positive`, t.start, t.end);
    return { from, endKind: 'length', to: len, start: t.start, end: t.end };
  }
  m = RANGE_OFFSET.exec(s);
  if (m !== null) return { from: int(m[1]), endKind: 'offset', to: int(m[2]), start: t.start, end: t.end };
  m = RANGE_SINGLE.exec(s);
  if (m !== null) return { from: int(m[1]), endKind: 'single', to: 1, start: t.start, end: t.end };
  throw new FilterError(`'${s}' is not a range (i, i:len, i-j, i:, :len)`, t.start, t.end);
}
