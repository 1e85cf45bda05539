/**
 * `synack -r -`: a capture on standard input is shown frame by frame as its
 * bytes arrive (the pipe stays open: nothing waits for the end of the
 * stream), and Ctrl-C or SIGTERM leave a complete -w file holding every
 * frame that was shown.
 */
import { spawn, spawnSync, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { openSync, closeSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { CLI, ownCapture } from '../helpers/paths';
import { concat, ethFrame, pcapHeader, pcapRecord, save } from './craft';
import { readFile } from './helpers';

const T = 1700000000;

interface Running {
  child: ChildProcessWithoutNullStreams;
  stdout(): string;
  stderr(): string;
  /** Resolves once stdout contains `text` (rejects after 10 s: the frame never came). */
  waitFor(text: string): Promise<void>;
  exit: Promise<number | null>;
}

function run(args: string[]): Running {
  const child = spawn(process.execPath, [CLI, ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  const waiters: { text: string; resolve: () => void }[] = [];
  child.stdout.on('data', (b: Buffer) => {
    out += b.toString();
    for (const w of waiters.filter((w) => out.includes(w.text))) w.resolve();
  });
  child.stderr.on('data', (b: Buffer) => (err += b.toString()));
  const exit = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  return {
    child,
    stdout: () => out,
    stderr: () => err,
    exit,
    waitFor: (text) =>
      new Promise<void>((resolve, reject) => {
        if (out.includes(text)) return resolve();
        const timer = setTimeout(() => reject(new Error(`no '${JSON.stringify(text)}' on stdout after 10 s; got ${JSON.stringify(out)}, stderr ${JSON.stringify(err)}`)), 10000);
        waiters.push({ text, resolve: () => (clearTimeout(timer), resolve()) });
      }),
  };
}

describe('standard input', () => {
  it('delivers each frame as soon as its last byte arrives, with the stream still open', async () => {
    const r = run(['-r', '-', '-T', 'fields', '-e', 'frame.number', '-e', 'frame.len']);
    r.child.stdin.write(concat(pcapHeader(), pcapRecord(T, 1, ethFrame(1))));
    await r.waitFor('1\t60\n');
    // The next record arrives in two pieces, split inside its data.
    const second = pcapRecord(T, 2, ethFrame(2));
    r.child.stdin.write(second.subarray(0, 30));
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(r.stdout()).toBe('1\t60\n');
    r.child.stdin.write(second.subarray(30));
    await r.waitFor('2\t60\n');
    r.child.stdin.end();
    expect(await r.exit).toBe(0);
    expect(r.stderr()).toBe('');
  });

  it('a stream cut in the middle of a record: the frames before it, then one line', async () => {
    const r = run(['-r', '-', '-T', 'fields', '-e', 'frame.number']);
    r.child.stdin.end(concat(pcapHeader(), pcapRecord(T, 1, ethFrame(1)), pcapRecord(T, 2, ethFrame(2)).subarray(0, 20)));
    expect(await r.exit).toBe(2);
    expect(r.stdout()).toBe('1\n');
    expect(r.stderr()).toBe('synack: -, byte offset 100, frame 2: the file ends in the middle of a frame (4 of its 60 bytes)\n');
  });

  it('pcapng through a pipe, and a file redirected to standard input, read as the file does', () => {
    const args = ['-T', 'fields', '-e', 'frame.number', '-e', 'frame.time_epoch', '-e', 'frame.len', '-e', 'frame.interface_id'];
    for (const path of [ownCapture('chat-demo.pcapng'), ownCapture('tcp-chat.pcap')]) {
      const file = spawnSync(process.execPath, [CLI, '-r', path, ...args], { encoding: 'utf8' });
      const piped = spawnSync(process.execPath, [CLI, '-r', '-', ...args], { input: readFileSync(path), encoding: 'utf8' });
      const fd = openSync(path, 'r');
      const redirected = spawnSync(process.execPath, [CLI, '-r', '-', ...args], { stdio: [fd, 'pipe', 'pipe'], encoding: 'utf8' });
      closeSync(fd);
      expect(file.status).toBe(0);
      expect(piped.stdout).toBe(file.stdout);
      expect(redirected.stdout).toBe(file.stdout);
    }
  });

  it('reads a shell pipe as the file, wherever its reads cut the records, and a character device as a stream', () => {
    // A child's 'pipe' stdio is a socket; the shell's `|` is a pipe(2), read at most 64 KiB at a time.
    // 3,000 frames of 60 to 1,559 bytes (2.4 MB): records straddle reads all the way.
    const recs = [pcapHeader()];
    for (let i = 0; i < 3000; i++) {
      const d = new Uint8Array(60 + ((i * 37) % 1500));
      d.set(ethFrame(i));
      recs.push(pcapRecord(T + i, i, d));
    }
    const path = save('pipe-chunks.pcap', concat(...recs));
    const args = ['-T', 'fields', '-e', 'frame.number', '-e', 'frame.len'];
    const file = spawnSync(process.execPath, [CLI, '-r', path, ...args], { encoding: 'utf8' });
    const piped = spawnSync('sh', ['-c', 'f=$1; shift; cat "$f" | "$@"', 'sh', path, process.execPath, CLI, '-r', '-', ...args], { encoding: 'utf8' });
    expect(file.stdout.split('\n').length).toBe(3001);
    expect(piped.stderr).toBe('');
    expect(piped.status).toBe(0);
    expect(piped.stdout).toBe(file.stdout);
    const fd = openSync('/dev/null', 'r');
    const empty = spawnSync(process.execPath, [CLI, '-r', '-', ...args], { stdio: [fd, 'pipe', 'pipe'], encoding: 'utf8' });
    closeSync(fd);
    expect(empty.stderr).toBe('synack: -, byte offset 0: no capture data: the input is empty\n');
    expect(empty.status).toBe(2);
  });

  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    for (const ext of ['pcap', 'pcapng']) {
      it(`${signal} leaves a complete ${ext} file with every frame shown`, async () => {
        const out = save(`signal-${signal}.${ext}`, new Uint8Array(0));
        const r = run(['-r', '-', '-w', out, '-P', '-T', 'fields', '-e', 'frame.number']);
        r.child.stdin.write(concat(pcapHeader(), pcapRecord(T, 1, ethFrame(1)), pcapRecord(T, 2, ethFrame(2)), pcapRecord(T, 3, ethFrame(3))));
        await r.waitFor('3\n');
        r.child.kill(signal);
        expect(await r.exit).toBe(0);
        const saved = await readFile(out);
        expect(saved.error).toBeNull();
        expect(saved.lines.map((l) => l.split('\t')[0])).toEqual(r.stdout().trim().split('\n'));
      });
    }
  }

  // F_GETPIPE_SZ (1032) asked by perl, the way synack sets the size (Node has no fcntl).
  const HAVE_PERL = process.platform === 'linux' && spawnSync('perl', ['-e', '1']).status === 0;
  it.skipIf(!HAVE_PERL)('widens a pipe on standard input to 1 MiB (16x fewer wake-ups for a bulk stream; skipped without perl or off Linux)', () => {
    const sh = (cmd: string): string => spawnSync('sh', ['-c', cmd], { encoding: 'utf8' }).stdout;
    const q = (a: string): string => `'${a.replace(/'/g, "'\\''")}'`;
    // The size belongs to the pipe: a perl after the reader, in the same subshell, sees what synack set.
    const pipeSize = `perl -e 'print fcntl(STDIN, 1032, 0)'`;
    const capture = q(ownCapture('tcp-chat.pcap'));
    expect(sh(`cat ${capture} | (cat > /dev/null; ${pipeSize})`)).toBe('65536');
    expect(sh(`cat ${capture} | (${q(process.execPath)} ${q(CLI)} -r - -q; ${pipeSize})`)).toBe('1048576');
  });
});
