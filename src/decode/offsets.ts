/**
 * For protocols whose fields repeat many times in one message (DNS records,
 * DHCP options): the offsets of the items, found once per frame and layer,
 * and a cursor that lets occurrence k + 1 continue where occurrence k was
 * found. Getters are asked for k = 0, 1, 2 ...; a 64 KiB message can hold
 * tens of thousands of items, and walking from the start each time would
 * make -T json or -V quadratic on a crafted packet.
 */
import type { Packet } from './packet';

/** Offsets of items of one layer of one frame; rebuilt when asked about another. */
export class OffsetIndex {
  count = 0;
  offsets = new Int32Array(64);
  private pkt: Packet | null = null;
  private number = -1;
  private li = -1;
  private data: Uint8Array | null = null;
  private start = -1;
  private capLen = -1;

  /** `build` walks the layer and calls `add` for each item, in order; it runs once per frame and layer. */
  constructor(private readonly build: (pkt: Packet, li: number, index: OffsetIndex) => void) {}

  of(pkt: Packet, li: number): OffsetIndex {
    const start = pkt.base + pkt.layerStart[li];
    if (this.pkt === pkt && this.number === pkt.number && this.li === li && this.data === pkt.data && this.start === start && this.capLen === pkt.capLen) {
      return this;
    }
    this.pkt = pkt;
    this.number = pkt.number;
    this.li = li;
    this.data = pkt.data;
    this.start = start;
    this.capLen = pkt.capLen;
    this.count = 0;
    this.build(pkt, li, this);
    return this;
  }

  add(offset: number): void {
    if (this.count === this.offsets.length) {
      const bigger = new Int32Array(this.offsets.length * 2);
      bigger.set(this.offsets);
      this.offsets = bigger;
    }
    this.offsets[this.count++] = offset;
  }
}

/**
 * Remembers where occurrence `k` of something (told apart by `key`) was
 * found in a frame's layer, so that asking for k + 1 resumes there.
 */
export class OccurrenceCursor {
  private pkt: Packet | null = null;
  private number = -1;
  private li = -1;
  private key: unknown = null;
  /** The occurrence last found, and the caller's position (an item index) where it was. */
  lastK = -1;
  private at = 0;

  /**
   * The position of the last occurrence found (number `lastK`, at most `k`)
   * when it belongs to the same frame, layer and key, else -1: start over.
   */
  resume(pkt: Packet, li: number, key: unknown, k: number): number {
    if (this.pkt !== pkt || this.number !== pkt.number || this.li !== li || this.key !== key || this.lastK < 0 || this.lastK > k) return -1;
    return this.at;
  }

  /** Occurrence `k` was found at position `at`. */
  found(pkt: Packet, li: number, key: unknown, k: number, at: number): void {
    this.pkt = pkt;
    this.number = pkt.number;
    this.li = li;
    this.key = key;
    this.lastK = k;
    this.at = at;
  }
}
