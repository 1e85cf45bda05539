/**
 * Every capture (tcpdump's test files in the corpus: every odd link type,
 * damage and protocol corner they collected; the lab's, captures/ and a
 * crafted payload of terminal escapes) through every view model:
 * rows, the detail tree, the connections table, ladders, streams and the
 * ARP view are built without throwing, and every line they produce is
 * terminal-safe.
 */
import { expect, it } from 'vitest';
import { openFile } from '../../src/capture/open';
import { isUnsafe } from '../../src/output/sanitize';
import { buildArpView } from '../../src/ui/dashboard/arpview';
import { ConnDetail } from '../../src/ui/dashboard/conn-detail';
import { columnsFor, ConnList, connLine } from '../../src/ui/dashboard/conns';
import { buildDetail, flattenDetail } from '../../src/ui/dashboard/detail';
import { buildLadder, type Line } from '../../src/ui/dashboard/ladder';
import { CaptureModel } from '../../src/ui/dashboard/model';
import { buildRow } from '../../src/ui/dashboard/rows';
import { buildStreamView } from '../../src/ui/dashboard/streamview';
import { escCapture } from '../helpers/crafted';
import { allCaptureFiles, HAVE_CORPUS } from '../helpers/paths';


function safeText(s: string): boolean {
  for (let i = 0; i < s.length; i++) if (isUnsafe(s.charCodeAt(i))) return false;
  return true;
}

const lineText = (l: Line): string => l.spans.map((s) => s.text).join('');

it('builds every view of every capture, all of it terminal-safe', async () => {
  let files = 0;
  let views = 0;
  for (const name of [...allCaptureFiles(), escCapture()]) {
    let m: CaptureModel;
    try {
      m = new CaptureModel({ source: openFile(name) });
    } catch {
      continue; // not openable: the capture tests cover the message
    }
    await m.run();
    files++;
    const texts: string[] = [];
    const frames = new Set([1, 2, 3, Math.floor(m.count / 2), m.count - 1, m.count].filter((n) => n >= 1 && n <= m.count));
    for (const n of frames) {
      const r = buildRow(m, n);
      texts.push(r.src, r.dst, r.proto, r.info);
      const all = new Set<string>();
      const tree = buildDetail(m, n);
      const walk = (ns: typeof tree): void => ns.forEach((x) => (all.add(x.key), walk(x.children)));
      walk(tree);
      for (const l of flattenDetail(tree, all)) texts.push(l.node.text);
    }
    const list = new ConnList(m);
    list.refresh();
    for (let i = 0; i < Math.min(3, list.length); i++) {
      const ref = list.row(i)!;
      const d = list.describe(ref);
      const c = m.connection(ref.kind, ref.stream);
      if (d === null || c === null) continue;
      texts.push(connLine(d, columnsFor(120, [d])));
      const detail = new ConnDetail(m, ref.kind, ref.stream, c.firstFrame);
      while (detail.behind) detail.update(100_000);
      texts.push(...buildLadder(detail, 120).map(lineText), ...buildStreamView(m, detail, 120).map(lineText));
      views++;
    }
    texts.push(...buildArpView(m, null).map(lineText));
    for (const t of texts) expect(safeText(t), `${name}: ${JSON.stringify(t)}`).toBe(true);
    m.dispose();
  }
  // The corpus's 700 and more, or captures/ alone on a clean clone.
  expect(files).toBeGreaterThan(HAVE_CORPUS ? 700 : 15);
  expect(views).toBeGreaterThan(HAVE_CORPUS ? 100 : 15);
});
