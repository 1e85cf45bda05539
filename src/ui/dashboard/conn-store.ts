/**
 * The dashboard's TCP connections (or UDP conversations) by stream number,
 * in bounded memory. Analysis keeps at most maxConnections live objects and
 * hands each one it lets go of to the model, which keeps a snapshot of it
 * (conn-snapshot.ts). Without a bound those snapshots pile up: a SYN flood
 * of a million connections, or a live session running for days, would keep
 * a million of them. So at most `cap` snapshots are kept, the oldest
 * (lowest stream numbers: numbers are handed out in order of first frame)
 * leave first and are counted. Live objects never leave (analysis bounds
 * them).
 *
 * Storage is a window of slots from the lowest stream kept (`base`) to the
 * newest, not a slot per stream ever seen: when the oldest snapshots go the
 * window's start moves up, and a live connection older than the new start
 * moves to a small map beside it (at most analysis's live bound).
 */

/** Finished connections the dashboard keeps summaries of, TCP and UDP each (the newest). */
export const KEEP_CONNECTIONS = 100_000;

/** Snapshots carry a `kind`; live analysis objects do not. */
export class ConnStore<L extends { readonly stream: number }, S extends { readonly kind: string; readonly stream: number }> {
  /** Streams base .. next-1 at slots[head ..]; null: never tracked (or a gap). */
  private slots: (L | S | null)[] = [];
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

  constructor(readonly cap: number = KEEP_CONNECTIONS) {}

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

  /** Analysis let go of stream `s`: keep its snapshot, dropping the oldest beyond `cap`. */
  retire(s: number, snap: S): void {
    if (s >= this.base && s < this.next) {
      const i = this.head + s - this.base;
      const old = this.slots[i];
      if (old === null || isSnapshot(old)) return;
      this.slots[i] = snap;
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
      if (x !== null) {
        if (isSnapshot(x)) {
          this.retired--;
          this.dropped++;
        } else {
          this.held.set(this.base, x);
        }
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

  /** The live object or snapshot of stream `s`, or null (never seen, or dropped). */
  get(s: number): L | S | null {
    if (s >= this.base) return s < this.next ? this.slots[this.head + s - this.base] : null;
    return this.held.get(s) ?? null;
  }

  /** Stream `s` was seen and is no longer kept (dropped to bound memory). */
  isDropped(s: number): boolean {
    return s >= 0 && s < this.base && !this.held.has(s);
  }

  /** Every entry kept, in stream order. */
  *[Symbol.iterator](): IterableIterator<L | S> {
    yield* this.held.values();
    const slots = this.slots;
    for (let i = this.head; i < slots.length; i++) {
      const x = slots[i];
      if (x !== null) yield x;
    }
  }
}

function isSnapshot<L, S extends { readonly kind: string }>(x: L | S): x is S {
  return typeof x === 'object' && x !== null && 'kind' in x;
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
