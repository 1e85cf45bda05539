/**
 * Linux cooked capture v2, LINKTYPE_LINUX_SLL2 (276): `tcpdump -i any` with
 * libpcap 1.10 and later. Shown as `sll`, like v1 (see sll.ts for the layout).
 */
import type { Packet } from './packet';
import type { Protocol } from './protocol';
import { decodeCooked, sll } from './sll';
import { drawsNoExpert } from './treekit';

export const sll2: Protocol = {
  name: 'sll',
  label: 'Linux cooked capture v2',
  short: 'SLL',
  mayExpert: drawsNoExpert,
  fields: [],
  decode(pkt: Packet): Protocol | null {
    return decodeCooked(pkt, true);
  },
  tree: (pkt, li) => sll.tree!(pkt, li),
};
