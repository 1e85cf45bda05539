/**
 * DNS queries paired with their responses, as tshark pairs them in one pass:
 * a response names the latest query with its transaction ID in the same
 * conversation (addresses and ports, either way) and the time since it.
 * (tshark's second pass also names a query's response: synack reads once.)
 * Keys are strings: DNS messages are rare next to the segments analysis
 * counts, and the table is bounded.
 */
import { ProblemKind, type Packet } from '../decode/packet';
import { addressKey, AnswerNote, Pairer } from './requests';

/** Queries remembered; beyond that the table starts again (old queries lose their pairing). */
export const MAX_DNS_QUERIES = 65536;

/** A DNS message's pairing: a response's query frame and the time since it. */
export class DnsNote extends AnswerNote {}

export class DnsTracker extends Pairer {
  private readonly note = new DnsNote();

  constructor() {
    // Queries under "family lower-endpoint-higher-endpoint/id".
    super(MAX_DNS_QUERIES);
  }

  /**
   * DNS layer `li` carried by transport layer `transportLi` over the network
   * layer `ipLi` (IPv4 or IPv6: `family`); null when its header was not captured.
   */
  message(pkt: Packet, li: number, transportLi: number, ipLi: number, family: number): DnsNote | null {
    const s = pkt.layerStart[li];
    if (s + 4 > pkt.capLen) return null;
    const ip = pkt.layerStart[ipLi];
    const at = family === 6 ? ip + 8 : ip + 12;
    const n = family === 6 ? 16 : 4;
    const t = pkt.layerStart[transportLi];
    if (at + 2 * n > pkt.capLen || t + 4 > pkt.capLen) return null;
    const src = `${addressKey(pkt, at, n)}.${pkt.u16(t)}`;
    const dst = `${addressKey(pkt, at + n, n)}.${pkt.u16(t + 2)}`;
    const key = `${family} ${src < dst ? src : dst}-${src < dst ? dst : src}/${pkt.u16(s)}`;
    const note = this.note;
    note.begin(pkt.number, li);
    if ((pkt.u16(s + 2) & 0x8000) === 0) this.log.request(key, pkt);
    // tshark names the query at the end of a response's tree: not when the message is damaged before.
    else if (pkt.problem === ProblemKind.None || pkt.problemLayer < li) this.log.answer(key, pkt, note);
    return note;
  }
}
