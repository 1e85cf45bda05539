/**
 * The classic BPF interpreter, with pcap_offline_filter's semantics
 * (libpcap's bpf_filter.c): a load past the captured bytes makes the whole
 * program return 0, `len` is the length on the wire, division or modulus by
 * zero returns 0 (as the kernel and libpcap 1.10 do), and a non-zero return
 * value means the frame matches.
 *
 * It runs on every frame of a file, so it allocates nothing: A and X are
 * kept as int32 and compared unsigned, the scratch memory is one array for
 * the module (a filter never runs re-entrantly), and loads assemble bytes
 * by hand rather than through a DataView.
 */
import {
  BPF_A, BPF_ABS, BPF_ADD, BPF_ALU, BPF_AND, BPF_B, BPF_DIV, BPF_H, BPF_IMM, BPF_IND, BPF_JA, BPF_JEQ, BPF_JGE, BPF_JGT,
  BPF_JMP, BPF_JSET, BPF_K, BPF_LD, BPF_LDX, BPF_LEN, BPF_LSH, BPF_MEM, BPF_MEMWORDS, BPF_MISC, BPF_MOD, BPF_MSH, BPF_MUL,
  BPF_NEG, BPF_OR, BPF_RET, BPF_RSH, BPF_ST, BPF_STX, BPF_SUB, BPF_TAX, BPF_TXA, BPF_W, BPF_X, BPF_XOR, INSN_WORDS,
  type BpfProgram,
} from './opcodes';

const mem = new Int32Array(BPF_MEMWORDS);

// Opcodes as constants the switch can compare against directly.
const LD_W_ABS = BPF_LD | BPF_W | BPF_ABS;
const LD_H_ABS = BPF_LD | BPF_H | BPF_ABS;
const LD_B_ABS = BPF_LD | BPF_B | BPF_ABS;
const LD_W_IND = BPF_LD | BPF_W | BPF_IND;
const LD_H_IND = BPF_LD | BPF_H | BPF_IND;
const LD_B_IND = BPF_LD | BPF_B | BPF_IND;
const LD_W_LEN = BPF_LD | BPF_W | BPF_LEN;
const LDX_W_LEN = BPF_LDX | BPF_W | BPF_LEN;
const LD_IMM = BPF_LD | BPF_IMM;
const LDX_IMM = BPF_LDX | BPF_IMM;
const LD_MEM = BPF_LD | BPF_MEM;
const LDX_MEM = BPF_LDX | BPF_MEM;
const LDX_MSH = BPF_LDX | BPF_B | BPF_MSH;
const ST = BPF_ST;
const STX = BPF_STX;
const JA = BPF_JMP | BPF_JA;
const JEQ_K = BPF_JMP | BPF_JEQ | BPF_K;
const JGT_K = BPF_JMP | BPF_JGT | BPF_K;
const JGE_K = BPF_JMP | BPF_JGE | BPF_K;
const JSET_K = BPF_JMP | BPF_JSET | BPF_K;
const JEQ_X = BPF_JMP | BPF_JEQ | BPF_X;
const JGT_X = BPF_JMP | BPF_JGT | BPF_X;
const JGE_X = BPF_JMP | BPF_JGE | BPF_X;
const JSET_X = BPF_JMP | BPF_JSET | BPF_X;
const ADD_K = BPF_ALU | BPF_ADD | BPF_K;
const SUB_K = BPF_ALU | BPF_SUB | BPF_K;
const MUL_K = BPF_ALU | BPF_MUL | BPF_K;
const DIV_K = BPF_ALU | BPF_DIV | BPF_K;
const MOD_K = BPF_ALU | BPF_MOD | BPF_K;
const AND_K = BPF_ALU | BPF_AND | BPF_K;
const OR_K = BPF_ALU | BPF_OR | BPF_K;
const XOR_K = BPF_ALU | BPF_XOR | BPF_K;
const LSH_K = BPF_ALU | BPF_LSH | BPF_K;
const RSH_K = BPF_ALU | BPF_RSH | BPF_K;
const ADD_X = BPF_ALU | BPF_ADD | BPF_X;
const SUB_X = BPF_ALU | BPF_SUB | BPF_X;
const MUL_X = BPF_ALU | BPF_MUL | BPF_X;
const DIV_X = BPF_ALU | BPF_DIV | BPF_X;
const MOD_X = BPF_ALU | BPF_MOD | BPF_X;
const AND_X = BPF_ALU | BPF_AND | BPF_X;
const OR_X = BPF_ALU | BPF_OR | BPF_X;
const XOR_X = BPF_ALU | BPF_XOR | BPF_X;
const LSH_X = BPF_ALU | BPF_LSH | BPF_X;
const RSH_X = BPF_ALU | BPF_RSH | BPF_X;
const NEG = BPF_ALU | BPF_NEG;
const RET_K = BPF_RET | BPF_K;
const RET_A = BPF_RET | BPF_A;
const TAX = BPF_MISC | BPF_TAX;
const TXA = BPF_MISC | BPF_TXA;

/**
 * Whether the frame `data[offset, offset + capLen)`, `origLen` bytes long on
 * the wire, passes the filter (pcap_offline_filter(3PCAP) returning non-zero).
 */
export function bpfMatch(p: BpfProgram, data: Uint8Array, offset: number, capLen: number, origLen: number): boolean {
  return bpfRun(p.insns, data, offset, capLen, origLen) !== 0;
}

/**
 * Runs a program and returns what it returns (the snapshot length to keep,
 * 0 to reject). Never throws: an unknown opcode or a jump out of the program
 * (neither comes out of the compiler or out of asm.ts, which validate) rejects.
 */
export function bpfRun(code: Int32Array, data: Uint8Array, offset: number, capLen: number, origLen: number): number {
  // The buffer may be shorter than the record claims (a damaged file): never read past either.
  const avail = data.length - offset;
  const buflen = capLen < avail ? capLen : avail > 0 ? avail : 0;
  const end = code.length;
  let A = 0;
  let X = 0;
  let pc = 0;
  mem.fill(0);
  for (;;) {
    if (pc >= end) return 0;
    const k = code[pc + 3];
    switch (code[pc]) {
      case RET_K:
        return k >>> 0;
      case RET_A:
        return A >>> 0;
      case LD_W_ABS: {
        const at = k >>> 0;
        if (at + 4 > buflen) return 0;
        const i = offset + at;
        A = (data[i] << 24) | (data[i + 1] << 16) | (data[i + 2] << 8) | data[i + 3];
        break;
      }
      case LD_H_ABS: {
        const at = k >>> 0;
        if (at + 2 > buflen) return 0;
        const i = offset + at;
        A = (data[i] << 8) | data[i + 1];
        break;
      }
      case LD_B_ABS: {
        const at = k >>> 0;
        if (at + 1 > buflen) return 0;
        A = data[offset + at];
        break;
      }
      case LD_W_IND: {
        // X + k in exact arithmetic: libpcap's checks reject exactly the loads that would wrap.
        const at = (X >>> 0) + (k >>> 0);
        if (at + 4 > buflen) return 0;
        const i = offset + at;
        A = (data[i] << 24) | (data[i + 1] << 16) | (data[i + 2] << 8) | data[i + 3];
        break;
      }
      case LD_H_IND: {
        const at = (X >>> 0) + (k >>> 0);
        if (at + 2 > buflen) return 0;
        const i = offset + at;
        A = (data[i] << 8) | data[i + 1];
        break;
      }
      case LD_B_IND: {
        const at = (X >>> 0) + (k >>> 0);
        if (at + 1 > buflen) return 0;
        A = data[offset + at];
        break;
      }
      case LD_W_LEN:
        A = origLen | 0;
        break;
      case LDX_W_LEN:
        X = origLen | 0;
        break;
      case LD_IMM:
        A = k;
        break;
      case LDX_IMM:
        X = k;
        break;
      case LD_MEM:
        A = mem[k & 15];
        break;
      case LDX_MEM:
        X = mem[k & 15];
        break;
      case LDX_MSH: {
        const at = k >>> 0;
        if (at + 1 > buflen) return 0;
        X = (data[offset + at] & 0xf) << 2;
        break;
      }
      case ST:
        mem[k & 15] = A;
        break;
      case STX:
        mem[k & 15] = X;
        break;
      case JA:
        pc += (k >>> 0) * INSN_WORDS;
        break;
      case JEQ_K:
        pc += (A === k ? code[pc + 1] : code[pc + 2]) * INSN_WORDS;
        break;
      case JGT_K:
        pc += ((A >>> 0) > (k >>> 0) ? code[pc + 1] : code[pc + 2]) * INSN_WORDS;
        break;
      case JGE_K:
        pc += ((A >>> 0) >= (k >>> 0) ? code[pc + 1] : code[pc + 2]) * INSN_WORDS;
        break;
      case JSET_K:
        pc += ((A & k) !== 0 ? code[pc + 1] : code[pc + 2]) * INSN_WORDS;
        break;
      case JEQ_X:
        pc += (A === X ? code[pc + 1] : code[pc + 2]) * INSN_WORDS;
        break;
      case JGT_X:
        pc += ((A >>> 0) > (X >>> 0) ? code[pc + 1] : code[pc + 2]) * INSN_WORDS;
        break;
      case JGE_X:
        pc += ((A >>> 0) >= (X >>> 0) ? code[pc + 1] : code[pc + 2]) * INSN_WORDS;
        break;
      case JSET_X:
        pc += ((A & X) !== 0 ? code[pc + 1] : code[pc + 2]) * INSN_WORDS;
        break;
      case ADD_K:
        A = (A + k) | 0;
        break;
      case SUB_K:
        A = (A - k) | 0;
        break;
      case MUL_K:
        A = Math.imul(A, k);
        break;
      case DIV_K:
        if (k === 0) return 0;
        A = ((A >>> 0) / (k >>> 0)) | 0;
        break;
      case MOD_K:
        if (k === 0) return 0;
        A = (A >>> 0) % (k >>> 0) | 0;
        break;
      case AND_K:
        A &= k;
        break;
      case OR_K:
        A |= k;
        break;
      case XOR_K:
        A ^= k;
        break;
      case LSH_K:
        // JavaScript shifts count modulo 32; BPF's defined result for 32 and more is 0.
        A = (k >>> 0) < 32 ? A << k : 0;
        break;
      case RSH_K:
        A = (k >>> 0) < 32 ? A >>> k : 0;
        break;
      case ADD_X:
        A = (A + X) | 0;
        break;
      case SUB_X:
        A = (A - X) | 0;
        break;
      case MUL_X:
        A = Math.imul(A, X);
        break;
      case DIV_X:
        if (X === 0) return 0;
        A = ((A >>> 0) / (X >>> 0)) | 0;
        break;
      case MOD_X:
        if (X === 0) return 0;
        A = (A >>> 0) % (X >>> 0) | 0;
        break;
      case AND_X:
        A &= X;
        break;
      case OR_X:
        A |= X;
        break;
      case XOR_X:
        A ^= X;
        break;
      case LSH_X:
        A = (X >>> 0) < 32 ? A << X : 0;
        break;
      case RSH_X:
        A = (X >>> 0) < 32 ? A >>> X : 0;
        break;
      case NEG:
        A = -A | 0;
        break;
      case TAX:
        X = A;
        break;
      case TXA:
        A = X;
        break;
      default:
        return 0;
    }
    pc += INSN_WORDS;
  }
}
