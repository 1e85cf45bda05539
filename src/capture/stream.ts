/**
 * A capture arriving on a stream (standard input, a named pipe): every chunk
 * is parsed as it arrives, so `tcpdump -U -w - | synack -r -` shows a frame
 * as soon as its last byte does. Parsing runs inside the read callback, and
 * nothing is read while it runs, so memory stays at one buffer plus one
 * carried record however long the stream runs.
 *
 * A pipe or socket descriptor is read by libuv straight into one reused
 * 1 MiB buffer (net.Socket's `onread`): no Buffer, stream event or garbage
 * per read. Reading `cat 2M.pcap |` that way costs what a blocking read loop
 * costs (0.35 s against 0.47 s with 'data' events plus a synchronous drain
 * of the descriptor, whose EAGAIN errors are exceptions; both with a 64 KiB
 * pipe, before widenPipe below), while waiting stays
 * with the event loop: Ctrl-C, SIGTERM, timers and output still run while
 * the stream is idle, and an idle stream never holds the process open once
 * it is done (a blocking read, even in a worker or the thread pool, would).
 */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import { Socket, type OnReadOpts, type SocketConstructorOpts } from 'node:net';
import type { Readable } from 'node:stream';
import { releaseReadBuffer, takeReadBuffer } from './arena';
import { CaptureError, type FrameSink, type PacketSource, type Progress, type SourceEnd } from './frame';
import { CaptureParser, ParsingSource } from './parser';

export class StreamSource extends ParsingSource implements PacketSource {
  readonly kind: 'stdin' | 'file';
  private finishRun: ((end: SourceEnd) => void) | null = null;

  constructor(
    readonly name: string,
    /** A stream of capture bytes, or the descriptor of a pipe or socket (read with libuv into one buffer). */
    private readonly input: Readable | number,
    kind: 'stdin' | 'file' = 'stdin',
  ) {
    super();
    this.kind = kind;
  }

  progress(): Progress {
    return { bytes: this.consumed, total: -1 };
  }

  stop(): void {
    this.stopRequested = true;
    if (this.parser !== null) this.parser.stop();
    if (this.finishRun !== null) this.finishRun({ kind: 'stopped' });
  }

  run(sink: FrameSink): Promise<SourceEnd> {
    const parser = (this.parser = new CaptureParser(sink, this.name));
    return new Promise<SourceEnd>((resolve) => {
      let done = false;
      let stream: Readable;
      // Gives back the read buffer once the stream is destroyed (nothing reads into it after).
      let release: (() => void) | null = null;
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
        release?.();
        resolve(end);
      };
      const consumed = (going: boolean): boolean => {
        if (going) return true;
        const err = parser.error;
        finish(err !== null ? { kind: 'error', error: err } : { kind: 'stopped' });
        return false;
      };
      const onData = (chunk: Buffer): void => void consumed(parser.feed(chunk, 0, chunk.length));
      const onEnd = (): void => {
        const err = parser.finish();
        finish(err !== null ? { kind: 'error', error: err } : { kind: 'eof' });
      };
      const onError = (e: Error): void => {
        finish({ kind: 'error', error: new CaptureError(`read failed: ${e.message}`, this.name, parser.consumed, parser.delivered + 1) });
      };
      if (typeof this.input === 'number') {
        widenPipe(this.input);
        // libuv's reads land here (a pipe gives at most its capacity, 64 KiB, per read; a socket more).
        // In the arena (arena.ts): the analysis counts bytes there in place.
        const buffer = takeReadBuffer();
        release = () => releaseReadBuffer(buffer);
        // The Socket constructor takes `onread` since Node 12.10 (nodejs/node#25436); the docs listed it under
        // connect() until 2024 (nodejs/node#54194), and @types/node 20 still does.
        const opts: SocketConstructorOpts & { onread: OnReadOpts } = {
          fd: this.input,
          readable: true,
          writable: false,
          onread: { buffer, callback: (n: number) => consumed(parser.feed(buffer, 0, n)) },
        };
        stream = new Socket(opts);
      } else {
        stream = this.input;
        stream.on('data', onData);
      }
      this.finishRun = finish;
      stream.once('end', onEnd);
      stream.once('error', onError);
      if (this.stopRequested) {
        finish({ kind: 'stopped' });
        return;
      }
      stream.resume();
    });
  }
}

/** Whether descriptor `fd` is a pipe or socket, which StreamSource reads with libuv. */
export function isPipeOrSocket(fd: number): boolean {
  const st = fs.fstatSync(fd);
  return st.isFIFO() || st.isSocket();
}

/** fcntl(2) commands (Linux, <linux/fcntl.h>): F_SETPIPE_SZ, and the size asked for. */
const F_SETPIPE_SZ = 1031;
const PIPE_BYTES = 1 << 20;

/**
 * Asks the kernel for a 1 MiB pipe on descriptor `fd` when it is a pipe
 * (Linux only). A pipe holds 64 KiB by default, so a bulk stream such as
 * `cat big.pcap | synack -r -` or `zcat big.pcap.gz | synack -r -` costs a
 * pair of context switches per 64 KiB; with 1 MiB, a sixteenth of them
 * (the 2 M-frame benchmark in a VM: 0.73 s -> 0.23 s; reading the file
 * itself takes 0.14 s). A live `tcpdump -U -w -` is not delayed: a read
 * returns whatever has arrived.
 *
 * Node has no fcntl, so perl (perl-base is essential on Debian and Ubuntu)
 * makes the one call on the pipe it inherits: the size belongs to the pipe,
 * not to the descriptor. Where perl is missing, or the user's pipe quota
 * (/proc/sys/fs/pipe-user-pages-soft) is spent, the pipe stays as it was.
 * The call runs beside the reading, which does not wait for it.
 */
export function widenPipe(fd: number): void {
  if (process.platform !== 'linux') return;
  try {
    if (!fs.fstatSync(fd).isFIFO()) return;
    const child = spawn('perl', ['-e', `fcntl(STDIN, ${F_SETPIPE_SZ}, ${PIPE_BYTES})`], { stdio: [fd, 'ignore', 'ignore'], timeout: 5000 });
    child.on('error', () => {
      // No perl: the pipe keeps its 64 KiB.
    });
  } catch {
    // fstat or spawn refused: the pipe keeps its size.
  }
}
