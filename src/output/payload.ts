/**
 * -A: the application's bytes under each frame's line, as tcpdump -A shows
 * a chat's messages, with the lesson the summary line cannot show drawn in:
 * '▏' where a message starts (by the framing the analysis found for that
 * direction), one output line per text line, and a note in brackets saying
 * whether the segment carries several messages (coalesced: a "sticky
 * packet"), part of one, or bytes received before. A UDP datagram is always
 * one message, which is the contrast the lessons draw.
 *
 *     4   0.003962    127.0.0.1 → 127.0.0.1    TCP 80 43732 → 8080 [PSH, ACK] Seq=1 Ack=1 Win=65536 Len=14
 *         [3 messages in one segment: coalesced (lines)]
 *         ▏one↵
 *         ▏two↵
 *         ▏three↵
 *
 * Text goes through payloadText (sanitize.ts): nothing captured reaches the
 * terminal unescaped.
 */
import type { TcpNote, UdpNote } from '../analysis/index';
import { FRAMING_NAMES, FRAMING_NONE, FRAMING_UNDECIDED } from '../analysis/framing';
import type { Packet } from '../decode/packet';
import type { OutBuf } from './outbuf';
import { payloadText } from './sanitize';

const INDENT = '        ';
const MARK = '▏';

/** The payload of the frame's TCP segment or UDP datagram (not one quoted in an ICMP error), if it has one. */
export function writePayload(out: OutBuf, pkt: Packet): void {
  const fa = pkt.notes.analysis;
  if (fa === undefined) return;
  for (let i = 0; i < fa.tcpCount; i++) {
    const n = fa.tcp[i];
    if (!n.inError && n.analyzed && n.seglen > 0) {
      writeTcp(out, pkt, n);
      return;
    }
  }
  const u = fa.udp;
  if (u !== null && !u.inError && u.payload > 0) writeUdp(out, pkt, u);
}

function writeTcp(out: OutBuf, pkt: Packet, n: TcpNote): void {
  const li = n.layer;
  const start = pkt.layerPayload[li];
  const end = Math.min(pkt.layerEnd[li], pkt.capLen, start + n.seglen);
  const c = n.chunk;
  out.ascii(INDENT);
  out.text8(`[${tcpNote(n)}${capturedNote(end - start, n.seglen)}]`);
  out.byte(10);
  writeText(out, pkt, start, end, c.marks, c.markCount);
}

function writeUdp(out: OutBuf, pkt: Packet, u: UdpNote): void {
  const li = u.layer;
  const start = pkt.layerPayload[li];
  const end = Math.min(pkt.layerEnd[li], pkt.capLen);
  out.ascii(INDENT);
  out.text8(`[datagram ${u.message} of this direction: one datagram, one message${capturedNote(end - start, u.payload)}]`);
  out.byte(10);
  writeText(out, pkt, start, end, DATAGRAM_START, 1);
}

/** A datagram's only message starts at its first byte. */
const DATAGRAM_START = Int32Array.of(0);

/** What the segment's bytes are to the messages of its direction. */
function tcpNote(n: TcpNote): string {
  const c = n.chunk;
  if (c.queued) return 'out of order: it waits for earlier bytes, and its messages are counted when they come';
  if (c.newBytes === 0) return `retransmitted: all ${n.seglen} bytes were received before`;
  const again = c.dupBytes > 0 ? `; ${c.dupBytes} of its bytes were received before` : '';
  if (c.msgs < 0) {
    // Framing known but no facts: frameChunk had no captured bytes to follow.
    const why =
      n.framing === FRAMING_NONE ? 'no message framing: a plain byte stream' : n.framing === FRAMING_UNDECIDED || n.framing < 0 ? 'message framing not known yet' : 'its bytes were not captured: no messages to mark';
    return why + again;
  }
  const framing = ` (${FRAMING_NAMES[n.framing]})`;
  if (c.msgs >= 2) {
    const ends: string[] = [];
    if (c.continues) ends.push('the first began in an earlier segment');
    if (c.continued) ends.push('the last goes on in a later one');
    return `${c.msgs} messages in one segment: coalesced${framing}${ends.length > 0 ? '; ' + ends.join(', ') : ''}${again}`;
  }
  if (c.msgs === 1) {
    if (c.continues && c.continued) return `the middle of a message that began earlier and goes on: split${framing}${again}`;
    if (c.continues) return `the end of a message begun in an earlier segment: split${framing}${again}`;
    if (c.continued) return `the start of a message that goes on in a later segment: split${framing}${again}`;
    return `1 message${framing}${again}`;
  }
  return `no message${framing}${again}`;
}

function capturedNote(captured: number, length: number): string {
  return captured < length ? `; ${captured} of ${length} bytes captured` : '';
}

/** The bytes [start, end) as text lines: a new line after each line feed, '▏' at each marked message start. */
function writeText(out: OutBuf, pkt: Packet, start: number, end: number, marks: Int32Array | null, markCount: number): void {
  if (end <= start) return;
  const bytes = pkt.data.subarray(pkt.base + start, pkt.base + end);
  const len = end - start;
  let m = 0;
  let from = 0;
  out.ascii(INDENT);
  while (from < len) {
    // The next cut: a message start or just after a line feed, whichever comes first.
    while (m < markCount && marks![m] < from) m++;
    if (m < markCount && marks![m] === from) {
      out.text8(MARK);
      m++;
    }
    const nextMark = m < markCount && marks![m] < len ? marks![m] : len;
    const lf = bytes.indexOf(0x0a, from);
    const lineEnd = lf >= 0 && lf < nextMark ? lf + 1 : nextMark;
    out.text8(payloadText(bytes.subarray(from, lineEnd)));
    from = lineEnd;
    if (lf >= 0 && lineEnd === lf + 1 && from < len) {
      out.byte(10);
      out.ascii(INDENT);
    }
  }
  out.byte(10);
}
