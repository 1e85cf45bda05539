/**
 * The demo captured live on lo (root, or cap_net_raw, and the `cap` module):
 * synack's own capture layer and analysis must find what the demo played:
 * the handshake, the corked burst as one segment of three messages, and how
 * each connection ended. Skipped, saying why, where live capture is impossible.
 */
import { spawnSync } from 'node:child_process';
import { relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { DemoEvent, DemoStep } from '../../src/demo/demo';
import { liveBlocker, openDemoSession } from '../../src/demo/session';
import type { TraceEvent } from '../../src/demo/trace';
import { CLI } from '../helpers/paths';
import { analyse } from './pipeline';

const blocker = liveBlocker();
const title = blocker === null ? 'the demo captured live on lo' : `the demo captured live on lo (skipped: ${blocker.why}; ${blocker.fix})`;

const FIELDS = ['frame.number', 'tcp.srcport', 'tcp.dstport', 'tcp.len', 'tcp.flags.str', 'udp.srcport', 'udp.length', 'synack.msgs_in_segment'];

describe.skipIf(blocker !== null)(title, () => {
  it('synack finds the handshake, the corked burst of three messages, the UDP datagrams and each teardown kind', async () => {
    const session = await openDemoSession({ pace: 40, once: true });
    expect(session.live).toBe(true);
    const events: DemoEvent[] = [];
    session.onEvent((e) => events.push(e));
    const analysing = analyse(session.source, FIELDS, 'lines');
    await session.start();
    // The last ACKs reach the capture a moment after the programs are done.
    await new Promise((r) => setTimeout(r, 300));
    session.source.stop();
    const { rows, connections } = await analysing;
    await session.stop();
    expect(session.demo?.failures).toEqual([]);

    const port = String(session.demo!.port);
    const clientPorts = events.filter((e): e is TraceEvent => e.op === 'connect' && e.side === 'client' && e.proto === 'tcp').map((e) => Number(/:(\d+)$/.exec(e.local!)![1]));
    expect(clientPorts).toHaveLength(3);

    // One connection per scripted client, in order: the conversation, the refused one, the reset, the half-close.
    expect(connections.map((c) => [c.aPort, c.handshake])).toEqual([
      [clientPorts[0], 'normal'],
      [expect.any(Number), 'refused'],
      [clientPorts[1], 'normal'],
      [clientPorts[2], 'normal'],
    ]);
    expect(connections[0].teardown).toMatch(/^(three-way|four-way)$/);
    expect(connections.slice(1).map((c) => c.teardown)).toEqual(['reset', 'reset', 'half-close']);
    expect(connections[1].bPort).toBe(session.demo!.closedPort);

    // The wire starts with the handshake.
    expect(rows.slice(0, 3).map((r) => r.get('tcp.flags.str')!.replace(/·/g, ''))).toEqual(['S', 'AS', 'A']);

    // The corked burst: one segment from the client, three messages; the slow-reader burst: three segments of one.
    const fromClient = rows.filter((r) => r.get('tcp.srcport') === String(clientPorts[0]) && r.get('tcp.len') !== '0');
    const cork = events.find((e): e is DemoStep => e.op === 'step' && e.step === 'burst-cork')!;
    expect(cork).toMatchObject({ mechanism: 'cork', messages: 3 });
    expect(fromClient.map((r) => r.get('synack.msgs_in_segment'))).toEqual(['1', '1', '3', '1', '1', '1', '1']);
    expect(fromClient[2].get('tcp.len')).toBe('14');

    // UDP beside it: four datagrams each way (three and an empty one), each one message.
    const udp = rows.filter((r) => r.get('udp.length') !== '');
    expect(udp.filter((r) => r.get('udp.srcport') !== port).map((r) => r.get('udp.length'))).toEqual(['11', '11', '13', '8']);
    expect(udp.filter((r) => r.get('udp.srcport') === port)).toHaveLength(4);
  });

  it('synack demo --text prints the live packets through the print path and narrates on standard error', () => {
    const r = spawnSync(process.execPath, [CLI, 'demo', '--text', '--once', '--pace', '40', '-T', 'fields', '-e', 'frame.number', '-e', 'tcp.flags.str', '-e', 'tcp.len'], {
      encoding: 'utf8',
      timeout: 30_000,
    });
    expect(r.status).toBe(0);
    const rows = r.stdout.trim().split('\n').map((l) => l.split('\t'));
    expect(rows[0]).toEqual(['1', '··········S·', '0']);
    expect(rows.some((c) => c[2] === '14')).toBe(true);
    expect(rows.length).toBeGreaterThan(50);
    expect(r.stderr).toContain('== handshake: ');
    expect(r.stderr).toContain('recv() returned 14 bytes "one\\ntwo\\nthree\\n": 3 messages in one read');
    expect(r.stderr).not.toMatch(/^synack:/m);
  });
});

describe('the demo without live capture', () => {
  it('replays the recorded run and says why, with the one command that makes it live', () => {
    // As an unprivileged user when we are root; as ourselves otherwise.
    const asNobody = process.getuid?.() === 0;
    const args = [CLI, 'demo', '--text', '-c', '3', '-T', 'fields', '-e', 'frame.number'];
    const r = asNobody
      ? spawnSync('su', ['nobody', '-s', '/bin/sh', '-c', `'${process.execPath}' ${args.map((a) => `'${a}'`).join(' ')}`], { encoding: 'utf8', timeout: 30_000 })
      : spawnSync(process.execPath, args, { encoding: 'utf8', timeout: 30_000 });
    if (!asNobody && blocker === null) return; // live works here and we cannot drop privileges: nothing to see
    expect(r.status).toBe(0);
    expect(r.stdout).toBe('1\n2\n3\n');
    // Run by its path, as here: the command to go live names that path (no 'synack' need be on PATH).
    expect(r.stderr.split('\n')[0]).toBe(
      `synack: live capture needs root (or the cap_net_raw capability); replaying captures/chat-demo.pcapng at its original pace. To watch it live: sudo node ${relative(process.cwd(), CLI)} demo`,
    );
  });
});
