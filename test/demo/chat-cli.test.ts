/**
 * `synack chat` as a person runs it: two processes, lines on standard input,
 * the conversation on standard output, and one line on standard error (no
 * stack trace) for each kind of bad input.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import * as net from 'node:net';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { CLI } from '../helpers/paths';
import { freePort, until } from './loopback';

interface Run {
  child: ChildProcess;
  out: () => string;
  err: () => string;
  exit: Promise<number | null>;
}

const running: ChildProcess[] = [];
afterEach(() => {
  for (const c of running.splice(0)) if (c.exitCode === null) c.kill('SIGKILL');
});

function start(args: string[]): Run {
  const child = spawn(process.execPath, [CLI, 'chat', ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
  running.push(child);
  let out = '';
  let err = '';
  child.stdout!.on('data', (b: Buffer) => (out += b.toString()));
  child.stderr!.on('data', (b: Buffer) => (err += b.toString()));
  const exit = new Promise<number | null>((r) => child.on('close', (code) => r(code)));
  return { child, out: () => out, err: () => err, exit };
}

/** A server on a free port; resolves with its port once it listens. */
async function server(args: string[] = []): Promise<{ run: Run; port: number }> {
  const run = start(['server', '--port', '0', ...args]);
  run.child.stdin!.end();
  await until('the server to listen', () => /listening on 127\.0\.0\.1:\d+/.test(run.out()));
  const port = Number(/listening on 127\.0\.0\.1:(\d+)/.exec(run.out())![1]);
  return { run, port };
}

/** Exactly one line on standard error, no stack trace. */
function oneLine(err: string): string {
  const lines = err.split('\n').filter((l) => l !== '');
  expect(lines).toHaveLength(1);
  expect(err).not.toMatch(/\n\s+at /);
  return lines[0];
}

describe('synack chat', () => {
  it('--help lists every option', () => {
    const r = spawnSync(process.execPath, [CLI, 'chat', '--help'], { encoding: 'utf8' });
    expect(r.status).toBe(0);
    for (const flag of ['--host', '--port', '--udp', '--echo', '--multi', '--framing', '--burst', '--cork', '--nodelay', '--slow-reader', '--rst', '--half-close', '--trace']) {
      expect(r.stdout).toContain(flag);
    }
  });

  it.each([
    [[], "synack: chat: say which side: 'synack chat server' or 'synack chat client' (see synack chat --help)"],
    [['server', '--burst', '3'], 'synack: chat: --burst is an option of the client'],
    [['client', '--udp', '--cork'], 'synack: chat: --cork applies to TCP only: UDP keeps each datagram a message, with no stream to manage'],
    [['client', '--port', '70000'], "synack: chat: --port needs a whole number from 0 to 65535, not '70000'"],
    [['client', '--framing', 'json'], 'synack: chat: --framing json: use lines, length or none'],
    [['client', '--rst', '--half-close'], 'synack: chat: --rst and --half-close are two different ways to end: choose one'],
    [['client', '--colour'], "synack: chat: unknown option '--colour' (see synack chat --help)"],
    [['client', '--port=70000'], "synack: chat: --port needs a whole number from 0 to 65535, not '70000'"],
    [['client', '--cork=yes'], 'synack: chat: --cork takes no value'],
    [['client', '--burst'], 'synack: chat: --burst needs N'],
    [['client', '--trace', '/nonexistent/dir/trace.jsonl'], "synack: chat: cannot write the trace to '/nonexistent/dir/trace.jsonl': ENOENT"],
  ])('usage error %j: one line, exit 2', (args, line) => {
    const r = spawnSync(process.execPath, [CLI, 'chat', ...args], { encoding: 'utf8' });
    expect(r.status).toBe(2);
    expect(oneLine(r.stderr)).toBe(line);
  });

  it('a conversation between two processes: typed lines, upper-case answers, bye, and the trace of every send()/recv()', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'synack-chat-'));
    const { run: srv, port } = await server(['--echo', 'upper']);
    const cli = start(['client', '--port', String(port), '--trace', join(dir, 'client.jsonl')]);
    cli.child.stdin!.write('hello\n');
    await until('HELLO', () => cli.out().includes(`[127.0.0.1:${port}] HELLO`));
    cli.child.stdin!.write('bye\n');
    expect(await cli.exit).toBe(0);
    expect(cli.out()).toContain('-- connection closed (fin)');
    await until('the server to see bye', () => srv.out().includes('said bye'));
    srv.child.kill('SIGTERM');
    expect(await srv.exit).toBe(0);
    expect(srv.out()).toMatch(/\[127\.0\.0\.1:\d+\] hello\n/);
    expect(srv.err()).toBe('');
    const trace = readFileSync(join(dir, 'client.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { op: string; text?: string; bytes?: number });
    expect(trace.map((e) => e.op)).toEqual(['connect', 'send', 'recv', 'send', 'close', 'eof']);
    expect(trace[1]).toMatchObject({ text: 'hello\n', bytes: 6 });
    expect(trace[2]).toMatchObject({ text: 'HELLO\n', bytes: 6 });
  });

  it('--trace - puts the JSON lines on standard output and the chat on standard error', async () => {
    const { port } = await server();
    const cli = start(['client', '--port', String(port), '--trace', '-', '--burst', '2', '--cork']);
    cli.child.stdin!.end('bye\n');
    expect(await cli.exit).toBe(0);
    const ops = cli
      .out()
      .trim()
      .split('\n')
      .map((l) => (JSON.parse(l) as { op: string; corked?: boolean }).op);
    expect(ops).toEqual(['connect', 'send', 'send', 'send', 'close', 'eof']);
    expect(cli.err()).toContain('under socket.cork()');
  });

  it('UDP: an empty line is an empty datagram; the server shows it', async () => {
    const { run: srv, port } = await server(['--udp', '--echo', 'upper']);
    const cli = start(['client', '--udp', '--port', String(port)]);
    cli.child.stdin!.write('\n');
    await until('the empty answer', () => cli.out().includes('(an empty datagram)'));
    cli.child.stdin!.end('bye\n');
    expect(await cli.exit).toBe(0);
    await until('the server', () => srv.out().includes('said bye'));
    expect(srv.out()).toContain('] (an empty datagram)');
    // The capture that shows it, spelled as this server was started (by its path: no 'synack' need be on PATH).
    expect(srv.out()).toContain(`-- to watch it, in another terminal: sudo node ${relative(process.cwd(), CLI)} -i lo 'udp port ${port}'\n`);
    expect(cli.out()).toContain('-- socket closed; nothing goes on the wire for that: UDP has no connection to tear down');
  });

  it('over IPv6 every host:port it prints is bracketed: [::1]:port (UDP and TCP)', async () => {
    for (const udp of [['--udp'], []]) {
      const srv = start(['server', '--host', '::1', '--port', '0', '--echo', 'upper', ...udp]);
      srv.child.stdin!.end();
      await until('the server to listen', () => /listening on \[::1\]:\d+ /.test(srv.out()));
      const port = Number(/listening on \[::1\]:(\d+)/.exec(srv.out())![1]);
      const cli = start(['client', '--host', '::1', '--port', String(port), ...udp]);
      cli.child.stdin!.end('hello\nbye\n');
      expect(await cli.exit).toBe(0);
      await until('the server', () => srv.out().includes('said bye'));
      if (udp.length > 0) expect(cli.out()).toContain(`-- sending datagrams to [::1]:${port} (udp);`);
      else expect(cli.out()).toMatch(new RegExp(`-- connected to \\[::1\\]:${port} from \\[::1\\]:\\d+ \\(tcp`));
      // No unbracketed IPv6 endpoint anywhere ("::1:8080" reads as an address, not a port).
      for (const text of [cli.out(), srv.out()]) expect(text).not.toMatch(/(^|[^[\w:])::1:\d/m);
      srv.child.kill('SIGTERM');
      await srv.exit;
    }
  });

  it('--framing none: what one recv() returns is one message; raw, its old name, still works', async () => {
    const help = spawnSync(process.execPath, [CLI, 'chat', '--help'], { encoding: 'utf8' }).stdout;
    expect(help).toMatch(/--framing lines\|length\|none +\(tcp\) .*or none: what one recv\(\) returns is one message \(raw is the same\)/);
    for (const word of ['none', 'raw']) {
      const { run: srv, port } = await server(['--framing', word, '--slow-reader', '300']);
      expect(srv.out()).toContain('(tcp, framing none, one client after another)');
      const cli = start(['client', '--port', String(port), '--framing', word, '--burst', '3', '--cork']);
      // No framing: the three corked sends come out of one recv() as one message, no separator added.
      await until('the burst to arrive', () => /\] msg 1msg 2msg 3\n/.test(srv.out()));
      cli.child.stdin!.end();
      await cli.exit;
      srv.child.kill('SIGTERM');
      await srv.exit;
    }
  });

  it('--burst under --cork: the server says its one recv() held every message, before showing them', async () => {
    const { run: srv, port } = await server();
    const cli = start(['client', '--port', String(port), '--burst', '5', '--cork']);
    await until('the burst', () => srv.out().includes('] msg 5'));
    cli.child.stdin!.end('bye\n');
    expect(await cli.exit).toBe(0);
    const lines = srv.out().split('\n');
    const stuck = lines.findIndex((l) => l.startsWith('-- one recv() returned'));
    expect(lines[stuck]).toBe('-- one recv() returned 30 bytes holding 5 messages: they arrived stuck together, and the framing (lines) split them');
    expect(lines[stuck + 1]).toMatch(/\] msg 1$/);
  });

  it('captured text cannot drive the terminal: escape sequences from the peer are shown escaped', async () => {
    const peer = net.createServer((s) => s.end('\x1b]0;pwned\x07\x1b[31mred\n'));
    await new Promise<void>((r) => peer.listen(0, '127.0.0.1', () => r()));
    const port = (peer.address() as net.AddressInfo).port;
    const cli = start(['client', '--port', String(port)]);
    await cli.exit;
    peer.close();
    expect(cli.out()).toContain('\\x1b]0;pwned\\x07\\x1b[31mred');
    expect(cli.out()).not.toContain('\x1b');
  });
});

describe('synack chat: bad input, one line each', () => {
  it('a port in use', async () => {
    const { port } = await server();
    const second = start(['server', '--port', String(port)]);
    expect(await second.exit).toBe(1);
    expect(oneLine(second.err())).toBe(
      `synack: cannot listen on 127.0.0.1:${port} (tcp): the port is in use by another program (pick another with --port, or --port 0 for any free one)`,
    );
  });

  it('a host that refuses', async () => {
    const port = await freePort();
    const cli = start(['client', '--port', String(port)]);
    expect(await cli.exit).toBe(1);
    expect(oneLine(cli.err())).toBe(
      `synack: 127.0.0.1:${port} refused the connection: no TCP server listens there (start 'synack chat server' first, or check --host and --port; a server started with --udp takes only --udp clients)`,
    );
  });

  it('a peer that disappears in the middle of a message', async () => {
    const peer = net.createServer((s) => s.end(Buffer.from([0, 20, 0x68, 0x69])));
    await new Promise<void>((r) => peer.listen(0, '127.0.0.1', () => r()));
    const port = (peer.address() as net.AddressInfo).port;
    const cli = start(['client', '--port', String(port), '--framing', 'length']);
    expect(await cli.exit).toBe(1);
    peer.close();
    expect(oneLine(cli.err())).toBe(`synack: 127.0.0.1:${port} closed the connection in the middle of a message (2 of 20 bytes of a message received)`);
  });

  it('a message longer than the framing allows: not sent, the conversation goes on', async () => {
    const { run: srv, port } = await server(['--framing', 'length']);
    const cli = start(['client', '--port', String(port), '--framing', 'length']);
    cli.child.stdin!.end('x'.repeat(70000) + '\nstill here\nbye\n');
    expect(await cli.exit).toBe(1);
    expect(oneLine(cli.err())).toBe('synack: a message of 70000 bytes is longer than --framing length allows (65535 bytes: its 2-byte length prefix); not sent');
    await until('the next message', () => srv.out().includes('] still here'));
  });
});
