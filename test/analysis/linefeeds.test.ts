/**
 * The line-feed count behind the lines framing: the SIMD count must equal a
 * byte-by-byte count on any bytes, at any offset and length (its 16-byte
 * steps, its 0-15 byte tail, ranges beyond its 64 KiB memory), for Buffers
 * and plain Uint8Arrays alike.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { countLineFeeds, countLineFeedsNative, LINE_FEEDS_SIMD } from '../../src/analysis/linefeeds';

function byteByByte(b: Uint8Array, p: number, end: number): number {
  let n = 0;
  for (let i = p; i < end; i++) if (b[i] === 0x0a) n++;
  return n;
}

describe('line feed count', () => {
  it('uses WebAssembly SIMD in Node 20', () => {
    expect(LINE_FEEDS_SIMD).toBe(true);
  });

  it('equals a byte-by-byte count for any range', () => {
    // Bytes biased towards 0x0a and its neighbours, so ranges hold many line feeds and near misses.
    const byte = fc.oneof(fc.constantFrom(0x0a, 0x0b, 0x09, 0x8a, 0x00, 0xff), fc.integer({ min: 0, max: 255 }));
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 0, maxLength: 300 }).chain((a) => fc.tuple(fc.constant(a), fc.nat(a.length), fc.nat(a.length))), fc.array(byte, { maxLength: 300 }), ([a, x, y], extra) => {
        const b = Uint8Array.from([...a, ...extra]);
        const p = Math.min(x, y);
        const end = Math.max(x, y) + extra.length;
        const want = byteByByte(b, p, end);
        expect(countLineFeeds(b, p, end)).toBe(want);
        expect(countLineFeeds(Buffer.from(b), p, end)).toBe(want);
        expect(countLineFeedsNative(Buffer.from(b), p, end)).toBe(want);
      }),
      { numRuns: 500 },
    );
  });

  it('ranges longer than the 64 KiB the module counts per call, inside a larger buffer', () => {
    const b = Buffer.alloc(300_000);
    for (let i = 0; i < b.length; i++) b[i] = i % 7 === 0 || i % 65_536 === 65_535 ? 0x0a : 0x41 + (i % 26);
    for (const [p, end] of [
      [0, b.length],
      [1, 65_537],
      [3, 65_536 * 3 + 5],
      [100_000, 100_000],
      [65_535, 65_536],
    ]) {
      expect(countLineFeeds(b, p, end)).toBe(byteByByte(b, p, end));
    }
  });
});
