/**
 * Live capture with cap on the loopback interface, with traffic the test
 * makes itself (a TCP server and clients on a port of its own, bounded in
 * count and time). Needs root (or CAP_NET_RAW) and a built cap: skipped,
 * saying so, where either is missing. The error lines (no such interface,
 * bad filter, no permission, no libpcap) are checked as the user sees them.
 */
import { spawn, spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, statSync, writeFileSync, mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import * as net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI, ROOT } from '../helpers/paths';
import { save } from './craft';
import { readFile } from './helpers';

function capWorks(): boolean {
  try {
    createRequire(__filename)('cap');
    return true;
  } catch {
    return false;
  }
}
const IS_ROOT = typeof process.getuid === 'function' && process.getuid() === 0;
const CAN_CAPTURE = IS_ROOT && capWorks();
if (!CAN_CAPTURE) console.warn(`live capture tests skipped: ${IS_ROOT ? "the optional 'cap' module is not built (libpcap-dev, then npm rebuild cap)" : 'not running as root'}`);

let server: net.Server;
let port = 0;

beforeAll(async () => {
  server = net.createServer((s) => {
    s.on('data', (d) => s.end(d));
    s.on('error', () => undefined);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as net.AddressInfo).port;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

/** One short TCP exchange with the test's server. */
function exchange(): Promise<void> {
  return new Promise((resolve) => {
    const c = net.connect(port, '127.0.0.1', () => c.write('hello'));
    c.on('data', () => c.end());
    c.on('close', () => resolve());
    c.on('error', () => resolve());
  });
}

interface Capture {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs synack with `args` and makes traffic until it exits (it stops itself
 * with -c) or `stop` says so; at most 60 exchanges, 100 ms apart.
 */
async function capture(args: string[], opts: { uid?: number; gid?: number; env?: NodeJS.ProcessEnv; stop?: (out: string, pid: number) => boolean; signal?: NodeJS.Signals } = {}): Promise<Capture> {
  const child = spawn(process.execPath, [CLI, ...args], { uid: opts.uid, gid: opts.gid, env: opts.env ?? process.env });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (b: Buffer) => (stdout += b.toString()));
  child.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
  let exited = false;
  const done = new Promise<number | null>((resolve) => child.on('close', (code) => ((exited = true), resolve(code))));
  for (let i = 0; i < 60 && !exited; i++) {
    await new Promise((r) => setTimeout(r, 100));
    if (opts.stop !== undefined && opts.stop(stdout, child.pid!)) {
      child.kill(opts.signal ?? 'SIGINT');
      break;
    }
    await exchange();
  }
  // Give a signalled capture 5 s to finish its file and exit on its own.
  const timer = setTimeout(() => child.kill('SIGKILL'), opts.stop !== undefined ? 5000 : 0);
  const code = await done;
  clearTimeout(timer);
  return { code, stdout, stderr };
}

describe.skipIf(!CAN_CAPTURE)('live capture on lo', () => {
  it('captures the test traffic with a BPF filter, stamped with the time of arrival, and stops after -c frames', async () => {
    const before = Date.now() / 1000;
    const r = await capture(['-i', 'lo', '-c', '6', '-f', `tcp port ${port}`, '-T', 'fields', '-e', 'frame.number', '-e', 'frame.time_epoch', '-e', 'frame.len', '-e', 'frame.cap_len']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const rows = r.stdout.trim().split('\n').map((l) => l.split('\t'));
    expect(rows.map((x) => x[0])).toEqual(['1', '2', '3', '4', '5', '6']);
    for (const [, time, len, capLen] of rows) {
      expect(Number(time)).toBeGreaterThanOrEqual(before - 1);
      expect(Number(time)).toBeLessThanOrEqual(Date.now() / 1000 + 1);
      expect(time).toMatch(/^\d+\.\d{9}$/);
      // Ethernet + IPv4 + TCP with options: 66 bytes at least; nothing cut.
      expect(Number(len)).toBeGreaterThanOrEqual(54);
      expect(capLen).toBe(len);
    }
    // Times never go backwards (one monotonic clock).
    const times = rows.map((x) => Number(x[1]));
    expect(times).toEqual([...times].sort((a, b) => a - b));
  });

  it("takes the filter from trailing words, as tcpdump; -i any gives Linux cooked frames; -w saves them", async () => {
    const out = save('live-any.pcap', new Uint8Array(0));
    const r = await capture(['-i', 'any', '-c', '4', '-q', '-w', out, 'tcp', 'port', String(port)]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const saved = await readFile(out);
    expect(saved.frames).toHaveLength(4);
    expect(saved.frames.every((f) => f.linkType === 113)).toBe(true);
  });

  it('SIGINT ends a live capture with a complete -w file holding every frame shown', async () => {
    const out = save('live-sigint.pcapng', new Uint8Array(0));
    const r = await capture(['-i', 'lo', '-w', out, '-f', `tcp port ${port}`, '-T', 'fields', '-e', 'frame.number'], { stop: (s) => s.split('\n').length > 8 });
    expect(r.code).toBe(0);
    const saved = await readFile(out);
    expect(saved.error).toBeNull();
    const shown = r.stdout.trim().split('\n');
    expect(saved.frames.length).toBeGreaterThanOrEqual(shown.length);
    expect(saved.lines.slice(0, shown.length).map((l) => l.split('\t')[0])).toEqual(shown);
  });

  it('-Z USER: root is given up once the handle and the -w file are open, and capture goes on', async () => {
    const out = save('live-z.pcap', new Uint8Array(0));
    let status = '';
    const r = await capture(['-i', 'lo', '-Z', 'nobody', '-w', out, '-f', `tcp port ${port}`, '-T', 'fields', '-e', 'frame.number'], {
      stop: (s, pid) => {
        if (status === '' && s.length > 0) status = readFileSync(`/proc/${pid}/status`, 'utf8');
        // Frames keep coming after the switch.
        return s.split('\n').length > 10;
      },
    });
    expect(r.code).toBe(0);
    expect(status).toMatch(/^Uid:\s+65534\s+65534\s+65534\s+65534$/m);
    expect(status).toMatch(/^Gid:\s+65534\s+65534\s+65534\s+65534$/m);
    expect(statSync(out).uid).toBe(65534);
    expect((await readFile(out)).frames.length).toBeGreaterThanOrEqual(10);
  });

  it('through sudo: root is given up to the invoking user (SUDO_UID / SUDO_GID)', async () => {
    let status = '';
    const env = { ...process.env, SUDO_UID: '65534', SUDO_GID: '65534', SUDO_USER: 'nobody' };
    const r = await capture(['-i', 'lo', '-f', `tcp port ${port}`, '-T', 'fields', '-e', 'frame.number'], {
      env,
      stop: (s, pid) => {
        if (s.length > 0) status = readFileSync(`/proc/${pid}/status`, 'utf8');
        return s.length > 0;
      },
    });
    expect(r.code).toBe(0);
    expect(status).toMatch(/^Uid:\s+65534\s+65534\s+65534\s+65534$/m);
  });

  it('-D lists the interfaces with their addresses', () => {
    const r = spawnSync(process.execPath, [CLI, '-D'], { encoding: 'utf8' });
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^\d+\. lo \(loopback\) {2}127\.0\.0\.1\/8/m);
    expect(r.stdout).toMatch(/^\d+\. any \(/m);
  });

  it('an unknown interface: one line listing the real ones, exit 2', () => {
    const r = spawnSync(process.execPath, [CLI, '-i', 'nosuch0'], { encoding: 'utf8' });
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/^synack: nosuch0: no such interface; the interfaces are: .*\blo\b.* \(synack -D lists their addresses\)\n$/);
  });

  it("a filter with a syntax error: libpcap's own message, exit 2", () => {
    const r = spawnSync(process.execPath, [CLI, '-i', 'lo', 'tcp', 'port'], { encoding: 'utf8', timeout: 20_000 });
    expect(r.status).toBe(2);
    expect(r.stderr).toBe("synack: lo: capture filter 'tcp port': can't parse filter expression: syntax error\n");
  });

  it('no permission: one line explaining root or setcap, exit 2', () => {
    const r = spawnSync(process.execPath, [CLI, '-i', 'lo'], { encoding: 'utf8', uid: 65534, gid: 65534, timeout: 20_000 });
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/^synack: lo: capturing needs root, or these capabilities for node: sudo setcap cap_net_raw,cap_net_admin\+eip .*\(libpcap: .*\)\n$/);
  });
});

describe('without libpcap', () => {
  it("asking for live capture says exactly what to install, in one line, exit 2; reading files still works", () => {
    // A copy of the built program whose node_modules holds cap without its
    // compiled addon, as npm leaves it where libpcap-dev was missing. An empty
    // node_modules is not enough: require() would go on up the tree and find a
    // working cap in any node_modules above the temporary directory (one
    // appeared in /tmp and this test captured on lo until killed).
    const dir = mkdtempSync(join(tmpdir(), 'synack-nocap-'));
    cpSync(join(ROOT, 'dist'), join(dir, 'dist'), { recursive: true });
    cpSync(join(ROOT, 'bin'), join(dir, 'bin'), { recursive: true });
    writeFileSync(join(dir, 'package.json'), readFileSync(join(ROOT, 'package.json')));
    const unbuilt = join(dir, 'node_modules', 'cap');
    mkdirSync(join(unbuilt, 'lib'), { recursive: true });
    writeFileSync(join(unbuilt, 'package.json'), JSON.stringify({ name: 'cap', main: './lib/Cap' }));
    writeFileSync(join(unbuilt, 'lib', 'Cap.js'), "module.exports = require('../build/Release/cap.node');\n");
    const cli = join(dir, 'bin', 'synack.js');
    for (const args of [['-i', 'lo'], ['-D']]) {
      const r = spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8', cwd: dir, timeout: 20_000 });
      expect(r.status).toBe(2);
      expect(r.stderr).toMatch(/^synack: live capture: the optional 'cap' module, built against libpcap, is not available \(.*\): install libpcap \(Debian\/Ubuntu: sudo apt-get install libpcap-dev\), then run 'npm rebuild cap'\n$/);
    }
    expect(CLI).not.toBe(cli);
  });
});
