/**
 * Classic BPF as libpcap and the kernels define it (pcap/bpf.h): the opcode
 * bits, and the program representation this compiler, the interpreter and
 * the disassembler share.
 */

// Instruction classes.
export const BPF_LD = 0x00;
export const BPF_LDX = 0x01;
export const BPF_ST = 0x02;
export const BPF_STX = 0x03;
export const BPF_ALU = 0x04;
export const BPF_JMP = 0x05;
export const BPF_RET = 0x06;
export const BPF_MISC = 0x07;

// Load sizes.
export const BPF_W = 0x00;
export const BPF_H = 0x08;
export const BPF_B = 0x10;

// Load modes.
export const BPF_IMM = 0x00;
export const BPF_ABS = 0x20;
export const BPF_IND = 0x40;
export const BPF_MEM = 0x60;
export const BPF_LEN = 0x80;
export const BPF_MSH = 0xa0;

// ALU operations (BPF_MOD and BPF_XOR are the later additions libpcap 1.10 generates).
export const BPF_ADD = 0x00;
export const BPF_SUB = 0x10;
export const BPF_MUL = 0x20;
export const BPF_DIV = 0x30;
export const BPF_OR = 0x40;
export const BPF_AND = 0x50;
export const BPF_LSH = 0x60;
export const BPF_RSH = 0x70;
export const BPF_NEG = 0x80;
export const BPF_MOD = 0x90;
export const BPF_XOR = 0xa0;

// Jumps.
export const BPF_JA = 0x00;
export const BPF_JEQ = 0x10;
export const BPF_JGT = 0x20;
export const BPF_JGE = 0x30;
export const BPF_JSET = 0x40;

// Operand source (ALU, jumps) and return value source.
export const BPF_K = 0x00;
export const BPF_X = 0x08;
export const BPF_A = 0x10;

// Register transfers.
export const BPF_TAX = 0x00;
export const BPF_TXA = 0x80;

/** Scratch memory words (BPF_MEMWORDS). */
export const BPF_MEMWORDS = 16;

/** Words per instruction in BpfProgram.insns: code, jt, jf, k, as in struct bpf_insn. */
export const INSN_WORDS = 4;

/**
 * A compiled filter. `insns` holds INSN_WORDS words per instruction; jt and jf
 * are relative forward offsets as in struct bpf_insn, but not limited to
 * 8 bits (nothing here goes through a kernel), and k is stored as int32
 * (read it with `>>> 0`).
 */
export interface BpfProgram {
  /** LINKTYPE_* value the program was compiled for. */
  readonly linkType: number;
  readonly insns: Int32Array;
}

/** Number of instructions of a program. */
export function insnCount(p: BpfProgram): number {
  return p.insns.length / INSN_WORDS;
}

/**
 * Why a program cannot run safely, or null. Like the kernel's and libpcap's
 * bpf_validate: every jump lands inside the program and goes forward (so a
 * program always ends), every opcode is known, scratch indexes are in range,
 * the last instruction returns, and no constant divides by zero.
 */
export function validate(insns: Int32Array): string | null {
  const n = insns.length / INSN_WORDS;
  if (!Number.isInteger(n) || n === 0) return 'empty program';
  for (let i = 0; i < n; i++) {
    const code = insns[i * INSN_WORDS];
    const jt = insns[i * INSN_WORDS + 1];
    const jf = insns[i * INSN_WORDS + 2];
    const k = insns[i * INSN_WORDS + 3] >>> 0;
    const at = `instruction ${i}`;
    switch (code & 0x07) {
      case BPF_LD:
      case BPF_LDX: {
        const mode = code & 0xe0;
        if (mode === BPF_MEM && k >= BPF_MEMWORDS) return `${at}: scratch index ${k} out of range`;
        if (!KNOWN.has(code)) return `${at}: unknown opcode 0x${code.toString(16)}`;
        break;
      }
      case BPF_ST:
      case BPF_STX:
        if (k >= BPF_MEMWORDS) return `${at}: scratch index ${k} out of range`;
        if (!KNOWN.has(code)) return `${at}: unknown opcode 0x${code.toString(16)}`;
        break;
      case BPF_ALU:
        if (!KNOWN.has(code)) return `${at}: unknown opcode 0x${code.toString(16)}`;
        if ((code === (BPF_ALU | BPF_DIV | BPF_K) || code === (BPF_ALU | BPF_MOD | BPF_K)) && k === 0) return `${at}: division by zero`;
        break;
      case BPF_JMP:
        if (!KNOWN.has(code)) return `${at}: unknown opcode 0x${code.toString(16)}`;
        if (code === (BPF_JMP | BPF_JA)) {
          if (i + 1 + k >= n) return `${at}: jump out of the program`;
        } else if (jt < 0 || jf < 0 || i + 1 + jt >= n || i + 1 + jf >= n) {
          return `${at}: jump out of the program`;
        }
        break;
      case BPF_RET:
      case BPF_MISC:
        if (!KNOWN.has(code)) return `${at}: unknown opcode 0x${code.toString(16)}`;
        break;
    }
  }
  if ((insns[(n - 1) * INSN_WORDS] & 0x07) !== BPF_RET) return 'the last instruction does not return';
  return null;
}

/** Every opcode the interpreter runs. */
export const KNOWN: ReadonlySet<number> = new Set([
  BPF_LD | BPF_W | BPF_ABS, BPF_LD | BPF_H | BPF_ABS, BPF_LD | BPF_B | BPF_ABS,
  BPF_LD | BPF_W | BPF_IND, BPF_LD | BPF_H | BPF_IND, BPF_LD | BPF_B | BPF_IND,
  BPF_LD | BPF_W | BPF_LEN, BPF_LD | BPF_IMM, BPF_LD | BPF_MEM,
  BPF_LDX | BPF_W | BPF_IMM, BPF_LDX | BPF_W | BPF_MEM, BPF_LDX | BPF_W | BPF_LEN, BPF_LDX | BPF_B | BPF_MSH,
  BPF_ST, BPF_STX,
  ...[BPF_ADD, BPF_SUB, BPF_MUL, BPF_DIV, BPF_OR, BPF_AND, BPF_LSH, BPF_RSH, BPF_MOD, BPF_XOR].flatMap((op) => [BPF_ALU | op | BPF_K, BPF_ALU | op | BPF_X]),
  BPF_ALU | BPF_NEG,
  BPF_JMP | BPF_JA,
  ...[BPF_JEQ, BPF_JGT, BPF_JGE, BPF_JSET].flatMap((op) => [BPF_JMP | op | BPF_K, BPF_JMP | op | BPF_X]),
  BPF_RET | BPF_K, BPF_RET | BPF_A,
  BPF_MISC | BPF_TAX, BPF_MISC | BPF_TXA,
]);

/**
 * An ALU operation on two constants, as the interpreter computes it
 * (unsigned 32 bits, shifts of 32 or more give 0); null for a division or
 * modulus by zero, which makes the program return 0.
 */
export function foldAlu(op: number, a: number, b: number): number | null {
  switch (op) {
    case BPF_ADD:
      return (a + b) >>> 0;
    case BPF_SUB:
      return (a - b) >>> 0;
    case BPF_MUL:
      return Math.imul(a, b) >>> 0;
    case BPF_DIV:
      return b === 0 ? null : Math.floor(a / b);
    case BPF_MOD:
      return b === 0 ? null : a % b;
    case BPF_AND:
      return (a & b) >>> 0;
    case BPF_OR:
      return (a | b) >>> 0;
    case BPF_XOR:
      return (a ^ b) >>> 0;
    case BPF_LSH:
      return b < 32 ? (a << b) >>> 0 : 0;
    case BPF_RSH:
      return b < 32 ? a >>> b : 0;
    default:
      return null;
  }
}
