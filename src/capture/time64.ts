/**
 * pcapng time stamps: a 64-bit count of units since the epoch, where the
 * interface's if_tsresol says how many units make a second. Converted to
 * whole seconds and nanoseconds exactly as wiretap 4.0 does:
 *
 *   secs  = ts / units
 *   nsecs = (int)(((ts % units) * 1000000000) / units)   (64-bit product, wraps)
 *   secs += if_tsoffset
 *
 * The common resolutions (microseconds, nanoseconds, any 10^-k with k <= 9)
 * take a fast path of long division in 16-bit digits, exact in doubles, so
 * the per-frame path allocates nothing; other resolutions (binary, finer than
 * 1 ns) are rare and use BigInt, with wiretap's wrap-around reproduced.
 */

/** How an interface's time stamps convert; remembers the last high half seen (it changes every few seconds). */
export class TimeBase {
  /** High 32 bits of the last fast-path time stamp, and what they contribute: whole seconds plus leftover units. */
  hi = -1;
  hiSec = 0;
  hiRem = 0;

  constructor(
    /** Units per second when it divides 10^9 (fast path), else 0. */
    readonly fastUnits: number,
    /** Nanoseconds per unit on the fast path. */
    readonly nsPerUnit: number,
    /** Units per second for the slow path (wiretap's uint64; 2^64-1 for an unusable if_tsresol). */
    readonly units: bigint,
    /** if_tsoffset: seconds added to every time stamp. */
    readonly offset: number,
  ) {}
}

const TWO32 = 4294967296;
const MASK64 = (1n << 64n) - 1n;

/** The time base an if_tsresol byte (and if_tsoffset) describes. Default resolution: microseconds. */
export function timeBase(tsresol: number | undefined, offset = 0): TimeBase {
  let units: bigint;
  if (tsresol === undefined) {
    units = 1000000n;
  } else {
    const binary = (tsresol & 0x80) !== 0;
    const exponent = tsresol & 0x7f;
    // wiretap: exponents whose unit count does not fit 64 bits give UINT64_MAX.
    if ((binary && exponent < 64) || (!binary && exponent < 20)) units = (binary ? 2n : 10n) ** BigInt(exponent);
    else units = MASK64;
  }
  const fast = units <= 1000000000n && 1000000000n % units === 0n ? Number(units) : 0;
  return new TimeBase(fast, fast === 0 ? 0 : 1e9 / fast, units, offset);
}

/** Results of `convert` (module-level so the hot path returns two numbers without allocating). */
export const converted = { sec: 0, nsec: 0 };

/** Converts the time stamp `hi:lo` (two unsigned 32-bit halves) into `converted`. */
export function convert(hi: number, lo: number, tb: TimeBase): void {
  const u = tb.fastUnits;
  if (u !== 0) {
    if (hi !== tb.hi && !rebase(hi, tb)) {
      convertSlow(hi, lo, tb);
      return;
    }
    // hi * 2^32 = hiSec * u + hiRem, so the time stamp is hiSec * u + (hiRem + lo),
    // where hiRem + lo < 2^33: one exact division per frame.
    const t = tb.hiRem + lo;
    const q = Math.floor(t / u);
    converted.sec = tb.hiSec + q + tb.offset;
    converted.nsec = (t - q * u) * tb.nsPerUnit;
    return;
  }
  convertSlow(hi, lo, tb);
}

/**
 * Splits hi * 2^32 into whole seconds and leftover units by long division in
 * 16-bit digits (every intermediate below 2^53, and Math.floor of a quotient
 * of such integers is exact). False when the seconds would not be exact in a
 * double (time stamps past 2^53 seconds: damage, not time).
 */
function rebase(hi: number, tb: TimeBase): boolean {
  const u = tb.fastUnits;
  const q2 = Math.floor(hi / u);
  if (q2 >= 0x200000) return false;
  let r = hi - q2 * u;
  let c = r * 65536;
  const q1 = Math.floor(c / u);
  r = c - q1 * u;
  c = r * 65536;
  const q0 = Math.floor(c / u);
  r = c - q0 * u;
  tb.hi = hi;
  tb.hiSec = q2 * TWO32 + q1 * 65536 + q0;
  tb.hiRem = r;
  return true;
}

function convertSlow(hi: number, lo: number, tb: TimeBase): void {
  const ts = (BigInt(hi) << 32n) | BigInt(lo);
  const units = tb.units;
  const secs = ts / units;
  // C: (int)((uint64)(frac * 1e9) / units), the product wrapping at 2^64.
  const ns = ((ts % units) * 1000000000n) & MASK64;
  converted.sec = Number(BigInt.asIntN(64, secs)) + tb.offset;
  converted.nsec = Number(BigInt.asIntN(32, ns / units));
}

/**
 * The inverse for writers: `sec` seconds and `ticks` of 1/`perSecond` of a
 * second as one 64-bit count of ticks, split into halves (into `converted`:
 * sec = high, nsec = low). Exact in doubles: computed in 16-bit limbs.
 */
export function ticksHiLo(sec: number, ticks: number, perSecond: number): void {
  const pHi = Math.floor(perSecond / 65536);
  const pLo = perSecond % 65536;
  const s0 = sec % 65536;
  const s1 = Math.floor(sec / 65536) % 65536;
  const s2 = Math.floor(sec / TWO32);
  let l0 = s0 * pLo + ticks;
  let carry = Math.floor(l0 / 65536);
  l0 -= carry * 65536;
  let l1 = s0 * pHi + s1 * pLo + carry;
  carry = Math.floor(l1 / 65536);
  l1 -= carry * 65536;
  const high = s1 * pHi + s2 * pLo + carry + s2 * pHi * 65536;
  converted.sec = high >>> 0;
  converted.nsec = (l1 * 65536 + l0) >>> 0;
}
