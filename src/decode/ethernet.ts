/**
 * Ethernet II (IEEE 802.3 with an ethertype), LINKTYPE_ETHERNET (1).
 * Frames whose type field is a length (<= 1500) are 802.3 frames with an LLC
 * header after it (dispatched as ethertype 0 by convention: see `LLC_FOLLOWS`).
 *
 *   0      6      12   14
 *   | dst  | src  |type| payload ...
 */
import { etherTypes, fallback } from './dispatch';
import { address, either, uint } from './fieldkit';
import type { Packet } from './packet';
import { Base, FieldType, type Protocol } from './protocol';

export const HEADER_LEN = 14;
/** Type values up to 1500 are 802.3 lengths (IEEE 802.3 clause 3.2.6). */
export const MAX_8023_LENGTH = 1500;
/** Pseudo-ethertype under which the LLC decoder is registered. */
export const LLC_FOLLOWS = 0;

const dst = address('eth.dst', 'Destination', FieldType.Ether, 0);
const src = address('eth.src', 'Source', FieldType.Ether, 6);

export const ethernet: Protocol = {
  name: 'eth',
  label: 'Ethernet II',
  fields: [
    dst,
    src,
    either('eth.addr', 'Address', dst, src),
    uint('eth.type', 'Type', 12, 2, { base: Base.Hex }),
  ],
  decode(pkt: Packet): Protocol | null {
    const start = pkt.cursor;
    const li = pkt.push(ethernet, start, start + HEADER_LEN, pkt.limit);
    if (li < 0) return null;
    if (pkt.avail(start) < HEADER_LEN) {
      pkt.truncated(HEADER_LEN, pkt.avail(start));
      return null;
    }
    const type = pkt.u16(start + 12);
    pkt.cursor = start + HEADER_LEN;
    if (type <= MAX_8023_LENGTH) {
      // 802.3: the field is the LLC payload's length; anything after it is padding.
      pkt.limit = Math.min(pkt.limit, pkt.cursor + type);
      return etherTypes.get(LLC_FOLLOWS) ?? fallback.data;
    }
    return etherTypes.get(type) ?? fallback.data;
  },
};
