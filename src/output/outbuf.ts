/**
 * A byte buffer that formats straight into memory and writes in large blocks.
 * Printing millions of lines is the hot path of `-T fields` and the summary:
 * formatting numbers and addresses as bytes (no intermediate strings) is what
 * keeps synack ahead of tshark and tcpdump.
 */
import { writeFully } from '../capture/fdwrite';
import { ipv6Ipv4Prefix, ipv6ZeroRun } from '../decode/treekit';
import { isUnsafe } from './sanitize';

const HEX = [48, 49, 50, 51, 52, 53, 54, 55, 56, 57, 97, 98, 99, 100, 101, 102];
/** ASCII of "00" .. "99": integers are written two digits at a time. */
const DIGIT_PAIRS = new Uint8Array(200);
for (let i = 0; i < 100; i++) {
  DIGIT_PAIRS[i * 2] = 48 + ((i / 10) | 0);
  DIGIT_PAIRS[i * 2 + 1] = 48 + (i % 10);
}

/** Thrown (once) when the reader of standard output went away: `synack ... | head`. */
export class OutputClosed extends Error {
  constructor() {
    super('output closed');
  }
}

export class OutBuf {
  buf: Buffer;
  pos = 0;

  /** `fd` < 0 collects into memory (tests, the dashboard) instead of writing. */
  constructor(private readonly fd: number = 1, size = 1 << 17) {
    this.buf = Buffer.allocUnsafe(size);
  }

  /** Makes room for `n` more bytes, flushing (or growing, in memory) as needed. */
  private room(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    if (this.fd >= 0) this.flush();
    if (this.pos + n > this.buf.length) {
      const bigger = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.pos + n));
      this.buf.copy(bigger, 0, 0, this.pos);
      this.buf = bigger;
    }
  }

  /**
   * Makes sure the next `n` bytes fit without a flush, so a writer may move
   * or overwrite what it wrote since a mark (the summary aligns its columns so).
   */
  reserve(n: number): void {
    this.room(n);
  }

  /** Writes what is buffered. Blocks while a pipe is full; throws OutputClosed on EPIPE. */
  flush(): void {
    try {
      // stdout can be a non-blocking pipe (set so by a parent): writeFully waits on EAGAIN.
      writeFully(this.fd, this.buf, 0, this.pos);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EPIPE') throw e;
      this.pos = 0;
      throw new OutputClosed();
    }
    this.pos = 0;
  }

  /** Everything collected so far (for fd < 0), as a string. */
  text(): string {
    return this.buf.toString('utf8', 0, this.pos);
  }

  clear(): void {
    this.pos = 0;
  }

  byte(b: number): void {
    if (this.pos >= this.buf.length) this.room(1);
    this.buf[this.pos++] = b;
  }

  /** A string the program itself wrote (labels, separators): trusted, ASCII or UTF-8. */
  ascii(s: string): void {
    const n = s.length;
    this.room(n * 3);
    for (let i = 0; i < n; i++) {
      const c = s.charCodeAt(i);
      if (c < 0x80) this.buf[this.pos++] = c;
      else {
        this.pos += this.buf.write(s.slice(i), this.pos, 'utf8');
        return;
      }
    }
  }

  /**
   * Text that came from a packet: every control character escaped as tshark
   * does (\n, \r, \t, \xNN), so a payload can never drive the terminal.
   */
  text8(s: string): void {
    const n = s.length;
    this.room(n * 6);
    for (let i = 0; i < n; i++) {
      const c = s.charCodeAt(i);
      if (c >= 0x20 && c < 0x7f) {
        this.buf[this.pos++] = c;
      } else if (isUnsafe(c)) {
        this.escape(c);
      } else {
        this.pos += this.buf.write(s[i], this.pos, 'utf8');
      }
    }
  }

  private escape(c: number): void {
    this.buf[this.pos++] = 0x5c; // backslash
    if (c === 0x0a) this.buf[this.pos++] = 0x6e;
    else if (c === 0x0d) this.buf[this.pos++] = 0x72;
    else if (c === 0x09) this.buf[this.pos++] = 0x74;
    else if (c <= 0xff) {
      this.buf[this.pos++] = 0x78;
      this.buf[this.pos++] = HEX[c >> 4];
      this.buf[this.pos++] = HEX[c & 15];
    } else {
      this.buf[this.pos++] = 0x75;
      for (let s = 12; s >= 0; s -= 4) this.buf[this.pos++] = HEX[(c >> s) & 15];
    }
  }

  /** Non-negative integer in decimal. */
  uint(n: number): void {
    this.room(20);
    if (n < 10) {
      this.buf[this.pos++] = 48 + n;
      return;
    }
    if (n > 0xffffffff) {
      this.ascii(String(n));
      return;
    }
    // The hot path of every output mode (sequence numbers, ports, lengths):
    // comparisons for the digit count, 32-bit integer division for the digits.
    const digits =
      n < 100 ? 2 : n < 1000 ? 3 : n < 10000 ? 4 : n < 100000 ? 5 : n < 1000000 ? 6 : n < 10000000 ? 7 : n < 100000000 ? 8 : n < 1000000000 ? 9 : 10;
    const buf = this.buf;
    let p = this.pos + digits;
    this.pos = p;
    let v = n;
    if (v > 0x7fffffff) {
      const q = Math.floor(v / 100);
      const r = (v - q * 100) * 2;
      buf[--p] = DIGIT_PAIRS[r + 1];
      buf[--p] = DIGIT_PAIRS[r];
      v = q;
    }
    // Two digits per division.
    while (v >= 100) {
      const q = (v / 100) | 0;
      const r = (v - q * 100) * 2;
      buf[--p] = DIGIT_PAIRS[r + 1];
      buf[--p] = DIGIT_PAIRS[r];
      v = q;
    }
    if (v >= 10) {
      buf[--p] = DIGIT_PAIRS[v * 2 + 1];
      buf[--p] = DIGIT_PAIRS[v * 2];
    } else buf[--p] = 48 + v;
  }

  int(n: number): void {
    if (n < 0) {
      this.byte(0x2d);
      this.uint(-n);
    } else this.uint(n);
  }

  /** Integer padded with zeros to `width` digits (fractions of a second). */
  uintPad(n: number, width: number): void {
    this.room(width);
    let p = this.pos + width;
    this.pos = p;
    let v = n;
    for (let i = 0; i < width; i++) {
      const q = Math.floor(v / 10);
      this.buf[--p] = 48 + (v - q * 10);
      v = q;
    }
  }

  /** Lower-case hex with exactly `width` digits (no prefix). */
  hex(n: number, width: number): void {
    this.room(width);
    for (let s = (width - 1) * 4; s >= 0; s -= 4) {
      this.buf[this.pos++] = HEX[s >= 32 ? Math.floor(n / 2 ** s) & 15 : (n >>> s) & 15];
    }
  }

  /** 0x-prefixed hex, as tshark prints BASE_HEX fields. */
  hex0x(n: number, width: number): void {
    this.byte(48);
    this.byte(120);
    this.hex(n, width);
  }

  /** Dotted quad from 4 bytes. */
  ipv4(data: Uint8Array, p: number): void {
    this.room(16);
    this.uint(data[p]);
    this.buf[this.pos++] = 46;
    this.uint(data[p + 1]);
    this.buf[this.pos++] = 46;
    this.uint(data[p + 2]);
    this.buf[this.pos++] = 46;
    this.uint(data[p + 3]);
  }

  /** Dotted quad from an unsigned 32-bit value. */
  ipv4Value(v: number): void {
    this.uint(v >>> 24);
    this.byte(46);
    this.uint((v >>> 16) & 255);
    this.byte(46);
    this.uint((v >>> 8) & 255);
    this.byte(46);
    this.uint(v & 255);
  }

  /** aa:bb:cc:dd:ee:ff from `n` bytes (6 for MAC addresses). */
  colonHex(data: Uint8Array, p: number, n: number): void {
    this.room(n * 3);
    for (let i = 0; i < n; i++) {
      if (i > 0) this.buf[this.pos++] = 58;
      const b = data[p + i];
      this.buf[this.pos++] = HEX[b >> 4];
      this.buf[this.pos++] = HEX[b & 15];
    }
  }

  /** Plain lower-case hex of `n` bytes, no separators (tshark's FT_BYTES in -T fields is colon-less? see output/fields). */
  hexBytes(data: Uint8Array, p: number, n: number): void {
    this.room(n * 2);
    for (let i = 0; i < n; i++) {
      const b = data[p + i];
      this.buf[this.pos++] = HEX[b >> 4];
      this.buf[this.pos++] = HEX[b & 15];
    }
  }

  /** RFC 5952 text form of 16 address bytes (longest zero run compressed, lower case). */
  ipv6(data: Uint8Array, p: number): void {
    const run = ipv6ZeroRun(data, p);
    const v4 = ipv6Ipv4Prefix(data, p, run);
    if (v4 !== null) {
      this.ascii(v4);
      this.ipv4(data, p + 12);
      return;
    }
    const bestStart = run < 0 ? -1 : run >> 4;
    const bestLen = run & 15;
    this.room(40);
    for (let g = 0; g < 8; g++) {
      if (g === bestStart) {
        this.buf[this.pos++] = 58;
        if (g === 0) this.buf[this.pos++] = 58;
        g += bestLen - 1;
        continue;
      }
      const v = (data[p + 2 * g] << 8) | data[p + 2 * g + 1];
      let started = false;
      for (let s = 12; s >= 0; s -= 4) {
        const d = (v >> s) & 15;
        if (d !== 0 || started || s === 0) {
          this.buf[this.pos++] = HEX[d];
          started = true;
        }
      }
      if (g < 7) this.buf[this.pos++] = 58;
    }
  }

  /**
   * Seconds and nanoseconds as "S.NNNNNNNNN" (tshark's frame.time_epoch). A
   * damaged pcap record can carry a fraction of 10^9 or more, or (after
   * wiretap's 32-bit arithmetic) a negative one, and pcapng's if_tsoffset a
   * negative second: printed as tshark 4.0 prints them (all digits; a
   * negative fraction as a leading sign).
   */
  secNanos(sec: number, nsec: number): void {
    this.signedTime(sec, nsec, 9);
  }

  /**
   * wsutil's display_signed_time(): seconds, a point and `frac` (a count of
   * 10^-digits seconds, of the seconds' sign) zero-padded to `digits`, the
   * sign in front when only the fraction carries it.
   */
  signedTime(sec: number, frac: number, digits: number): void {
    if (frac < 0) {
      frac = -frac;
      if (sec >= 0) this.byte(0x2d);
    }
    if (sec < 0) {
      this.byte(0x2d);
      sec = -sec;
    }
    this.uint(sec);
    this.byte(46);
    // A damaged fraction of a whole second or more keeps all its digits, as printf's %09d does.
    if (frac < 10 ** digits) this.uintPad(frac, digits);
    else this.uint(frac);
  }

  /** A signed nanosecond count as seconds with 9 decimals ("-0.000001000"). */
  nanosAsSeconds(ns: number): void {
    if (ns < 0) {
      this.byte(0x2d);
      ns = -ns;
    }
    const sec = Math.floor(ns / 1e9);
    this.secNanos(sec, ns - sec * 1e9);
  }
}
