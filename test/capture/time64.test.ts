/**
 * The pcapng time conversion: the fast path (long division in doubles)
 * agrees with wiretap's 64-bit formula, computed here with BigInt, for every
 * resolution and time stamp; and the writer's inverse round-trips.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { convert, converted, ticksHiLo, timeBase } from '../../src/capture/time64';

/** wiretap 4.0: secs = ts / units; nsecs = (int)((uint64)((ts % units) * 1e9) / units); secs += offset. */
function wiretap(ts: bigint, units: bigint, offset: number): [number, number] {
  const secs = ts / units;
  const ns = BigInt.asUintN(64, (ts % units) * 1000000000n) / units;
  return [Number(BigInt.asIntN(64, secs)) + offset, Number(BigInt.asIntN(32, ns))];
}

const RESOLUTIONS = [undefined, 0, 1, 3, 6, 9, 10, 12, 19, 20, 0x80 | 1, 0x80 | 10, 0x80 | 30, 0x80 | 32, 0x80 | 40, 0x80 | 63, 0x80 | 64];

describe('pcapng time stamps', () => {
  it('convert equals the 64-bit formula for every resolution', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...RESOLUTIONS),
        fc.oneof(fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }), fc.bigInt({ min: 1600000000n * 10n ** 9n, max: 1800000000n * 10n ** 9n })),
        fc.integer({ min: -2000000000, max: 2000000000 }),
        (tsresol, ts, offset) => {
          const tb = timeBase(tsresol, offset);
          const [sec, nsec] = wiretap(ts, tb.units, offset);
          // Seconds beyond 2^53 cannot be exact in a double (285 million years: damage, not time).
          fc.pre(Math.abs(sec) < 2 ** 53);
          convert(Number(ts >> 32n), Number(ts & 0xffffffffn), tb);
          expect([converted.sec, converted.nsec]).toEqual([sec, nsec]);
        },
      ),
      { numRuns: 3000 },
    );
  });

  it('a run of time stamps through one interface (the remembered high half) converts each exactly', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(undefined, 3, 6, 9),
        fc.array(fc.bigInt({ min: 1600000000n * 10n ** 9n, max: 1600000100n * 10n ** 9n }), { minLength: 2, maxLength: 50 }),
        (tsresol, stamps) => {
          const tb = timeBase(tsresol);
          const units = tb.units;
          for (const ns of stamps.sort((a, b) => (a < b ? -1 : 1))) {
            const ts = (ns * units) / 1000000000n;
            convert(Number(ts >> 32n), Number(ts & 0xffffffffn), tb);
            expect([converted.sec, converted.nsec]).toEqual(wiretap(ts, units, 0));
          }
        },
      ),
      { numRuns: 300 },
    );
  });

  it('takes the fast path for micro- and nanoseconds', () => {
    expect(timeBase(undefined).fastUnits).toBe(1000000);
    expect(timeBase(9).fastUnits).toBe(1000000000);
    expect(timeBase(0x80 | 20).fastUnits).toBe(0);
  });

  it('ticksHiLo in nanoseconds is the writer inverse: seconds and nanoseconds as a 64-bit nanosecond count', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2 ** 34 }), fc.integer({ min: 0, max: 999999999 }), (sec, nsec) => {
        ticksHiLo(sec, nsec, 1e9);
        const v = BigInt(sec) * 1000000000n + BigInt(nsec);
        expect([converted.sec, converted.nsec]).toEqual([Number(v >> 32n), Number(v & 0xffffffffn)]);
      }),
    );
  });
});
