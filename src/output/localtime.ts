/**
 * frame.time as tshark 4.0 prints it: abs_time_to_str() with
 * ABSOLUTE_TIME_LOCAL, "%s %2d, %d %02d:%02d:%02d.%09ld %s" of the C
 * library's localtime() and its tm_zone: "Nov 14, 2023 22:13:20.000000000 UTC",
 * "Jan  1, 1970 01:00:00.000000000 CET".
 *
 * The local time and the zone's abbreviation are computed as glibc computes
 * them, not through JavaScript's Date: V8 (ICU) knows no abbreviation for
 * most zones ("GMT+1" for CET) and ignores POSIX TZ strings it cannot name
 * ("<+0530>-5:30"). So TZ is read as glibc's tzset() reads it: unset means
 * /etc/localtime, empty means UTC, a leading ':' is dropped, a name is a file
 * under $TZDIR or /usr/share/zoneinfo (RFC 8536 TZif: its transitions, then
 * its footer's POSIX rule beyond the last one), and anything else is a POSIX
 * TZ string ("XYZ-3", "EST5EDT,M3.2.0,M11.1.0"). Two differences are left:
 * a POSIX string with a DST name but no rule takes glibc's default US rule
 * here, where glibc copies the transitions of its posixrules file; and the
 * leap seconds of the right/ zones are not subtracted.
 */
import { readFileSync } from 'node:fs';

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const DAY = 86400;

/** One local time type: seconds east of UTC, and its abbreviation. */
interface TimeType {
  offset: number;
  isDst: boolean;
  name: string;
}

/** A POSIX TZ rule's date of change (glibc's tz_rule): Jn, n or Mm.w.d, at `secs` local time. */
interface ChangeRule {
  kind: 'J1' | 'J0' | 'M';
  d: number;
  m: number;
  n: number;
  secs: number;
}

/** A POSIX TZ string: standard time, and daylight time between two changes when there is one. */
interface PosixZone {
  std: TimeType;
  dst: TimeType | null;
  start: ChangeRule;
  end: ChangeRule;
}

/** A zone: TZif transitions (seconds since the epoch) and their types, then a POSIX rule. */
interface Zone {
  /** Read from a TZif file (glibc's __tzfile_compute), or a POSIX TZ string alone (__tz_compute). */
  file: boolean;
  transitions: number[];
  typeOf: number[];
  types: TimeType[];
  rule: PosixZone | null;
}

const UTC_ZONE: Zone = { file: true, transitions: [], typeOf: [], types: [{ offset: 0, isDst: false, name: 'UTC' }], rule: null };

let cachedTz: string | undefined | null = null;
let cachedZone: Zone = UTC_ZONE;

/** The zone TZ names now (read again when TZ changes: the tests set it). */
function currentZone(): Zone {
  const tz = process.env.TZ;
  if (tz === cachedTz) return cachedZone;
  cachedTz = tz;
  cachedZone = loadZone(tz);
  return cachedZone;
}

function loadZone(env: string | undefined): Zone {
  // glibc tzset_internal(): "" is UTC (the file Universal), a leading ':' is dropped, unset is /etc/localtime.
  let tz = env === undefined ? '/etc/localtime' : env === '' ? 'Universal' : env;
  if (tz.startsWith(':')) tz = tz.slice(1);
  const path = tz.startsWith('/') ? tz : `${process.env.TZDIR ?? '/usr/share/zoneinfo'}/${tz}`;
  let zone: Zone | null = null;
  try {
    zone = parseTzif(readFileSync(path));
  } catch {
    zone = null;
  }
  if (zone !== null) return zone;
  if (env === undefined || tz === '' || tz === '/etc/localtime') return UTC_ZONE;
  const rule = parsePosix(tz);
  return { file: false, transitions: [], typeOf: [], types: [rule.std], rule };
}

/** RFC 8536: the 64-bit data of a version 2+ file (the 32-bit data of a version 1 file) and the footer. */
function parseTzif(b: Buffer): Zone | null {
  if (b.length < 44 || b.toString('latin1', 0, 4) !== 'TZif') return null;
  const counts = (at: number): number[] => [0, 1, 2, 3, 4, 5].map((i) => b.readUInt32BE(at + 20 + 4 * i));
  let at = 0;
  let [isut, isstd, leap, timecnt, typecnt, charcnt] = counts(0);
  let wide = false;
  if (b[4] >= 0x32) {
    at = 44 + timecnt * 5 + typecnt * 6 + charcnt + leap * 8 + isstd + isut;
    if (b.length < at + 44 || b.toString('latin1', at, at + 4) !== 'TZif') return null;
    [isut, isstd, leap, timecnt, typecnt, charcnt] = counts(at);
    wide = true;
  }
  let p = at + 44;
  const size = wide ? 8 : 4;
  if (b.length < p + timecnt * (size + 1) + typecnt * 6 + charcnt || typecnt === 0) return null;
  const transitions: number[] = [];
  for (let i = 0; i < timecnt; i++, p += size) transitions.push(wide ? Number(b.readBigInt64BE(p)) : b.readInt32BE(p));
  const typeOf: number[] = [];
  for (let i = 0; i < timecnt; i++) typeOf.push(Math.min(b[p++], typecnt - 1));
  const raw: [number, boolean, number][] = [];
  for (let i = 0; i < typecnt; i++, p += 6) raw.push([b.readInt32BE(p), b[p + 4] !== 0, b[p + 5]]);
  const chars = b.subarray(p, p + charcnt);
  const types = raw.map(([offset, isDst, idx]): TimeType => {
    const end = chars.indexOf(0, idx);
    return { offset, isDst, name: chars.toString('latin1', idx, end < 0 ? charcnt : end) };
  });
  p += charcnt + leap * (size + 4) + isstd + isut;
  let rule: PosixZone | null = null;
  if (wide && b[p] === 0x0a) {
    const end = b.indexOf(0x0a, p + 1);
    const footer = b.toString('latin1', p + 1, end < 0 ? b.length : end);
    if (footer !== '') rule = parsePosix(footer);
  }
  return { file: true, transitions, typeOf, types, rule };
}

/** glibc's __tzset_parse_tz(): what parses is kept, the rest ignored (a missing offset is 0). */
function parsePosix(s: string): PosixZone {
  let i = 0;
  const name = (): string | null => {
    if (s[i] === '<') {
      const q = /^<([A-Za-z0-9+-]{3,})>/.exec(s.slice(i));
      if (q === null) return null;
      i += q[0].length;
      return q[1];
    }
    const start = i;
    while (i < s.length && /[A-Za-z]/.test(s[i])) i++;
    if (i - start < 3) {
      i = start;
      return null;
    }
    return s.slice(start, i);
  };
  const clock = (): number | null => {
    const m = /^(\d+)(?::(\d+)(?::(\d+))?)?/.exec(s.slice(i));
    if (m === null) return null;
    i += m[0].length;
    return Math.min(Number(m[1]), 24) * 3600 + Math.min(Number(m[2] ?? 0), 59) * 60 + Math.min(Number(m[3] ?? 0), 59);
  };
  // POSIX offsets count west of UTC: "XYZ-3" is three hours east.
  const offset = (): number | null => {
    const sign = s[i] === '-' ? 1 : -1;
    if (s[i] === '+' || s[i] === '-') i++;
    const c = clock();
    return c === null ? null : sign * c;
  };
  const zone: PosixZone = {
    std: { offset: 0, isDst: false, name: '' },
    dst: null,
    start: { kind: 'M', m: 3, n: 2, d: 0, secs: 7200 },
    end: { kind: 'M', m: 11, n: 1, d: 0, secs: 7200 },
  };
  const stdName = name();
  if (stdName === null) return zone;
  zone.std.name = stdName;
  const stdOffset = offset();
  if (stdOffset === null) return zone;
  zone.std.offset = stdOffset;
  const dstName = name();
  if (dstName === null) return zone;
  const dstOffset = offset();
  zone.dst = { offset: dstOffset ?? stdOffset + 3600, isDst: true, name: dstName };
  const change = (): ChangeRule | null => {
    if (s[i] === ',') i++;
    const r: ChangeRule = { kind: 'M', m: 0, n: 0, d: 0, secs: 7200 };
    const j = /^(J?)(\d+)/.exec(s.slice(i));
    const m = /^M(\d+)\.(\d+)\.(\d+)/.exec(s.slice(i));
    if (j !== null) {
      r.kind = j[1] === 'J' ? 'J1' : 'J0';
      r.d = Number(j[2]);
      if (r.d > 365 || (r.kind === 'J1' && r.d === 0)) return null;
      i += j[0].length;
    } else if (m !== null) {
      [r.m, r.n, r.d] = [Number(m[1]), Number(m[2]), Number(m[3])];
      if (r.m < 1 || r.m > 12 || r.n < 1 || r.n > 5 || r.d > 6) return null;
      i += m[0].length;
    } else return null;
    if (s[i] === '/') {
      i++;
      const negative = s[i] === '-';
      if (negative) i++;
      r.secs = (negative ? -1 : 1) * (clock() ?? 7200);
    }
    return r;
  };
  if (i < s.length) {
    const start = change();
    const end = start === null ? null : change();
    if (start !== null) zone.start = start;
    if (end !== null) zone.end = end;
  }
  return zone;
}

const isLeap = (y: number): boolean => y % 4 === 0 && (y % 100 !== 0 || y % 400 === 0);
const CUMULATIVE = [
  [0, 31, 59, 90, 120, 151, 181, 212, 243, 273, 304, 334, 365],
  [0, 31, 60, 91, 121, 152, 182, 213, 244, 274, 305, 335, 366],
];

/** glibc's compute_change(): when rule `r` changes the time in `year`, in seconds since the epoch. */
function changeTime(r: ChangeRule, year: number, offset: number): number {
  const y1 = year - 1;
  // glibc counts from 1970 only: earlier years all start at the epoch.
  let t = year > 1970 ? ((year - 1970) * 365 + (Math.floor(y1 / 4) - 492) - (Math.floor(y1 / 100) - 19) + (Math.floor(y1 / 400) - 4)) * DAY : 0;
  if (r.kind === 'J1') t += (r.d - 1 + (r.d >= 60 && isLeap(year) ? 1 : 0)) * DAY;
  else if (r.kind === 'J0') t += r.d * DAY;
  else {
    const cum = CUMULATIVE[isLeap(year) ? 1 : 0];
    t += cum[r.m - 1] * DAY;
    // Zeller's congruence, as glibc: the weekday of the month's first day.
    const m1 = ((r.m + 9) % 12) + 1;
    const yy0 = r.m <= 2 ? year - 1 : year;
    const yy1 = Math.trunc(yy0 / 100);
    const yy2 = yy0 % 100;
    let dow = (Math.trunc((26 * m1 - 2) / 10) + 1 + yy2 + Math.trunc(yy2 / 4) + Math.trunc(yy1 / 4) - 2 * yy1) % 7;
    if (dow < 0) dow += 7;
    let d = r.d - dow;
    if (d < 0) d += 7;
    for (let k = 1; k < r.n && d + 7 < cum[r.m] - cum[r.m - 1]; k++) d += 7;
    t += d * DAY;
  }
  return t - offset + r.secs;
}

/** Year, month (0-11), day, and seconds into the day, of `t` seconds since the epoch (Hinnant's civil_from_days). */
function civil(t: number): [number, number, number, number] {
  const days = Math.floor(t / DAY);
  const secs = t - days * DAY;
  const z = days + 719468;
  const era = Math.floor(z / 146097);
  const doe = z - era * 146097;
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) - Math.floor(doe / 146096)) / 365);
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const day = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const month = mp < 10 ? mp + 2 : mp - 10;
  return [yoe + era * 400 + (month <= 1 ? 1 : 0), month, day, secs];
}

/** The type in effect at `t`, as glibc's __tzfile_compute() and __tz_compute() choose it. */
function typeAt(zone: Zone, t: number): TimeType {
  const tr = zone.transitions;
  // Before the first transition (or with none): the first standard-time type.
  if (zone.file && (tr.length === 0 || t < tr[0])) return zone.types.find((x) => !x.isDst) ?? zone.types[0];
  if (zone.file && (t < tr[tr.length - 1] || zone.rule === null)) {
    let lo = 0;
    let hi = tr.length;
    while (hi - lo > 1) {
      const mid = (lo + hi) >> 1;
      if (tr[mid] <= t) lo = mid;
      else hi = mid;
    }
    return zone.types[zone.typeOf[lo]];
  }
  const rule = zone.rule;
  if (rule === null) return zone.types[0];
  if (rule.dst === null) return rule.std;
  const year = civil(t)[0];
  const start = changeTime(rule.start, year, rule.std.offset);
  const end = changeTime(rule.end, year, rule.dst.offset);
  // Southern hemisphere: daylight time spans the new year.
  const dst = start > end ? t < end || t >= start : t >= start && t < end;
  return dst ? rule.dst : rule.std;
}

/** What localtime() or gmtime() gives: the date, the day of the year (0-365) and the seconds into the day. */
export interface BrokenDownTime {
  year: number;
  /** 0-11 */
  month: number;
  day: number;
  yday: number;
  seconds: number;
}

/**
 * `sec` seconds since the epoch in the zone TZ names (`local`) or in UTC,
 * or null where localtime() fails (the year does not fit tm_year, an int).
 */
export function brokenDownTime(sec: number, local: boolean): BrokenDownTime | null {
  const offset = local ? typeAt(currentZone(), sec).offset : 0;
  const t = sec + offset;
  const [year, month, day, seconds] = civil(t);
  if (year - 1900 > 2147483647 || year - 1900 < -2147483648) return null;
  // Days since 1 January: days since the epoch less those to 1 January of the year (Hinnant's days_from_civil).
  const y = year - 1;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const jan1 = era * 146097 + yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + 306 - 719468;
  return { year, month, day, yday: Math.floor(t / DAY) - jan1, seconds };
}

const pad2 = (n: number): string => (n < 10 ? '0' : '') + n;

/** frame.time's text for `sec` seconds and `nsec` nanoseconds since the epoch, in the zone TZ names. */
export function localTimeText(sec: number, nsec: number): string {
  const t = brokenDownTime(sec, true);
  if (t === null) return 'Not representable';
  // printf's %09ld: zero-padded to nine characters, a minus sign among them.
  const frac = nsec >= 0 ? String(nsec).padStart(9, '0') : '-' + String(-nsec).padStart(8, '0');
  const s = t.seconds;
  const hms = `${pad2(Math.floor(s / 3600))}:${pad2(Math.floor(s / 60) % 60)}:${pad2(s % 60)}`;
  return `${MONTHS[t.month]} ${t.day < 10 ? ' ' : ''}${t.day}, ${t.year} ${hms}.${frac} ${typeAt(currentZone(), sec).name}`;
}
