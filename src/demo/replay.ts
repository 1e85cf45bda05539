/**
 * Replays a recorded demo at its original pace: the frames of a capture and
 * the programs' send()/recv() events recorded beside it, on one clock, so the
 * dashboard (or the text output) shows them as they happened. Used where live
 * capture is impossible. The frames keep their recorded timestamps.
 */
import { readFileSync } from 'node:fs';
import { copyFrame, type Frame, type FrameSink, type PacketSource, type Progress, type SourceEnd } from '../capture/frame';
import type { DemoEvent } from './demo';

/** Shared by the frame source and the event replay: capture time -> wall time. */
export class ReplayClock {
  /** Capture time (ms since the epoch) that plays at the start. */
  origin = Number.POSITIVE_INFINITY;
  private startedAt = 0;
  private resolveStart!: () => void;
  readonly started: Promise<void> = new Promise((r) => (this.resolveStart = r));

  /** Widens the origin so that `ms` is not in the past when playing starts. */
  include(ms: number): void {
    if (ms < this.origin) this.origin = ms;
  }

  start(): void {
    this.startedAt = Date.now();
    this.resolveStart();
  }

  /** How long from now until capture time `ms` plays (0 if it is due). */
  delay(ms: number): number {
    return Math.max(0, this.startedAt + (ms - this.origin) - Date.now());
  }
}

function frameMs(f: Frame): number {
  return f.tsSec * 1000 + f.tsNsec / 1e6;
}

function eventMs(e: DemoEvent): number {
  return e.tsSec * 1000 + e.tsNsec / 1e6;
}

/**
 * Wraps a file source: reads every frame first (the demo capture is a few
 * KB), then delivers them at the pace they were recorded, once the clock
 * starts. `stop()` ends the replay at once.
 */
export class PacedSource implements PacketSource {
  readonly kind = 'file' as const;
  private frames: Frame[] = [];
  private loaded: Promise<SourceEnd> | undefined;
  private timer: NodeJS.Timeout | undefined;
  private finish: ((end: SourceEnd) => void) | undefined;
  private stopped = false;
  private delivered = 0;
  private resolveFinished!: () => void;
  /** Resolves when the last frame was delivered, or on stop(). */
  readonly finished: Promise<void> = new Promise((r) => (this.resolveFinished = r));

  constructor(
    private readonly inner: PacketSource,
    readonly clock: ReplayClock,
  ) {}

  get name(): string {
    return this.inner.name;
  }

  get linkType(): number {
    return this.inner.linkType;
  }

  get nanosecond(): boolean {
    return this.inner.nanosecond;
  }

  /** Progress of the replay, in frames delivered out of all (the file itself is read at once). */
  progress(): Progress {
    return { bytes: this.delivered, total: this.frames.length };
  }

  /** Reads the whole file so the clock's origin is known before playing starts. */
  load(): Promise<SourceEnd> {
    this.loaded ??= this.inner.run((f) => {
      const copy = copyFrame(f);
      this.frames.push(copy);
      this.clock.include(frameMs(copy));
    });
    return this.loaded;
  }

  async run(sink: FrameSink): Promise<SourceEnd> {
    const end = await this.play(sink);
    this.resolveFinished();
    return end;
  }

  private async play(sink: FrameSink): Promise<SourceEnd> {
    const end = await this.load();
    if (end.kind === 'error') return end;
    await Promise.race([this.clock.started, new Promise<void>((r) => (this.finish = () => r()))]);
    if (this.stopped) return { kind: 'stopped' };
    return new Promise<SourceEnd>((resolve) => {
      this.finish = resolve;
      let i = 0;
      const next = (): void => {
        this.timer = undefined;
        while (i < this.frames.length && this.clock.delay(frameMs(this.frames[i])) === 0) {
          this.delivered = i + 1;
          sink(this.frames[i++]);
          if (this.stopped) return;
        }
        if (this.stopped) return;
        if (i >= this.frames.length) {
          this.finish = undefined;
          resolve({ kind: 'eof' });
          return;
        }
        this.timer = setTimeout(next, this.clock.delay(frameMs(this.frames[i])));
      };
      next();
    });
  }

  stop(): void {
    this.stopped = true;
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.inner.stop();
    this.finish?.({ kind: 'stopped' });
    this.resolveFinished();
  }
}

/** Reads a demo event file (JSON lines); lines that do not parse are skipped. */
export function readDemoEvents(path: string): DemoEvent[] {
  const events: DemoEvent[] = [];
  for (const line of readFileSync(path, 'utf8').split('\n')) {
    if (line.trim() === '') continue;
    try {
      const e = JSON.parse(line) as DemoEvent;
      if (typeof e.tsSec === 'number' && typeof e.tsNsec === 'number' && typeof e.op === 'string') events.push(e);
    } catch {
      // A damaged line loses one narration line, not the replay.
    }
  }
  return events;
}

/** Plays recorded events on the clock; resolves when all are played or `cancel()` is called. */
export function playEvents(events: readonly DemoEvent[], clock: ReplayClock, emit: (e: DemoEvent) => void): { done: Promise<void>; cancel(): void } {
  let timer: NodeJS.Timeout | undefined;
  let cancelled = false;
  let finish!: () => void;
  const done = new Promise<void>((r) => (finish = r));
  void clock.started.then(() => {
    let i = 0;
    const next = (): void => {
      if (cancelled) return;
      while (i < events.length && clock.delay(eventMs(events[i])) === 0) emit(events[i++]);
      if (i >= events.length) return finish();
      timer = setTimeout(next, clock.delay(eventMs(events[i])));
    };
    next();
  });
  return {
    done,
    cancel(): void {
      cancelled = true;
      if (timer !== undefined) clearTimeout(timer);
      finish();
    },
  };
}

export function includeEvents(events: readonly DemoEvent[], clock: ReplayClock): void {
  for (const e of events) clock.include(eventMs(e));
}
