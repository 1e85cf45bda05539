/**
 * The command line's analysis outputs, through the real CLI:
 * - summary lines with tshark's "[TCP ...]" labels and relative numbers equal
 *   tshark's on the chaos captures (every label appears there);
 * - -z conv,tcp / conv,udp byte for byte as tshark 4.0 prints them;
 * - -z follow,tcp,ascii|hex,N as tshark prints them (--framing none: without
 *   synack's message marks), and the marks when a framing is known;
 * - -z conn as a table and as JSON lines; a bad -z as one line.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CAPTURES, CLI, HAVE_CORPUS, labCapture, ROOT } from '../helpers/paths';
import { HAVE_TSHARK, oracleText } from '../oracle/tshark';
import { chaosCapture } from './chaos';
import { writePcap } from './craft';

function synack(args: string[]): { status: number; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', maxBuffer: 1 << 28 });
  return { status: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

function tshark(file: string, args: string[]): string {
  return oracleText(file, args).stdout;
}

function chaos(seed: number): string {
  const dir = join(ROOT, 'node_modules', '.cache', 'synack-chaos');
  mkdirSync(dir, { recursive: true });
  const f = join(dir, `cli-chaos-${seed}.pcap`);
  if (!existsSync(f)) writePcap(f, chaosCapture(1000 + seed, 30));
  return f;
}

const files = (): string[] =>
  [
    ...(HAVE_CORPUS ? ['demo.pcap', 'v6.pcap', 'two.pcap', 'demo-any.pcap'].map(labCapture) : []),
    ...['tcp-chat.pcap', 'chat-demo.pcapng', 'burst-cork-length.pcap', 'udp-chat.pcap', 'split.pcap', 'half-close.pcap'].map((f) => join(CAPTURES, f)),
  ].filter(existsSync);

describe.skipIf(!HAVE_TSHARK)('against tshark 4.0', () => {
  it('summary lines: analysis labels and relative numbers on the chaos captures', () => {
    for (const seed of [1, 2, 3]) {
      const file = chaos(seed);
      const theirs = tshark(file, []).split('\n');
      const ours = synack(['-r', file]).stdout.split('\n');
      expect(ours.length).toBe(theirs.length);
      const labels = new Set<string>();
      for (let i = 0; i < theirs.length; i++) {
        expect(ours[i], `${file} frame ${i + 1}`).toBe(theirs[i]);
        for (const m of theirs[i].matchAll(/\[TCP [^\]#0-9]+/g)) labels.add(m[0]);
      }
      // The chaos captures exercise the labels (not only plain segments).
      expect(labels.size).toBeGreaterThanOrEqual(8);
    }
  });

  it('-z conv,tcp and -z conv,udp are tshark\'s tables', () => {
    for (const file of [...files(), chaos(1)]) {
      for (const z of ['conv,tcp', 'conv,udp']) {
        expect(synack(['-r', file, '-q', '-z', z]).stdout, `${file} ${z}`).toBe(tshark(file, ['-q', '-z', z]));
      }
    }
  });

  it('-z follow,tcp,ascii|hex,N is tshark\'s output (--framing none)', () => {
    for (const file of files()) {
      for (const stream of [0, 1, 3]) {
        for (const mode of ['ascii', 'hex']) {
          const z = `follow,tcp,${mode},${stream}`;
          expect(synack(['-r', file, '-q', '--framing', 'none', '-z', z]).stdout, `${file} ${z}`).toBe(tshark(file, ['-q', '-z', z]));
        }
      }
    }
  });
});

describe('synack\'s own reports', () => {
  it.skipIf(!existsSync(join(CAPTURES, 'burst-cork.pcap')))('-z follow marks message boundaries when the framing is known', () => {
    const out = synack(['-r', join(CAPTURES, 'burst-cork.pcap'), '-q', '-z', 'follow,tcp,ascii,0']).stdout;
    expect(out).toContain('30\nmsg 1\nmsg 2\nmsg 3\nmsg 4\nmsg 5\n\n[synack: 5 messages (lines) end in this segment]\n');
  });

  it.skipIf(!HAVE_CORPUS)('-z conn: one line per connection, kinds and counts', () => {
    const r = synack(['-r', labCapture('demo.pcap'), '-q', '-z', 'conn']);
    expect(r.status).toBe(0);
    const lines = r.stdout.split('\n');
    expect(lines[1]).toBe('TCP Connections (synack)');
    expect(lines[3]).toMatch(/^ {5}0 127\.0\.0\.1:57520 -> 127\.0\.0\.1:47001 \| normal \| half-close, client closed first \| SF ShAdDawFf \| 0\.033 \| 200105\/16 31\/2 \| TIME-WAIT\/CLOSED \| 16\/2 lines\/lines coalesced=1 max=5 after-fin=23B \| zwin=1 wfull=2$/);
    expect(lines[5]).toContain('| refused | reset by server (handshake) | REJ Sr |');
    expect(lines[6]).toContain('ka=3');
    expect(lines[7]).toBe('4 connections');
  });

  it.skipIf(!HAVE_CORPUS)('-z conn -T json: one object per connection and line', () => {
    const r = synack(['-r', labCapture('demo.pcap'), '-q', '-T', 'json', '-z', 'conn']);
    const objs = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as Record<string, any>);
    expect(objs.map((o) => [o.stream, o.handshake.kind, o.teardown.kind, o.conn_state])).toEqual([
      [0, 'normal', 'half-close', 'SF'],
      [1, 'normal', 'reset', 'RSTO'],
      [2, 'refused', 'reset', 'REJ'],
      [3, 'normal', 'three-way', 'SF'],
    ]);
    expect(objs[0].server_to_client.bytes_after_peer_fin).toBe(23);
    expect(objs[0].client_to_server.coalesced_segments).toBe(1);
    expect(objs[0].handshake.initial_rtt_ms).toBeCloseTo(0.033, 6);
    expect(objs[3].analysis.keep_alive).toBe(3);
  });

  it('a bad -z or --framing is one line, exit 2', () => {
    const file = join(CAPTURES, 'tcp-chat.pcap');
    const a = synack(['-r', file, '-q', '-z', 'nope']);
    expect([a.status, a.stdout, a.stderr]).toEqual([2, '', 'synack: -z nope: unknown statistic; use conn, conv,tcp, conv,udp, follow,tcp,ascii,N, follow,tcp,hex,N, arp\n']);
    const b = synack(['-r', file, '-q', '-z', 'follow,tcp,raw,0']);
    expect(b.stderr).toBe('synack: -z follow,tcp,raw,0: use follow,tcp,ascii,N or follow,tcp,hex,N (N: a tcp.stream number)\n');
    const c = synack(['-r', file, '--framing', 'xml', '-q']);
    expect([c.status, c.stderr]).toEqual([2, 'synack: --framing xml: use auto, lines, length, length1, length2, length4, fixed:N or none\n']);
  });

  it('analysis fields in -T fields and -Y', () => {
    const file = join(CAPTURES, 'burst-cork.pcap');
    const r = synack(['-r', file, '-Y', 'synack.coalesced == 1', '-T', 'fields', '-e', 'frame.number', '-e', 'tcp.stream', '-e', 'synack.msgs_in_segment']);
    expect(r.stdout).toBe('4\t0\t5\n');
    const j = synack(['-r', file, '-c', '4', '-T', 'json']).stdout.trim().split('\n');
    expect(JSON.parse(j[3])['synack.msgs_in_segment']).toBe(5);
  });
});
