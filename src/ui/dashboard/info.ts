/**
 * The info column of a packet-list row, in tshark's words, for the layers a
 * learner meets (TCP, UDP, ARP, ICMP); anything else is named by its
 * protocol. Relative sequence numbers come from the frame's analysis facts,
 * since a re-read frame is decoded on its own.
 */
import { arpInfo } from '../../decode/arp';
import { icmpTypeText } from '../../decode/icmp';
import type { Packet } from '../../decode/packet';
import { FLAG_ACK, tcpFlags, tcpFlagsText, tcpHeaderLength } from '../../decode/tcp';

export interface TcpRelative {
  relSeq: number;
  relAck: number;
}

export function infoText(pkt: Packet, rel: TcpRelative | null): string {
  for (let li = pkt.layerCount - 1; li >= 0; li--) {
    const name = pkt.layerProto[li].name;
    const s = pkt.layerStart[li];
    switch (name) {
      case 'tcp': {
        if (pkt.avail(s) < 14) return 'TCP (cut short)';
        const flags = tcpFlags(pkt, li);
        const seq = rel !== null ? rel.relSeq : pkt.u32(s + 4);
        const ack = rel !== null ? rel.relAck : pkt.u32(s + 8);
        const win = pkt.avail(s) >= 16 ? pkt.u16(s + 14) : 0;
        const len = Math.max(0, pkt.layerEnd[li] - s - tcpHeaderLength(pkt, li));
        let t = `${pkt.u16(s)} → ${pkt.u16(s + 2)} [${tcpFlagsText(flags)}] Seq=${seq}`;
        if (flags & FLAG_ACK) t += ` Ack=${ack}`;
        return `${t} Win=${win} Len=${len}`;
      }
      case 'udp':
        if (pkt.avail(s) < 8) return 'UDP (cut short)';
        return `${pkt.u16(s)} → ${pkt.u16(s + 2)} Len=${Math.max(0, pkt.u16(s + 4) - 8)}`;
      case 'arp':
        return arpInfo(pkt, li);
      case 'icmp':
        if (pkt.avail(s) < 2) return 'ICMP';
        return icmpTypeText(pkt.u8(s), pkt.u8(s + 1));
      case 'data':
      case 'frame':
        continue;
      default:
        if (name.startsWith('ipv6.')) continue;
        return pkt.layerProto[li].label;
    }
  }
  return '';
}
