/**
 * The one effect of libpcap's optimiser on which frames match, applied to
 * the unoptimised program. A load past the captured bytes rejects the
 * whole frame, so a load the optimiser deletes can turn a reject into a
 * match. gencode.c's masked comparisons load a word and AND it with the
 * mask; with a zero mask (`net 0.0.0.0/0`, the host part of `ip6 net
 * fe80::/10`) optimize.c folds `and #0` to the constant 0 and deletes the
 * now dead load, so a frame too short for that word still matches. The
 * same load is replaced here by `ld #0`: same value, same instruction
 * count, no packet access.
 *
 * (The optimiser's other rewrites keep every load a path performs, or
 * only skip loads the path has already made.)
 */
import { BPF_ABS, BPF_ALU, BPF_AND, BPF_IMM, BPF_K, BPF_LD, INSN_WORDS } from './opcodes';

/** Returns a copy of `insns` with loads whose value an `and #0` discards replaced by `ld #0`. */
export function dropDeadLoads(insns: Int32Array): Int32Array {
  const out = insns.slice();
  for (let i = 0; i + INSN_WORDS < out.length; i += INSN_WORDS) {
    const isAbsLoad = (out[i] & 0xe7) === (BPF_LD | BPF_ABS);
    const next = i + INSN_WORDS;
    if (isAbsLoad && out[next] === (BPF_ALU | BPF_AND | BPF_K) && out[next + 3] === 0) out.set([BPF_LD | BPF_IMM, 0, 0, 0], i);
  }
  return out;
}
