/**
 * End to end: the real `synack` command in a real terminal (tmux), read back
 * with `tmux capture-pane`, on a capture and on live loopback traffic this
 * test makes itself (root only; bounded: one connection, three messages).
 * Each test runs its own tmux server (-L) so nothing else is touched.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import * as net from 'node:net';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { CAPTURES, CLI, ROOT } from '../helpers/paths';

const HAVE_TMUX = spawnSync('tmux', ['-V']).status === 0;
const BUILT = existsSync(join(ROOT, 'dist', 'cli.js'));
const IS_ROOT = process.getuid?.() === 0;
let HAVE_CAP = false;
try {
  require('cap');
  HAVE_CAP = true;
} catch {
  HAVE_CAP = false;
}
if (!HAVE_TMUX) console.warn('e2e dashboard tests skipped: tmux is not installed');
if (!BUILT) console.warn('e2e dashboard tests skipped: dist/ is not built (npm test builds it first)');
if (!IS_ROOT || !HAVE_CAP) console.warn('live e2e dashboard test skipped: needs root and the cap module');

const SOCKET = `synack-e2e-${process.pid}`;
const tmux = (...args: string[]): string => execFileSync('tmux', ['-L', SOCKET, ...args], { encoding: 'utf8' });

function start(cmd: string, cols = 100, rows = 30): void {
  tmux('new-session', '-d', '-s', 'dash', '-x', String(cols), '-y', String(rows), '-e', 'TERM=xterm-256color', cmd);
}

function screen(): string {
  return tmux('capture-pane', '-p', '-t', 'dash');
}

function alive(): boolean {
  return spawnSync('tmux', ['-L', SOCKET, 'has-session', '-t', 'dash']).status === 0;
}

async function waitFor(pred: (s: string) => boolean, ms = 10_000): Promise<string> {
  const until = Date.now() + ms;
  let s = '';
  while (Date.now() < until) {
    if (!alive()) throw new Error(`synack exited; last screen:\n${s}`);
    s = screen();
    if (pred(s)) return s;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out; last screen:\n${s}`);
}

async function waitGone(ms = 5000): Promise<boolean> {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    if (!alive()) return true;
    await new Promise((r) => setTimeout(r, 50));
  }
  return false;
}

afterEach(() => {
  spawnSync('tmux', ['-L', SOCKET, 'kill-server']);
});

describe.skipIf(!HAVE_TMUX || !BUILT)('synack in tmux', () => {
  it('opens a capture, shows its packets, opens the ladder, quits with q', async () => {
    start(`node ${CLI} -r ${join(CAPTURES, 'tcp-chat.pcap')}`);
    const s = await waitFor((x) => x.includes('end of file'));
    expect(s).toMatch(/ +1 0\.000000 127\.0\.0\.1 +127\.0\.0\.1 +TCP +74 56784 → 8080 \[SYN\]/);
    expect(s).toContain('Detail of frame 1');
    tmux('send-keys', '-t', 'dash', '2');
    await waitFor((x) => x.includes('Client') && x.includes('127.0.0.1:56784'));
    tmux('send-keys', '-t', 'dash', 'Enter');
    const ladder = await waitFor((x) => x.includes('╭─ 3-way handshake'));
    expect(ladder).toMatch(/│ +#1 │─+ SYN seq=0 len=0 ─+▶│/);
    tmux('send-keys', '-t', 'dash', 'q');
    expect(await waitGone()).toBe(true);
  });

  it('reads a capture piped into standard input, keys from the terminal', async () => {
    start(`cat ${join(CAPTURES, 'half-close.pcap')} | node ${CLI} -r -`);
    const s = await waitFor((x) => x.includes('end of file'));
    expect(s).toMatch(/^synack standard input +end of file +15 frames/m);
    tmux('send-keys', '-t', 'dash', 'G');
    await waitFor((x) => x.includes('Detail of frame 15'));
    tmux('send-keys', '-t', 'dash', 'q');
    expect(await waitGone()).toBe(true);
  });

  it.skipIf(!IS_ROOT || !HAVE_CAP)('captures live on lo: the test\'s own connection appears as it happens', async () => {
    const server = net.createServer((sock) => {
      sock.on('data', (d) => sock.write(d.toString().toUpperCase()));
      sock.on('end', () => sock.end());
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    const port = (server.address() as net.AddressInfo).port;
    try {
      start(`node ${CLI} -i lo -f 'tcp port ${port}'`);
      await waitFor((x) => x.includes('● live'));
      const client = net.connect(port, '127.0.0.1');
      await new Promise<void>((r) => client.once('connect', () => r()));
      for (const m of ['hello\n', 'how are you?\n', 'bye\n']) {
        client.write(m);
        await new Promise((r) => client.once('data', r));
      }
      client.end();
      await new Promise((r) => client.once('close', r));
      // The list follows the newest frames while live: the teardown shows by itself...
      await waitFor((x) => x.includes(`→ ${port} [FIN, ACK]`));
      // ...and g goes back to the handshake.
      tmux('send-keys', '-t', 'dash', 'g');
      const s = await waitFor((x) => x.includes(`→ ${port} [SYN]`));
      expect(s).toMatch(new RegExp(` +1 0\\.000000 127\\.0\\.0\\.1 +127\\.0\\.0\\.1 +TCP +74 \\d+ → ${port} \\[SYN\\]`));
      tmux('send-keys', '-t', 'dash', '2');
      const table = await waitFor((x) => x.includes(`127.0.0.1:${port}`) && /close|4-way|3-way/.test(x));
      expect(table).toMatch(new RegExp(`TCP +127\\.0\\.0\\.1:\\d+ +127\\.0\\.0\\.1:${port}`));
      tmux('send-keys', '-t', 'dash', 'Enter');
      // Live, the ladder follows its newest segment: the teardown, bracketed, at the bottom.
      const ladder = await waitFor((x) => /╭─ [^\n]*close[^\n]*client closed first/.test(x) && /╰ +#14 │─+ ACK seq=25 ack=25 len=0/.test(x));
      expect(ladder).toMatch(/#4 │─+ PSH,ACK seq=1 ack=1 len=6 ─+▶│/);
      tmux('send-keys', '-t', 'dash', 'q');
      expect(await waitGone()).toBe(true);
    } finally {
      server.close();
    }
  });
});
