/**
 * Raw IP link types: the frame starts with an IP header.
 * LINKTYPE_RAW (101) and the BSDs' DLT_RAW numbers 12 (OpenBSD) and 14
 * (BSD/OS) carry IPv4 or IPv6, told apart by the version nibble; Wireshark
 * shows a zero-length `raw` layer for them. LINKTYPE_IPV4 (228) and
 * LINKTYPE_IPV6 (229) say the version in the link type and have no such layer
 * (their registry entries point straight at ipv4 / ipv6).
 */
import { etherTypes, fallback } from './dispatch';
import type { Packet } from './packet';
import type { Protocol, TreeNode } from './protocol';
import { drawsNoExpert } from './treekit';

export const rawip: Protocol = {
  name: 'raw',
  label: 'Raw packet data',
  short: 'Raw',
  mayExpert: drawsNoExpert,
  fields: [],
  decode(pkt: Packet): Protocol | null {
    const start = pkt.cursor;
    const li = pkt.push(rawip, start, start, pkt.limit);
    if (li < 0) return null;
    // Wireshark first looks for a PPP-in-HDLC header (0xff03), so it needs 2 bytes before the version.
    if (pkt.limit - start < 2 || pkt.avail(start) < 2) {
      if (pkt.limit - start < 2) pkt.malformed('raw', 'frame shorter than 2 bytes');
      else pkt.truncated(2, pkt.avail(start));
      return null;
    }
    const version = pkt.u8(start) >> 4;
    if (version === 4) return etherTypes.get(0x0800) ?? fallback.data;
    if (version === 6) return etherTypes.get(0x86dd) ?? fallback.data;
    return fallback.data;
  },
  tree(): TreeNode[] {
    return [{ text: 'No link information available', offset: 0, length: 0 }];
  },
};
