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
import { DEFAULT_TIME_COLUMN, relative, writeColumnTime, type TimeColumn } from '../../output/column-time';
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
/** Digits of the list's time column: microseconds, as tshark's default, whatever the capture's precision (narrower). */
const TIME_DIGITS = 6;

/**
 * Builds the row of frame `n` (re-reading it). `prevShown`: the frame listed
 * above it (-t dd counts from it; 0 for none).
 */
export function buildRow(model: CaptureModel, n: number, pkt?: Packet, prevShown = 0): Row {
  const index = model.index;
  const time = model.options.time ?? DEFAULT_TIME_COLUMN;
  const plain = time.format === 'r' && !time.hms;
  const row: Row = { frame: n, time: plain ? relTime(index.nsFromStart(n)) : '', src: '', dst: '', proto: '', len: index.len(n), info: '', cls: index.cls(n) };
  const p = model.decode(n, pkt);
  if (p instanceof CaptureError) {
    row.info = `cannot re-read this frame: ${p.message}`;
    return row;
  }
  if (!plain) row.time = timeText(model, p, time, prevShown);
  [row.src, row.dst] = addressColumns(p);
  // The text output's own words (the summary writer), in the dashboard's columns.
  summary ??= new SummaryWriter({ timeDigits: TIME_DIGITS });
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

/**
 * The time column in another format of -t and -u (column-time.ts), from the
 * re-read frame, whose clock the model sets as the sequential pass had it;
 * dd counts from the frame listed above (the list is what is displayed).
 */
function timeText(model: CaptureModel, p: Packet, time: TimeColumn, prevShown: number): string {
  columns.clear();
  if (time.format === 'dd') {
    const index = model.index;
    const n = p.number;
    if (prevShown > 0 && index.has(prevShown)) relative(columns, index.sec(n), index.nsec(n), index.sec(prevShown), index.nsec(prevShown), time.hms, TIME_DIGITS);
    else relative(columns, 0, 0, 0, 0, time.hms, TIME_DIGITS);
  } else writeColumnTime(columns, p, time, TIME_DIGITS);
  return columns.text();
}
