/**
 * Live capture with cap on the loopback interface, with traffic the test
 * makes itself (a TCP server and clients on a port of its own, bounded in
 * count and time). Needs root (or CAP_NET_RAW) and a built cap: skipped,
 * saying so, where either is missing. The error lines (no such interface,
 * bad filter, no permission, no libpcap) are checked as the user sees them,
 * and so is the capture process: its stamps do not wait for a busy synack,
 * it gives up root, it dies with its parent, and it bounds what waits.
 */
import { spawn, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, statSync, writeFileSync, mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import * as net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { copyFrame, type Frame } from '../../src/capture/frame';
import { openLive } from '../../src/capture/live';
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

/** Pids of the processes `pid` started (the capture process of a live synack). */
function childrenOf(pid: number): number[] {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter((x) => x !== '').map(Number);
  } catch {
    return [];
  }
}

/** Whether process `pid` has ended (and been reaped): no orphan left behind. */
async function gone(pid: number, withinMs: number): Promise<boolean> {
  for (const t0 = Date.now(); Date.now() - t0 < withinMs; await sleep(20)) if (!existsSync(`/proc/${pid}`)) return true;
  return !existsSync(`/proc/${pid}`);
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

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
    const r = await capture(['-i', 'lo', '-w', out, '-P', '-f', `tcp port ${port}`, '-T', 'fields', '-e', 'frame.number'], { stop: (s) => s.split('\n').length > 8 });
    expect(r.code).toBe(0);
    const saved = await readFile(out);
    expect(saved.error).toBeNull();
    const shown = r.stdout.trim().split('\n');
    expect(saved.frames.length).toBeGreaterThanOrEqual(shown.length);
    expect(saved.lines.slice(0, shown.length).map((l) => l.split('\t')[0])).toEqual(shown);
  });

  it('-a duration stops a live capture after its seconds, with a complete -w file', async () => {
    const out = save('live-duration.pcapng', new Uint8Array(0));
    const t0 = Date.now();
    // The test's traffic runs for up to 6 s (60 exchanges): only the time limit can end it sooner.
    const r = await capture(['-i', 'lo', '-a', 'duration:1.5', '-q', '-w', out, '-f', `tcp port ${port}`]);
    const took = Date.now() - t0;
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(took).toBeGreaterThanOrEqual(1400);
    expect(took).toBeLessThan(5500);
    const saved = await readFile(out);
    expect(saved.error).toBeNull();
    expect(saved.frames.length).toBeGreaterThan(0);
  });

  it('-a packets counts the frames -Y lets through; -a filesize stops once the -w file reaches its kB', async () => {
    const shown = await capture(['-i', 'lo', '-a', 'packets:3', '-Y', 'tcp.flags.syn == 1', '-f', `tcp port ${port}`, '-T', 'fields', '-e', 'tcp.flags.syn']);
    expect(shown.code).toBe(0);
    expect(shown.stdout.trim().split('\n')).toEqual(['1', '1', '1']);
    const out = save('live-filesize.pcap', new Uint8Array(0));
    const sized = await capture(['-i', 'lo', '-a', 'filesize:2', '-q', '-w', out, '-f', `tcp port ${port}`]);
    expect(sized.code).toBe(0);
    const size = statSync(out).size;
    // Stopped by the frame that crossed 2000 bytes: past it by less than one loopback frame of the exchange.
    expect(size).toBeGreaterThanOrEqual(2000);
    expect(size).toBeLessThan(2000 + 200);
  });

  it('-Z USER: root is given up once the handle and the -w file are open, and capture goes on', async () => {
    const out = save('live-z.pcap', new Uint8Array(0));
    let status = '';
    let childStatus = '';
    const r = await capture(['-i', 'lo', '-Z', 'nobody', '-w', out, '-P', '-f', `tcp port ${port}`, '-T', 'fields', '-e', 'frame.number'], {
      stop: (s, pid) => {
        if (status === '' && s.length > 0) {
          status = readFileSync(`/proc/${pid}/status`, 'utf8');
          // The capture process, which holds the handle, gave up root too.
          childStatus = childrenOf(pid).map((c) => readFileSync(`/proc/${c}/status`, 'utf8')).join('');
        }
        // Frames keep coming after the switch.
        return s.split('\n').length > 10;
      },
    });
    expect(r.code).toBe(0);
    expect(status).toMatch(/^Uid:\s+65534\s+65534\s+65534\s+65534$/m);
    expect(status).toMatch(/^Gid:\s+65534\s+65534\s+65534\s+65534$/m);
    expect(childStatus).toMatch(/^Uid:\s+65534\s+65534\s+65534\s+65534$/m);
    expect(childStatus).not.toMatch(/^Uid:\s+0\s/m);
    expect(statSync(out).uid).toBe(65534);
    expect((await readFile(out)).frames.length).toBeGreaterThanOrEqual(10);
  });

  it('through sudo: root is given up to the invoking user (SUDO_UID / SUDO_GID)', async () => {
    let status = '';
    let childStatus = '';
    const env = { ...process.env, SUDO_UID: '65534', SUDO_GID: '65534', SUDO_USER: 'nobody' };
    const r = await capture(['-i', 'lo', '-f', `tcp port ${port}`, '-T', 'fields', '-e', 'frame.number'], {
      env,
      stop: (s, pid) => {
        if (s.length > 0) {
          status = readFileSync(`/proc/${pid}/status`, 'utf8');
          childStatus = childrenOf(pid).map((c) => readFileSync(`/proc/${c}/status`, 'utf8')).join('');
        }
        return s.length > 0;
      },
    });
    expect(r.code).toBe(0);
    expect(status).toMatch(/^Uid:\s+65534\s+65534\s+65534\s+65534$/m);
    expect(childStatus).toMatch(/^Uid:\s+65534\s+65534\s+65534\s+65534$/m);
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

/** Spins for `ms`: this process is busy, as one decoding a burst or drawing a screen is. */
function busy(ms: number): void {
  const end = performance.now() + ms;
  while (performance.now() < end);
}

/** TCP flags of an Ethernet/IPv4 frame on lo. */
function tcpFlags(f: Frame): number {
  const d = f.data;
  const ip = f.offset + 14;
  return d[ip + (d[ip] & 15) * 4 + 13];
}

const seconds = (f: Frame): number => f.tsSec + f.tsNsec / 1e9;

describe.skipIf(!CAN_CAPTURE)('live time stamps are taken in a capture process of their own', () => {
  it('a loopback handshake made while this process is busy keeps its real spacing (SYN -> SYN/ACK well under 1 ms)', async () => {
    const source = await openLive('lo', `tcp port ${port}`);
    const frames: Frame[] = [];
    const running = source.run((f) => {
      frames.push(copyFrame(f));
      // As slow as a cold decoder on its first frame: with the stamp taken
      // in this process, the SYN/ACK was stamped only after it returned.
      if (frames.length === 1) busy(30);
      if (frames.length === 3) source.stop();
    });
    const connectedAt = (performance.timeOrigin + performance.now()) / 1000;
    const c = net.connect(port, '127.0.0.1');
    c.on('error', () => undefined);
    // net.connect calls connect(2) on the next tick; on lo the handshake is done when it returns.
    await new Promise((r) => process.nextTick(r));
    busy(150);
    const timeout = setTimeout(() => source.stop(), 5000);
    const end = await running;
    clearTimeout(timeout);
    c.destroy();
    expect(end.kind).toBe('stopped');
    expect(frames.map(tcpFlags)).toEqual([0x02, 0x12, 0x10]);
    const [syn, synAck, ack] = frames.map(seconds);
    // tcpdump (kernel stamps) shows ~20 us here; stamped in this process it was ~1 ms idle and 30 ms with this sink.
    expect(synAck - syn).toBeLessThan(0.002);
    expect(ack - synAck).toBeLessThan(0.002);
    // Stamped while this process was busy, not when it got round to reading.
    expect(syn - connectedAt).toBeLessThan(0.075);
    expect(syn - connectedAt).toBeGreaterThan(-0.01);
    // stop() ends the capture process.
    expect(await gone(source.pid, 3000)).toBe(true);
  });

  it('the demo (chat programs, analysis and capture in one synack) reports a sub-millisecond initial RTT on lo', async () => {
    const free = net.createServer();
    await new Promise<void>((r) => free.listen(0, '127.0.0.1', r));
    const demoPort = (free.address() as net.AddressInfo).port;
    await new Promise<void>((r) => free.close(() => r()));
    const r = spawnSync(process.execPath, [CLI, 'demo', '--text', '--once', '--pace', '40', '--port', String(demoPort), '-T', 'fields', '-e', 'tcp.flags.str', '-e', 'tcp.analysis.initial_rtt'], {
      encoding: 'utf8',
      timeout: 30_000,
    });
    expect(r.status).toBe(0);
    const rows = r.stdout.trim().split('\n').map((l) => l.split('\t'));
    expect(rows[0][0]).toBe('··········S·');
    const rtt = rows.find((x) => x[1] !== '')![1];
    // Measured 2.4 to 47 ms when the demo's own process stamped the frames; the wire's is ~0.03 ms.
    expect(Number(rtt)).toBeLessThan(0.001);
    // No capture process outlives the demo.
    await sleep(200);
    const left = spawnSync('ps', ['-eo', 'pid=,args='], { encoding: 'utf8' }).stdout.split('\n').filter((l) => l.includes('live-child') && l.includes(`port ${demoPort} `));
    expect(left).toEqual([]);
  });

  it('the capture process dies with its parent (killed, no chance to clean up): no orphan keeps capturing', async () => {
    const child = spawn(process.execPath, [CLI, '-i', 'lo', '-q', '-f', `tcp port ${port}`]);
    let capturer: number[] = [];
    for (let i = 0; i < 100 && capturer.length === 0; i++) {
      await sleep(50);
      capturer = childrenOf(child.pid!);
    }
    expect(capturer).toHaveLength(1);
    child.kill('SIGKILL');
    expect(await gone(capturer[0], 3000)).toBe(true);
  });

  it('a parent that stops reading costs at most the backlog: the rest is dropped, counted and reported in one line', async () => {
    // A bulk transfer on lo from another process (64 KiB segments) while this one sits in its sink.
    const traffic = spawn(process.execPath, ['-e', BULK], { stdio: ['pipe', 'pipe', 'inherit'] });
    const bulkPort = await new Promise<number>((resolve) => traffic.stdout.once('data', (b: Buffer) => resolve(Number(b.toString().trim()))));
    const source = await openLive('lo', `tcp port ${bulkPort}`, { backlog: 256 * 1024 });
    const lines: string[] = [];
    const write = process.stderr.write.bind(process.stderr);
    process.stderr.write = ((chunk: string) => (lines.push(String(chunk)), true)) as typeof process.stderr.write;
    try {
      let n = 0;
      const running = source.run(() => {
        if (n++ === 0) busy(1500);
      });
      traffic.stdin.end('go\n');
      await new Promise((r) => traffic.once('close', r));
      await sleep(300);
      source.stop();
      expect((await running).kind).toBe('stopped');
      await source.ended();
      expect(n).toBeGreaterThan(1);
      expect(source.dropped).toBeGreaterThan(0);
    } finally {
      process.stderr.write = write;
    }
    expect(lines.filter((l) => l.startsWith('synack:')).join('')).toBe(`synack: lo: ${source.dropped} packets dropped: synack fell behind and 262.1 kB of captured packets already waited\n`);
  });
});

/** Sends 32 MiB over lo once told to, on a port it prints: bounded, and done in well under a second. */
const BULK = `
const net = require('net');
const srv = net.createServer((s) => { s.on('data', () => {}); s.on('end', () => s.end()); s.on('error', () => {}); });
srv.listen(0, '127.0.0.1', () => {
  process.stdout.write(srv.address().port + '\\n');
  process.stdin.once('data', () => {
    const c = net.connect(srv.address().port, '127.0.0.1', () => { for (let i = 0; i < 32; i++) c.write(Buffer.alloc(1 << 20)); c.end(); });
    c.on('close', () => srv.close());
    c.on('data', () => {});
    setTimeout(() => process.exit(0), 10000).unref();
  });
});
`;

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
