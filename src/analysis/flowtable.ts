/**
 * Conversations keyed by addresses and ports, found by a numeric hash (no
 * string keys per packet), in either direction. A flow remembers its key as
 * 32-bit words (IPv4 uses word 0 only) so matching compares numbers.
 *
 * When more than `max` flows are live, an idle one is evicted (the owner
 * summarises it), so memory stays bounded however many distinct 5-tuples a
 * capture holds. Eviction is the CLOCK approximation of least-recently-used:
 * flows wait in a queue in order of creation; the oldest is evicted unless it
 * was active since it was queued, in which case it goes to the back. A packet
 * only records its frame number in its flow (no list to relink, no cache
 * misses on neighbouring flows).
 */
import type { Packet } from '../decode/packet';
import { ipv6TextAt } from '../decode/treekit';

/**
 * Seconds are kept relative to this (2020-09-13): within ~34 years of it they
 * fit V8's small integers, so a flow's times cost no boxed number each.
 * Time differences, all the analysis computes, do not change.
 */
export const TIME_BASE = 1_600_000_000;

/** Key scratch: words 0-3 address A, 4-7 address B, 8 port A, 9 port B. */
export type KeyWords = Uint32Array;

export class Flow {
  /** 4 or 6. (Fixed for the flow's life; set again only when a retired flow object is reused.) */
  family: number;
  /** Addresses as 32-bit words (IPv4: word 0 only) and ports; A is the first frame's source. */
  a0: number;
  a1: number;
  a2: number;
  a3: number;
  aPort: number;
  b0: number;
  b1: number;
  b2: number;
  b3: number;
  bPort: number;
  hash = 0;
  hashNext: Flow | null = null;
  /** Still the flow its key maps to (a TCP SYN reusing the ports replaces it). */
  current = true;
  /** Still in the table (false once evicted or finished). */
  live = true;
  /** The frame number when the flow last entered the eviction queue. */
  queuedAt = 0;

  /** Over: nothing more is expected (a TCP connection closed or reset). Evicted first, no second chance. */
  get done(): boolean {
    return false;
  }
  firstFrame: number;
  lastFrame: number;
  /** Seconds since TIME_BASE (add TIME_BASE for the epoch), and nanoseconds. */
  firstSec: number;
  firstNsec: number;
  lastSec: number;
  lastNsec: number;

  constructor(family: number, w: KeyWords, frame: number, sec: number, nsec: number) {
    this.family = family;
    this.a0 = this.a1 = this.a2 = this.a3 = this.aPort = this.b0 = this.b1 = this.b2 = this.b3 = this.bPort = 0;
    this.firstFrame = this.lastFrame = this.firstSec = this.firstNsec = this.lastSec = this.lastNsec = 0;
    this.begin(family, w, frame, sec, nsec);
  }

  /** Key and first frame of the flow (the constructor's work; again when a retired flow object is reused). */
  protected begin(family: number, w: KeyWords, frame: number, sec: number, nsec: number): void {
    this.family = family;
    this.a0 = w[0];
    this.a1 = w[1];
    this.a2 = w[2];
    this.a3 = w[3];
    this.aPort = w[8];
    this.b0 = w[4];
    this.b1 = w[5];
    this.b2 = w[6];
    this.b3 = w[7];
    this.bPort = w[9];
    this.firstFrame = frame;
    this.lastFrame = frame;
    this.firstSec = sec;
    this.firstNsec = nsec;
    this.lastSec = sec;
    this.lastNsec = nsec;
  }

  /** The key words are this flow's, in either direction. */
  matches(w: KeyWords): boolean {
    if (this.aPort === w[8] && this.bPort === w[9] && this.a0 === w[0] && this.b0 === w[4] && this.a1 === w[1] && this.a2 === w[2] && this.a3 === w[3] && this.b1 === w[5] && this.b2 === w[6] && this.b3 === w[7]) return true;
    return this.aPort === w[9] && this.bPort === w[8] && this.a0 === w[4] && this.b0 === w[0] && this.a1 === w[5] && this.a2 === w[6] && this.a3 === w[7] && this.b1 === w[1] && this.b2 === w[2] && this.b3 === w[3];
  }

  /** The key words' source is this flow's A side. */
  fromA(w: KeyWords): boolean {
    return this.aPort === w[8] && this.bPort === w[9] && this.a0 === w[0] && this.a1 === w[1] && this.a2 === w[2] && this.a3 === w[3] && this.b0 === w[4] && this.b1 === w[5] && this.b2 === w[6] && this.b3 === w[7];
  }

  /** Address A (or B) as text: dotted quad or RFC 5952. */
  address(sideA: boolean): string {
    return formatAddress(this.family, sideA ? this.a0 : this.b0, sideA ? this.a1 : this.b1, sideA ? this.a2 : this.b2, sideA ? this.a3 : this.b3);
  }
}

/** Fills `w` with the addresses of network layer `ipLi` and the ports at `portsAt`. */
export function readKey(pkt: Packet, ipLi: number, family: number, portsAt: number, w: KeyWords): void {
  const ip = pkt.layerStart[ipLi];
  if (family === 4) {
    w[0] = pkt.u32(ip + 12);
    w[1] = w[2] = w[3] = 0;
    w[4] = pkt.u32(ip + 16);
    w[5] = w[6] = w[7] = 0;
  } else {
    for (let k = 0; k < 4; k++) {
      w[k] = pkt.u32(ip + 8 + 4 * k);
      w[4 + k] = pkt.u32(ip + 24 + 4 * k);
    }
  }
  w[8] = pkt.u16(portsAt);
  w[9] = pkt.u16(portsAt + 2);
}

/**
 * Symmetric in the two endpoints, so both directions land in the same bucket.
 * 30 bits: a small integer in V8 (a 32-bit result would be a heap number per
 * packet), and more than the buckets ever use.
 */
export function hashKey(w: KeyWords, family: number): number {
  let ha = Math.imul(w[0] ^ Math.imul(w[1], 0x85ebca6b) ^ Math.imul(w[2], 0xc2b2ae35) ^ Math.imul(w[3], 0x27d4eb2f), 0x9e3779b1) ^ Math.imul(w[8] + 1, 0x165667b1);
  let hb = Math.imul(w[4] ^ Math.imul(w[5], 0x85ebca6b) ^ Math.imul(w[6], 0xc2b2ae35) ^ Math.imul(w[7], 0x27d4eb2f), 0x9e3779b1) ^ Math.imul(w[9] + 1, 0x165667b1);
  ha ^= ha >>> 15;
  hb ^= hb >>> 15;
  let h = (ha + hb + family) | 0;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) & 0x3fffffff;
}

/** hashKey() of an IPv4 key given as numbers (the same value: the words it leaves out are 0). */
export function hashKey4(a: number, aPort: number, b: number, bPort: number): number {
  let ha = Math.imul(a, 0x9e3779b1) ^ Math.imul(aPort + 1, 0x165667b1);
  let hb = Math.imul(b, 0x9e3779b1) ^ Math.imul(bPort + 1, 0x165667b1);
  ha ^= ha >>> 15;
  hb ^= hb >>> 15;
  let h = (ha + hb + 4) | 0;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) & 0x3fffffff;
}

/** Fills `w` with an IPv4 key given as numbers (what readKey() would read). */
export function fillKey4(w: KeyWords, a: number, aPort: number, b: number, bPort: number): void {
  w[0] = a;
  w[1] = w[2] = w[3] = 0;
  w[4] = b;
  w[5] = w[6] = w[7] = 0;
  w[8] = aPort;
  w[9] = bPort;
}

export class FlowTable<F extends Flow> {
  private buckets: (F | null)[] = new Array<F | null>(1024).fill(null);
  private mask = 1023;
  /** Live flows in eviction order (CLOCK); entries of flows that left are skipped. */
  private queue: F[] = [];
  private qHead = 0;
  live = 0;
  evicted = 0;

  constructor(
    private readonly max: number,
    private readonly retire: (f: F, evicted: boolean) => void,
  ) {}

  find(h: number, family: number, w: KeyWords): F | null {
    // Packets come in bursts of one conversation: try the last one found first.
    const last = this.last;
    if (last !== null && last.hash === h && last.current === true && last.family === family && last.matches(w)) return last;
    for (let f = this.buckets[h & this.mask]; f !== null; f = f.hashNext as F | null) {
      if (f.family === family && f.matches(w)) {
        this.last = f;
        return f;
      }
    }
    return null;
  }

  /** The flow `find` returned last (cleared when it leaves the table). */
  private last: F | null = null;
  /** Whether the key given to the last successful `find4` came from the flow's A side. */
  foundFromA = true;

  /**
   * `find` for IPv4 (most traffic) without key words: source `a`:`aPort`,
   * destination `b`:`bPort`; sets `foundFromA`. An IPv4 flow's other words are 0.
   */
  find4(h: number, a: number, aPort: number, b: number, bPort: number): F | null {
    const last = this.findLast4(a, aPort, b, bPort);
    if (last !== null) return last;
    return this.findBucket4(h, a, aPort, b, bPort);
  }

  /**
   * `find4` of the flow found last only (its hash is `f.hash`): packets come in bursts of one
   * conversation, and then no hash needs computing.
   */
  findLast4(a: number, aPort: number, b: number, bPort: number): F | null {
    const last = this.last;
    if (last !== null && last.current === true && last.family === 4) {
      if (last.a0 === a && last.b0 === b && last.aPort === aPort && last.bPort === bPort) {
        this.foundFromA = true;
        return last;
      }
      if (last.a0 === b && last.b0 === a && last.aPort === bPort && last.bPort === aPort) {
        this.foundFromA = false;
        return last;
      }
    }
    return null;
  }

  /** `find4` in the bucket of hash `h` (after `findLast4` missed). */
  findBucket4(h: number, a: number, aPort: number, b: number, bPort: number): F | null {
    for (let f = this.buckets[h & this.mask]; f !== null; f = f.hashNext as F | null) {
      if (f.family !== 4) continue;
      if (f.a0 === a && f.b0 === b && f.aPort === aPort && f.bPort === bPort) {
        this.foundFromA = true;
        this.last = f;
        return f;
      }
      if (f.a0 === b && f.b0 === a && f.aPort === bPort && f.bPort === aPort) {
        this.foundFromA = false;
        this.last = f;
        return f;
      }
    }
    return null;
  }

  /** Adds a new flow as the current one for its key; may evict an idle one. */
  add(f: F, h: number): void {
    f.hash = h;
    const b = h & this.mask;
    f.hashNext = this.buckets[b];
    this.buckets[b] = f;
    this.live++;
    if (this.live > (this.mask + 1) * 0.75 && this.mask < 1 << 26) this.rehash();
    f.queuedAt = f.firstFrame;
    this.queue.push(f);
    if (this.live > this.max) this.evictOne(f);
  }

  /** Records activity (no reordering: see the class comment). */
  touch(f: F, frame: number, sec: number, nsec: number): void {
    f.lastFrame = frame;
    f.lastSec = sec;
    f.lastNsec = nsec;
  }

  private evictOne(keep: F): void {
    const q = this.queue;
    for (let tries = this.queue.length - this.qHead; tries > 0; tries--) {
      const f = q[this.qHead];
      q[this.qHead++] = undefined as unknown as F;
      if (!f.live) continue;
      // Active since it was queued (or the flow being added), and not over: a second chance at the back.
      if (f === keep || (f.lastFrame > f.queuedAt && !f.done)) {
        f.queuedAt = f.lastFrame;
        q.push(f);
        continue;
      }
      this.evicted++;
      this.remove(f, true);
      break;
    }
    this.compact();
  }

  /** Drops the queue's consumed head once it is most of the array. */
  private compact(): void {
    if (this.qHead > 1024 && this.qHead * 2 > this.queue.length) {
      this.queue = this.queue.slice(this.qHead);
      this.qHead = 0;
    }
  }

  /** The key no longer leads to `f` (a new flow took the key); `f` stays live. */
  unlinkKey(f: F): void {
    if (!f.current) return;
    f.current = false;
    const b = f.hash & this.mask;
    let p = this.buckets[b];
    if (p === f) {
      this.buckets[b] = f.hashNext as F | null;
    } else {
      while (p !== null && p.hashNext !== f) p = p.hashNext as F | null;
      if (p !== null) p.hashNext = f.hashNext;
    }
    f.hashNext = null;
  }

  /** Takes `f` out of the table and hands it to the owner's retire callback. */
  remove(f: F, evicted: boolean): void {
    if (!f.live) return;
    if (this.last === f) this.last = null;
    this.unlinkKey(f);
    f.live = false;
    this.live--;
    this.retire(f, evicted);
  }

  /** Every live flow, in order of creation (or of their last second chance). */
  *all(): IterableIterator<F> {
    const q = this.queue;
    for (let i = this.qHead; i < q.length; i++) if (q[i] !== undefined && q[i].live) yield q[i];
  }

  /** Retires every live flow (the end of a capture), oldest first. */
  clear(): void {
    const q = this.queue;
    this.queue = [];
    this.qHead = 0;
    for (const f of q) if (f !== undefined && f.live) this.remove(f, false);
  }

  private rehash(): void {
    const old = this.buckets;
    const size = old.length * 2;
    this.buckets = new Array<F | null>(size).fill(null);
    this.mask = size - 1;
    for (let i = 0; i < old.length; i++) {
      let f = old[i];
      while (f !== null) {
        const next = f.hashNext as F | null;
        const b = f.hash & this.mask;
        f.hashNext = this.buckets[b];
        this.buckets[b] = f;
        f = next;
      }
    }
  }
}

/** The address being formatted, as bytes (the one IPv6 text rule works on bytes). */
const ADDRESS_BYTES = new Uint8Array(16);
const ADDRESS_VIEW = new DataView(ADDRESS_BYTES.buffer);

/** Text of an address given as words: IPv4 dotted quad, IPv6 as inet_ntop (and the decoders) write it. */
export function formatAddress(family: number, w0: number, w1: number, w2: number, w3: number): string {
  if (family === 4) return `${w0 >>> 24}.${(w0 >>> 16) & 255}.${(w0 >>> 8) & 255}.${w0 & 255}`;
  ADDRESS_VIEW.setUint32(0, w0 >>> 0);
  ADDRESS_VIEW.setUint32(4, w1 >>> 0);
  ADDRESS_VIEW.setUint32(8, w2 >>> 0);
  ADDRESS_VIEW.setUint32(12, w3 >>> 0);
  return ipv6TextAt(ADDRESS_BYTES, 0);
}
