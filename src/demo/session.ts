/**
 * What `synack demo` shows, ready for the text printer or the dashboard: the
 * frames (live on loopback with a port filter, or the recorded demo replayed
 * at its pace) and the programs' own events (steps, send(), recv()).
 *
 *   const s = await openDemoSession({});
 *   s.onEvent(...)                 // DemoEvent stream (live: ChatDemo; replay: the recorded trace)
 *   const printing = consume(s.source)   // start reading frames first...
 *   await s.start();               // ...then the conversation (or the replay clock) starts
 *   await s.stop();
 *
 * When live capture is impossible, `notLive` says why and the one command
 * that would make it live; the session then replays captures/chat-demo.pcapng.
 */
import { existsSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { CaptureError, type PacketSource } from '../capture/frame';
import { openSource } from '../capture/open';
import { defaultOptions } from '../options';
import { synackCommand } from './cli-kit';
import { ChatDemo, type DemoEvent, type DemoOptions } from './demo';
import { includeEvents, PacedSource, playEvents, readDemoEvents, ReplayClock } from './replay';

/** The recorded demo run, and the programs' events recorded with it. */
export const DEMO_CAPTURE = join(__dirname, '..', '..', 'captures', 'chat-demo.pcapng');
export const DEMO_TRACE = join(__dirname, '..', '..', 'captures', 'chat-demo.trace.jsonl');

export interface DemoSessionOptions extends Partial<DemoOptions> {
  /** Replay even where live capture would work (tests, or to compare). */
  replay?: boolean;
  /** Live capture: bytes kept per frame. */
  snaplen?: number;
  /** Live capture: -Z USER, whom the capture process becomes once its handle is open (else the sudo user). */
  dropUser?: string;
}

export interface DemoSession {
  readonly live: boolean;
  readonly source: PacketSource;
  /** Replay only: why the demo is not live, and the one command that would make it so. */
  readonly notLive?: { why: string; fix: string };
  /** Live only: the running demo (ports, capture filter, failures). */
  readonly demo?: ChatDemo;
  onEvent(listener: (e: DemoEvent) => void): void;
  /** Starts the conversation (live) or the replay clock; resolves when the script is over (`once`, or the replay's end) or stop() is called. */
  start(): Promise<void>;
  /** Stops the conversation or the replay, and the source. */
  stop(): Promise<void>;
}

/** The command that would have made this run live. */
export function goLiveCommand(): string {
  return process.env.npm_lifecycle_event === 'start' && basename(process.argv[1] ?? '') === 'synack.js' ? 'sudo npm start' : `sudo ${synackCommand()} demo`;
}

/** CAP_NET_RAW (bit 13) in this process's effective capabilities: what opening a raw capture socket needs. */
export function hasCaptureCapability(): boolean {
  if (process.getuid?.() === 0) return true;
  try {
    const m = /^CapEff:\s*([0-9a-f]+)$/m.exec(readFileSync('/proc/self/status', 'utf8'));
    return m !== null && (BigInt('0x' + m[1]) & (1n << 13n)) !== 0n;
  } catch {
    return false;
  }
}

/** Why live capture cannot work here, before trying; null when it may. */
export function liveBlocker(): { why: string; fix: string } | null {
  try {
    require('cap');
  } catch {
    return {
      why: "live capture needs the optional 'cap' module (a libpcap binding), which is not installed or not built",
      fix: 'sudo apt-get install libpcap-dev && npm rebuild cap',
    };
  }
  if (!hasCaptureCapability()) return { why: 'live capture needs root (or the cap_net_raw capability)', fix: goLiveCommand() };
  return null;
}

export async function openDemoSession(o: DemoSessionOptions = {}): Promise<DemoSession> {
  let notLive = o.replay === true ? { why: 'replay was asked for (--replay)', fix: goLiveCommand() } : liveBlocker();
  if (notLive === null) {
    const demo = new ChatDemo(o);
    await demo.listen();
    try {
      const opts = defaultOptions();
      opts.iface = 'lo';
      opts.captureFilter = demo.captureFilter;
      if (o.snaplen !== undefined) opts.snaplen = o.snaplen;
      opts.dropUser = o.dropUser;
      const source = await openSource(opts);
      return liveSession(demo, source);
    } catch (e) {
      await demo.stop();
      if (!(e instanceof CaptureError)) throw e;
      notLive = { why: `live capture failed (${e.message})`, fix: goLiveCommand() };
    }
  }
  return replaySession(notLive);
}

function liveSession(demo: ChatDemo, source: PacketSource): DemoSession {
  let stopping: Promise<void> | undefined;
  return {
    live: true,
    source,
    demo,
    onEvent: (l) => demo.onEvent(l),
    start: () => demo.run(),
    stop(): Promise<void> {
      stopping ??= demo.stop().then(() => source.stop());
      return stopping;
    },
  };
}

async function replaySession(notLive: { why: string; fix: string }): Promise<DemoSession> {
  if (!existsSync(DEMO_CAPTURE)) throw new CaptureError('the recorded demo is missing (captures/record.sh records it again)', DEMO_CAPTURE);
  const opts = defaultOptions();
  opts.read = DEMO_CAPTURE;
  const clock = new ReplayClock();
  const source = new PacedSource(await openSource(opts), clock);
  const loaded = await source.load();
  if (loaded.kind === 'error') throw loaded.error;
  const events = existsSync(DEMO_TRACE) ? readDemoEvents(DEMO_TRACE) : [];
  includeEvents(events, clock);
  const listeners: ((e: DemoEvent) => void)[] = [];
  let playing: { done: Promise<void>; cancel(): void } | undefined;
  let ended: (() => void) | undefined;
  const sourceEnded = new Promise<void>((r) => (ended = r));
  return {
    live: false,
    source,
    notLive,
    onEvent: (l) => listeners.push(l),
    async start(): Promise<void> {
      playing = playEvents(events, clock, (e) => listeners.forEach((l) => l(e)));
      clock.start();
      await Promise.race([Promise.all([playing.done, source.finished]), sourceEnded]);
    },
    async stop(): Promise<void> {
      playing?.cancel();
      source.stop();
      ended?.();
    },
  };
}
