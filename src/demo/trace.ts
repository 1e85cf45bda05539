/**
 * The application's own view of a conversation: every send() and recv() the
 * chat programs make, as data. The dashboard puts it beside the wire's view
 * ("three writes, one segment, one read"); `synack chat --trace FILE` writes it
 * as JSON lines.
 *
 * How Node's calls map onto the lessons' socket calls:
 * - `send`: one `socket.write()` (TCP) or `socket.send()` (UDP) by the program.
 *   Uncorked, libuv hands it to the kernel at once (one write(2)); corked, the
 *   writes wait in Node and leave together in one writev(2) at uncork, which
 *   is why they share a segment.
 * - `recv`: one 'data' (TCP) or 'message' (UDP) event. libuv emits one per
 *   read(2)/recvmsg(2), so `bytes` are the bytes the kernel returned together,
 *   exactly what `recv(1024)` would have returned (up to 64 KiB at a time).
 *   `messages` says how many whole messages the framing found completed by
 *   that read: 3 means three messages stuck together.
 */

/** Which program made the call. */
export type Side = 'server' | 'client';

export type TraceOp =
  /** server: listening (TCP) or bound (UDP) */
  | 'listen'
  /** client: the handshake completed (TCP) or the socket is connected (UDP) */
  | 'connect'
  /** server: accept() returned a connection */
  | 'accept'
  | 'send'
  | 'recv'
  /** shutdown(SHUT_WR): our FIN, the conversation continues in the other direction */
  | 'shutdown'
  /** recv() returned 0: the peer's FIN arrived */
  | 'eof'
  /** close(): our side ends the connection with a FIN */
  | 'close'
  /** the connection ended with a reset (ours: `--rst`; the peer's: ECONNRESET) */
  | 'reset'
  /** a call failed: connect refused, a port in use, a peer that vanished... */
  | 'error';

export interface TraceEvent {
  /** Wall-clock time, whole seconds since the epoch (the same clock tcpdump stamps packets with). */
  tsSec: number;
  /** Nanoseconds within the second. */
  tsNsec: number;
  side: Side;
  proto: 'tcp' | 'udp';
  /** Connection number on this side, from 1 (UDP: the peer's number, in order of first datagram). */
  conn: number;
  op: TraceOp;
  /** This end of the socket, `127.0.0.1:8080` or `[::1]:8080`. */
  local?: string;
  /** The other end. */
  remote?: string;
  /** send: bytes handed to the kernel; recv: bytes one read returned. */
  bytes?: number;
  /** The bytes as UTF-8 (first TEXT_LIMIT bytes). Captured text: sanitise before showing it. */
  text?: string;
  /** recv: whole messages this read completed (with `--framing none`, 1 per read). */
  messages?: number;
  /** send: this write waited in a cork and left in one writev with its neighbours. */
  corked?: boolean;
  /** error / reset: what happened, in one line. */
  note?: string;
}

export type TraceSink = (e: TraceEvent) => void;

/** The bytes a trace event keeps as text: enough to recognise a message, bounded for big writes. */
export const TEXT_LIMIT = 200;

// performance.timeOrigin is the wall clock at start-up with sub-millisecond
// precision; Date.now() would quantise every event to a whole millisecond,
// too coarse to order a send before the segment it produced.
const ORIGIN_MS = performance.timeOrigin;

/** Now, as [seconds, nanoseconds] on the wall clock. */
export function now(): [number, number] {
  const ms = ORIGIN_MS + performance.now();
  const sec = Math.floor(ms / 1000);
  const nsec = Math.min(999_999_999, Math.round((ms - sec * 1000) * 1e6));
  return [sec, nsec];
}

/** `127.0.0.1:8080`, `[::1]:8080`. */
export function endpoint(address: string | undefined, port: number | undefined): string {
  if (address === undefined || port === undefined) return '?';
  return address.includes(':') ? `[${address}]:${port}` : `${address}:${port}`;
}

/** UTF-8 text of the first TEXT_LIMIT bytes. */
export function traceText(data: Uint8Array): string {
  const n = Math.min(data.length, TEXT_LIMIT);
  return Buffer.from(data.buffer, data.byteOffset, n).toString('utf8');
}
