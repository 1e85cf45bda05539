/**
 * Time differences as Wireshark keeps them (wsutil/nstime.c): whole seconds
 * and a nanosecond part of the same sign, in a C `int`. Relative times
 * (frame.time_relative, frame.time_delta, the summary's time column, the
 * conversation tables' start) are computed this way rather than as one
 * count of nanoseconds, for two reasons:
 *
 * - a double holds nanoseconds exactly only up to 104 days, and captures
 *   with damaged or far-apart time stamps span more;
 * - a damaged record's fraction can lie outside 0..999,999,999, and the
 *   32-bit subtraction then wraps as in C: tshark prints the result, so
 *   synack prints the same digits.
 *
 * Two functions rather than one returning a pair: no allocation per frame.
 */

/** Seconds part of nstime_delta(b - a). */
export function deltaSecs(bSec: number, bNsec: number, aSec: number, aNsec: number): number {
  const secs = bSec - aSec;
  if (secs === 0) return 0;
  const ns = (bNsec - aNsec) | 0;
  if (secs < 0) return ns > 0 ? secs + 1 : secs;
  return ns < 0 ? secs - 1 : secs;
}

/** Nanoseconds part of nstime_delta(b - a): negative only when b is before a. */
export function deltaNsecs(bSec: number, bNsec: number, aSec: number, aNsec: number): number {
  const ns = (bNsec - aNsec) | 0;
  if (bSec === aSec) return ns;
  if (bSec < aSec) return ns > 0 ? (ns - 1_000_000_000) | 0 : ns;
  return ns < 0 ? (ns + 1_000_000_000) | 0 : ns;
}

/** nstime_to_sec(): the seconds as a double, as tshark's tables compute with them. */
export function toSeconds(secs: number, nsecs: number): number {
  return secs + nsecs / 1e9;
}
