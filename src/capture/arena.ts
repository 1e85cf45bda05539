/**
 * Read buffers that live in one WebAssembly memory.
 *
 * The analysis counts the line feeds of every data segment with WebAssembly
 * SIMD (analysis/bytecount.ts), and WebAssembly code sees only its own
 * memory. When the capture reads its chunks straight into that memory, the
 * frames' bytes are already where the counter looks: no copy, and no view
 * object per count (on the 2 M-frame benchmark the copies' views were 90 MB of
 * garbage, a tenth of the analysis' time in the collector).
 *
 * The memory is made once with a fixed size and never grown: growing would
 * detach the ArrayBuffer under every buffer handed out. Its first page is
 * scratch for counting bytes that are elsewhere (frames reassembled across
 * chunk boundaries, buffers of tests); then come SLOTS read buffers of
 * SLOT_BYTES, taken and given back by the sources. When every slot is taken
 * (many sources open in one process) or WebAssembly is missing (node
 * --jitless), a buffer is an ordinary Buffer and counting copies, as before.
 */

/** The scratch page at the start of the memory (the counter's copy area). */
export const SCRATCH_BYTES = 1 << 16;
/** Size of one read buffer: the file reader's chunk and the stream reader's buffer. */
export const SLOT_BYTES = 1 << 20;
/** Read buffers the memory holds: a file, standard input and the dashboard's re-reads at once, and spares. */
export const SLOTS = 6;
const PAGE = 1 << 16;

interface WasmMemory {
  readonly buffer: ArrayBuffer;
}

/** The WebAssembly.Memory (null without WebAssembly), for the counter to import. */
export let arenaMemory: WasmMemory | null = null;
/** Its ArrayBuffer (a zero-length one without WebAssembly): buffers whose `buffer` is this are in the arena. */
export let arenaBuffer: ArrayBufferLike = new ArrayBuffer(0);

try {
  const wasm = (globalThis as unknown as { WebAssembly: { Memory: new (d: { initial: number; maximum: number }) => WasmMemory } }).WebAssembly;
  const pages = (SCRATCH_BYTES + SLOTS * SLOT_BYTES) / PAGE;
  arenaMemory = new wasm.Memory({ initial: pages, maximum: pages });
  arenaBuffer = arenaMemory.buffer;
} catch {
  // No WebAssembly (--jitless): ordinary buffers.
  arenaMemory = null;
}

const taken: boolean[] = new Array<boolean>(SLOTS).fill(false);

/** A read buffer of SLOT_BYTES, in the arena when a slot is free. Give it back with `releaseReadBuffer`. */
export function takeReadBuffer(): Buffer {
  if (arenaMemory !== null) {
    for (let i = 0; i < SLOTS; i++) {
      if (!taken[i]) {
        taken[i] = true;
        return Buffer.from(arenaBuffer, SCRATCH_BYTES + i * SLOT_BYTES, SLOT_BYTES);
      }
    }
  }
  return Buffer.allocUnsafe(SLOT_BYTES);
}

/** The buffer is no longer read into, and no frame in it will be looked at again. */
export function releaseReadBuffer(b: Uint8Array): void {
  if (b.buffer !== arenaBuffer) return;
  taken[(b.byteOffset - SCRATCH_BYTES) / SLOT_BYTES] = false;
}
