/**
 * The dashboard's TCP connections (or UDP conversations) by stream number,
 * in bounded memory. Analysis keeps at most maxConnections live objects and
 * hands each one it lets go of to the model, which keeps a snapshot of it
 * (conn-snapshot.ts). Without a bound those snapshots pile up: a SYN flood
 * of a million connections, or a live session running for days, would keep
 * a million of them. So at most `cap` snapshots are kept, the oldest
 * (lowest stream numbers: numbers are handed out in order of first frame)
 * leave first and are counted. Live objects never leave (analysis bounds
 * them). Snapshots are rows of a SnapshotTable (snapshot-table.ts: columns,
 * not objects), built into TcpSnapshot / UdpSnapshot objects when asked.
 *
 * Storage is a window of slots from the lowest stream kept (`base`) to the
 * newest, not a slot per stream ever seen: when the oldest snapshots go the
 * window's start moves up, and a live connection older than the new start
 * moves to a small map beside it (at most analysis's live bound).
 */

import type { SnapshotTable } from './snapshot-table';

/** Finished connections the dashboard keeps summaries of, TCP and UDP each (the newest). */
export const KEEP_CONNECTIONS = 100_000;

export class ConnStore<L extends { readonly stream: number; readonly firstFrame: number }, S> {
  /** Streams base .. next-1 at slots[head ..]: a live object, a snapshot's row (a number), or null (never tracked: a gap). */
  private slots: (L | number | null)[] = [];
  private head = 0;
  private base = 0;
  /** Live entries below `base`, in stream order. */
  private readonly held = new Map<number, L>();
  /** One past the highest stream stored. */
  next = 0;
  /** Streams ever stored. */
  seen = 0;
  /** Live objects kept. */
  live = 0;
  /** Snapshots kept. */
  retired = 0;
  /** Snapshots dropped to stay within `cap`. */
  dropped = 0;

  constructor(
    private readonly table: SnapshotTable<L, S>,
    readonly cap: number = KEEP_CONNECTIONS,
  ) {}

  /** Entries kept (live and retired). */
  get size(): number {
    return this.live + this.retired;
  }

  /** Slots of storage in use (the window and the held map): what memory follows. */
  get slotCount(): number {
    return this.slots.length - this.head + this.held.size;
  }

  /** The lowest stream the window holds: every snapshot below it was dropped. */
  get floor(): number {
    return this.base;
  }

  /** Remembers a live object the first time a frame of it is seen (a compare when already known). */
  track(c: L): void {
    const s = c.stream;
    if (s >= this.next) {
      if (this.slots.length === this.head) {
        // An empty window starts at this stream: no slots for the gap below it.
        this.slots.length = this.head = 0;
        this.base = s;
      }
      while (this.base + this.slots.length - this.head < s) this.slots.push(null);
      this.slots.push(c);
      this.next = s + 1;
    } else if (s >= this.base && this.slots[this.head + s - this.base] === null) {
      // A stream whose first frame named it only after a newer one (a gap in the window).
      this.slots[this.head + s - this.base] = c;
    } else {
      return;
    }
    this.seen++;
    this.live++;
  }

  /** Analysis lets go of `c` (evicted): keep its snapshot, dropping the oldest beyond `cap`. */
  retire(c: L): void {
    const s = c.stream;
    if (s >= this.base && s < this.next) {
      const i = this.head + s - this.base;
      if (this.slots[i] !== c) return;
      this.slots[i] = this.table.put(c);
      this.live--;
      this.retired++;
      if (this.retired > this.cap) this.trim();
    } else if (this.held.delete(s)) {
      // Older than every snapshot kept, and there are `cap` of them (the window moved only when
      // there were more): this one is the oldest, so it goes at once.
      this.live--;
      this.dropped++;
    }
  }

  /** Moves the window's start up past the oldest snapshots until `cap` remain. */
  private trim(): void {
    const slots = this.slots;
    while (this.retired > this.cap) {
      const x = slots[this.head];
      if (typeof x === 'number') {
        this.table.free(x);
        this.retired--;
        this.dropped++;
      } else if (x !== null) {
        this.held.set(this.base, x);
      }
      slots[this.head++] = null;
      this.base++;
    }
    // Give the dead front back once it is half the array.
    if (this.head >= 1024 && this.head * 2 >= slots.length) {
      slots.copyWithin(0, this.head);
      slots.length -= this.head;
      this.head = 0;
    }
  }

  private entry(s: number): L | number | null {
    if (s >= this.base) return s < this.next ? this.slots[this.head + s - this.base] : null;
    return this.held.get(s) ?? null;
  }

  /** The live object or snapshot (built now) of stream `s`, or null (never seen, or dropped). */
  get(s: number): L | S | null {
    const x = this.entry(s);
    return typeof x === 'number' ? this.table.get(x) : x;
  }

  /** Whether stream `s` is kept (building nothing). */
  has(s: number): boolean {
    return this.entry(s) !== null;
  }

  /** First frame of stream `s`, or -1 when it is not kept. */
  firstFrame(s: number): number {
    const x = this.entry(s);
    return x === null ? -1 : typeof x === 'number' ? this.table.firstFrame(x) : x.firstFrame;
  }

  /** Stream `s` was seen and is no longer kept (dropped to bound memory). */
  isDropped(s: number): boolean {
    return s >= 0 && s < this.base && !this.held.has(s);
  }

  /** Every entry kept, in stream order (snapshots built as they come). */
  *[Symbol.iterator](): IterableIterator<L | S> {
    yield* this.held.values();
    const slots = this.slots;
    for (let i = this.head; i < slots.length; i++) {
      const x = slots[i];
      if (x !== null) yield typeof x === 'number' ? this.table.get(x) : x;
    }
  }
}

/**
 * Running tallies over every connection that finished (analysis let go of
 * it), so that what the screen sums up stays exact after old entries left
 * the store: counted as each one finishes, never recomputed from entries.
 */
export class ConnTotals {
  finished = 0;
  /** Finished connections by handshake kind ('normal', 'refused', 'unanswered'...). */
  readonly handshakes = new Map<string, number>();
  /** By teardown kind ('four-way', 'reset'...). */
  readonly teardowns = new Map<string, number>();

  add(handshake?: string, teardown?: string): void {
    this.finished++;
    if (handshake !== undefined) this.handshakes.set(handshake, (this.handshakes.get(handshake) ?? 0) + 1);
    if (teardown !== undefined) this.teardowns.set(teardown, (this.teardowns.get(teardown) ?? 0) + 1);
  }
}
