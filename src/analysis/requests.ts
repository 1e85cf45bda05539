/**
 * Requests remembered for pairing with their answers, as single-pass tshark
 * pairs them (ICMP echo, DNS): under a caller's key, the frame and time of the
 * latest request. Requests are rare next to TCP segments, so keys are strings;
 * the log is bounded (past `max` it starts again: the oldest lose their pairing).
 */
import type { Packet } from '../decode/packet';
import { nsBetween } from './seq';

/** The pairing facts of the current frame's message (reused: one object per tracker). */
export class AnswerNote {
  frame = 0;
  layer = -1;
  /** An answer: the frame of its request (0: none seen, or not an answer). */
  requestFrame = 0;
  /** Time since that request (ns). */
  responseNs = 0;

  /** Starts over for layer `li` of frame `frame`. */
  begin(frame: number, li: number): void {
    this.frame = frame;
    this.layer = li;
    this.requestFrame = 0;
    this.responseNs = 0;
  }
}

export class RequestLog {
  private readonly index = new Map<string, number>();
  private readonly frames: number[] = [];
  private readonly secs: number[] = [];
  private readonly nsecs: number[] = [];
  /** Answers paired with a request. */
  paired = 0;

  constructor(private readonly max: number) {}

  /** Frame `pkt` is the latest request under `key`. */
  request(key: string, pkt: Packet): void {
    if (this.frames.length >= this.max) {
      this.index.clear();
      this.frames.length = this.secs.length = this.nsecs.length = 0;
    }
    this.index.set(key, this.frames.length);
    this.frames.push(pkt.number);
    this.secs.push(pkt.frame.tsSec);
    this.nsecs.push(pkt.frame.tsNsec);
  }

  /** Frame `pkt` answers the request under `key`, if one was seen: fills `into`, true when paired. */
  answer(key: string, pkt: Packet, into: AnswerNote): boolean {
    const i = this.index.get(key);
    if (i === undefined) return false;
    into.requestFrame = this.frames[i];
    into.responseNs = nsBetween(pkt.frame.tsSec, pkt.frame.tsNsec, this.secs[i], this.nsecs[i]);
    this.paired++;
    return true;
  }
}

/** The `n` address bytes at frame offset `at` as part of a key (4: IPv4, 16: IPv6). */
export function addressKey(pkt: Packet, at: number, n: number): string {
  if (n === 4) return String(pkt.u32(at));
  let t = '';
  for (let i = 0; i < n; i += 4) t += pkt.u32(at + i).toString(16) + ':';
  return t;
}

/** What the ICMP echo and DNS trackers share: their request log and its count of paired answers. */
export class Pairer {
  protected readonly log: RequestLog;

  constructor(max: number) {
    this.log = new RequestLog(max);
  }

  /** Answers paired with a request. */
  get paired(): number {
    return this.log.paired;
  }
}
