/**
 * `synack -r FILE [-Y FILTER] -T fields -E ... -e ...` in process: the same
 * capture, decode, analysis, filter and field-printing code the CLI runs
 * (src/ui/print.ts), so a test can compare it with tshark without a build.
 */
import { Analyzer } from '../../src/analysis/index';
import { openFile } from '../../src/capture/open';
import { decodeFrame } from '../../src/decode/index';
import { Packet } from '../../src/decode/packet';
import { compileFilter } from '../../src/filter/index';
import { compileColumns, writePreamble, writeRow } from '../../src/output/fields';
import { markDisplayed } from '../../src/output/column-time';
import { columnTimeFrom } from '../../src/output/frame-fields';
import { OutBuf } from '../../src/output/outbuf';
import '../../src/output/tcp-prefix';
import { parseOptions } from '../../src/options';

/** What synack prints for `args` (options as on the command line: -T fields, -e, -E, -Y). */
export async function runFields(file: string, args: readonly string[]): Promise<string> {
  const opts = parseOptions(['-r', file, ...args]);
  const cols = compileColumns(opts.fields);
  const filter = compileFilter(opts.displayFilter ?? '');
  if (!filter.ok) throw new Error(`bad filter ${opts.displayFilter}`);
  const analyzer = new Analyzer({});
  const pkt = new Packet();
  const out = new OutBuf(-1);
  writePreamble(out, cols, opts.fieldsOptions);
  let n = 0;
  const source = openFile(file);
  // As the summary line: the capture's precision, known once its header is read.
  columnTimeFrom(source);
  await source.run((frame) => {
    n++;
    decodeFrame(pkt, frame, n);
    analyzer.process(pkt);
    if (filter.active && !filter.match(pkt)) return;
    writeRow(out, pkt, cols, opts.fieldsOptions);
    markDisplayed(pkt);
  });
  analyzer.finish();
  return out.text();
}
