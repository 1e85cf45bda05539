/**
 * The capture model behind the screen: frames indexed compactly and re-read
 * on demand must show what a sequential reading shows (tshark's columns),
 * standard input must be spilled and re-read exactly, and the display
 * filter must select what tshark's -Y selects.
 */
import { spawnSync } from 'node:child_process';
import { createReadStream, existsSync } from 'node:fs';
import { basename, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openFile } from '../../src/capture/open';
import { StreamSource } from '../../src/capture/stream';
import { CaptureModel } from '../../src/ui/dashboard/model';
import { buildRow } from '../../src/ui/dashboard/rows';
import { INDEX_BYTES_PER_FRAME } from '../../src/ui/dashboard/frame-index';
import { CAPTURES, CLI, labCapture } from '../helpers/paths';
import { HAVE_TSHARK, oracle } from '../oracle/tshark';

const FILES = ['tcp-chat.pcap', 'tcp-chat-v6.pcap', 'tcp-chat-any.pcap', 'burst-cork.pcap', 'split.pcap', 'half-close.pcap', 'reset.pcap', 'refused.pcap', 'udp-chat.pcap', 'arp-ping.pcap', 'chat-demo.pcapng']
  .map((f) => join(CAPTURES, f))
  .concat(['demo.pcap', 'two.pcap', 'v6.pcap'].map(labCapture))
  .filter(existsSync);

async function load(file: string): Promise<CaptureModel> {
  const m = new CaptureModel({ source: openFile(file) });
  await m.run();
  return m;
}

describe.skipIf(FILES.length === 0)('capture model', () => {
  it.skipIf(!HAVE_TSHARK)('re-reads any frame, in any order, into the protocol and info tshark shows when reading in order', async () => {
    let compared = 0;
    for (const file of FILES) {
      const m = await load(file);
      const want = oracle(file, ['frame.number', '_ws.col.Protocol', '_ws.col.Info']).rows;
      expect(m.count, file).toBe(want.length);
      // Last frame first: nothing may depend on having read the frames before.
      for (let n = m.count; n >= 1; n--) {
        const row = buildRow(m, n);
        // The one exception: pairing an echo reply with its request needs the request read first,
        // and rows are built in any order (the summary writer pairs them only in order).
        const info = want[n - 1].get('_ws.col.Info')!.replace(/ \((request|reply) in \d+\)$/, '');
        // synack's own note on coalesced segments comes first; tshark has no such words.
        const ours = row.info.replace(/^\[(\d+ messages in one segment|part of a message)\] /, '').replace(/ \((request|reply) in \d+\)$/, '');
        expect(`${basename(file)} #${n} ${row.proto} ${ours}`).toBe(`${basename(file)} #${n} ${want[n - 1].get('_ws.col.Protocol')} ${info}`);
        compared++;
      }
      m.dispose();
    }
    expect(compared).toBeGreaterThan(150);
  });

  it('draws the time column in every format of -t and -u, rows built in any order, as the text output writes it', async () => {
    const file = join(CAPTURES, 'tcp-chat.pcap');
    const filter = 'tcp.len > 0';
    for (const [format, hms] of [['d', false], ['dd', false], ['dd', true], ['e', false], ['ad', false], ['udoy', false], ['r', true]] as const) {
      const m = new CaptureModel({ source: openFile(file), time: { format, hms } });
      m.setFilter(filter);
      await m.run();
      const args = ['-r', file, '-Y', filter, '-T', 'fields', '-e', 'frame.number', '-e', '_ws.col.Time', '-t', format, '-u', hms ? 'hms' : 's'];
      const want = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8' }).stdout.trim().split('\n');
      expect(m.shownCount).toBe(want.length);
      const got: string[] = [];
      // Last row first: dd counts from the row listed above, not from the row built before.
      for (let i = m.shownCount - 1; i >= 0; i--) {
        const n = m.shownFrame(i);
        got[i] = `${n}\t${buildRow(m, n, undefined, i > 0 ? m.shownFrame(i - 1) : 0).time}`;
      }
      expect(got, `-t ${format}${hms ? ' -u hms' : ''}`).toEqual(want);
      m.dispose();
    }
  });

  it('spills standard input to a temporary pcapng and re-reads every frame exactly, also while still reading', async () => {
    for (const file of FILES.filter((f) => /chat-demo|split|burst-cork/.test(f))) {
      const frames: Buffer[] = [];
      await openFile(file).run((f) => void frames.push(Buffer.from(f.data.subarray(f.offset, f.offset + f.capLen))));
      // Small chunks: frames straddle reads, the spill grows while it is re-read.
      const m = new CaptureModel({ source: new StreamSource('-', createReadStream(file, { highWaterMark: 97 })) });
      let during = 0;
      m.onChange(() => {
        const n = m.count;
        if (n > 0 && n % 3 === 0) {
          const f = m.readFrame(n);
          expect('data' in f && Buffer.compare(Buffer.from(f.data.subarray(f.offset, f.offset + f.capLen)), frames[n - 1])).toBe(0);
          during++;
        }
      });
      await m.run();
      expect(m.count).toBe(frames.length);
      for (let n = 1; n <= m.count; n++) {
        const f = m.readFrame(n);
        if (!('data' in f)) throw new Error(String(f));
        expect(Buffer.compare(Buffer.from(f.data.subarray(f.offset, f.offset + f.capLen)), frames[n - 1]), `${file} #${n}`).toBe(0);
      }
      expect(during).toBeGreaterThan(0);
      m.dispose();
    }
  });

  it.skipIf(!HAVE_TSHARK)('selects with a display filter exactly the frames tshark -Y selects, analysis fields included', async () => {
    const filters = ['tcp.flags.syn == 1', 'tcp.len > 0 && tcp.srcport == 8080', 'udp', 'arp || icmp', 'tcp.stream == 1', 'tcp.analysis.flags', 'ip.addr == 127.0.0.1 and not tcp.flags.ack == 1'];
    for (const file of FILES.filter((f) => /chat-demo|arp-ping|demo\.pcap/.test(f))) {
      const m = await load(file);
      for (const filter of filters) {
        const r = m.setFilter(filter);
        expect(r.ok, filter).toBe(true);
        while (!m.passDone) await new Promise((res) => setTimeout(res, 5));
        const got: number[] = [];
        for (let i = 0; i < m.shownCount; i++) got.push(m.shownFrame(i));
        const want = oracle(file, ['frame.number'], ['-Y', filter]).rows.map((row) => Number(row.get('frame.number')));
        expect(got, `${basename(file)}: ${filter}`).toEqual(want);
      }
      // An invalid filter changes nothing and says where it is wrong.
      const bad = m.setFilter('tcp.port == ');
      expect(bad.ok).toBe(false);
      expect(m.filter.text).toBe(filters[filters.length - 1]);
      m.dispose();
    }
  });

  it('keeps a fixed, small number of bytes per frame', async () => {
    const m = await load(join(CAPTURES, 'chat-demo.pcapng'));
    // Index and analysis facts, in 64 Ki-frame chunks: one chunk each for a small file.
    expect(m.memoryBytes()).toBe((1 << 16) * (INDEX_BYTES_PER_FRAME + 36));
    expect(INDEX_BYTES_PER_FRAME + 36).toBeLessThan(150);
    m.dispose();
  });

  it('pauses the list while frames keep coming in, and resumes with them', async () => {
    const file = join(CAPTURES, 'chat-demo.pcapng');
    const m = new CaptureModel({ source: new StreamSource('-', createReadStream(file, { highWaterMark: 512 })) });
    let paused = false;
    m.onChange(() => {
      if (!paused && m.count === 10) {
        m.pause();
        paused = true;
      }
    });
    await m.run();
    expect(m.shownCount).toBe(10);
    expect(m.heldBack).toBe(m.count - 10);
    m.resume();
    expect(m.shownCount).toBe(m.count);
    m.dispose();
  });
});
