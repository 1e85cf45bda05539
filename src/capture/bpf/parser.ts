/**
 * libpcap 1.10's grammar.y as a recursive-descent parser. Where the LALR
 * parser decides by lookahead (is `81` after `port 80 and` an id that
 * inherits `port`, or the start of `81 + 1 = x`?), this parser tries the
 * id reading first and falls back to a term, which accepts the same
 * expressions. Arithmetic follows yacc's precedence resolution exactly,
 * including its quirk: `%` and `^` have no declared precedence, so yacc
 * always shifts on them (`a % b + c` is `a % (b + c)`, and `a * b ^ c` is
 * `a * (b ^ c)`).
 */
import type { Addr, Arith, ArithOp, Dir, Expr, IdValue, Proto, Qual } from './ast';
import { QERR } from './ast';
import { BpfError } from './errors';
import { checkToken, type Token } from './lexer';

/** pname tokens and the protocol qualifier each names. */
const PNAMES: Record<string, Proto> = {
  LINK: 'link', IP: 'ip', ARP: 'arp', RARP: 'rarp', SCTP: 'sctp', TCP: 'tcp', UDP: 'udp', ICMP: 'icmp', IGMP: 'igmp',
  IGRP: 'igrp', PIM: 'pim', VRRP: 'vrrp', CARP: 'carp', ATALK: 'atalk', AARP: 'aarp', DECNET: 'decnet', LAT: 'lat',
  SCA: 'sca', MOPDL: 'mopdl', MOPRC: 'moprc', IPV6: 'ip6', ICMPV6: 'icmp6', AH: 'ah', ESP: 'esp', ISO: 'iso', ESIS: 'esis',
  ISIS: 'isis', L1: 'l1', L2: 'l2', IIH: 'iih', LSP: 'lsp', SNP: 'snp', PSNP: 'psnp', CSNP: 'csnp', CLNP: 'clnp',
  STP: 'stp', IPX: 'ipx', NETBEUI: 'netbeui', RADIO: 'radio',
};

const AQUALS: Record<string, Addr> = { HOST: 'host', NET: 'net', PORT: 'port', PORTRANGE: 'portrange', PROTO: 'proto', PROTOCHAIN: 'protochain', GATEWAY: 'gateway' };
const DQUAL_SINGLE: Record<string, Dir> = { ADDR1: 'addr1', ADDR2: 'addr2', ADDR3: 'addr3', ADDR4: 'addr4', RA: 'ra', TA: 'ta' };
const BINOPS: Record<string, ArithOp> = { '+': '+', '-': '-', '*': '*', '/': '/', '%': '%', '&': '&', '|': '|', '^': '^', LSH: '<<', RSH: '>>' };
/** grammar.y's %left lines; '%' and '^' are missing there, and UMINUS binds tightest. */
const PREC: Partial<Record<ArithOp | 'neg', number>> = { '|': 1, '&': 2, '<<': 3, '>>': 3, '+': 4, '-': 4, '*': 5, '/': 5, neg: 6 };
/** relop and irelop: an irelop is its relop's complement (`<` is `not >=`), as gen_relation negates it. */
const RELOPS: Record<string, readonly ['jgt' | 'jge' | 'jeq', boolean]> = {
  '>': ['jgt', false], GEQ: ['jge', false], '=': ['jeq', false],
  LEQ: ['jgt', true], '<': ['jge', true], NEQ: ['jeq', true],
};
/** Tokens that may follow an id in an expression: what lets `port 80 and 81` be read as an id. */
const FOLLOW_ID = new Set(['AND', 'OR', ')', 'EOF']);

/** Grammar that only exists for link types this compiler does not handle (ATM, MTP2/3, 802.11, pflog, LLC, Geneve). */
const UNSUPPORTED: Record<string, string> = {
  TYPE: 'type', SUBTYPE: 'subtype', DIR: 'dir', LLC: 'llc', GENEVE: 'geneve',
  PF_IFNAME: 'on', PF_RSET: 'ruleset', PF_RNR: 'rulenum', PF_SRNR: 'subrulenum', PF_REASON: 'reason', PF_ACTION: 'action',
  LANE: 'lane', METAC: 'metac', BCC: 'bcc', OAM: 'oam', OAMF4: 'oamf4', OAMF4EC: 'oamf4ec', OAMF4SC: 'oamf4sc', SC: 'sc',
  ILMIC: 'ilmic', VPI: 'vpi', VCI: 'vci', CONNECTMSG: 'connectmsg', METACONNECT: 'metaconnect',
  FISU: 'fisu', LSSU: 'lssu', MSU: 'msu', HFISU: 'hfisu', HLSSU: 'hlssu', HMSU: 'hmsu',
  SIO: 'sio', OPC: 'opc', DPC: 'dpc', SLS: 'sls', HSIO: 'hsio', HOPC: 'hopc', HDPC: 'hdpc', HSLS: 'hsls',
};

/** A syntax error inside one alternative; the parser may try another. */
class SyntaxFail {
  constructor(readonly at: number) {}
}

interface Term {
  readonly e: Expr;
  /** The qualifiers an id after the next and/or inherits. */
  readonly q: Qual;
}

class Parser {
  private i = 0;
  /** Furthest token any alternative reached before failing: where the syntax error is reported. */
  private farthest = 0;

  constructor(private readonly toks: readonly Token[]) {}

  program(): Expr | null {
    if (this.peek().kind === 'EOF') return null;
    try {
      const { e } = this.expr(QERR);
      if (this.peek().kind !== 'EOF') this.fail();
      return e;
    } catch (x) {
      if (!(x instanceof SyntaxFail)) throw x;
      const t = this.toks[Math.min(this.farthest, this.toks.length - 1)];
      throw new BpfError(t.kind === 'EOF' ? 'syntax error: the expression ends too early' : `syntax error at '${t.text}'`, t.pos);
    }
  }

  private peek(ahead = 0): Token {
    const t = this.toks[Math.min(this.i + ahead, this.toks.length - 1)];
    // The scanner's complaints (bogus address, number too large) surface when the parser reaches the token, as in libpcap.
    if (ahead === 0) checkToken(t);
    return t;
  }

  private next(): Token {
    const t = this.peek();
    if (t.kind !== 'EOF') this.i++;
    return t;
  }

  private expect(kind: string): Token {
    if (this.peek().kind !== kind) this.fail();
    return this.next();
  }

  private fail(): never {
    this.farthest = Math.max(this.farthest, this.i);
    throw new SyntaxFail(this.i);
  }

  /** Runs one alternative; on a syntax error inside it, rewinds and returns null. */
  private attempt<T>(fn: () => T): T | null {
    const save = this.i;
    try {
      return fn();
    } catch (x) {
      if (!(x instanceof SyntaxFail)) throw x;
      this.i = save;
      return null;
    }
  }

  /** expr: term | expr and term | expr and id | expr or term | expr or id (and/or: equal precedence, left to right). */
  private expr(inherited: Qual): Term {
    let { e, q } = this.term(inherited);
    for (;;) {
      const k = this.peek().kind;
      if (k !== 'AND' && k !== 'OR') return { e, q };
      this.next();
      const left = q;
      const r =
        this.attempt((): Term => {
          const id = this.id(left);
          if (!FOLLOW_ID.has(this.peek().kind)) this.fail();
          return { e: id, q: left };
        }) ?? this.term(left);
      e = { t: k === 'AND' ? 'and' : 'or', l: e, r: r.e };
      q = r.q;
    }
  }

  /** id: nid | pnum | paren pid ')', read with the qualifiers it inherits. */
  private id(q: Qual): Expr {
    const t = this.peek();
    switch (t.kind) {
      case 'NUM':
        this.next();
        return { t: 'id', q, v: { k: 'num', n: t.num }, pos: t.pos };
      case '(': {
        this.next();
        // pid: its first element is a nid or a pnum (grammar.y has no pid starting with a parenthesised pid).
        let e: Expr;
        const k = this.peek().kind;
        if (k === 'NUM' || k === '(') {
          const n = this.pnum();
          e = { t: 'id', q, v: { k: 'num', n: n.n }, pos: n.pos };
        } else {
          e = this.nid(q);
        }
        for (;;) {
          const op = this.peek().kind;
          if (op !== 'AND' && op !== 'OR') break;
          this.next();
          e = { t: op === 'AND' ? 'and' : 'or', l: e, r: this.id(q) };
        }
        this.expect(')');
        return e;
      }
      default:
        return this.nid(q);
    }
  }

  /** nid: ID | HID '/' NUM | HID mask HID | HID | HID6 '/' NUM | HID6 | EID | AID | not id. */
  private nid(q: Qual): Expr {
    const t = this.peek();
    let v: IdValue;
    switch (t.kind) {
      case 'ID':
        this.next();
        v = { k: 'name', s: t.text };
        break;
      case 'HID':
        this.next();
        if (this.peek().kind === '/') {
          this.next();
          v = { k: 'hidlen', s: t.text, len: this.expect('NUM').num };
        } else if (this.peek().kind === 'NETMASK') {
          this.next();
          v = { k: 'hidmask', s: t.text, mask: this.expect('HID').text };
        } else {
          v = { k: 'hid', s: t.text };
        }
        break;
      case 'HID6':
        this.next();
        if (this.peek().kind === '/') {
          this.next();
          v = { k: 'hid6len', s: t.text, len: this.expect('NUM').num };
        } else {
          v = { k: 'hid6', s: t.text };
        }
        break;
      case 'EID':
        this.next();
        v = { k: 'eid', s: t.text };
        break;
      case 'AID':
        this.next();
        v = { k: 'aid', s: t.text };
        break;
      case '!':
        this.next();
        return { t: 'not', e: this.id(q) };
      default:
        return this.fail();
    }
    return { t: 'id', q, v, pos: t.pos };
  }

  /** pnum: NUM | paren pnum ')'. */
  private pnum(): { n: number; pos: number } {
    const t = this.peek();
    if (t.kind === 'NUM') {
      this.next();
      return { n: t.num, pos: t.pos };
    }
    this.expect('(');
    const n = this.pnum();
    this.expect(')');
    return n;
  }

  /** term: rterm | not term. */
  private term(inherited: Qual): Term {
    const t = this.peek();
    const k = t.kind;
    if (k === '!') {
      this.next();
      const r = this.term(inherited);
      return { e: { t: 'not', e: r.e }, q: r.q };
    }
    if (k === '(') {
      const rel = this.attempt(() => this.relation());
      if (rel !== null) return { e: rel, q: QERR };
      this.next();
      const r = this.expr(inherited);
      this.expect(')');
      // grammar.y: `paren expr ')'` carries the qualifiers from before the parenthesis, not from inside it.
      return { e: r.e, q: inherited };
    }
    if (k === 'NUM' || k === '-' || k === 'LEN') return { e: this.relation(), q: QERR };
    const pname = PNAMES[k];
    if (pname !== undefined) {
      const after = this.peek(1).kind;
      if (after === '[') return { e: this.relation(), q: QERR };
      if (after === 'TK_BROADCAST' || after === 'TK_MULTICAST') {
        this.next();
        this.next();
        return { e: { t: after === 'TK_BROADCAST' ? 'broadcast' : 'multicast', proto: pname, pos: t.pos }, q: QERR };
      }
      if (after === 'TYPE' || after === 'SUBTYPE' || after === 'DIR') this.unsupported(this.peek(1));
      if (!this.startsQualifier(after)) {
        this.next();
        return { e: { t: 'abbrev', proto: pname, pos: t.pos }, q: QERR };
      }
      return this.head();
    }
    if (this.startsQualifier(k)) return this.head();
    switch (k) {
      case 'TK_BROADCAST':
      case 'TK_MULTICAST':
        this.next();
        return { e: { t: k === 'TK_BROADCAST' ? 'broadcast' : 'multicast', proto: 'default', pos: t.pos }, q: QERR };
      case 'LESS':
      case 'GREATER':
        this.next();
        return { e: { t: k === 'LESS' ? 'less' : 'greater', n: this.expect('NUM').num, pos: t.pos }, q: QERR };
      case 'CBYTE': {
        this.next();
        const index = this.expect('NUM').num;
        const op = this.peek().kind;
        if (!['&', '|', '<', '>', '='].includes(op)) this.fail();
        this.next();
        return { e: { t: 'byte', index, op, value: this.expect('NUM').num, pos: t.pos }, q: QERR };
      }
      case 'INBOUND':
      case 'OUTBOUND':
      case 'PPPOED':
        this.next();
        return { e: { t: k === 'INBOUND' ? 'inbound' : k === 'OUTBOUND' ? 'outbound' : 'pppoed', pos: t.pos }, q: QERR };
      case 'IFINDEX':
        this.next();
        return { e: { t: 'ifindex', n: this.expect('NUM').num, pos: t.pos }, q: QERR };
      case 'VLAN':
      case 'MPLS':
      case 'PPPOES': {
        this.next();
        const nk = this.peek().kind;
        // yacc shifts a following number or parenthesis into the optional pnum.
        const n = nk === 'NUM' || nk === '(' ? this.pnum().n : null;
        return { e: { t: k === 'VLAN' ? 'vlan' : k === 'MPLS' ? 'mpls' : 'pppoes', n, pos: t.pos }, q: QERR };
      }
    }
    if (UNSUPPORTED[k] !== undefined) this.unsupported(t);
    return this.fail();
  }

  private unsupported(t: Token): never {
    throw new BpfError(`'${UNSUPPORTED[t.kind]}' applies to link types this filter compiler does not support`, t.pos);
  }

  private startsQualifier(k: string): boolean {
    return k === 'SRC' || k === 'DST' || DQUAL_SINGLE[k] !== undefined || AQUALS[k] !== undefined;
  }

  /** rterm: head id, where head is [pname] then a direction and/or an address type, `proto`, `protochain` or `gateway`. */
  private head(): Term {
    let proto: Proto = 'default';
    const first = PNAMES[this.peek().kind];
    if (first !== undefined) {
      proto = first;
      this.next();
    }
    let dir: Dir = 'default';
    let addr: Addr = 'default';
    const k = this.peek().kind;
    if (k === 'SRC' || k === 'DST') {
      this.next();
      dir = k === 'SRC' ? 'src' : 'dst';
      const conj = this.peek().kind;
      // `src or dst`, `dst and src`: yacc shifts the and/or here, so it must be followed by the other direction.
      if (conj === 'OR' || conj === 'AND') {
        this.next();
        this.expect(k === 'SRC' ? 'DST' : 'SRC');
        dir = conj === 'OR' ? 'or' : 'and';
      }
    } else if (DQUAL_SINGLE[k] !== undefined) {
      this.next();
      dir = DQUAL_SINGLE[k];
    }
    const a = AQUALS[this.peek().kind];
    if (a !== undefined && (dir === 'default' || ['host', 'net', 'port', 'portrange'].includes(a))) {
      this.next();
      addr = a;
    } else if (dir === 'default') {
      this.fail();
    }
    const q: Qual = { undef: false, proto, dir, addr };
    return { e: this.id(q), q };
  }

  /** arth relop arth | arth irelop arth. */
  private relation(): Expr {
    const pos = this.peek().pos;
    const l = this.arith();
    const op = RELOPS[this.peek().kind];
    if (op === undefined) this.fail();
    this.next();
    const r = this.arith();
    return { t: 'rel', op: op[0], reversed: op[1], l, r, pos };
  }

  /** arth, by shift-reduce with grammar.y's precedences and yacc's default of shifting where none applies. */
  private arith(): Arith {
    const operands: Arith[] = [];
    const ops: { op: ArithOp | 'neg'; pos: number }[] = [];
    const reduce = (): void => {
      const o = ops.pop()!;
      if (o.op === 'neg') {
        operands.push({ t: 'neg', a: operands.pop()!, pos: o.pos });
      } else {
        const r = operands.pop()!;
        const l = operands.pop()!;
        operands.push({ t: 'bin', op: o.op, l, r, pos: o.pos });
      }
    };
    for (;;) {
      while (this.peek().kind === '-') ops.push({ op: 'neg', pos: this.next().pos });
      operands.push(this.primary());
      const t = this.peek();
      const la = BINOPS[t.kind];
      while (ops.length > 0) {
        if (la !== undefined) {
          const top = PREC[ops[ops.length - 1].op];
          const next = PREC[la];
          if (top === undefined || next === undefined || top < next) break;
        }
        reduce();
      }
      if (la === undefined) return operands[0];
      ops.push({ op: la, pos: t.pos });
      this.next();
    }
  }

  /** The operands of arth: pnum, LEN, pname '[' arth [':' NUM] ']', paren narth ')'. */
  private primary(): Arith {
    const t = this.peek();
    if (t.kind === 'NUM') {
      this.next();
      return { t: 'num', n: t.num, pos: t.pos };
    }
    if (t.kind === 'LEN') {
      this.next();
      return { t: 'len', pos: t.pos };
    }
    if (t.kind === '(') {
      this.next();
      const a = this.arith();
      this.expect(')');
      return a;
    }
    const proto = PNAMES[t.kind];
    if (proto !== undefined && this.peek(1).kind === '[') {
      this.next();
      this.next();
      const index = this.arith();
      let size = 1;
      let sizePos = t.pos;
      if (this.peek().kind === ':') {
        this.next();
        const s = this.expect('NUM');
        size = s.num;
        sizePos = s.pos;
      }
      this.expect(']');
      return { t: 'load', proto, index, size, pos: t.pos, sizePos };
    }
    return this.fail();
  }
}

/** Parses an expression; null for an empty one (which matches every packet). Throws BpfError. */
export function parse(tokens: readonly Token[]): Expr | null {
  return new Parser(tokens).program();
}
