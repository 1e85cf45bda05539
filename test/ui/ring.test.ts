/**
 * Live and standard-input captures keep only their newest frames (the
 * dashboard's ring, --keep-frames / --keep-bytes): the list, the index, the
 * facts and the spill on disk stay bounded, the frames kept read back
 * exactly, analysis still sees every frame, and a file read in place is
 * not affected.
 */
import { execFileSync, spawn } from 'node:child_process';
import { createReadStream, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';
import type { Frame } from '../../src/capture/frame';
import { openFile } from '../../src/capture/open';
import { StreamSource } from '../../src/capture/stream';
import { describeTcp, describeUdp } from '../../src/ui/dashboard/conn-snapshot';
import { ConnDetail } from '../../src/ui/dashboard/conn-detail';
import { INDEX_BYTES_PER_FRAME } from '../../src/ui/dashboard/frame-index';
import { buildLadder } from '../../src/ui/dashboard/ladder';
import { CaptureModel } from '../../src/ui/dashboard/model';
import { buildRow } from '../../src/ui/dashboard/rows';
import { Dashboard } from '../../src/ui/dashboard/screen';
import { SPILL_FILES } from '../../src/ui/dashboard/spill';
import { concat, ethFrame, pcapHeader, pcapRecord } from '../capture/craft';
import { CAPTURES } from '../helpers/paths';
import { openDashboard } from './open';
import { HeadlessTerm } from './term';

const DEMO = join(CAPTURES, 'chat-demo.pcapng');
const SPILL_DIR = mkdtempSync(join(tmpdir(), 'synack-ring-test-'));
afterAll(() => rmSync(SPILL_DIR, { recursive: true, force: true }));

const bytesOf = (f: Frame): Buffer => Buffer.from(f.data.subarray(f.offset, f.offset + f.capLen));

/** A 60-byte Ethernet/IPv4/UDP frame, one of 50 conversations (facts for every frame). */
function udpFrame(i: number): Uint8Array {
  const d = new Uint8Array(60);
  d.set([0x08, 0x00], 12);
  d.set([0x45, 0, 0, 46, 0, 0, 0x40, 0, 64, 17, 0, 0, 10, 0, 0, 1, 10, 0, 0, 2], 14);
  const port = 1000 + (i % 50);
  d.set([port >> 8, port & 0xff, 0x1f, 0x90, 0, 26, 0, 0], 34);
  return d;
}

async function framesOf(file: string): Promise<Buffer[]> {
  const out: Buffer[] = [];
  await openFile(file).run((f) => void out.push(bytesOf(f)));
  return out;
}

function streamModel(file: string, keep: { keepFrames?: number; keepBytes?: number }, chunk = 700): CaptureModel {
  return new CaptureModel({ source: new StreamSource('-', createReadStream(file, { highWaterMark: chunk })), spillDir: SPILL_DIR, ...keep });
}

/** Files of the model's spill directory right now. */
const spillFiles = (m: CaptureModel): string[] => readdirSync(m.spill!.dir);

describe('the live ring', () => {
  it('keeps the newest N frames of a stream: the list starts at the first kept, which re-read exactly; older ones are gone', async () => {
    const want = await framesOf(DEMO);
    const m = streamModel(DEMO, { keepFrames: 20 });
    let mostFiles = 0;
    m.onChange(() => (mostFiles = Math.max(mostFiles, spillFiles(m).length)));
    await m.run();
    expect(m.count).toBe(want.length);
    expect(m.dropped).toBe(want.length - 20);
    expect(m.firstFrame).toBe(want.length - 19);
    expect(m.shownCount).toBe(20);
    expect(m.shownFrame(0)).toBe(want.length - 19);
    expect(m.rowOf(1)).toBe(0);
    expect(m.rowOf(want.length)).toBe(19);
    for (let n = m.firstFrame; n <= m.count; n++) {
      const f = m.readFrame(n);
      if (!('data' in f)) throw new Error(f.toString());
      expect(bytesOf(f).equals(want[n - 1]), `#${n}`).toBe(true);
    }
    const gone = m.readFrame(1);
    expect('data' in gone).toBe(false);
    expect(gone.toString()).toContain('frame 1 was dropped (limit 20)');
    // Five files of 5 frames at most (the ring's four quarters and the one being written).
    expect(mostFiles).toBeLessThanOrEqual(SPILL_FILES + 1);
    expect(spillFiles(m).length).toBeLessThanOrEqual(SPILL_FILES + 1);
    m.dispose();
  });

  it('analysis still sees every frame: connections keep their totals, and kept rows and facts equal an unlimited reading', async () => {
    const all = streamModel(DEMO, {});
    await all.run();
    const ring = streamModel(DEMO, { keepFrames: 15 });
    await ring.run();
    const conns = (m: CaptureModel): unknown[] => [...[...m.tcp].map((c) => describeTcp(c)), ...[...m.udp].map((c) => describeUdp(c))];
    expect(all.tcp.size).toBeGreaterThan(0);
    expect(conns(ring)).toEqual(conns(all));
    const facts = (m: CaptureModel, n: number): number[] => {
      const f = m.analyzer.facts!;
      return [f.kind(n), f.stream(n), f.flags(n), f.relSeq(n), f.relAck(n), f.msgs(n)];
    };
    for (let n = ring.firstFrame; n <= ring.count; n++) {
      expect(facts(ring, n), `#${n}`).toEqual(facts(all, n));
      // The row's time counts from frame 1, dropped or not.
      expect(buildRow(ring, n), `#${n}`).toEqual(buildRow(all, n));
    }
    all.dispose();
    ring.dispose();
  });

  it('frees the index and facts of dropped frames and bounds the spill on disk, frame after frame', async () => {
    // 140 Ki frames: the ring has moved past two 64 Ki-frame chunks of index and facts.
    const frames = 140 * 1024;
    const keepFrames = 1000;
    const keepBytes = 40_000;
    const stream = new PassThrough();
    const m = new CaptureModel({ source: new StreamSource('-', stream), spillDir: SPILL_DIR, keepFrames, keepBytes });
    let worstDisk = 0;
    let worstKept = 0;
    m.onChange(() => {
      if (m.count % 997 !== 0) return;
      worstDisk = Math.max(worstDisk, m.spill!.diskBytes);
      worstKept = Math.max(worstKept, m.count - m.firstFrame + 1);
    });
    const run = m.run();
    stream.write(pcapHeader());
    for (let i = 0; i < frames; i += 1024) {
      const recs: Uint8Array[] = [];
      for (let j = i; j < i + 1024; j++) recs.push(pcapRecord(1700000000 + (j >>> 10), j & 1023, udpFrame(j)));
      stream.write(concat(...recs));
    }
    stream.end();
    await run;
    expect(m.count).toBe(frames);
    expect(m.analyzer.facts!.stream(m.count)).toBe((frames - 1) % 50);
    // Each spill record is 92 bytes (a 28-byte block header, 60 bytes of frame, 4 of trailer):
    // 40 kB hold 434 of them (fewer where a file's headers lie between), fewer than the frame limit, so bytes decide.
    const kept = m.count - m.firstFrame + 1;
    expect(kept).toBeLessThanOrEqual(Math.floor(keepBytes / 92));
    expect(kept).toBeGreaterThan(Math.floor(keepBytes / 92) - 5);
    expect(worstKept).toBeLessThanOrEqual(kept);
    expect(m.dropReason).toBe('bytes');
    // One chunk of index and one of facts, not three.
    expect(m.memoryBytes()).toBe((1 << 16) * (INDEX_BYTES_PER_FRAME + 36)); // the analysis' facts: 1 + 4 + 4 + 4 + 4 + 2 + 1 + 4 + 4 + 4 + 4 bytes a frame
    // Disk: the limit and one quarter more (the file being written), plus a file header or two.
    expect(worstDisk).toBeLessThanOrEqual(keepBytes * 1.25 + 2 * 200);
    expect(spillFiles(m).length).toBeLessThanOrEqual(SPILL_FILES + 1);
    const last = m.readFrame(m.count);
    if (!('data' in last)) throw new Error(last.toString());
    expect(bytesOf(last).equals(Buffer.from(udpFrame(frames - 1)))).toBe(true);
    const dir = m.spill!.dir;
    m.dispose();
    expect(() => readdirSync(dir)).toThrow();
  });

  it('a display filter selects among the kept frames, re-reading the spill files still on disk', async () => {
    const all = streamModel(DEMO, {});
    await all.run();
    const ring = streamModel(DEMO, { keepFrames: 17 });
    await ring.run();
    for (const filter of ['tcp.flags.syn == 1', 'tcp.len > 0', 'tcp.flags.reset == 1', 'frame.number >= 50']) {
      for (const m of [all, ring]) {
        expect(m.setFilter(filter).ok).toBe(true);
        while (!m.passDone) await new Promise((r) => setTimeout(r, 5));
      }
      const rows = (m: CaptureModel): number[] => Array.from({ length: m.shownCount }, (_, i) => m.shownFrame(i));
      const want = rows(all).filter((n) => n >= ring.firstFrame);
      expect(want.length, filter).toBeGreaterThan(0);
      expect(rows(ring), filter).toEqual(want);
    }
    all.dispose();
    ring.dispose();
  });

  it('matches of a filter set before the frames came leave with their frames, and the list says how many rows left', async () => {
    const m = streamModel(DEMO, { keepFrames: 10 }, 300);
    m.setFilter('tcp');
    const all = streamModel(DEMO, {});
    all.setFilter('tcp');
    await Promise.all([m.run(), all.run()]);
    const rows = (x: CaptureModel): number[] => Array.from({ length: x.shownCount }, (_, i) => x.shownFrame(i));
    const want = rows(all);
    expect(rows(m)).toEqual(want.filter((n) => n >= m.firstFrame));
    expect(m.rowsDropped).toBe(want.length - m.shownCount);
    all.dispose();
    m.dispose();
  });

  it('a connection whose first frames were dropped is drawn from the first kept frame, saying so', async () => {
    // Frames 55-62: connection 3 (frames 51-62) without its handshake.
    const ring = streamModel(DEMO, { keepFrames: 8 });
    await ring.run();
    const conn = [...ring.tcp].find((c) => c.firstFrame < ring.firstFrame && c.lastFrame >= ring.firstFrame);
    expect(conn).toBeDefined();
    const d = new ConnDetail(ring, 'tcp', conn!.stream, conn!.firstFrame);
    while (d.update()) {
      // slices until the connection is read
    }
    expect(d.error).toBeNull();
    expect(d.segments.length).toBeGreaterThan(0);
    expect(d.segments[0].frame).toBeGreaterThanOrEqual(ring.firstFrame);
    const text = buildLadder(d, 100).map((l) => l.spans.map((s) => s.text).join(''));
    expect(text.join('\n')).toContain(`earlier segments dropped (the capture keeps frames from #${ring.firstFrame} on)`);
    ring.dispose();
  });
});

describe('the live ring on screen', () => {
  it('says how many oldest frames were dropped and lists the newest, with --keep-frames from the command line', async () => {
    // A named pipe: read as a stream (spilled), as `-r <(tcpdump -w - ...)` is.
    const fifo = join(SPILL_DIR, 'demo.fifo');
    execFileSync('mkfifo', [fifo]);
    // Another process writes it (opening a FIFO blocks until both ends are open).
    const writer = spawn('sh', ['-c', 'cat "$0" > "$1"', DEMO, fifo], { stdio: 'ignore', timeout: 20_000 });
    const feeding = new Promise((resolve) => writer.on('close', resolve));
    const d = await openDashboard(fifo, 100, 30, { keepFrames: 20 });
    expect(await feeding).toBe(0);
    expect(d.t.text()).toContain('62 frames');
    expect(d.t.text()).toContain('42 oldest frames dropped (limit 20)');
    // g: the first row of the list is the oldest frame kept.
    expect(await d.keys('g', (x) => / Detail of frame 43 /.test(x.text()))).toBe(true);
    const rows = d.t.text().split('\n').filter((l) => /^\s*\d+\s+\d+\.\d{6}\s/.test(l));
    expect(rows.length).toBeGreaterThan(5);
    expect(rows[0].trim().split(/\s+/)[0]).toBe('43');
    expect(d.dash.model.spill).not.toBeNull();
    await d.close();
  });

  it('keeps the selected frame selected while the oldest rows are dropped under it', async () => {
    const frames = Array.from({ length: 40 }, (_, i) => pcapRecord(1700000000, i, ethFrame(i)));
    const input = new PassThrough();
    const model = new CaptureModel({ source: new StreamSource('-', input), spillDir: SPILL_DIR, keepFrames: 20 });
    const t = new HeadlessTerm(80, 24);
    const dash = new Dashboard(model, { io: t.io, sourceText: 'standard input' });
    const run = model.run();
    const until = async (pred: () => boolean): Promise<void> => {
      for (let i = 0; i < 500 && !pred(); i++) await new Promise((r) => setTimeout(r, 10));
      expect(pred()).toBe(true);
    };
    input.write(concat(pcapHeader(), ...frames.slice(0, 30)));
    await until(() => model.count === 30);
    expect(model.firstFrame).toBe(11);
    dash.showFrame(16);
    expect(dash.selectedFrame()).toBe(16);
    input.write(concat(...frames.slice(30, 35)));
    await until(() => model.count === 35);
    expect(model.firstFrame).toBe(16);
    expect(dash.selectedFrame()).toBe(16);
    const shown = await t.waitFor((x) => x.text().includes('15 oldest frames dropped (limit 20)'));
    expect(shown, t.text()).toBe(true);
    expect(t.text()).toContain('Detail of frame 16');
    input.end(concat(...frames.slice(35)));
    await run;
    // Frame 16 itself has gone now: the selection stays on the oldest kept row.
    expect(dash.selectedFrame()).toBe(21);
    dash.quit();
    model.dispose();
  });

  it('a file read in place is not limited: no spill, every frame listed', async () => {
    const d = await openDashboard(DEMO, 100, 30, { keepFrames: 5, keepBytes: 100 });
    expect(d.dash.model.spill).toBeNull();
    expect(d.dash.model.shownCount).toBe(62);
    expect(d.dash.model.firstFrame).toBe(1);
    expect(d.t.text()).not.toContain('dropped');
    await d.close();
  });
});
