/**
 * ICMP and ICMPv6 echo requests paired with their replies (ping), as
 * single-pass tshark pairs them: a reply names the latest request with the
 * same identifier and sequence number sent the other way between the same
 * two addresses ("(request in N)" in its summary line). The pairing is a
 * per-frame fact, so a frame read again out of order (the dashboard) still
 * shows it, and the request learns its reply's frame.
 *
 * Pings are rare next to TCP, so requests are remembered under a string key;
 * at most MAX_ECHO_REQUESTS of them (a ping flood forgets the oldest batch).
 */
import type { Packet } from '../decode/packet';
import { addressKey, AnswerNote, Pairer } from './requests';

/** Echo requests remembered at most. */
export const MAX_ECHO_REQUESTS = 65536;

/** The echo facts of the current frame's first ICMP layer (reused): an answer is an echo reply. */
export class IcmpNote extends AnswerNote {
  /** An echo request (ICMP type 8, ICMPv6 128). */
  request = false;
  /** A request's first reply: known only when the frame is read again after the pass (0: none, or not yet). */
  replyFrame = 0;
}

export class EchoTracker extends Pairer {
  private readonly note = new IcmpNote();

  constructor() {
    // Requests under "family src>dst/id/seq".
    super(MAX_ECHO_REQUESTS);
  }

  /**
   * ICMP layer `li` (ICMPv6 when `v6`) whose network layer is `ipLi` (IPv4 or
   * IPv6: `family`); null unless it is an echo request or reply with its
   * identifiers captured.
   */
  packet(pkt: Packet, li: number, ipLi: number, family: number, v6: boolean): IcmpNote | null {
    const s = pkt.layerStart[li];
    if (ipLi < 0 || s + 8 > pkt.capLen) return null;
    const type = pkt.u8(s);
    const requestType = v6 ? 128 : 8;
    const replyType = v6 ? 129 : 0;
    if (type !== requestType && type !== replyType) return null;
    const ip = pkt.layerStart[ipLi];
    const at = family === 6 ? ip + 8 : ip + 12;
    const n = family === 6 ? 16 : 4;
    if (at + 2 * n > pkt.capLen) return null;
    const note = this.note;
    note.begin(pkt.number, li);
    note.request = type === requestType;
    note.replyFrame = 0;
    const idSeq = `/${pkt.u16(s + 4)}/${pkt.u16(s + 6)}`;
    if (note.request) this.log.request(`${family} ${addressKey(pkt, at, n)}>${addressKey(pkt, at + n, n)}${idSeq}`, pkt);
    else this.log.answer(`${family} ${addressKey(pkt, at + n, n)}>${addressKey(pkt, at, n)}${idSeq}`, pkt, note);
    return note;
  }
}
