/**
 * IPv6 (RFC 8200). Minimal first cut: fixed header, payload length, and a walk
 * over the extension-header chain to the upper-layer header.
 * TODO(decoders): extension headers as their own fields, jumbograms, the full field table.
 */
import { fallback, ipProtocols } from './dispatch';
import { address, either, uint } from './fieldkit';
import type { Packet } from './packet';
import { FieldType, type Protocol } from './protocol';

export const HEADER_LEN = 40;

const src = address('ipv6.src', 'Source Address', FieldType.Ipv6, 8);
const dst = address('ipv6.dst', 'Destination Address', FieldType.Ipv6, 24);

export const ipv6: Protocol = {
  name: 'ipv6',
  label: 'Internet Protocol Version 6',
  fields: [
    uint('ipv6.plen', 'Payload Length', 4, 2),
    uint('ipv6.nxt', 'Next Header', 6, 1),
    uint('ipv6.hlim', 'Hop Limit', 7, 1),
    src,
    dst,
    either('ipv6.addr', 'Source or Destination Address', src, dst),
  ],
  decode(pkt: Packet): Protocol | null {
    const start = pkt.cursor;
    const declared = pkt.limit - start;
    const li = pkt.push(ipv6, start, start + HEADER_LEN, pkt.limit);
    if (li < 0) return null;
    const avail = pkt.avail(start);
    if (avail < HEADER_LEN) {
      if (declared < HEADER_LEN) pkt.malformed('ipv6', 'fewer than 40 bytes for the IPv6 header');
      else pkt.truncated(HEADER_LEN, avail);
      return null;
    }
    const plen = pkt.u16(start + 4);
    const end = start + HEADER_LEN + Math.min(plen, declared - HEADER_LEN);
    pkt.layerEnd[li] = end;
    pkt.cursor = start + HEADER_LEN;
    pkt.limit = end;
    return ipProtocols[pkt.u8(start + 6)] ?? fallback.data;
  },
};
