/**
 * `-x`: the frame's bytes as tshark 4.0 prints them: an offset, sixteen bytes
 * in hex, and the same bytes as ASCII with every non-printable byte shown as
 * a dot, so a payload cannot reach the terminal (esc.pcap's escape sequences
 * come out as dots).
 *
 *   0000  00 00 00 00 00 00 00 00 00 00 00 00 08 00 45 00   ..............E.
 */
import { asciiByte } from './sanitize';
import type { OutBuf } from './outbuf';

const BYTES_PER_LINE = 16;
/** Hex column width: "xx " per byte. */
const HEX_WIDTH = BYTES_PER_LINE * 3;

/** Writes `length` bytes of `data` from `start`, one line per 16, then the blank line tshark leaves after a frame. */
export function writeHexDump(out: OutBuf, data: Uint8Array, start: number, length: number): void {
  writeHexLines(out, data, start, length);
  out.byte(10);
}

/** The hex lines alone (offsets from 0): -V shows a Data layer's bytes so when -x does not follow. */
export function writeHexLines(out: OutBuf, data: Uint8Array, start: number, length: number): void {
  // tshark widens the offset column for frames beyond 64 KiB.
  const digits = length > 0xffff ? 8 : 4;
  for (let off = 0; off < length; off += BYTES_PER_LINE) {
    const n = Math.min(BYTES_PER_LINE, length - off);
    out.hex(off, digits);
    out.byte(32);
    out.byte(32);
    for (let i = 0; i < n; i++) {
      out.hex(data[start + off + i], 2);
      out.byte(32);
    }
    for (let i = n * 3; i < HEX_WIDTH; i++) out.byte(32);
    out.byte(32);
    out.byte(32);
    for (let i = 0; i < n; i++) out.byte(asciiByte(data[start + off + i]));
    out.byte(10);
  }
}
