/**
 * `synack demo` (`npm start`): the scripted chat on loopback, captured live
 * and shown in the dashboard, or printed as text (`--text`, or when standard
 * output is not a terminal) through the same print path as `synack -i`.
 * Where live capture is impossible it replays captures/chat-demo.pcapng and
 * says why, with the one command that would make it live.
 */
import { CaptureError } from '../capture/frame';
import type { OpenedCapture } from '../capture/open';
import { dropPrivileges } from '../capture/privileges';
import { openWriter, type CaptureWriter } from '../capture/writer';
import { parseOptions, UsageError, type Options } from '../options';
import { ChatError } from './chat';
import { ArgReader, DemoUsage, LineOut, onSignal } from './cli-kit';
import { ChatDemo, DEFAULT_DEMO_OPTIONS } from './demo';
import { describeEvent } from './narrate';
import { openDemoSession, type DemoSession } from './session';

interface DemoCliOptions {
  text: boolean;
  once: boolean;
  noCapture: boolean;
  replay: boolean;
  port: number;
  pace: number;
  interval: number;
  trace?: string;
  help: boolean;
  /** Everything else: synack's own options (-T fields -e ..., -V, -x, -Y, -w ...). */
  rest: string[];
}

export function parseDemoArgs(argv: readonly string[]): DemoCliOptions {
  const o: DemoCliOptions = {
    text: false,
    once: false,
    noCapture: false,
    replay: false,
    port: DEFAULT_DEMO_OPTIONS.port,
    pace: DEFAULT_DEMO_OPTIONS.pace,
    interval: DEFAULT_DEMO_OPTIONS.interval,
    help: false,
    rest: [],
  };
  const args = new ArgReader(argv);
  while (args.next()) {
    switch (args.name) {
      case '--text':
        o.text = args.flag();
        break;
      case '--once':
        o.once = args.flag();
        break;
      case '--no-capture':
        o.noCapture = args.flag();
        break;
      case '--replay':
        o.replay = args.flag();
        break;
      case '--port':
        o.port = args.number(0, 65535);
        break;
      case '--pace':
        o.pace = args.number(10, 60000);
        break;
      case '--interval':
        o.interval = args.number(100, 600000);
        break;
      case '--trace':
        o.trace = args.string('FILE');
        break;
      case '-h':
      case '--help':
        o.help = args.flag();
        break;
      default:
        o.rest.push(args.word);
    }
  }
  if (o.trace === '-' && !o.noCapture) throw new DemoUsage("--trace - (standard output) goes with --no-capture; the packets go to standard output otherwise");
  if (o.replay && o.noCapture) throw new DemoUsage('--replay and --no-capture exclude each other: one replays a capture, the other captures nothing');
  return o;
}

export function demoHelp(): string {
  return [
    'synack demo: the lessons\' chat, played on loopback and captured live',
    '',
    'Usage: synack demo [--text] [--once] [--replay] [--no-capture] [--port N] [--pace MS] [--interval MS] [--trace FILE] [synack options]',
    '',
    'A chat server and a scripted client on 127.0.0.1: the handshake, messages, a',
    'burst that sticks together (socket.cork), a burst to a slow reader, the same',
    'over UDP, the FIN teardown; then a new connection every few seconds (refused,',
    'reset, half-closed, plain) until you quit (q or Ctrl-C).',
    '',
    '  --text          print packets as text (also when standard output is not a terminal)',
    '  --once          stop after the script and one of each extra connection',
    '  --replay        replay captures/chat-demo.pcapng at its pace instead of capturing',
    '  --no-capture    only run the chat programs (capture them with another tool)',
    '  --port N        the servers\' port (default: a free one)',
    `  --pace MS       time between steps (default ${DEFAULT_DEMO_OPTIONS.pace})`,
    `  --interval MS   time between the extra connections (default ${DEFAULT_DEMO_OPTIONS.interval})`,
    "  --trace FILE    write the steps and every send()/recv() as JSON lines ('-' with --no-capture)",
    '',
    'Live capture needs root or cap_net_raw (sudo npm start); without it the',
    'demo replays the recorded run and says so. Other synack options apply to',
    "the packets, e.g.: synack demo --text -T fields -e frame.number -e tcp.flags.str",
    '',
  ].join('\n');
}

export async function run(argv: string[]): Promise<void> {
  let d: DemoCliOptions;
  let opts: Options;
  let trace: LineOut | null = null;
  try {
    d = parseDemoArgs(argv);
    opts = parseOptions(d.rest);
    if (opts.rest.length > 0) throw new DemoUsage(`unexpected '${opts.rest[0]}' (the demo chooses its own capture filter; see synack demo --help)`);
    if (opts.read !== undefined || opts.iface !== undefined) throw new DemoUsage('the demo captures on lo by itself: -r and -i do not apply (see synack demo --help)');
    if (!d.help) trace = LineOut.trace(d.trace);
  } catch (e) {
    if (!(e instanceof DemoUsage) && !(e instanceof UsageError)) throw e;
    process.stderr.write(`synack: demo: ${e.message}\n`);
    process.exitCode = 2;
    return;
  }
  if (d.help) {
    process.stdout.write(demoHelp());
    return;
  }
  try {
    process.exitCode = d.noCapture ? await scriptOnly(d, trace) : await captured(d, opts, trace);
  } catch (e) {
    if (!(e instanceof ChatError) && !(e instanceof CaptureError)) throw e;
    process.stderr.write(e instanceof CaptureError ? `${e.toString()}\n` : `synack: demo: ${e.message}\n`);
    process.exitCode = 1;
  } finally {
    trace?.close();
  }
}

function reportFailures(failures: readonly string[]): number {
  for (const f of failures) process.stderr.write(`synack: demo: ${f}\n`);
  return failures.length > 0 ? 1 : 0;
}

/** `--no-capture`: the chat programs alone, narrated on standard output (for recording with tcpdump). */
async function scriptOnly(d: DemoCliOptions, trace: LineOut | null): Promise<number> {
  const demo = new ChatDemo({ port: d.port, pace: d.pace, interval: d.interval, once: d.once });
  // A reader that went away (`| head -1`) ends the demo as Ctrl-C does. What
  // fails after that (a conversation cut short) is the stop's doing, not a fault.
  let failuresBefore = -1;
  const readerGone = (): void => {
    if (failuresBefore < 0) failuresBefore = demo.failures.length;
    void demo.stop();
  };
  if (trace !== null) {
    trace.onClosed(readerGone);
    demo.onEvent(trace.json);
  }
  if (d.trace !== '-') {
    const narration = LineOut.stdout();
    narration.onClosed(readerGone);
    demo.onEvent((e) => {
      const line = describeEvent(e);
      if (line !== null) narration.line(line);
    });
  }
  await demo.listen();
  process.stderr.write(`synack: demo: chat servers on ${demo.opts.host} port ${demo.port} (tcp and udp); capture filter: ${demo.captureFilter}\n`);
  const off = onSignal(() => void demo.stop());
  await demo.run();
  off();
  await demo.stop();
  return reportFailures(failuresBefore < 0 ? demo.failures : demo.failures.slice(0, failuresBefore));
}

async function captured(d: DemoCliOptions, opts: Options, trace: LineOut | null): Promise<number> {
  const session = await openDemoSession({ port: d.port, pace: d.pace, interval: d.interval, once: d.once, replay: d.replay, snaplen: opts.snaplen, dropUser: opts.dropUser });
  // --trace FILE only here (a FIFO whose reader left just ends the trace): the packets own standard output.
  if (trace !== null) session.onEvent(trace.json);
  if (session.notLive !== undefined) {
    process.stderr.write(`synack: ${session.notLive.why}; replaying captures/chat-demo.pcapng at its original pace. To watch it live: ${session.notLive.fix}\n`);
  }
  const wantsText =
    d.text || !process.stdout.isTTY || opts.text || opts.outputType !== undefined || opts.hexDump || opts.verbose || opts.stats.length > 0 || opts.quiet;
  if (!wantsText) {
    const dashboard = (await import('../ui/dashboard/index')) as Record<string, unknown>;
    const runDemoDashboard = dashboard.runDemoDashboard as ((s: DemoSession, o: Options) => Promise<number>) | undefined;
    if (typeof runDemoDashboard === 'function') {
      const code = await runDemoDashboard(session, opts);
      await session.stop();
      return code;
    }
    process.stderr.write('synack: demo: the dashboard is not built yet; printing the packets as text\n');
  }
  return printDemo(session, opts);
}

/** Text mode: narration on standard error, the packets on standard output. */
async function printDemo(session: DemoSession, opts: Options): Promise<number> {
  session.onEvent((e) => {
    const line = describeEvent(e);
    if (line !== null) process.stderr.write(line + '\n');
  });
  let writer: CaptureWriter | null = null;
  let droppedTo = '';
  try {
    if (opts.write !== undefined) writer = openWriter(opts.write, { source: session.source });
    // `sudo npm start`: the capture is open, root is no longer needed.
    if (session.live) droppedTo = dropPrivileges(opts.dropUser, writer === null ? [] : [writer.fd]);
  } catch (e) {
    await session.stop();
    throw e;
  }
  const opened: OpenedCapture = { source: session.source, writer, droppedTo };
  const { printCapture } = await import('../ui/print');
  const printing = printCapture({ ...opts, text: true }, opened);
  // The source is being read: frames from now on are seen. Start the talking.
  const script = session.start().then(() => {
    if (session.live && session.demo?.opts.once === true) {
      // Let the last segments (the final ACK) reach the capture before it stops.
      setTimeout(() => session.source.stop(), 300);
    }
  });
  const code = await printing;
  await session.stop();
  await script;
  const failed = reportFailures(session.demo?.failures ?? []);
  return code !== 0 ? code : failed;
}
