/**
 * `-z io,stat,INTERVAL[,COLUMN...]`: tshark 4.0's IO Statistics table
 * (ui/cli/tap-iostat.c), byte for byte. One row per INTERVAL seconds of the
 * capture (0: one row for all of it), one column per COLUMN:
 *
 *   (empty)            frames and bytes of every frame
 *   FILTER             frames and bytes of the frames a display filter selects
 *   CALC(field)FILTER  COUNT, SUM, MIN, MAX, AVG or LOAD of a field's values
 *                      (FILTER optional); FRAMES()FILTER and BYTES()FILTER too
 *
 * tshark's ways are kept, odd ones included, because scripts compare the
 * tables: a calculation sees its field only where some display filter of the
 * run names it (tshark collects only fields a filter "primes"; its manual:
 * the field MUST be part of the filter), so SUM(tcp.len) alone is 0 and
 * SUM(tcp.len)tcp.len is the sum (synack says so on stderr); a frame earlier
 * than the current row counts in the current row; a frame earlier than the
 * first frame counts at the time of the last frame counted; the last row is
 * cut at the capture's duration, which is rounded to the interval's decimals
 * only upwards; widths come from the largest value seen while counting.
 * What tshark leaves to chance is not copied: the first row of a SUM, MAX
 * or AVG of a double field (icmp.resptime) starts from uninitialised memory
 * there (synack starts from 0), LOAD on a capture of no duration divides by
 * zero there (synack prints the table), and "io,stat,10.0" without a column
 * reads past the argument there (synack shows the one decimal written).
 *
 * Memory: one cell per interval and column, in typed arrays grown by
 * doubling, at most MAX_ROWS intervals (a tiny interval on a long capture is
 * refused with one line at the end rather than printing millions of rows).
 * Per frame nothing is allocated (the field values come from the display
 * filter's own reader, FieldOperand, into its reused arrays).
 */
import { allFieldNames, fieldByName, fieldProtocol, protocolByName } from '../decode/index';
import { deltaNsecs, deltaSecs } from '../decode/nstime';
import type { Packet } from '../decode/packet';
import { FieldType } from '../decode/protocol';
import { closestNames } from '../decode/suggest';
import { compileFilter, formatFilterError, type PacketPredicate } from '../filter/index';
import { FieldOperand, ProtoOperand, type Operand } from '../filter/operands';
import { kindOfField } from '../filter/values';
import type { OutBuf } from './outbuf';
import { sanitize } from './sanitize';

/**
 * Intervals a table may have: 2 Mi rows is already more than anyone reads
 * (an hour at 2 ms), and bounds a column's cells at 24 bytes × 2 Mi. tshark
 * has no bound (0.000001 on a day-long capture prints 86 billion rows).
 */
export const MAX_ROWS = 1 << 21;

const enum Calc {
  Frames = 0,
  Bytes = 1,
  FramesBytes = 2,
  Count = 3,
  Sum = 4,
  Min = 5,
  Max = 6,
  Avg = 7,
  Load = 8,
}

/** tshark's calc_type_table, in its order (the parser tries the names in this order). */
const CALC_NAMES = ['FRAMES', 'BYTES', 'FRAMES BYTES', 'COUNT', 'SUM', 'MIN', 'MAX', 'AVG', 'LOAD'] as const;

/** How a calculation's field is counted: tshark's ftype families. */
const enum Val {
  Uint = 0,
  Int = 1,
  Double = 2,
  RelTime = 3,
}

/** An interval larger than any capture: tshark's "whole capture" (INTERVAL 0, or a negative one). */
const WHOLE = Infinity;

const SPACE = /^[ \t\n\v\f\r]+|[ \t\n\v\f\r]+$/g;

/**
 * Adds what a display filter primes in tshark's tree to `into`: the fields
 * it reads, and the protocols it names (a protocol is no field to the
 * compiler, so its name is found among the filter's words; a word inside a
 * quoted string may prime a protocol tshark would not).
 */
export function addPrimed(into: Set<string>, filter: { readonly text: string; readonly fields: readonly { readonly name: string }[] }): void {
  for (const d of filter.fields) into.add(d.name);
  for (const m of filter.text.matchAll(/[A-Za-z_][A-Za-z0-9_.-]*/g)) if (protocolByName(m[0]) !== undefined) into.add(m[0]);
}

/** tshark's `last_relative_time`: one static shared by every io,stat column of the run. */
export class IoClock {
  last = 0;
}

/**
 * A calculation's column whose field no display filter names: tshark counts
 * nothing there. The note says how to get the numbers.
 */
function unprimedNote(z: string, text: string, field: string): string {
  return `-z ${z}: as in tshark, ${text} sees ${field} only in frames a display filter names it in; write ${text.slice(0, text.indexOf(')') + 1)}${field} to count it`;
}

class Column {
  /** Frames per row, and the counter: bytes, occurrences, a sum, a minimum or maximum, LOAD's microseconds. */
  frames = new Uint32Array(16);
  cnt = new Float64Array(16);
  /** Relative-time sums and extremes: nanoseconds in [0, 1e9) beside the seconds in `cnt` (exact beyond 2^53 ns). */
  nsec: Float64Array | null;
  /** AVG: values counted. */
  num: Uint32Array | null;
  lastRow = 0;
  maxFrame = 0;
  /** The largest counter seen (tshark's max_vals); for Int and RelTime columns in uint64 order (negative = huge). */
  maxVal = 0;
  maxNs = 0;
  /** frame.time_epoch: a relative time to tshark 4.0 (FT_RELATIVE_TIME), read as seconds and nanoseconds. */
  readonly epoch: boolean;

  constructor(
    /** The column's text as given (null: an empty column, "Frames and bytes"). */
    readonly label: string | null,
    readonly calc: Calc,
    readonly val: Val,
    readonly match: PacketPredicate | null,
    /** The field's (or protocol's) reader; null when no filter primes the field (tshark sees no value). */
    public operand: Operand | null,
    /** The calculation's field or protocol name (null for frames and bytes). */
    readonly field: string | null,
  ) {
    this.epoch = field === 'frame.time_epoch';
    this.nsec = val === Val.RelTime && calc !== Calc.Load && calc !== Calc.Count ? new Float64Array(16) : null;
    this.num = calc === Calc.Avg ? new Uint32Array(16) : null;
  }

  private grow(n: number): void {
    let size = this.frames.length;
    while (size < n) size *= 2;
    size = Math.min(size, MAX_ROWS);
    const f = new Uint32Array(size);
    f.set(this.frames);
    this.frames = f;
    const c = new Float64Array(size);
    c.set(this.cnt);
    this.cnt = c;
    if (this.nsec !== null) {
      const s = new Float64Array(size);
      s.set(this.nsec);
      this.nsec = s;
    }
    if (this.num !== null) {
      const m = new Uint32Array(size);
      m.set(this.num);
      this.num = m;
    }
  }

  /** iostat_packet(): counts the frame at relative time `t` (microseconds). */
  add(pkt: Packet, t: number, interval: number): void {
    let row = 0;
    if (interval !== WHOLE) {
      row = Math.floor(t / interval);
      if (row * interval > t) row--;
    }
    // tshark only ever adds rows after its last one: an earlier frame counts in the last row.
    if (row < this.lastRow) row = this.lastRow;
    // Beyond the bound the table is refused (IoStat.failure): nothing more is kept.
    if (row >= MAX_ROWS) return;
    if (row >= this.frames.length) this.grow(row + 1);
    this.lastRow = row;
    const fr = ++this.frames[row];
    const cnt = this.cnt;
    const op = this.operand;
    switch (this.calc) {
      case Calc.Frames:
      case Calc.Bytes:
      case Calc.FramesBytes:
        cnt[row] += pkt.frame.origLen;
        this.maxFrame = Math.max(this.maxFrame, fr);
        this.maxVal = Math.max(this.maxVal, cnt[row]);
        return;
      case Calc.Count:
        if (op !== null) cnt[row] += op.load(pkt);
        this.maxVal = Math.max(this.maxVal, cnt[row]);
        return;
      case Calc.Load:
        if (op !== null) this.load(op, pkt, row, interval);
        this.maxVal = Math.max(this.maxVal, cnt[row]);
        return;
    }
    const n = op === null ? 0 : op.load(pkt);
    const v = op === null ? cnt : op.out.num;
    if (this.nsec !== null) {
      this.relative(row, fr, op, n);
      return;
    }
    switch (this.calc) {
      case Calc.Sum:
        for (let i = 0; i < n; i++) cnt[row] += v[i];
        break;
      case Calc.Min:
        // The first value of the row's first frame starts the minimum: a row whose first frame lacks the field stays 0.
        for (let i = 0; i < n; i++) if ((fr === 1 && i === 0) || v[i] < cnt[row]) cnt[row] = v[i];
        break;
      case Calc.Max:
        for (let i = 0; i < n; i++) if (v[i] > cnt[row]) cnt[row] = v[i];
        break;
      case Calc.Avg:
        this.num![row] += n;
        for (let i = 0; i < n; i++) cnt[row] += v[i];
        break;
    }
    let m: number;
    if (this.calc === Calc.Avg) {
      const k = this.num![row];
      if (k === 0) return;
      if (this.val === Val.Double) m = Math.floor(toU64(cnt[row]) / k);
      else m = cnt[row] >= 0 ? Math.floor(cnt[row] / k) : Number(BigInt.asUintN(64, BigInt(cnt[row])) / BigInt(k));
    } else m = this.val === Val.Double ? toU64(cnt[row] + 0.5) : cnt[row];
    if (u64Less(this.maxVal, m)) this.maxVal = m;
  }

  /** SUM, MIN, MAX and AVG of a relative time, as tshark's uint64 nanoseconds. */
  private relative(row: number, fr: number, op: Operand | null, n: number): void {
    const cnt = this.cnt;
    const ns = this.nsec!;
    for (let i = 0; i < n; i++) {
      const s = seconds(op!, i, this.epoch);
      const f = nanoseconds(op!, i, this.epoch, s);
      switch (this.calc) {
        case Calc.Sum:
        case Calc.Avg: {
          let lo = ns[row] + f;
          let hi = cnt[row] + s;
          if (lo >= 1e9) {
            lo -= 1e9;
            hi++;
          }
          cnt[row] = hi;
          ns[row] = lo;
          break;
        }
        case Calc.Min:
          if ((fr === 1 && i === 0) || relLess(s, f, cnt[row], ns[row])) {
            cnt[row] = s;
            ns[row] = f;
          }
          break;
        case Calc.Max:
          if (relLess(cnt[row], ns[row], s, f)) {
            cnt[row] = s;
            ns[row] = f;
          }
          break;
      }
    }
    if (this.calc === Calc.Avg) {
      const k = (this.num![row] += n);
      if (k === 0) return;
      // Whole seconds of the rounded mean (in doubles while they are exact: no allocation per frame).
      const total = cnt[row] * 1e9 + ns[row];
      const m =
        cnt[row] >= 0 && total < 2 ** 53
          ? Math.floor((Math.floor(total / k) + 5e8) / 1e9)
          : Number((relBig(cnt[row], ns[row]) / BigInt(k) + 500_000_000n) / 1_000_000_000n);
      if (m > this.maxVal) this.maxVal = m;
    } else if (relLess(this.maxVal, this.maxNs, cnt[row], ns[row])) {
      this.maxVal = cnt[row];
      this.maxNs = ns[row];
    }
  }

  /**
   * LOAD: each response time (microseconds) is spread backwards from this
   * row over the rows it spanned, whole intervals to the earlier rows and the
   * remainder to this one. tshark walks the rows one by one, and from the
   * first row on to the last (its list is circular): here the walk goes by
   * whole turns, so a long time on a tiny interval costs rows, not steps.
   */
  private load(op: Operand, pkt: Packet, row: number, interval: number): void {
    const n = op.load(pkt);
    const cnt = this.cnt;
    for (let i = 0; i < n; i++) {
      // secs * 1e6 + nsecs / 1000, nsecs of the same sign.
      const s = seconds(op, i, this.epoch);
      const f = nanoseconds(op, i, this.epoch, s);
      let us = s < 0 && f > 0 ? (s + 1) * 1e6 + Math.trunc((f - 1e9) / 1000) : s * 1e6 + Math.trunc(f / 1000);
      // A negative time is 2^64 microseconds to tshark: a walk it never ends.
      if (us < 0) continue;
      const tival = us % interval;
      cnt[row] += tival;
      us -= tival;
      if (us <= 0) continue;
      let steps = us / interval;
      const turns = Math.floor(steps / (row + 1));
      if (turns > 0) {
        for (let r = 0; r <= row; r++) cnt[r] += turns * interval;
        steps -= turns * (row + 1);
      }
      for (let r = row - 1; steps > 0; r--, steps--) {
        if (r < 0) r = row;
        cnt[r] += interval;
      }
    }
  }
}

/** Whole seconds of a relative-time value (floor: the nanoseconds beside them are in [0, 1e9)). */
function seconds(op: Operand, i: number, epoch: boolean): number {
  // An epoch time's nanoseconds (Vals.aux) have the sign of its seconds.
  if (epoch) return op.out.aux[i] < 0 ? op.out.num[i] - 1 : op.out.num[i];
  return Math.floor(op.out.num[i] / 1e9);
}

function nanoseconds(op: Operand, i: number, epoch: boolean, s: number): number {
  if (!epoch) return op.out.num[i] - s * 1e9;
  const f = op.out.aux[i];
  return f < 0 ? f + 1e9 : f;
}

/** Whether relative time (aS, aN) is below (bS, bN) as uint64 nanoseconds: a negative time is huge. */
function relLess(aS: number, aN: number, bS: number, bN: number): boolean {
  if (aS < 0 !== bS < 0) return bS < 0;
  return aS < bS || (aS === bS && aN < bN);
}

/** Seconds and nanoseconds as tshark's uint64 nanoseconds. */
function relBig(s: number, ns: number): bigint {
  return BigInt.asUintN(64, BigInt(s) * 1_000_000_000n + BigInt(ns));
}

/** a < b as uint64, for signed counters (a negative one is 2^64 + it). */
function u64Less(a: number, b: number): boolean {
  if (a < 0 !== b < 0) return b < 0;
  return a < b;
}

/** C's (uint64) conversion of a double, as x86-64 does it: a negative one (from -1 on) becomes huge. */
function toU64(x: number): number {
  if (x >= 0) return Math.floor(x);
  return x > -1 ? 0 : -1;
}

/** tshark's magnitude(): decimal digits of a uint64, at most `max` (a "negative" counter is huge). */
function magnitude(v: number, max: number): number {
  if (v < 0) return max;
  let mag = 0;
  for (let i = 0; i < max; i++) {
    mag++;
    v = Math.floor(v / 10);
    if (v === 0) break;
  }
  return mag;
}

/** An io,stat request: its columns, counted per frame, and its table. */
export class IoStat {
  /** Largest time since the first frame (tshark's elapsed time: the capture's duration), seconds and nanoseconds. */
  private eSec = 0;
  private eNsec = 0;

  constructor(
    readonly z: string,
    /** Microseconds, or WHOLE. */
    private readonly interval: number,
    /** Decimals of the interval (tshark's invl_prec). */
    private readonly prec: number,
    private readonly cols: readonly Column[],
    /** Names of the fields and protocols the columns' filters name (tshark primes them for every tap). */
    readonly filterFields: readonly string[],
    private readonly clock: IoClock,
  ) {}

  /**
   * Given every field a display filter of the run names (-Y, every -z
   * filter), drops the readers of calculations whose field is not among
   * them, as tshark's tree never holds such a field; returns a note for each.
   */
  prime(primed: ReadonlySet<string>): string[] {
    const notes: string[] = [];
    for (const c of this.cols) {
      if (c.field === null || c.operand === null || primed.has(c.field)) continue;
      c.operand = null;
      notes.push(unprimedNote(this.z, c.label!, c.field));
    }
    return notes;
  }

  /** Per frame, every frame read (a -Y filter does not hide frames from tshark's taps). */
  observe(pkt: Packet): void {
    const f = pkt.frame;
    const c = pkt.clock;
    const s = deltaSecs(f.tsSec, f.tsNsec, c.firstSec, c.firstNsec);
    const ns = deltaNsecs(f.tsSec, f.tsNsec, c.firstSec, c.firstNsec);
    // tshark compares with the elapsed time cast to 32 bits: past 68 years it is replaced by any later frame's.
    if ((this.eSec | 0) < s || ((this.eSec | 0) === s && (this.eNsec | 0) < ns)) {
      this.eSec = s;
      this.eNsec = ns;
    }
    // Before the first frame: tshark counts the frame at the last time it counted.
    const ok = s >= 0 && ns >= 0;
    const rel = ok ? s * 1e6 + Math.trunc((ns + 500) / 1000) : 0;
    for (let i = 0; i < this.cols.length; i++) {
      const col = this.cols[i];
      if (col.match !== null && !col.match(pkt)) continue;
      if (ok) this.clock.last = rel;
      col.add(pkt, ok ? rel : this.clock.last, this.interval);
    }
  }

  /**
   * The capture's duration in microseconds, as tshark computes it in uint64:
   * an elapsed time gone negative (time stamps past 2038 in a 32-bit field)
   * wraps to a huge one.
   */
  private durationUs(): bigint {
    return BigInt.asUintN(64, BigInt(this.eSec) * 1_000_000n + BigInt(Math.trunc((this.eNsec + 500) / 1000)));
  }

  /** Why the table cannot be printed (more intervals than MAX_ROWS), or null. */
  failure(): string | null {
    const L = this.layout();
    if (L.rows <= MAX_ROWS) return null;
    const d = this.durationUs();
    const secs = `${d / 1_000_000n}.${String(d % 1_000_000n).padStart(6, '0')}`;
    return `-z ${this.z}: the capture lasts ${secs} s, ${L.rowsExact} intervals; synack prints at most ${MAX_ROWS}: use a longer interval`;
  }

  /** tshark's iostat_draw() arithmetic: duration, interval, decimals, widths. */
  private layout(): Layout {
    let duration = this.durationUs();
    let interval: bigint;
    let whole = false;
    if (this.interval === WHOLE || BigInt(this.interval) > duration) {
      interval = duration;
      whole = true;
    } else interval = BigInt(this.interval);
    const durSecsOrig = secs32(duration);
    const durUsOrig = Number(duration % 1_000_000n);
    let durMag = magnitude(Number(duration / 1_000_000n), 5);
    // The number formats keep the width of the duration before rounding; the padding uses the one after.
    const fmtMag = durMag;
    const invlMag = magnitude(Number(interval / 1_000_000n), 5);
    let prec: number;
    let border: number;
    if (interval === duration) {
      prec = durMag >= 2 ? 1 : durMag === 1 ? 3 : 6;
      border = 30 + durMag + (prec === 0 ? 0 : prec + 1);
    } else {
      prec = this.prec;
      border = 24 + invlMag + (prec === 0 ? 0 : prec + 1);
    }
    let dv = 1_000_000n;
    for (let i = 0; i < prec; i++) dv /= 10n;
    // Rounded up only: a remainder of exactly half the last digit stays (0.65 s at one decimal is 0.6).
    if (duration % dv > 5n * (dv / 10n)) {
      duration = BigInt.asUintN(64, duration + 5n * (dv / 10n));
      duration = (duration / dv) * dv;
      durMag = magnitude(Number(duration / 1_000_000n), 5);
    }
    if (whole) interval = duration;
    const invlColW = Math.max(prec === 0 ? 2 * durMag + 8 : 2 * durMag + 2 * prec + 10, 12);
    border = Math.max(border, invlColW);
    const rows = interval === 0n || duration === 0n ? 0n : duration / interval + (duration % interval > 0n ? 1n : 0n);
    return { duration, interval, durSecsOrig, durUsOrig, durMag, fmtMag, prec, dv, border, invlColW, rows: rows > BigInt(MAX_ROWS) ? Infinity : Number(rows), rowsExact: rows };
  }

  /** The table, as tshark prints it at the end of the capture. */
  write(out: OutBuf): void {
    const L = this.layout();
    if (L.rows > MAX_ROWS) return;
    const { duration, interval, durMag, fmtMag, prec, dv, invlColW } = L;
    // LOAD's widths divide by the interval; rows are at most MAX_ROWS, so a row's span is a safe number.
    const step = Number(interval);
    let border = L.border;
    const widths: Width[] = [];
    let tabrow = invlColW;
    for (const c of this.cols) {
      const w = width(c, step);
      widths.push(w);
      tabrow += w.fr > 0 ? w.fr + 3 : 0;
      tabrow += w.val > 0 ? w.val + 3 : 0;
    }
    border = Math.max(border, tabrow);
    let maxFilter = 0;
    for (const c of this.cols) maxFilter = Math.max(maxFilter, c.label === null ? 26 : c.label.length + 11);
    // Filters wider than the table widen it up to 102 columns (tshark's "typical window"); beyond, they wrap.
    if (maxFilter > border && border < 102) border = Math.min(maxFilter, 102);
    if (border - tabrow === 1) border++;

    const filler = tabrow < border ? `${sp(border - tabrow - 1)}|` : '';
    const frac = (v: bigint): string => zpad(Number((v % 1_000_000n) / dv), prec);
    let s = `\n${'='.repeat(border)}\n| IO Statistics${sp(border - 16)}|\n|${sp(border - 2)}|\n`;
    if (prec === 0) {
      s += `| Duration: ${pad(L.durSecsOrig, fmtMag)}.${pad(L.durUsOrig, 6)} secs${sp(border - 25 - durMag)}|\n`;
      s += `| Interval: ${pad(secs32(interval), fmtMag)} secs${sp(border - 18 - durMag)}|\n`;
    } else {
      s += `| Duration: ${pad(secs32(duration), fmtMag)}.${frac(duration)} secs${sp(border - 19 - durMag - prec)}|\n`;
      s += `| Interval: ${pad(secs32(interval), fmtMag)}.${frac(interval)} secs${sp(border - 19 - durMag - prec)}|\n`;
    }
    s += `|${sp(border - 2)}|\n`;
    for (let j = 0; j < this.cols.length; j++) {
      s += j === 0 ? `| Col${pad(j + 1, 2)}: ` : `|    ${pad(j + 1, 2)}: `;
      const label = this.cols[j].label;
      if (label === null) {
        s += `Frames and bytes${sp(border - 26)}|\n`;
        continue;
      }
      let filter = sanitize(label);
      const maxW = border - 11;
      while (filter.length > maxW) {
        // Wrapped at the last space that fits, or cut where none does.
        const head = filter.slice(0, maxW);
        const space = head.lastIndexOf(' ');
        const len = space >= 0 ? space : head.length;
        s += `${head.slice(0, len)}${sp(border - len - 10)}|\n|        `;
        filter = filter.slice(space >= 0 ? len + 1 : len);
      }
      s += `${filter}${sp(border - filter.length - 10)}|\n`;
    }
    s += `|-${'-'.repeat(Math.max(0, border - 3))}|\n`;
    s += `|${sp(invlColW - 2)}|`;
    for (let j = 0; j < this.cols.length; j++) {
      const w = widths[j];
      s += `${String(j + 1).padEnd(2)}${sp(w.fr > 0 && w.val > 0 ? w.fr + w.val + 3 : w.fr + w.val)}|`;
    }
    s += `${filler}\n| Interval${sp(invlColW - 11)}|`;
    for (let j = 0; j < this.cols.length; j++) {
      const c = this.cols[j];
      const w = widths[j];
      if (c.calc === Calc.FramesBytes) s += center('Frames', w.fr) + center('Bytes', w.val);
      else s += center(CALC_NAMES[c.calc], c.calc === Calc.Frames ? w.fr : w.val);
    }
    s += `${filler}\n|-${'-'.repeat(Math.max(0, tabrow - 3))}|${filler}\n`;
    out.ascii(s);

    let t = 0n;
    const xmm0 = { last: 0 };
    for (let r = 0; r < L.rows; r++) {
      const last = r === L.rows - 1;
      const end = last ? duration : t + interval;
      let line: string;
      if (prec === 0) {
        const lead = durMag === 1 ? '|  ' : '| ';
        // The "Dur" label's format is built with g_snprintf and g_strconcat, which overwrite the stale double (below).
        if (last) xmm0.last = 0;
        if (last) line = `${lead}${pad(secs32(t), fmtMag)} <> ${'Dur'.padEnd(durMag >= 3 ? durMag + 1 : 3)}|`;
        else line = `${lead}${pad(secs32(t), fmtMag)} <> ${pad(secs32(end), fmtMag)}${durMag === 1 ? '  ' : ' '}|`;
      } else {
        line = `| ${pad(secs32(t), fmtMag)}.${frac(t)} <> ${pad(secs32(end), fmtMag)}.${frac(end)} |`;
      }
      const span = end - t;
      for (let j = 0; j < this.cols.length; j++) line += cell(this.cols[j], widths[j], r, span, xmm0);
      out.ascii(`${line}${filler}\n`);
      t += interval;
    }
    out.ascii(`${'='.repeat(border)}\n`);
  }
}

/** (guint32)(us / 1000000): the whole seconds of a microsecond count, as tshark prints them. */
function secs32(us: bigint): number {
  return Number((us / 1_000_000n) & 0xffffffffn);
}

interface Layout {
  duration: bigint;
  interval: bigint;
  durSecsOrig: number;
  durUsOrig: number;
  durMag: number;
  fmtMag: number;
  prec: number;
  dv: bigint;
  border: number;
  invlColW: number;
  /** Rows of the table (Infinity: more than MAX_ROWS). */
  rows: number;
  rowsExact: bigint;
}

/** A column's widths without padding and borders: frames (0: none) and value (0: none); `mag`: the value's integer digits. */
interface Width {
  fr: number;
  val: number;
  mag: number;
}

function width(c: Column, interval: number): Width {
  const fr = Math.max(6, magnitude(c.maxFrame, 15));
  switch (c.calc) {
    case Calc.Frames:
      return { fr, val: 0, mag: 0 };
    case Calc.FramesBytes:
      return { fr, val: Math.max(5, magnitude(c.maxVal, 15)), mag: 0 };
    case Calc.Bytes:
    case Calc.Count: {
      const v = Math.max(5, magnitude(c.maxVal, 15));
      return { fr: 0, val: v, mag: v };
    }
  }
  switch (c.val) {
    case Val.Double: {
      const mag = magnitude(c.maxVal, 15);
      return { fr: 0, val: mag + 7, mag };
    }
    case Val.RelTime: {
      let max: number;
      if (c.calc === Calc.Load) max = interval === 0 ? 0 : Math.floor(c.maxVal / interval);
      else if (c.calc === Calc.Avg) max = c.maxVal;
      else max = Number((relBig(c.maxVal, c.maxNs) + 500_000_000n) / 1_000_000_000n);
      const mag = magnitude(max, 15);
      return { fr: 0, val: mag + 7, mag };
    }
    default: {
      const mag = Math.max(CALC_NAMES[c.calc].length, magnitude(c.maxVal, 15));
      return { fr: 0, val: mag, mag };
    }
  }
}

/**
 * One cell of row `r` (" value |"); `span`: the row's length in microseconds
 * (LOAD divides by it). `xmm0.last`: the last double printed. tshark prints
 * an empty cell as printf(fmt, 0, 0): a "%f" there reads a double that was
 * never passed, which on x86-64 is the one the previous printf of a double
 * left in the stack slot where printf saves its vector registers.
 */
function cell(c: Column, w: Width, r: number, span: bigint, xmm0: { last: number }): string {
  // Rows after the column's last frame have no item in tshark: printf(fmt, 0, 0).
  const has = r <= c.lastRow;
  const frames = has ? c.frames[r] : 0;
  const cnt = has ? c.cnt[r] : 0;
  switch (c.calc) {
    case Calc.Frames:
      return ` ${pad(frames, w.fr)} |`;
    case Calc.FramesBytes:
      return ` ${pad(frames, w.fr)} | ${pad(cnt, w.val)} |`;
    case Calc.Bytes:
    case Calc.Count:
      return ` ${pad(cnt, w.val)} |`;
  }
  if (!has) return c.val === Val.RelTime ? ` ${pad(0, w.mag)}.000000 |` : c.val === Val.Double ? ` ${fixed6(xmm0.last).padStart(w.mag)} |` : ` ${pad(0, w.mag)} |`;
  const k = c.num === null ? 1 : Math.max(1, c.num[r]);
  if (c.calc === Calc.Load) {
    // (int)(counter / span) and the remainder's millionths, in uint64 as tshark computes them.
    const den = span === 0n ? 1n : span;
    const v = BigInt(cnt);
    return ` ${pad(Number((v / den) & 0xffffffffn), w.mag)}.${zpad(Number(BigInt.asUintN(64, (v % den) * 1_000_000n) / den), 6)} |`;
  }
  switch (c.val) {
    case Val.Double:
      xmm0.last = c.calc === Calc.Avg ? cnt / k : cnt;
      return ` ${fixed6(xmm0.last).padStart(w.mag)} |`;
    case Val.RelTime: {
      const us = BigInt.asUintN(64, relBig(cnt, c.nsec![r]) / BigInt(k) + 500n) / 1000n;
      return ` ${pad(Number((us / 1_000_000n) & 0xffffffffn), w.mag)}.${zpad(Number(us % 1_000_000n), 6)} |`;
    }
    case Val.Int:
      if (c.calc !== Calc.Avg) return ` ${pad(cnt, w.mag)} |`;
      return ` ${pad(cnt >= 0 ? Math.floor(cnt / k) : BigInt.asIntN(64, BigInt.asUintN(64, BigInt(cnt)) / BigInt(k)), w.mag)} |`;
    default:
      return ` ${pad(Math.floor(cnt / k), w.mag)} |`;
  }
}

/** tshark's printcenter(): a label centred in a column `lenval` wide (nothing at all when the column is very wide). */
function center(label: string, lenval: number): string {
  const diff = lenval - label.length;
  const len = 6 - (Math.trunc(diff / 2) + 1);
  if (len > 0 && len < 6) {
    const p = sp(6 - len);
    return diff % 2 === 0 ? `${p}${label}${p}|` : `${p} ${label}${p}|`;
  }
  if (len > 0 && len <= 15) return `${label}|`;
  return '';
}

function sp(n: number): string {
  return n > 0 ? ' '.repeat(n) : '';
}

/** printf("%*u"): right-aligned in `w`, never cut. */
function pad(v: number | bigint, w: number): string {
  return String(v).padStart(w);
}

function zpad(v: number, w: number): string {
  return String(v).padStart(w, '0');
}

/** printf("%.6f"). */
function fixed6(v: number): string {
  if (!Number.isFinite(v)) return Number.isNaN(v) ? '-nan' : v > 0 ? 'inf' : '-inf';
  const t = v.toFixed(6);
  return Object.is(v, -0) ? `-${t}` : t;
}

/**
 * Parses `io,stat,INTERVAL[,COLUMN...]` as tshark's iostat_init() and
 * register_io_tap() do; returns the request, or the error line.
 */
export function parseIoStat(z: string, clock: IoClock): IoStat | string {
  const usage = `-z ${z}: use io,stat,INTERVAL[,FILTER|CALC(field)FILTER...] (INTERVAL in seconds, 0: the whole capture; CALC: COUNT, SUM, MIN, MAX, AVG or LOAD)`;
  if (!z.startsWith('io,stat,') || z.endsWith(',')) return usage;
  const rest = z.slice('io,stat,'.length);
  // sscanf("%lf"): leading white space, a sign, digits with a point, an exponent.
  const m = /^[ \t\n\v\f\r]*[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?/.exec(rest);
  if (m === null) return usage;
  const after = rest.slice(m[0].length);
  if (after !== '' && after[0] !== ',') return usage;
  const seconds = Number(m[0].trim());
  let interval = WHOLE;
  let prec = 0;
  if (seconds !== 0) {
    // (guint64)(seconds * 1e6 + 0.5): C turns a negative interval into a huge one, larger than any capture.
    const x = seconds * 1e6 + 0.5;
    interval = x <= -1 || x >= 2 ** 63 ? WHOLE : Math.max(0, Math.floor(x));
    if (interval < 1) return `-z ${z}: the interval must be at least 0.000001 seconds, or 0 for the whole capture`;
    if (interval !== WHOLE) {
      prec = 6;
      for (let i = 10; i < 1e7; i *= 10) {
        if (interval % i > 0) break;
        prec--;
      }
      // Whole seconds written with decimals ("10.00") keep them in the table. (tshark reads past the
      // text when no column follows, and its answer then depends on memory addresses.)
      if (prec === 0) {
        const comma = rest.indexOf(',');
        const text = comma < 0 ? rest : rest.slice(0, comma);
        const dot = text.indexOf('.');
        if (dot >= 0 && text.length - dot - 1 > 0) prec = Math.min(text.length - dot - 1, 6);
      }
    }
  }
  // Columns: an empty one is frames and bytes; white space around each is dropped (an inner one
  // of white space only stays an empty filter, as tshark keeps it).
  const texts: (string | null)[] = [];
  if (after === '') texts.push(null);
  else {
    const pieces = after.slice(1).split(',');
    for (let k = 0; k < pieces.length; k++) {
      const t = pieces[k].replace(SPACE, '');
      if (k < pieces.length - 1) texts.push(pieces[k] === '' ? null : t);
      else texts.push(t === '' ? null : t);
    }
  }
  const cols: Column[] = [];
  const fields = new Set<string>();
  for (const text of texts) {
    const col = parseColumn(z, text, fields);
    if (typeof col === 'string') return col;
    cols.push(col);
  }
  return new IoStat(z, interval, prec, cols, [...fields], clock);
}

/** One column: CALC(field) at its start (tshark's names, in its order), then the filter. */
function parseColumn(z: string, text: string | null, fields: Set<string>): Column | string {
  let calc = Calc.FramesBytes;
  let filterText: string | null = text;
  let field: string | null = null;
  if (text !== null) {
    for (let j = 0; j < CALC_NAMES.length; j++) {
      const name = CALC_NAMES[j];
      if (text.startsWith(name)) {
        calc = j as Calc;
        if (text[name.length] !== '(') continue;
        const open = name.length + 1;
        const close = text.indexOf(')', open);
        if (close < 0) return `-z ${z}: closing parenthesis missing after ${name}(`;
        const bare = calc === Calc.Frames || calc === Calc.Bytes;
        if (bare && close !== open) return `-z ${z}: ${name}() takes no field`;
        if (!bare && close === open) return `-z ${z}: ${name}() needs a field, as ${name}(frame.len)`;
        filterText = text.slice(close + 1);
        if (!bare) field = text.slice(open, close);
        break;
      } else if (calc === Calc.Frames || calc === Calc.Bytes) {
        // tshark drops the filter of FRAMES or BYTES written without parentheses.
        filterText = '';
      }
    }
  }
  let val = Val.Uint;
  let operand: Operand | null = null;
  if (calc >= Calc.Count) {
    if (field === null) return `-z ${z}: ${CALC_NAMES[calc]} needs a field in parentheses, as ${CALC_NAMES[calc]}(frame.len)`;
    const name = CALC_NAMES[calc];
    const def = fieldByName(field);
    const proto = def === undefined ? protocolByName(field) : undefined;
    if (def === undefined && proto === undefined) {
      const near = closestNames(field, allFieldNames());
      return `-z ${z}: unknown field '${field}'${near.length > 0 ? `; did you mean ${near.map((n) => `'${n}'`).join(', ')}?` : ''}`;
    }
    const type = def === undefined ? FieldType.None : def.type;
    if (type === FieldType.Uint) val = Val.Uint;
    else if (field === 'frame.time_epoch') val = Val.RelTime;
    else if (type === FieldType.Int) val = Val.Int;
    else if (type === FieldType.Double) val = Val.Double;
    else if (type === FieldType.RelTime) val = Val.RelTime;
    else if (calc !== Calc.Count) return `-z ${z}: ${field} doesn't have integral values, so ${name}(*) calculations are not supported on it`;
    if (calc === Calc.Load && val === Val.Double) return `-z ${z}: ${field} is a float field, so ${name}(*) calculations are not supported on it`;
    // tshark accepts LOAD of an integer field, then stops at the first frame that has it.
    if (calc === Calc.Load && val !== Val.RelTime) return `-z ${z}: LOAD() is only supported for relative-time fields such as tcp.analysis.ack_rtt`;
    operand = def !== undefined ? new FieldOperand(def, fieldProtocol(def), kindOfField(def), undefined, false) : new ProtoOperand(proto!, undefined);
  }
  let match: PacketPredicate | null = null;
  if (filterText !== null && filterText !== '') {
    const f = compileFilter(filterText);
    if (!f.ok) return `-z ${z}: ${formatFilterError(f.text, f.error)}`;
    if (f.active) match = f.match;
    addPrimed(fields, f);
  }
  return new Column(text, calc, val, match, operand, field);
}
