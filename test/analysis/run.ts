/**
 * Runs a capture through the same path the CLI takes (capture layer,
 * decoders, analysis) and collects what a test needs per frame.
 */
import { openFile } from '../../src/capture/open';
import { decodeFrame } from '../../src/decode/index';
import { Packet } from '../../src/decode/packet';
import { Analyzer, type AnalysisOptions } from '../../src/analysis/index';
import { compileColumns, DEFAULT_FIELDS_OPTIONS, writeRow } from '../../src/output/fields';
import { OutBuf } from '../../src/output/outbuf';

export interface FieldRows {
  analyzer: Analyzer;
  /** One row per frame: cells by field name, printed as -T fields prints them. */
  rows: Map<string, string>[];
  /** How the capture ended ('eof', or the error line). */
  end: string;
}

/** Analyses `file` and prints `fields` per frame as -T fields would. */
export async function fieldRows(file: string, fields: readonly string[], opts: Partial<AnalysisOptions> = {}): Promise<FieldRows> {
  const analyzer = new Analyzer(opts);
  const pkt = new Packet();
  const cols = compileColumns(fields);
  const out = new OutBuf(-1);
  const rows: Map<string, string>[] = [];
  let n = 0;
  const source = openFile(file);
  const end = await source.run((frame) => {
    n++;
    decodeFrame(pkt, frame, n);
    analyzer.process(pkt);
    out.clear();
    writeRow(out, pkt, cols, { ...DEFAULT_FIELDS_OPTIONS });
    const cells = out.text().slice(0, -1).split('\t');
    const row = new Map<string, string>();
    fields.forEach((f, i) => row.set(f, cells[i] ?? ''));
    rows.push(row);
  });
  analyzer.finish();
  return { analyzer, rows, end: end.kind === 'error' ? end.error.toString() : end.kind };
}

/** Analyses `file`, calling `each` after every frame (with the packet and the analyzer). */
export async function analyseFile(file: string, opts: Partial<AnalysisOptions> = {}, each?: (pkt: Packet, a: Analyzer) => void): Promise<Analyzer> {
  const analyzer = new Analyzer(opts);
  const pkt = new Packet();
  let n = 0;
  await openFile(file).run((frame) => {
    n++;
    decodeFrame(pkt, frame, n);
    analyzer.process(pkt);
    each?.(pkt, analyzer);
  });
  analyzer.finish();
  return analyzer;
}
