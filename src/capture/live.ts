/**
 * Live capture (-i): a capture process (live-child.ts) opens the interface
 * with cap, stamps each packet as it arrives and sends a nanosecond pcap
 * stream; this process reads it with the stream reader (stream.ts), so a
 * frame is delivered as soon as its bytes arrive. The capture process's
 * event loop does nothing else, so a stamp no longer waits for this
 * process's decoding, drawing or (in the demo) chat programs: see the
 * README's "Time stamps of live frames".
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { CAP_SNAPLEN } from './cap';
import { CaptureError, type FrameSink, type PacketSource, type Progress, type SourceEnd } from './frame';
import type { LiveRequest } from './live-child';
import { StreamSource } from './stream';
import { byteText } from './units';

/** What may wait for this process in the capture process before packets are dropped. */
const BACKLOG = 64 << 20;
/** Starting node and opening the handle takes ~50 ms; a loaded CI machine, seconds. */
const START_TIMEOUT_MS = 20_000;
/** A capture process asked to end that has not within this time is killed. */
const KILL_AFTER_MS = 2000;

export interface LiveOptions {
  /** Bytes kept per frame (-s). */
  snaplen?: number;
  /** -Z USER: the capture process gives up root to this user once its handle is open (else to the sudo user). */
  dropUser?: string;
  /** Bytes that may wait in the capture process (default 64 MiB). */
  backlog?: number;
}

/** The compiled capture process: beside this file, or the build's when this runs from the sources (vitest). */
function childEntry(): string {
  const beside = join(__dirname, 'live-child.js');
  return existsSync(beside) ? beside : join(__dirname, '..', '..', 'dist', 'capture', 'live-child.js');
}

function exitText(code: number | null, signal: NodeJS.Signals | null): string {
  return signal !== null ? `killed by ${signal}` : `exit status ${code}`;
}

/** A line the capture process writes on standard error (live-child.ts). */
interface ChildMessage {
  ready?: { linkType: number };
  error?: { message: string; source: string };
  end?: { dropped: number };
}

function parseMessage(line: string): ChildMessage | null {
  if (!line.startsWith('{')) return null;
  try {
    return JSON.parse(line) as ChildMessage;
  } catch {
    // not one of the capture process's messages (a crash, a warning from node)
    return null;
  }
}

/** The capture process and what it says on standard error. */
class CaptureProcess {
  /** Packets the capture process dropped because this process fell behind (known at its exit). */
  dropped = 0;
  /** The capture process's own error line, or what it printed that was not one (a crash). */
  private error: CaptureError | null = null;
  private other: string[] = [];
  private partial = '';
  private exitedAs: string | null = null;
  private readonly closed: Promise<void>;
  private readyResolve: ((linkType: number) => void) | null = null;
  private readyReject: ((e: CaptureError) => void) | null = null;
  /** Resolves with the link type once the pcap header is on its way; rejects with the one line for the user. */
  readonly ready: Promise<number>;

  constructor(
    readonly child: ChildProcess,
    private readonly device: string,
    backlog: number,
  ) {
    this.ready = new Promise<number>((resolve, reject) => {
      this.readyResolve = resolve;
      this.readyReject = reject;
    });
    child.stderr!.setEncoding('utf8');
    child.stderr!.on('data', (text: string) => this.lines(text));
    child.on('error', (e) => this.fail(new CaptureError(`cannot start the capture process: ${e.message}`, device)));
    this.closed = new Promise<void>((resolve) => {
      child.on('close', (code, signal) => {
        this.lines('\n');
        this.exitedAs = exitText(code, signal);
        this.fail(this.why());
        if (this.dropped > 0) {
          process.stderr.write(
            `synack: ${device}: ${this.dropped} packets dropped: synack fell behind and ${byteText(backlog)} of captured packets already waited\n`,
          );
        }
        resolve();
      });
    });
  }

  private lines(text: string): void {
    const all = this.partial + text;
    const parts = all.split('\n');
    this.partial = parts.pop()!;
    for (const line of parts) {
      if (line === '') continue;
      const msg = parseMessage(line);
      if (msg?.ready !== undefined) {
        this.readyResolve?.(msg.ready.linkType);
        this.readyResolve = null;
        this.readyReject = null;
      } else if (msg?.error !== undefined) {
        this.error = new CaptureError(msg.error.message, msg.error.source);
      } else if (msg?.end !== undefined) {
        this.dropped = msg.end.dropped;
      } else if (this.other.length < 4) {
        this.other.push(line.slice(0, 300));
      }
    }
  }

  /** Gives up: `ready` rejects with `e` (unless it resolved already) and the capture process is ended. */
  fail(e: CaptureError): void {
    this.readyReject?.(e);
    this.readyResolve = null;
    this.readyReject = null;
    this.end();
  }

  /** Why the capture process ended on its own: its own line, else how it exited and what it printed. */
  private why(): CaptureError {
    if (this.error !== null) return this.error;
    const said = this.other.find((l) => /error/i.test(l)) ?? this.other[0];
    return new CaptureError(`the capture process ended (${this.exitedAs ?? 'no exit status'}${said !== undefined ? `: ${said}` : ''})`, this.device);
  }

  /** Ends the capture process (SIGTERM; SIGKILL if it lingers). */
  end(): void {
    const c = this.child;
    c.stdin?.destroy();
    if (c.exitCode !== null || c.signalCode !== null) return;
    c.kill('SIGTERM');
    setTimeout(() => {
      if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
    }, KILL_AFTER_MS).unref();
  }

  /** Resolves once the capture process has exited; the error it ended with, if it was not asked to. */
  async exited(): Promise<CaptureError> {
    await this.closed;
    return this.why();
  }
}

export class LiveSource implements PacketSource {
  readonly kind = 'live' as const;
  /** Stamps are taken in JavaScript, tens of microseconds after the kernel's: shown and saved to the microsecond. */
  readonly nanosecond = false;
  private readonly stream: StreamSource;
  private stopped = false;

  constructor(
    readonly name: string,
    private readonly proc: CaptureProcess,
    readonly linkType: number,
  ) {
    this.stream = new StreamSource(name, proc.child.stdout!, 'stdin');
  }

  /** Packets the capture process dropped because this process fell behind (known once it has exited). */
  get dropped(): number {
    return this.proc.dropped;
  }

  /** Resolves once the capture process has exited (its drop count is known then). */
  async ended(): Promise<void> {
    await this.proc.exited();
  }

  /** The capture process's pid (tests check it gave up root). */
  get pid(): number {
    return this.proc.child.pid ?? -1;
  }

  progress(): Progress {
    return this.stream.progress();
  }

  stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    this.stream.stop();
    this.proc.end();
  }

  async run(sink: FrameSink): Promise<SourceEnd> {
    const end = await this.stream.run(sink);
    if (this.stopped || end.kind === 'stopped') {
      this.stop();
      return { kind: 'stopped' };
    }
    // Live capture never ends by itself: the capture process died (or sent
    // what the reader cannot read, a bug). Its exit says why.
    this.proc.end();
    const why = await this.proc.exited();
    return { kind: 'error', error: end.kind === 'error' ? end.error : why };
  }
}

/**
 * Starts the capture process on `device` with a BPF `filter` and waits until
 * it captures. Throws CaptureError with the one line the user needs (no such
 * interface, no permission, libpcap's own filter message, libpcap missing).
 */
export async function openLive(device: string, filter: string, options: LiveOptions = {}): Promise<LiveSource> {
  const entry = childEntry();
  if (!existsSync(entry)) throw new CaptureError(`the capture process is not built (${entry}): run 'npm run build'`, device);
  const request: LiveRequest = {
    device,
    filter,
    snaplen: Math.min(options.snaplen ?? CAP_SNAPLEN, CAP_SNAPLEN),
    dropUser: options.dropUser,
    backlog: options.backlog ?? BACKLOG,
  };
  const child = spawn(process.execPath, [entry, JSON.stringify(request)], { stdio: ['pipe', 'pipe', 'pipe'] });
  const proc = new CaptureProcess(child, device, request.backlog);
  const timer = setTimeout(() => proc.fail(new CaptureError(`the capture process did not start within ${START_TIMEOUT_MS / 1000} s`, device)), START_TIMEOUT_MS);
  try {
    const linkType = await proc.ready;
    return new LiveSource(device, proc, linkType);
  } finally {
    clearTimeout(timer);
  }
}
