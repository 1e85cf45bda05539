/**
 * Where the dashboard keeps the frames of a live or standard-input capture,
 * which cannot be re-read from their source: a ring of temporary pcapng
 * files, as Wireshark's ring buffer (`-b files:N -b filesize:K`). Frames are
 * appended to the newest file; once it holds a quarter of the frame or byte
 * limit, the next file starts, and a file is deleted as soon as every frame
 * in it has been dropped. Disk use stays near the byte limit (at most one
 * file more) however long the capture runs.
 *
 * A frame is named by its spill position: the file's base (the bytes of all
 * files before it, deleted or not) plus its record offset there. Positions
 * only grow, so "bytes kept" is the newest position minus the oldest kept
 * frame's.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { CaptureError, type Frame } from '../../capture/frame';
import { FrameReader } from '../../capture/random';
import { openWriter, type CaptureWriter } from '../../capture/writer';

/** Files the ring turns over per limit: dropping frees disk a quarter of the limit at a time. */
export const SPILL_FILES = 4;

export interface SpillFile {
  readonly path: string;
  /** Spill position of the file's first byte. */
  readonly base: number;
  /** The first frame written to it. */
  readonly firstFrame: number;
  /** Still being written (null once full and closed). */
  writer: CaptureWriter | null;
  reader: FrameReader | null;
  /** Bytes in the file once closed; the writer's position while open. */
  size: number;
  /** Frames written but maybe not flushed. */
  unflushed: number;
  /** Deleted: every frame in it was dropped. */
  gone: boolean;
}

export class Spill {
  readonly dir: string;
  /** Oldest first; files already deleted are removed from the front. */
  readonly files: SpillFile[] = [];
  private readonly fileFrames: number;
  private readonly fileBytes: number;
  private serial = 0;

  constructor(
    parentDir: string,
    /** Frames and bytes the ring holds (each file takes a quarter of either). */
    keepFrames: number,
    keepBytes: number,
  ) {
    this.dir = fs.mkdtempSync(path.join(parentDir, 'synack-'));
    this.fileFrames = Math.max(1, Math.ceil(keepFrames / SPILL_FILES));
    this.fileBytes = Math.max(1, Math.ceil(keepBytes / SPILL_FILES));
  }

  /** Spill position after the last frame written. */
  get end(): number {
    const f = this.files[this.files.length - 1];
    return f === undefined ? 0 : f.base + (f.writer !== null ? f.writer.position : f.size);
  }

  /** Bytes on disk now. */
  get diskBytes(): number {
    let n = 0;
    for (const f of this.files) n += f.writer !== null ? f.writer.position : f.size;
    return n;
  }

  /** Appends frame number `n`; returns its spill position. Throws CaptureError when the disk refuses. */
  write(frame: Frame, n: number): number {
    let f = this.files[this.files.length - 1];
    if (f === undefined || f.writer === null || f.writer.count >= this.fileFrames || f.writer.position >= this.fileBytes) f = this.next(n);
    const at = f.base + f.writer!.write(frame);
    f.unflushed++;
    return at;
  }

  private next(n: number): SpillFile {
    const last = this.files[this.files.length - 1];
    if (last !== undefined && last.writer !== null) {
      last.size = last.writer.position;
      const w = last.writer;
      last.writer = null;
      last.unflushed = 0;
      w.close();
    }
    const p = path.join(this.dir, `spill-${String(this.serial++).padStart(6, '0')}.pcapng`);
    const base = last === undefined ? 0 : last.base + last.size;
    const f: SpillFile = { path: p, base, firstFrame: n, writer: null, reader: null, size: 0, unflushed: 0, gone: false };
    f.writer = openWriter(p, { format: 'pcapng', nanosecond: true });
    this.files.push(f);
    return f;
  }

  /** Writes what the open file has buffered, so readers see every frame. Throws CaptureError. */
  flush(): void {
    const f = this.files[this.files.length - 1];
    if (f === undefined || f.writer === null || f.unflushed === 0) return;
    f.writer.flush();
    f.unflushed = 0;
  }

  /** The file holding spill position `at`, or null when it was deleted. */
  fileAt(at: number): SpillFile | null {
    let lo = 0;
    let hi = this.files.length - 1;
    let found = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (this.files[mid].base <= at) {
        found = mid;
        lo = mid + 1;
      } else hi = mid - 1;
    }
    return found < 0 ? null : this.files[found];
  }

  /** The file holding frame `n`, or null when it was deleted. */
  fileOfFrame(n: number): SpillFile | null {
    for (let i = this.files.length - 1; i >= 0; i--) if (this.files[i].firstFrame <= n) return this.files[i];
    return null;
  }

  /** The file after `f`, or null. */
  after(f: SpillFile): SpillFile | null {
    const i = this.files.indexOf(f);
    return i >= 0 && i + 1 < this.files.length ? this.files[i + 1] : null;
  }

  /** Re-reads the frame at spill position `at` (valid until the next read). */
  read(at: number, source: string): Frame | CaptureError {
    const f = this.fileAt(at);
    if (f === null) return new CaptureError('the frame was dropped from the spill', source);
    if (f.unflushed > 0) {
      try {
        this.flush();
      } catch (e) {
        if (e instanceof CaptureError) return e;
        throw e;
      }
    }
    f.reader ??= new FrameReader(f.path);
    return f.reader.read(at - f.base);
  }

  /** Deletes the files whose frames are all below `first` (never the one being written). */
  dropBefore(first: number): void {
    while (this.files.length > 1 && this.files[1].firstFrame <= first) {
      const f = this.files.shift()!;
      f.gone = true;
      f.reader?.close();
      f.reader = null;
      fs.rmSync(f.path, { force: true });
    }
  }

  /** Closes and removes every file (once, at exit). */
  dispose(): void {
    for (const f of this.files) {
      f.reader?.close();
      f.reader = null;
      try {
        f.writer?.close();
      } catch {
        // the files are being removed anyway
      }
      f.writer = null;
    }
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}
