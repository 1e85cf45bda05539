/**
 * The stream view of one connection: the bytes of both directions in the
 * order they were delivered, drawn so that two kinds of boundary show at
 * once: segments (one block per segment, headed by its frame) and messages
 * (alternating colours, a mark where each message starts). A segment that
 * carries three messages and a message spread over five segments both show
 * at a glance: the lessons' "sticky packets".
 *
 * When the demo tells us the programs' own send() and recv() calls, they
 * are interleaved by time: "three writes, one segment, one read".
 *
 * Every byte shown is made safe here (printable text kept, controls shown
 * as symbols or escapes), and the screen escapes it again for blessed.
 */
import type { TcpConnection } from '../../analysis/index';
import type { DirStream } from '../../analysis/stream';
import type { DemoEvent } from '../../demo/demo';
import { payloadText, sanitize } from '../../output/sanitize';
import type { ConnDetail } from './conn-detail';
import { snapshotTcp, snapshotUdp } from './conn-snapshot';
import type { Line, Span } from './ladder';
import type { CaptureModel } from './model';
import { textWidth } from './text';

/** Lines of payload shown per segment; the rest is counted. */
export const BODY_LINES = 3;

/** Cuts `spans` into lines of at most `width` cells. */
function wrap(spans: readonly Span[], width: number, indent: string, maxLines: number): { lines: Span[][]; cut: boolean } {
  const lines: Span[][] = [];
  let cur: Span[] = [{ text: indent, tone: 'plain' }];
  let used = textWidth(indent);
  for (const sp of spans) {
    let piece = '';
    for (const ch of sp.text) {
      const w = textWidth(ch);
      if (used + w > width) {
        if (piece !== '') cur.push({ text: piece, tone: sp.tone });
        piece = '';
        lines.push(cur);
        if (lines.length >= maxLines) return { lines, cut: true };
        cur = [{ text: indent, tone: 'plain' }];
        used = textWidth(indent);
      }
      piece += ch;
      used += w;
    }
    if (piece !== '') cur.push({ text: piece, tone: sp.tone });
  }
  if (cur.length > 1) lines.push(cur);
  return { lines, cut: false };
}

/** Index of the last message starting at or before `offset` (messages are in stream order). */
function messageAt(st: DirStream, offset: number): number {
  const starts = st.msgStart;
  if (starts === null) return -1;
  let lo = 0;
  let hi = st.messagesKept - 1;
  let found = -1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (starts[mid] <= offset) {
      found = mid;
      lo = mid + 1;
    } else hi = mid - 1;
  }
  return found;
}

interface Piece {
  from: number;
  to: number;
  msg: number;
}

/** Splits stream bytes [from, to) at message starts. */
function pieces(st: DirStream, from: number, to: number): Piece[] {
  const out: Piece[] = [];
  let m = messageAt(st, from);
  let at = from;
  while (at < to) {
    const nextStart = m + 1 < st.messagesKept && st.msgStart !== null ? st.msgStart[m + 1] : Number.POSITIVE_INFINITY;
    const end = Math.min(to, nextStart);
    if (end <= at) {
      m++;
      continue;
    }
    out.push({ from: at, to: end, msg: m });
    at = end;
    m++;
  }
  return out;
}

function describeChunk(st: DirStream, ps: Piece[], from: number, to: number): string {
  if (st.msgStart === null || ps.every((p) => p.msg < 0)) return st.framing === 0 ? 'no message framing (a byte stream)' : '';
  const msgs = ps.filter((p) => p.msg >= 0);
  if (msgs.length >= 2) return `${msgs.length} messages in one segment (coalesced)`;
  const m = msgs[0].msg;
  const start = st.msgStart[m];
  const end = st.msgEnd![m];
  const whole = start >= from && end >= 0 && end <= to;
  if (whole) return '1 message';
  // The analysis' record of the message: every segment that carried it, even those the view dropped.
  const segments = st.msgSegments === null ? 0 : st.msgSegments[m];
  if (segments < 2) return `part of message ${m + 1}`;
  return `part of message ${m + 1} (spread over ${segments} segments: #${st.msgFirstFrame![m]}..#${st.msgLastFrame![m]})`;
}

/** The app events of this connection: the client's and the server's own calls. */
export function connectionEvents(events: readonly DemoEvent[], proto: 'tcp' | 'udp', a: string, b: string): DemoEvent[] {
  const out: DemoEvent[] = [];
  for (const e of events) {
    if (e.op === 'step' || e.proto !== proto) continue;
    if ((e.local === a && e.remote === b) || (e.local === b && e.remote === a)) out.push(e);
  }
  return out;
}

function appLine(e: DemoEvent, width: number): Line | null {
  if (e.op === 'step') return null;
  let t: string;
  const quoted = e.text !== undefined ? ` "${payloadText(Buffer.from(e.text, 'utf8'))}"` : '';
  switch (e.op) {
    case 'send':
      t = `${e.side} send(${e.bytes} bytes)${quoted}${e.corked ? ' (corked)' : ''}`;
      break;
    case 'recv':
      t = `${e.side} recv() returned ${e.bytes} bytes${e.messages !== undefined && e.messages > 1 ? `: ${e.messages} messages in one read` : ''}${quoted}`;
      break;
    case 'connect':
      t = `${e.side} connect() returned`;
      break;
    case 'accept':
      t = `${e.side} accept() returned`;
      break;
    case 'shutdown':
      t = `${e.side} shutdown(SHUT_WR): FIN, still reading`;
      break;
    case 'eof':
      t = `${e.side} recv() returned 0: the peer closed`;
      break;
    case 'close':
      t = `${e.side} close()`;
      break;
    default:
      t = `${e.side} ${e.op}${e.note !== undefined ? `: ${sanitize(e.note)}` : ''}`;
  }
  const arrowText = e.side === 'client' ? '  app ▸ ' : '  app ◂ ';
  const full = arrowText + t;
  return { spans: [{ text: textWidth(full) > width ? full.slice(0, Math.max(0, width - 1)) + '…' : full, tone: 'app' }] };
}

/** Lines of the stream view for `width` cells. */
export function buildStreamView(model: CaptureModel, detail: ConnDetail, width: number): Line[] {
  const lines: Line[] = [];
  if (detail.kind === 'udp') return udpView(model, detail, width);
  const conn = detail.tcp;
  if (conn === null || conn.log === null) {
    lines.push({ spans: [{ text: conn === null ? 'Reading the connection...' : 'No data in either direction.', tone: 'dim' }] });
    if (conn !== null) appendEvents(lines, model, conn, width, Number.POSITIVE_INFINITY, { i: 0 });
    return lines;
  }
  const d = snapshotTcp(conn);
  const log = conn.log;
  const cursor = { i: 0 };
  const events = eventsOf(model, conn);
  for (let i = 0; i < log.count; i++) {
    const frame = log.frame[i];
    const t = model.index.sec(frame) * 1e9 + model.index.nsec(frame);
    flushEvents(lines, events, cursor, t, width);
    const fromClient = log.dir[i] === 0;
    const st = fromClient ? conn.client.stream : conn.server.stream;
    if (st === null) continue;
    const from = log.offset[i];
    const to = from + log.len[i];
    const ps = pieces(st, from, to);
    const what = describeChunk(st, ps, from, to);
    lines.push({
      frame,
      spans: [
        { text: `#${frame} `, tone: 'dim' },
        { text: fromClient ? `client → server` : `server → client`, tone: fromClient ? 'c2s' : 's2c' },
        { text: ` ${log.len[i]} bytes`, tone: 'plain' },
        { text: what === '' ? '' : `: ${what}`, tone: ps.filter((p) => p.msg >= 0).length >= 2 ? 'msgs' : 'plain' },
      ],
    });
    const bytes = st.bytes(from, to - from);
    if (bytes === null) {
      lines.push({ spans: [{ text: '   (bytes not kept: beyond the view\'s limit or not captured)', tone: 'dim' }] });
      continue;
    }
    const body: Span[] = [];
    for (const p of ps) {
      if (p.msg >= 0 && st.msgStart !== null && st.msgStart[p.msg] === p.from) body.push({ text: '▏', tone: 'mark' });
      body.push({ text: payloadText(bytes.subarray(p.from - from, p.to - from)), tone: p.msg < 0 ? 'plain' : p.msg % 2 === 0 ? 'msgA' : 'msgB' });
    }
    const w = wrap(body, width, '   ', BODY_LINES);
    for (const l of w.lines) lines.push({ spans: l, frame });
    if (w.cut) lines.push({ spans: [{ text: '   ...', tone: 'dim' }], frame });
  }
  flushEvents(lines, events, cursor, Number.POSITIVE_INFINITY, width);
  if (log.dropped > 0) lines.push({ spans: [{ text: `... ${log.dropped} more segments not shown`, tone: 'dim' }] });
  const n = (count: number, noun: string): string => `${count} ${noun}${count === 1 ? '' : 's'}`;
  const totals = `client sent ${n(d.bytesToServer, 'byte')}, server sent ${n(d.bytesToClient, 'byte')}; ${n(d.messages, 'message')}, ${n(d.coalesced, 'coalesced segment')}, ${n(d.splitMessages, 'split message')}`;
  lines.push({ spans: [{ text: totals, tone: 'dim' }] });
  return lines;
}

function eventsOf(model: CaptureModel, conn: TcpConnection): DemoEvent[] {
  const d = snapshotTcp(conn);
  return connectionEvents(model.appEvents, 'tcp', d.client, d.server);
}

function appendEvents(lines: Line[], model: CaptureModel, conn: TcpConnection, width: number, until: number, cursor: { i: number }): void {
  flushEvents(lines, eventsOf(model, conn), cursor, until, width);
}

function flushEvents(lines: Line[], events: readonly DemoEvent[], cursor: { i: number }, untilNs: number, width: number): void {
  while (cursor.i < events.length) {
    const e = events[cursor.i];
    if (e.tsSec * 1e9 + e.tsNsec > untilNs) return;
    cursor.i++;
    const l = appLine(e, width);
    if (l !== null) lines.push(l);
  }
}

function udpView(model: CaptureModel, detail: ConnDetail, width: number): Line[] {
  const lines: Line[] = [];
  const conv = detail.udp;
  if (conv === null) return [{ spans: [{ text: 'Reading the conversation...', tone: 'dim' }] }];
  const d = snapshotUdp(conv);
  const events = connectionEvents(model.appEvents, 'udp', d.a, d.b);
  const cursor = { i: 0 };
  for (const s of detail.segments) {
    flushEvents(lines, events, cursor, model.index.sec(s.frame) * 1e9 + model.index.nsec(s.frame), width);
    if (s.icmpError !== undefined) {
      // Not a datagram: the network's answer to the one before, quoting it.
      lines.push({
        frame: s.frame,
        spans: [
          { text: `#${s.frame} `, tone: 'dim' },
          { text: `${s.icmpError} to ${s.fromClient ? d.b : d.a}: the datagram was not delivered (the message quotes it; it is not sent again)`, tone: 'rst' },
        ],
      });
      continue;
    }
    lines.push({
      frame: s.frame,
      spans: [
        { text: `#${s.frame} `, tone: 'dim' },
        { text: s.fromClient ? `${d.a} → ${d.b}` : `${d.b} → ${d.a}`, tone: s.fromClient ? 'c2s' : 's2c' },
        { text: ` datagram of ${s.len} bytes: one message${s.len === 0 ? ' (empty)' : ''}`, tone: 'plain' },
      ],
    });
    if (s.payload !== undefined && s.payload.length > 0) {
      const w = wrap([{ text: '▏', tone: 'mark' }, { text: payloadText(s.payload), tone: s.firstMsg % 2 === 0 ? 'msgA' : 'msgB' }], width, '   ', BODY_LINES);
      for (const l of w.lines) lines.push({ spans: l, frame: s.frame });
    }
  }
  flushEvents(lines, events, cursor, Number.POSITIVE_INFINITY, width);
  return lines;
}
