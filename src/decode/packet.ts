/**
 * The result of decoding one frame: the layers that decoded, outermost first,
 * plus at most one problem. One Packet is reused for every frame, and layers
 * are stored as parallel typed arrays, so decoding allocates nothing.
 *
 * Offsets are frame-relative: 0 is the frame's first byte, and the byte at
 * offset `o` is `pkt.data[pkt.base + o]`. A layer records where its header
 * starts, where its payload starts, and where it ends as its own (or its
 * parent's) length fields declare. `end` can exceed `capLen`: that is what a
 * truncated capture looks like, and getters must check `capLen` before reading.
 */
import type { Frame } from '../capture/frame';
import type { Protocol } from './protocol';

export const MAX_LAYERS = 32;

export enum ProblemKind {
  None = 0,
  /** The capture was cut short by the snapshot length (captured < needed). */
  Truncated = 1,
  /** A header field contradicts itself or the packet. */
  Malformed = 2,
}

/**
 * Facts later stages attach to a decoded frame (analysis/ fills them in by
 * declaration merging). Decoders never read or write these.
 */
// eslint-disable-next-line @typescript-eslint/no-empty-interface
export interface PacketNotes {}

/** Times the frame fields are relative to. The decoder keeps them per source; random access sets them. */
export class FrameClock {
  firstSec = 0;
  firstNsec = 0;
  prevSec = 0;
  prevNsec = 0;
  started = false;

  /** Called once per frame, in order, before the frame is decoded. */
  advance(sec: number, nsec: number, lastSec: number, lastNsec: number): void {
    if (!this.started) {
      this.started = true;
      this.firstSec = sec;
      this.firstNsec = nsec;
      this.prevSec = sec;
      this.prevNsec = nsec;
    } else {
      this.prevSec = lastSec;
      this.prevNsec = lastNsec;
    }
  }
}

export class Packet {
  /** The frame being decoded. Valid until the next frame. */
  frame!: Frame;
  data: Uint8Array = new Uint8Array(0);
  /** Offset of the frame's first byte in `data`. */
  base = 0;
  /** Captured bytes: no getter may read at or beyond this frame-relative offset. */
  capLen = 0;
  /** Frame number, 1-based, in the order the source delivered it. */
  number = 0;

  layerCount = 0;
  readonly layerProto: Protocol[] = new Array<Protocol>(MAX_LAYERS);
  /** First byte of the layer's header. */
  readonly layerStart = new Int32Array(MAX_LAYERS);
  /** First byte after the header: the payload's start. */
  readonly layerPayload = new Int32Array(MAX_LAYERS);
  /** End of the layer as lengths declare it (may exceed capLen when truncated). */
  readonly layerEnd = new Int32Array(MAX_LAYERS);
  /** Per-decoder scratch word (for example the IPv6 upper-layer header offset). */
  readonly layerAux = new Int32Array(MAX_LAYERS);

  /** Where the next decoder starts, and where its bytes end as declared. Set by the previous decoder. */
  cursor = 0;
  limit = 0;

  problem: ProblemKind = ProblemKind.None;
  /** Index of the layer the problem belongs to. */
  problemLayer = -1;
  /** Truncated: how many bytes the layer needed from its start, and how many were captured. */
  problemNeeded = 0;
  problemAvailable = 0;
  /** Malformed: the Wireshark field name at fault, and why (a constant string: no allocation). */
  problemField = '';
  problemReason = '';
  /**
   * Malformed, but tshark does not stop on an exception there: the layer's
   * own tree raises tshark's expert item for it ("Bogus IP length", "Bad
   * length value"), so no "Malformed Packet" item closes the frame.
   */
  problemReported = false;
  /**
   * Set by ICMP / ICMPv6 errors before their quoted datagram: RFC 792 quotes
   * only the IP header and 64 bits of data, so inner headers that end early
   * are expected there, not problems (Wireshark's in_error_pkt). Only a quote
   * cut by the snapshot length still counts as truncated.
   */
  inQuote = false;

  notes: PacketNotes = {};

  /** First and previous frame times, for frame.time_relative / time_delta. */
  readonly clock = new FrameClock();
  private lastSec = 0;
  private lastNsec = 0;

  /** Resets for a new frame. */
  reset(frame: Frame, number: number): void {
    this.clock.advance(frame.tsSec, frame.tsNsec, this.lastSec, this.lastNsec);
    this.lastSec = frame.tsSec;
    this.lastNsec = frame.tsNsec;
    this.frame = frame;
    this.data = frame.data;
    this.base = frame.offset;
    this.capLen = frame.capLen;
    this.number = number;
    this.layerCount = 0;
    this.cursor = 0;
    this.limit = frame.capLen;
    this.problem = ProblemKind.None;
    this.problemLayer = -1;
    this.problemNeeded = 0;
    this.problemAvailable = 0;
    this.problemField = '';
    this.problemReason = '';
    this.problemReported = false;
    this.inQuote = false;
  }

  /** Appends a layer and returns its index, or -1 when the stack is full (a malformed frame). */
  push(proto: Protocol, start: number, payload: number, end: number): number {
    const i = this.layerCount;
    if (i === MAX_LAYERS) {
      this.malformed('frame', 'more than 32 nested headers');
      return -1;
    }
    this.layerProto[i] = proto;
    this.layerStart[i] = start;
    this.layerPayload[i] = payload;
    this.layerEnd[i] = end;
    this.layerAux[i] = 0;
    this.layerCount = i + 1;
    return i;
  }

  /** The capture ended before the current (last pushed) layer did. */
  truncated(needed: number, available: number): void {
    if (this.problem !== ProblemKind.None) return;
    if (this.inQuote && this.frame.origLen <= this.capLen) return;
    this.problem = ProblemKind.Truncated;
    this.problemLayer = this.layerCount - 1;
    this.problemNeeded = needed;
    this.problemAvailable = available;
  }

  /**
   * A field of the current (last pushed) layer contradicts the packet.
   * `reported`: the layer's tree states it as tshark's expert item (see problemReported).
   */
  malformed(field: string, reason: string, reported = false): void {
    if (this.problem !== ProblemKind.None || this.inQuote) return;
    this.problem = ProblemKind.Malformed;
    this.problemLayer = this.layerCount - 1;
    this.problemField = field;
    this.problemReason = reason;
    this.problemReported = reported;
  }

  /** Index of the first layer of `proto` at or after `from`, or -1. */
  find(proto: Protocol, from = 0): number {
    for (let i = from; i < this.layerCount; i++) if (this.layerProto[i] === proto) return i;
    return -1;
  }

  /** Bytes available from frame-relative `off` (0 when beyond the capture). */
  avail(off: number): number {
    return off < this.capLen ? this.capLen - off : 0;
  }

  u8(off: number): number {
    return this.data[this.base + off];
  }

  u16(off: number): number {
    const p = this.base + off;
    return (this.data[p] << 8) | this.data[p + 1];
  }

  u32(off: number): number {
    const p = this.base + off;
    const d = this.data;
    return ((d[p] << 24) | (d[p + 1] << 16) | (d[p + 2] << 8) | d[p + 3]) >>> 0;
  }

  u16le(off: number): number {
    const p = this.base + off;
    return this.data[p] | (this.data[p + 1] << 8);
  }

  u32le(off: number): number {
    const p = this.base + off;
    const d = this.data;
    return (d[p] | (d[p + 1] << 8) | (d[p + 2] << 16) | (d[p + 3] << 24)) >>> 0;
  }
}
