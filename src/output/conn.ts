/**
 * `-z conn`: every TCP connection with what synack knows of it: client and
 * server, each side's final RFC 9293 state, the handshake and teardown kinds,
 * Zeek's history and conn_state, handshake round-trip times, bytes and
 * segments each way, the tcp.analysis counts and the message totals (framing,
 * coalesced segments, split messages, Nagle holds). As text, one line per
 * connection under a header; with -T json, one JSON object per line.
 *
 * Rows are written as connections leave the analysis: with -q, ones evicted
 * because of the connection cap at once (in that order, so a SYN flood of
 * millions of connections needs no memory here), the rest at the end in
 * stream order. While frames are printed the rows wait as bytes in one
 * buffer (not as connection objects, which the analysis may reuse, nor as
 * strings, which V8 keeps as trees of their concatenations), at most
 * MAX_HELD_ROWS of them: beyond that a row is dropped and counted, and the
 * totals line says so.
 */
import {
  A_ACK_LOST_SEGMENT,
  A_DUPLICATE_ACK,
  A_FAST_RETRANSMISSION,
  A_KEEP_ALIVE,
  A_LOST_SEGMENT,
  A_OUT_OF_ORDER,
  A_RETRANSMISSION,
  A_SPURIOUS_RETRANSMISSION,
  A_WINDOW_FULL,
  A_ZERO_WINDOW,
  A_ZERO_WINDOW_PROBE,
  CLIENT,
  FRAMING_NAMES,
  TCP_STATE_NAMES,
  TIME_BASE,
  type TcpConnection,
  type TcpSide,
} from '../analysis/index';
import { OutBuf } from './outbuf';

/** The analysis counts shown, in order: column label, JSON key, flag bits. */
const COUNTS: readonly [string, string, number][] = [
  ['retr', 'retransmission', A_RETRANSMISSION | A_FAST_RETRANSMISSION | A_SPURIOUS_RETRANSMISSION],
  ['fast', 'fast_retransmission', A_FAST_RETRANSMISSION],
  ['spur', 'spurious_retransmission', A_SPURIOUS_RETRANSMISSION],
  ['ooo', 'out_of_order', A_OUT_OF_ORDER],
  ['lost', 'lost_segment', A_LOST_SEGMENT],
  ['acklost', 'ack_lost_segment', A_ACK_LOST_SEGMENT],
  ['dupack', 'duplicate_ack', A_DUPLICATE_ACK],
  ['zwin', 'zero_window', A_ZERO_WINDOW],
  ['zwp', 'zero_window_probe', A_ZERO_WINDOW_PROBE],
  ['wfull', 'window_full', A_WINDOW_FULL],
  ['ka', 'keep_alive', A_KEEP_ALIVE],
];

function flagTotal(c: TcpConnection, bits: number): number {
  if (c.flagCounts === null) return 0;
  // Frames carrying any of `bits`: count by the first bit (retransmission kinds are exclusive per frame).
  let n = 0;
  for (let b = bits; b !== 0; b &= b - 1) n += c.flagCount(b & -b);
  return n;
}

function ms(ns: number): string {
  return ns < 0 ? '-' : (ns / 1e6).toFixed(3);
}

/** SYN to SYN-ACK plus SYN-ACK to ACK, when the handshake completed; '-' otherwise. */
function handshakeRtt(c: TcpConnection): string {
  if (c.synToSynAckNs < 0 || c.synAckToAckNs < 0) return '-';
  return ms(c.synToSynAckNs + c.synAckToAckNs);
}

function endpoint(out: OutBuf, c: TcpConnection, client: boolean): void {
  const a = client === c.clientIsA;
  if (c.family === 6) {
    out.byte(91);
    out.ascii(c.address(a));
    out.byte(93);
  } else {
    out.ipv4Value(a ? c.a0 : c.b0);
  }
  out.byte(58);
  out.uint(a ? c.aPort : c.bPort);
}

function messages(out: OutBuf, d: TcpSide['stream']): void {
  if (d === null || d.messages === 0) out.byte(45);
  else out.uint(d.messages);
}

/** Rows held until the end of the capture while frames are printed (about 250 bytes each). */
export const MAX_HELD_ROWS = 100_000;

export class ConnReport {
  private headerDone = false;
  /** Rows waiting for the end: their text (or JSON lines) back to back in `held`, where each starts, its stream. */
  private held: OutBuf | null = null;
  private readonly heldAt: number[] = [];
  private readonly heldStream: number[] = [];
  rows = 0;
  /** Rows dropped because MAX_HELD_ROWS were already waiting. */
  dropped = 0;

  constructor(
    private readonly json: boolean,
    /** Where evicted rows go at once; null collects them until the end (frames are being printed). */
    public streamTo: OutBuf | null,
    private readonly maxHeld = MAX_HELD_ROWS,
  ) {}

  /** A connection left the analysis (evicted, or at the end of the capture). */
  retire(c: TcpConnection, evicted: boolean): void {
    if (evicted && this.streamTo !== null) {
      this.write(this.streamTo, c, true);
      return;
    }
    // Connections still live at the end are bounded by the analysis' cap: only evicted ones are dropped.
    if (evicted && this.heldAt.length >= this.maxHeld) {
      this.dropped++;
      return;
    }
    const held = (this.held ??= new OutBuf(-1, 1 << 16));
    this.heldAt.push(held.pos);
    this.heldStream.push(c.stream);
    if (this.json) held.ascii(JSON.stringify(connObject(c, evicted)));
    else writeRow(held, c, evicted);
  }

  /** Writes the rows not written yet, in stream order, and the totals line. */
  finish(out: OutBuf, totals: { streams: number; evicted: number; reused: number }): void {
    const held = this.held;
    if (held !== null) {
      const at = this.heldAt;
      const streams = this.heldStream;
      const order = streams.map((_, i) => i).sort((a, b) => streams[a] - streams[b]);
      for (const i of order) {
        const end = i + 1 < at.length ? at[i + 1] : held.pos;
        this.rows++;
        this.header(out);
        out.reserve(end - at[i] + 1);
        out.pos += held.buf.copy(out.buf, out.pos, at[i], end);
        out.byte(10);
      }
      this.held = null;
      at.length = 0;
      streams.length = 0;
    }
    if (!this.json) {
      this.header(out);
      out.ascii(`${totals.streams} connection${totals.streams === 1 ? '' : 's'}`);
      if (totals.evicted > 0) out.ascii(`, ${totals.evicted} evicted while idle to bound memory (listed when evicted)`);
      if (totals.reused > 0) out.ascii(`, ${totals.reused} ended by a SYN reusing their ports`);
      if (this.dropped > 0) out.ascii(`, ${this.dropped} evicted ones not listed (at most ${this.maxHeld} rows wait while frames are printed; -q lists every one)`);
      out.ascii('\n================================================================================\n');
    }
  }

  private write(out: OutBuf, c: TcpConnection, evicted: boolean): void {
    this.rows++;
    if (this.json) {
      out.ascii(JSON.stringify(connObject(c, evicted)));
    } else {
      this.header(out);
      writeRow(out, c, evicted);
    }
    out.byte(10);
  }

  private header(out: OutBuf): void {
    if (this.headerDone || this.json) return;
    this.headerDone = true;
    out.ascii('================================================================================\n');
    out.ascii('TCP Connections (synack)\n');
    out.ascii('Stream Client -> Server | handshake | teardown | conn_state history | handshake RTT ms | C->S bytes/segs S->C bytes/segs | states | messages | analysis\n');
  }
}

/**
 * One connection's table line, written straight into `out`: every part is
 * ASCII the program makes (numbers, names, addresses, Zeek's letters), so
 * nothing needs escaping, and no string is built per row (-q -z conn writes
 * one per connection: tens of thousands).
 */
function writeRow(out: OutBuf, c: TcpConnection, evicted: boolean): void {
  const cs = c.client;
  const ss = c.server;
  for (let w = digits(c.stream); w < 6; w++) out.byte(32);
  out.uint(c.stream);
  out.byte(32);
  endpoint(out, c, true);
  out.ascii(' -> ');
  endpoint(out, c, false);
  out.ascii(' | ');
  out.ascii(c.handshake);
  if (cs.synCount > 1) {
    out.ascii(' (');
    out.uint(cs.synCount);
    out.ascii(' SYNs)');
  }
  if (c.midstream) out.ascii(' (roles guessed)');
  out.ascii(' | ');
  if (c.teardown === 'reset') {
    out.ascii(c.resetBy === CLIENT ? 'reset by client (' : 'reset by server (');
    out.ascii(c.resetPhase);
    out.byte(41);
  } else {
    out.ascii(c.teardown);
    if (c.activeCloser >= 0 && c.teardown !== 'open') out.ascii(c.activeCloser === CLIENT ? ', client closed first' : ', server closed first');
  }
  out.ascii(' | ');
  out.ascii(c.connState());
  out.byte(32);
  const history = c.history();
  out.ascii(history === '' ? '-' : history);
  out.ascii(' | ');
  out.ascii(handshakeRtt(c));
  out.ascii(' | ');
  out.uint(cs.payloadBytes);
  out.byte(47);
  out.uint(cs.dataSegments);
  out.byte(32);
  out.uint(ss.payloadBytes);
  out.byte(47);
  out.uint(ss.dataSegments);
  out.ascii(' | ');
  out.ascii(TCP_STATE_NAMES[cs.state]);
  out.byte(47);
  out.ascii(TCP_STATE_NAMES[ss.state]);
  out.ascii(' | ');
  const cd = cs.stream;
  const sd = ss.stream;
  messages(out, cd);
  out.byte(47);
  messages(out, sd);
  out.byte(32);
  if (cd !== null || sd !== null) {
    out.ascii(FRAMING_NAMES[cd === null ? 0 : cd.framing]);
    out.byte(47);
    out.ascii(FRAMING_NAMES[sd === null ? 0 : sd.framing]);
  } else {
    out.byte(45);
  }
  const coalesced = (cd === null ? 0 : cd.coalescedSegments) + (sd === null ? 0 : sd.coalescedSegments);
  if (coalesced > 0) {
    out.ascii(' coalesced=');
    out.uint(coalesced);
    out.ascii(' max=');
    out.uint(Math.max(cd === null ? 0 : cd.maxMessagesInSegment, sd === null ? 0 : sd.maxMessagesInSegment));
  }
  const split = (cd === null ? 0 : cd.splitMessages) + (sd === null ? 0 : sd.splitMessages);
  if (split > 0) {
    out.ascii(' split=');
    out.uint(split);
  }
  const nagle = cs.data.nagleHolds + ss.data.nagleHolds;
  if (nagle > 0) {
    out.ascii(' nagle=');
    out.uint(nagle);
  }
  const after = cs.data.bytesAfterPeerFin + ss.data.bytesAfterPeerFin;
  if (after > 0) {
    out.ascii(' after-fin=');
    out.uint(after);
    out.byte(66);
  }
  out.ascii(' | ');
  let counted = false;
  for (const [label, , bits] of COUNTS) {
    const n = flagTotal(c, bits);
    if (n === 0) continue;
    if (counted) out.byte(32);
    counted = true;
    out.ascii(label);
    out.byte(61);
    out.uint(n);
  }
  if (!counted) out.byte(45);
  if (evicted) out.ascii(' | evicted');
}

/** Decimal digits of a non-negative integer. */
function digits(n: number): number {
  let d = 1;
  for (let v = n; v >= 10; v = Math.floor(v / 10)) d++;
  return d;
}

function sideObject(s: TcpSide): Record<string, unknown> {
  const d = s.stream;
  const x = s.data;
  return {
    frames: s.frames,
    bytes: s.frameBytes,
    segments: s.dataSegments,
    payload_bytes: s.payloadBytes,
    unique_bytes: d === null ? 0 : d.offset - d.gapBytes,
    retransmitted_bytes: d === null ? 0 : d.dupBytes,
    gap_bytes: d === null ? 0 : d.gapBytes,
    bytes_after_peer_fin: x.bytesAfterPeerFin,
    state: TCP_STATE_NAMES[s.state],
    mss: s.mss < 0 ? null : s.mss,
    window_scale: s.wscale < 0 ? null : s.wscale,
    sack_permitted: s.sackPermitted,
    timestamps: s.timestamps,
    ack_rtt_ms: x.rttCount === 0 ? null : { min: x.rttMinNs / 1e6, avg: x.rttSumNs / x.rttCount / 1e6, max: x.rttMaxNs / 1e6 },
    framing: d === null ? null : FRAMING_NAMES[d.framing],
    messages: d === null ? 0 : d.messages,
    coalesced_segments: d === null ? 0 : d.coalescedSegments,
    max_messages_in_segment: d === null ? 0 : d.maxMessagesInSegment,
    split_messages: d === null ? 0 : d.splitMessages,
    nagle_holds: x.nagleHolds,
    nagle_max_hold_ms: x.nagleHolds === 0 ? null : x.nagleMaxHoldNs / 1e6,
  };
}

/** The JSON object of one connection (one line of -z conn -T json). */
export function connObject(c: TcpConnection, evicted: boolean): Record<string, unknown> {
  const analysis: Record<string, number> = {};
  for (const [, key, bits] of COUNTS) analysis[key] = flagTotal(c, bits);
  const ep = (client: boolean): { ip: string; port: number } => {
    const a = client === c.clientIsA;
    return { ip: c.address(a), port: a ? c.aPort : c.bPort };
  };
  return {
    stream: c.stream,
    family: c.family,
    client: ep(true),
    server: ep(false),
    roles_guessed: c.midstream,
    first_frame: c.firstFrame,
    last_frame: c.lastFrame,
    start: Number((TIME_BASE + c.firstSec + c.firstNsec / 1e9).toFixed(9)),
    duration: Number(((c.lastSec - c.firstSec) + (c.lastNsec - c.firstNsec) / 1e9).toFixed(9)),
    handshake: {
      kind: c.handshake,
      syn_frame: c.client.synFrame || null,
      syns: c.client.synCount,
      synack_frame: c.synAckFrame || null,
      ack_frame: c.handshakeAckFrame || null,
      syn_to_synack_ms: c.synToSynAckNs < 0 ? null : c.synToSynAckNs / 1e6,
      synack_to_ack_ms: c.synAckToAckNs < 0 ? null : c.synAckToAckNs / 1e6,
      initial_rtt_ms: c.firstRttNs > 0 ? c.firstRttNs / 1e6 : null,
    },
    teardown: {
      kind: c.teardown,
      active_closer: c.activeCloser < 0 ? null : c.activeCloser === CLIENT ? 'client' : 'server',
      first_fin_frame: c.firstFinFrame || null,
      second_fin_frame: c.secondFinFrame || null,
      final_ack_frame: c.finalAckFrame || null,
      reset_by: c.resetBy < 0 ? null : c.resetBy === CLIENT ? 'client' : 'server',
      reset_frame: c.resetFrame || null,
      reset_phase: c.resetPhase || null,
    },
    history: c.history(),
    conn_state: c.connState(),
    client_to_server: sideObject(c.client),
    server_to_client: sideObject(c.server),
    analysis,
    evicted,
  };
}
