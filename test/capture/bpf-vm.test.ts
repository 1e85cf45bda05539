/**
 * The classic BPF interpreter on hand-written programs (tcpdump -d text,
 * assembled by asm.ts): pcap_offline_filter's rules for loads past the
 * captured bytes, `len`, division by zero and shifts, and that no bytes
 * and no program asm.ts accepts can make it throw.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { assemble, disassemble } from '../../src/capture/bpf/asm';
import { INSN_WORDS, validate } from '../../src/capture/bpf/opcodes';
import { bpfMatch, bpfRun } from '../../src/capture/bpf/vm';

const prog = (text: string) => assemble(text.trim().split('\n').map((l) => l.trim()).join('\n'), 1);
const run = (text: string, bytes: number[], origLen = bytes.length, capLen = bytes.length) =>
  bpfRun(prog(text).insns, Uint8Array.from(bytes), 0, capLen, origLen);

describe('the BPF interpreter', () => {
  it('loads big-endian words, halves and bytes at absolute and indexed offsets', () => {
    const bytes = [0x12, 0x34, 0x56, 0x78, 0x9a];
    expect(run('(000) ld       [1]\n(001) ret      a', bytes)).toBe(0x3456789a);
    expect(run('(000) ldh      [3]\n(001) ret      a', bytes)).toBe(0x789a);
    expect(run('(000) ldb      [4]\n(001) ret      a', bytes)).toBe(0x9a);
    expect(run('(000) ldx      #0x2\n(001) ldh      [x + 1]\n(002) ret      a', bytes)).toBe(0x789a);
    // ldxb 4*([k]&0xf): the IPv4 header length idiom.
    expect(run('(000) ldxb     4*([0]&0xf)\n(001) txa      \n(002) ret      a', [0x45])).toBe(20);
  });

  it('rejects the whole packet when a load passes the captured bytes, even where the wire length covers it', () => {
    const text = '(000) ldh      [12]\n(001) jeq      #0x800           jt 2\tjf 3\n(002) ret      #262144\n(003) ret      #0';
    const frame = new Array(14).fill(0);
    frame[12] = 0x08;
    expect(run(text, frame)).toBe(262144);
    expect(run(text, frame, 1514, 13)).toBe(0);
    // A negated test does not turn a failed load into a match: the program returns 0 at the load.
    const negated = '(000) ld       [100]\n(001) jeq      #0x1             jt 2\tjf 3\n(002) ret      #0\n(003) ret      #1';
    expect(run(negated, frame)).toBe(0);
    expect(run('(000) ldxb     4*([20]&0xf)\n(001) ret      #1', frame)).toBe(0);
    expect(run('(000) ldx      #0xffffffff\n(001) ldb      [x + 1]\n(002) ret      #1', frame)).toBe(0);
  });

  it('reads len as the length on the wire, not the captured length', () => {
    expect(run('(000) ld       #pktlen\n(001) ret      a', [1, 2, 3], 1500, 3)).toBe(1500);
  });

  it('returns 0 on division or modulus by a zero X, as bpf_filter does', () => {
    const div = (op: string) => `(000) ld       #0x10\n(001) ldx      #0x0\n(002) ${op.padEnd(8)} x\n(003) ret      #1`;
    expect(run(div('div'), [])).toBe(0);
    expect(run(div('mod'), [])).toBe(0);
    expect(run('(000) ld       #0x10\n(001) ldx      #0x3\n(002) div      x\n(003) ret      a', [])).toBe(5);
    expect(run('(000) ld       #0x10\n(001) ldx      #0x3\n(002) mod      x\n(003) ret      a', [])).toBe(1);
  });

  it('computes in unsigned 32 bits, with shifts of 32 and more giving 0', () => {
    expect(run('(000) ld       #0xffffffff\n(001) add      #2\n(002) ret      a', [])).toBe(1);
    expect(run('(000) ld       #0x1\n(001) neg      \n(002) ret      a', [])).toBe(0xffffffff);
    expect(run('(000) ld       #0x80000000\n(001) rsh      #31\n(002) ret      a', [])).toBe(1);
    expect(run('(000) ld       #0x1\n(001) ldx      #0x20\n(002) lsh      x\n(003) ret      a', [])).toBe(0);
    expect(run('(000) ld       #0xf0f0\n(001) xor      #0xff\n(002) ret      a', [])).toBe(0xf00f);
    // Comparisons are unsigned: 0x80000000 > 1.
    expect(run('(000) ld       #0x80000000\n(001) jgt      #0x1             jt 2\tjf 3\n(002) ret      #1\n(003) ret      #0', [])).toBe(1);
  });

  it('keeps scratch memory, and jumps with ja and jset', () => {
    const text = `(000) ld       #0x7
      (001) st       M[3]
      (002) ld       #0x0
      (003) ldx      M[3]
      (004) txa      
      (005) jset     #0x4             jt 6\tjf 7
      (006) ja       8
      (007) ret      #0
      (008) ret      a`;
    expect(run(text, [])).toBe(7);
  });

  it('uses the frame at its offset in a larger buffer, and never reads past the buffer', () => {
    const p = prog('(000) ldb      [1]\n(001) ret      a');
    const buf = Uint8Array.from([9, 9, 0xaa, 0xbb]);
    expect(bpfRun(p.insns, buf, 2, 2, 2)).toBe(0xbb);
    // capLen claims more than the buffer holds (a damaged record): the load fails instead.
    expect(bpfRun(p.insns, buf, 3, 10, 10)).toBe(0);
    expect(bpfMatch(p, buf, 2, 2, 2)).toBe(true);
  });

  it('prints what it parses (tcpdump -d round trip)', () => {
    const text = [
      '(000) ldh      [12]',
      '(001) jeq      #0x800           jt 2\tjf 9',
      '(002) ldxb     4*([14]&0xf)',
      '(003) ldh      [x + 16]',
      '(004) st       M[0]',
      '(005) ld       #pktlen',
      '(006) and      #0xff',
      '(007) sub      #20',
      '(008) jgt      x                jt 9\tjf 10',
      '(009) ret      #0',
      '(010) ret      #262144',
      '',
    ].join('\n');
    expect(disassemble(assemble(text, 1))).toBe(text);
  });

  it('refuses programs that could loop or run off the end', () => {
    expect(() => assemble('(000) ja       0', 1)).toThrow(/jump out of the program|does not return/);
    expect(() => assemble('(000) ld       #0x1', 1)).toThrow(/does not return/);
    expect(() => assemble('(000) ld       M[16]\n(001) ret      a', 1)).toThrow(/scratch index/);
    expect(() => assemble('(000) div      #0\n(001) ret      a', 1)).toThrow(/division by zero/);
    expect(() => assemble('(000) frob     #1', 1)).toThrow(/unknown instruction/);
  });

  it('never throws, whatever the bytes and lengths', () => {
    const p = prog(`(000) ldxb     4*([14]&0xf)
      (001) ldh      [x + 16]
      (002) ld       [x + 200]
      (003) ldb      [4000000000]
      (004) ret      a`);
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), fc.nat(400), fc.nat(70000), fc.nat(300), (bytes, capLen, origLen, offset) => {
        expect(() => bpfRun(p.insns, bytes, offset, capLen, origLen)).not.toThrow();
      }),
      { numRuns: 500 },
    );
  });

  it('never throws or hangs on any valid program', () => {
    // Random instruction words that pass validation, run on random bytes.
    const word = fc.tuple(fc.constantFrom(0x00, 0x28, 0x30, 0x40, 0x48, 0x50, 0x80, 0x01, 0x61, 0xb1, 0x02, 0x03, 0x04, 0x0c, 0x34, 0x3c, 0x94, 0x9c, 0x84,
      0x05, 0x15, 0x1d, 0x25, 0x35, 0x45, 0x06, 0x16, 0x07, 0x87), fc.nat(3), fc.nat(3), fc.oneof(fc.nat(20), fc.integer()));
    fc.assert(
      fc.property(fc.array(word, { minLength: 1, maxLength: 30 }), fc.uint8Array({ maxLength: 64 }), (ws, bytes) => {
        const insns = Int32Array.from([...ws.flat(), 0x06, 0, 0, 1]);
        if (validate(insns) !== null) return;
        expect(insns.length % INSN_WORDS).toBe(0);
        expect(() => bpfRun(insns, bytes, 0, bytes.length, bytes.length)).not.toThrow();
      }),
      { numRuns: 2000 },
    );
  });
});
