/**
 * Conversations keyed by addresses and ports, found by a numeric hash (no
 * string keys per packet), in either direction. A flow remembers its key as
 * 32-bit words (IPv4 uses word 0 only) so matching compares numbers.
 *
 * Flows are kept in least-recently-active order; when more than `max` are
 * live, the least recently active is evicted (the owner summarises it), so
 * memory stays bounded however many distinct 5-tuples a capture holds.
 */
import type { Packet } from '../decode/packet';

/** Key scratch: words 0-3 address A, 4-7 address B, 8 port A, 9 port B. */
export type KeyWords = Uint32Array;

export class Flow {
  /** 4 or 6. */
  readonly family: number;
  /** Addresses as 32-bit words (IPv4: word 0 only) and ports; A is the first frame's source. */
  readonly a0: number;
  readonly a1: number;
  readonly a2: number;
  readonly a3: number;
  readonly aPort: number;
  readonly b0: number;
  readonly b1: number;
  readonly b2: number;
  readonly b3: number;
  readonly bPort: number;
  hash = 0;
  hashNext: Flow | null = null;
  lruPrev: Flow | null = null;
  lruNext: Flow | null = null;
  /** Still the flow its key maps to (a TCP SYN reusing the ports replaces it). */
  current = true;
  firstFrame: number;
  lastFrame: number;
  firstSec: number;
  firstNsec: number;
  lastSec: number;
  lastNsec: number;

  constructor(family: number, w: KeyWords, frame: number, sec: number, nsec: number) {
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

/** Symmetric in the two endpoints, so both directions land in the same bucket. */
export function hashKey(w: KeyWords, family: number): number {
  let ha = Math.imul(w[0] ^ Math.imul(w[1], 0x85ebca6b) ^ Math.imul(w[2], 0xc2b2ae35) ^ Math.imul(w[3], 0x27d4eb2f), 0x9e3779b1) ^ Math.imul(w[8] + 1, 0x165667b1);
  let hb = Math.imul(w[4] ^ Math.imul(w[5], 0x85ebca6b) ^ Math.imul(w[6], 0xc2b2ae35) ^ Math.imul(w[7], 0x27d4eb2f), 0x9e3779b1) ^ Math.imul(w[9] + 1, 0x165667b1);
  ha ^= ha >>> 15;
  hb ^= hb >>> 15;
  let h = (ha + hb + family) | 0;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

export class FlowTable<F extends Flow> {
  private buckets: (F | null)[] = new Array<F | null>(1024).fill(null);
  private mask = 1023;
  /** Least recently active first. */
  head: F | null = null;
  tail: F | null = null;
  live = 0;
  evicted = 0;

  constructor(
    private readonly max: number,
    private readonly retire: (f: F, evicted: boolean) => void,
  ) {}

  find(h: number, family: number, w: KeyWords): F | null {
    // Packets come in bursts of one conversation: try the last one found first.
    const last = this.last;
    if (last !== null && last.hash === h && last.current && last.family === family && last.matches(w)) return last;
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

  /** Adds a new flow as the current one for its key and the most recent; may evict the oldest. */
  add(f: F, h: number): void {
    f.hash = h;
    const b = h & this.mask;
    f.hashNext = this.buckets[b];
    this.buckets[b] = f;
    this.live++;
    if (this.live > (this.mask + 1) * 0.75 && this.mask < 1 << 26) this.rehash();
    f.lruPrev = this.tail;
    if (this.tail !== null) this.tail.lruNext = f;
    else this.head = f;
    this.tail = f;
    if (this.live > this.max && this.head !== null && this.head !== f) {
      this.evicted++;
      this.remove(this.head, true);
    }
  }

  /** Marks `f` as the most recently active. */
  touch(f: F, frame: number, sec: number, nsec: number): void {
    f.lastFrame = frame;
    f.lastSec = sec;
    f.lastNsec = nsec;
    if (this.tail === f) return;
    if (f.lruPrev !== null) f.lruPrev.lruNext = f.lruNext;
    else this.head = f.lruNext as F | null;
    if (f.lruNext !== null) f.lruNext.lruPrev = f.lruPrev;
    f.lruPrev = this.tail;
    f.lruNext = null;
    if (this.tail !== null) this.tail.lruNext = f;
    else this.head = f;
    this.tail = f;
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
    if (this.last === f) this.last = null;
    this.unlinkKey(f);
    if (f.lruPrev !== null) f.lruPrev.lruNext = f.lruNext;
    else this.head = f.lruNext as F | null;
    if (f.lruNext !== null) f.lruNext.lruPrev = f.lruPrev;
    else this.tail = f.lruPrev as F | null;
    f.lruPrev = f.lruNext = null;
    this.live--;
    this.retire(f, evicted);
  }

  /** Every live flow, least recently active first. */
  *all(): IterableIterator<F> {
    for (let f = this.head; f !== null; f = f.lruNext as F | null) yield f;
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

const HEX = '0123456789abcdef';

/** Text of an address given as words: IPv4 dotted quad, IPv6 in RFC 5952 form. */
export function formatAddress(family: number, w0: number, w1: number, w2: number, w3: number): string {
  if (family === 4) return `${w0 >>> 24}.${(w0 >>> 16) & 255}.${(w0 >>> 8) & 255}.${w0 & 255}`;
  const g = [w0 >>> 16, w0 & 0xffff, w1 >>> 16, w1 & 0xffff, w2 >>> 16, w2 & 0xffff, w3 >>> 16, w3 & 0xffff];
  // IPv4-mapped addresses as inet_ntop prints them.
  if (g[0] === 0 && g[1] === 0 && g[2] === 0 && g[3] === 0 && g[4] === 0 && g[5] === 0xffff) {
    return `::ffff:${w3 >>> 24}.${(w3 >>> 16) & 255}.${(w3 >>> 8) & 255}.${w3 & 255}`;
  }
  let best = -1;
  let bestLen = 1;
  for (let i = 0; i < 8; ) {
    if (g[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && g[j] === 0) j++;
    if (j - i > bestLen) {
      best = i;
      bestLen = j - i;
    }
    i = j;
  }
  let s = '';
  for (let i = 0; i < 8; i++) {
    if (i === best) {
      s += i === 0 ? '::' : ':';
      i += bestLen - 1;
      continue;
    }
    let v = g[i];
    let hex = '';
    do {
      hex = HEX[v & 15] + hex;
      v >>>= 4;
    } while (v !== 0);
    s += hex;
    if (i < 7) s += ':';
  }
  return s;
}
