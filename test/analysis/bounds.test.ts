/**
 * Memory stays bounded whatever the capture holds: live connections are
 * capped (idle ones evicted and counted, closed ones first), unacknowledged
 * segments are freed with their connection, kept bytes are capped per
 * direction (what is dropped is counted), out-of-order segments wait in a
 * bounded queue. Structural checks, not timings: the bench measures memory.
 */
import { describe, expect, it } from 'vitest';
import { DirStream, parseFraming, TcpConnection } from '../../src/analysis/index';
import { AUTO_FRAMING } from '../../src/analysis/framing';
import { DEFAULT_LIMITS } from '../../src/analysis/stream';
import { compileColumns, DEFAULT_FIELDS_OPTIONS, writeRow } from '../../src/output/fields';
import { connObject } from '../../src/output/conn';
import { OutBuf } from '../../src/output/outbuf';
import { ANALYSIS_FIELDS } from '../oracle/fields';
import { chaosCapture } from './chaos';
import { writeArpReport } from '../../src/output/arp-report';
import { analyse, arpFrame, Conversation, synFlood, type CraftedFrame } from './craft';

describe('connection cap', () => {
  it('syn_flood_evicts_idle_connections_and_counts_them', () => {
    const evicted: TcpConnection[] = [];
    let maxLive = 0;
    const { analyzer } = analyse(synFlood(50_000), { maxConnections: 1000, onTcpRetire: (c, ev) => ev && evicted.length < 5 && evicted.push(c) }, (_pkt, a) => {
      maxLive = Math.max(maxLive, a.tcp.live);
    });
    expect(maxLive).toBeLessThanOrEqual(1000);
    expect(analyzer.tcp.streams).toBe(50_000);
    expect(analyzer.tcp.evicted).toBe(49_000);
    // Every unacknowledged SYN left the segment pool with its connection.
    expect(analyzer.tcp.pool.live).toBe(0);
    // The oldest went first, summarised as what they were: unanswered SYNs.
    expect(evicted.map((c) => c.stream)).toEqual([0, 1, 2, 3, 4]);
    expect(evicted[0].connState()).toBe('S0');
  });

  it('closed_connections_go_before_active_ones', () => {
    const frames: CraftedFrame[] = [];
    const talk = new Conversation({ ip: '10.0.0.1', port: 40000 }, { ip: '10.0.0.2', port: 80 });
    talk.tcp('c', { flags: 'S', seq: 1 }).wait(10).tcp('s', { flags: 'SA', seq: 9, ack: 2 }).wait(10).tcp('c', { flags: 'A', seq: 2, ack: 10 });
    frames.push(...talk.frames);
    const closed = new Conversation({ ip: '10.0.0.3', port: 40001 }, { ip: '10.0.0.2', port: 80 });
    closed.tcp('c', { flags: 'S', seq: 1 }).wait(10).tcp('s', { flags: 'RA', seq: 0, ack: 2 });
    frames.push(...closed.frames);
    // The talking connection stays active while more connections arrive.
    const more = synFlood(3);
    frames.push(...more);
    frames.push(...new Conversation({ ip: '10.0.0.1', port: 40000 }, { ip: '10.0.0.2', port: 80 }).tcp('c', { flags: 'PA', seq: 2, ack: 10, data: 'hi\n' }).frames);
    const gone: number[] = [];
    const { analyzer } = analyse(frames, { maxConnections: 3, onTcpRetire: (c, ev) => ev && gone.push(c.stream) });
    expect(gone[0]).toBe(1); // the refused one, although the first connection is older
    expect(analyzer.tcp.streams).toBe(5); // the talking connection was never evicted: its data joined stream 0
  });
});

describe('kept bytes', () => {
  it('stream_bytes_cap_counts_what_it_drops', () => {
    const conv = new Conversation({ ip: '10.0.0.1', port: 40000 }, { ip: '10.0.0.2', port: 80 });
    conv.tcp('c', { flags: 'S', seq: 100 }).tcp('s', { flags: 'SA', seq: 900, ack: 101 }).tcp('c', { flags: 'A', seq: 101, ack: 901 });
    for (let i = 0; i < 10; i++) conv.wait(100).tcp('c', { flags: 'PA', seq: 101 + i * 1000, ack: 901, data: 1000 });
    let conn: TcpConnection | null = null;
    analyse(conv.frames, { streamBytes: 4096, onTcpRetire: (c) => (conn = c) });
    const st = conn!.client.stream!;
    expect(st.kept).toBe(4096);
    expect(st.droppedBytes).toBe(10_000 - 4096);
    expect(st.offset).toBe(10_000);
  });

  it('retransmitted_bytes_counted_once_holes_marked_as_gaps', () => {
    const conv = new Conversation({ ip: '10.0.0.1', port: 40000 }, { ip: '10.0.0.2', port: 80 });
    conv.tcp('c', { flags: 'S', seq: 100 }).tcp('s', { flags: 'SA', seq: 900, ack: 101 }).tcp('c', { flags: 'A', seq: 101, ack: 901 });
    conv.tcp('c', { flags: 'PA', seq: 101, ack: 901, data: 'one\n' });
    conv.tcp('c', { flags: 'PA', seq: 101, ack: 901, data: 'one\n' }); // retransmitted
    conv.tcp('c', { flags: 'PA', seq: 115, ack: 901, data: 'three\n' }); // "two\n" and 6 more bytes never captured
    conv.tcp('s', { flags: 'A', seq: 901, ack: 121 }); // the server had them: a gap
    let conn: TcpConnection | null = null;
    analyse(conv.frames, { streamBytes: 1 << 16, onTcpRetire: (c) => (conn = c) });
    const st = conn!.client.stream!;
    expect([st.dupBytes, st.gaps, st.gapBytes, st.offset]).toEqual([4, 1, 10, 20]);
    expect(Buffer.from(st.bytes(0, 4)!).toString()).toBe('one\n');
  });

  it('out_of_order_queue_is_bounded', () => {
    const conv = new Conversation({ ip: '10.0.0.1', port: 40000 }, { ip: '10.0.0.2', port: 80 });
    conv.tcp('c', { flags: 'S', seq: 100 }).tcp('s', { flags: 'SA', seq: 900, ack: 101 }).tcp('c', { flags: 'A', seq: 101, ack: 901 });
    // The first 10 bytes never come; 200 segments queue up behind the hole.
    for (let i = 0; i < 200; i++) conv.tcp('c', { flags: 'PA', seq: 111 + i * 10, ack: 901, data: 10 });
    let conn: TcpConnection | null = null;
    analyse(conv.frames, { onTcpRetire: (c) => (conn = c) });
    const st = conn!.client.stream!;
    // 64 waited; then the hole was given up, counted as a gap, and everything delivered.
    expect(st.oooDropped).toBeGreaterThan(0);
    expect(st.gapBytes).toBe(10);
    expect(st.offset).toBe(2010);
  });
});

describe('reused connection objects', () => {
  const SYNACK_FIELDS = ['synack.from_client', 'synack.framing', 'synack.msgs_in_segment', 'synack.msg_starts', 'synack.msg_ends', 'synack.msg_first', 'synack.coalesced', 'synack.msg_split', 'synack.new_bytes', 'synack.dup_bytes', 'synack.nagle', 'synack.nagle_hold', 'synack.zero_window_probe', 'synack.zero_window_probe_ack', 'synack.after_fin', 'synack.state.client', 'synack.state.server', 'synack.handshake', 'synack.teardown', 'synack.history', 'synack.conn_state'];

  /** Every analysis field of every frame, and every connection as -z conn -T json writes it when it leaves. */
  function run(frames: CraftedFrame[], recycle: boolean): { rows: string[]; conns: string[]; recycled: number; recycledStreams: number; evicted: number } {
    const cols = compileColumns([...ANALYSIS_FIELDS, ...SYNACK_FIELDS]);
    const out = new OutBuf(-1);
    const conns: string[] = [];
    const { analyzer, results } = analyse(frames, { maxConnections: 7, recycle, onTcpRetire: (c, ev) => conns.push(JSON.stringify(connObject(c, ev))) }, (pkt) => {
      out.clear();
      writeRow(out, pkt, cols, { ...DEFAULT_FIELDS_OPTIONS });
      return out.text();
    });
    return { rows: results, conns, recycled: analyzer.tcp.recycled, recycledStreams: analyzer.tcp.recycledStreams, evicted: analyzer.tcp.evicted };
  }

  it('evicted_connections_reused_analyse_exactly_as_new_ones', () => {
    // Chaotic conversations (loss, reordering, windows, resets, reused ports) squeezed into 7 live
    // connections, so objects are evicted mid-conversation and reused at once, then a SYN flood.
    const frames = [...chaosCapture(11, 40), ...chaosCapture(12, 40), ...synFlood(300)];
    const fresh = run(frames, false);
    const reused = run(frames, true);
    expect(fresh.evicted).toBeGreaterThan(100);
    expect(reused.recycled).toBeGreaterThan(100);
    expect(reused.recycledStreams).toBeGreaterThan(20);
    expect(fresh.recycled).toBe(0);
    expect(reused.rows).toEqual(fresh.rows);
    expect(reused.conns).toEqual(fresh.conns);
  });

  it('a_reused_connection_is_field_for_field_a_new_one', () => {
    let used: TcpConnection | null = null;
    analyse(chaosCapture(5, 3), { onTcpRetire: (c) => (used ??= c) });
    expect(used!.client.frames).toBeGreaterThan(0);
    const w = new Uint32Array([0x0a000001, 0, 0, 0, 0x0a000002, 0, 0, 0, 40000, 80]);
    used!.reuse(42, 4, w, 7, 123, 456);
    // Class of every nested object, every own field (the sides' byte streams dropped, not reset).
    expect(used).toStrictEqual(new TcpConnection(42, 4, w, 7, 123, 456));
  });

  it('a_reused_byte_stream_is_field_for_field_a_new_one', () => {
    let used: TcpConnection | null = null;
    analyse(chaosCapture(5, 3), { maxMessages: 8, onTcpRetire: (c) => (used ??= c) });
    const st = used!.client.stream!;
    expect(st.offset).toBeGreaterThan(0);
    const limits = { ...DEFAULT_LIMITS, streamBytes: 10 };
    for (const framing of [AUTO_FRAMING, parseFraming('fixed:3')]) {
      st.reuse(1, limits, framing, null, true);
      expect(st).toStrictEqual(new DirStream(1, limits, framing, null, true));
    }
  });
});

describe('ARP under a flood', () => {
  const ip = (n: number): string => `10.${(n >> 16) & 255}.${(n >> 8) & 255}.${n & 255}`;
  const at = (i: number, bytes: Uint8Array): CraftedFrame => ({ sec: 1_700_000_000 + Math.floor(i / 1000), nsec: (i % 1000) * 1000, bytes });

  it('unanswered requests wait for a reply in a bounded table; the oldest stop waiting, counted and said', () => {
    const n = 70_000;
    const frames: CraftedFrame[] = [];
    for (let i = 0; i < n; i++) frames.push(at(i, arpFrame(1, '02:00:00:00:00:01', '10.255.0.1', '00:00:00:00:00:00', ip(i + 1))));
    // Answers to the first request (no longer waited for) and to the last one.
    frames.push(at(n, arpFrame(2, '02:00:00:00:00:02', ip(1), '02:00:00:00:00:01', '10.255.0.1')));
    frames.push(at(n + 1, arpFrame(2, '02:00:00:00:00:03', ip(n), '02:00:00:00:00:01', '10.255.0.1')));
    const arp = analyse(frames).analyzer.arp;
    expect(arp.maxPending).toBe(65_536);
    expect(arp.requestsForgotten).toBe(n - 65_536);
    expect(arp.pendingCount).toBe(65_536 - 1);
    expect(arp.unsolicitedReplies).toBe(1);
    expect(arp.requestLog[0].replyFrame).toBe(0);
    expect(arp.requestLog[n - 1].replyFrame).toBe(n + 2);
    const out = new OutBuf(-1);
    writeArpReport(out, arp, false);
    expect(out.text()).toContain(`${n - 65_536} unanswered requests stopped waiting for a reply (only the newest 65536 wait)`);
  });

  it('two MACs taking turns on one address: the conflict list is capped and the rest counted', () => {
    const n = 100_010;
    const frames: CraftedFrame[] = [];
    for (let i = 0; i < n; i++) frames.push(at(i, arpFrame(2, i % 2 === 0 ? '02:00:00:00:00:0a' : '02:00:00:00:00:0b', '10.0.0.9', '02:00:00:00:00:01', '10.0.0.1')));
    const arp = analyse(frames).analyzer.arp;
    // The first claim is learnt; every later one flips the address.
    expect(arp.conflicts.length).toBe(100_000);
    expect(arp.conflictsDropped).toBe(n - 1 - 100_000);
    const out = new OutBuf(-1);
    writeArpReport(out, arp, true);
    expect(JSON.parse(out.text()).arp.conflicts_not_listed).toBe(n - 1 - 100_000);
  });
});
