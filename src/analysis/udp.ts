/**
 * UDP conversations, numbered as tshark numbers `udp.stream` (one per
 * address/port pair, in order of first appearance), with datagram and byte
 * counts each way. UDP keeps message boundaries: each datagram is exactly one
 * message, the contrast the lessons draw with TCP's byte stream.
 */
import type { Packet } from '../decode/packet';
import { Flow, FlowTable, hashKey, readKey, TIME_BASE, type KeyWords } from './flowtable';
import { nsBetween } from './seq';

export class UdpSide {
  /** Frames and bytes on the wire (the conversation table counts these). */
  frames = 0;
  frameBytes = 0;
  /** Datagrams (= messages) and their payload bytes. */
  datagrams = 0;
  payloadBytes = 0;
  emptyDatagrams = 0;
  largestDatagram = 0;
}

export class UdpConversation extends Flow {
  /** udp.stream, as tshark numbers it. */
  readonly stream: number;
  /** Side A is the first datagram's sender. */
  readonly a = new UdpSide();
  readonly b = new UdpSide();
  prevSec: number;
  prevNsec: number;
  /** The frame prevSec/prevNsec are of (the dashboard re-derives time deltas from frame numbers). */
  prevFrame: number;

  constructor(stream: number, family: number, w: KeyWords, frame: number, sec: number, nsec: number) {
    super(family, w, frame, sec, nsec);
    this.stream = stream;
    this.prevSec = sec;
    this.prevNsec = nsec;
    this.prevFrame = frame;
  }
}

/** What the tracker found for the UDP layer of the current frame (reused). */
export class UdpNote {
  frame = 0;
  layer = -1;
  conv: UdpConversation | null = null;
  stream = -1;
  fromA = true;
  /** Quoted inside an ICMP error: it has a udp.stream, but is not one of the conversation's datagrams (tshark taps none). */
  inError = false;
  /** tshark times a datagram only when it carries a payload and is not quoted in an ICMP error. */
  timed = false;
  timeRelNs = 0;
  timeDeltaNs = 0;
  /** The conversation's timed frame before this one (this frame for the first); 0 when not timed. */
  prevFrame = 0;
  /** This datagram's message number in its direction (1-based). */
  message = 0;
  payload = 0;
}

export class UdpTracker {
  streams = 0;
  readonly table: FlowTable<UdpConversation>;
  readonly note = new UdpNote();
  private readonly w: KeyWords = new Uint32Array(10);

  constructor(maxConversations: number, onRetire: ((c: UdpConversation, evicted: boolean) => void) | null) {
    this.table = new FlowTable<UdpConversation>(maxConversations, (c, evicted) => onRetire?.(c, evicted));
  }

  /** UDP layer `li` over network layer `ipLi` (`family` 4 or 6). */
  datagram(pkt: Packet, li: number, ipLi: number, family: number, inError: boolean): UdpNote | null {
    const start = pkt.layerStart[li];
    // tshark reads the whole header first (within the bytes captured and declared), and stops at a
    // length below 8 (0 is a jumbogram only over IPv6).
    if ((pkt.capLen < pkt.layerEnd[li] ? pkt.capLen : pkt.layerEnd[li]) - start < 8) return null;
    const ulen = pkt.u16(start + 4);
    if (ulen < 8 && !(ulen === 0 && family === 6)) return null;
    const w = this.w;
    readKey(pkt, ipLi, family, start, w);
    const sec = pkt.frame.tsSec - TIME_BASE;
    const nsec = pkt.frame.tsNsec;
    const h = hashKey(w, family);
    let c = this.table.find(h, family, w);
    if (c === null) {
      c = new UdpConversation(this.streams++, family, w, pkt.number, sec, nsec);
      this.table.add(c, h);
    }
    this.table.touch(c, pkt.number, sec, nsec);
    const n = this.note;
    n.frame = pkt.number;
    n.layer = li;
    n.conv = c;
    n.stream = c.stream;
    n.fromA = c.fromA(w);
    n.message = 0;
    const payload = pkt.layerEnd[li] - pkt.layerPayload[li];
    n.payload = payload > 0 ? payload : 0;
    n.inError = inError;
    n.timed = !inError && n.payload > 0;
    n.prevFrame = 0;
    if (n.timed) {
      n.timeRelNs = nsBetween(sec, nsec, c.firstSec, c.firstNsec);
      n.timeDeltaNs = nsBetween(sec, nsec, c.prevSec, c.prevNsec);
      n.prevFrame = c.prevFrame;
      c.prevSec = sec;
      c.prevNsec = nsec;
      c.prevFrame = pkt.number;
    }
    if (inError) return n;
    const side = n.fromA ? c.a : c.b;
    side.frames++;
    side.frameBytes += pkt.frame.origLen;
    side.datagrams++;
    side.payloadBytes += n.payload;
    if (n.payload === 0) side.emptyDatagrams++;
    if (n.payload > side.largestDatagram) side.largestDatagram = n.payload;
    n.message = side.datagrams;
    return n;
  }

  finish(): void {
    this.table.clear();
  }
}
