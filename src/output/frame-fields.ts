/**
 * Fields tshark users reach for that belong to the output rather than to a
 * decoder: frame.time (the absolute time as text, in the local zone),
 * frame.time_delta_displayed (time since the previous frame shown), and the
 * summary line's columns as tshark's _ws.col.* fields. They are registered on
 * the frame layer, so -T fields, -T json -e and -Y find them by name; each is
 * computed only when asked for (the columns render the summary's text, which
 * allocates: no per-frame path pays for it otherwise).
 *
 * tshark 4.0 does not accept _ws.col.* in display filters; synack does, as
 * every registered field filters like any other.
 */
import { protocolByName, registerField } from '../decode/index';
import { deltaNsecs, deltaSecs } from '../decode/nstime';
import type { Packet } from '../decode/packet';
import { FieldType, type FieldDef } from '../decode/protocol';
import { DEFAULT_TIME_COLUMN, shownBefore, shownTime, type TimeColumn } from './column-time';
import { OutBuf } from './outbuf';
import { SummaryColumn, SummaryWriter } from './summary';

const frameProto = protocolByName('frame')!;

/** frame.time: the value of frame.time_epoch (an absolute time, so -Y compares it as one), printed by localTimeText(). */
export const FRAME_TIME: FieldDef = {
  name: 'frame.time',
  label: 'Arrival Time',
  type: FieldType.AbsTime,
  // pcapng simple packet blocks carry no time: tshark prints none.
  get: (pkt, _li, k) => (k === 0 && pkt.frame.hasTime ? pkt.frame.tsSec : undefined),
  nanos: (pkt) => pkt.frame.tsNsec,
};

/**
 * tshark: the time since the previous displayed frame, 0 while none was
 * displayed (so a -Y on it alone matches nothing above 0); as Wireshark's
 * nstime, like frame.time_delta (decode/nstime.ts).
 */
export const FRAME_TIME_DELTA_DISPLAYED: FieldDef = {
  name: 'frame.time_delta_displayed',
  label: 'Time delta from previous displayed frame',
  type: FieldType.RelTime,
  get: (pkt, _li, k) => (k !== 0 ? undefined : shownBefore(pkt) ? deltaSecs(pkt.frame.tsSec, pkt.frame.tsNsec, shownTime().sec, shownTime().nsec) : 0),
  nanos: (pkt) => (shownBefore(pkt) ? deltaNsecs(pkt.frame.tsSec, pkt.frame.tsNsec, shownTime().sec, shownTime().nsec) : 0),
};

/**
 * Decimals of _ws.col.Time: the capture's precision (6, or 9 for nanosecond
 * files), which the source knows and the frame does not, as for the
 * summary line's time column. Not guessed
 * from the frames' times: a nanosecond file of whole microseconds (lab's
 * demo-ns.pcap) and a damaged microsecond record's fraction would fool it.
 */
let timeSource: { readonly nanosecond: boolean } | null = null;
/** The format -t and -u chose, which _ws.col.Time shows as the summary line does. */
let timeColumn: TimeColumn = DEFAULT_TIME_COLUMN;

/** The source whose precision _ws.col.Time takes, asked whenever a column is written: nothing to do per frame. */
export function columnTimeFrom(source: { readonly nanosecond: boolean }, time: TimeColumn = DEFAULT_TIME_COLUMN): void {
  timeSource = source;
  timeColumn = time;
}

const scratch = new OutBuf(-1, 1 << 10);
let writer: SummaryWriter | null = null;

function columnText(pkt: Packet, c: SummaryColumn): string {
  const timeDigits = timeSource !== null && timeSource.nanosecond ? 9 : 6;
  // Created at first use: the writer looks up the analysis' fields (tcp.seq ...), registered by then.
  if (writer === null || !writer.writes(timeDigits, timeColumn)) writer = new SummaryWriter({ timeDigits, time: timeColumn });
  scratch.clear();
  writer.writeColumn(scratch, pkt, c);
  return scratch.text();
}

/** tshark's names: "_ws.col." and the column's title. */
const COLUMNS: readonly [string, string, SummaryColumn][] = [
  ['No.', 'Number', SummaryColumn.No],
  ['Time', 'Time', SummaryColumn.Time],
  ['Source', 'Source', SummaryColumn.Source],
  ['Destination', 'Destination', SummaryColumn.Destination],
  ['Protocol', 'Protocol', SummaryColumn.Protocol],
  ['Length', 'Length', SummaryColumn.Length],
  ['Info', 'Information', SummaryColumn.Info],
];

/** Every column field: present in every frame, empty when the column is (as tshark's). */
export const COLUMN_FIELDS: readonly FieldDef[] = COLUMNS.map(([title, label, c]) => ({
  name: `_ws.col.${title}`,
  label,
  type: FieldType.String,
  get: (pkt: Packet, _li: number, k: number) => (k === 0 ? columnText(pkt, c) : undefined),
}));

for (const f of [FRAME_TIME, FRAME_TIME_DELTA_DISPLAYED, ...COLUMN_FIELDS]) registerField(frameProto, f);
