/**
 * The summaries of finished connections, kept as columns of numbers rather
 * than an object each. A SYN flood retires a connection per frame: as
 * objects (with their address strings) every summary lived long enough to
 * be promoted, then died, and the old generation's garbage doubled the
 * dashboard's peak memory. Here a row costs about 200 bytes in a few
 * typed arrays, freed rows are reused, and a TcpSnapshot or UdpSnapshot is
 * built only when the screen asks for one (a screenful at a time).
 * Addresses are kept as words and formatted on demand; texts that repeat
 * (history, handshake and teardown descriptions) are shared.
 */
import { formatAddress, type Flow, type TcpConnection, type UdpConversation } from '../../analysis/index';
import { endpointText, snapshotTcp, snapshotUdp, type TcpSnapshot, type UdpSnapshot } from './conn-snapshot';

/** What conn-store.ts needs of a table of snapshots. */
export interface SnapshotTable<L, S> {
  /** Copies what the screen shows of `c` (analysis is about to let go of it) into a free row. */
  put(c: L): number;
  get(row: number): S;
  firstFrame(row: number): number;
  free(row: number): void;
}

/** The address words and ports of a flow (TCP connections and UDP conversations are Flows). */
type Endpoints = Pick<Flow, 'family' | 'a0' | 'a1' | 'a2' | 'a3' | 'aPort' | 'b0' | 'b1' | 'b2' | 'b3' | 'bPort'>;

/** Distinct texts shared, up to this many (RTTs make handshake texts of a real capture all different). */
const INTERN_MAX = 4096;

/** Rows of `nums` numbers and `texts` strings, plus both endpoints; grows by doubling, reuses freed rows. */
class Rows {
  private cap = 0;
  private used = 0;
  private readonly freeRows: number[] = [];
  nums = new Float64Array(0);
  texts: string[] = [];
  /** Addresses: 4 words for the first endpoint, 4 for the second. */
  words = new Uint32Array(0);
  /** Ports, first and second; then the family. */
  ports = new Uint16Array(0);
  family = new Uint8Array(0);
  private readonly interned = new Map<string, string>();

  constructor(
    readonly numCount: number,
    readonly textCount: number,
  ) {}

  take(): number {
    const r = this.freeRows.pop();
    if (r !== undefined) return r;
    if (this.used === this.cap) this.grow();
    return this.used++;
  }

  free(row: number): void {
    for (let i = 0; i < this.textCount; i++) this.texts[row * this.textCount + i] = '';
    this.freeRows.push(row);
  }

  private grow(): void {
    const cap = Math.max(256, this.cap * 2);
    const nums = new Float64Array(cap * this.numCount);
    nums.set(this.nums);
    this.nums = nums;
    const words = new Uint32Array(cap * 8);
    words.set(this.words);
    this.words = words;
    const ports = new Uint16Array(cap * 2);
    ports.set(this.ports);
    this.ports = ports;
    const family = new Uint8Array(cap);
    family.set(this.family);
    this.family = family;
    this.cap = cap;
  }

  intern(s: string): string {
    const known = this.interned.get(s);
    if (known !== undefined) return known;
    if (this.interned.size < INTERN_MAX) this.interned.set(s, s);
    return s;
  }

  /** Stores flow `f`'s endpoints, the first being side A (or B when `aFirst` is false). */
  setEndpoints(row: number, f: Endpoints, aFirst: boolean): void {
    const w = this.words;
    const o = row * 8;
    const x = aFirst ? 0 : 4;
    w[o + x] = f.a0;
    w[o + x + 1] = f.a1;
    w[o + x + 2] = f.a2;
    w[o + x + 3] = f.a3;
    w[o + 4 - x] = f.b0;
    w[o + 5 - x] = f.b1;
    w[o + 6 - x] = f.b2;
    w[o + 7 - x] = f.b3;
    this.ports[row * 2] = aFirst ? f.aPort : f.bPort;
    this.ports[row * 2 + 1] = aFirst ? f.bPort : f.aPort;
    this.family[row] = f.family;
  }

  /** "10.0.0.1:80", "[::1]:443": endpoint 0 (the first) or 1. */
  endpoint(row: number, which: 0 | 1): string {
    const w = this.words;
    const o = row * 8 + which * 4;
    const family = this.family[row];
    return endpointText(family, formatAddress(family, w[o], w[o + 1], w[o + 2], w[o + 3]), this.ports[row * 2 + which]);
  }
}

/** What both tables do the same way, given their rows and the column holding the first frame. */
abstract class ColumnTable<L, S> implements SnapshotTable<L, S> {
  protected constructor(
    protected readonly rows: Rows,
    private readonly firstColumn: number,
  ) {}

  abstract put(c: L): number;
  abstract get(row: number): S;

  firstFrame(row: number): number {
    return this.rows.nums[row * this.rows.numCount + this.firstColumn];
  }

  free(row: number): void {
    this.rows.free(row);
  }
}

// TCP columns.
const T_STREAM = 0;
const T_RTT = 1;
const T_FRAMES_TO_SERVER = 2;
const T_FRAMES_TO_CLIENT = 3;
const T_BYTES_TO_SERVER = 4;
const T_BYTES_TO_CLIENT = 5;
const T_FINDINGS = 6;
const T_COALESCED = 7;
const T_MESSAGES = 8;
const T_SPLIT = 9;
const T_FIRST = 10;
const T_LAST = 11;
const T_NUMS = 12;
const T_CLIENT_STATE = 0;
const T_SERVER_STATE = 1;
const T_HISTORY = 2;
const T_CONN_STATE = 3;
const T_HANDSHAKE = 4;
const T_TEARDOWN = 5;
const T_HANDSHAKE_TEXT = 6;
const T_TEARDOWN_TEXT = 7;
const T_TEXTS = 8;

export class TcpSnapshotTable extends ColumnTable<TcpConnection, TcpSnapshot> {
  constructor() {
    super(new Rows(T_NUMS, T_TEXTS), T_FIRST);
  }

  put(c: TcpConnection): number {
    // The snapshot's own arithmetic, then its numbers into columns: a young object, gone at the next scavenge.
    const d = snapshotTcp(c);
    const t = this.rows;
    const row = t.take();
    const n = t.nums;
    const o = row * T_NUMS;
    n[o + T_STREAM] = d.stream;
    n[o + T_RTT] = d.rttNs;
    n[o + T_FRAMES_TO_SERVER] = d.framesToServer;
    n[o + T_FRAMES_TO_CLIENT] = d.framesToClient;
    n[o + T_BYTES_TO_SERVER] = d.bytesToServer;
    n[o + T_BYTES_TO_CLIENT] = d.bytesToClient;
    n[o + T_FINDINGS] = d.findings;
    n[o + T_COALESCED] = d.coalesced;
    n[o + T_MESSAGES] = d.messages;
    n[o + T_SPLIT] = d.splitMessages;
    n[o + T_FIRST] = d.firstFrame;
    n[o + T_LAST] = d.lastFrame;
    const s = t.texts;
    const p = row * T_TEXTS;
    s[p + T_CLIENT_STATE] = d.clientState;
    s[p + T_SERVER_STATE] = d.serverState;
    s[p + T_HISTORY] = t.intern(d.history);
    s[p + T_CONN_STATE] = d.connState;
    s[p + T_HANDSHAKE] = d.handshake;
    s[p + T_TEARDOWN] = d.teardown;
    s[p + T_HANDSHAKE_TEXT] = t.intern(d.handshakeText);
    s[p + T_TEARDOWN_TEXT] = t.intern(d.teardownText);
    t.setEndpoints(row, c, c.clientIsA);
    return row;
  }

  get(row: number): TcpSnapshot {
    const t = this.rows;
    const n = t.nums;
    const o = row * T_NUMS;
    const s = t.texts;
    const p = row * T_TEXTS;
    return {
      kind: 'tcp',
      stream: n[o + T_STREAM],
      family: t.family[row],
      client: t.endpoint(row, 0),
      server: t.endpoint(row, 1),
      clientState: s[p + T_CLIENT_STATE],
      serverState: s[p + T_SERVER_STATE],
      history: s[p + T_HISTORY],
      connState: s[p + T_CONN_STATE],
      handshake: s[p + T_HANDSHAKE] as TcpSnapshot['handshake'],
      teardown: s[p + T_TEARDOWN] as TcpSnapshot['teardown'],
      handshakeText: s[p + T_HANDSHAKE_TEXT],
      teardownText: s[p + T_TEARDOWN_TEXT],
      rttNs: n[o + T_RTT],
      framesToServer: n[o + T_FRAMES_TO_SERVER],
      framesToClient: n[o + T_FRAMES_TO_CLIENT],
      bytesToServer: n[o + T_BYTES_TO_SERVER],
      bytesToClient: n[o + T_BYTES_TO_CLIENT],
      findings: n[o + T_FINDINGS],
      coalesced: n[o + T_COALESCED],
      messages: n[o + T_MESSAGES],
      splitMessages: n[o + T_SPLIT],
      firstFrame: n[o + T_FIRST],
      lastFrame: n[o + T_LAST],
      live: false,
    };
  }
}

// UDP columns.
const U_STREAM = 0;
const U_DGRAMS_AB = 1;
const U_DGRAMS_BA = 2;
const U_BYTES_AB = 3;
const U_BYTES_BA = 4;
const U_FIRST = 5;
const U_LAST = 6;
const U_NUMS = 7;

export class UdpSnapshotTable extends ColumnTable<UdpConversation, UdpSnapshot> {
  constructor() {
    super(new Rows(U_NUMS, 0), U_FIRST);
  }

  put(c: UdpConversation): number {
    const d = snapshotUdp(c);
    const t = this.rows;
    const row = t.take();
    const n = t.nums;
    const o = row * U_NUMS;
    n[o + U_STREAM] = d.stream;
    n[o + U_DGRAMS_AB] = d.datagramsAtoB;
    n[o + U_DGRAMS_BA] = d.datagramsBtoA;
    n[o + U_BYTES_AB] = d.bytesAtoB;
    n[o + U_BYTES_BA] = d.bytesBtoA;
    n[o + U_FIRST] = d.firstFrame;
    n[o + U_LAST] = d.lastFrame;
    t.setEndpoints(row, c, true);
    return row;
  }

  get(row: number): UdpSnapshot {
    const t = this.rows;
    const n = t.nums;
    const o = row * U_NUMS;
    return {
      kind: 'udp',
      stream: n[o + U_STREAM],
      family: t.family[row],
      a: t.endpoint(row, 0),
      b: t.endpoint(row, 1),
      datagramsAtoB: n[o + U_DGRAMS_AB],
      datagramsBtoA: n[o + U_DGRAMS_BA],
      bytesAtoB: n[o + U_BYTES_AB],
      bytesBtoA: n[o + U_BYTES_BA],
      firstFrame: n[o + U_FIRST],
      lastFrame: n[o + U_LAST],
      live: false,
    };
  }
}
