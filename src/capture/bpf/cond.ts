/**
 * gencode.c's blocks as a tree: a test is some statements followed by one
 * conditional jump, and and/or/not combine tests with short-circuit jumps
 * (gen_and, gen_or, gen_not). Emitting the tree in order gives the program
 * `pcap_compile` would give with optimisation off (`tcpdump -O -d`), which
 * matters: a load past the captured bytes rejects the whole packet, so
 * which tests run before which loads is part of the filter's meaning.
 */
import { BPF_IMM, BPF_JEQ, BPF_JMP, BPF_K, BPF_LD, BPF_RET, INSN_WORDS } from './opcodes';

/** One non-jump instruction. */
export interface Stmt {
  readonly code: number;
  readonly k: number;
}

export type Cond =
  | { readonly kind: 'test'; readonly stmts: readonly Stmt[]; readonly jump: number; readonly k: number }
  | { readonly kind: 'and' | 'or'; readonly a: Cond; readonly b: Cond }
  | { readonly kind: 'not'; readonly a: Cond };

export const stmt = (code: number, k = 0): Stmt => ({ code, k: k | 0 });

/** Statements, then a jump (`jump` is BPF_JMP|op|src) comparing A with k (or X). */
export const test = (stmts: readonly Stmt[], jump: number, k = 0): Cond => ({ kind: 'test', stmts, jump, k: k | 0 });

/** gen_and: `a`'s tests first; `b` runs only where `a` holds. */
export const and = (a: Cond, b: Cond): Cond => ({ kind: 'and', a, b });

/** gen_or: `a`'s tests first; `b` runs only where `a` fails. */
export const or = (a: Cond, b: Cond): Cond => ({ kind: 'or', a, b });

export const not = (a: Cond): Cond => ({ kind: 'not', a });

/** gen_true/gen_false (gen_uncond): `ld #0` or `ld #1`, then `jeq #0`, which loads A as libpcap's does. */
export const always = (v: boolean): Cond => test([stmt(BPF_LD | BPF_IMM, v ? 0 : 1)], BPF_JMP | BPF_JEQ | BPF_K, 0);

/** A basic block: statements, then a jump to one of two blocks, or a return. */
interface Block {
  readonly stmts: readonly Stmt[];
  readonly jump: number;
  readonly k: number;
  readonly jt: Block | null;
  readonly jf: Block | null;
}

/** The blocks of a tree, given where its true and false exits go (gen_and/gen_or's backpatching). */
function build(c: Cond, t: Block, f: Block): Block {
  switch (c.kind) {
    case 'test':
      return { stmts: c.stmts, jump: c.jump, k: c.k, jt: t, jf: f };
    case 'and':
      return build(c.a, build(c.b, t, f), f);
    case 'or':
      return build(c.a, t, build(c.b, t, f));
    case 'not':
      return build(c.a, f, t);
  }
}

/**
 * Lays out the tree as a program ending in returns of `accept` and 0; a null
 * tree (the empty expression) accepts everything, as pcap_compile does.
 * Blocks go in reverse post-order, false branch visited first, as
 * icode_to_fcode places them: jumps all go forward, and the program's
 * text is the one `tcpdump -O -d` prints for the same expression.
 */
export function emit(root: Cond | null, accept: number): Int32Array {
  const ret = (k: number): Block => ({ stmts: [], jump: BPF_RET | BPF_K, k, jt: null, jf: null });
  const head = root === null ? ret(accept) : build(root, ret(accept), ret(0));
  const order: Block[] = [];
  const seen = new Set<Block>();
  const visit = (b: Block | null): void => {
    if (b === null || seen.has(b)) return;
    seen.add(b);
    visit(b.jf);
    visit(b.jt);
    order.push(b);
  };
  visit(head);
  order.reverse();
  const start = new Map<Block, number>();
  let n = 0;
  for (const b of order) {
    start.set(b, n);
    n += b.stmts.length + 1;
  }
  const insns = new Int32Array(n * INSN_WORDS);
  let i = 0;
  for (const b of order) {
    for (const s of b.stmts) {
      insns.set([s.code, 0, 0, s.k], i * INSN_WORDS);
      i++;
    }
    const jt = b.jt === null ? 0 : start.get(b.jt)! - i - 1;
    const jf = b.jf === null ? 0 : start.get(b.jf)! - i - 1;
    insns.set([b.jump, jt, jf, b.k], i * INSN_WORDS);
    i++;
  }
  return insns;
}
