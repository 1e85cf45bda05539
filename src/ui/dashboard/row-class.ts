/**
 * The meaning of a packet-list row, as one byte per frame: what the colour
 * says. Rules follow Wireshark's default colouring rules, in their order
 * (the first match wins): broken frames, TCP RST, "Bad TCP" (analysis
 * findings other than window updates and keep-alives), SYN/FIN, then by
 * protocol. synack adds one: a segment carrying several messages (the
 * lessons' "sticky packets").
 */
import type { Packet } from '../../decode/packet';
import { ProblemKind } from '../../decode/packet';
import { FLAG_FIN, FLAG_RST, FLAG_SYN } from '../../decode/tcp';
import { A_KEEP_ALIVE, A_KEEP_ALIVE_ACK, A_WINDOW_UPDATE } from '../../analysis/seq';

export enum RowClass {
  Plain = 0,
  Tcp = 1,
  SynFin = 2,
  Rst = 3,
  Finding = 4,
  Coalesced = 5,
  Udp = 6,
  Arp = 7,
  Icmp = 8,
  Broken = 9,
}

/** tcp.analysis flags Wireshark's "Bad TCP" rule ignores. */
const BENIGN = A_WINDOW_UPDATE | A_KEEP_ALIVE | A_KEEP_ALIVE_ACK;
/** The 15 tcp.analysis flag bits of a FrameFacts / SeqResult flags word. */
export const ANALYSIS_MASK = 0x7fff;

/** The class of the frame just decoded and analysed (runs per frame: no allocation). */
export function rowClass(pkt: Packet): number {
  if (pkt.problem !== ProblemKind.None) return RowClass.Broken;
  const fa = pkt.notes.analysis;
  let cls: number = RowClass.Plain;
  for (let li = pkt.layerCount - 1; li >= 0; li--) {
    const name = pkt.layerProto[li].name;
    if (name === 'tcp') {
      const s = pkt.layerStart[li];
      const flags = pkt.avail(s) >= 14 ? pkt.u8(s + 13) : 0;
      if (flags & FLAG_RST) return RowClass.Rst;
      const note = fa?.tcpAt(li);
      if (note !== undefined) {
        if ((note.seq.flags & ANALYSIS_MASK & ~BENIGN) !== 0) return RowClass.Finding;
        if (flags & (FLAG_SYN | FLAG_FIN)) return RowClass.SynFin;
        if (note.chunk.msgs >= 2) return RowClass.Coalesced;
      } else if (flags & (FLAG_SYN | FLAG_FIN)) return RowClass.SynFin;
      return RowClass.Tcp;
    }
    if (name === 'udp') cls = RowClass.Udp;
    else if (name === 'arp') return RowClass.Arp;
    else if (name === 'icmp' || name === 'icmpv6') return RowClass.Icmp;
  }
  return cls;
}

/** What each class means, for the help screen's legend. */
export const ROW_CLASS_MEANING: readonly [RowClass, string][] = [
  [RowClass.SynFin, 'SYN or FIN: a connection opens or closes'],
  [RowClass.Rst, 'RST: a connection is reset or refused'],
  [RowClass.Finding, 'an analysis finding: retransmission, lost segment, duplicate ACK, zero window...'],
  [RowClass.Coalesced, 'one segment carrying several messages ("sticky packets")'],
  [RowClass.Udp, 'UDP (each datagram one message)'],
  [RowClass.Arp, 'ARP'],
  [RowClass.Icmp, 'ICMP'],
  [RowClass.Broken, 'malformed or truncated frame'],
];
