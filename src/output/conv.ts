/**
 * `-z conv,eth|ip|ipv6|tcp|udp`: tshark 4.0's conversation tables
 * (ui/cli/tap-iousers.c over epan/conversation_table.c), byte for byte.
 *
 * A row is a pair of addresses (Ethernet, IPv4, IPv6: either direction is
 * the same row) or a tcp.stream / udp.stream. A is the source of the first
 * frame the row counted, "->" the frames from A to B (tshark's tx), "<-"
 * those from B to A; sizes as format_size() prints them; start relative to
 * the first frame of the capture; rows by total frames descending, ties in
 * the order they were added (ctable.ts).
 */
import { formatAddress, type Flow } from '../analysis/index';
import { deltaNsecs, deltaSecs, toSeconds } from '../decode/nstime';
import type { Packet } from '../decode/packet';
import { ADDRESS_WORDS, addressText, CT_BAR, CT_TITLES, CtRows, destinationAt, filterLine, formatSize, readAddress, sourceAt, tappedLayers, tappedTransport, type AddressLayer, type CtKind } from './ctable';
import type { OutBuf } from './outbuf';

/** Row data word 0: A is the key's first address (pairs) or the flow's A (streams). */
const A_FIRST = 0;
/** Streams' data words 1..11: family, then A's and B's address words and port, the flow's A first. */
const STREAM_DATA = 12;

export class ConvTable {
  private readonly rows: CtRows;
  /** Address words per side (pairs). */
  private readonly half: number;
  /** The frame being counted: its time relative to the first frame, and its length. */
  private sec = 0;
  private nsec = 0;
  private len = 0;
  private readonly countPair = (pkt: Packet, li: number): void => this.pair(pkt, li);
  private readonly countStream = (flow: Flow, stream: number, fromA: boolean): void => this.stream(flow, stream, fromA);

  constructor(
    readonly kind: CtKind,
    /** Extra test per frame (a -z conv,ip,FILTER); null: every frame. */
    private readonly filter: ((pkt: Packet) => boolean) | null = null,
    /** The filter as given; null when none was (tshark prints an empty one as given). */
    readonly filterText: string | null = null,
    maxRows?: number,
  ) {
    const streams = kind === 'tcp' || kind === 'udp';
    this.half = streams ? 0 : ADDRESS_WORDS[kind];
    this.rows = streams ? new CtRows(1, STREAM_DATA, true, maxRows) : new CtRows(2 * this.half, 1, true, maxRows);
  }

  /** Counts the frame (call after analysis processed it). */
  observe(pkt: Packet): void {
    if (this.filter !== null && !this.filter(pkt)) return;
    const f = pkt.frame;
    const clock = pkt.clock;
    this.sec = deltaSecs(f.tsSec, f.tsNsec, clock.firstSec, clock.firstNsec);
    this.nsec = deltaNsecs(f.tsSec, f.tsNsec, clock.firstSec, clock.firstNsec);
    this.len = f.origLen;
    const kind = this.kind;
    if (kind === 'tcp' || kind === 'udp') tappedTransport(pkt, kind, this.countStream);
    else tappedLayers(pkt, kind, this.countPair);
  }

  /** An address layer: the key is the pair, lower address first, so both directions find one row. */
  private pair(pkt: Packet, li: number): void {
    const kind = this.kind as AddressLayer;
    const t = this.rows;
    const k = t.key;
    const h = this.half;
    readAddress(pkt, kind, sourceAt(pkt, kind, li), k, 0);
    readAddress(pkt, kind, destinationAt(pkt, kind, li), k, h);
    let srcFirst = true;
    for (let i = 0; i < h; i++) {
      if (k[i] === k[h + i]) continue;
      srcFirst = k[i] < k[h + i];
      break;
    }
    if (!srcFirst) {
      for (let i = 0; i < h; i++) {
        const x = k[i];
        k[i] = k[h + i];
        k[h + i] = x;
      }
    }
    const r = t.row();
    if (r < 0) return;
    // A frame between one address and itself is always A to B.
    if (t.created) t.data[r] = srcFirst ? 1 : 0;
    t.count(r, srcFirst === (t.data[r] === 1), this.len);
    t.time(r, this.sec, this.nsec);
  }

  private stream(c: Flow, stream: number, fromA: boolean): void {
    const t = this.rows;
    t.key[0] = stream;
    const r = t.row();
    if (r < 0) return;
    if (t.created) {
      const d = t.data;
      const at = r * STREAM_DATA;
      d[at + A_FIRST] = fromA ? 1 : 0;
      d[at + 1] = c.family;
      d[at + 2] = c.a0;
      d[at + 3] = c.a1;
      d[at + 4] = c.a2;
      d[at + 5] = c.a3;
      d[at + 6] = c.aPort;
      d[at + 7] = c.b0;
      d[at + 8] = c.b1;
      d[at + 9] = c.b2;
      d[at + 10] = c.b3;
      d[at + 11] = c.bPort;
    }
    t.count(r, fromA === (t.data[r * STREAM_DATA + A_FIRST] === 1), this.len);
    t.time(r, this.sec, this.nsec);
  }

  /** Row r's A and B as printed. */
  private sides(r: number): [string, string] {
    const t = this.rows;
    if (this.kind === 'tcp' || this.kind === 'udp') {
      const d = t.data;
      const at = r * STREAM_DATA;
      const fam = d[at + 1];
      const first = `${formatAddress(fam, d[at + 2], d[at + 3], d[at + 4], d[at + 5])}:${d[at + 6]}`;
      const second = `${formatAddress(fam, d[at + 7], d[at + 8], d[at + 9], d[at + 10])}:${d[at + 11]}`;
      return d[at + A_FIRST] === 1 ? [first, second] : [second, first];
    }
    const kind = this.kind;
    const at = r * 2 * this.half;
    const first = addressText(kind, t.keys, at);
    const second = addressText(kind, t.keys, at + this.half);
    return t.data[r] === 1 ? [first, second] : [second, first];
  }

  /** The table as tshark prints it. */
  write(out: OutBuf): void {
    const t = this.rows;
    const ports = this.kind === 'tcp' || this.kind === 'udp';
    out.ascii(CT_BAR);
    out.ascii(`${CT_TITLES[this.kind]} Conversations\n`);
    out.ascii(filterLine(this.filterText));
    // "%-26s <-> %-26s" with ports, "%-20s <-> %-20s" without: the headings move with them.
    const pad = ports ? '            ' : '';
    const width = ports ? 26 : 20;
    out.ascii(`${pad}                                               |       <-      | |       ->      | |     Total     |    Relative    |   Duration   |\n`);
    out.ascii(`${pad}                                               | Frames  Bytes | | Frames  Bytes | | Frames  Bytes |      Start     |              |\n`);
    for (const i of t.order()) {
      const [a, b] = this.sides(i);
      const rxF = t.rxFrames[i];
      const txF = t.txFrames[i];
      let line = `${a.padEnd(width)} <-> ${b.padEnd(width)}  `;
      line += `${String(rxF).padStart(6)} ${formatSize(t.rxBytes[i]).padEnd(9)}`;
      line += `  ${String(txF).padStart(6)} ${formatSize(t.txBytes[i]).padEnd(9)}`;
      line += `  ${String(rxF + txF).padStart(6)} ${formatSize(t.rxBytes[i] + t.txBytes[i]).padEnd(9)}  `;
      // nstime_to_sec() of each, then their difference, in doubles as tshark prints them.
      const start = toSeconds(t.startSec[i], t.startNsec[i]);
      const stop = toSeconds(t.stopSec[i], t.stopNsec[i]);
      line += `${start.toFixed(9).padStart(14)}   ${(stop - start).toFixed(4).padStart(12)}\n`;
      out.ascii(line);
    }
    t.writeRefused(out, 'conversations', 'frames');
    out.ascii(CT_BAR);
  }
}
