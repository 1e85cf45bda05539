/**
 * The analysis' two per-byte jobs: counting line feeds (the lines framing
 * counts the messages of every data segment, and a chat or HTTP-like stream
 * has a line feed every few dozen bytes), and counting control bytes
 * (framing detection: is a direction's start text?).
 *
 * Buffer.indexOf is a native memchr, but it is one call per line feed (about
 * 25 ns each: half a second for the 12 M lines of the 2 M-frame benchmark),
 * and a JavaScript loop over bytes costs V8 some 25 instructions a byte
 * (bounds, map and tag checks it does not hoist out of the loop). Here the
 * bytes are counted 16 at a time with SIMD by a WebAssembly module. The
 * module's memory is the capture's read arena (capture/arena.ts): frames read
 * into it are counted where they lie; other bytes are first copied into the
 * arena's scratch page. Where WebAssembly or its SIMD is not available (node
 * --jitless, an old CPU), plain loops do the same counts.
 *
 * The module, in WebAssembly text (the bytes below are its encoding):
 *
 *   (module
 *     (import "arena" "mem" (memory 1))
 *     (func (export "lineFeeds") (param $p i32) (param $n i32) (result i32)
 *       (local $acc i32) (local $end16 i32) (local $stop i32) (local $rem i32) (local $v v128) (local $lf v128)
 *       (local.set $lf (i8x16.splat (i32.const 10)))
 *       (local.set $end16 (i32.add (local.get $p) (i32.and (local.get $n) (i32.const -16))))
 *       (block (loop                                        ;; rounds of at most 255 x 16 bytes
 *         (br_if 1 (i32.ge_u (local.get $p) (local.get $end16)))
 *         (local.set $stop (select (local.get $end16) (local.tee $stop (i32.add (local.get $p) (i32.const 4080)))
 *                                  (i32.lt_u (local.get $end16) (local.get $stop))))
 *         (local.set $v (v128.const i64x2 0 0))
 *         (loop                                             ;; a byte lane counts its line feeds (-1 each)
 *           (local.set $v (i8x16.sub (local.get $v) (i8x16.eq (v128.load align=1 (local.get $p)) (local.get $lf))))
 *           (br_if 0 (i32.lt_u (local.tee $p (i32.add (local.get $p) (i32.const 16))) (local.get $stop))))
 *         (local.set $acc (i32.add (local.get $acc) (i32.add (i32.add
 *           (i32x4.extract_lane 0 (local.tee $v (i32x4.extadd_pairwise_i16x8_u (i16x8.extadd_pairwise_i8x16_u (local.get $v)))))
 *           (i32x4.extract_lane 1 (local.get $v))) (i32.add (i32x4.extract_lane 2 (local.get $v)) (i32x4.extract_lane 3 (local.get $v))))))
 *         (br 0)))
 *       (if (i32.eqz (local.tee $rem (i32.and (local.get $n) (i32.const 15)))) (then (return (local.get $acc))))
 *       (if (i32.le_u (i32.add (local.get $p) (i32.const 16)) (i32.shl (memory.size) (i32.const 16)))
 *         (then                                             ;; the last 1-15 bytes: one load, lanes beyond masked off
 *           (return (i32.add (local.get $acc) (i32.popcnt (i32.and
 *             (i8x16.bitmask (i8x16.eq (v128.load align=1 (local.get $p)) (local.get $lf)))
 *             (i32.sub (i32.shl (i32.const 1) (local.get $rem)) (i32.const 1))))))))
 *       (local.set $stop (i32.add (local.get $p) (local.get $rem)))
 *       (block (loop                                        ;; at the very end of the memory: a byte at a time
 *         (br_if 1 (i32.ge_u (local.get $p) (local.get $stop)))
 *         (local.set $acc (i32.add (local.get $acc) (i32.eq (i32.load8_u (local.get $p)) (i32.const 10))))
 *         (local.set $p (i32.add (local.get $p) (i32.const 1)))
 *         (br 0)))
 *       (local.get $acc))
 *     ;; Control bytes: below 0x20 but tab, LF and CR, and DEL (0x7f).
 *     (func (export "controls") (param $p i32) (param $n i32) (result i32)
 *       (local $acc i32) (local $end16 i32) (local $end i32) (local $c i32) (local $v v128)
 *       ... $end16, $end as above ...
 *       (block (loop
 *         (br_if 1 (i32.ge_u (local.get $p) (local.get $end16)))
 *         (local.set $v (v128.load align=1 (local.get $p)))
 *         (local.set $acc (i32.add (local.get $acc) (i32.popcnt (i8x16.bitmask
 *           (v128.or
 *             (v128.andnot (i8x16.lt_u (local.get $v) (i8x16.splat (i32.const 0x20)))
 *               (v128.or (v128.or (i8x16.eq (local.get $v) (i8x16.splat (i32.const 9)))
 *                                 (i8x16.eq (local.get $v) (i8x16.splat (i32.const 10))))
 *                        (i8x16.eq (local.get $v) (i8x16.splat (i32.const 13)))))
 *             (i8x16.eq (local.get $v) (i8x16.splat (i32.const 0x7f))))))))
 *         (local.set $p (i32.add (local.get $p) (i32.const 16)))
 *         (br 0)))
 *       (block (loop
 *         (br_if 1 (i32.ge_u (local.get $p) (local.get $end)))
 *         (local.set $c (i32.load8_u (local.get $p)))
 *         (local.set $acc (i32.add (local.get $acc) (i32.or
 *           (i32.and (i32.and (i32.and (i32.lt_u (local.get $c) (i32.const 0x20)) (i32.ne (local.get $c) (i32.const 9)))
 *                             (i32.ne (local.get $c) (i32.const 10))) (i32.ne (local.get $c) (i32.const 13)))
 *           (i32.eq (local.get $c) (i32.const 0x7f)))))
 *         (local.set $p (i32.add (local.get $p) (i32.const 1)))
 *         (br 0)))
 *       (local.get $acc)))
 */

import { arenaBuffer, arenaMemory, SCRATCH_BYTES } from '../capture/arena';

/** The controls prologue: $end16 (local 3) and $end (local 4) from $p and $n. */
const ENDS = [0x20, 0, 0x20, 1, 0x41, 0x70, 0x71, 0x6a, 0x21, 3, 0x20, 0, 0x20, 1, 0x6a, 0x21, 4];
/** i8x16.splat of an i32 constant (one-byte signed LEB: constants below 0x40). */
const splat = (c: number): number[] => [0x41, c, 0xfd, 0x0f];

// Line feeds: each 16-byte step is a load, a compare and a subtract into byte-lane counters, summed
// once per 4080 bytes (a lane holds 255), where a bitmask and popcnt a step cost twice as many
// instructions; and the tail is one masked load, not up to 15 byte steps (about 140 instructions a
// frame of the 2 M-frame benchmark). Locals: 2 $acc, 3 $end16, 4 $stop, 5 $rem (i32), 6 $v, 7 $lf (v128).
const LINE_FEEDS = [
  0x02, 0x04, 0x7f, 0x02, 0x7b, // locals: 4 x i32, 2 x v128
  ...splat(0x0a), 0x21, 7, // $lf
  0x20, 0, 0x20, 1, 0x41, 0x70, 0x71, 0x6a, 0x21, 3, // $end16
  0x02, 0x40, 0x03, 0x40, // block, loop (rounds)
  0x20, 0, 0x20, 3, 0x4f, 0x0d, 1, // br_if 1 ($p >= $end16)
  0x20, 3, 0x20, 0, 0x41, 0xf0, 0x1f, 0x6a, 0x22, 4, 0x20, 3, 0x20, 4, 0x49, 0x1b, 0x21, 4, // $stop = min($end16, $p + 4080)
  0xfd, 0x0c, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x21, 6, // $v = 0
  0x03, 0x40, // loop (steps)
  0x20, 6, 0x20, 0, 0xfd, 0x00, 0x00, 0x00, 0x20, 7, 0xfd, 0x23, 0xfd, 0x71, 0x21, 6, // $v -= (load($p) == $lf)
  0x20, 0, 0x41, 0x10, 0x6a, 0x22, 0, 0x20, 4, 0x49, 0x0d, 0, // br_if 0 (($p += 16) < $stop)
  0x0b,
  0x20, 2, 0x20, 6, 0xfd, 0x7d, 0xfd, 0x7f, 0x22, 6, // $acc, $v = lanes summed pairwise twice (i32x4)
  0xfd, 0x1b, 0, 0x20, 6, 0xfd, 0x1b, 1, 0x6a, 0x20, 6, 0xfd, 0x1b, 2, 0x6a, 0x20, 6, 0xfd, 0x1b, 3, 0x6a, 0x6a, 0x21, 2, // $acc += the 4 lanes
  0x0c, 0, // br 0
  0x0b, 0x0b, // end loop, end block
  0x20, 1, 0x41, 0x0f, 0x71, 0x22, 5, 0x45, 0x04, 0x40, 0x20, 2, 0x0f, 0x0b, // if !($rem = $n & 15) return $acc
  0x20, 0, 0x41, 0x10, 0x6a, 0x3f, 0x00, 0x41, 0x10, 0x74, 0x4d, 0x04, 0x40, // if ($p + 16 <= memory.size << 16)
  0x20, 2, 0x20, 0, 0xfd, 0x00, 0x00, 0x00, 0x20, 7, 0xfd, 0x23, 0xfd, 0x64, // $acc, bitmask(load($p) == $lf)
  0x41, 1, 0x20, 5, 0x74, 0x41, 1, 0x6b, 0x71, 0x69, 0x6a, 0x0f, // & ((1 << $rem) - 1), popcnt, add, return
  0x0b,
  0x20, 0, 0x20, 5, 0x6a, 0x21, 4, // $stop = $p + $rem
  0x02, 0x40, 0x03, 0x40,
  0x20, 0, 0x20, 4, 0x4f, 0x0d, 1, // br_if 1 ($p >= $stop)
  0x20, 2, 0x20, 0, 0x2d, 0x00, 0x00, 0x41, 0x0a, 0x46, 0x6a, 0x21, 2, // $acc += (load8_u($p) == 10)
  0x20, 0, 0x41, 0x01, 0x6a, 0x21, 0, 0x0c, 0, // $p += 1, br 0
  0x0b, 0x0b,
  0x20, 2, 0x0b, // $acc, end
];

const vEq = (c: number): number[] => [0x20, 6, ...splat(c), 0xfd, 0x23];
const cNe = (c: number): number[] => [0x20, 5, 0x41, c, 0x47, 0x71]; // && $c != c
const CONTROLS = [
  0x02, 0x04, 0x7f, 0x01, 0x7b, // locals: 4 x i32 ($acc, $end16, $end, $c), 1 x v128 ($v)
  ...ENDS,
  0x02, 0x40, 0x03, 0x40,
  0x20, 0, 0x20, 3, 0x4f, 0x0d, 1,
  0x20, 0, 0xfd, 0x00, 0x00, 0x00, 0x21, 6, // $v = v128.load($p)
  0x20, 2, // $acc
  0x20, 6, ...splat(0x20), 0xfd, 0x26, // i8x16.lt_u($v, 0x20)
  ...vEq(0x09), ...vEq(0x0a), 0xfd, 0x50, ...vEq(0x0d), 0xfd, 0x50, // (tab | LF) | CR
  0xfd, 0x4f, // v128.andnot
  0x20, 6, 0x41, 0xff, 0x00, 0xfd, 0x0f, 0xfd, 0x23, 0xfd, 0x50, // | ($v == 0x7f)
  0xfd, 0x64, 0x69, 0x6a, 0x21, 2, // bitmask, popcnt, $acc +=
  0x20, 0, 0x41, 0x10, 0x6a, 0x21, 0, 0x0c, 0,
  0x0b, 0x0b,
  0x02, 0x40, 0x03, 0x40,
  0x20, 0, 0x20, 4, 0x4f, 0x0d, 1,
  0x20, 0, 0x2d, 0x00, 0x00, 0x21, 5, // $c = load8_u($p)
  0x20, 2, // $acc
  0x20, 5, 0x41, 0x20, 0x49, ...cNe(0x09), ...cNe(0x0a), ...cNe(0x0d), // $c < 0x20 && not tab, LF, CR
  0x20, 5, 0x41, 0xff, 0x00, 0x46, 0x72, // || $c == 0x7f
  0x6a, 0x21, 2, // $acc +=
  0x20, 0, 0x41, 0x01, 0x6a, 0x21, 0, 0x0c, 0,
  0x0b, 0x0b,
  0x20, 2, 0x0b,
];

/** Unsigned LEB128 (section and body sizes). */
function leb(n: number): number[] {
  const out: number[] = [];
  do {
    let b = n & 0x7f;
    n >>>= 7;
    if (n !== 0) b |= 0x80;
    out.push(b);
  } while (n !== 0);
  return out;
}

const name = (s: string): number[] => [s.length, ...Array.from(s, (c) => c.charCodeAt(0))];
const IMPORTS = [0x01, ...name('arena'), ...name('mem'), 0x02, 0x00, 0x01]; // one import: a memory of at least 1 page
const EXPORTS = [0x02, ...name('lineFeeds'), 0x00, 0x00, ...name('controls'), 0x00, 0x01];
const CODE = [0x02, ...leb(LINE_FEEDS.length), ...LINE_FEEDS, ...leb(CONTROLS.length), ...CONTROLS];

const MODULE = [
  0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, // "\0asm", version 1
  0x01, 0x07, 0x01, 0x60, 0x02, 0x7f, 0x7f, 0x01, 0x7f, // type 0: (i32, i32) -> i32
  0x02, ...leb(IMPORTS.length), ...IMPORTS,
  0x03, 0x03, 0x02, 0x00, 0x00, // functions 0 and 1 have type 0
  0x07, ...leb(EXPORTS.length), ...EXPORTS,
  0x0a, ...leb(CODE.length), ...CODE,
];

/** Bytes counted per call when they must be copied: the arena's scratch page, at offset 0. */
const CHUNK = SCRATCH_BYTES;

type Count = (at: number, n: number) => number;

/** The little of the WebAssembly API used here (the project's TypeScript libraries do not declare it). */
interface Wasm {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { exports: { lineFeeds: Count; controls: Count } };
}

let simdLineFeeds: Count | null = null;
let simdControls: Count | null = null;
let simdMemory: Uint8Array = new Uint8Array(0);
try {
  if (arenaMemory === null) throw new Error('no WebAssembly');
  const wasm = (globalThis as unknown as { WebAssembly: Wasm }).WebAssembly;
  const instance = new wasm.Instance(new wasm.Module(new Uint8Array(MODULE)), { arena: { mem: arenaMemory } });
  simdLineFeeds = instance.exports.lineFeeds;
  simdControls = instance.exports.controls;
  simdMemory = new Uint8Array(arenaBuffer, 0, SCRATCH_BYTES);
} catch {
  // No WebAssembly (--jitless) or no SIMD: the loops below do the job.
  simdLineFeeds = simdControls = null;
}

/**
 * The last source array, its buffer and offset, and whether it is in the
 * arena: the capture reader hands every frame of a chunk in one array, and
 * reading `buffer` is a call into C++ each time. Bytes elsewhere are copied
 * into the scratch page through a view of that buffer (Buffer.copy would take
 * Node's generic path, ten times the cost).
 */
let lastSource: Uint8Array | null = null;
let sourceBuffer: ArrayBufferLike = new ArrayBuffer(0);
let sourceOffset = 0;
let sourceInArena = false;

/** `count` over b[p, end): in place when b is in the arena, else CHUNK bytes at a time through the scratch page. */
function simd(count: Count, b: Uint8Array, p: number, end: number): number {
  if (b !== lastSource) {
    lastSource = b;
    sourceBuffer = b.buffer;
    sourceOffset = b.byteOffset;
    sourceInArena = sourceBuffer === arenaBuffer;
  }
  if (sourceInArena) return p < end ? count(sourceOffset + p, end - p) : 0;
  let n = 0;
  while (p < end) {
    const k = end - p < CHUNK ? end - p : CHUNK;
    simdMemory.set(new Uint8Array(sourceBuffer, sourceOffset + p, k));
    n += count(0, k);
    p += k;
  }
  return n;
}

/** Line feeds (0x0a) in b[p, end). */
export function countLineFeeds(b: Uint8Array, p: number, end: number): number {
  const count = simdLineFeeds;
  return count === null ? countLineFeedsNative(b, p, end) : simd(count, b, p, end);
}

/** Control bytes in b[p, end): below 0x20 except tab, LF and CR, and DEL. */
export function countControlBytes(b: Uint8Array, p: number, end: number): number {
  const count = simdControls;
  return count === null ? countControlBytesPlain(b, p, end) : simd(count, b, p, end);
}

/** The control-byte count a byte at a time (the fallback without WebAssembly SIMD, and what tests compare with). */
export function countControlBytesPlain(b: Uint8Array, p: number, end: number): number {
  let n = 0;
  for (let i = p; i < end; i++) {
    const c = b[i];
    if ((c < 0x20 && c !== 0x09 && c !== 0x0a && c !== 0x0d) || c === 0x7f) n++;
  }
  return n;
}

/** The line feed count by memchr, one call per line feed (the fallback, and what tests compare with). */
export function countLineFeedsNative(b: Uint8Array, p: number, end: number): number {
  let n = 0;
  for (let lf = b.indexOf(0x0a, p); lf >= 0 && lf < end; lf = b.indexOf(0x0a, lf + 1)) n++;
  return n;
}

/** Whether the SIMD counts are in use (for tests and the benchmark's notes). */
export const BYTE_COUNTS_SIMD = simdLineFeeds !== null;
