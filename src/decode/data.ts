/**
 * Bytes no decoder claimed, as Wireshark's `data` protocol: shown, never dropped.
 */
import { computed } from './fieldkit';
import type { Packet } from './packet';
import { FieldType, type FieldDef, type Protocol, type TreeNode } from './protocol';
import { drawsNoExpert, fieldNodes } from './treekit';

function payloadEnd(pkt: Packet, li: number): number {
  return Math.min(pkt.layerEnd[li], pkt.capLen);
}

const bytes: FieldDef = {
  name: 'data.data',
  label: 'Data',
  type: FieldType.Bytes,
  get: (pkt, li, k) => (k === 0 && payloadEnd(pkt, li) > pkt.layerStart[li] ? pkt.layerStart[li] : undefined),
  size: (pkt, li) => payloadEnd(pkt, li) - pkt.layerStart[li],
  span: (pkt, li) => ({ offset: pkt.layerStart[li], length: payloadEnd(pkt, li) - pkt.layerStart[li] }),
};

const length = computed('data.len', 'Length', FieldType.Uint, (pkt, li, k) => (k === 0 ? pkt.layerEnd[li] - pkt.layerStart[li] : undefined));

export const data: Protocol = {
  name: 'data',
  label: 'Data',
  short: 'Data',
  mayExpert: drawsNoExpert,
  fields: [bytes, length],
  tree(pkt: Packet, li: number): TreeNode[] {
    // data.len is computed, not read from the bytes: tshark shows such a field in brackets.
    const out = fieldNodes(pkt, li, [bytes]);
    const n = length.get(pkt, li, 0);
    if (n !== undefined) out.push({ text: `[Length: ${n}]`, field: 'data.len', offset: pkt.layerStart[li], length: 0 });
    return out;
  },
  decode(pkt: Packet): Protocol | null {
    const start = pkt.cursor;
    if (pkt.limit <= start) return null;
    pkt.push(data, start, start, pkt.limit);
    return null;
  },
};
