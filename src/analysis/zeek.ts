/**
 * Zeek's view of a TCP connection: each endpoint's state, the `history`
 * letters and `conn_state`, by Zeek's own rules (zeek/zeek
 * src/packet_analysis/protocol/tcp/TCPSessionAdapter.cc: UpdateStateMachine,
 * update_history; scripts/base/protocols/conn/main.zeek: conn_state). Zeek
 * writes them when a connection ends; here they are current after every
 * packet. Sequence-number bookkeeping is reduced to what those rules read.
 */
import * as tcpHeader from '../decode/tcp';
import type { TcpSegment } from './seq';

// Module-local bindings for the per-packet code (see tcp.ts).
const { FLAG_ACK, FLAG_FIN, FLAG_RST, FLAG_SYN } = tcpHeader;

// TCP_ENDPOINT_* (Zeek's analyzer/protocol/tcp/TCP_Endpoint.h).
const Z_INACTIVE = 0;
const Z_SYN_SENT = 1;
const Z_SYN_ACK_SENT = 2;
const Z_PARTIAL = 3;
const Z_ESTABLISHED = 4;
const Z_CLOSED = 5;
const Z_RESET = 6;
export { Z_INACTIVE, Z_SYN_SENT, Z_SYN_ACK_SENT, Z_PARTIAL, Z_ESTABLISHED, Z_CLOSED, Z_RESET };

// History bits of the letters recorded once per direction (Zeek's HIST_* masks, responder shifted by 16).
// 'T', 'W' and 'G' are logarithmic counters instead.
const H_SYN = 0x1;
const H_FIN = 0x2;
const H_RST = 0x4;
const H_FIN_RST = 0x8;
const H_ACK = 0x10;
const H_DATA = 0x20;
const H_MULTI = 0x40;

export class ZeekEndpoint {
  state = Z_INACTIVE;
  prevState = Z_INACTIVE;
  /** Payload bytes that advanced the sequence space (Zeek's Size(), near enough for conn_state). */
  size = 0;
  lastSyn = -1;
  lastFin = -1;
  lastRst = -1;
  rxmitCount = 0;
  rxmitThreshold = 1;
  win0Count = 0;
  win0Threshold = 1;
  gapCount = 0;
  gapThreshold = 1;

  setState(s: number): void {
    if (s !== this.state) {
      this.prevState = this.state;
      this.state = s;
    }
  }
}

/**
 * Zeek's per-connection state: `orig` is the originator as Zeek decides it
 * (the SYN sender; the connection is flipped, '^', when the first packet was
 * the SYN-ACK).
 */
export class ZeekConn {
  readonly orig = new ZeekEndpoint();
  readonly resp = new ZeekEndpoint();
  history = '';
  private seen = 0;

  /** Adds `code` (upper case for the originator) once per direction; true when it was already there. */
  private check(isOrig: boolean, mask: number, code: string): boolean {
    const m = isOrig ? mask : mask << 16;
    if ((this.seen & m) === 0) {
      this.seen |= m;
      this.history += isOrig ? code : code.toLowerCase();
      return false;
    }
    return true;
  }

  private add(isOrig: boolean, code: string): void {
    this.history += isOrig ? code : code.toLowerCase();
  }

  /** Zeek flipped the roles: the first packet came from the responder. */
  flip(): void {
    this.history = '^' + this.history;
  }

  /**
   * Segment `s` from the originator (`isOrig`) or the responder. `rxmit`:
   * its payload is at or below what this side already sent (else it is new).
   */
  packet(isOrig: boolean, s: TcpSegment, rxmit: boolean): void {
    const flags = s.flags;
    const len = s.seglen;
    const window = s.window;
    const ep = isOrig ? this.orig : this.resp;
    // Most segments: data or an ACK, no SYN/FIN/RST, a window, not retransmitted, from a side past
    // INACTIVE. Below, such a segment only adds D or A (once per direction) and its size: no window
    // or retransmission count moves, and no state changes (updateState acts on SYN/FIN/RST only,
    // but in INACTIVE).
    if ((flags & (FLAG_SYN | FLAG_FIN | FLAG_RST)) === 0 && window !== 0 && !rxmit && ep.state !== Z_INACTIVE) {
      if (len > 0) {
        if ((this.seen & (isOrig ? H_DATA : H_DATA << 16)) === 0) this.check(isOrig, H_DATA, 'D');
      } else if ((flags & FLAG_ACK) !== 0 && (this.seen & (isOrig ? H_ACK : H_ACK << 16)) === 0) {
        this.check(isOrig, H_ACK, 'A');
      }
      if (ep.state !== Z_RESET) ep.size += len;
      return;
    }
    const peer = isOrig ? this.resp : this.orig;
    const syn = (flags & FLAG_SYN) !== 0;
    const fin = (flags & FLAG_FIN) !== 0;
    const rst = (flags & FLAG_RST) !== 0;
    const ackf = (flags & FLAG_ACK) !== 0;

    // update_history()
    const bits = (syn ? 1 : 0) + (fin ? 1 : 0) + (rst ? 1 : 0);
    if (bits > 1) {
      if (fin && rst) this.check(isOrig, H_FIN_RST, 'I');
      else this.check(isOrig, H_MULTI, 'Q');
    } else if (bits === 1) {
      if (syn) {
        const code = ackf ? 'H' : 'S';
        if (this.check(isOrig, H_SYN, code) && s.seq !== ep.lastSyn) this.add(isOrig, code);
        ep.lastSyn = s.seq;
      }
      if (fin) {
        // A FIN's sequence number is at the end of its data.
        const at = (s.seq + len) | 0;
        if (this.check(isOrig, H_FIN, 'F') && at !== ep.lastFin) this.add(isOrig, 'F');
        ep.lastFin = at;
      }
      if (rst) {
        if (this.check(isOrig, H_RST, 'R') && s.seq !== ep.lastRst) this.add(isOrig, 'R');
        ep.lastRst = s.seq;
      }
    } else if (len > 0) {
      this.check(isOrig, H_DATA, 'D');
    } else if (ackf) {
      this.check(isOrig, H_ACK, 'A');
    }

    // update_window(): zero windows are boring with or after a RST, or after the peer's FIN.
    if (window === 0 && !rst && peer.state !== Z_CLOSED && ep.state !== Z_RESET) {
      ep.win0Count++;
      if (ep.win0Count >= ep.win0Threshold) {
        this.add(isOrig, 'W');
        ep.win0Threshold *= 10;
      }
    }

    if (rxmit && len > 0 && ep.state !== Z_RESET) {
      // DidRxmit(): 'T' logarithmically (1, 10, 100 ... retransmissions).
      ep.rxmitCount++;
      if (ep.rxmitCount >= ep.rxmitThreshold) {
        this.add(isOrig, 'T');
        ep.rxmitThreshold *= 10;
      }
    }
    if (!rst && ep.state !== Z_RESET && !rxmit) ep.size += len;

    this.updateState(ep, peer, isOrig, flags, len);
  }

  /** The peer acknowledged bytes it never saw: a content gap ('G', logarithmic). */
  gap(isOrig: boolean): void {
    const ep = isOrig ? this.orig : this.resp;
    ep.gapCount++;
    if (ep.gapCount >= ep.gapThreshold) {
      this.add(isOrig, 'G');
      ep.gapThreshold *= 10;
    }
  }

  private updateState(ep: ZeekEndpoint, peer: ZeekEndpoint, isOrig: boolean, flags: number, len: number): void {
    const syn = (flags & FLAG_SYN) !== 0;
    const fin = (flags & FLAG_FIN) !== 0;
    const rst = (flags & FLAG_RST) !== 0;
    const ackf = (flags & FLAG_ACK) !== 0;
    switch (ep.state) {
      case Z_INACTIVE:
        if (syn) {
          if (isOrig) ep.setState(ackf ? Z_SYN_ACK_SENT : Z_SYN_SENT);
          else {
            if (peer.state === Z_SYN_SENT) peer.setState(Z_ESTABLISHED);
            ep.setState(Z_ESTABLISHED);
          }
        }
        if (fin) ep.setState(Z_CLOSED);
        if (rst) ep.setState(Z_RESET);
        if (ep.state === Z_INACTIVE) {
          // An ACK of the SYN before the SYN-ACK (some stacks) does not make the connection partial.
          if (!isOrig && len === 0 && this.orig.state === Z_SYN_SENT) {
            // stays inactive
          } else if (ackf && peer.state === Z_ESTABLISHED) {
            ep.setState(Z_ESTABLISHED);
          } else {
            ep.setState(Z_PARTIAL);
          }
        }
        return;
      case Z_SYN_SENT:
      case Z_SYN_ACK_SENT:
        if (fin) ep.setState(Z_CLOSED);
        if (rst) ep.setState(Z_RESET);
        return;
      case Z_ESTABLISHED:
      case Z_PARTIAL:
        if (syn && ep.state === Z_PARTIAL && peer.state === Z_INACTIVE && !ackf) ep.setState(Z_SYN_SENT);
        if (fin && !rst) {
          ep.setState(Z_CLOSED);
          // FIN then RST from the peer was a normal close after all.
          if (peer.state === Z_RESET && peer.prevState === Z_CLOSED) peer.setState(Z_CLOSED);
        }
        if (rst) ep.setState(Z_RESET);
        return;
      case Z_CLOSED:
        // After a full FIN exchange a RST changes nothing.
        if (rst && peer.state !== Z_CLOSED) ep.setState(Z_RESET);
        return;
      default:
        return;
    }
  }

  /** conn_state as main.zeek computes it, from the current endpoint states. */
  connState(): string {
    const os = this.orig.state;
    const rs = this.resp.state;
    const oInactive = os === Z_INACTIVE || os === Z_PARTIAL;
    const rInactive = rs === Z_INACTIVE || rs === Z_PARTIAL;
    if (rs === Z_RESET) {
      if (os === Z_SYN_SENT || os === Z_SYN_ACK_SENT || (os === Z_RESET && this.orig.size === 0 && this.resp.size === 0)) return 'REJ';
      return oInactive ? 'RSTRH' : 'RSTR';
    }
    if (os === Z_RESET) {
      if (rInactive) return /^\^?S[^HAFGIQ]*R.*$/.test(this.history) ? 'RSTOS0' : 'OTH';
      return 'RSTO';
    }
    if (rs === Z_CLOSED && os === Z_CLOSED) return 'SF';
    if (os === Z_CLOSED) return rInactive ? 'SH' : 'S2';
    if (rs === Z_CLOSED) return oInactive ? 'SHR' : 'S3';
    if (os === Z_SYN_SENT && rs === Z_INACTIVE) return 'S0';
    if (os === Z_ESTABLISHED && rs === Z_ESTABLISHED) return 'S1';
    return 'OTH';
  }
}

/** conn_state meanings (main.zeek's comments), for the screen. */
export const CONN_STATE_MEANING: Readonly<Record<string, string>> = {
  S0: 'connection attempt seen, no reply',
  S1: 'connection established, not terminated',
  SF: 'normal establishment and termination',
  REJ: 'connection attempt rejected',
  S2: 'established, the originator closed (no reply from the responder)',
  S3: 'established, the responder closed (no reply from the originator)',
  RSTO: 'established, the originator aborted (sent a RST)',
  RSTR: 'the responder sent a RST',
  RSTOS0: 'the originator sent a SYN then a RST; no SYN-ACK seen',
  RSTRH: 'the responder sent a SYN-ACK then a RST; no SYN seen from the originator',
  SH: 'the originator sent a SYN then a FIN; no SYN-ACK seen ("half" open)',
  SHR: 'the responder sent a SYN-ACK then a FIN; no SYN seen from the originator',
  OTH: 'no SYN seen, just midstream traffic',
};
