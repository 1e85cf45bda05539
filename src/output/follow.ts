/**
 * `-z follow,tcp|udp,ascii|hex,N`, laid out as tshark 4.0 prints them
 * (ui/cli/tap-follow.c). TCP: Node 0 is the side that sent the
 * stream's first frame, each chunk is one segment's new bytes in delivery
 * order (retransmitted bytes once), the other side's chunks indented by a
 * tab. When the direction's framing is known (--framing, or detected),
 * `synack` adds message boundaries: an "end of message" marker line after a
 * chunk whose last byte ends a message, so coalesced and split messages show.
 *
 * Packet bytes never reach the terminal raw: in ascii mode a byte that is
 * not printable is a '.', except the line feed and, as tshark prints them,
 * carriage returns (CRLF protocols: HTTP, SMTP, Redis) when the output is a
 * file or a pipe, so it compares byte for byte. On a terminal a CR is a '.'
 * too: it would move the cursor back and let later bytes overwrite the line.
 *
 * UDP: each datagram is one chunk, Node 0 the sender of the stream's first.
 * No marker is needed: a datagram is exactly one message, so the chunks are
 * the sender's own boundaries, the contrast the lessons draw with TCP.
 */
import { CLIENT, FRAMING_NAMES, SERVER, type DirStream, type Flow, type TcpConnection } from '../analysis/index';
import type { Packet } from '../decode/packet';
import type { OutBuf } from './outbuf';

const SEPARATOR = '===================================================================\n';
const HEX = '0123456789abcdef';

export type FollowMode = 'ascii' | 'hex';

function node(c: Flow | null, sideA: boolean): string {
  if (c === null) return ':0';
  const addr = c.address(sideA);
  const port = sideA ? c.aPort : c.bPort;
  return c.family === 6 ? `[${addr}]:${port}` : `${addr}:${port}`;
}

/**
 * Writes the follow report of stream `index` (`c` null when the capture has no
 * such stream). `terminal`: the output is a terminal (carriage returns become dots).
 */
export function writeFollow(out: OutBuf, mode: FollowMode, index: number, c: TcpConnection | null, markMessages: boolean, terminal = false): void {
  followHeader(out, 'tcp', mode, index, c);
  if (c !== null && c.log !== null) {
    const log = c.log;
    const streamOf = (dir: number): DirStream | null => (dir === CLIENT ? c.client.stream : c.server.stream);
    // Chunk directions are CLIENT/SERVER; node 0 is side A.
    const dirA = c.clientIsA ? CLIENT : SERVER;
    const pos = [0, 0];
    // Per direction: the first message record that may still end in a later chunk.
    const cursor = [0, 0];
    for (let i = 0; i < log.count; i++) {
      const dir = log.dir[i];
      const st = streamOf(dir);
      if (st === null) continue;
      const n1 = dir !== dirA;
      const at = log.offset[i];
      const len = log.len[i];
      const bytes = st.bytes(at, len);
      const prefix = n1 ? '\t' : '';
      if (mode === 'ascii') {
        out.ascii(`${prefix}${len}\n`);
        if (bytes === null) out.ascii(`[${len} bytes not kept]`);
        else asciiChunk(out, bytes, terminal);
        out.byte(10);
      } else {
        const k = n1 ? 1 : 0;
        if (bytes === null) out.ascii(`${prefix}[${len} bytes not kept]\n`);
        else hexChunk(out, prefix, pos[k], bytes);
        pos[k] += len;
      }
      if (markMessages && bytes !== null) cursor[dir === CLIENT ? 0 : 1] = markEnds(out, prefix, st, at, len, cursor[dir === CLIENT ? 0 : 1]);
    }
    notListed(out, log.dropped, 'segment');
  }
  out.ascii(SEPARATOR);
}

function followHeader(out: OutBuf, protocol: 'tcp' | 'udp', mode: FollowMode, index: number, c: Flow | null): void {
  out.ascii('\n');
  out.ascii(SEPARATOR);
  out.ascii(`Follow: ${protocol},${mode}\n`);
  out.ascii(`Filter: ${protocol}.stream eq ${index}\n`);
  out.ascii(`Node 0: ${node(c, true)}\n`);
  out.ascii(`Node 1: ${node(c, false)}\n`);
}

/**
 * Collects the datagrams of one udp.stream as frames pass (UDP has no stream
 * to reassemble: the payloads are copied), up to `maxBytes` a direction; the
 * rest is counted and shown as not kept, as TCP's follow does.
 */
export class UdpFollow {
  private conv: Flow | null = null;
  private readonly fromA: boolean[] = [];
  /** Each datagram's captured payload, or null when over the limit. */
  private readonly payloads: (Uint8Array | null)[] = [];
  private readonly lengths: number[] = [];
  private readonly kept = [0, 0];
  /** Datagrams past maxDatagrams: counted, not listed. */
  private dropped = 0;

  constructor(
    readonly mode: FollowMode,
    readonly stream: number,
    private readonly maxBytes: number,
    private readonly maxDatagrams = FOLLOW_DATAGRAMS,
  ) {}

  /** Per frame, after analysis. */
  observe(pkt: Packet): void {
    const fa = pkt.notes.analysis;
    if (fa === undefined || fa.frame !== pkt.number) return;
    const u = fa.udp;
    // A datagram quoted in an ICMP error was not sent again: tshark's follow tap skips it, as its conversation tap does.
    if (u === null || u.stream !== this.stream || u.conv === null || u.inError) return;
    const li = u.layer;
    const start = pkt.layerPayload[li];
    const end = Math.min(pkt.layerEnd[li], pkt.capLen);
    // An empty datagram carries no bytes to follow: tshark's follow tap records none, nor its addresses.
    if (end <= start) return;
    this.conv ??= u.conv;
    if (this.payloads.length >= this.maxDatagrams) {
      this.dropped++;
      return;
    }
    const len = end - start;
    const k = u.fromA ? 0 : 1;
    const keep = this.kept[k] + len <= this.maxBytes;
    if (keep) this.kept[k] += len;
    this.fromA.push(u.fromA);
    this.lengths.push(len);
    this.payloads.push(keep ? pkt.data.slice(pkt.base + start, pkt.base + start + len) : null);
  }

  write(out: OutBuf, terminal: boolean): void {
    followHeader(out, 'udp', this.mode, this.stream, this.conv);
    const pos = [0, 0];
    for (let i = 0; i < this.payloads.length; i++) {
      const b = this.payloads[i];
      const len = this.lengths[i];
      const prefix = this.fromA[i] ? '' : '\t';
      if (this.mode === 'ascii') {
        out.ascii(`${prefix}${len}\n`);
        if (b === null) out.ascii(`[${len} bytes not kept]`);
        else asciiChunk(out, b, terminal);
        out.byte(10);
      } else {
        const k = this.fromA[i] ? 0 : 1;
        if (b === null) out.ascii(`${prefix}[${len} bytes not kept]\n`);
        else hexChunk(out, prefix, pos[k], b);
        pos[k] += len;
      }
    }
    notListed(out, this.dropped, 'datagram');
    out.ascii(SEPARATOR);
  }
}

/** How many datagrams a follow lists at most (the list itself must stay bounded, bytes kept or not). */
const FOLLOW_DATAGRAMS = 1 << 22;

/** synack's line for chunks past the list's bound (tshark has no bound, and no such line). */
function notListed(out: OutBuf, n: number, what: string): void {
  if (n > 0) out.ascii(`[synack: ${n} more ${what}${n === 1 ? '' : 's'} not listed]\n`);
}

function asciiChunk(out: OutBuf, b: Uint8Array, terminal: boolean): void {
  const cr = terminal ? 0x2e : 0x0d;
  for (let i = 0; i < b.length; i++) {
    const c = b[i];
    out.byte((c >= 0x20 && c < 0x7f) || c === 0x0a ? c : c === 0x0d ? cr : 0x2e);
  }
}

/** tap-follow.c's followPrintHex: 16 bytes a line, an extra space after 8, offsets in upper-case hex. */
function hexChunk(out: OutBuf, prefix: string, offset: number, b: Uint8Array): void {
  for (let i = 0; i < b.length; i += 16) {
    // The whole line without a flush: its trailing space is taken back below.
    out.reserve(prefix.length + 80);
    out.ascii(prefix);
    out.ascii((offset + i).toString(16).toUpperCase().padStart(8, '0'));
    out.ascii('  ');
    const n = Math.min(16, b.length - i);
    let col = 10;
    for (let j = 0; j < n; j++) {
      const v = b[i + j];
      out.byte(HEX.charCodeAt(v >> 4));
      out.byte(HEX.charCodeAt(v & 15));
      out.byte(32);
      col += 3;
      if (j === 7) {
        out.byte(32);
        col++;
      }
    }
    while (col < 60) {
      out.byte(32);
      col++;
    }
    for (let j = 0; j < n; j++) {
      const v = b[i + j];
      out.byte(v >= 0x20 && v < 0x7f ? v : 0x2e);
      if (j === 7) out.byte(32);
    }
    // tshark drops a trailing space: the one after 8 bytes, and also a space byte ending the line.
    if (out.buf[out.pos - 1] === 32) out.pos--;
    out.byte(10);
  }
}

/**
 * A marker line per message that ends in this chunk (synack's addition; tshark
 * has none). Chunks come in stream order, so the records are walked once:
 * `from` is the first that may end here; returns it for the next chunk.
 */
function markEnds(out: OutBuf, prefix: string, st: DirStream, at: number, len: number, from: number): number {
  const ends = st.msgEnd;
  const starts = st.msgStart;
  if (ends === null || starts === null) return from;
  const kept = st.messagesKept;
  // A message cannot end after `at` when the next one had started by then.
  let i = from;
  while (i + 1 < kept && starts[i + 1] <= at) i++;
  let count = 0;
  for (let k = i; k < kept && starts[k] < at + len; k++) {
    const e = ends[k];
    if (e > at && e <= at + len) count++;
  }
  if (count > 0) out.ascii(`${prefix}[synack: ${count} message${count === 1 ? '' : 's'} (${FRAMING_NAMES[st.framing]}) end in this segment]\n`);
  return i;
}
