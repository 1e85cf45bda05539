/**
 * A capture file read with synchronous positioned reads of large chunks:
 * the fastest way Node has to move bytes from the page cache into a buffer
 * (a stream adds a Buffer and an event per 64 KiB). The loop yields to the
 * event loop every few milliseconds so that Ctrl-C, `stop()` and a screen
 * refresh still get their turn while a large file loads.
 */
import * as fs from 'node:fs';
import { releaseReadBuffer, SLOT_BYTES, takeReadBuffer } from './arena';
import { CaptureError, type FrameSink, type PacketSource, type Progress, type SourceEnd } from './frame';
import { CaptureParser, ParsingSource } from './parser';
import { FrameReader } from './random';

/** Bytes per read: large enough that syscalls cost nothing, small enough to stay in cache. */
export const FILE_CHUNK = SLOT_BYTES;
/** Longest stretch of synchronous reading before the event loop gets a turn. */
const YIELD_MS = 16;

export class FileSource extends ParsingSource implements PacketSource {
  readonly kind = 'file' as const;
  private closed = false;

  constructor(
    readonly name: string,
    private readonly fd: number,
    /** File size when opened (progress). */
    readonly size: number,
    /** Whether to close `fd` when reading ends (not for standard input). */
    private readonly ownsFd = true,
    private readonly chunkSize = FILE_CHUNK,
  ) {
    super();
  }

  progress(): Progress {
    return { bytes: this.consumed, total: this.size };
  }

  stop(): void {
    this.stopRequested = true;
    if (this.parser !== null) this.parser.stop();
  }

  async run(sink: FrameSink): Promise<SourceEnd> {
    const parser = (this.parser = new CaptureParser(sink, this.name));
    if (this.stopRequested) parser.stop();
    // In the arena (arena.ts) when it is the standard size: the analysis counts bytes there in place.
    const buf = this.chunkSize === SLOT_BYTES ? takeReadBuffer() : Buffer.allocUnsafe(this.chunkSize);
    let pos = 0;
    let lastYield = performance.now();
    let end: SourceEnd | null = null;
    try {
      while (end === null) {
        let n: number;
        try {
          n = fs.readSync(this.fd, buf, 0, buf.length, this.ownsFd ? pos : null);
        } catch (e) {
          const err = new CaptureError(`read failed: ${(e as Error).message}`, this.name, pos, parser.delivered + 1);
          end = { kind: 'error', error: err };
          break;
        }
        if (n === 0) {
          const err = parser.finish();
          end = err !== null ? { kind: 'error', error: err } : this.stopRequested ? { kind: 'stopped' } : { kind: 'eof' };
          break;
        }
        pos += n;
        if (!parser.feed(buf, 0, n)) {
          const err = parser.error;
          end = err !== null ? { kind: 'error', error: err } : { kind: 'stopped' };
          break;
        }
        const now = performance.now();
        if (now - lastYield >= YIELD_MS) {
          await new Promise<void>((resolve) => setImmediate(resolve));
          lastYield = performance.now();
          if (this.stopRequested) end = { kind: 'stopped' };
        }
      }
    } finally {
      releaseReadBuffer(buf);
      this.close();
    }
    return end;
  }

  private close(): void {
    if (this.closed || !this.ownsFd) return;
    this.closed = true;
    try {
      fs.closeSync(this.fd);
    } catch {
      // already closed: nothing to release
    }
  }

  /**
   * A reader that re-reads any frame of this file given its recordOffset,
   * sharing the pcapng interface tables this source has parsed so far.
   */
  frameReader(): FrameReader {
    const inner = this.parser === null ? null : this.parser.inner;
    return new FrameReader(this.name, inner);
  }
}

/** Why a path cannot be opened, in the user's terms. */
export function openErrorMessage(e: unknown): string {
  const code = (e as NodeJS.ErrnoException).code;
  switch (code) {
    case 'ENOENT':
      return 'no such file';
    case 'EACCES':
    case 'EPERM':
      return 'permission denied';
    case 'EISDIR':
      return 'is a directory, not a capture file';
    default:
      return (e as Error).message;
  }
}
