/**
 * -a, tshark's autostop conditions, on files (the live ones are in
 * live.test.ts): packets:N counts the frames -Y lets through (tshark's with
 * -r; -c counts frames read), filesize:KB stops once the -w file has reached
 * N × 1000 bytes, and what tshark refuses is refused in one line. The
 * dashboard's model stops the same way.
 */
import { spawnSync } from 'node:child_process';
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openFile } from '../../src/capture/open';
import { openWriter } from '../../src/capture/writer';
import { CaptureModel } from '../../src/ui/dashboard/model';
import { CAPTURES, CLI } from '../helpers/paths';
import { HAVE_TSHARK } from '../oracle/tshark';
import { save } from './craft';
import { readFile } from './helpers';

const CHAT = join(CAPTURES, 'chat-demo.pcapng');

function run(cmd: string, args: string[]): { status: number | null; stdout: string; stderr: string } {
  return spawnSync(cmd, args, { encoding: 'utf8' });
}

describe('-a on a file', () => {
  it.skipIf(!HAVE_TSHARK)("packets:N stops after N frames shown, as tshark's -a packets does with -r and -Y", () => {
    for (const [filter, n] of [['tcp.len > 0', '3'], ['udp', '5'], ['tcp.flags.fin == 1', '1']]) {
      const args = ['-n', '-r', CHAT, '-Y', filter, '-a', `packets:${n}`, '-T', 'fields', '-e', 'frame.number'];
      const ours = run(process.execPath, [CLI, ...args]);
      expect(ours.stdout.trim().split('\n')).toHaveLength(Number(n));
      expect(ours.stdout, filter).toBe(run('tshark', args).stdout);
    }
  });

  it('filesize:KB saves frames until the file reaches the size, the last one whole', async () => {
    const out = save('autostop-filesize.pcap', new Uint8Array(0));
    const r = run(process.execPath, [CLI, '-r', CHAT, '-w', out, '-a', 'filesize:2']);
    expect(r.status).toBe(0);
    const saved = await readFile(out);
    expect(saved.error).toBeNull();
    const size = statSync(out).size;
    expect(size).toBeGreaterThanOrEqual(2000);
    // One frame fewer would have been below 2000 bytes: the stop came at the first frame that crossed.
    const last = saved.frames[saved.frames.length - 1];
    expect(size - 16 - last.capLen).toBeLessThan(2000);
  });

  it('refuses, in one line with exit 2, what tshark refuses: a time limit on a file, a size without -w, files without a ring buffer, zero, unknown words', () => {
    for (const [a, text] of [
      [['-a', 'duration:5'], /a time limit needs a live capture/],
      [['-a', 'filesize:10'], /no -w was given/],
      [['-a', 'files:3'], /ring buffer/],
      [['-a', 'packets:0'], /positive whole number/],
      [['-a', 'packets:x'], /positive whole number/],
      [['-a', 'speed:3'], /use duration:SECONDS, packets:N or filesize:KB/],
    ] as const) {
      const r = run(process.execPath, [CLI, '-r', CHAT, ...a]);
      expect(r.status, a.join(' ')).toBe(2);
      expect(r.stderr).toMatch(text);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
    }
  });
});

describe("-a in the dashboard's model", () => {
  it('packets:N stops the capture after N frames matching the display filter; filesize stops the -w file', async () => {
    const m = new CaptureModel({ source: openFile(CHAT), autostopPackets: 2 });
    m.setFilter('tcp.flags.fin == 1');
    await m.run();
    expect(m.shownCount).toBe(2);
    expect(m.count).toBe(m.shownFrame(1));
    m.dispose();

    const out = save('autostop-model.pcap', new Uint8Array(0));
    const writer = openWriter(out);
    const w = new CaptureModel({ source: openFile(CHAT), writer, autostopFileBytes: 1500 });
    await w.run();
    expect(statSync(out).size).toBeGreaterThanOrEqual(1500);
    expect((await readFile(out)).frames).toHaveLength(w.count);
    expect(w.count).toBeLessThan(40);
    w.dispose();
  });
});
