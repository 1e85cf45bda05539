/**
 * Blocking writes of a whole buffer to a descriptor, shared by the capture
 * writer (-w) and the text output (output/outbuf.ts), which sits above
 * capture in the import order.
 */
import * as fs from 'node:fs';

const SLEEPER = new Int32Array(new SharedArrayBuffer(4));

/**
 * Writes `buf[start, end)` to `fd`, all of it. A descriptor can be
 * non-blocking (a pipe its other end set so, `-w -` into a Node parent): on
 * EAGAIN the thread sleeps 2 ms before trying again instead of spinning a
 * core while the reader catches up. Any other error is thrown as it came,
 * with nothing said about how much was written: callers give up on the
 * buffer.
 */
export function writeFully(fd: number, buf: Uint8Array, start: number, end: number): void {
  let off = start;
  while (off < end) {
    try {
      off += fs.writeSync(fd, buf, off, end - off);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EAGAIN') throw e;
      Atomics.wait(SLEEPER, 0, 0, 2);
    }
  }
}
