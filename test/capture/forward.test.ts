/**
 * The capture process's per-packet path (capture/forward.ts), without cap:
 * what it sends is a nanosecond pcap stream the reader takes as it is, one
 * write per burst, and a parent that does not read costs at most the
 * backlog bound, beyond which packets are counted as dropped.
 */
import { describe, expect, it } from 'vitest';
import { copyFrame, type Frame } from '../../src/capture/frame';
import { Forwarder, LiveClock, type RecordPipe } from '../../src/capture/forward';
import { CaptureParser } from '../../src/capture/parser';

/** A pipe that keeps every chunk; `drains` says whether writes complete at once (a reading parent) or wait (a stalled one). */
class FakePipe implements RecordPipe {
  chunks: Buffer[] = [];
  /** Bytes of memory each written chunk keeps alive while it waits (its whole ArrayBuffer). */
  held: number[] = [];
  waiting = 0;
  constructor(private readonly drains: boolean) {}
  get writableLength(): number {
    return this.waiting;
  }
  write(chunk: Uint8Array): boolean {
    // Copy now: a real pipe that wrote the chunk no longer needs it, and the forwarder reuses its buffer.
    this.chunks.push(Buffer.from(chunk));
    this.held.push(chunk.buffer.byteLength);
    if (!this.drains) this.waiting += chunk.length;
    return this.drains;
  }
  bytes(): Buffer {
    return Buffer.concat(this.chunks);
  }
}

/** An Ethernet/IPv4/TCP frame of `len` bytes (IP total length consistent), its bytes numbered by `tag`. */
function ethernetFrame(len: number, tag: number): Buffer {
  const b = Buffer.alloc(len, tag & 0xff);
  b.writeUInt16BE(0x0800, 12);
  b[14] = 0x45;
  b.writeUInt16BE(len - 14, 16);
  return b;
}

function parse(bytes: Buffer): { frames: Frame[]; error: string | null; linkType: number; nanosecond: boolean } {
  const frames: Frame[] = [];
  const p = new CaptureParser((f) => frames.push(copyFrame(f)), 'live');
  p.feed(bytes, 0, bytes.length);
  const err = p.finish();
  return { frames, error: err === null ? null : err.toString(), linkType: p.linkType, nanosecond: p.nanosecond };
}

const tick = (): Promise<void> => new Promise((r) => setImmediate(r));

describe('the capture process forwards', () => {
  it('a nanosecond pcap stream: header with the link type and snapshot length, each packet stamped, one write per burst', async () => {
    const pipe = new FakePipe(true);
    const buffer = Buffer.alloc(65535);
    const fwd = new Forwarder(pipe, 1, 100, 64 << 20);
    fwd.warmUp(buffer);
    fwd.start();
    expect(pipe.chunks).toHaveLength(1);
    expect(pipe.chunks[0].readUInt32LE(16)).toBe(100);

    const before = Date.now() / 1000;
    // One burst of three packets, as cap emits them within one poll callback.
    for (const [len, tag] of [[60, 1], [74, 2], [150, 3]]) {
      ethernetFrame(len, tag).copy(buffer);
      fwd.packet(buffer, len, false);
    }
    expect(pipe.chunks).toHaveLength(1);
    await tick();
    expect(pipe.chunks).toHaveLength(2);
    // A packet cut by cap's 65535-byte snapshot: the length on the wire comes from the IP header.
    const big = ethernetFrame(65549, 4);
    big.copy(buffer, 0, 0, 65535);
    fwd.packet(buffer, 65535, false);
    await tick();
    expect(pipe.chunks).toHaveLength(3);

    const r = parse(pipe.bytes());
    expect(r.error).toBeNull();
    expect(r.linkType).toBe(1);
    expect(r.nanosecond).toBe(true);
    // The warm-up's made-up packets were never sent.
    expect(r.frames.map((f) => [f.capLen, f.origLen])).toEqual([[60, 60], [74, 74], [100, 150], [100, 65549]]);
    expect(Buffer.from(r.frames[2].data).equals(ethernetFrame(150, 3).subarray(0, 100))).toBe(true);
    const t = r.frames.map((f) => f.tsSec + f.tsNsec / 1e9);
    expect(t).toEqual([...t].sort((a, b) => a - b));
    expect(t[0]).toBeGreaterThanOrEqual(before - 0.01);
    expect(t[3]).toBeLessThanOrEqual(Date.now() / 1000 + 0.01);
    expect(fwd.forwarded).toBe(4);
    expect(fwd.dropped).toBe(0);
  });

  it('to a parent that stops reading: at most the backlog waits, the rest is counted as dropped, and what waits is whole records', async () => {
    const pipe = new FakePipe(false);
    const buffer = ethernetFrame(1000, 7);
    const fwd = new Forwarder(pipe, 1, 65535, 64 * 1024);
    fwd.start();
    for (let burst = 0; burst < 100; burst++) {
      for (let i = 0; i < 10; i++) fwd.packet(buffer, 1000, false);
      await tick();
    }
    const record = 16 + 1000;
    const fit = Math.floor((64 * 1024 - 24) / record);
    expect(fwd.forwarded).toBe(fit);
    expect(fwd.dropped).toBe(1000 - fit);
    expect(pipe.writableLength).toBeLessThanOrEqual(64 * 1024);
    // Bursts written while earlier ones wait are copies the size of their data,
    // not a 1 MiB staging buffer each (the first write, the header, may hold one).
    expect(pipe.held.length).toBeGreaterThan(2);
    expect(pipe.held.slice(1).every((n) => n <= 10 * record)).toBe(true);
    const r = parse(pipe.bytes());
    expect(r.error).toBeNull();
    expect(r.frames).toHaveLength(fit);
  });

  it('with a clock that is the wall clock, moved on by the monotonic one', () => {
    const c = new LiveClock();
    c.now();
    const wall = Date.now() / 1000;
    expect(Math.abs(c.sec + c.nsec / 1e9 - wall)).toBeLessThan(0.05);
    expect(c.nsec).toBeGreaterThanOrEqual(0);
    expect(c.nsec).toBeLessThan(1e9);
    let prev = c.sec * 1e9 + c.nsec;
    for (let i = 0; i < 1000; i++) {
      c.now();
      const t = c.sec * 1e9 + c.nsec;
      expect(t).toBeGreaterThanOrEqual(prev);
      prev = t;
    }
  });
});
