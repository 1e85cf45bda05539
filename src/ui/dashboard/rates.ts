/**
 * Frames and bytes per second over the last minute, in one-second buckets
 * keyed by the frames' own time stamps (a live frame is stamped on arrival,
 * so for live capture that is the wall clock; for a file, the capture's).
 * Adding a frame is two array writes; the sparkline is drawn on demand.
 */

export const WINDOW_SECONDS = 60;
const RING = 64;

export class RateMeter {
  private readonly frames = new Float64Array(RING);
  private readonly bytes = new Float64Array(RING);
  private readonly second = new Float64Array(RING).fill(-1);
  /** Latest second a frame was counted in. */
  latest = -1;

  add(sec: number, len: number): void {
    // Per frame: an integer mask, not a floating-point modulo. (ToInt32 wraps far-off seconds
    // consistently; `second[i]` tells buckets apart.)
    const i = sec & (RING - 1);
    if (this.second[i] !== sec) {
      this.second[i] = sec;
      this.frames[i] = 0;
      this.bytes[i] = 0;
    }
    this.frames[i]++;
    this.bytes[i] += len;
    if (sec > this.latest) this.latest = sec;
  }

  private at(sec: number, which: Float64Array): number {
    const i = sec & (RING - 1);
    return this.second[i] === sec ? which[i] : 0;
  }

  /** Frames per second over the last WINDOW_SECONDS seconds ending at `now` (oldest first). */
  series(now: number, seconds = WINDOW_SECONDS): number[] {
    const out: number[] = [];
    for (let s = now - seconds + 1; s <= now; s++) out.push(this.at(s, this.frames));
    return out;
  }

  /**
   * Current rates: the last complete second before `now` (the running one
   * is still filling), or `now` itself when the capture ended there.
   */
  rate(now: number, complete: boolean): { frames: number; bytes: number } {
    const s = complete ? now : now - 1;
    return { frames: this.at(s, this.frames), bytes: this.at(s, this.bytes) };
  }
}

const BARS = '▁▂▃▄▅▆▇█';

/** A sparkline of `values` in `width` cells (the newest at the right); blanks for silence. */
export function sparkline(values: readonly number[], width: number): string {
  const v = values.length > width ? values.slice(values.length - width) : values;
  let max = 0;
  for (const x of v) if (x > max) max = x;
  let s = '';
  for (const x of v) {
    if (x <= 0 || max === 0) s += ' ';
    else s += BARS[Math.min(BARS.length - 1, Math.floor((x / max) * (BARS.length - 1) + 0.5))];
  }
  return s.padStart(width, ' ');
}

/** 1234 -> '1234', 12345 -> '12.3k', 1.2e6 -> '1.2M'. */
export function compact(n: number): string {
  if (n < 10_000) return String(Math.round(n));
  if (n < 1e6) return (n / 1e3).toFixed(n < 1e5 ? 1 : 0) + 'k';
  if (n < 1e9) return (n / 1e6).toFixed(n < 1e7 ? 2 : 1) + 'M';
  return (n / 1e9).toFixed(2) + 'G';
}
