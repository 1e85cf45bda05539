/**
 * Turns a parsed filter into a predicate over a decoded Packet: a tree of
 * closures built once, with every constant already converted (addresses to
 * numbers or bytes, CIDR blocks to masks, regular expressions compiled).
 * Names resolve through the decoder registry at compile time, so fields
 * registered later (analysis, synack.*) filter like any other.
 *
 * Semantics follow tshark 4.0: a comparison with an absent field is false;
 * `==` is "any value equal", `!=` is "all values differ" (so `ip.addr != x`
 * drops every frame to or from x), `===` all equal, `!==`/`~=` any differs;
 * `any`/`all` before a relation choose the quantifier explicitly.
 */
import { allFieldNames, fieldByName, fieldProtocol, protocolByName, protocols } from '../decode/index';
import type { Packet } from '../decode/packet';
import { FieldType, type FieldDef, type Protocol } from '../decode/protocol';
import { closestNames } from '../decode/suggest';
import { CmpOp, FilterError } from './lexer';
import { isLiteral, pushLiteral, type LiteralContext, type LiteralEntity } from './literal';
import {
  ArithOperand,
  CaseOperand,
  Const,
  CountOperand,
  FieldOperand,
  layerShown,
  LenOperand,
  NegOperand,
  NumFnOperand,
  Operand,
  ProtoOperand,
  SliceOperand,
} from './operands';
import type { Entity, Expr, Span } from './parser';
import { compareBytes, equalBytes, indexOfBytes, isByteLike, isNumeric, Kind, KIND_NAMES, kindOfField, type Vals } from './values';

export type PacketPredicate = (pkt: Packet) => boolean;

type Word = Extract<Entity, { t: 'word' }>;
type PairTest = (i: number, j: number) => boolean;

const OP_TEXT: Readonly<Record<CmpOp, string>> = {
  [CmpOp.AnyEq]: '==',
  [CmpOp.AllNe]: '!=',
  [CmpOp.AllEq]: '===',
  [CmpOp.AnyNe]: '!==',
  [CmpOp.Lt]: '<',
  [CmpOp.Le]: '<=',
  [CmpOp.Gt]: '>',
  [CmpOp.Ge]: '>=',
};

const NAME = /^[A-Za-z_][A-Za-z0-9_-]*(?:\.[A-Za-z0-9_-]*)*$/;

function resolve(name: string): { def?: FieldDef; proto: Protocol } | undefined {
  const def = fieldByName(name);
  if (def !== undefined) return { def, proto: fieldProtocol(def) };
  const proto = protocolByName(name);
  return proto === undefined ? undefined : { proto };
}

/** The names to suggest from: a dotted name was meant as a field, a plain word as a protocol or field. */
function knownNames(dotted: boolean): string[] {
  return dotted ? allFieldNames() : [...new Set([...protocols.map((p) => p.name), ...allFieldNames()])];
}

export function unknownNameError(name: string, span: Span): FilterError {
  const near = closestNames(name, knownNames(name.includes('.')));
  const hint = near.length > 0 ? `; did you mean ${near.map((n) => `'${n}'`).join(', ')}?` : '';
  return new FilterError(`'${name}' is neither a field nor a protocol synack knows${hint}`, span.start, span.end);
}

function compatible(a: Kind, b: Kind): boolean {
  if (a === b) return true;
  const plain = (k: Kind): boolean => k === Kind.Num || k === Kind.Bool || k === Kind.Float;
  if (plain(a) && plain(b)) return true;
  return isByteLike(a) && isByteLike(b);
}

function entityText(e: Entity, filter: string): string {
  return filter.slice(e.start, e.end);
}

export class Compiler {
  /** The fields the filter reads (a protocol alone reads none), for callers deciding what to compute. */
  readonly fields = new Set<FieldDef>();

  constructor(private readonly text: string) {}

  /** For a literal that failed to convert: the unknown-name error when it looks like a field name. */
  private literalContext(def: FieldDef | undefined): LiteralContext {
    return {
      def,
      // A dotted word that is no valid value is a mistyped field when a known name is close (tcp.dstprt);
      // otherwise the value's own message says more (example.com: host names are not resolved).
      unknownName: (w: Word) =>
        NAME.test(w.text) && w.text.includes('.') && closestNames(w.text, knownNames(true)).length > 0 ? unknownNameError(w.text, w) : null,
    };
  }

  expr(e: Expr): PacketPredicate {
    switch (e.t) {
      case 'and': {
        const a = this.expr(e.a);
        const b = this.expr(e.b);
        return (pkt) => a(pkt) && b(pkt);
      }
      case 'or': {
        const a = this.expr(e.a);
        const b = this.expr(e.b);
        return (pkt) => a(pkt) || b(pkt);
      }
      case 'not': {
        const a = this.expr(e.a);
        return (pkt) => !a(pkt);
      }
      case 'test':
        return this.test(e.e);
      case 'cmp':
        return this.comparison(e);
      case 'contains':
        return this.contains(e);
      case 'matches':
        return this.matches(e);
      case 'in':
        return this.membership(e);
    }
  }

  /** A bare entity: a field or protocol is tested for presence, anything else for a non-zero value. */
  private test(e: Entity): PacketPredicate {
    if (e.t === 'word') {
      const r = resolve(e.text);
      if (r === undefined) {
        if (NAME.test(e.text)) throw unknownNameError(e.text, e);
        throw new FilterError(`a value alone is not a test: compare a field with ${entityText(e, this.text)}`, e.start, e.end);
      }
      if (r.def !== undefined) this.fields.add(r.def);
      if (e.layers === undefined) return r.def === undefined ? protoPresent(r.proto) : fieldPresent(r.def, r.proto);
      const op = this.operand(e, false);
      return (pkt) => op.load(pkt) > 0;
    }
    if (e.t === 'string' || e.t === 'char') {
      throw new FilterError('a value alone is not a test: compare a field with it', e.start, e.end);
    }
    const op = this.operand(e, false);
    if (e.t === 'slice') return (pkt) => op.load(pkt) > 0;
    const v = op.out;
    if (isByteLike(op.kind)) {
      return (pkt) => {
        const n = op.load(pkt);
        for (let i = 0; i < n; i++) for (let x = 0; x < v.len[i]; x++) if (v.buf[i][v.off[i] + x] !== 0) return true;
        return false;
      };
    }
    if (op.kind === Kind.Str) {
      return (pkt) => {
        const n = op.load(pkt);
        for (let i = 0; i < n; i++) if (v.str[i] !== '') return true;
        return false;
      };
    }
    return (pkt) => {
      const n = op.load(pkt);
      for (let i = 0; i < n; i++) if (v.num[i] !== 0 || v.aux[i] !== 0) return true;
      return false;
    };
  }

  /** The left side of a relation: a field, protocol, slice, function or arithmetic, never a bare value. */
  private left(e: Entity, op: string): Operand {
    if (isLiteral(e) && (e.t !== 'word' || resolve(e.text) === undefined)) {
      if (e.t === 'word' && NAME.test(e.text) && !/^[0-9a-fA-F]+$/.test(e.text)) throw unknownNameError(e.text, e);
      throw new FilterError(`the left side of '${op}' must be a field, not the value ${entityText(e, this.text)}`, e.start, e.end);
    }
    return this.operand(e, false);
  }

  /**
   * The right side, typed by the left: a literal converts to the left's kind;
   * a name resolves to a field unless it only makes sense as a value there.
   */
  private right(e: Entity, left: Operand, what: string): Operand {
    const def = left instanceof FieldOperand ? left.def : undefined;
    if (isLiteral(e)) {
      const r = e.t === 'word' ? resolve(e.text) : undefined;
      if (r === undefined) return this.constant([e], left.kind, def);
      const other = this.operand(e, false);
      if (compatible(left.kind, other.kind)) return other;
      try {
        // ip.proto == tcp: a name that is also a value of the field (TCP) is the value.
        return this.constant([e], left.kind, def);
      } catch {
        throw this.incompatible(left, e, other, what);
      }
    }
    const other = this.operand(e, false);
    if (!compatible(left.kind, other.kind)) throw this.incompatible(left, e, other, what);
    return other;
  }

  private incompatible(left: Operand, e: Entity, other: Operand, what: string): FilterError {
    return new FilterError(
      `${what} ${KIND_NAMES[left.kind]} with ${entityText(e, this.text)}, which is ${KIND_NAMES[other.kind]}`,
      e.start,
      e.end,
    );
  }

  private constant(lits: readonly LiteralEntity[], kind: Kind, def: FieldDef | undefined): Const {
    const c = new Const(kind);
    for (const l of lits) pushLiteral(c.out, l, kind, this.literalContext(def));
    return c;
  }

  private comparison(e: Extract<Expr, { t: 'cmp' }>): PacketPredicate {
    const opText = OP_TEXT[e.op];
    const a = this.left(e.a, opText);
    if (a.kind === Kind.None) throw this.valueless(e.a);
    const b = this.right(e.b, a, `'${opText}' compares`);
    const all = e.quant === undefined ? e.op === CmpOp.AllNe || e.op === CmpOp.AllEq : e.quant === 'all';
    return fieldVersusConstant(a, b, e.op, all) ?? quantified(a, b, pairTest(a.kind, e.op, a.out, b.out, b instanceof Const), all);
  }

  private valueless(e: Entity): FilterError {
    return new FilterError(`${entityText(e, this.text)} has no value to compare: test it alone`, e.start, e.end);
  }

  private contains(e: Extract<Expr, { t: 'contains' }>): PacketPredicate {
    const a = this.left(e.a, 'contains');
    const A = a.out;
    const proto = a.kind === Kind.Proto;
    if (a.kind === Kind.Str) {
      const b = this.right(e.b, a, "'contains' compares");
      const B = b.out;
      return quantified(a, b, (i, j) => A.str[i].includes(B.str[j]), e.quant === 'all');
    }
    if (!isByteLike(a.kind)) {
      throw new FilterError(`${entityText(e.a, this.text)} is ${KIND_NAMES[a.kind]}: only byte strings, strings and protocols can contain`, e.a.start, e.a.end);
    }
    const b = isLiteral(e.b) && (e.b.t !== 'word' || resolve(e.b.text) === undefined) ? this.constant([e.b], Kind.Bytes, undefined) : this.right(e.b, a, "'contains' compares");
    const B = b.out;
    return quantified(
      a,
      b,
      (i, j) => indexOfBytes(A.buf[i], A.off[i], proto ? A.ext[i] : A.len[i], B.buf[j], B.off[j], B.len[j]) >= 0,
      e.quant === 'all',
    );
  }

  private matches(e: Extract<Expr, { t: 'matches' }>): PacketPredicate {
    const a = this.left(e.a, 'matches');
    if (e.b.t !== 'string') throw new FilterError('matches needs a regular expression in double quotes', e.b.start, e.b.end);
    const A = a.out;
    const all = e.quant === 'all';
    // tshark 4.0 runs PCRE2 on the UTF-8 bytes, not in UTF mode: "·+" repeats the last byte of '·'.
    const re = regex(Buffer.from(e.b.bytes).toString('latin1'), e.b);
    if (a.kind === Kind.Str) return quantifiedOne(a, (i) => re.test(Buffer.from(A.str[i], 'utf8').toString('latin1')), all);
    if (!isByteLike(a.kind)) {
      throw new FilterError(`${entityText(e.a, this.text)} is ${KIND_NAMES[a.kind]}: only byte strings, strings and protocols can match`, e.a.start, e.a.end);
    }
    // Bytes match as Latin-1 text: one character per byte.
    const proto = a.kind === Kind.Proto;
    let lastData: Uint8Array | null = null;
    let lastBuf: Buffer = Buffer.alloc(0);
    return quantifiedOne(
      a,
      (i) => {
        const d = A.buf[i];
        if (d !== lastData) {
          lastData = d;
          lastBuf = Buffer.from(d.buffer, d.byteOffset, d.byteLength);
        }
        return re.test(lastBuf.toString('latin1', A.off[i], A.off[i] + (proto ? A.ext[i] : A.len[i])));
      },
      all,
    );
  }

  private membership(e: Extract<Expr, { t: 'in' }>): PacketPredicate {
    const a = this.left(e.a, 'in');
    if (a.kind === Kind.None) throw this.valueless(e.a);
    const def = a instanceof FieldOperand ? a.def : undefined;
    const literal = (x: Entity): LiteralEntity => {
      if (!isLiteral(x) || (x.t === 'word' && resolve(x.text) !== undefined && !this.converts(x, a.kind, def))) {
        throw new FilterError('the members of a set must be values, not fields', x.start, x.end);
      }
      return x;
    };
    const singles: LiteralEntity[] = [];
    const los: LiteralEntity[] = [];
    const his: LiteralEntity[] = [];
    for (const el of e.set) {
      if (el.hi === undefined) singles.push(literal(el.lo));
      else {
        los.push(literal(el.lo));
        his.push(literal(el.hi));
      }
    }
    const S = this.constant(singles, a.kind, def);
    const L = this.constant(los, a.kind, def);
    const H = this.constant(his, a.kind, def);
    const eq = pairTest(a.kind, CmpOp.AnyEq, a.out, S.out, true);
    const ge = pairTest(a.kind, CmpOp.Ge, a.out, L.out, true);
    const le = pairTest(a.kind, CmpOp.Le, a.out, H.out, true);
    const ns = S.out.n;
    const nr = L.out.n;
    if (e.quant !== 'all') {
      const member = (i: number): boolean => {
        for (let j = 0; j < ns; j++) if (eq(i, j)) return true;
        for (let j = 0; j < nr; j++) if (ge(i, j) && le(i, j)) return true;
        return false;
      };
      return quantifiedOne(a, member, false);
    }
    // tshark 4.0 expands a set into one test per member, each with the quantifier:
    // `all tcp.port in {80, 443}` is (all == 80) or (all == 443), never "each port in the set".
    return (pkt) => {
      const n = a.load(pkt);
      if (n === 0) return false;
      members: for (let j = 0; j < ns + nr; j++) {
        for (let i = 0; i < n; i++) {
          const ok = j < ns ? eq(i, j) : ge(i, j - ns) && le(i, j - ns);
          if (!ok) continue members;
        }
        return true;
      }
      return false;
    };
  }

  private converts(x: LiteralEntity, kind: Kind, def: FieldDef | undefined): boolean {
    try {
      this.constant([x], kind, def);
      return true;
    } catch {
      return false;
    }
  }

  /** Compiles an entity that reads the packet. `bytes`: addresses as bytes (to be sliced or measured). */
  operand(e: Entity, bytes: boolean): Operand {
    switch (e.t) {
      case 'word': {
        const r = resolve(e.text);
        if (r === undefined) {
          if (NAME.test(e.text)) throw unknownNameError(e.text, e);
          throw new FilterError(`${e.text} needs a field to give it a type`, e.start, e.end);
        }
        if (r.def === undefined) return new ProtoOperand(r.proto, e.layers);
        this.fields.add(r.def);
        const kind = kindOfField(r.def);
        if (bytes && kind === Kind.Ipv4) {
          if (r.def.type !== 5 /* FieldType.Ipv4: bytes in the packet */) {
            throw new FilterError(`${e.text} is computed, not read from the packet, and cannot be sliced`, e.start, e.end);
          }
          return new FieldOperand(r.def, r.proto, Kind.Bytes, e.layers, true);
        }
        return new FieldOperand(r.def, r.proto, kind, e.layers, false);
      }
      case 'string':
      case 'char':
        throw new FilterError(`${entityText(e, this.text)} needs a field to compare with`, e.start, e.end);
      case 'slice': {
        const inner = this.operand(e.of, true);
        if (!isByteLike(inner.kind) && inner.kind !== Kind.Str) {
          throw new FilterError(`${entityText(e.of, this.text)} is ${KIND_NAMES[inner.kind]} and cannot be sliced into bytes`, e.of.start, e.of.end);
        }
        return new SliceOperand(inner, e.ranges);
      }
      case 'call':
        return this.call(e);
      case 'neg': {
        const inner = this.operand(e.of, false);
        if (!isNumeric(inner.kind) || inner.kind === Kind.Ipv4 || inner.kind === Kind.AbsTime) {
          throw new FilterError(`${entityText(e.of, this.text)} is ${KIND_NAMES[inner.kind]} and cannot be negated`, e.start, e.end);
        }
        return new NegOperand(inner);
      }
      case 'arith':
        return this.arith(e);
    }
  }

  private arith(e: Extract<Entity, { t: 'arith' }>): Operand {
    const aLit = isLiteral(e.a) && (e.a.t !== 'word' || resolve(e.a.text) === undefined);
    const bLit = isLiteral(e.b) && (e.b.t !== 'word' || resolve(e.b.text) === undefined);
    if (aLit && bLit) throw new FilterError('arithmetic needs a field on at least one side', e.start, e.end);
    let a: Operand;
    let b: Operand;
    if (aLit) {
      b = this.operand(e.b, false);
      a = this.constant([e.a as LiteralEntity], b.kind, undefined);
    } else {
      a = this.operand(e.a, false);
      b = bLit ? this.constant([e.b as LiteralEntity], a.kind, undefined) : this.operand(e.b, false);
    }
    const kind = aLit ? b.kind : a.kind;
    const bytesAnd = e.op === '&' && isByteLike(kind) && isByteLike(a.kind) && isByteLike(b.kind);
    const numbers = (k: Kind): boolean => k === Kind.Num || k === Kind.Bool || k === Kind.Float || k === Kind.RelTime;
    if (!bytesAnd && !(numbers(a.kind) && numbers(b.kind))) {
      const bad = numbers(a.kind) ? e.b : e.a;
      throw new FilterError(`'${e.op}' needs numbers${e.op === '&' ? ' or byte strings' : ''}, and ${entityText(bad, this.text)} is ${KIND_NAMES[numbers(a.kind) ? b.kind : a.kind]}`, bad.start, bad.end);
    }
    return new ArithOperand(bytesAnd ? Kind.Bytes : kind, a, b, e.op);
  }

  private call(e: Extract<Entity, { t: 'call' }>): Operand {
    const arity = (n: number): void => {
      if (e.args.length !== n) throw new FilterError(`${e.name}() takes ${n} argument${n === 1 ? '' : 's'}`, e.start, e.end);
    };
    switch (e.name) {
      case 'len': {
        arity(1);
        const inner = this.operand(e.args[0], true);
        if (!isByteLike(inner.kind) && inner.kind !== Kind.Str) {
          throw new FilterError(`len() measures byte strings, strings and protocols, not ${KIND_NAMES[inner.kind]}`, e.args[0].start, e.args[0].end);
        }
        return new LenOperand(inner);
      }
      case 'count': {
        arity(1);
        const x = e.args[0];
        if (x.t !== 'word' || resolve(x.text) === undefined) {
          if (x.t === 'word' && NAME.test(x.text)) throw unknownNameError(x.text, x);
          throw new FilterError('count() counts a field or protocol', x.start, x.end);
        }
        return new CountOperand(this.operand(x, false));
      }
      case 'upper':
      case 'lower': {
        arity(1);
        const inner = this.operand(e.args[0], false);
        if (inner.kind !== Kind.Str) throw new FilterError(`${e.name}() needs a string field, not ${KIND_NAMES[inner.kind]}`, e.args[0].start, e.args[0].end);
        return new CaseOperand(inner, e.name === 'upper');
      }
      case 'abs': {
        arity(1);
        const inner = this.operand(e.args[0], false);
        if (inner.kind !== Kind.Num && inner.kind !== Kind.Float && inner.kind !== Kind.RelTime) {
          throw new FilterError(`abs() needs a number, not ${KIND_NAMES[inner.kind]}`, e.args[0].start, e.args[0].end);
        }
        return new NumFnOperand(inner.kind, [inner], 'abs');
      }
      default: {
        // max, min
        if (e.args.length === 0) throw new FilterError(`${e.name}() needs at least one argument`, e.start, e.end);
        const first = e.args.find((x) => !isLiteral(x) || (x.t === 'word' && resolve(x.text) !== undefined));
        if (first === undefined) throw new FilterError(`${e.name}() needs a field among its arguments`, e.start, e.end);
        const kind = this.operand(first, false).kind;
        if (!isNumeric(kind) || kind === Kind.AbsTime) throw new FilterError(`${e.name}() compares numbers, not ${KIND_NAMES[kind]}`, first.start, first.end);
        const args = e.args.map((x) => (isLiteral(x) && (x.t !== 'word' || resolve(x.text) === undefined) ? this.constant([x], kind, undefined) : this.operand(x, false)));
        for (let i = 0; i < args.length; i++) {
          if (!compatible(kind, args[i].kind)) throw new FilterError(`${e.name}() compares numbers, not ${KIND_NAMES[args[i].kind]}`, e.args[i].start, e.args[i].end);
        }
        return new NumFnOperand(kind, args, e.name as 'max' | 'min');
      }
    }
  }
}

/** Value `v` against constant `c` under `op`, for the fast paths (small enough for V8 to inline). */
function holds(op: CmpOp, v: number, c: number): boolean {
  switch (op) {
    case CmpOp.AnyEq:
    case CmpOp.AllEq:
      return v === c;
    case CmpOp.AllNe:
    case CmpOp.AnyNe:
      return v !== c;
    case CmpOp.Lt:
      return v < c;
    case CmpOp.Le:
      return v <= c;
    case CmpOp.Gt:
      return v > c;
    default:
      return v >= c;
  }
}

/**
 * The common case, `field OP number` or `field OP address[/prefix]`, without
 * filling value lists: the getter's value is tested as it comes, and the
 * loop stops at the first decisive one. Fields at a fixed offset occur once
 * per layer (fieldkit's uint, flag, address), so only occurrence 0 is asked.
 */
function fieldVersusConstant(a: Operand, b: Operand, op: CmpOp, all: boolean): PacketPredicate | null {
  if (!(a instanceof FieldOperand) || a.layers !== undefined || !(b instanceof Const) || b.out.n !== 1) return null;
  const { def, proto } = a;
  let c = b.out.num[0];
  let mask = -1;
  let address = false;
  if (a.kind === Kind.Ipv4) {
    if (def.type !== FieldType.Ipv4) return null;
    address = true;
    mask = b.out.aux[0] | 0;
  } else if (a.kind !== Kind.Num && a.kind !== Kind.Bool && a.kind !== Kind.Float && a.kind !== Kind.RelTime) return null;
  // A time offset in seconds and nanos() goes through the operand, which puts them together.
  if (def.nanos !== undefined) return null;
  const single = def.offset !== undefined;
  if (all) {
    return (pkt) => {
      let seen = false;
      for (let li = 0; li < pkt.layerCount; li++) {
        if (pkt.layerProto[li] !== proto) continue;
        for (let k = 0; ; k++) {
          const v = def.get(pkt, li, k);
          if (v === undefined) break;
          seen = true;
          if (!holds(op, address ? (pkt.u32(v as number) & mask) >>> 0 : (v as number), c)) return false;
          if (single) break;
        }
      }
      return seen;
    };
  }
  return (pkt) => {
    for (let li = 0; li < pkt.layerCount; li++) {
      if (pkt.layerProto[li] !== proto) continue;
      for (let k = 0; ; k++) {
        const v = def.get(pkt, li, k);
        if (v === undefined) break;
        if (holds(op, address ? (pkt.u32(v as number) & mask) >>> 0 : (v as number), c)) return true;
        if (single) break;
      }
    }
    return false;
  };
}

function fieldPresent(def: FieldDef, proto: Protocol): PacketPredicate {
  return (pkt) => {
    for (let li = 0; li < pkt.layerCount; li++) {
      if (pkt.layerProto[li] === proto && def.get(pkt, li, 0) !== undefined) return true;
    }
    return false;
  };
}

/** Some layer of `proto` that tshark would show as a tree item (see layerShown). */
function protoPresent(proto: Protocol): PacketPredicate {
  return (pkt) => {
    for (let li = 0; li < pkt.layerCount; li++) if (pkt.layerProto[li] === proto && layerShown(pkt, li)) return true;
    return false;
  };
}

/** Every value of `a` against every value of `b`: some pair (any) or every pair (all). Absent values: false. */
function quantified(a: Operand, b: Operand, test: PairTest, all: boolean): PacketPredicate {
  if (b instanceof Const && b.out.n === 1) return quantifiedOne(a, (i) => test(i, 0), all);
  if (all) {
    return (pkt) => {
      const na = a.load(pkt);
      if (na === 0) return false;
      const nb = b.load(pkt);
      if (nb === 0) return false;
      for (let i = 0; i < na; i++) for (let j = 0; j < nb; j++) if (!test(i, j)) return false;
      return true;
    };
  }
  return (pkt) => {
    const na = a.load(pkt);
    if (na === 0) return false;
    const nb = b.load(pkt);
    for (let i = 0; i < na; i++) for (let j = 0; j < nb; j++) if (test(i, j)) return true;
    return false;
  };
}

function quantifiedOne(a: Operand, test: (i: number) => boolean, all: boolean): PacketPredicate {
  if (all) {
    return (pkt) => {
      const n = a.load(pkt);
      if (n === 0) return false;
      for (let i = 0; i < n; i++) if (!test(i)) return false;
      return true;
    };
  }
  return (pkt) => {
    const n = a.load(pkt);
    for (let i = 0; i < n; i++) if (test(i)) return true;
    return false;
  };
}

/** Value i of A against value j of B, for the family of `kind`. `bConst`: B may carry a CIDR mask or prefix. */
function pairTest(kind: Kind, op: CmpOp, A: Vals, B: Vals, bConst: boolean): PairTest {
  const negated = op === CmpOp.AllNe || op === CmpOp.AnyNe;
  const eqOnly = op === CmpOp.AnyEq || op === CmpOp.AllEq || negated;
  if (eqOnly) {
    const eq = equality(kind, A, B, bConst);
    return negated ? (i, j) => !eq(i, j) : eq;
  }
  const cmp = ordering(kind, A, B);
  switch (op) {
    case CmpOp.Lt:
      return (i, j) => cmp(i, j) < 0;
    case CmpOp.Le:
      return (i, j) => cmp(i, j) <= 0;
    case CmpOp.Gt:
      return (i, j) => cmp(i, j) > 0;
    default:
      return (i, j) => cmp(i, j) >= 0;
  }
}

function equality(kind: Kind, A: Vals, B: Vals, bConst: boolean): PairTest {
  if (kind === Kind.Ipv4 && bConst) return (i, j) => ((A.num[i] & B.aux[j]) >>> 0) === B.num[j];
  if (kind === Kind.AbsTime) return (i, j) => A.num[i] === B.num[j] && A.aux[i] === B.aux[j];
  if (isNumeric(kind)) return (i, j) => A.num[i] === B.num[j];
  if (kind === Kind.Str) return (i, j) => A.str[i] === B.str[j];
  if (bConst) return (i, j) => equalBytes(A.buf[i], A.off[i], A.len[i], B.buf[j], B.off[j], B.len[j], B.ext[j]);
  return (i, j) => equalBytes(A.buf[i], A.off[i], A.len[i], B.buf[j], B.off[j], B.len[j], -1);
}

function ordering(kind: Kind, A: Vals, B: Vals): (i: number, j: number) => number {
  if (kind === Kind.AbsTime) return (i, j) => A.num[i] - B.num[j] || A.aux[i] - B.aux[j];
  if (isNumeric(kind)) return (i, j) => (A.num[i] < B.num[j] ? -1 : A.num[i] > B.num[j] ? 1 : 0);
  if (kind === Kind.Str) return (i, j) => (A.str[i] < B.str[j] ? -1 : A.str[i] > B.str[j] ? 1 : 0);
  return (i, j) => compareBytes(A.buf[i], A.off[i], A.len[i], B.buf[j], B.off[j], B.len[j]);
}

/**
 * A JavaScript RegExp for a Wireshark (PCRE2) pattern given as Latin-1 text
 * (one character per byte of the pattern): case-insensitive by
 * default as tshark 4.0 matches (`frame matches "get /"` finds "GET /"),
 * with leading inline flags such as (?-i) honoured.
 */
function regex(pattern: string, span: Span): RegExp {
  let flags = 'i';
  let body = pattern;
  const inline = /^\(\?([a-zA-Z]*)(?:-([a-zA-Z]*))?\)/.exec(body);
  if (inline !== null) {
    for (const f of inline[1]) if ((f === 'i' || f === 's' || f === 'm') && !flags.includes(f)) flags += f;
    for (const f of inline[2] ?? '') flags = flags.replace(f, '');
    body = body.slice(inline[0].length);
  }
  try {
    return new RegExp(body, flags);
  } catch (err) {
    throw new FilterError(`not a valid regular expression: ${(err as Error).message.replace(/^Invalid regular expression: /, '')}`, span.start, span.end);
  }
}
