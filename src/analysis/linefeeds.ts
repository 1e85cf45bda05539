/**
 * Counting line feeds in a segment's payload: the one per-byte job of the
 * analysis (the lines framing counts messages in every data segment, and a
 * chat or HTTP-like stream has a line feed every few dozen bytes).
 *
 * Buffer.indexOf is a native memchr, but it is one call per line feed (about
 * 25 ns each: half a second for the 12 M lines of the 2 M-frame benchmark).
 * This counts 16 bytes per step with WebAssembly SIMD instead: the bytes are
 * copied into the module's memory (memcpy speed) and counted there. Where WebAssembly or its SIMD is not available
 * (node --jitless, an old CPU) the indexOf loop is used.
 *
 * The module, in WebAssembly text (the bytes below are its encoding):
 *
 *   (module
 *     (memory (export "mem") 1)
 *     (func (export "count") (param $p i32) (param $n i32) (result i32)
 *       (local $acc i32) (local $end16 i32) (local $end i32)
 *       (local.set $end16 (i32.add (local.get $p) (i32.and (local.get $n) (i32.const -16))))
 *       (local.set $end (i32.add (local.get $p) (local.get $n)))
 *       (block (loop                                        ;; 16 bytes at a time
 *         (br_if 1 (i32.ge_u (local.get $p) (local.get $end16)))
 *         (local.set $acc (i32.add (local.get $acc)
 *           (i32.popcnt (i8x16.bitmask (i8x16.eq (v128.load align=1 (local.get $p)) (i8x16.splat (i32.const 10)))))))
 *         (local.set $p (i32.add (local.get $p) (i32.const 16)))
 *         (br 0)))
 *       (block (loop                                        ;; the last 0-15 bytes
 *         (br_if 1 (i32.ge_u (local.get $p) (local.get $end)))
 *         (local.set $acc (i32.add (local.get $acc) (i32.eq (i32.load8_u (local.get $p)) (i32.const 10))))
 *         (local.set $p (i32.add (local.get $p) (i32.const 1)))
 *         (br 0)))
 *       (local.get $acc)))
 */

const BODY = [
  0x01, 0x03, 0x7f, // locals: 3 x i32 ($acc, $end16, $end)
  0x20, 0, 0x20, 1, 0x41, 0x70, 0x71, 0x6a, 0x21, 3, // $end16 = $p + ($n & -16)
  0x20, 0, 0x20, 1, 0x6a, 0x21, 4, // $end = $p + $n
  0x02, 0x40, 0x03, 0x40, // block, loop
  0x20, 0, 0x20, 3, 0x4f, 0x0d, 1, // br_if 1 ($p >= $end16)
  0x20, 2, 0x20, 0, 0xfd, 0x00, 0x00, 0x00, // $acc, v128.load align=1 offset=0
  0x41, 0x0a, 0xfd, 0x0f, 0xfd, 0x23, 0xfd, 0x64, 0x69, 0x6a, 0x21, 2, // splat 10, i8x16.eq, bitmask, popcnt, add
  0x20, 0, 0x41, 0x10, 0x6a, 0x21, 0, 0x0c, 0, // $p += 16, br 0
  0x0b, 0x0b, // end loop, end block
  0x02, 0x40, 0x03, 0x40,
  0x20, 0, 0x20, 4, 0x4f, 0x0d, 1, // br_if 1 ($p >= $end)
  0x20, 2, 0x20, 0, 0x2d, 0x00, 0x00, 0x41, 0x0a, 0x46, 0x6a, 0x21, 2, // $acc += (load8_u($p) == 10)
  0x20, 0, 0x41, 0x01, 0x6a, 0x21, 0, 0x0c, 0, // $p += 1, br 0
  0x0b, 0x0b,
  0x20, 2, 0x0b, // $acc, end
];

const MODULE = [
  0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, // "\0asm", version 1
  0x01, 0x07, 0x01, 0x60, 0x02, 0x7f, 0x7f, 0x01, 0x7f, // type 0: (i32, i32) -> i32
  0x03, 0x02, 0x01, 0x00, // function 0 has type 0
  0x05, 0x03, 0x01, 0x00, 0x01, // one memory, 1 page (64 KiB)
  0x07, 0x0f, 0x02, 0x05, 0x63, 0x6f, 0x75, 0x6e, 0x74, 0x00, 0x00, 0x03, 0x6d, 0x65, 0x6d, 0x02, 0x00, // exports "count", "mem"
  0x0a, BODY.length + 2, 0x01, BODY.length, ...BODY, // code
];

/** Bytes counted per call (the module's one page). */
const CHUNK = 1 << 16;

/** The little of the WebAssembly API used here (the project's TypeScript libraries do not declare it). */
interface Wasm {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object) => { exports: { count: (at: number, n: number) => number; mem: { buffer: ArrayBuffer } } };
}

let simdCount: ((at: number, n: number) => number) | null = null;
let simdMemory: Uint8Array = new Uint8Array(0);
try {
  const wasm = (globalThis as unknown as { WebAssembly: Wasm }).WebAssembly;
  const instance = new wasm.Instance(new wasm.Module(new Uint8Array(MODULE)));
  simdCount = instance.exports.count;
  simdMemory = new Uint8Array(instance.exports.mem.buffer);
} catch {
  // No WebAssembly (--jitless) or no SIMD: the indexOf loop below does the job.
  simdCount = null;
}

/**
 * The last source array and its buffer: the capture reader hands every frame
 * of a chunk in one array, and reading `buffer` is a call into C++ each time.
 * Each count copies its bytes into the module through a view of that buffer
 * (Buffer.copy would take Node's generic path, ten times the cost).
 */
let lastSource: Uint8Array | null = null;
let sourceBuffer: ArrayBufferLike = new ArrayBuffer(0);
let sourceOffset = 0;

/** Line feeds (0x0a) in b[p, end). */
export function countLineFeeds(b: Uint8Array, p: number, end: number): number {
  const count = simdCount;
  if (count === null) return countLineFeedsNative(b, p, end);
  if (b !== lastSource) {
    lastSource = b;
    sourceBuffer = b.buffer;
    sourceOffset = b.byteOffset;
  }
  let n = 0;
  while (p < end) {
    const k = end - p < CHUNK ? end - p : CHUNK;
    simdMemory.set(new Uint8Array(sourceBuffer, sourceOffset + p, k));
    n += count(0, k);
    p += k;
  }
  return n;
}

/** The same count by memchr, one call per line feed (the fallback, and what tests compare with). */
export function countLineFeedsNative(b: Uint8Array, p: number, end: number): number {
  let n = 0;
  for (let lf = b.indexOf(0x0a, p); lf >= 0 && lf < end; lf = b.indexOf(0x0a, lf + 1)) n++;
  return n;
}

/** Whether the SIMD count is in use (for tests and the benchmark's notes). */
export const LINE_FEEDS_SIMD = simdCount !== null;
