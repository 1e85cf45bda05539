/**
 * TCP header (RFC 9293). Minimal first cut: data offset checks and the fixed
 * fields. TODO(decoders): options, checksum, flags as fields, the full table.
 *
 *   0               16              31
 *   |  source port  |   dest port   |
 *   |        sequence number        |
 *   |     acknowledgment number     |
 *   |off|rsv|flags  |    window     |
 *   |   checksum    |  urgent ptr   |
 */
import { fallback } from './dispatch';
import { either, uint } from './fieldkit';
import type { Packet } from './packet';
import { Base, type Protocol } from './protocol';

export const MIN_HEADER_LEN = 20;

const srcport = uint('tcp.srcport', 'Source Port', 0, 2);
const dstport = uint('tcp.dstport', 'Destination Port', 2, 2);

export const tcp: Protocol = {
  name: 'tcp',
  label: 'Transmission Control Protocol',
  fields: [
    srcport,
    dstport,
    either('tcp.port', 'Source or Destination Port', srcport, dstport),
    uint('tcp.seq_raw', 'Sequence Number (raw)', 4, 4),
    uint('tcp.ack_raw', 'Acknowledgment number (raw)', 8, 4),
    uint('tcp.flags', 'Flags', 12, 2, { mask: 0x0fff, base: Base.Hex, width: 4 }),
    uint('tcp.window_size_value', 'Window', 14, 2),
  ],
  decode(pkt: Packet): Protocol | null {
    const start = pkt.cursor;
    const declared = pkt.limit - start;
    const li = pkt.push(tcp, start, start + MIN_HEADER_LEN, pkt.limit);
    if (li < 0) return null;
    const avail = pkt.avail(start);
    if (avail < MIN_HEADER_LEN) {
      if (declared < MIN_HEADER_LEN) pkt.malformed('tcp', 'fewer than 20 bytes for the TCP header');
      else pkt.truncated(MIN_HEADER_LEN, avail);
      return null;
    }
    const hlen = (pkt.u8(start + 12) >> 4) * 4;
    if (hlen < MIN_HEADER_LEN) {
      pkt.malformed('tcp.hdr_len', 'header length below 20 bytes');
      return null;
    }
    if (hlen > declared) {
      pkt.malformed('tcp.hdr_len', 'header longer than the segment');
      return null;
    }
    pkt.layerPayload[li] = start + hlen;
    if (avail < hlen) {
      pkt.truncated(hlen, avail);
      return null;
    }
    pkt.cursor = start + hlen;
    return pkt.cursor < pkt.limit ? fallback.data : null;
  },
};
