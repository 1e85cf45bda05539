/**
 * Hex and ASCII lines of a frame, with the selected field's bytes marked:
 * each line is a list of spans, so the screen can draw the highlighted ones
 * inverted. The ASCII column shows printable ASCII only (asciiByte): a
 * payload cannot reach the terminal through it.
 */
import { asciiByte } from '../../output/sanitize';

export interface HexSpan {
  text: string;
  hl: boolean;
}

const HEX = '0123456789abcdef';

/** Bytes per line that fit `width` cells: 16 as tshark -x, else 8. */
export function hexBytesPerLine(width: number): number {
  return width >= 6 + 16 * 3 + 2 + 16 ? 16 : 8;
}

/**
 * Lines for bytes data[start, start+len), frame-relative offsets, with
 * [hlStart, hlStart+hlLen) marked.
 */
export function hexLines(data: Uint8Array, start: number, len: number, hlStart: number, hlLen: number, perLine: number): HexSpan[][] {
  const lines: HexSpan[][] = [];
  const hlEnd = hlStart + hlLen;
  for (let off = 0; off < len; off += perLine) {
    const spans: HexSpan[] = [{ text: off.toString(16).padStart(4, '0') + '  ', hl: false }];
    const n = Math.min(perLine, len - off);
    // Hex column, then ASCII column; runs of equal highlight become one span.
    const pushRun = (col: (i: number) => string, sepAfter8: boolean): void => {
      let cur = '';
      let curHl = false;
      for (let i = 0; i < perLine; i++) {
        const o = off + i;
        const hl = i < n && o >= hlStart && o < hlEnd;
        let piece = i < n ? col(o) : col(-1);
        if (sepAfter8 && i === 7 && perLine === 16) piece += ' ';
        if (hl !== curHl && cur !== '') {
          spans.push({ text: cur, hl: curHl });
          cur = '';
        }
        curHl = hl;
        cur += piece;
      }
      if (cur !== '') spans.push({ text: cur, hl: curHl });
    };
    pushRun((o) => {
      if (o < 0) return '   ';
      const b = data[start + o];
      return HEX[b >> 4] + HEX[b & 15] + ' ';
    }, true);
    spans.push({ text: ' ', hl: false });
    pushRun((o) => (o < 0 ? '' : String.fromCharCode(asciiByte(data[start + o]))), false);
    lines.push(spans);
  }
  return lines;
}
