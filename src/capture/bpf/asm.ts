/**
 * The text form `tcpdump -d` and `dumpcap -d` print (libpcap's bpf_image):
 * printing it lets a program be read and compared with libpcap's, and
 * parsing it lets the tests run libpcap's own programs in the interpreter.
 */
import {
  BPF_A, BPF_ABS, BPF_ADD, BPF_ALU, BPF_AND, BPF_B, BPF_DIV, BPF_H, BPF_IMM, BPF_IND, BPF_JA, BPF_JEQ, BPF_JGE, BPF_JGT,
  BPF_JMP, BPF_JSET, BPF_K, BPF_LD, BPF_LDX, BPF_LEN, BPF_LSH, BPF_MEM, BPF_MISC, BPF_MOD, BPF_MSH, BPF_MUL, BPF_NEG,
  BPF_OR, BPF_RET, BPF_RSH, BPF_ST, BPF_STX, BPF_SUB, BPF_TAX, BPF_TXA, BPF_W, BPF_X, BPF_XOR, INSN_WORDS, validate,
  type BpfProgram,
} from './opcodes';

const ALU_NAMES: ReadonlyArray<readonly [number, string]> = [
  [BPF_ADD, 'add'], [BPF_SUB, 'sub'], [BPF_MUL, 'mul'], [BPF_DIV, 'div'], [BPF_MOD, 'mod'],
  [BPF_AND, 'and'], [BPF_OR, 'or'], [BPF_XOR, 'xor'], [BPF_LSH, 'lsh'], [BPF_RSH, 'rsh'],
];
const JMP_NAMES: ReadonlyArray<readonly [number, string]> = [[BPF_JEQ, 'jeq'], [BPF_JGT, 'jgt'], [BPF_JGE, 'jge'], [BPF_JSET, 'jset']];
/** bpf_image prints the operands of and, or and xor in hex, the others in decimal. */
const HEX_ALU = new Set([BPF_AND, BPF_OR, BPF_XOR]);
const SIZE_SUFFIX: Record<number, string> = { [BPF_W]: '', [BPF_H]: 'h', [BPF_B]: 'b' };

/** One instruction as bpf_image prints it: mnemonic and operand. */
function image(code: number, k: number, n: number): [string, string] {
  const ku = k >>> 0;
  const hex = `#0x${ku.toString(16)}`;
  switch (code & 0x07) {
    case BPF_RET:
      return code === (BPF_RET | BPF_A) ? ['ret', 'a'] : ['ret', `#${ku}`];
    case BPF_LD:
    case BPF_LDX: {
      const x = (code & 0x07) === BPF_LDX;
      const size = code & 0x18;
      switch (code & 0xe0) {
        case BPF_ABS:
          return [`ld${SIZE_SUFFIX[size] ?? '?'}`, `[${ku}]`];
        case BPF_IND:
          return [`ld${SIZE_SUFFIX[size] ?? '?'}`, `[x + ${ku}]`];
        case BPF_LEN:
          return [x ? 'ldx' : 'ld', '#pktlen'];
        case BPF_IMM:
          return [x ? 'ldx' : 'ld', hex];
        case BPF_MEM:
          return [x ? 'ldx' : 'ld', `M[${ku}]`];
        case BPF_MSH:
          return ['ldxb', `4*([${ku}]&0xf)`];
      }
      break;
    }
    case BPF_ST:
      return ['st', `M[${ku}]`];
    case BPF_STX:
      return ['stx', `M[${ku}]`];
    case BPF_ALU: {
      if (code === (BPF_ALU | BPF_NEG)) return ['neg', ''];
      const op = code & 0xf0;
      const name = ALU_NAMES.find(([o]) => o === op)?.[1];
      if (name === undefined) break;
      if ((code & BPF_X) !== 0) return [name, 'x'];
      return [name, HEX_ALU.has(op) ? hex : `#${ku}`];
    }
    case BPF_JMP: {
      if (code === (BPF_JMP | BPF_JA)) return ['ja', `${n + 1 + ku}`];
      const name = JMP_NAMES.find(([o]) => o === (code & 0xf0))?.[1];
      if (name === undefined) break;
      return [name, (code & BPF_X) !== 0 ? 'x' : hex];
    }
    case BPF_MISC:
      if (code === (BPF_MISC | BPF_TAX)) return ['tax', ''];
      if (code === (BPF_MISC | BPF_TXA)) return ['txa', ''];
      break;
  }
  return ['unimp', `0x${code.toString(16)}`];
}

/** The program as `tcpdump -d` prints it, one instruction per line, each line ending in a newline. */
export function disassemble(p: BpfProgram): string {
  const insns = p.insns;
  let out = '';
  for (let n = 0; n < insns.length / INSN_WORDS; n++) {
    const code = insns[n * INSN_WORDS];
    const [op, operand] = image(code, insns[n * INSN_WORDS + 3], n);
    const idx = `(${String(n).padStart(3, '0')}) `;
    if ((code & 0x07) === BPF_JMP && code !== (BPF_JMP | BPF_JA)) {
      const jt = n + 1 + insns[n * INSN_WORDS + 1];
      const jf = n + 1 + insns[n * INSN_WORDS + 2];
      out += `${idx}${op.padEnd(8)} ${operand.padEnd(16)} jt ${jt}\tjf ${jf}\n`;
    } else {
      out += `${idx}${op.padEnd(8)} ${operand}\n`;
    }
  }
  return out;
}

/** Mnemonic + operand shape → opcode, for parsing. */
function encode(op: string, operand: string): { code: number; k: number } | null {
  let m: RegExpMatchArray | null;
  const ld = /^ld(x?)([hb]?)$/.exec(op);
  if (op === 'ldxb' && (m = /^4\*\(\[(\d+)\]&0xf\)$/.exec(operand))) return { code: BPF_LDX | BPF_B | BPF_MSH, k: Number(m[1]) };
  if (ld) {
    const cls = ld[1] === 'x' ? BPF_LDX : BPF_LD;
    const size = ld[2] === 'h' ? BPF_H : ld[2] === 'b' ? BPF_B : BPF_W;
    if ((m = /^\[(\d+)\]$/.exec(operand)) && cls === BPF_LD) return { code: BPF_LD | size | BPF_ABS, k: Number(m[1]) };
    if ((m = /^\[x \+ (\d+)\]$/.exec(operand)) && cls === BPF_LD) return { code: BPF_LD | size | BPF_IND, k: Number(m[1]) };
    if (size !== BPF_W) return null;
    if (operand === '#pktlen') return { code: cls | BPF_W | BPF_LEN, k: 0 };
    if ((m = /^#(0x[0-9a-f]+)$/.exec(operand))) return { code: cls | BPF_IMM, k: Number(m[1]) };
    if ((m = /^M\[(\d+)\]$/.exec(operand))) return { code: cls | BPF_MEM, k: Number(m[1]) };
    return null;
  }
  if ((op === 'st' || op === 'stx') && (m = /^M\[(\d+)\]$/.exec(operand))) return { code: op === 'st' ? BPF_ST : BPF_STX, k: Number(m[1]) };
  if (op === 'ret') {
    if (operand === 'a' || operand === '') return { code: BPF_RET | BPF_A, k: 0 };
    if ((m = /^#(\d+)$/.exec(operand))) return { code: BPF_RET | BPF_K, k: Number(m[1]) };
    return null;
  }
  if (op === 'neg' && operand === '') return { code: BPF_ALU | BPF_NEG, k: 0 };
  if (op === 'tax' && operand === '') return { code: BPF_MISC | BPF_TAX, k: 0 };
  if (op === 'txa' && operand === '') return { code: BPF_MISC | BPF_TXA, k: 0 };
  const alu = ALU_NAMES.find(([, name]) => name === op);
  if (alu !== undefined) {
    if (operand === 'x') return { code: BPF_ALU | alu[0] | BPF_X, k: 0 };
    if ((m = /^#(0x[0-9a-f]+|-?\d+)$/.exec(operand))) return { code: BPF_ALU | alu[0] | BPF_K, k: Number(m[1]) };
    return null;
  }
  const jmp = JMP_NAMES.find(([, name]) => name === op);
  if (jmp !== undefined) {
    if (operand === 'x') return { code: BPF_JMP | jmp[0] | BPF_X, k: 0 };
    if ((m = /^#(0x[0-9a-f]+)$/.exec(operand))) return { code: BPF_JMP | jmp[0] | BPF_K, k: Number(m[1]) };
  }
  return null;
}

const LINE = /^\((\d+)\) (\S+) *(.*?)(?: +jt (\d+)\tjf (\d+))?\s*$/;

/**
 * Parses `tcpdump -d` output back into a program. Throws an Error naming the
 * line for anything else, and for a program that would not run safely.
 */
export function assemble(text: string, linkType: number): BpfProgram {
  const lines = text.split('\n').filter((l) => l.trim() !== '');
  const insns = new Int32Array(lines.length * INSN_WORDS);
  lines.forEach((line, n) => {
    const m = LINE.exec(line);
    if (m === null || Number(m[1]) !== n) throw new Error(`line ${n + 1}: not a BPF instruction: ${line}`);
    const op = m[2];
    const operand = m[3].trim();
    let code: number;
    let k: number;
    let jt = 0;
    let jf = 0;
    if (op === 'ja') {
      code = BPF_JMP | BPF_JA;
      k = Number(operand) - n - 1;
    } else {
      const e = encode(op, operand);
      if (e === null) throw new Error(`line ${n + 1}: unknown instruction: ${line}`);
      ({ code, k } = e);
      if ((code & 0x07) === BPF_JMP) {
        if (m[4] === undefined) throw new Error(`line ${n + 1}: jump without targets: ${line}`);
        jt = Number(m[4]) - n - 1;
        jf = Number(m[5]) - n - 1;
      }
    }
    insns.set([code, jt, jf, k | 0], n * INSN_WORDS);
  });
  const why = validate(insns);
  if (why !== null) throw new Error(`invalid program: ${why}`);
  return { linkType, insns };
}

