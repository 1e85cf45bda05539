/**
 * The time column in tshark's formats (-t and -u, epan/column-utils.c in
 * 4.0): time since the first frame (r, the default), since the previous
 * frame captured (d) or displayed (dd), the epoch time (e), and the absolute
 * time in the local zone (a, ad, adoy) or in UTC (u, ud, udoy), with -u hms
 * writing relative times as "1h  2m  4.625000s". The digits are the
 * capture's precision (6, or 9 for nanosecond files), as tshark's automatic
 * precision gives them.
 *
 * Also the last frame displayed, which -t dd and frame.time_delta_displayed
 * count from.
 */
import { deltaNsecs, deltaSecs } from '../decode/nstime';
import type { Packet } from '../decode/packet';
import { brokenDownTime } from './localtime';
import type { OutBuf } from './outbuf';

/** tshark's -t words, with what `synack --help` and a refusal say of each. */
export const TIME_FORMATS = [
  ['r', 'since the first frame'],
  ['d', 'since the previous frame'],
  ['dd', 'since the previous frame displayed'],
  ['e', 'seconds since 1970 (epoch)'],
  ['a', 'local time of day'],
  ['ad', 'local date and time'],
  ['adoy', 'local year/day of year and time'],
  ['u', 'UTC time of day'],
  ['ud', 'UTC date and time'],
  ['udoy', 'UTC year/day of year and time'],
] as const;

export type TimeFormat = (typeof TIME_FORMATS)[number][0];

export interface TimeColumn {
  format: TimeFormat;
  /** -u hms: relative times as hours, minutes and seconds. */
  hms: boolean;
}

export const DEFAULT_TIME_COLUMN: TimeColumn = { format: 'r', hms: false };

export function isTimeFormat(s: string): s is TimeFormat {
  return TIME_FORMATS.some(([w]) => w === s);
}

/**
 * The last frame shown (printed, or passed by -Y). Kept with its packet
 * object and its capture's first time, so a later capture read into another
 * Packet, or the same one, does not measure from a frame of an earlier one.
 */
const shown = { pkt: null as Packet | null, number: 0, sec: 0, nsec: 0, firstSec: 0, firstNsec: 0 };

/**
 * Records `pkt` as shown: -t dd and frame.time_delta_displayed of later
 * frames count from it. The printer calls it after each frame shown (or
 * selected under -q), and only when something shows that time (ui/print.ts).
 */
export function markDisplayed(pkt: Packet): void {
  shown.pkt = pkt;
  shown.number = pkt.number;
  shown.sec = pkt.frame.tsSec;
  shown.nsec = pkt.frame.tsNsec;
  shown.firstSec = pkt.clock.firstSec;
  shown.firstNsec = pkt.clock.firstNsec;
}

/** Whether a frame of `pkt`'s capture before it was shown. */
export function shownBefore(pkt: Packet): boolean {
  const s = shown;
  return s.pkt === pkt && s.number < pkt.number && s.firstSec === pkt.clock.firstSec && s.firstNsec === pkt.clock.firstNsec;
}

/** The time shown last, while shownBefore() holds. */
export function shownTime(): { readonly sec: number; readonly nsec: number } {
  return shown;
}

/** Writes the frame's time as the column shows it in `col`'s format, with `digits` decimals. */
export function writeColumnTime(out: OutBuf, pkt: Packet, col: TimeColumn, digits: number): void {
  const f = pkt.frame;
  // A pcapng simple packet block has no time: tshark leaves the column blank.
  if (!f.hasTime) return;
  const c = pkt.clock;
  switch (col.format) {
    case 'r':
      return relative(out, f.tsSec, f.tsNsec, c.firstSec, c.firstNsec, col.hms, digits);
    case 'd':
      return relative(out, f.tsSec, f.tsNsec, c.prevSec, c.prevNsec, col.hms, digits);
    case 'dd':
      // Before any frame was displayed tshark's reference is the frame itself: 0.
      if (shownBefore(pkt)) return relative(out, f.tsSec, f.tsNsec, shown.sec, shown.nsec, col.hms, digits);
      return relative(out, 0, 0, 0, 0, col.hms, digits);
    case 'e':
      // set_epoch_time(): the seconds as they are, never as hours (-u applies to relative times only).
      return signed(out, f.tsSec, fraction(f.tsNsec, digits), digits);
    default:
      return absolute(out, f.tsSec, f.tsNsec, col.format, digits);
  }
}

/** A count of 10^-digits seconds in `nsec` nanoseconds, truncated toward zero as C divides. */
function fraction(nsec: number, digits: number): number {
  return Math.trunc(nsec / DIVISORS[9 - digits]);
}

/** 10^k, looked up rather than computed per frame. */
const DIVISORS = [1, 10, 100, 1000, 10_000, 100_000, 1_000_000, 10_000_000, 100_000_000, 1_000_000_000];

/** `b - a` as nstime_delta() gives it, in seconds or (hms) set_time_hour_min_sec()'s words. */
export function relative(out: OutBuf, bSec: number, bNsec: number, aSec: number, aNsec: number, hms: boolean, digits: number): void {
  const secs = deltaSecs(bSec, bNsec, aSec, aNsec);
  const frac = fraction(deltaNsecs(bSec, bNsec, aSec, aNsec), digits);
  if (!hms) return signed(out, secs, frac, digits);
  // "%s%dh %2dm %2d.%06lds": the sign as "- ", then hours and minutes only when there are any.
  const negative = secs < 0 || frac < 0;
  const s = Math.abs(secs);
  if (negative) out.ascii('- ');
  if (s >= 3600) {
    out.uint(Math.floor(s / 3600));
    out.ascii('h ');
    space2(out, Math.floor(s / 60) % 60);
    out.ascii('m ');
    space2(out, s % 60);
  } else if (s >= 60) {
    out.uint(Math.floor(s / 60));
    out.ascii('m ');
    space2(out, s % 60);
  } else {
    out.uint(s);
  }
  out.byte(46);
  zeroPad(out, Math.abs(frac), digits);
  out.byte(0x73);
}

/** printf's %0<width>d: zero-padded, a minus sign among the width, never cut. */
function zeroPad(out: OutBuf, n: number, width: number): void {
  if (n < 0) {
    out.byte(0x2d);
    zeroPad(out, -n, width - 1);
  } else if (n >= 10 ** width) out.uint(n);
  else out.uintPad(n, width);
}

/**
 * display_signed_time(), which the column uses: it negates a negative
 * fraction as a C int, so INT_MIN (a damaged record's) stays negative and is
 * printed with its sign after the point. (Fields print such times otherwise.)
 */
function signed(out: OutBuf, sec: number, frac: number, digits: number): void {
  if (frac !== -2147483648) return out.signedTime(sec, frac, digits);
  if (sec >= 0) out.byte(0x2d);
  out.int(sec);
  out.ascii('.-2147483648');
}

/** printf's %2d of a number below 100. */
function space2(out: OutBuf, n: number): void {
  if (n < 10) out.byte(32);
  out.uint(n);
}

/**
 * set_abs_time() and its date variants: localtime() or gmtime() of the
 * seconds, "YYYY-MM-DD", "YYYY/DDD" or no date, then "HH:MM:SS" and the
 * fraction. Nothing when the year cannot be represented, as tshark leaves it.
 */
function absolute(out: OutBuf, sec: number, nsec: number, format: TimeFormat, digits: number): void {
  const local = format[0] === 'a';
  const t = brokenDownTime(sec, local);
  if (t === null) return;
  const date = format.slice(1);
  if (date !== '') {
    zeroPad(out, t.year, 4);
    if (date === 'd') {
      out.byte(0x2d);
      out.uintPad(t.month + 1, 2);
      out.byte(0x2d);
      out.uintPad(t.day, 2);
    } else {
      out.byte(0x2f);
      out.uintPad(t.yday + 1, 3);
    }
    out.byte(32);
  }
  const s = t.seconds;
  out.uintPad(Math.floor(s / 3600), 2);
  out.byte(58);
  out.uintPad(Math.floor(s / 60) % 60, 2);
  out.byte(58);
  out.uintPad(s % 60, 2);
  out.byte(46);
  zeroPad(out, fraction(nsec, digits), digits);
}
