/**
 * The Internet checksum (RFC 1071) over packet bytes, and the IPv6
 * pseudo-header sum (RFC 8200 section 8.1) that ICMPv6, TCP and UDP over
 * IPv6 include. Sums are folded to 16 bits; a message whose sum including its
 * checksum field is 0xffff is intact.
 */
import type { Packet } from './packet';

/** One's-complement sum of [off, off + n) (an odd last byte is padded with zero), folded, plus `initial`. */
export function onesSum(pkt: Packet, off: number, n: number, initial = 0): number {
  let sum = initial;
  const d = pkt.data;
  let p = pkt.base + off;
  const end = p + (n & ~1);
  for (; p < end; p += 2) {
    sum += (d[p] << 8) | d[p + 1];
    // Fold now and then so the sum stays a small integer (no float arithmetic on jumbo frames).
    if (sum > 0x7fffffff) sum = (sum & 0xffff) + (sum >>> 16);
  }
  if ((n & 1) !== 0) sum += d[p] << 8;
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  return sum;
}

/**
 * Sum of the IPv6 pseudo-header: source and destination addresses at
 * frame-relative `src` / `dst`, the upper-layer length and next-header value.
 */
export function ipv6PseudoSum(pkt: Packet, src: number, dst: number, length: number, nextHeader: number): number {
  let sum = onesSum(pkt, src, 16) + onesSum(pkt, dst, 16);
  sum += (length >>> 16) + (length & 0xffff) + nextHeader;
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  return sum;
}

/**
 * Frame-relative offset of the destination address the pseudo-header of the
 * upper layer `upperLi` uses: the IPv6 header's (layer `ipLi`), unless a
 * routing header with segments left names the final destination (RFC 8200
 * section 8.1): the last address of a type 0 or 2 header, the first segment
 * of a segment routing header (RFC 8754 section 2).
 */
export function ipv6ChecksumDst(pkt: Packet, ipLi: number, upperLi: number): number {
  for (let j = ipLi + 1; j < upperLi; j++) {
    if (pkt.layerProto[j].name !== 'ipv6.routing') continue;
    const r = pkt.layerStart[j];
    const end = pkt.layerPayload[j];
    if (r + 4 > pkt.capLen || end > pkt.capLen || pkt.u8(r + 3) === 0) continue;
    const type = pkt.u8(r + 2);
    if ((type === 0 || type === 2) && end - r >= 24) return end - 16;
    if (type === 4 && end - r >= 24) return r + 8;
  }
  return pkt.layerStart[ipLi] + 24;
}
