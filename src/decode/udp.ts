/**
 * UDP (RFC 768). Minimal first cut. TODO(decoders): checksum, port dispatch, full table.
 */
import { fallback, udpPorts } from './dispatch';
import { either, uint } from './fieldkit';
import type { Packet } from './packet';
import type { Protocol } from './protocol';

export const HEADER_LEN = 8;

const srcport = uint('udp.srcport', 'Source Port', 0, 2);
const dstport = uint('udp.dstport', 'Destination Port', 2, 2);

export const udp: Protocol = {
  name: 'udp',
  label: 'User Datagram Protocol',
  fields: [srcport, dstport, either('udp.port', 'Source or Destination Port', srcport, dstport), uint('udp.length', 'Length', 4, 2)],
  decode(pkt: Packet): Protocol | null {
    const start = pkt.cursor;
    const declared = pkt.limit - start;
    const li = pkt.push(udp, start, start + HEADER_LEN, pkt.limit);
    if (li < 0) return null;
    const avail = pkt.avail(start);
    if (avail < HEADER_LEN) {
      if (declared < HEADER_LEN) pkt.malformed('udp', 'fewer than 8 bytes for the UDP header');
      else pkt.truncated(HEADER_LEN, avail);
      return null;
    }
    const len = pkt.u16(start + 4);
    if (len < HEADER_LEN || len > declared) {
      pkt.malformed('udp.length', len < HEADER_LEN ? 'length below 8' : 'length beyond the IP payload');
      return null;
    }
    pkt.layerEnd[li] = start + len;
    pkt.cursor = start + HEADER_LEN;
    pkt.limit = start + len;
    const sp = pkt.u16(start);
    const dp = pkt.u16(start + 2);
    const next = udpPorts.get(Math.min(sp, dp)) ?? udpPorts.get(Math.max(sp, dp));
    return next ?? (pkt.cursor < pkt.limit ? fallback.data : null);
  },
};
