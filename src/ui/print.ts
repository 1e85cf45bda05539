/**
 * Text mode: source -> decode -> analysis -> filter -> output, to standard
 * output. The same path the dashboard takes, minus the screen.
 */
import { CaptureError } from '../capture/frame';
import { openSource } from '../capture/open';
import { decodeFrame } from '../decode/index';
import { Packet } from '../decode/packet';
import { compileColumns, UnknownFieldError, writeHeader, writeRow } from '../output/fields';
import { OutBuf, OutputClosed } from '../output/outbuf';
import type { Options } from '../options';

export async function printCapture(opts: Options): Promise<number> {
  let cols;
  try {
    cols = opts.outputType === 'fields' ? compileColumns(opts.fields) : null;
  } catch (e) {
    if (e instanceof UnknownFieldError) return complain(`-e: ${e.message}`);
    throw e;
  }
  if (opts.outputType === 'fields' && opts.fields.length === 0) return complain('-T fields needs at least one -e FIELD');

  let source;
  try {
    source = await openSource(opts);
  } catch (e) {
    if (e instanceof CaptureError) return complain(e.toString(), false);
    throw e;
  }

  const out = new OutBuf(1);
  const pkt = new Packet();
  if (cols !== null && opts.fieldsOptions.header) writeHeader(out, cols, opts.fieldsOptions);
  let n = 0;
  let closed = false;
  const stop = (): void => source.stop();
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  const end = await source.run((frame) => {
    n++;
    decodeFrame(pkt, frame, n);
    try {
      if (cols !== null) writeRow(out, pkt, cols, opts.fieldsOptions);
    } catch (e) {
      if (!(e instanceof OutputClosed)) throw e;
      closed = true;
      source.stop();
      return;
    }
    if (opts.count !== undefined && n >= opts.count) source.stop();
  });
  process.off('SIGINT', stop);
  process.off('SIGTERM', stop);
  if (!closed) {
    try {
      out.flush();
    } catch (e) {
      if (!(e instanceof OutputClosed)) throw e;
    }
  }
  if (end.kind === 'error') return complain(end.error.toString(), false);
  return 0;
}

function complain(message: string, prefix = true): number {
  process.stderr.write((prefix ? 'synack: ' : '') + message + '\n');
  return 2;
}
