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

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/**
 * An absolute time as Wireshark writes a field shown in UTC (abs_time_to_str,
 * ABSOLUTE_TIME_UTC: "%s %2d, %d %02d:%02d:%02d.%09ld UTC"): "Feb  7, 2106
 * 06:28:15.000000000 UTC". For fields read from the packet (an RRSIG's
 * validity period, RFC 4034 3.1.5), so it does not depend on TZ as
 * frame.time does.
 */
export function utcTimeText(sec: number, nsec: number): string {
  const d = new Date(sec * 1000);
  if (Number.isNaN(d.getTime())) return 'Not representable';
  const day = d.getUTCDate();
  const two = (n: number): string => (n < 10 ? '0' : '') + n;
  return `${MONTHS[d.getUTCMonth()]} ${day < 10 ? ' ' : ''}${day}, ${d.getUTCFullYear()} ${two(d.getUTCHours())}:${two(d.getUTCMinutes())}:${two(d.getUTCSeconds())}.${String(nsec).padStart(9, '0')} UTC`;
}
