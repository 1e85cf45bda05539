/**
 * "expression rejects all packets": pcap_compile refuses a filter that its
 * optimiser reduces to `ret #0` (`ip and ip6`, `tcp and udp`, `arp` on raw
 * IP), and compileFilter refuses the same filters. Rather than port
 * optimize.c, this runs the part of it that decides reachability, on the
 * same unoptimised blocks: value numbering (the same load is the same
 * value), constant folding, opt_peep's reading of `sub x; jeq #0` and
 * `and #k; jeq #0`, and opt_j's jump threading, where an edge skips a
 * test whose outcome an edge dominating it already decided (fold_edge),
 * repeated until nothing changes. The filter rejects everything when no
 * accepting return is left reachable.
 *
 * Dominating edges, not paths: on BSD loopback `icmp6 and icmp` compiles in
 * libpcap (the three IPv6 address-family tests leave no single edge that
 * decides the IPv4 one), so it compiles here too.
 */
import {
  BPF_A, BPF_ABS, BPF_ALU, BPF_AND, BPF_DIV, BPF_IMM, BPF_IND, BPF_JA, BPF_JEQ, BPF_JGE, BPF_JGT, BPF_JMP, BPF_JSET, BPF_LD,
  BPF_LDX, BPF_LEN, BPF_MEM, BPF_MEMWORDS, BPF_MISC, BPF_MOD, BPF_MSH, BPF_NEG, BPF_RET, BPF_ST, BPF_STX, BPF_SUB, BPF_TAX,
  BPF_TXA, BPF_X, foldAlu, INSN_WORDS,
} from './opcodes';

/** Passes of jump threading before giving up and assuming the filter may match (never a false refusal). */
const PASS_LIMIT = 1000;

/** Value numbers: equal numbers are equal values on every packet. */
class Values {
  private readonly keys = new Map<string, number>();
  /** The constant a value number stands for, if it is one. */
  readonly constant: (number | undefined)[] = [];
  /** How a value was computed from two others (`A op operand`), for opt_peep's rewrites. */
  readonly made: ({ op: number; a: number; b: number } | undefined)[] = [];

  of(key: string): number {
    let n = this.keys.get(key);
    if (n === undefined) {
      n = this.constant.length;
      this.keys.set(key, n);
      this.constant.push(undefined);
      this.made.push(undefined);
    }
    return n;
  }

  k(value: number): number {
    const n = this.of(`#${value >>> 0}`);
    this.constant[n] = value >>> 0;
    return n;
  }
}

/** Registers: A, X, then the scratch words. */
type Regs = number[];
const A_ATOM = BPF_MEMWORDS;
const X_ATOM = BPF_MEMWORDS + 1;

interface Block {
  /** Instruction range [start, end): the jump or return is instruction end - 1. */
  readonly start: number;
  readonly end: number;
  /** Successor blocks (true, false); equal for an unconditional jump; -1 for a return. */
  succ: [number, number];
  /** The comparison the jump makes, once the block's values are known. */
  test: Test | null;
  /** Whether the block returns non-zero (returns only). */
  accepts: boolean;
}

/** A jump as opt_peep leaves it: `subject op operand`, with `negated` when the rewrite swapped its branches. */
interface Test {
  readonly subject: number;
  readonly op: number;
  readonly operand: number;
  readonly negated: boolean;
}

function compare(op: number, a: number, b: number): boolean {
  switch (op) {
    case BPF_JEQ:
      return a === b;
    case BPF_JGT:
      return a > b;
    case BPF_JGE:
      return a >= b;
    default:
      return (a & b) !== 0;
  }
}

/** Splits a program into basic blocks (it jumps forward only, so the blocks are in topological order). */
function blocksOf(insns: Int32Array): Block[] {
  const n = insns.length / INSN_WORDS;
  const leader = new Uint8Array(n + 1);
  leader[0] = 1;
  for (let i = 0; i < n; i++) {
    const code = insns[i * INSN_WORDS];
    const cls = code & 0x07;
    if (cls === BPF_JMP) {
      if (code === (BPF_JMP | BPF_JA)) leader[i + 1 + (insns[i * INSN_WORDS + 3] >>> 0)] = 1;
      else {
        leader[i + 1 + insns[i * INSN_WORDS + 1]] = 1;
        leader[i + 1 + insns[i * INSN_WORDS + 2]] = 1;
      }
    }
    if (cls === BPF_JMP || cls === BPF_RET) leader[i + 1] = 1;
  }
  const blocks: Block[] = [];
  const blockAt = new Int32Array(n + 1).fill(-1);
  for (let i = 0; i < n; ) {
    let j = i;
    while (j + 1 < n && !leader[j + 1] && (insns[j * INSN_WORDS] & 0x07) !== BPF_JMP && (insns[j * INSN_WORDS] & 0x07) !== BPF_RET) j++;
    blockAt[i] = blocks.length;
    blocks.push({ start: i, end: j + 1, succ: [-1, -1], test: null, accepts: false });
    i = j + 1;
  }
  for (const b of blocks) {
    const last = b.end - 1;
    const code = insns[last * INSN_WORDS];
    const cls = code & 0x07;
    if (cls === BPF_RET) continue;
    if (cls !== BPF_JMP) {
      // Falls through into the next block.
      b.succ = [blockAt[b.end], blockAt[b.end]];
    } else if (code === (BPF_JMP | BPF_JA)) {
      const t = blockAt[last + 1 + (insns[last * INSN_WORDS + 3] >>> 0)];
      b.succ = [t, t];
    } else {
      b.succ = [blockAt[last + 1 + insns[last * INSN_WORDS + 1]], blockAt[last + 1 + insns[last * INSN_WORDS + 2]]];
    }
  }
  return blocks;
}

/** True when the program cannot return non-zero once libpcap's optimiser has threaded its jumps. */
export function rejectsAll(insns: Int32Array): boolean {
  const v = new Values();
  const blocks = blocksOf(insns);
  const nb = blocks.length;
  if (nb === 0) return false;

  /** Runs a block's statements from its entry registers; sets its test (or return) and returns its exit registers, or null if it divides by zero. */
  const evaluate = (bi: number, regs: Regs): Regs | null => {
    const b = blocks[bi];
    const r = regs.slice();
    b.test = null;
    b.accepts = false;
    for (let i = b.start; i < b.end; i++) {
      const code = insns[i * INSN_WORDS];
      const k = insns[i * INSN_WORDS + 3] >>> 0;
      switch (code & 0x07) {
        case BPF_RET:
          b.accepts = code === (BPF_RET | BPF_A) ? v.constant[r[A_ATOM]] !== 0 : k !== 0;
          return r;
        case BPF_LD:
        case BPF_LDX: {
          let val: number;
          switch (code & 0xe0) {
            case BPF_IMM:
              val = v.k(k);
              break;
            case BPF_ABS:
              val = v.of(`abs${code & 0x18}:${k}`);
              break;
            case BPF_IND:
              val = v.of(`ind${code & 0x18}:${k}:${r[X_ATOM]}`);
              break;
            case BPF_LEN:
              val = v.of('len');
              break;
            case BPF_MEM:
              val = r[k & 15];
              break;
            case BPF_MSH:
              val = v.of(`msh:${k}`);
              break;
            default:
              val = v.of(`unknown:${i}`);
          }
          r[(code & 0x07) === BPF_LD ? A_ATOM : X_ATOM] = val;
          break;
        }
        case BPF_ST:
          r[k & 15] = r[A_ATOM];
          break;
        case BPF_STX:
          r[k & 15] = r[X_ATOM];
          break;
        case BPF_MISC:
          if (code === (BPF_MISC | BPF_TAX)) r[X_ATOM] = r[A_ATOM];
          else if (code === (BPF_MISC | BPF_TXA)) r[A_ATOM] = r[X_ATOM];
          break;
        case BPF_ALU: {
          const op = code & 0xf0;
          const a = r[A_ATOM];
          if (op === BPF_NEG) {
            const c = v.constant[a];
            r[A_ATOM] = c !== undefined ? v.k(-c) : v.of(`neg:${a}`);
            break;
          }
          const operand = (code & BPF_X) !== 0 ? r[X_ATOM] : v.k(k);
          const ca = v.constant[a];
          const cb = v.constant[operand];
          if (cb === 0 && (op === BPF_DIV || op === BPF_MOD)) return null;
          if (ca !== undefined && cb !== undefined) {
            r[A_ATOM] = v.k(foldAlu(op, ca, cb)!);
          } else {
            const n = v.of(`alu${op}:${a}:${operand}`);
            v.made[n] = { op, a, b: operand };
            r[A_ATOM] = n;
          }
          break;
        }
        case BPF_JMP: {
          if (code === (BPF_JMP | BPF_JA)) return r;
          const op = code & 0xf0;
          let subject = r[A_ATOM];
          let operand = (code & BPF_X) !== 0 ? r[X_ATOM] : v.k(k);
          let negated = false;
          const made = v.made[subject];
          const kc = v.constant[operand];
          if (op === BPF_JEQ && made !== undefined && kc !== undefined) {
            const c = v.constant[made.b];
            if (made.op === BPF_SUB && c !== undefined) {
              // sub #c; jeq #k  ->  jeq #(k + c)
              subject = made.a;
              operand = v.k(kc + c);
            } else if (made.op === BPF_SUB && kc === 0) {
              // sub x; jeq #0  ->  jeq x
              subject = made.a;
              operand = made.b;
            } else if (made.op === BPF_AND && c !== undefined && kc === 0) {
              // and #c; jeq #0  ->  jset #c, branches swapped
              b.test = { subject: made.a, op: BPF_JSET, operand: made.b, negated: true };
              return r;
            }
          }
          b.test = { subject, op, operand, negated };
          return r;
        }
      }
    }
    return r;
  };

  for (let pass = 0; pass < PASS_LIMIT; pass++) {
    // Reachable blocks and their incoming edges (edge id: block * 2 + branch, 0 = true, 1 = false).
    const reached = new Uint8Array(nb);
    reached[0] = 1;
    const inEdges: number[][] = Array.from({ length: nb }, () => []);
    for (let bi = 0; bi < nb; bi++) {
      if (!reached[bi]) continue;
      const [t, f] = blocks[bi].succ;
      if (t < 0) continue;
      reached[t] = 1;
      reached[f] = 1;
      // Both edges even when they meet: then neither outcome of the test holds on the way in.
      inEdges[t].push(bi * 2);
      inEdges[f].push(bi * 2 + 1);
    }
    // Values on entry: what every predecessor agrees on, else a value known only to be itself (optimize.c's merge in opt_blk).
    const exit: (Regs | null)[] = new Array(nb).fill(null);
    const edomBlock: (Set<number> | null)[] = new Array(nb).fill(null);
    const edomEdge = (e: number): Set<number> => new Set([...edomBlock[e >> 1]!, e]);
    let accepting = false;
    for (let bi = 0; bi < nb; bi++) {
      if (!reached[bi]) continue;
      const preds = inEdges[bi].filter((e) => exit[e >> 1] !== null);
      let regs: Regs;
      if (bi === 0) {
        // The interpreter starts with zeros, but optimize.c assumes nothing about them (`byte 0 & 1 or ip` on raw IPv6 compiles).
        regs = Array.from({ length: BPF_MEMWORDS + 2 }, (_, a) => v.of(`entry:${a}`));
        edomBlock[bi] = new Set();
      } else if (preds.length === 0) {
        // Reached only through blocks that divide by zero: those paths return 0.
        continue;
      } else {
        regs = exit[preds[0] >> 1]!.slice();
        for (const e of preds.slice(1)) {
          const other = exit[e >> 1]!;
          for (let a = 0; a < regs.length; a++) if (regs[a] !== other[a]) regs[a] = v.of(`merge:${bi}:${a}`);
        }
        // Edges dominating this block: those dominating every edge into it.
        edomBlock[bi] = preds.map(edomEdge).reduce((a, b) => new Set([...a].filter((x) => b.has(x))));
      }
      exit[bi] = evaluate(bi, regs);
      if (exit[bi] !== null && blocks[bi].succ[0] < 0 && blocks[bi].accepts) accepting = true;
    }
    if (!accepting) return true;

    // opt_j: thread each edge past a test an edge dominating it has decided; constant tests decide themselves.
    let changed = false;
    const decided = (target: Block, e: number): boolean | null => {
      const t = target.test;
      if (t === null) return null;
      const a = v.constant[t.subject];
      const b = v.constant[t.operand];
      if (a !== undefined && b !== undefined) return compare(t.op, a, b) !== t.negated;
      for (const d of edomEdge(e)) {
        const dt = blocks[d >> 1].test;
        if (dt === null || dt.subject !== t.subject) continue;
        const sense = ((d & 1) === 0) !== dt.negated;
        if (dt.op === t.op && dt.operand === t.operand) return sense !== t.negated;
        // Equal to one constant, so unequal to any other (distinct constants have distinct value numbers).
        if (dt.op === BPF_JEQ && t.op === BPF_JEQ && sense && v.constant[dt.operand] !== undefined && b !== undefined) return t.negated;
      }
      return null;
    };
    for (let bi = 0; bi < nb; bi++) {
      if (!reached[bi] || exit[bi] === null) continue;
      const blk = blocks[bi];
      if (blk.succ[0] < 0) continue;
      const t = blk.test;
      if (t !== null && blk.succ[0] !== blk.succ[1]) {
        const a = v.constant[t.subject];
        const b = v.constant[t.operand];
        if (a !== undefined && b !== undefined) {
          // A test of constants (`1 = 2`, or gen_true's `ld #0; jeq #0`) always takes one branch.
          const next = blk.succ[compare(t.op, a, b) !== t.negated ? 0 : 1];
          blk.succ = [next, next];
          changed = true;
        }
      }
      for (const branch of [0, 1]) {
        const target = blocks[blk.succ[branch]];
        if (target.succ[0] < 0 || exit[blk.succ[branch]] === null) continue;
        // A test whose branches meet decides nothing: go straight past it.
        const known = target.succ[0] === target.succ[1] ? true : decided(target, bi * 2 + branch);
        if (known !== null) {
          blk.succ[branch] = target.succ[known ? 0 : 1];
          changed = true;
        }
      }
    }
    if (!changed) return false;
  }
  return false;
}
