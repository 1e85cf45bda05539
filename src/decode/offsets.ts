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
  /** Changes whenever the index is rebuilt (another frame or layer): cursors tied to an older one are void. */
  generation = 0;
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
    this.generation++;
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
 * found in an OffsetIndex, so that asking for k + 1 resumes there. Tied to
 * the index's generation: a packet object decoded again (the same frame
 * number, other bytes) cannot resume a stale position.
 */
export class OccurrenceCursor {
  private index: OffsetIndex | null = null;
  private generation = -1;
  private key: unknown = null;
  /** The occurrence last found, and the caller's position (an item index) where it was. */
  lastK = -1;
  private at = 0;

  /**
   * The position of the last occurrence found (number `lastK`, at most `k`)
   * when it belongs to the same index generation and key, else -1: start over.
   */
  resume(index: OffsetIndex, key: unknown, k: number): number {
    if (this.index !== index || this.generation !== index.generation || this.key !== key || this.lastK < 0 || this.lastK > k) return -1;
    return this.at;
  }

  /** Occurrence `k` was found at position `at`. */
  found(index: OffsetIndex, key: unknown, k: number, at: number): void {
    this.index = index;
    this.generation = index.generation;
    this.key = key;
    this.lastK = k;
    this.at = at;
  }
}
