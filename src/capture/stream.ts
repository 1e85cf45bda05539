/**
 * A capture arriving on a stream (standard input, a named pipe): every
 * 'data' event is parsed at once, so `tcpdump -U -w - | synack -r -` shows a
 * frame as soon as its last byte arrives. Parsing runs inside the event, and
 * the stream delivers the next chunk only after it returns, so memory stays
 * at one chunk plus one carried record however long the stream runs.
 */
import * as fs from 'node:fs';
import type { Readable } from 'node:stream';
import { CaptureError, type FrameSink, type PacketSource, type Progress, type SourceEnd } from './frame';
import { CaptureParser } from './parser';

const DRAIN_CHUNK = 1 << 20;

export class StreamSource implements PacketSource {
  readonly kind: 'stdin' | 'file';
  private parser: CaptureParser | null = null;
  private finishRun: ((end: SourceEnd) => void) | null = null;
  private stopRequested = false;

  constructor(
    readonly name: string,
    private readonly stream: Readable,
    kind: 'stdin' | 'file' = 'stdin',
    /**
     * A non-blocking descriptor behind `stream` (standard input on a pipe or
     * socket: libuv makes it non-blocking). After each 'data' event, whatever
     * else is already waiting is read straight from it into one reused buffer:
     * a 'data' event costs a fresh 64 KiB Buffer and an event, which made a
     * pipe 2-3 times slower than a file. Reads stop at EAGAIN, so a live stream
     * is never waited on here.
     */
    private readonly drainFd = -1,
  ) {
    this.kind = kind;
  }

  get linkType(): number {
    return this.parser === null ? -1 : this.parser.linkType;
  }

  get nanosecond(): boolean {
    return this.parser !== null && this.parser.nanosecond;
  }

  progress(): Progress {
    return { bytes: this.parser === null ? 0 : this.parser.consumed, total: -1 };
  }

  stop(): void {
    this.stopRequested = true;
    if (this.parser !== null) this.parser.stop();
    if (this.finishRun !== null) this.finishRun({ kind: 'stopped' });
  }

  run(sink: FrameSink): Promise<SourceEnd> {
    const parser = (this.parser = new CaptureParser(sink, this.name));
    const stream = this.stream;
    return new Promise<SourceEnd>((resolve) => {
      let done = false;
      const finish = (end: SourceEnd): void => {
        if (done) return;
        done = true;
        this.finishRun = null;
        stream.off('data', onData);
        stream.off('end', onEnd);
        stream.off('error', onError);
        // Nothing more is wanted from the stream; let the process exit.
        stream.pause();
        stream.destroy();
        resolve(end);
      };
      const drain = this.drainFd >= 0 ? Buffer.allocUnsafe(DRAIN_CHUNK) : null;
      const onData = (chunk: Buffer): void => {
        let going = parser.feed(chunk, 0, chunk.length);
        while (going && drain !== null) {
          let n: number;
          try {
            n = fs.readSync(this.drainFd, drain, 0, drain.length, null);
          } catch {
            break; // EAGAIN: nothing more yet (other errors reach the stream too)
          }
          if (n === 0) break; // the end: the stream sees it next and says 'end'
          going = parser.feed(drain, 0, n);
        }
        if (going) return;
        const err = parser.error;
        finish(err !== null ? { kind: 'error', error: err } : { kind: 'stopped' });
      };
      const onEnd = (): void => {
        const err = parser.finish();
        finish(err !== null ? { kind: 'error', error: err } : { kind: 'eof' });
      };
      const onError = (e: Error): void => {
        finish({ kind: 'error', error: new CaptureError(`read failed: ${e.message}`, this.name, parser.consumed, parser.delivered + 1) });
      };
      this.finishRun = finish;
      if (this.stopRequested) {
        finish({ kind: 'stopped' });
        return;
      }
      stream.on('data', onData);
      stream.once('end', onEnd);
      stream.once('error', onError);
      stream.resume();
    });
  }
}
