/**
 * The ladder diagram of one connection: the client's timeline on the left,
 * the server's on the right (sides keyed by address AND port, so both ends
 * on 127.0.0.1 stay apart), one arrow per segment with its flags, relative
 * seq/ack and length, and the time since the previous segment. The
 * handshake and the teardown are bracketed and named; analysis findings and
 * message facts are written beside their arrow.
 *
 * Pure: lines of styled spans for a given width; the screen draws them.
 */
import { ANALYSIS_RULES, type TcpConnection } from '../../analysis/index';
import { FLAG_ACK, FLAG_FIN, FLAG_RST, FLAG_SYN } from '../../decode/tcp';
import type { ConnDetail, Segment } from './conn-detail';
import { durationText, snapshotTcp, snapshotUdp } from './conn-snapshot';
import { ANALYSIS_MASK } from './row-class';

export type Tone = 'plain' | 'head' | 'axis' | 'c2s' | 's2c' | 'synfin' | 'rst' | 'finding' | 'bracket' | 'time' | 'msgs' | 'dim' | 'app' | 'msgA' | 'msgB' | 'mark';

export interface Span {
  text: string;
  tone: Tone;
}

export interface Line {
  spans: Span[];
  /** The frame this line shows, for selection. */
  frame?: number;
}

/** Short names for analysis flags ("Retransmission", "Dup ACK"). */
export function findingNames(flags: number): string[] {
  const out: string[] = [];
  for (const r of ANALYSIS_RULES) {
    if ((flags & r.bit) === 0) continue;
    if (r.info !== '') out.push(r.info.trim().replace(/^\[|\]$/g, '').replace(/^TCP /, ''));
    else out.push(r.field === 'tcp.analysis.duplicate_ack' ? 'Dup ACK' : r.field.replace('tcp.analysis.', '').replace(/_/g, ' '));
  }
  return out;
}

const FLAG_SHORT: [number, string][] = [
  [FLAG_SYN, 'SYN'],
  [FLAG_FIN, 'FIN'],
  [FLAG_RST, 'RST'],
  [0x08, 'PSH'],
  [FLAG_ACK, 'ACK'],
  [0x20, 'URG'],
];

export function flagsShort(flags: number): string {
  const parts: string[] = [];
  for (const [bit, name] of FLAG_SHORT) if (flags & bit) parts.push(name);
  return parts.length === 0 ? 'none' : parts.join(',');
}

function cell(s: string, w: number): string {
  return s.length > w ? s.slice(0, w) : s;
}

/** An arrow of `width` cells carrying `label`, pointing right (client to server) or left. */
export function arrow(label: string, width: number, right: boolean): string {
  const inner = width - 1;
  let l = label.length + 2 > inner ? label.slice(0, Math.max(0, inner - 2)) : label;
  if (l !== '') l = ` ${l} `;
  const dashes = Math.max(0, inner - l.length);
  const before = Math.floor(dashes / 2);
  const body = '─'.repeat(before) + l + '─'.repeat(dashes - before);
  return right ? body + '▶' : '◀' + body;
}

function segmentLabel(s: Segment, room: number, tcp: boolean): string {
  const text = s.icmpError ?? s.unmeasured;
  if (text !== undefined) return text.length + 2 <= room ? text : text.slice(0, Math.max(4, room - 3)) + '…';
  if (!tcp) return `datagram len=${s.len}`;
  const f = flagsShort(s.flags);
  const full = `${f} seq=${s.relSeq}${s.flags & FLAG_ACK ? ` ack=${s.relAck}` : ''} len=${s.len}`;
  if (full.length + 2 <= room) return full;
  const shorter = `${f} seq=${s.relSeq} len=${s.len}`;
  if (shorter.length + 2 <= room) return shorter;
  return `${f} len=${s.len}`;
}

interface Bracket {
  from: number;
  to: number;
  title: string;
  tone: Tone;
}

/** The handshake and teardown brackets, as frame ranges. */
function brackets(c: TcpConnection, lastFrame: number): Bracket[] {
  const d = snapshotTcp(c);
  const out: Bracket[] = [];
  const synFrame = c.client.synFrame !== 0 ? c.client.synFrame : c.server.synFrame;
  if (synFrame !== 0) {
    let end = c.handshakeAckFrame !== 0 ? c.handshakeAckFrame : c.synAckFrame !== 0 ? c.synAckFrame : synFrame;
    if (c.handshake === 'refused' || (c.handshake === 'aborted' && c.resetFrame !== 0)) end = c.resetFrame !== 0 ? c.resetFrame : end;
    out.push({ from: synFrame, to: end, title: d.handshakeText, tone: c.handshake === 'refused' || c.handshake === 'aborted' || c.handshake === 'unanswered' ? 'rst' : 'bracket' });
  } else if (c.handshake === 'midstream') {
    out.push({ from: c.firstFrame, to: c.firstFrame, title: d.handshakeText, tone: 'dim' });
  }
  if (c.handshake === 'refused') return out;
  if (c.firstFinFrame !== 0) {
    let end = c.finalAckFrame !== 0 ? c.finalAckFrame : c.secondFinFrame !== 0 ? c.secondFinFrame : lastFrame;
    if (c.teardown === 'reset' && c.resetFrame > end) end = c.resetFrame;
    if (c.teardown === 'half-closed') end = lastFrame;
    out.push({ from: c.firstFinFrame, to: end, title: d.teardownText, tone: c.teardown === 'reset' ? 'rst' : 'bracket' });
  } else if (c.teardown === 'reset' && c.resetFrame !== 0) {
    out.push({ from: c.resetFrame, to: c.resetFrame, title: d.teardownText, tone: 'rst' });
  }
  return out;
}

/** Lines of the ladder for `width` cells. */
export function buildLadder(detail: ConnDetail, width: number): Line[] {
  const tcp = detail.kind === 'tcp';
  const conn = tcp ? detail.tcp : null;
  const udp = tcp ? null : detail.udp;
  const lines: Line[] = [];
  const segs = detail.segments;
  if (segs.length === 0 || (tcp && conn === null) || (!tcp && udp === null)) {
    const gone = detail.droppedBefore > 0 && !detail.behind ? `Its frames were dropped: the capture keeps frames from #${detail.droppedBefore} on.` : 'Reading the connection...';
    lines.push({ spans: [{ text: detail.error ?? gone, tone: detail.error ? 'rst' : 'dim' }] });
    return lines;
  }
  const left = tcp ? `client ${snapshotTcp(conn!).client}` : `${snapshotUdp(udp!).a}`;
  const right = tcp ? `server ${snapshotTcp(conn!).server}` : `${snapshotUdp(udp!).b}`;
  // Columns: bracket (2), frame number (7), axis, arrow, axis, then time and notes.
  const pre = 9;
  const notes = Math.max(12, Math.min(34, Math.round(width * 0.22)));
  const arrowW = Math.max(12, width - pre - 2 - 1 - notes);
  const axisR = pre + 1 + arrowW;
  const headGap = Math.max(1, axisR + 1 - pre - left.length - right.length);
  lines.push({ spans: [{ text: ' '.repeat(pre), tone: 'plain' }, { text: left, tone: 'head' }, { text: ' '.repeat(headGap), tone: 'plain' }, { text: right, tone: 'head' }] });
  if (!tcp) lines.push({ spans: [{ text: '  UDP: no handshake, no teardown; each datagram is one message', tone: 'bracket' }] });
  if (detail.droppedBefore > 0) lines.push({ spans: [{ text: `  ... earlier segments dropped (the capture keeps frames from #${detail.droppedBefore} on)`, tone: 'dim' }] });

  const bs = conn !== null ? brackets(conn, segs[segs.length - 1].frame) : [];
  let open: Bracket | null = null;
  for (const s of segs) {
    if (open === null) {
      const b = bs.find((x) => x.from === s.frame);
      if (b !== undefined) {
        open = b;
        lines.push({ spans: [{ text: '╭─ ', tone: b.tone }, { text: cell(b.title, width - 3), tone: b.tone }] });
      }
    }
    const closing = open !== null && s.frame >= open.to;
    const brk = open === null ? '  ' : closing ? '╰ ' : '│ ';
    const brTone = open?.tone ?? 'plain';
    const num = `#${s.frame}`.padStart(6) + ' ';
    const rst = (s.flags & FLAG_RST) !== 0;
    const findings = s.analysis & ANALYSIS_MASK;
    const tone: Tone = rst || s.icmpError !== undefined ? 'rst' : findings !== 0 && findingNames(findings).some((f) => f !== 'Window Update') ? 'finding' : s.flags & (FLAG_SYN | FLAG_FIN) ? 'synfin' : s.fromClient ? 'c2s' : 's2c';
    const label = segmentLabel(s, arrowW - 1, tcp);
    const spans: Span[] = [
      { text: brk, tone: brTone },
      { text: num, tone: 'dim' },
      { text: '│', tone: 'axis' },
      { text: arrow(label, arrowW, s.fromClient), tone },
      { text: '│', tone: 'axis' },
      { text: ` +${durationText(s.dtNs)}`, tone: 'time' },
    ];
    const extra: Span[] = [];
    if (findings !== 0) extra.push({ text: ' ' + findingNames(findings).join(', '), tone: 'finding' });
    if (s.msgs >= 2) extra.push({ text: ` ${s.msgs} msgs`, tone: 'msgs' });
    else if (s.continues || s.continued) extra.push({ text: ' part of a msg', tone: 'msgs' });
    if (s.nagleHoldNs > 0) extra.push({ text: ' Nagle', tone: 'msgs' });
    if (s.afterPeerFin) extra.push({ text: ' after FIN', tone: 'msgs' });
    spans.push(...extra);
    lines.push({ spans, frame: s.frame });
    if (closing) open = null;
  }
  if (detail.dropped > 0) lines.push({ spans: [{ text: `  ... ${detail.dropped} more segments not drawn`, tone: 'dim' }] });
  if (conn !== null && conn.teardown === 'open' && conn.handshake !== 'refused') {
    lines.push({ spans: [{ text: `  open: ${conn.client.state === conn.server.state ? 'both' : 'client'} ${stateText(conn)}`, tone: 'dim' }] });
  }
  return lines;
}

function stateText(c: TcpConnection): string {
  const d = snapshotTcp(c);
  return d.clientState === d.serverState ? d.clientState : `${d.clientState}, server ${d.serverState}`;
}

