/**
 * What the capture process (live-child.ts) does with each packet cap hands
 * over: stamp it first, then append it as a nanosecond pcap record to a
 * staging buffer. cap delivers the packets the kernel holds in one
 * synchronous burst (pcap_dispatch(1) until none is left); the burst is sent
 * to the parent in setImmediate, later in the same loop turn, so delivery
 * stays immediate with one write per burst instead of one per packet.
 *
 * When the parent falls behind, writes wait in the child (libuv retries them
 * as the pipe drains) and the child goes on stamping packets as they come.
 * What waits is bounded (`backlog` bytes): beyond it packets are dropped and
 * counted, as the kernel drops and counts when libpcap's buffer is full.
 */
import { wireLength, CAP_SNAPLEN } from './cap';
import { PCAP_RECORD_HEADER_LEN, writePcapHeader } from './pcap';

/** Where records go: the child's standard output (a net.Socket on descriptor 1). */
export interface RecordPipe {
  write(chunk: Uint8Array): boolean;
  /** Bytes handed to write() and not yet written. */
  readonly writableLength: number;
}

/**
 * The wall clock in nanoseconds, advanced by the monotonic clock only, so a
 * step of the system clock (NTP) never reorders frames. performance.now()
 * is monotonic with sub-nanosecond digits and, unlike process.hrtime.bigint(),
 * allocates nothing per call.
 */
export class LiveClock {
  sec = 0;
  nsec = 0;
  private readonly sec0: number;
  private readonly nsec0: number;
  private readonly p0: number;

  constructor() {
    this.p0 = performance.now();
    // timeOrigin is the wall clock when this process started, read once.
    const wallMs = performance.timeOrigin + this.p0;
    this.sec0 = Math.floor(wallMs / 1000);
    this.nsec0 = Math.round((wallMs - this.sec0 * 1000) * 1e6);
  }

  /** Sets `sec` and `nsec` to now. */
  now(): void {
    const ns = this.nsec0 + Math.round((performance.now() - this.p0) * 1e6);
    const carry = Math.floor(ns / 1e9);
    this.sec = this.sec0 + carry;
    this.nsec = ns - carry * 1e9;
  }
}

const STAGING = 1 << 20;

export class Forwarder {
  /** Packets not sent because `backlog` bytes already waited. */
  dropped = 0;
  /** Packets sent (or waiting to be). */
  forwarded = 0;
  readonly clock = new LiveClock();
  private staging = Buffer.allocUnsafe(STAGING);
  private pos = 0;
  private flushQueued = false;
  private readonly flushLater = (): void => {
    this.flushQueued = false;
    this.flush();
  };

  constructor(
    private readonly out: RecordPipe,
    private readonly linkType: number,
    /** Bytes kept per packet (-s); cap never hands over more than CAP_SNAPLEN. */
    private readonly snaplen: number,
    /** Bytes that may wait for the parent before packets are dropped. */
    private readonly backlog: number,
  ) {}

  /** Sends the pcap file header: nanosecond magic, cap's link type and the snapshot length. */
  start(): void {
    this.pos = writePcapHeader(this.staging, this.pos, true, Math.min(this.snaplen, CAP_SNAPLEN), this.linkType);
    this.flush();
  }

  /** cap's 'packet' event: `nbytes` of the packet are in `data` (cap's one buffer). */
  packet(data: Buffer, nbytes: number, truncated: boolean): void {
    // The stamp comes first: everything after it is this process's own delay.
    this.clock.now();
    const capLen = nbytes > this.snaplen ? this.snaplen : nbytes;
    const need = PCAP_RECORD_HEADER_LEN + capLen;
    if (this.out.writableLength + this.pos + need > this.backlog) {
      this.dropped++;
      return;
    }
    if (this.pos + need > this.staging.length) this.flush();
    const wire = nbytes >= CAP_SNAPLEN || truncated ? wireLength(this.linkType, data, nbytes) : nbytes;
    const b = this.staging;
    let p = this.pos;
    p = b.writeUInt32LE(this.clock.sec >>> 0, p);
    p = b.writeUInt32LE(this.clock.nsec, p);
    p = b.writeUInt32LE(capLen, p);
    p = b.writeUInt32LE(wire, p);
    data.copy(b, p, 0, capLen);
    this.pos = p + capLen;
    this.forwarded++;
    if (!this.flushQueued) {
      this.flushQueued = true;
      setImmediate(this.flushLater);
    }
  }

  /**
   * Runs the per-packet path on `data` (cap's own buffer, before any packet
   * is in it) with this pipe, then forgets those records: call before
   * start(). Cold, the first packet took ~240 us between its stamp and the
   * next packet's (lazy compilation of everything it calls), which made a
   * loopback SYN -> SYN/ACK of ~20 us read as 0.2 ms. The same objects as
   * in capture, so what V8 learns here still holds for the first packet.
   */
  warmUp(data: Buffer): void {
    for (let i = 0; i < 200; i++) this.packet(data, 60 + (i & 63), false);
    this.packet(data, CAP_SNAPLEN, true);
    this.pos = 0;
    this.forwarded = 0;
    this.dropped = 0;
  }

  /** Hands what is staged to the pipe. */
  flush(): void {
    if (this.pos === 0) return;
    const chunk = this.staging.subarray(0, this.pos);
    this.pos = 0;
    if (this.out.writableLength > 0) {
      // Earlier writes wait for the parent and hold their buffers: this one
      // waits too, in a copy the size of its data, so a backlog of many small
      // bursts costs what it holds rather than a staging buffer each.
      this.out.write(Buffer.from(chunk));
      return;
    }
    this.out.write(chunk);
    // libuv wrote what the pipe took and keeps the rest in this buffer.
    if (this.out.writableLength > 0) this.staging = Buffer.allocUnsafe(STAGING);
  }
}
