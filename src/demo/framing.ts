/**
 * How the chat marks where one message ends, the lessons' cure for "sticky
 * packets": TCP delivers a byte stream, so two send()s may come out of one
 * recv() (or one send() out of two). UDP needs none of this: each datagram is
 * one message.
 *
 * - `lines`: each message ends with '\n' (what a person types).
 * - `length`: a 2-byte big-endian length, then the message (at most 65535
 *   bytes). synack's analysis recognises both (`--framing lines|length2`).
 * - `none`: no framing, as in the lessons: whatever one recv() returned is
 *   shown as one message, so a burst shows up stuck together. The same word
 *   as the inspector's `--framing none`; `raw`, its first name here, is
 *   still taken.
 */

export type Framing = 'lines' | 'length' | 'none';

export const FRAMINGS: readonly Framing[] = ['lines', 'length', 'none'];

/** The framing a `--framing` word names (`raw` is `none`), or null. */
export function parseFraming(word: string): Framing | null {
  if (word === 'raw') return 'none';
  return (FRAMINGS as readonly string[]).includes(word) ? (word as Framing) : null;
}

/**
 * The longest message either framing carries. `length` cannot say more in its
 * 2-byte prefix; `lines` uses the same bound so a peer that never sends a
 * newline cannot make the reader buffer without end.
 */
export const MAX_MESSAGE = 65535;

const NEWLINE = 0x0a;

function isPrintable(b: number): boolean {
  return b >= 0x20 && b < 0x7f;
}

/** Why `text` cannot be sent with this framing, or null when it can. */
export function cannotFrame(framing: Framing, data: Uint8Array): string | null {
  if (framing === 'none') return null;
  if (data.length > MAX_MESSAGE) {
    const why = framing === 'length' ? 'its 2-byte length prefix' : 'the line limit the reader enforces';
    return `a message of ${data.length} bytes is longer than --framing ${framing} allows (${MAX_MESSAGE} bytes: ${why}); not sent`;
  }
  if (framing === 'lines' && data.includes(NEWLINE)) return 'a message for --framing lines cannot contain a newline; not sent';
  return null;
}

/** The bytes that go on the wire for one message (check `cannotFrame` first). */
export function frameMessage(framing: Framing, data: Uint8Array): Buffer {
  if (framing === 'none') return Buffer.from(data);
  if (framing === 'lines') {
    const out = Buffer.allocUnsafe(data.length + 1);
    out.set(data, 0);
    out[data.length] = NEWLINE;
    return out;
  }
  const out = Buffer.allocUnsafe(data.length + 2);
  out.writeUInt16BE(data.length, 0);
  out.set(data, 2);
  return out;
}

/** What one recv() gave the reader: the messages it completed, or why the stream makes no sense. */
export interface ReadResult {
  messages: Buffer[];
  /** The peer broke the framing (a line over MAX_MESSAGE); the reader should close. */
  error?: string;
}

/** Cuts a byte stream into messages. */
export class MessageReader {
  private held: Buffer = Buffer.alloc(0);

  constructor(readonly framing: Framing) {}

  /** Bytes of an unfinished message waiting for the rest. */
  get pendingBytes(): number {
    return this.held.length;
  }

  /**
   * For the peer-vanished message: how much of how much arrived, and a hint
   * when the bytes suggest the two sides disagree on the framing (the
   * mistake of starting one side with --framing length and not the other).
   */
  describePending(): string {
    const held = this.held;
    if (this.framing === 'length') {
      if (held.length < 2) return '1 of the 2 bytes of a length prefix received';
      const got = `${held.length - 2} of ${held.readUInt16BE(0)} bytes of a message received`;
      // "hello" read as a length prefix says 26725 bytes ("he") are to come.
      return isPrintable(held[0]) && isPrintable(held[1]) ? `${got}; the length prefix reads as text: does the peer use --framing lines?` : got;
    }
    const got = `${held.length} bytes of a line without its newline received`;
    // A short length-prefixed message starts with a zero byte, which typed text never holds.
    return held.length >= 2 && held[0] === 0 ? `${got}; they start with a zero byte, as a length prefix does: does the peer use --framing length?` : got;
  }

  push(chunk: Buffer): ReadResult {
    if (this.framing === 'none') return { messages: chunk.length > 0 ? [chunk] : [] };
    const buf = this.held.length === 0 ? chunk : Buffer.concat([this.held, chunk]);
    const messages: Buffer[] = [];
    let at = 0;
    if (this.framing === 'lines') {
      for (;;) {
        const nl = buf.indexOf(NEWLINE, at);
        if (nl < 0) break;
        messages.push(buf.subarray(at, nl));
        at = nl + 1;
      }
      if (buf.length - at > MAX_MESSAGE) {
        this.held = Buffer.alloc(0);
        return { messages, error: `the peer sent more than ${MAX_MESSAGE} bytes without a newline (the line limit of --framing lines)` };
      }
    } else {
      while (buf.length - at >= 2) {
        const len = buf.readUInt16BE(at);
        if (buf.length - at - 2 < len) break;
        messages.push(buf.subarray(at + 2, at + 2 + len));
        at += 2 + len;
      }
    }
    // Copy the tail so the chunk it came from is not kept alive by a few bytes.
    this.held = at === buf.length ? Buffer.alloc(0) : Buffer.from(buf.subarray(at));
    return { messages };
  }
}
