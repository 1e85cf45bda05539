/**
 * Application message framing over a TCP byte stream (the lessons' "sticky
 * packets"): TCP keeps no write boundaries, so messages are found by the
 * framing the application uses. A Framing is chosen per direction, either by
 * the user (--framing) or from the first bytes of that direction.
 */
import * as byteCounts from './bytecount';

// Module-local bindings for the per-packet code (see tcp.ts).
const { countControlBytes, countLineFeeds } = byteCounts;

const FRAMING_NONE = 0;
/** Messages end with '\n' (chat lines, HTTP headers, Redis inline commands). */
const FRAMING_LINES = 1;
/** A big-endian length of 1, 2 or 4 bytes, then that many bytes. */
const FRAMING_LENGTH1 = 2;
const FRAMING_LENGTH2 = 3;
const FRAMING_LENGTH4 = 4;
/** Every message has the same size. */
const FRAMING_FIXED = 5;
/** Not decided yet (auto detection waits for more bytes). */
const FRAMING_UNDECIDED = 6;
export { FRAMING_NONE, FRAMING_LINES, FRAMING_LENGTH1, FRAMING_LENGTH2, FRAMING_LENGTH4, FRAMING_FIXED, FRAMING_UNDECIDED };

export const FRAMING_NAMES = ['none', 'lines', 'length1', 'length2', 'length4', 'fixed', 'undecided'];

/** What --framing asked for. */
export interface FramingChoice {
  /** FRAMING_* or FRAMING_UNDECIDED for automatic detection. */
  kind: number;
  /** For FRAMING_FIXED: the message size. */
  size: number;
  /** For 'length' without a width: detect the width (1, 2 or 4) automatically. */
  lengthAnyWidth: boolean;
}

export const AUTO_FRAMING: FramingChoice = { kind: FRAMING_UNDECIDED, size: 0, lengthAnyWidth: false };

/** Parses --framing (auto, lines, length, length1/2/4, fixed:N, none); throws a one-line Error on a bad value. */
export function parseFraming(text: string | undefined): FramingChoice {
  const t = (text ?? 'auto').trim().toLowerCase();
  switch (t) {
    case 'auto':
      return AUTO_FRAMING;
    case 'lines':
    case 'line':
    case 'newline':
      return { kind: FRAMING_LINES, size: 0, lengthAnyWidth: false };
    case 'length':
      return { kind: FRAMING_UNDECIDED, size: 0, lengthAnyWidth: true };
    case 'length1':
      return { kind: FRAMING_LENGTH1, size: 0, lengthAnyWidth: false };
    case 'length2':
      return { kind: FRAMING_LENGTH2, size: 0, lengthAnyWidth: false };
    case 'length4':
      return { kind: FRAMING_LENGTH4, size: 0, lengthAnyWidth: false };
    case 'none':
      return { kind: FRAMING_NONE, size: 0, lengthAnyWidth: false };
  }
  const m = /^fixed:(\d+)$/.exec(t);
  if (m !== null && Number(m[1]) > 0 && Number(m[1]) <= 1 << 24) return { kind: FRAMING_FIXED, size: Number(m[1]), lengthAnyWidth: false };
  throw new Error(`--framing ${text}: use auto, lines, length, length1, length2, length4, fixed:N or none`);
}

/** Bytes auto detection looks at before settling on 'none'. */
const DETECT_BYTES = 2048;
export { DETECT_BYTES };
/** Largest message a length prefix may announce before the guess is rejected (4-byte prefixes). */
const MAX_PREFIXED_MESSAGE = 1 << 24;

function prefixWidth(kind: number): number {
  return kind === FRAMING_LENGTH1 ? 1 : kind === FRAMING_LENGTH2 ? 2 : 4;
}

function readPrefix(b: Uint8Array, p: number, w: number): number {
  if (w === 1) return b[p];
  if (w === 2) return (b[p] << 8) | b[p + 1];
  return ((b[p] << 24) | (b[p + 1] << 16) | (b[p + 2] << 8) | b[p + 3]) >>> 0;
}

/**
 * Walks length prefixes of width `w` over b[from, n): the number of complete
 * messages when the walk ends exactly at n, else -1 (a prefix that runs past
 * the bytes seen cannot be confirmed yet).
 */
function exactPrefixWalk(b: Uint8Array, from: number, n: number, w: number): number {
  let p = from;
  let msgs = 0;
  while (p < n) {
    if (p + w > n) return -1;
    const len = readPrefix(b, p, w);
    if (len > MAX_PREFIXED_MESSAGE) return -1;
    p += w + len;
    if (p > n) return -1;
    msgs++;
  }
  return msgs;
}

/** Mostly printable text (at most a tenth control bytes: tab, CR and LF are text), and it has a line feed. */
function looksLikeLines(b: Uint8Array, from: number, n: number): boolean {
  return countControlBytes(b, from, n) * 10 <= n - from && countLineFeeds(b, from, n) > 0;
}

/**
 * Guesses the framing from the first `n` bytes of a direction, at b[from,
 * from + n) (the bytes gathered so far, or a first segment's payload in place). Returns
 * FRAMING_UNDECIDED while the bytes do not settle it and `final` is false.
 * Length prefixes are tried widest first and must account for the bytes
 * exactly (a 4-byte length of "hello" would be 1.7 GB: rejected); lines need
 * text with a line feed; a 1-byte length needs two messages to be believed.
 */
export function detectFraming(b: Uint8Array, n: number, final: boolean, choice: FramingChoice, from = 0): number {
  if (n === 0) return final ? FRAMING_NONE : FRAMING_UNDECIDED;
  const end = from + n;
  const w4 = exactPrefixWalk(b, from, end, 4);
  if (w4 >= 1 && b[from] === 0) return FRAMING_LENGTH4;
  const w2 = exactPrefixWalk(b, from, end, 2);
  if (w2 >= 1 && (w2 >= 2 || b[from] === 0 || choice.lengthAnyWidth)) return FRAMING_LENGTH2;
  if (!choice.lengthAnyWidth && looksLikeLines(b, from, end)) return FRAMING_LINES;
  const w1 = exactPrefixWalk(b, from, end, 1);
  if (w1 >= 2 || (w1 >= 1 && choice.lengthAnyWidth)) return FRAMING_LENGTH1;
  if (w4 >= 1) return FRAMING_LENGTH4;
  if (n >= DETECT_BYTES || final) return choice.lengthAnyWidth ? FRAMING_LENGTH4 : FRAMING_NONE;
  return FRAMING_UNDECIDED;
}

/** Receives message boundaries as stream offsets (bytes since the direction's first byte), to record them. */
export interface MessageSink {
  messageStart(offset: number): void;
  /** `offset` is one past the message's last byte. */
  messageEnd(offset: number): void;
}

/**
 * Splits a byte stream into messages as bytes arrive in order. For each
 * chunk (the new bytes of one segment) it counts messages starting and ending
 * in it, notes whether the chunk begins or ends inside a message, and tells
 * the sink where each message starts and ends.
 */
export class MessageSplitter {
  kind = FRAMING_NONE;
  fixedSize = 0;
  /** Inside a message (its first byte seen, its last not yet). */
  inMessage = false;
  /** Bytes still to come in the current message (length / fixed framings). */
  remaining = 0;
  /** Length prefix gathered so far (a prefix can be split across segments). */
  private prefix = 0;
  private prefixHave = 0;

  // Results of the last `feed`:
  started = 0;
  ended = 0;
  beganInside = false;
  endsInside = false;

  reset(kind: number, fixedSize: number): void {
    this.kind = kind;
    this.fixedSize = fixedSize;
    this.inMessage = false;
    this.remaining = 0;
    this.prefix = 0;
    this.prefixHave = 0;
  }

  /**
   * Bytes were lost: a length or fixed framing cannot find the next boundary
   * any more (framing becomes 'none'); lines resynchronise at the next line feed.
   */
  gap(): void {
    this.remaining = 0;
    this.prefixHave = 0;
    this.prefix = 0;
    if (this.kind !== FRAMING_LINES) {
      this.kind = FRAMING_NONE;
      this.inMessage = false;
    }
  }

  /**
   * Feeds b[p, p + n), whose first byte is at stream offset `at`. `sink`
   * hears each boundary; null when nobody records message positions (the
   * command line's counts): lines are then only counted, not walked one by one.
   */
  feed(b: Uint8Array, p: number, n: number, at: number, sink: MessageSink | null): void {
    // `inMessage === true`, not a bare test: V8 does not know the field holds only booleans and would
    // test it as any value (a dozen instructions each time).
    this.started = 0;
    this.ended = 0;
    this.beganInside = this.inMessage;
    const end = p + n;
    const base = at - p;
    switch (this.kind) {
      case FRAMING_LINES: {
        if (n <= 0) break;
        if (sink === null) {
          // A message starts at the first byte (unless one is open) and after every line feed but a last one.
          const lfs = countLineFeeds(b, p, end);
          const lastIsLf = b[end - 1] === 0x0a;
          this.started = (this.inMessage === true ? 0 : 1) + lfs - (lastIsLf ? 1 : 0);
          this.ended = lfs;
          this.inMessage = !lastIsLf;
          break;
        }
        // indexOf is the native memchr: bulk transfers are scanned at memory speed.
        let i = p;
        while (i < end) {
          if (this.inMessage !== true) {
            this.inMessage = true;
            this.started++;
            sink.messageStart(base + i);
          }
          const lf = b.indexOf(0x0a, i);
          if (lf < 0 || lf >= end) break;
          this.inMessage = false;
          this.ended++;
          sink.messageEnd(base + lf + 1);
          i = lf + 1;
        }
        break;
      }
      case FRAMING_LENGTH1:
      case FRAMING_LENGTH2:
      case FRAMING_LENGTH4:
      case FRAMING_FIXED: {
        const fixed = this.kind === FRAMING_FIXED;
        const w = fixed ? 0 : prefixWidth(this.kind);
        let i = p;
        while (i < end) {
          if (this.inMessage !== true) {
            this.inMessage = true;
            this.started++;
            sink?.messageStart(base + i);
            this.prefixHave = 0;
            this.prefix = 0;
            this.remaining = fixed ? this.fixedSize : 0;
          }
          if (this.prefixHave < w) {
            this.prefix = this.prefix * 256 + b[i];
            this.prefixHave++;
            i++;
            if (this.prefixHave === w) {
              this.remaining = this.prefix;
              if (this.remaining === 0) {
                this.inMessage = false;
                this.ended++;
                sink?.messageEnd(base + i);
              }
            }
            continue;
          }
          const take = this.remaining < end - i ? this.remaining : end - i;
          i += take;
          this.remaining -= take;
          if (this.remaining === 0) {
            this.inMessage = false;
            this.ended++;
            sink?.messageEnd(base + i);
          }
        }
        break;
      }
      default:
        break;
    }
    this.endsInside = this.inMessage;
  }
}
