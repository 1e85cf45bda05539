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
