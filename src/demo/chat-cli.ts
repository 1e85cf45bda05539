/**
 * `synack chat server|client`: the lessons' chat program, typed into by a
 * person (readline) on each side. Messages from the peer are captured text
 * and pass through sanitize() before they reach the terminal.
 */
import * as readline from 'node:readline';
import { sanitize } from '../output/sanitize';
import {
  BYE,
  burstMessages,
  ChatError,
  DEFAULT_CHAT_OPTIONS,
  TcpChatClient,
  TcpChatServer,
  UdpChatClient,
  UdpChatServer,
  type ChatHooks,
  type ChatOptions,
} from './chat';
import { ArgReader, DemoUsage, LineOut, onSignal, synackCommand, wholeNumber } from './cli-kit';
import { parseFraming } from './framing';
import { endpoint, type TraceEvent } from './trace';

type Role = 'server' | 'client';

interface ChatCliOptions extends ChatOptions {
  role: Role;
  burst: number;
  trace?: string;
  help: boolean;
}

interface Flag {
  name: string;
  arg?: string;
  /** which side takes it ('both' when both do) */
  role: Role | 'both';
  /** TCP only */
  tcp?: boolean;
  help: string;
  apply(o: ChatCliOptions, v: string): void;
}

const FLAGS: readonly Flag[] = [
  { name: 'host', arg: 'ADDR', role: 'both', help: 'address to listen on / connect to (default 127.0.0.1; ::1 for IPv6)', apply: (o, v) => (o.host = v) },
  { name: 'port', arg: 'N', role: 'both', help: 'port (default 8080; a server given 0 picks a free one)', apply: (o, v) => (o.port = wholeNumber('--port', v, 0, 65535)) },
  { name: 'udp', role: 'both', help: 'UDP instead of TCP: sendto/recvfrom, each datagram one message', apply: (o) => (o.udp = true) },
  {
    name: 'echo',
    arg: 'upper',
    role: 'server',
    help: 'answer every message with it in upper case (no typing needed)',
    apply: (o, v) => {
      if (v !== 'upper' && v !== 'none') throw new DemoUsage(`--echo ${v}: use upper (or none)`);
      o.echo = v;
    },
  },
  { name: 'multi', role: 'server', tcp: true, help: 'talk to every client at once (default: one after another, the rest wait)', apply: (o) => (o.multi = true) },
  {
    name: 'framing',
    arg: 'lines|length|none',
    role: 'both',
    tcp: true,
    help: "how messages are delimited: '\\n' after each (default), a 2-byte length before each, or none: what one recv() returns is one message (raw is the same)",
    apply: (o, v) => {
      const f = parseFraming(v);
      if (f === null) throw new DemoUsage(`--framing ${v}: use lines, length or none`);
      o.framing = f;
    },
  },
  { name: 'burst', arg: 'N', role: 'client', help: 'on connecting, send N short messages in one tight loop', apply: (o, v) => (o.burst = wholeNumber('--burst', v, 1, 10000)) },
  { name: 'cork', role: 'both', tcp: true, help: 'a burst goes out under socket.cork(): one writev, so one segment', apply: (o) => (o.cork = true) },
  { name: 'nodelay', role: 'both', tcp: true, help: 'set TCP_NODELAY (no Nagle: small segments leave at once)', apply: (o) => (o.nodelay = true) },
  { name: 'slow-reader', arg: 'MS', role: 'both', tcp: true, help: 'read at most once every MS ms: what arrives meanwhile comes out of one recv()', apply: (o, v) => (o.readDelay = wholeNumber('--slow-reader', v, 1, 60000)) },
  { name: 'rst', role: 'both', tcp: true, help: 'end with a reset (RST) instead of a FIN', apply: (o) => (o.rst = true) },
  { name: 'half-close', role: 'both', tcp: true, help: "end with shutdown(SHUT_WR): send our FIN, keep reading until the peer closes", apply: (o) => (o.halfClose = true) },
  { name: 'trace', arg: 'FILE|-', role: 'both', help: "write every send()/recv() as a JSON line to FILE ('-': standard output, the chat then goes to standard error)", apply: (o, v) => (o.trace = v) },
  { name: 'help', role: 'both', help: 'show this help', apply: (o) => (o.help = true) },
];

export function chatHelp(): string {
  const lines = [
    "synack chat: the lessons' chat program, to watch with synack",
    '',
    'Usage:',
    '  synack chat server [--host 127.0.0.1] [--port 8080] [--udp] [--echo upper] [options]',
    '  synack chat client [--host 127.0.0.1] [--port 8080] [--udp] [--burst N] [options]',
    '',
    "Type a line to send it; 'bye' ends the conversation on either side. The server",
    'talks to one client after another (--multi: all at once). Watch it with',
    `  ${watchCommand('127.0.0.1', 'tcp', 8080)}`,
    '',
    'Options:',
  ];
  for (const f of FLAGS) {
    const flag = `--${f.name}` + (f.arg ? ` ${f.arg}` : '');
    const note = (f.role === 'both' ? '' : `(${f.role}) `) + (f.tcp ? '(tcp) ' : '');
    lines.push(`  ${flag.padEnd(26)} ${note}${f.help}`);
  }
  lines.push(
    '',
    'Sticky packets: on loopback a plain --burst usually leaves as one segment per',
    'message, because the ACK of the first is back before the second is written.',
    'They stick reliably with --cork on the sender (one segment) or --slow-reader on',
    'the receiver (several segments, one recv()).',
  );
  return lines.join('\n') + '\n';
}

/** The live capture that shows this chat: loopback addresses live on lo, others may be on any interface. */
function watchCommand(host: string, proto: 'tcp' | 'udp', port: number): string {
  const iface = /^(127\.|::1$|localhost$)/.test(host) ? 'lo' : 'any';
  return `sudo ${synackCommand()} -i ${iface} '${proto} port ${port}'`;
}

export function parseChatArgs(argv: readonly string[]): ChatCliOptions {
  const o: ChatCliOptions = { ...DEFAULT_CHAT_OPTIONS, role: 'server', burst: 0, help: false };
  let role: Role | undefined;
  const given: Flag[] = [];
  const args = new ArgReader(argv);
  while (args.next()) {
    const a = args.word;
    if (a === '-h' || a === '--help') {
      o.help = true;
      continue;
    }
    if (!a.startsWith('--')) {
      if (role === undefined && (a === 'server' || a === 'client')) {
        role = a;
        continue;
      }
      throw new DemoUsage(`unexpected '${a}': use 'synack chat server' or 'synack chat client' (see synack chat --help)`);
    }
    const flag = FLAGS.find((f) => `--${f.name}` === args.name);
    if (flag === undefined) throw new DemoUsage(`unknown option '${args.name}' (see synack chat --help)`);
    if (flag.arg === undefined) args.flag();
    flag.apply(o, flag.arg === undefined ? '' : args.string(flag.arg));
    given.push(flag);
  }
  if (o.help) return o;
  if (role === undefined) throw new DemoUsage("say which side: 'synack chat server' or 'synack chat client' (see synack chat --help)");
  o.role = role;
  for (const f of given) {
    if (f.role !== 'both' && f.role !== role) throw new DemoUsage(`--${f.name} is an option of the ${f.role}`);
    if (f.tcp === true && o.udp) throw new DemoUsage(`--${f.name} applies to TCP only: UDP keeps each datagram a message, with no stream to manage`);
  }
  if (o.rst && o.halfClose) throw new DemoUsage('--rst and --half-close are two different ways to end: choose one');
  return o;
}

export async function run(argv: string[]): Promise<void> {
  let o: ChatCliOptions;
  let trace: LineOut | null = null;
  try {
    o = parseChatArgs(argv);
    if (!o.help) trace = LineOut.trace(o.trace);
  } catch (e) {
    if (!(e instanceof DemoUsage)) throw e;
    process.stderr.write(`synack: chat: ${e.message}\n`);
    process.exitCode = 2;
    return;
  }
  if (o.help) {
    process.stdout.write(chatHelp());
    return;
  }
  try {
    process.exitCode = await chat(o, trace);
  } finally {
    trace?.close();
  }
}

/** Runs one side until its conversation ends (client) or it is interrupted (server). */
async function chat(o: ChatCliOptions, trace: LineOut | null): Promise<number> {
  const traceToStdout = o.trace === '-';
  const say = (s: string): void => void (traceToStdout ? process.stderr : process.stdout).write(s + '\n');
  let failed = false;
  const hooks: ChatHooks = {
    message: (from, data) => say(`[${from}] ${data.length === 0 && o.udp ? '(an empty datagram)' : sanitize(data.toString('utf8'))}`),
    info: (text) => say(`-- ${sanitize(text)}`),
    problem: (text) => {
      failed = true;
      process.stderr.write(`synack: ${sanitize(text)}\n`);
    },
  };
  // The lessons' sticky packets as the program sees them: one recv() holding
  // several messages. Said here, else only --trace would show it.
  const stuck = (e: TraceEvent): void => {
    if (e.op === 'recv' && e.messages !== undefined && e.messages > 1) {
      say(`-- one recv() returned ${e.bytes} bytes holding ${e.messages} messages: they arrived stuck together, and the framing (${o.framing}) split them`);
    }
  };
  hooks.trace =
    trace === null
      ? stuck
      : (e) => {
          trace.json(e);
          stuck(e);
        };

  // Standard input is read only once the socket is ready: lines piped in
  // before that wait in the pipe instead of being read with nowhere to go.
  let input: readline.Interface | undefined;
  const lines = (): readline.Interface => (input = readline.createInterface({ input: process.stdin, terminal: false }));
  try {
    return o.role === 'server' ? await runServer(o, hooks, lines, say) : await runClient(o, hooks, lines, say, () => failed);
  } catch (e) {
    if (!(e instanceof ChatError)) throw e;
    process.stderr.write(`synack: ${e.message}\n`);
    return 1;
  } finally {
    input?.close();
    process.stdin.destroy();
  }
}

async function runServer(o: ChatCliOptions, hooks: ChatHooks, lines: () => readline.Interface, say: (s: string) => void): Promise<number> {
  const server = o.udp ? new UdpChatServer(o, hooks) : new TcpChatServer(o, hooks);
  const port = await server.listen();
  const how = o.udp ? 'udp' : `tcp, framing ${o.framing}${o.multi ? ', every client at once' : ', one client after another'}`;
  say(`-- listening on ${server.endpoint} (${how})${o.echo === 'upper' ? '; answering in upper case' : "; type lines to answer, 'bye' ends a conversation"}`);
  say(`-- to watch it, in another terminal: ${watchCommand(o.host, o.udp ? 'udp' : 'tcp', port)}`);
  lines().on('line', (line) => server.say(line));
  // A server with its standard input closed (run in the background) keeps serving.
  await new Promise<void>((done) => onSignal(done));
  await server.close();
  return 0;
}

async function runClient(
  o: ChatCliOptions,
  hooks: ChatHooks,
  lines: () => readline.Interface,
  say: (s: string) => void,
  failed: () => boolean,
): Promise<number> {
  if (o.udp) {
    const client = new UdpChatClient(o, hooks);
    await client.connect();
    say(`-- sending datagrams to ${endpoint(o.host, o.port)} (udp); type lines, an empty line is an empty datagram, 'bye' ends`);
    if (o.burst > 0) {
      say(`-- burst: ${o.burst} datagrams in one loop; each stays a datagram of its own and one recvfrom() at the server`);
      client.burst(burstMessages(o.burst));
    }
    const input = lines();
    input.on('line', (line) => (line === BYE ? client.finish() : client.send(line)));
    input.on('close', () => client.finish());
    await client.done;
    if (failed()) return 1;
    say('-- socket closed; nothing goes on the wire for that: UDP has no connection to tear down');
    return 0;
  }
  const client = new TcpChatClient(o, hooks);
  const c = await client.connect();
  say(`-- connected to ${c.remote} from ${c.local} (tcp, framing ${o.framing}); type lines, 'bye' ends the conversation`);
  const off = onSignal(() => c.closeOurSide());
  if (o.burst > 0) {
    say(
      o.cork
        ? `-- burst: ${o.burst} writes under socket.cork(), handed to the kernel in one writev: expect one segment and one recv() at the server`
        : `-- burst: ${o.burst} writes in one tight loop, not corked: on loopback each usually leaves as its own segment (add --cork, or run the server with --slow-reader, to see them stick)`,
    );
    c.burst(burstMessages(o.burst));
  }
  const input = lines();
  input.on('line', (line) => (line === BYE ? c.finish() : c.send(line)));
  input.on('close', () => c.finish());
  const end = await c.done;
  off();
  say(`-- connection closed (${end})`);
  return failed() || end === 'failed' ? 1 : 0;
}
