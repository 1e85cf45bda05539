/**
 * `-z endpoints,eth|ip|ipv6|tcp|udp`: tshark 4.0's endpoint tables
 * (ui/cli/tap-endpoints.c over epan/conversation_table.c), byte for byte.
 *
 * Each frame the tap sees counts once for its source (Tx) and once for its
 * destination (Rx): a frame from an address to itself counts twice on one
 * row. A TCP or UDP endpoint is an address and a port. Rows by total packets
 * descending, ties in the order they were added (the source before the
 * destination); bytes as plain numbers, unlike the conversation tables.
 */
import { formatAddress, type Flow } from '../analysis/index';
import type { Packet } from '../decode/packet';
import { ADDRESS_WORDS, addressText, CT_BAR, CT_TITLES, CtRows, destinationAt, filterLine, readAddress, sourceAt, tappedLayers, tappedTransport, type AddressLayer, type CtKind } from './ctable';
import type { OutBuf } from './outbuf';

/** A TCP or UDP endpoint's key: family, 4 address words (IPv4: the first), port. */
const PORT_KEY = 6;

export class EndpointTable {
  private readonly rows: CtRows;
  private len = 0;
  private readonly countLayer = (pkt: Packet, li: number): void => this.layer(pkt, li);
  private readonly countFlow = (flow: Flow, _stream: number, fromA: boolean): void => this.flow(flow, fromA);

  constructor(
    readonly kind: CtKind,
    /** Extra test per frame (a -z endpoints,ip,FILTER); null: every frame. */
    private readonly filter: ((pkt: Packet) => boolean) | null = null,
    /** The filter as given; null when none was. */
    readonly filterText: string | null = null,
    maxRows?: number,
  ) {
    const width = kind === 'tcp' || kind === 'udp' ? PORT_KEY : ADDRESS_WORDS[kind];
    this.rows = new CtRows(width, 0, false, maxRows);
  }

  /** Counts the frame (call after analysis processed it). */
  observe(pkt: Packet): void {
    if (this.filter !== null && !this.filter(pkt)) return;
    this.len = pkt.frame.origLen;
    const kind = this.kind;
    if (kind === 'tcp' || kind === 'udp') tappedTransport(pkt, kind, this.countFlow);
    else tappedLayers(pkt, kind, this.countLayer);
  }

  private layer(pkt: Packet, li: number): void {
    const kind = this.kind as AddressLayer;
    const t = this.rows;
    readAddress(pkt, kind, sourceAt(pkt, kind, li), t.key, 0);
    this.add(true);
    readAddress(pkt, kind, destinationAt(pkt, kind, li), t.key, 0);
    this.add(false);
  }

  private flow(c: Flow, fromA: boolean): void {
    const k = this.rows.key;
    k[0] = c.family;
    if (fromA) this.side(c.a0, c.a1, c.a2, c.a3, c.aPort);
    else this.side(c.b0, c.b1, c.b2, c.b3, c.bPort);
    this.add(true);
    if (fromA) this.side(c.b0, c.b1, c.b2, c.b3, c.bPort);
    else this.side(c.a0, c.a1, c.a2, c.a3, c.aPort);
    this.add(false);
  }

  private side(w0: number, w1: number, w2: number, w3: number, port: number): void {
    const k = this.rows.key;
    k[1] = w0;
    k[2] = w1;
    k[3] = w2;
    k[4] = w3;
    k[5] = port;
  }

  private add(tx: boolean): void {
    const r = this.rows.row();
    if (r >= 0) this.rows.count(r, tx, this.len);
  }

  /** The table as tshark prints it. */
  write(out: OutBuf): void {
    const t = this.rows;
    const ports = this.kind === 'tcp' || this.kind === 'udp';
    out.ascii(CT_BAR);
    out.ascii(`${CT_TITLES[this.kind]} Endpoints\n`);
    out.ascii(filterLine(this.filterText));
    out.ascii(`                       |  ${ports ? 'Port  ||  ' : ''}Packets  | |  Bytes  | | Tx Packets | | Tx Bytes | | Rx Packets | | Rx Bytes |\n`);
    const w = t.width;
    const k = t.keys;
    for (const i of t.order()) {
      const tx = t.txFrames[i];
      const rx = t.rxFrames[i];
      // "%-20s      [%5s     ]%6" PRIu64 "     %9" PRIu64 "     %6" PRIu64 "       %9" PRIu64 "      %6" PRIu64 "       %9" PRIu64 "   \n"
      let line: string;
      if (ports) {
        line = `${formatAddress(k[i * w], k[i * w + 1], k[i * w + 2], k[i * w + 3], k[i * w + 4]).padEnd(20)}      ${String(k[i * w + 5]).padStart(5)}     `;
      } else {
        line = `${addressText(this.kind as AddressLayer, k, i * w).padEnd(20)}      `;
      }
      line += `${String(tx + rx).padStart(6)}     ${String(t.txBytes[i] + t.rxBytes[i]).padStart(9)}`;
      line += `     ${String(tx).padStart(6)}       ${String(t.txBytes[i]).padStart(9)}`;
      line += `      ${String(rx).padStart(6)}       ${String(t.rxBytes[i]).padStart(9)}   \n`;
      out.ascii(line);
    }
    t.writeRefused(out, 'endpoints', 'packets');
    out.ascii(CT_BAR);
  }
}
