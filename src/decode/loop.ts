/**
 * OpenBSD loopback, LINKTYPE_LOOP (108): the 4-byte address family of
 * LINKTYPE_NULL, always in network byte order. Wireshark shows it as `null`,
 * so this pushes the null layer (null.ts) with the value read big-endian.
 */
import type { Packet } from './packet';
import type { Protocol } from './protocol';
import { decodeFamily, nullLink } from './null';
import { drawsNoExpert } from './treekit';

const networkOrder = (pkt: Packet, off: number): number => pkt.u32(off);

export const loop: Protocol = {
  name: 'null',
  label: 'Null/Loopback',
  short: 'NULL',
  mayExpert: drawsNoExpert,
  fields: [],
  decode(pkt: Packet): Protocol | null {
    return decodeFamily(pkt, networkOrder);
  },
  tree: (pkt, li) => nullLink.tree!(pkt, li),
};
