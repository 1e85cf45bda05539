/**
 * `-z conv,tcp` and `-z conv,udp`: tshark 4.0's conversation tables
 * (ui/cli/tap-iousers.c), byte for byte: one row per tcp.stream / udp.stream,
 * A being the source of the stream's first frame, "<-" the frames from B to
 * A, sizes as format_size() prints them, rows by total frames descending
 * (ties in order of first appearance), start relative to the first frame.
 *
 * Counting happens per frame from the analysis notes into columns indexed by
 * stream number (streams are dense), so evicting a connection from the
 * analysis does not lose its row.
 */
import { formatAddress } from '../analysis/index';
import { deltaNsecs, deltaSecs, toSeconds } from '../decode/nstime';
import type { Packet } from '../decode/packet';
import type { OutBuf } from './outbuf';

export class ConvTable {
  private rows = 0;
  private key: Uint32Array = new Uint32Array(64 * 10);
  private family: Uint8Array = new Uint8Array(64);
  /** Frames and bytes from A to B (tshark's tx, "->") and from B to A (rx, "<-"). */
  private txFrames: Float64Array = new Float64Array(64);
  private txBytes: Float64Array = new Float64Array(64);
  private rxFrames: Float64Array = new Float64Array(64);
  private rxBytes: Float64Array = new Float64Array(64);
  /** Earliest and latest frame times relative to the first frame, as nstime (seconds, nanoseconds). */
  private startSec: Float64Array = new Float64Array(64);
  private startNsec: Int32Array = new Int32Array(64);
  private stopSec: Float64Array = new Float64Array(64);
  private stopNsec: Int32Array = new Int32Array(64);
  /** Whether row i's A is the flow's A (the analysis side A), or its B. */
  private aIsFlowA: Uint8Array = new Uint8Array(64);
  private seen: Uint8Array = new Uint8Array(64);

  constructor(
    readonly kind: 'TCP' | 'UDP',
    /** Extra test per frame (a -z conv,tcp,FILTER); null: every frame. */
    private readonly filter: ((pkt: Packet) => boolean) | null = null,
    readonly filterText = '',
  ) {}

  /** Counts the frame (call after analysis processed it). */
  observe(pkt: Packet): void {
    const fa = pkt.notes.analysis;
    if (fa === undefined || fa.frame !== pkt.number) return;
    if (this.filter !== null && !this.filter(pkt)) return;
    const f = pkt.frame;
    const clock = pkt.clock;
    const sec = deltaSecs(f.tsSec, f.tsNsec, clock.firstSec, clock.firstNsec);
    const nsec = deltaNsecs(f.tsSec, f.tsNsec, clock.firstSec, clock.firstNsec);
    if (this.kind === 'TCP') {
      for (let i = 0; i < fa.tcpCount; i++) {
        const n = fa.tcp[i];
        // A segment quoted in an ICMP error was not sent again: tshark's TCP tap skips it.
        if (n.conn === null || !n.tapped || n.inError) continue;
        const c = n.conn;
        this.count(n.stream, n.fromA, c.family, c.a0, c.a1, c.a2, c.a3, c.aPort, c.b0, c.b1, c.b2, c.b3, c.bPort, pkt.frame.origLen, sec, nsec);
      }
    } else if (fa.udp !== null && fa.udp.conv !== null && !fa.udp.inError) {
      // A datagram quoted in an ICMP error was not sent again: tshark's UDP tap skips it.
      const u = fa.udp;
      const c = u.conv!;
      this.count(u.stream, u.fromA, c.family, c.a0, c.a1, c.a2, c.a3, c.aPort, c.b0, c.b1, c.b2, c.b3, c.bPort, pkt.frame.origLen, sec, nsec);
    }
  }

  private count(stream: number, fromA: boolean, family: number, a0: number, a1: number, a2: number, a3: number, ap: number, b0: number, b1: number, b2: number, b3: number, bp: number, len: number, sec: number, nsec: number): void {
    if (stream >= this.seen.length) this.grow(stream + 1);
    if (this.seen[stream] === 0) {
      this.seen[stream] = 1;
      if (stream >= this.rows) this.rows = stream + 1;
      const k = stream * 10;
      const kw = this.key;
      // A is this frame's source.
      if (fromA) {
        kw[k] = a0; kw[k + 1] = a1; kw[k + 2] = a2; kw[k + 3] = a3; kw[k + 4] = ap;
        kw[k + 5] = b0; kw[k + 6] = b1; kw[k + 7] = b2; kw[k + 8] = b3; kw[k + 9] = bp;
      } else {
        kw[k] = b0; kw[k + 1] = b1; kw[k + 2] = b2; kw[k + 3] = b3; kw[k + 4] = bp;
        kw[k + 5] = a0; kw[k + 6] = a1; kw[k + 7] = a2; kw[k + 8] = a3; kw[k + 9] = ap;
      }
      this.aIsFlowA[stream] = fromA ? 1 : 0;
      this.family[stream] = family;
      this.startSec[stream] = this.stopSec[stream] = sec;
      this.startNsec[stream] = this.stopNsec[stream] = nsec;
    }
    if (fromA === (this.aIsFlowA[stream] === 1)) {
      this.txFrames[stream]++;
      this.txBytes[stream] += len;
    } else {
      this.rxFrames[stream]++;
      this.rxBytes[stream] += len;
    }
    // tshark keeps the latest time as the stop and the earliest as the start: frames may be out of order.
    if (sec > this.stopSec[stream] || (sec === this.stopSec[stream] && nsec > this.stopNsec[stream])) {
      this.stopSec[stream] = sec;
      this.stopNsec[stream] = nsec;
    } else if (sec < this.startSec[stream] || (sec === this.startSec[stream] && nsec < this.startNsec[stream])) {
      this.startSec[stream] = sec;
      this.startNsec[stream] = nsec;
    }
  }

  private grow(n: number): void {
    let size = this.seen.length;
    while (size < n) size *= 2;
    const f64 = (a: Float64Array): Float64Array => {
      const b = new Float64Array(size);
      b.set(a);
      return b;
    };
    const i32 = (a: Int32Array): Int32Array => {
      const b = new Int32Array(size);
      b.set(a);
      return b;
    };
    const u8 = (a: Uint8Array): Uint8Array => {
      const b = new Uint8Array(size);
      b.set(a);
      return b;
    };
    const k = new Uint32Array(size * 10);
    k.set(this.key);
    this.key = k;
    this.family = u8(this.family);
    this.aIsFlowA = u8(this.aIsFlowA);
    this.seen = u8(this.seen);
    this.txFrames = f64(this.txFrames);
    this.txBytes = f64(this.txBytes);
    this.rxFrames = f64(this.rxFrames);
    this.rxBytes = f64(this.rxBytes);
    this.startSec = f64(this.startSec);
    this.startNsec = i32(this.startNsec);
    this.stopSec = f64(this.stopSec);
    this.stopNsec = i32(this.stopNsec);
  }

  /** The table as tshark prints it. */
  write(out: OutBuf): void {
    const bar = '================================================================================\n';
    out.ascii(bar);
    out.ascii(`${this.kind} Conversations\n`);
    out.ascii(`Filter:${this.filterText === '' ? '<No Filter>' : this.filterText}\n`);
    const pad = '            ';
    out.ascii(`${pad}                                               |       <-      | |       ->      | |     Total     |    Relative    |   Duration   |\n`);
    out.ascii(`${pad}                                               | Frames  Bytes | | Frames  Bytes | | Frames  Bytes |      Start     |              |\n`);
    // tshark's draw loop: repeatedly the largest total below the previous one, rows with it in array order.
    const order: number[] = [];
    for (let i = 0; i < this.rows; i++) if (this.seen[i] === 1) order.push(i);
    order.sort((x, y) => this.txFrames[y] + this.rxFrames[y] - (this.txFrames[x] + this.rxFrames[x]) || x - y);
    for (const i of order) {
      const k = i * 10;
      const kw = this.key;
      const fam = this.family[i];
      const a = endpoint(fam, kw[k], kw[k + 1], kw[k + 2], kw[k + 3], kw[k + 4]);
      const b = endpoint(fam, kw[k + 5], kw[k + 6], kw[k + 7], kw[k + 8], kw[k + 9]);
      const rxF = this.rxFrames[i];
      const txF = this.txFrames[i];
      let line = `${a.padEnd(26)} <-> ${b.padEnd(26)}  `;
      line += `${String(rxF).padStart(6)} ${formatSize(this.rxBytes[i]).padEnd(9)}`;
      line += `  ${String(txF).padStart(6)} ${formatSize(this.txBytes[i]).padEnd(9)}`;
      line += `  ${String(rxF + txF).padStart(6)} ${formatSize(this.rxBytes[i] + this.txBytes[i]).padEnd(9)}  `;
      // nstime_to_sec() of each, then their difference, in doubles as tshark prints them.
      const start = toSeconds(this.startSec[i], this.startNsec[i]);
      const stop = toSeconds(this.stopSec[i], this.stopNsec[i]);
      line += `${fixed(start, 9).padStart(14)}   ${fixed(stop - start, 4).padStart(12)}\n`;
      out.ascii(line);
    }
    out.ascii(bar);
  }
}

function endpoint(family: number, w0: number, w1: number, w2: number, w3: number, port: number): string {
  return `${formatAddress(family, w0, w1, w2, w3)}:${port}`;
}

/** wsutil's format_size(size, FORMAT_SIZE_UNIT_BYTES, 0): SI prefixes once the value reaches ten of them. */
export function formatSize(size: number): string {
  const p = 1000;
  if (Math.floor(size / p / p / p / p) >= 10) return `${Math.floor(size / p / p / p / p)} TB`;
  if (Math.floor(size / p / p / p) >= 10) return `${Math.floor(size / p / p / p)} GB`;
  if (Math.floor(size / p / p) >= 10) return `${Math.floor(size / p / p)} MB`;
  if (Math.floor(size / p) >= 10) return `${Math.floor(size / p)} kB`;
  return `${size} bytes`;
}

/** printf("%.*f") of a double: toFixed rounds like C for the values a capture yields. */
function fixed(v: number, digits: number): string {
  return v.toFixed(digits);
}
