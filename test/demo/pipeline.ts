/**
 * synack's own pipeline over a source, in this process: decode, analysis,
 * and the -T fields columns of every frame, as the CLI would print them.
 */
import type { PacketSource } from '../../src/capture/frame';
import { openFile } from '../../src/capture/open';
import { Analyzer, type TcpConnection } from '../../src/analysis/index';
import { decodeFrame } from '../../src/decode/index';
import { Packet } from '../../src/decode/packet';
import { compileColumns, DEFAULT_FIELDS_OPTIONS, writeRow } from '../../src/output/fields';
import { OutBuf } from '../../src/output/outbuf';

export interface Analysed {
  /** One row per frame; cells by field name, as `-T fields` prints them. */
  rows: Map<string, string>[];
  /** Every TCP connection, in tcp.stream order. */
  connections: TcpConnection[];
  analyzer: Analyzer;
}

export async function analyse(source: PacketSource | string, fields: readonly string[], framing = 'auto'): Promise<Analysed> {
  const src = typeof source === 'string' ? openFile(source) : source;
  const retired: TcpConnection[] = [];
  const analyzer = new Analyzer({ framing, onTcpRetire: (c) => retired.push(c) });
  const cols = compileColumns(fields);
  const pkt = new Packet();
  const out = new OutBuf(-1);
  const rows: Map<string, string>[] = [];
  let n = 0;
  const end = await src.run((frame) => {
    decodeFrame(pkt, frame, ++n);
    analyzer.process(pkt);
    out.clear();
    writeRow(out, pkt, cols, DEFAULT_FIELDS_OPTIONS);
    const cells = out.text().replace(/\n$/, '').split('\t');
    rows.push(new Map(fields.map((f, i) => [f, cells[i] ?? ''])));
  });
  if (end.kind === 'error') throw end.error;
  const live = [...analyzer.tcp.connections()];
  analyzer.finish();
  const all = new Map<number, TcpConnection>();
  for (const c of [...retired, ...live]) all.set(c.stream, c);
  return { rows, connections: [...all.values()].sort((a, b) => a.stream - b.stream), analyzer };
}
