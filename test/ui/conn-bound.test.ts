/**
 * The dashboard keeps connections in bounded memory: the summaries of at
 * most keepConnections finished TCP connections and UDP conversations each
 * (the newest), live ones always, a window of storage rather than a slot
 * per stream ever seen; the oldest are counted as they go, totals stay
 * exact, the connections pane says how many are no longer listed, and a
 * frame or filter that leads to a dropped stream says so instead of failing.
 */
import { createReadStream, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Analyzer, type TcpConnection } from '../../src/analysis/index';
import { openFile } from '../../src/capture/open';
import { StreamSource } from '../../src/capture/stream';
import { decodeFrame } from '../../src/decode/index';
import { Packet } from '../../src/decode/packet';
import { describeTcp, snapshotTcp, snapshotUdp, type TcpSnapshot, type UdpSnapshot } from '../../src/ui/dashboard/conn-snapshot';
import { ConnStore } from '../../src/ui/dashboard/conn-store';
import type { SnapshotTable } from '../../src/ui/dashboard/snapshot-table';
import { ConnList, droppedNote } from '../../src/ui/dashboard/conns';
import { buildDetail, flattenDetail } from '../../src/ui/dashboard/detail';
import { CaptureModel } from '../../src/ui/dashboard/model';
import { Dashboard } from '../../src/ui/dashboard/screen';
import { Conversation, synFlood, tcpFrame, udpFrame, writePcap, type CraftedFrame } from '../analysis/craft';
import { CAPTURES } from '../helpers/paths';
import { KEY, openDashboard } from './open';
import { HeadlessTerm } from './term';

const DIR = mkdtempSync(join(tmpdir(), 'synack-conn-bound-'));
afterAll(() => rmSync(DIR, { recursive: true, force: true }));

const SYNS = 8000;
const UDPS = 2000;
const KEEP = 1000;
const LIVE = 300;
const SERVER = { ip: '192.0.2.1', port: 80 };
/** The long connection: it talks all through the flood, so analysis never evicts it. */
const LONG = { ip: '10.200.0.3', port: 40002 };

/**
 * Stream 0 a whole conversation (handshake, data, 4-way close), 1 refused,
 * 2 a connection that stays open and talks every 100 frames; then a SYN
 * flood with UDP conversations (one datagram each) among it.
 */
function floodCapture(): string {
  const frames: CraftedFrame[] = [];
  const base = 1_699_999_990;
  const done = new Conversation({ ip: '10.200.0.1', port: 40000 }, SERVER, base);
  done.tcp('c', { flags: 'S', seq: 100 }).wait(10).tcp('s', { flags: 'SA', seq: 500, ack: 101 }).wait(10).tcp('c', { flags: 'A', seq: 101, ack: 501 });
  done.wait(10).tcp('c', { flags: 'PA', seq: 101, ack: 501, data: 'hello\n' }).wait(10).tcp('s', { flags: 'A', seq: 501, ack: 107 });
  done.wait(10).tcp('c', { flags: 'FA', seq: 107, ack: 501 }).wait(10).tcp('s', { flags: 'A', seq: 501, ack: 108 });
  done.wait(10).tcp('s', { flags: 'FA', seq: 501, ack: 108 }).wait(10).tcp('c', { flags: 'A', seq: 108, ack: 502 });
  frames.push(...done.frames);
  const refused = new Conversation({ ip: '10.200.0.2', port: 40001 }, SERVER, base + 1);
  refused.tcp('c', { flags: 'S', seq: 1 }).wait(10).tcp('s', { flags: 'RA', seq: 0, ack: 2 });
  frames.push(...refused.frames);
  const long = new Conversation(LONG, SERVER, base + 2);
  long.tcp('c', { flags: 'S', seq: 1 }).wait(10).tcp('s', { flags: 'SA', seq: 9, ack: 2 }).wait(10).tcp('c', { flags: 'A', seq: 2, ack: 10 });
  frames.push(...long.frames);
  let seq = 2;
  const flood = synFlood(SYNS);
  for (let k = 0; k < SYNS; k++) {
    const f = flood[k];
    frames.push(f);
    if (k % 4 === 0 && k / 4 < UDPS) {
      const j = k / 4;
      frames.push({ sec: f.sec, nsec: f.nsec + 1, bytes: udpFrame({ ip: `10.100.${j >> 8}.${j & 255}`, port: 5000 + j }, { ip: '192.0.2.2', port: 53 }, 'q') });
    }
    if (k % 100 === 99) {
      frames.push({ sec: f.sec, nsec: f.nsec + 2, bytes: tcpFrame(LONG, SERVER, { flags: 'PA', seq, ack: 10, data: 'x' }) });
      seq++;
    }
  }
  const file = join(DIR, 'flood.pcap');
  writePcap(file, frames);
  return file;
}

const FILE = floodCapture();

async function load(keepConnections: number): Promise<CaptureModel> {
  const m = new CaptureModel({ source: openFile(FILE), keepConnections, maxConnections: LIVE });
  await m.run();
  return m;
}

/** Handshake and teardown kinds counted over entries, as the totals must come out. */
function tally(entries: Iterable<TcpConnection | TcpSnapshot>): { handshakes: Map<string, number>; teardowns: Map<string, number> } {
  const handshakes = new Map<string, number>();
  const teardowns = new Map<string, number>();
  for (const e of entries) {
    const d = describeTcp(e);
    handshakes.set(d.handshake, (handshakes.get(d.handshake) ?? 0) + 1);
    teardowns.set(d.teardown, (teardowns.get(d.teardown) ?? 0) + 1);
  }
  return { handshakes, teardowns };
}

const sorted = (m: ReadonlyMap<string, number>): [string, number][] => [...m].sort((a, b) => a[0].localeCompare(b[0]));

interface Conn {
  stream: number;
  firstFrame: number;
}

/** A table of snapshots as plain objects, counting the rows in use. */
class ObjectTable implements SnapshotTable<Conn, { kind: 'snap'; stream: number }> {
  rows: ({ kind: 'snap'; stream: number; firstFrame: number } | null)[] = [];
  private free_: number[] = [];
  inUse = 0;
  put(c: Conn): number {
    const r = this.free_.pop() ?? this.rows.length;
    this.rows[r] = { kind: 'snap', stream: c.stream, firstFrame: c.firstFrame };
    this.inUse++;
    return r;
  }
  get(r: number): { kind: 'snap'; stream: number } {
    return { kind: 'snap', stream: this.rows[r]!.stream };
  }
  firstFrame(r: number): number {
    return this.rows[r]!.firstFrame;
  }
  free(r: number): void {
    this.rows[r] = null;
    this.free_.push(r);
    this.inUse--;
  }
}

describe('connection store', () => {
  const conn = (stream: number): Conn => ({ stream, firstFrame: stream + 1 });
  const snap = (stream: number): { kind: 'snap'; stream: number } => ({ kind: 'snap', stream });

  it('drops the oldest snapshots beyond its cap, never a live entry, and counts them', () => {
    const table = new ObjectTable();
    const s = new ConnStore(table, 2);
    const c = Array.from({ length: 6 }, (_, i) => conn(i));
    for (const x of c) s.track(x);
    expect(s.size).toBe(6);
    s.retire(c[1]);
    s.retire(c[2]);
    expect(s.dropped).toBe(0);
    expect(s.get(1)).toEqual(snap(1));
    s.retire(c[3]);
    // Three snapshots, two allowed: the lowest stream goes; stream 0, live and older, stays.
    expect(s.dropped).toBe(1);
    expect(table.inUse).toBe(2);
    expect(s.get(1)).toBeNull();
    expect(s.has(1)).toBe(false);
    expect(s.isDropped(1)).toBe(true);
    expect(s.get(0)).toBe(c[0]);
    expect(s.firstFrame(0)).toBe(1);
    expect(s.isDropped(0)).toBe(false);
    expect([...s].map((e) => e.stream)).toEqual([0, 2, 3, 4, 5]);
    // Stream 0 finishes: it is older than every snapshot kept, so it goes at once.
    s.retire(c[0]);
    expect(s.get(0)).toBeNull();
    expect(s.dropped).toBe(2);
    expect(s.retired).toBe(2);
    expect([...s].map((e) => e.stream)).toEqual([2, 3, 4, 5]);
    // Known streams are not tracked again; snapshots stay snapshots.
    s.track(conn(3));
    expect(s.get(3)).toEqual(snap(3));
    expect(s.firstFrame(3)).toBe(4);
    expect(s.seen).toBe(6);
  });

  it('uses storage for what it keeps, not for every stream ever seen', () => {
    const table = new ObjectTable();
    const s = new ConnStore(table, 100);
    let peak = 0;
    const live: Conn[] = [];
    for (let i = 0; i < 200_000; i++) {
      live.push(conn(i));
      s.track(live[live.length - 1]);
      if (live.length > 10) s.retire(live.shift()!);
      peak = Math.max(peak, s.slotCount);
    }
    expect(s.seen).toBe(200_000);
    expect(s.size).toBe(110);
    expect(s.dropped).toBe(200_000 - 110);
    // Table rows are reused; the window's dead front is given back once it is half the array (1024 slots at least).
    expect(table.rows.length).toBe(101);
    expect(peak).toBeLessThanOrEqual(2 * 1024 + 110);
    expect(s.get(199_000)).toBeNull();
    expect(s.get(199_950)).toEqual(snap(199_950));
    expect(s.get(199_999)).toBe(live[9]);
  });
});

/** IPv4 and IPv6 connections that end every way (closed, refused, reset, half-open), and UDP both ways. */
function mixedCapture(): string {
  const frames: CraftedFrame[] = [];
  for (let i = 0; i < 12; i++) {
    const v6 = i % 2 === 1;
    const client = { ip: v6 ? `2001:db8::${i + 1}` : `10.1.0.${i + 1}`, port: 41000 + i };
    const server = { ip: v6 ? '2001:db8:ffff::1' : '192.0.2.9', port: 443 };
    const c = new Conversation(client, server, 1_700_000_000 + i);
    c.tcp('c', { flags: 'S', seq: 1 }).wait(40 + i);
    const kind = Math.floor(i / 2) % 4;
    if (kind === 1) c.tcp('s', { flags: 'RA', seq: 0, ack: 2 });
    else {
      c.tcp('s', { flags: 'SA', seq: 9, ack: 2 }).wait(30).tcp('c', { flags: 'A', seq: 2, ack: 10 });
      c.wait(5).tcp('c', { flags: 'PA', seq: 2, ack: 10, data: 'ab\ncd\n' }).wait(5).tcp('s', { flags: 'PA', seq: 10, ack: 8, data: 123 });
      if (kind === 0) c.tcp('c', { flags: 'FA', seq: 8, ack: 133 }).tcp('s', { flags: 'FA', seq: 133, ack: 9 }).tcp('c', { flags: 'A', seq: 9, ack: 134 });
      if (kind === 2) c.tcp('s', { flags: 'R', seq: 133 });
    }
    frames.push(...c.frames);
    const u = new Conversation({ ...client, port: 5300 + i }, { ...server, port: 53 }, 1_700_000_000 + i);
    u.raw(udpFrame(u.client, u.server, 'query')).wait(20).raw(udpFrame(u.server, u.client, 'answer!'));
    frames.push(...u.frames);
  }
  const file = join(DIR, 'mixed.pcap');
  writePcap(file, frames.sort((x, y) => x.sec - y.sec || x.nsec - y.nsec));
  return file;
}

describe('snapshots kept as columns', () => {
  it('read back as the snapshot analysis had when it let go of each connection, IPv4 and IPv6', async () => {
    let compared = 0;
    let v6 = 0;
    const files = [mixedCapture(), ...readdirSync(CAPTURES).filter((f) => /\.pcap(ng)?$/.test(f)).map((f) => join(CAPTURES, f))];
    for (const file of files) {
      const name = basename(file);
      // One live connection at a time: every other one is evicted into the table.
      const m = new CaptureModel({ source: openFile(file), maxConnections: 1 });
      await m.run();
      const tcp = new Map<number, TcpSnapshot>();
      const udp = new Map<number, UdpSnapshot>();
      const a = new Analyzer({ frameFacts: true, maxConnections: 1, maxUdpConversations: 1, recycle: true, onTcpRetire: (c, ev) => ev && tcp.set(c.stream, snapshotTcp(c)), onUdpRetire: (c, ev) => ev && udp.set(c.stream, snapshotUdp(c)) });
      const pkt = new Packet();
      let n = 0;
      await openFile(file).run((f) => {
        decodeFrame(pkt, f, ++n);
        a.process(pkt);
      });
      for (const [s, want] of tcp) expect(m.connection('tcp', s), `${name} tcp ${s}`).toEqual(want);
      for (const want of tcp.values()) if (want.client.startsWith('[')) v6++;
      for (const [s, want] of udp) expect(m.connection('udp', s), `${name} udp ${s}`).toEqual(want);
      compared += tcp.size + udp.size;
      m.dispose();
    }
    expect(compared).toBeGreaterThanOrEqual(20);
    expect(v6).toBeGreaterThanOrEqual(5);
  });
});

describe.sequential('a SYN flood in the dashboard model', () => {
  let bounded: CaptureModel;
  let all: CaptureModel;

  it('keeps at most keepConnections finished ones per kind and counts exactly what it dropped', async () => {
    bounded = await load(KEEP);
    all = await load(Infinity);
    for (const m of [bounded, all]) expect(m.analyzer.tcp.streams).toBe(3 + SYNS);
    const { tcp, udp } = bounded;
    expect(tcp.seen).toBe(3 + SYNS);
    expect(udp.seen).toBe(UDPS);
    // Evicted ones became snapshots, the newest KEEP kept; those live at the end stay whole.
    expect(tcp.retired).toBe(KEEP);
    expect(udp.retired).toBe(KEEP);
    expect(tcp.size).toBeLessThanOrEqual(KEEP + LIVE);
    expect(tcp.dropped).toBe(bounded.analyzer.tcp.evicted - KEEP);
    expect(tcp.dropped).toBe(tcp.seen - tcp.size);
    expect(udp.dropped).toBe(udp.seen - udp.size);
    expect(tcp.slotCount).toBeLessThanOrEqual(KEEP + LIVE + 1);
    // Without a bound every one is kept: the same live ones, and more snapshots.
    expect(all.tcp.size).toBe(3 + SYNS);
    expect(all.tcp.dropped).toBe(0);
    // Stream 2 talked all along: never evicted, so never dropped, though all around it went.
    expect(tcp.get(0)).toBeNull();
    expect(tcp.get(1)).toBeNull();
    expect(bounded.connectionDropped('tcp', 0)).toBe(true);
    const long = bounded.connection('tcp', 2);
    expect(long).not.toBeNull();
    expect('kind' in long!).toBe(false);
    expect(describeTcp(long!).framesToServer).toBe(2 + SYNS / 100);
    // The newest are the ones kept, as an unbounded reading describes them.
    const newest = 3 + SYNS - 1;
    expect(describeTcp(bounded.connection('tcp', newest)!)).toEqual(describeTcp(all.connection('tcp', newest)!));
  });

  it('keeps the totals exact: tallied as connections finish, dropped ones included', () => {
    const t = bounded.tcpTotals;
    expect(t.finished).toBe(3 + SYNS);
    const want = tally(all.tcp);
    expect(sorted(t.handshakes)).toEqual(sorted(want.handshakes));
    expect(sorted(t.teardowns)).toEqual(sorted(want.teardowns));
    // What the capture holds: one 3-way handshake and 4-way close, one refusal, the flood.
    expect(t.teardowns.get('four-way')).toBe(1);
    expect(t.handshakes.get('refused')).toBe(1);
    expect(t.handshakes.get('normal')).toBe(2);
    expect(bounded.udpTotals.finished).toBe(UDPS);
    // The bounded model's own entries would tally much less.
    expect(tally(bounded.tcp).handshakes.get('normal') ?? 0).toBe(1);
  });

  it('lists only what it keeps, oldest first', () => {
    const list = new ConnList(bounded);
    list.refresh();
    expect(list.length).toBe(bounded.tcp.size + bounded.udp.size);
    expect(list.dropped).toBe(bounded.tcp.dropped + bounded.udp.dropped);
    // The long connection began first of all those kept.
    expect(list.row(0)).toEqual({ kind: 'tcp', stream: 2 });
    let prev = 0;
    for (let i = 0; i < list.length; i++) {
      const d = list.describe(list.row(i)!)!;
      expect(d).not.toBeNull();
      expect(d.firstFrame).toBeGreaterThanOrEqual(prev);
      prev = d.firstFrame;
    }
  });

  it('says a dropped stream is no longer kept in the detail of its frames', () => {
    // Frame 1 is the first conversation's SYN: stream 0, dropped; frame 12 the long connection's (9 + 2 before it).
    const text = (n: number): string[] => {
      const tree = buildDetail(bounded, n);
      const keys = new Set<string>();
      const walk = (ns: typeof tree): void => ns.forEach((x) => (keys.add(x.key), walk(x.children)));
      walk(tree);
      return flattenDetail(tree, keys).map((l) => l.node.text);
    };
    expect(text(1)).toContain('[Connection: TCP stream 0 is no longer kept: only the newest finished connections are, to bound memory.]');
    expect(text(12).some((t) => /^\[Connection: 10\.200\.0\.3:40002 ⇄ 192\.0\.2\.1:80, /.test(t))).toBe(true);
  });
});

describe('connections while a flood arrives', () => {
  it('storage and table rows stay within the bound frame after frame, and the selection stays on its row', async () => {
    const m = new CaptureModel({ source: new StreamSource('-', createReadStream(FILE, { highWaterMark: 4096 })), spillDir: DIR, keepConnections: KEEP, maxConnections: LIVE });
    const list = new ConnList(m);
    const keep = { sel: 0, top: 0 };
    let peakSlots = 0;
    let peakRows = 0;
    let frames = 0;
    let selChecked = 0;
    m.onChange(() => {
      peakSlots = Math.max(peakSlots, m.tcp.slotCount + m.udp.slotCount);
      if (++frames % 50 !== 0) return;
      const was = list.row(keep.sel);
      list.refresh(keep);
      peakRows = Math.max(peakRows, list.length);
      // Rows before the selection went: it moved with its row, which (live or newest) is still kept.
      if (was !== undefined && m.connection(was.kind, was.stream) !== null) {
        expect(list.row(keep.sel)).toEqual(was);
        selChecked++;
      }
      // Select a row in the middle of the table for the next round.
      keep.sel = keep.top = list.length >> 1;
    });
    await m.run();
    expect(m.tcp.seen + m.udp.seen).toBe(3 + SYNS + UDPS);
    const bound = 2 * (KEEP + LIVE) + 2;
    expect(peakSlots).toBeLessThanOrEqual(bound);
    expect(peakRows).toBeLessThanOrEqual(bound);
    expect(selChecked).toBeGreaterThan(100);
    m.dispose();
  });
});

describe('the connections pane', () => {
  it('says how many older connections are no longer listed and why, with exact totals; a dropped one opened says so', async () => {
    const model = new CaptureModel({ source: openFile(FILE), keepConnections: KEEP, maxConnections: LIVE });
    const t = new HeadlessTerm(200, 40);
    const dash = new Dashboard(model, { io: t.io, sourceText: 'flood.pcap' });
    await model.run();
    const dropped = model.tcp.dropped + model.udp.dropped;
    expect(dropped).toBeLessThan(10_000); // printed digit for digit
    t.type('2');
    const line = `${dropped} older connections no longer listed, to bound memory (the newest 1000 finished are kept). In all: TCP ${3 + SYNS}, UDP ${UDPS}, 0 open; TCP: `;
    expect(await t.waitFor((x) => x.text().includes(line)), t.text()).toBe(true);
    // The kinds follow, as far as the pane is wide.
    expect(droppedNote(model)).toBe(
      line + `unfinished handshakes ${SYNS - LIVE + 1}, unanswered SYNs ${LIVE - 1}, 3-way handshakes 2, refused 1, 4-way closes 1, reset 1`,
    );
    // The first row listed is the oldest kept: the long connection, stream 2.
    const rows = t.lines().filter((l) => /^\s+\d+ (TCP|UDP) /.test(l));
    expect(rows[0]).toMatch(/^\s+2 TCP\s+10\.200\.0\.3:40002\s+192\.0\.2\.1:80 /);
    // Back to the packets, frame 1 (stream 0, dropped), Enter: no crash, a message.
    t.type('1');
    dash.showFrame(1);
    t.type(KEY.enter);
    expect(await t.waitFor((x) => x.text().includes('TCP stream 0 is no longer kept')), t.text()).toBe(true);
    // A display filter on the dropped stream finds its frames; opening one says the same.
    t.type(KEY.esc);
    t.type('/tcp.stream == 1\r');
    expect(await t.waitFor(() => model.filtering && model.passDone && model.shownCount === 2)).toBe(true);
    t.type('g' + KEY.enter);
    expect(await t.waitFor((x) => x.text().includes('TCP stream 1 is no longer kept')), t.text()).toBe(true);
    dash.quit();
    model.dispose();
  });

  it('takes its bound from --keep-connections on the command line', async () => {
    const d = await openDashboard(FILE, 200, 40, { keepConnections: 500, maxConnections: LIVE });
    expect(d.dash.model.tcp.cap).toBe(500);
    d.t.type('2');
    expect(await d.t.waitFor((x) => x.text().includes('(the newest 500 finished are kept)')), d.t.text()).toBe(true);
    await d.close();
  });

  it('wraps its totals onto more lines on a narrow terminal, so the kinds are not cut off', async () => {
    const d = await openDashboard(FILE, 80, 30, { keepConnections: KEEP, maxConnections: LIVE });
    d.t.type('2');
    expect(await d.t.waitFor((x) => x.text().includes('older connections no longer listed')), d.t.text()).toBe(true);
    const screen = d.t.lines().join(' ').replace(/\s+/g, ' ');
    expect(screen).toContain(`unanswered SYNs ${LIVE - 1}`);
    expect(screen).toContain('3-way handshakes 2');
    await d.close();
  });
});
