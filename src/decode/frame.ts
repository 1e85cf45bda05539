/**
 * Wireshark's `frame` protocol: the root layer of every packet, carrying what
 * the capture knows (times, lengths, interface) rather than what the bytes say.
 * It is always layer 0, so `frame.*` fields resolve like any other field.
 */
import { data } from './data';
import { linkTypes } from './dispatch';
import { computed } from './fieldkit';
import type { Packet } from './packet';
import { FieldType, type FieldDef, type Protocol } from './protocol';

const when = (_pkt: Packet, k: number, v: number): number | undefined => (k === 0 ? v : undefined);

const fields: FieldDef[] = [
  computed('frame.number', 'Frame Number', FieldType.Uint, (pkt, _li, k) => when(pkt, k, pkt.number)),
  {
    name: 'frame.time_epoch',
    label: 'Epoch Time',
    type: FieldType.AbsTime,
    get: (pkt, _li, k) => when(pkt, k, pkt.frame.tsSec),
    nanos: (pkt) => pkt.frame.tsNsec,
  },
  computed('frame.time_relative', 'Time since reference or first frame', FieldType.RelTime, (pkt, _li, k) =>
    when(pkt, k, (pkt.frame.tsSec - pkt.clock.firstSec) * 1e9 + (pkt.frame.tsNsec - pkt.clock.firstNsec)),
  ),
  computed('frame.time_delta', 'Time delta from previous captured frame', FieldType.RelTime, (pkt, _li, k) =>
    when(pkt, k, (pkt.frame.tsSec - pkt.clock.prevSec) * 1e9 + (pkt.frame.tsNsec - pkt.clock.prevNsec)),
  ),
  computed('frame.len', 'Frame Length', FieldType.Uint, (pkt, _li, k) => when(pkt, k, pkt.frame.origLen)),
  computed('frame.cap_len', 'Capture Length', FieldType.Uint, (pkt, _li, k) => when(pkt, k, pkt.frame.capLen)),
  computed('frame.interface_id', 'Interface id', FieldType.Uint, (pkt, _li, k) =>
    k === 0 && pkt.frame.interfaceId >= 0 ? pkt.frame.interfaceId : undefined,
  ),
];

export const frame: Protocol = {
  name: 'frame',
  label: 'Frame',
  fields,
  decode(pkt: Packet): Protocol | null {
    pkt.push(frame, 0, 0, pkt.capLen);
    pkt.cursor = 0;
    pkt.limit = pkt.frame.origLen > pkt.capLen ? pkt.frame.origLen : pkt.capLen;
    return linkTypes.get(pkt.frame.linkType) ?? data;
  },
};
