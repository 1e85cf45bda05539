/**
 * The dashboard's detail pane re-reads a frame out of order (when the user
 * selects it) and puts the analysis back from what the whole-file pass kept
 * (ui/dashboard/replay-notes.ts). Its tree must read the numbers the
 * sequential pass (`synack -V`) printed for the same frame: completeness,
 * the stream's times (UDP's too), the ACKed frame and its RTT, bytes in flight, the
 * window scaling.
 *
 * Where the pane deliberately differs, the line is named below: it shows the
 * connection's iRTT on every frame once known, as Wireshark's window does
 * after loading a file (a single pass shows it from the handshake's end).
 */
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { openFile } from '../../src/capture/open';
import { CaptureError } from '../../src/capture/frame';
import { OutBuf } from '../../src/output/outbuf';
import { writeTree } from '../../src/output/tree';
import { CaptureModel } from '../../src/ui/dashboard/model';
import { CLI, ownCaptureFiles } from '../helpers/paths';

/** Lines the pane does not reproduce (see the file comment). */
const NOT_REPLAYED = /^ +\[iRTT: /;

/** -V's tree of each frame by number, split where a frame's top line starts. */
function sequentialTrees(file: string): Map<number, string> {
  const r = spawnSync(process.execPath, [CLI, '-r', file, '-V'], { encoding: 'utf8', maxBuffer: 1 << 28 });
  const trees = new Map<number, string>();
  for (const t of r.stdout.split(/\n(?=Packet comments\n|Frame \d+: )/)) {
    const m = /^Frame (\d+): /m.exec(t);
    if (m !== null) trees.set(Number(m[1]), (trees.get(Number(m[1])) ?? '') + t.trimEnd());
  }
  return trees;
}

/** The TCP and UDP layers' lines: what analysis adds to the tree. */
const transportLines = (tree: string): string[] => {
  const out: string[] = [];
  let inside = false;
  for (const l of tree.split('\n')) {
    if (!l.startsWith(' ')) inside = l.startsWith('Transmission Control Protocol') || l.startsWith('User Datagram Protocol');
    if (inside && !NOT_REPLAYED.test(l)) out.push(l);
  }
  return out;
};

describe('the detail pane, a frame re-read out of order', () => {
  it.each(ownCaptureFiles().map((f) => [f.split('/').pop(), f]))('reads the TCP and UDP trees -V printed for every frame: %s', async (_name, file) => {
    const seq = sequentialTrees(file!);
    const m = new CaptureModel({ source: openFile(file!) });
    await m.run();
    const out = new OutBuf(-1);
    let compared = 0;
    // Newest first: the pane is used in any order, and no state may carry over from the previous frame.
    expect(seq.size).toBe(m.index.count);
    for (let n = seq.size; n >= 1; n--) {
      const p = m.decode(n);
      if (p instanceof CaptureError) throw p;
      out.clear();
      writeTree(out, p);
      const want = transportLines(seq.get(n)!);
      expect(transportLines(out.text().trimEnd()).join('\n'), `frame ${n}`).toBe(want.join('\n'));
      if (want.length > 0) compared++;
    }
    if (!/arp/.test(file!)) expect(compared).toBeGreaterThan(0);
    m.dispose();
  });
});
