/**
 * The byte counts behind the lines framing and framing detection: the SIMD
 * counts must equal byte-by-byte counts on any bytes, at any offset and
 * length (their 16-byte steps, their 0-15 byte tails, ranges beyond the
 * module's 64 KiB scratch page), for Buffers and plain Uint8Arrays alike,
 * and for bytes the capture read into the arena, which are counted in place.
 */
import * as path from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { arenaBuffer, releaseReadBuffer, SCRATCH_BYTES, SLOT_BYTES, SLOTS, takeReadBuffer } from '../../src/capture/arena';
import { openFile } from '../../src/capture/open';
import { BYTE_COUNTS_SIMD, countControlBytes, countControlBytesPlain, countLineFeeds, countLineFeedsNative } from '../../src/analysis/bytecount';

function lineFeeds(b: Uint8Array, p: number, end: number): number {
  let n = 0;
  for (let i = p; i < end; i++) if (b[i] === 0x0a) n++;
  return n;
}

function controls(b: Uint8Array, p: number, end: number): number {
  let n = 0;
  for (let i = p; i < end; i++) if ((b[i] < 0x20 && b[i] !== 0x09 && b[i] !== 0x0a && b[i] !== 0x0d) || b[i] === 0x7f) n++;
  return n;
}

describe('byte counts', () => {
  it('use WebAssembly SIMD in Node 20', () => {
    expect(BYTE_COUNTS_SIMD).toBe(true);
  });

  it('equal byte-by-byte counts for any range', () => {
    // Bytes biased towards line feeds, the control bytes and their neighbours.
    const byte = fc.oneof(fc.constantFrom(0x0a, 0x0b, 0x09, 0x0d, 0x1f, 0x20, 0x7f, 0x80, 0x8a, 0x00, 0xff), fc.integer({ min: 0, max: 255 }));
    fc.assert(
      fc.property(fc.array(byte, { maxLength: 300 }), fc.nat(300), fc.nat(300), (arr, x, y) => {
        const b = Uint8Array.from(arr);
        const p = Math.min(x, y, b.length);
        const end = Math.min(Math.max(x, y), b.length);
        for (const bytes of [b, Buffer.from(b)]) {
          expect(countLineFeeds(bytes, p, end)).toBe(lineFeeds(b, p, end));
          expect(countLineFeedsNative(bytes, p, end)).toBe(lineFeeds(b, p, end));
          expect(countControlBytes(bytes, p, end)).toBe(controls(b, p, end));
          expect(countControlBytesPlain(bytes, p, end)).toBe(controls(b, p, end));
        }
      }),
      { numRuns: 1000 },
    );
  });

  it('ranges longer than the 64 KiB the module counts per call, inside a larger buffer', () => {
    const b = Buffer.alloc(300_000);
    for (let i = 0; i < b.length; i++) b[i] = i % 7 === 0 || i % 65_536 === 65_535 ? 0x0a : i % 11 === 0 ? 0x01 : 0x41 + (i % 26);
    for (const [p, end] of [
      [0, b.length],
      [1, 65_537],
      [3, 65_536 * 3 + 5],
      [100_000, 100_000],
      [65_535, 65_536],
    ]) {
      expect(countLineFeeds(b, p, end)).toBe(lineFeeds(b, p, end));
      expect(countControlBytes(b, p, end)).toBe(controls(b, p, end));
    }
  });

  it('count bytes read into the arena in place, and the same as anywhere else', () => {
    const slot = takeReadBuffer();
    try {
      expect(slot.buffer).toBe(arenaBuffer);
      expect(slot.length).toBe(SLOT_BYTES);
      const copy = Buffer.alloc(SLOT_BYTES);
      for (let i = 0; i < SLOT_BYTES; i++) copy[i] = i % 5 === 0 ? 0x0a : i % 13 === 0 ? 0x02 : 0x61;
      slot.set(copy);
      // Counting in place leaves the scratch page alone: fill it with line feeds, which a copy would overwrite.
      const scratch = new Uint8Array(arenaBuffer, 0, SCRATCH_BYTES);
      scratch.fill(0x0a);
      for (const [p, end] of [
        [0, SLOT_BYTES],
        [7, 70_001],
        [SLOT_BYTES - 3, SLOT_BYTES],
        [500, 500],
      ]) {
        expect(countLineFeeds(slot, p, end)).toBe(lineFeeds(copy, p, end));
        expect(countControlBytes(slot, p, end)).toBe(controls(copy, p, end));
        // A frame's view inside the chunk (the parser hands out subarrays too).
        const sub = slot.subarray(p);
        expect(countLineFeeds(sub, 0, end - p)).toBe(lineFeeds(copy, p, end));
      }
      expect(scratch.every((c) => c === 0x0a)).toBe(true);
    } finally {
      releaseReadBuffer(slot);
    }
  });

  it('read buffers: slots are given back and reused, ordinary buffers once the arena is full', () => {
    const first = takeReadBuffer();
    const offset = first.byteOffset;
    releaseReadBuffer(first);
    const again = takeReadBuffer();
    expect(again.byteOffset).toBe(offset);
    const taken = [again];
    for (let i = 0; i < 20; i++) taken.push(takeReadBuffer());
    const outside = taken.filter((b) => b.buffer !== arenaBuffer);
    expect(outside.length).toBeGreaterThan(0);
    expect(outside.every((b) => b.length === SLOT_BYTES)).toBe(true);
    const offsets = taken.filter((b) => b.buffer === arenaBuffer).map((b) => b.byteOffset);
    expect(new Set(offsets).size).toBe(offsets.length);
    for (const b of taken) releaseReadBuffer(b);
    const last = takeReadBuffer();
    expect(last.buffer).toBe(arenaBuffer);
    releaseReadBuffer(last);
  });

  it('the file reader reads into the arena, and gives its slot back', async () => {
    let inArena = 0;
    let frames = 0;
    const end = await openFile(path.join(__dirname, '../../captures/tcp-chat.pcap')).run((f) => {
      frames++;
      if (f.data.buffer === arenaBuffer) inArena++;
    });
    expect(end.kind).toBe('eof');
    expect(frames).toBeGreaterThan(10);
    expect(inArena).toBe(frames);
    // Every slot is free again: as many as the arena holds can be taken.
    const all: Buffer[] = [];
    for (let b = takeReadBuffer(); b.buffer === arenaBuffer; b = takeReadBuffer()) all.push(b);
    expect(all.length).toBe(SLOTS);
    for (const b of all) releaseReadBuffer(b);
  });
});
