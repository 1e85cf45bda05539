/**
 * Packet-list rows, built on demand for the rows on screen: the frame is
 * re-read and decoded, its analysis facts come from FrameFacts. Columns as
 * tshark's summary line: number, time (relative to the first frame),
 * source, destination, protocol, length, info. Text here may come from
 * packets: the screen sanitises every column before drawing it.
 */
import { CaptureError } from '../../capture/frame';
import { ANALYSIS_RULES } from '../../analysis/index';
import { F_COALESCED, F_HAS_MSGS, F_MSG_SPLIT, KIND_TCP } from '../../analysis/facts';
import type { Packet } from '../../decode/packet';
import { ipv4Text, ipv6Text, macText } from '../../decode/treekit';
import { OutBuf } from '../../output/outbuf';
import { SummaryWriter, summaryHooks } from '../../output/summary';
import type { CaptureModel } from './model';

export interface Row {
  frame: number;
  time: string;
  src: string;
  dst: string;
  proto: string;
  len: number;
  info: string;
  cls: number;
}

/** Seconds with 6 decimals, as tshark's default time column. */
export function relTime(ns: number): string {
  const neg = ns < 0;
  const us = Math.round(Math.abs(ns) / 1000);
  const s = Math.floor(us / 1e6);
  return `${neg ? '-' : ''}${s}.${String(us - s * 1e6).padStart(6, '0')}`;
}

/** Source and destination as tshark shows them: the innermost IP addresses, else the MAC addresses. */
export function addressColumns(pkt: Packet): [string, string] {
  for (let li = pkt.layerCount - 1; li >= 0; li--) {
    const name = pkt.layerProto[li].name;
    const s = pkt.layerStart[li];
    if (name === 'ip' && pkt.avail(s) >= 20) return [ipv4Text(pkt, s + 12), ipv4Text(pkt, s + 16)];
    if (name === 'ipv6' && pkt.avail(s) >= 40) return [ipv6Text(pkt, s + 8), ipv6Text(pkt, s + 24)];
  }
  for (let li = 0; li < pkt.layerCount; li++) {
    const s = pkt.layerStart[li];
    if (pkt.layerProto[li].name === 'eth' && pkt.avail(s) >= 12) return [macText(pkt, s + 6), macText(pkt, s)];
  }
  return ['', ''];
}

/** The analysis labels tshark puts before the info, from a frame's facts flags (until analysis hooks the summary itself). */
export function analysisPrefix(flags: number): string {
  if (summaryHooks.tcpPrefix !== null) return '';
  let s = '';
  for (const r of ANALYSIS_RULES) if (flags & r.bit && r.info !== '') s = r.info + s;
  return s;
}

/** synack's own note on a segment's messages, put first so it shows however narrow the column: "[3 messages in one segment] ". */
export function framingNote(flags: number, msgs: number): string {
  if ((flags & F_HAS_MSGS) === 0) return '';
  if (flags & F_COALESCED) return `[${msgs} messages in one segment] `;
  if (flags & F_MSG_SPLIT) return '[part of a message] ';
  return '';
}

const columns = new OutBuf(-1, 1 << 12);
let summary: SummaryWriter | null = null;

/** Builds the row of frame `n` (re-reading it). */
export function buildRow(model: CaptureModel, n: number, pkt?: Packet): Row {
  const index = model.index;
  const row: Row = { frame: n, time: relTime(index.nsFromStart(n)), src: '', dst: '', proto: '', len: index.len(n), info: '', cls: index.cls(n) };
  const p = model.decode(n, pkt);
  if (p instanceof CaptureError) {
    row.info = `cannot re-read this frame: ${p.message}`;
    return row;
  }
  [row.src, row.dst] = addressColumns(p);
  // The text output's own words (the summary writer), in the dashboard's columns.
  summary ??= new SummaryWriter({ timeDigits: 6 });
  columns.clear();
  summary.writeColumns(columns, p);
  const text = columns.text();
  const tab = text.indexOf('\t');
  row.proto = text.slice(0, tab);
  row.info = text.slice(tab + 1);
  const facts = model.analyzer.facts;
  if (facts !== null && facts.kind(n) === KIND_TCP) {
    const flags = facts.flags(n);
    row.info = framingNote(flags, facts.msgs(n)) + analysisPrefix(flags) + row.info;
  }
  return row;
}
