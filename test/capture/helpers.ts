/** Reading captures in-process the way `synack -r FILE -T fields -e frame.*` does, for the capture tests. */
import * as fs from 'node:fs';
import { copyFrame, type Frame, type SourceEnd } from '../../src/capture/frame';
import { FileSource } from '../../src/capture/file';
import { CaptureParser } from '../../src/capture/parser';
import { frame as frameProto } from '../../src/decode/frame';
import { Packet } from '../../src/decode/packet';
import { compileColumns, DEFAULT_FIELDS_OPTIONS, writeRow } from '../../src/output/fields';
import { OutBuf } from '../../src/output/outbuf';
import { FRAME_FIELDS } from '../oracle/fields';

export interface ReadResult {
  frames: Frame[];
  /** The -T fields lines for FRAME_FIELDS, as synack prints them. */
  lines: string[];
  /** The one error line, or null after a clean end. */
  error: string | null;
  end: SourceEnd['kind'];
}

/** Formats frames as `synack -T fields` with the capture layer's fields (frame layer only: no decoder is involved). */
export function fieldLines(frames: readonly Frame[], fields: readonly string[] = FRAME_FIELDS): string[] {
  const cols = compileColumns(fields);
  const out = new OutBuf(-1);
  const pkt = new Packet();
  frames.forEach((f, i) => {
    pkt.reset(f, i + 1);
    frameProto.decode(pkt);
    writeRow(out, pkt, cols, DEFAULT_FIELDS_OPTIONS);
  });
  const text = out.text();
  return text === '' ? [] : text.slice(0, -1).split('\n');
}

/** Reads a file with the file source (large positioned reads). */
export async function readFile(path: string, chunkSize?: number): Promise<ReadResult> {
  const fd = fs.openSync(path, 'r');
  const source = new FileSource(path, fd, fs.fstatSync(fd).size, true, chunkSize);
  const frames: Frame[] = [];
  const end = await source.run((f) => frames.push(copyFrame(f)));
  return { frames, lines: fieldLines(frames), error: end.kind === 'error' ? end.error.toString() : null, end: end.kind };
}

/** Feeds `bytes` to a parser in chunks of the given sizes (cycled), as a stream would. */
export function parseChunked(bytes: Uint8Array, sizes: readonly number[], name = 'x.pcap'): ReadResult {
  const frames: Frame[] = [];
  const parser = new CaptureParser((f) => frames.push(copyFrame(f)), name);
  let p = 0;
  let i = 0;
  let going = true;
  while (going && p < bytes.length) {
    const n = Math.max(1, sizes[i++ % sizes.length]);
    // Copy the chunk into a fresh buffer, as a stream delivers it: the parser may not keep references.
    const chunk = Uint8Array.from(bytes.subarray(p, Math.min(bytes.length, p + n)));
    going = parser.feed(chunk, 0, chunk.length);
    chunk.fill(0xee);
    p += n;
  }
  const err = going ? parser.finish() : parser.error;
  return { frames, lines: fieldLines(frames), error: err === null ? null : err.toString(), end: err === null ? (going ? 'eof' : 'stopped') : 'error' };
}
