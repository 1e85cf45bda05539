/**
 * The scripted demo as data (the API the dashboard drives), and the replay
 * used where live capture is impossible.
 */
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import type { Frame } from '../../src/capture/frame';
import { openFile } from '../../src/capture/open';
import { ChatDemo, type DemoEvent, type DemoStep } from '../../src/demo/demo';
import { PacedSource, readDemoEvents, ReplayClock } from '../../src/demo/replay';
import { DEMO_TRACE, openDemoSession } from '../../src/demo/session';
import type { TraceEvent } from '../../src/demo/trace';
import { CAPTURES, CLI } from '../helpers/paths';

const isStep = (e: DemoEvent): e is DemoStep => e.op === 'step';

/** The trace events between step `name` and the next step. */
function during(events: DemoEvent[], name: string): TraceEvent[] {
  const i = events.findIndex((e) => isStep(e) && e.step === name);
  expect(i).toBeGreaterThanOrEqual(0);
  const out: TraceEvent[] = [];
  for (let j = i + 1; j < events.length && !isStep(events[j]); j++) out.push(events[j] as TraceEvent);
  return out;
}

describe('synack demo usage', () => {
  it.each([
    [['--once=no'], 'synack: demo: --once takes no value'],
    [['--pace', '5'], "synack: demo: --pace needs a whole number from 10 to 60000, not '5'"],
    [['--interval=x'], "synack: demo: --interval needs a whole number from 100 to 600000, not 'x'"],
    [['--trace'], 'synack: demo: --trace needs FILE'],
    [['--trace', '/nonexistent/dir/trace.jsonl'], "synack: demo: cannot write the trace to '/nonexistent/dir/trace.jsonl': ENOENT"],
    [['--replay', '--no-capture'], 'synack: demo: --replay and --no-capture exclude each other: one replays a capture, the other captures nothing'],
  ])('usage error %j: one line, exit 2, nothing started', (args, line) => {
    const r = spawnSync(process.execPath, [CLI, 'demo', ...args], { encoding: 'utf8', timeout: 10_000 });
    expect(r.status).toBe(2);
    expect(r.stderr).toBe(line + '\n');
    expect(r.stdout).toBe('');
  });
});

describe('synack demo --no-capture into a reader that stops early', () => {
  // The shell's `| head -N`: a pipe(2) whose reader exits. The endless demo (no --once) must notice and
  // end: status 0, its one banner line on stderr and nothing else (no EPIPE stack trace, no failure line),
  // and no hang (`timeout` bounds it: 124 would say it hung). Cut at the first line (the servers' listen)
  // and mid-conversation (sockets open when it stops). Loopback only.
  it.each([
    [['--trace', '-'], 1],
    [['--trace', '-'], 25],
    [[], 1],
    [[], 12],
  ])('%j | head -%i ends quietly', (args, lines) => {
    const cmd = `timeout -k 2 20 "$0" "$1" demo --no-capture --pace 20 ${args.join(' ')} | head -${lines}; exit "\${PIPESTATUS[0]}"`;
    const r = spawnSync('bash', ['-c', cmd, process.execPath, CLI], { encoding: 'utf8', timeout: 30_000 });
    expect(r.stderr).toMatch(/^synack: demo: chat servers on 127\.0\.0\.1 port \d+ \(tcp and udp\); capture filter: [^\n]*\n$/);
    expect(r.status).toBe(0);
    const out = r.stdout.split('\n').slice(0, -1);
    expect(out).toHaveLength(lines);
    if (args.length > 0) expect(JSON.parse(out[0])).toMatchObject({ op: 'listen', side: 'server' });
    else expect(out[0]).toContain('listening on 127.0.0.1:');
  });
});

describe('ChatDemo', () => {
  it('plays every step once, in order, and each step does what it announces', async () => {
    const demo = new ChatDemo({ pace: 30, once: true });
    const events: DemoEvent[] = [];
    demo.onEvent((e) => events.push(e));
    await demo.listen();
    expect(demo.captureFilter).toBe(`port ${demo.port} or port ${demo.closedPort}`);
    await demo.run();
    await demo.stop();
    expect(demo.failures).toEqual([]);
    expect(events.filter(isStep).map((s) => s.step)).toEqual([
      'listen', 'handshake', 'chat', 'burst-cork', 'burst-slow-reader', 'udp', 'udp-empty', 'teardown', 'refused', 'reset', 'half-close', 'end',
    ]);

    // Three corked writes, one read of three messages.
    const cork = during(events, 'burst-cork');
    expect(cork.filter((e) => e.side === 'client' && e.op === 'send' && e.corked)).toHaveLength(3);
    expect(cork.filter((e) => e.side === 'server' && e.op === 'recv').map((e) => e.messages)).toEqual([3]);
    const cstep = events.find((e) => isStep(e) && e.step === 'burst-cork') as DemoStep;
    expect(cstep).toMatchObject({ mechanism: 'cork', messages: 3, proto: 'tcp' });
    expect(cstep.client).toBe(cork.find((e) => e.side === 'client')!.local);

    // Three uncorked writes to a slow reader: still one read.
    const slow = during(events, 'burst-slow-reader');
    expect(slow.filter((e) => e.side === 'client' && e.op === 'send' && !e.corked)).toHaveLength(3);
    expect(slow.filter((e) => e.side === 'server' && e.op === 'recv').map((e) => e.messages)).toEqual([3]);

    // UDP: one recvfrom per datagram, then an empty one.
    const udp = during(events, 'udp');
    expect(udp.filter((e) => e.side === 'server' && e.op === 'recv').map((e) => e.bytes)).toEqual([3, 3, 5]);
    expect(during(events, 'udp-empty').filter((e) => e.side === 'server' && e.op === 'recv').map((e) => e.bytes)).toEqual([0]);

    expect(during(events, 'teardown').filter((e) => e.side === 'client').map((e) => e.op)).toEqual(['send', 'close', 'eof']);
    expect(during(events, 'refused').map((e) => e.op)).toEqual(['error']);
    expect(during(events, 'reset').some((e) => e.side === 'client' && e.op === 'reset')).toBe(true);
    const half = during(events, 'half-close');
    const shutdown = half.findIndex((e) => e.side === 'client' && e.op === 'shutdown');
    const lastWords = half.findIndex((e, i) => i > shutdown && e.side === 'server' && e.op === 'send');
    expect(shutdown).toBeGreaterThanOrEqual(0);
    expect(lastWords).toBeGreaterThan(shutdown);
  });

  it('over IPv6 names its endpoints as [::1]:port, in the narration and in each step\'s server', async () => {
    const demo = new ChatDemo({ host: '::1', pace: 20, once: true });
    const events: DemoEvent[] = [];
    demo.onEvent((e) => events.push(e));
    await demo.listen();
    await demo.run();
    await demo.stop();
    expect(demo.failures).toEqual([]);
    const steps = events.filter(isStep);
    expect(steps.find((s) => s.step === 'listen')!.text).toContain(`listens on [::1]:${demo.port} (TCP)`);
    const servers = new Set(steps.filter((s) => s.server !== undefined).map((s) => s.server));
    expect(servers).toEqual(new Set([`[::1]:${demo.port}`, `[::1]:${demo.closedPort}`]));
    // The same spelling as the programs' own trace events.
    const accept = events.find((e) => !isStep(e) && e.op === 'accept') as TraceEvent;
    expect(accept.local).toBe(`[::1]:${demo.port}`);
  });

  it('stop() ends an endless demo at once and closes its ports', async () => {
    const demo = new ChatDemo({ pace: 20, interval: 60_000 });
    const steps: string[] = [];
    demo.onEvent((e) => {
      if (isStep(e)) steps.push(e.step);
      if (isStep(e) && e.step === 'teardown') setTimeout(() => void demo.stop(), 50);
    });
    await demo.listen();
    await demo.run();
    expect(steps.slice(-2)).toEqual(['teardown', 'end']);
    const probe = spawnSync(process.execPath, [CLI, 'chat', 'client', '--port', String(demo.port)], { encoding: 'utf8', input: '' });
    expect(probe.stderr).toContain('refused the connection');
  });
});

describe('replay', () => {
  it('delivers every frame of a capture, in order, no earlier than its offset from the first', async () => {
    const file = `${CAPTURES}/tcp-chat.pcap`;
    const expected: Frame[] = [];
    await openFile(file).run((f) => expected.push({ ...f }));
    const clock = new ReplayClock();
    const paced = new PacedSource(openFile(file), clock);
    await paced.load();
    const seen: { tsSec: number; tsNsec: number; at: number }[] = [];
    const running = paced.run((f) => seen.push({ tsSec: f.tsSec, tsNsec: f.tsNsec, at: Date.now() }));
    clock.start();
    const t0 = Date.now();
    expect(await running).toEqual({ kind: 'eof' });
    expect(seen.map((s) => [s.tsSec, s.tsNsec])).toEqual(expected.map((f) => [f.tsSec, f.tsNsec]));
    const ms = (s: { tsSec: number; tsNsec: number }): number => s.tsSec * 1000 + s.tsNsec / 1e6;
    for (const s of seen) expect(s.at - t0).toBeGreaterThanOrEqual(Math.floor(ms(s) - ms(seen[0])) - 1);
    expect(paced.progress()).toEqual({ bytes: expected.length, total: expected.length });
  });

  it('stop() ends a replay at once', async () => {
    const clock = new ReplayClock();
    const paced = new PacedSource(openFile(`${CAPTURES}/chat-demo.pcapng`), clock);
    let n = 0;
    const running = paced.run(() => {
      if (++n === 3) paced.stop();
    });
    await paced.load();
    clock.start();
    expect(await running).toEqual({ kind: 'stopped' });
    expect(n).toBe(3);
  });

  it('the demo session replays the recorded run with its narration, and says why it is not live', async () => {
    const session = await openDemoSession({ replay: true });
    expect(session.live).toBe(false);
    expect(session.notLive).toEqual({ why: 'replay was asked for (--replay)', fix: 'sudo synack demo' });
    const events: DemoEvent[] = [];
    session.onEvent((e) => events.push(e));
    let frames = 0;
    const reading = session.source.run(() => {
      if (++frames === 3) void session.stop();
    });
    await session.start();
    expect(await reading).toEqual({ kind: 'stopped' });
    expect(frames).toBe(3);
    // The handshake is the first thing on the wire: its frames and the steps before it were played.
    expect(events.filter(isStep).map((s) => s.step)).toEqual(['listen', 'handshake']);
  });

  it('frames and events come out in recorded order even when the event loop is late', async () => {
    const session = await openDemoSession({ replay: true });
    const played: number[] = [];
    const ms = (t: { tsSec: number; tsNsec: number }): number => t.tsSec * 1000 + t.tsNsec / 1e6;
    session.onEvent((e) => played.push(ms(e)));
    let frames = 0;
    const reading = session.source.run((f) => {
      played.push(ms(f));
      if (++frames === 5) void session.stop();
    });
    const starting = session.start();
    // Busy for 1.1 s: the handshake, the first message and the events around them are all due at once.
    const until = Date.now() + 1100;
    while (Date.now() < until);
    await starting;
    await reading;
    expect(frames).toBe(5);
    expect(played.length).toBeGreaterThan(10);
    expect(played).toEqual([...played].sort((a, b) => a - b));
  });

  it('the recorded narration lines up with the recorded frames', async () => {
    const events = readDemoEvents(DEMO_TRACE);
    const frames: number[] = [];
    await openFile(`${CAPTURES}/chat-demo.pcapng`).run((f) => frames.push(f.tsSec * 1000 + f.tsNsec / 1e6));
    const at = (step: string): number => {
      const s = events.find((e) => isStep(e) && e.step === step)!;
      return s.tsSec * 1000 + s.tsNsec / 1e6;
    };
    // README: frames 1-3 handshake, 11 the corked burst, 36 "bye".
    expect(at('handshake')).toBeLessThan(frames[0]);
    expect(at('burst-cork')).toBeGreaterThan(frames[9]);
    expect(at('burst-cork')).toBeLessThan(frames[10]);
    expect(at('teardown')).toBeLessThan(frames[35]);
    expect(at('teardown')).toBeGreaterThan(frames[34]);
  });
});
