/**
 * -l (tcpdump's and tshark's line buffering): every frame's output leaves in
 * its own write(2), so `synack -i lo -l | grep SYN` shows each match as its
 * frame arrives instead of when a 128 KiB buffer fills. Without -l the same
 * output leaves in large blocks.
 *
 * What reaches the kernel is what a reader of the pipe can see, so the test
 * watches the write(2) calls on standard output with strace, and skips,
 * saying so, where strace or ptrace is not available.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CLI, ownCapture } from '../helpers/paths';

const CAPTURE = ownCapture('tcp-chat.pcap');

/** The byte counts of the write(2) calls on fd 1, and what was written, or null without strace. */
function writesOf(args: string[]): { writes: number[]; stdout: string } | null {
  const dir = mkdtempSync(join(tmpdir(), 'synack-l-'));
  try {
    const log = join(dir, 'strace.log');
    const r = spawnSync('strace', ['-f', '-qq', '-e', 'trace=write,writev', '-e', 'signal=none', '-o', log, process.execPath, CLI, ...args], {
      encoding: 'utf8',
      maxBuffer: 1 << 26,
    });
    if (r.error !== undefined || r.status !== 0) return null;
    const writes: number[] = [];
    for (const line of readFileSync(log, 'utf8').split('\n')) {
      const m = /^\d+\s+writev?\(1,.*\) = (\d+)$/.exec(line);
      if (m !== null) writes.push(Number(m[1]));
    }
    return { writes, stdout: r.stdout };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const probe = writesOf(['-r', CAPTURE, '-c', '1']);
const why = probe === null ? 'strace cannot trace a process here (not installed, or ptrace not permitted)' : '';

describe.skipIf(probe === null)(`-l writes each frame as it is printed${why === '' ? '' : ` (skipped: ${why})`}`, () => {
  /** Each frame's lines (one summary line, or its whole -V tree) in their own write. */
  function expectOneWritePerFrame(args: string[], framesOf: (stdout: string) => string[]): void {
    const lined = writesOf([...args, '-l'])!;
    const frames = framesOf(lined.stdout);
    expect(frames.length).toBeGreaterThan(5);
    expect(lined.writes).toEqual(frames.map((f) => Buffer.byteLength(f)));
    // The same bytes without -l, in one block: what -l changes is only when they leave.
    const blocked = writesOf(args)!;
    expect(blocked.stdout).toBe(lined.stdout);
    expect(blocked.writes).toEqual([Buffer.byteLength(blocked.stdout)]);
  }
  const lines = (s: string): string[] => s.split(/(?<=\n)/);

  it('summary lines', () => {
    expectOneWritePerFrame(['-r', CAPTURE], lines);
  });

  it('-T fields rows', () => {
    expectOneWritePerFrame(['-r', CAPTURE, '-T', 'fields', '-e', 'frame.number', '-e', 'tcp.flags.str', '-e', 'tcp.analysis.flags'], lines);
  });

  it('-V trees, each frame whole (a reader never sees half a tree)', () => {
    // tshark separates the trees with an empty line; each write ends just after it.
    expectOneWritePerFrame(['-r', CAPTURE, '-V'], (s) => s.split(/(?<=\n\n)(?=Frame )/));
  });
});
