/**
 * The byte counts behind the lines framing and framing detection: the SIMD
 * counts must equal byte-by-byte counts on any bytes, at any offset and
 * length (their 16-byte steps, their 0-15 byte tails, ranges beyond the
 * module's 64 KiB memory), for Buffers and plain Uint8Arrays alike.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
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
});
