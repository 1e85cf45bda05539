/**
 * The dashboard: what synack draws when standard output is a terminal.
 * The only place that wires a source, analysis and the screen together:
 * `runDashboard` for `synack -r FILE`, `-r -` and `-i IFACE`;
 * `runDemoDashboard` for `synack demo` (`npm start`), which hands over its
 * live capture (or the replay) and the chat programs' own send()/recv()
 * calls.
 */
import * as fs from 'node:fs';
import { existsSync } from 'node:fs';
import { PassThrough } from 'node:stream';
import * as tty from 'node:tty';
import * as path from 'node:path';
import { CaptureError, type PacketSource } from '../../capture/frame';
import { openCapture } from '../../capture/open';
import { dropPrivileges } from '../../capture/privileges';
import type { CaptureWriter } from '../../capture/writer';
import { openWriter } from '../../capture/writer';
import { readDemoEvents } from '../../demo/replay';
import type { DemoSession } from '../../demo/session';
import { compileFilter, formatFilterError } from '../../filter/index';
import type { Options } from '../../options';
import { CaptureModel } from './model';
import { Dashboard, type ScreenIO, type View } from './screen';

export { CaptureModel } from './model';
export { Dashboard } from './screen';

export interface RunOptions {
  /** Tests and the benchmark draw into a fake terminal. */
  io?: ScreenIO;
  view?: View;
  banner?: string;
  notice?: string;
  demo?: boolean;
  /** Called once the dashboard exists (tests drive it). */
  onStart?: (d: Dashboard) => void;
}

/** What the header says the source is. */
export function sourceText(source: PacketSource, opts: Options): string {
  if (source.kind === 'live') return `live on ${source.name}`;
  if (source.kind === 'stdin' || source.name === '-') return 'standard input';
  return opts.read !== undefined ? path.basename(opts.read) : source.name;
}

/**
 * `tcpdump -U -w - | synack -r -`: standard input carries the capture, so the
 * keys are read from the terminal itself (/dev/tty), as less(1) does.
 */
function keyboardWhenStdinIsCapture(source: PacketSource): ScreenIO | undefined {
  // tty.isatty, not process.stdin.isTTY: creating process.stdin would put a second libuv handle on the capture's descriptor.
  if (source.name !== '-' || tty.isatty(0)) return undefined;
  try {
    const input = new tty.ReadStream(fs.openSync('/dev/tty', 'r'));
    return { input, output: process.stdout };
  } catch {
    // No controlling terminal: the screen still draws; Ctrl-C (a signal) still quits.
    return { input: new PassThrough(), output: process.stdout };
  }
}

function complain(message: string): number {
  process.stderr.write(message + '\n');
  return 2;
}

/** `synack -r FILE`, `-r -`, `-i IFACE` on a terminal. Resolves with the exit code once the user quits. */
export async function runDashboard(opts: Options, run: RunOptions = {}): Promise<number> {
  if (opts.displayFilter !== undefined) {
    const f = compileFilter(opts.displayFilter);
    if (!f.ok) return complain(`synack: -Y: ${formatFilterError(f.text, f.error)}`);
  }
  let opened;
  try {
    opened = await openCapture(opts);
  } catch (e) {
    if (e instanceof CaptureError) return complain(e.toString());
    throw e;
  }
  return show(opened.source, opened.writer, opts, run, undefined);
}

/**
 * The programs' own send()/recv() calls recorded beside a capture
 * (captures/X.pcap and captures/X.trace.jsonl, as `synack chat --trace`
 * writes them): the stream view puts them next to the segments.
 */
export function traceBeside(file: string): string | null {
  const p = file.replace(/\.(pcapng|pcap|cap)$/i, '') + '.trace.jsonl';
  return p !== file && existsSync(p) ? p : null;
}

/** `synack demo` on a terminal: the session's capture, the programs' events beside it. */
export async function runDemoDashboard(session: DemoSession, opts: Options, run: RunOptions = {}): Promise<number> {
  let writer: CaptureWriter | null = null;
  try {
    if (opts.write !== undefined) writer = openWriter(opts.write, { source: session.source });
    // `sudo npm start`: the capture process and the -w file are open; the chat and the screen need no root
    // (and the spill file the model makes next then belongs to the user).
    if (session.live) dropPrivileges(opts.dropUser, writer === null ? [] : [writer.fd]);
  } catch (e) {
    if (e instanceof CaptureError) return complain(e.toString());
    throw e;
  }
  const notice = session.notLive !== undefined ? `${session.notLive.why}: replaying captures/chat-demo.pcapng. To watch it live: ${session.notLive.fix}` : undefined;
  return show(session.source, writer, opts, { view: 'conn', demo: true, notice, banner: 'The chat demo: a client and a server on 127.0.0.1. Watch the ladder.', ...run }, session);
}

async function show(source: PacketSource, writer: CaptureWriter | null, opts: Options, run: RunOptions, session: DemoSession | undefined): Promise<number> {
  const model = new CaptureModel({
    source,
    writer,
    captureFilter: session?.demo?.captureFilter ?? opts.captureFilter ?? '',
    framing: opts.framing,
    time: { format: opts.timeFormat ?? 'r', hms: opts.hms === true },
    count: opts.count,
    autostopPackets: opts.autostop.packets,
    autostopFileBytes: opts.autostop.fileBytes,
    maxConnections: opts.maxConnections,
    streamBytes: opts.streamBytes,
    keepFrames: opts.keepFrames,
    keepBytes: opts.keepBytes,
    keepConnections: opts.keepConnections,
  });
  if (opts.displayFilter !== undefined) model.setFilter(opts.displayFilter);
  const trace = session === undefined && opts.read !== undefined && opts.read !== '-' ? traceBeside(opts.read) : null;
  if (trace !== null) for (const e of readDemoEvents(trace)) model.addAppEvent(e);
  const text = session !== undefined ? (session.live ? 'the chat demo, live on lo' : 'the chat demo (replay)') : sourceText(source, opts);
  const keyboard = run.io === undefined ? keyboardWhenStdinIsCapture(source) : undefined;
  const dash = new Dashboard(model, {
    io: run.io ?? keyboard,
    sourceText: text,
    iface: source.kind === 'live' ? source.name : undefined,
    view: run.view,
    banner: run.banner,
    notice: run.notice,
    demo: run.demo,
    replay: session !== undefined && !session.live,
  });
  session?.onEvent((e) => dash.demoEvent(e));
  const stop = (): void => dash.quit();
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  run.onStart?.(dash);
  const reading = model.run();
  // -a duration: the capture stops, the dashboard stays to be read (as Wireshark's window does).
  const timer = opts.autostop.durationMs !== undefined ? setTimeout(() => model.source.stop(), opts.autostop.durationMs) : null;
  // The source is being read: frames from now on are seen. Start the talking (or the replay).
  const script = session?.start();
  await dash.quitted;
  // The terminal opened for the keys would keep the process alive.
  (keyboard?.input as { destroy?(): void } | undefined)?.destroy?.();
  if (timer !== null) clearTimeout(timer);
  process.off('SIGINT', stop);
  process.off('SIGTERM', stop);
  model.stop();
  if (session !== undefined) await session.stop();
  const end = await reading;
  await script?.catch(() => undefined);
  model.dispose();
  // The screen is gone: say what went wrong where the user can read it.
  if (end.kind === 'error') return complain(end.error.toString());
  if (model.sideError !== null) return complain(model.sideError.toString());
  return 0;
}
