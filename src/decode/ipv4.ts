/**
 * IPv4 (RFC 791). Minimal first cut: header length checks, total length
 * (trims Ethernet padding; 0 means segmentation offload), dispatch by protocol.
 * TODO(decoders): options, fragments, checksum status, the full field table.
 *
 *   0       4       8              16      19             31
 *   |ver|ihl|  tos  |        total length                  |
 *   |      identification       |flags|  fragment offset   |
 *   |  ttl  | proto |        header checksum               |
 *   |                  source address                      |
 *   |                destination address                   |
 */
import { fallback, ipProtocols } from './dispatch';
import { address, either, uint } from './fieldkit';
import type { Packet } from './packet';
import { FieldType, type Protocol } from './protocol';

export const MIN_HEADER_LEN = 20;

const src = address('ip.src', 'Source Address', FieldType.Ipv4, 12);
const dst = address('ip.dst', 'Destination Address', FieldType.Ipv4, 16);

export const ipv4: Protocol = {
  name: 'ip',
  label: 'Internet Protocol Version 4',
  fields: [
    uint('ip.version', 'Version', 0, 1, { mask: 0xf0 }),
    uint('ip.len', 'Total Length', 2, 2),
    uint('ip.ttl', 'Time to Live', 8, 1),
    uint('ip.proto', 'Protocol', 9, 1),
    src,
    dst,
    either('ip.addr', 'Source or Destination Address', src, dst),
  ],
  decode(pkt: Packet): Protocol | null {
    const start = pkt.cursor;
    const declared = pkt.limit - start;
    const li = pkt.push(ipv4, start, start + MIN_HEADER_LEN, pkt.limit);
    if (li < 0) return null;
    const avail = pkt.avail(start);
    if (avail < MIN_HEADER_LEN) {
      if (declared < MIN_HEADER_LEN) pkt.malformed('ip', 'fewer than 20 bytes for the IPv4 header');
      else pkt.truncated(MIN_HEADER_LEN, avail);
      return null;
    }
    const ihl = (pkt.u8(start) & 0x0f) * 4;
    if (ihl < MIN_HEADER_LEN) {
      pkt.malformed('ip.hdr_len', 'header length below 20 bytes');
      return null;
    }
    let total = pkt.u16(start + 2);
    // Total length 0: the NIC segments (TSO); the frame's own length stands.
    if (total === 0) total = declared;
    if (total < ihl) {
      pkt.malformed('ip.len', 'total length shorter than the header');
      return null;
    }
    const end = start + Math.min(total, declared);
    pkt.layerPayload[li] = start + ihl;
    pkt.layerEnd[li] = end;
    if (avail < ihl) {
      pkt.truncated(ihl, avail);
      return null;
    }
    // A fragment other than the first carries no upper-layer header.
    if ((pkt.u16(start + 6) & 0x1fff) !== 0) {
      pkt.cursor = start + ihl;
      pkt.limit = end;
      return fallback.data;
    }
    pkt.cursor = start + ihl;
    pkt.limit = end;
    return ipProtocols[pkt.u8(start + 9)] ?? fallback.data;
  },
};
