/**
 * libpcap's capture-filter language (pcap-filter(7)) compiled to classic
 * BPF in TypeScript, so a capture file can be filtered exactly as
 * `tcpdump -r FILE 'expression'` filters it: the `cap` module used for live
 * capture offers no pcap_compile. Frame for frame, the programs match what
 * libpcap 1.10's match (test/capture/bpf-differential.test.ts compares them
 * with tcpdump's own on real captures).
 *
 * The other modules' functions are bound here as plain constants rather
 * than re-exported: a re-export compiles to an accessor that slows every
 * call made through it (test/modules.test.ts), and bpfMatch runs per frame.
 */
import { disassemble as disassembleProgram } from './asm';
import { emit } from './cond';
import { BpfError as BpfErrorClass } from './errors';
import { dropDeadLoads } from './fold';
import { CodeGen, type GenOptions } from './gencode';
import { tokenize } from './lexer';
import { linkLayout } from './linktype';
import { INSN_WORDS, type BpfProgram as Program } from './opcodes';
import { parse } from './parser';
import { rejectsAll } from './reject';
import { bpfMatch as match } from './vm';

export type BpfProgram = Program;
export type BpfError = BpfErrorClass;
export const BpfError = BpfErrorClass;
/**
 * `optimize` is pcap_compile's flag. true (the default, what tcpdump and
 * dumpcap use): the matches of libpcap's optimised program, and the
 * optimiser's refusals (a filter that can match nothing, a constant
 * divisor of zero). false: exactly the program pcap_compile builds
 * without optimising (`tcpdump -O -d`), for tests and debugging.
 */
export type CompileOptions = GenOptions;

/** Linux's BPF_MAXINSNS: the longest program the kernel runs, and the longest checked for matching nothing. */
const MAX_ANALYSED = 4096;

/** What a matching packet's program returns: libpcap's default snapshot length (262144), as tcpdump -d shows. */
const SNAPLEN = 262144;

/**
 * Compiles a capture filter for frames of link type `linkType` (LINKTYPE_*).
 * An empty or blank expression matches every frame, on any link type.
 * Throws BpfError: a syntax error, a name that cannot be resolved, a test
 * the link type cannot express, an unsupported link type, or (as libpcap's
 * optimiser reports it, unless `optimize: false`) an expression that can
 * match nothing.
 */
export function compileFilter(expr: string, linkType: number, opts: CompileOptions = {}): BpfProgram {
  try {
    return compile(expr, linkType, opts);
  } catch (e) {
    // The parser and the code generator recurse as deep as the expression nests ('((((tcp))))',
    // 'not not ... tcp', a chain of thousands of 'or'): past the stack, one line, never a trace.
    if (e instanceof RangeError && /call stack/.test(e.message)) {
      throw new BpfErrorClass(`expression nested too deeply or too long to compile (${expr.length} characters)`, 0);
    }
    throw e;
  }
}

function compile(expr: string, linkType: number, opts: CompileOptions): BpfProgram {
  const ast = parse(tokenize(expr));
  if (ast === null) return { linkType, insns: emit(null, SNAPLEN) };
  const layout = linkLayout(linkType);
  if (layout === null) throw new BpfErrorClass(`capture filters are not supported on link type ${linkType}`, 0);
  const raw = emit(new CodeGen(layout, opts).expr(ast), SNAPLEN);
  if (opts.optimize === false) return { linkType, insns: raw };
  const insns = dropDeadLoads(raw);
  // The reachability analysis grows faster than the program (4 GB for a 3,000-term 'or'); libpcap's
  // optimiser takes seconds there too. Beyond the kernel's BPF_MAXINSNS it is not run: such a
  // filter is kept even if it could match nothing.
  if (insns.length <= MAX_ANALYSED * INSN_WORDS && rejectsAll(insns)) throw new BpfErrorClass('expression rejects all packets', 0);
  return { linkType, insns };
}

/** Whether a frame passes (pcap_offline_filter): see vm.ts. Allocation-free; call it per frame. */
export const bpfMatch: (p: BpfProgram, data: Uint8Array, offset: number, capLen: number, origLen: number) => boolean = match;

/** The program in `tcpdump -d` format. */
export const disassemble: (p: BpfProgram) => string = disassembleProgram;
