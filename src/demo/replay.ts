/**
 * Replays a recorded demo at its original pace: the frames of a capture and
 * the programs' send()/recv() events recorded beside it, on one clock, so the
 * dashboard (or the text output) shows them as they happened. Used where live
 * capture is impossible. The frames keep their recorded timestamps.
 */
import { readFileSync } from 'node:fs';
import { copyFrame, type Frame, type FrameSink, type PacketSource, type Progress, type SourceEnd } from '../capture/frame';
import type { DemoEvent } from './demo';

/** One recorded sequence the clock plays (the frames, the programs' events). */
export interface ReplayTrack {
  /** Capture time (ms since the epoch) of the next item; Infinity when none is left (or the track stopped). */
  nextMs(): number;
  playNext(): void;
}

/**
 * Shared by the frame source and the event replay: capture time -> wall
 * time, and one timer that plays every track's items in capture-time order.
 * (With a timer per track, a loaded machine fired the frames' timer first
 * and the handshake's narration came after the handshake, 1.6 ms apart in
 * the recording.)
 */
export class ReplayClock {
  /** Capture time (ms since the epoch) that plays at the start. */
  origin = Number.POSITIVE_INFINITY;
  private startedAt = 0;
  private isStarted = false;
  private readonly tracks: ReplayTrack[] = [];
  private timer: NodeJS.Timeout | undefined;
  private playing = false;

  /** Widens the origin so that `ms` is not in the past when playing starts. */
  include(ms: number): void {
    if (ms < this.origin) this.origin = ms;
  }

  start(): void {
    this.startedAt = Date.now();
    this.isStarted = true;
    this.reschedule();
  }

  /** How long from now until capture time `ms` plays (0 if it is due). */
  delay(ms: number): number {
    return Math.max(0, this.startedAt + (ms - this.origin) - Date.now());
  }

  add(track: ReplayTrack): void {
    this.tracks.push(track);
    this.reschedule();
  }

  /** A track's next item changed (it stopped): plays what is due and sets the timer for what is not. */
  reschedule(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    if (!this.isStarted || this.playing) return;
    this.playing = true;
    try {
      for (;;) {
        let next: ReplayTrack | undefined;
        let nextMs = Number.POSITIVE_INFINITY;
        for (const t of this.tracks) {
          const ms = t.nextMs();
          if (ms < nextMs) {
            next = t;
            nextMs = ms;
          }
        }
        if (next === undefined) return;
        const wait = this.delay(nextMs);
        if (wait > 0) {
          this.timer = setTimeout(() => this.reschedule(), wait);
          return;
        }
        next.playNext();
      }
    } finally {
      this.playing = false;
    }
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
    if (this.stopped) return { kind: 'stopped' };
    const frames = this.frames;
    if (frames.length === 0) return { kind: 'eof' };
    return new Promise<SourceEnd>((resolve) => {
      this.finish = resolve;
      let i = 0;
      this.clock.add({
        nextMs: () => (this.stopped || i >= frames.length ? Number.POSITIVE_INFINITY : frameMs(frames[i])),
        playNext: () => {
          this.delivered = i + 1;
          sink(frames[i++]);
          if (i === frames.length && !this.stopped) {
            this.finish = undefined;
            resolve({ kind: 'eof' });
          }
        },
      });
    });
  }

  stop(): void {
    this.stopped = true;
    this.clock.reschedule();
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
  let cancelled = false;
  let finish!: () => void;
  const done = new Promise<void>((r) => (finish = r));
  let i = 0;
  if (events.length === 0) finish();
  clock.add({
    nextMs: () => (cancelled || i >= events.length ? Number.POSITIVE_INFINITY : eventMs(events[i])),
    playNext: () => {
      emit(events[i++]);
      if (i === events.length) finish();
    },
  });
  return {
    done,
    cancel(): void {
      cancelled = true;
      clock.reschedule();
      finish();
    },
  };
}

export function includeEvents(events: readonly DemoEvent[], clock: ReplayClock): void {
  for (const e of events) clock.include(eventMs(e));
}
