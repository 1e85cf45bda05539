/**
 * Dispatch tables (gopacket's LayerType maps): a parent looks up the number it
 * read (link type, ethertype, IP protocol, port) and never names its child.
 * `decode/index.ts` is the one place that fills them.
 */
import type { Protocol } from './protocol';

/**
 * A table from non-negative integers (below 2^31) to protocols, read for
 * every frame: open addressing over typed keys, a multiply and a compare or
 * two. Map.get costs about 70 instructions a lookup, a third of what decoding
 * an Ethernet header costs in all.
 */
export class NumberTable {
  /** Keys, -1 where empty; a power of two long, at most half full. */
  private slots = new Int32Array(16).fill(-1);
  private values: (Protocol | undefined)[] = new Array<Protocol | undefined>(16).fill(undefined);
  private mask = 15;
  private count = 0;

  get(key: number): Protocol | undefined {
    const slots = this.slots;
    for (let i = Math.imul(key, 0x9e3779b1) >>> 16 & this.mask; ; i = (i + 1) & this.mask) {
      const k = slots[i];
      if (k === key) return this.values[i];
      if (k === -1) return undefined;
    }
  }

  set(key: number, value: Protocol): void {
    if (!Number.isInteger(key) || key < 0 || key > 0x7fffffff) throw new RangeError(`dispatch key ${key}`);
    const slots = this.slots;
    let i = Math.imul(key, 0x9e3779b1) >>> 16 & this.mask;
    while (slots[i] !== -1 && slots[i] !== key) i = (i + 1) & this.mask;
    if (slots[i] === -1) this.count++;
    slots[i] = key;
    this.values[i] = value;
    if (this.count * 2 > this.mask) this.grow();
  }

  keys(): number[] {
    return [...this.slots].filter((k) => k !== -1);
  }

  private grow(): void {
    const keys = this.slots;
    const values = this.values;
    this.slots = new Int32Array(keys.length * 2).fill(-1);
    this.values = new Array<Protocol | undefined>(keys.length * 2).fill(undefined);
    this.mask = keys.length * 2 - 1;
    this.count = 0;
    for (let i = 0; i < keys.length; i++) if (keys[i] !== -1) this.set(keys[i], values[i]!);
  }
}

/** By LINKTYPE_* value. */
export const linkTypes = new NumberTable();
/** By ethertype (Ethernet II, VLAN tags, Linux cooked protocol field). */
export const etherTypes = new NumberTable();
/** By IPv4 protocol / IPv6 next header (upper-layer protocols only). */
export const ipProtocols: (Protocol | undefined)[] = new Array(256);
/** By UDP port (either side; the lower port is tried first, as Wireshark does). */
export const udpPorts = new NumberTable();
/** By TCP port. */
export const tcpPorts = new NumberTable();

/** Payload nothing claimed: shown as Wireshark's `data` protocol, never dropped. */
export const fallback: { data: Protocol | null } = { data: null };
