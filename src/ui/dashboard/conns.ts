/**
 * The connections table: every TCP connection and UDP conversation in the
 * order they appeared, with state, history, teardown kind, handshake RTT,
 * bytes each way, findings and coalescing totals, live. Columns that do not
 * fit the width are dropped, least important first, so the table reads at
 * 80 columns as well as at 200.
 */
import { byteText } from '../../capture/units';
import { describeTcp, describeUdp, durationText, type TcpSnapshot, type UdpSnapshot } from './conn-snapshot';
import type { CaptureModel } from './model';
import { fit } from './text';

export interface ConnRef {
  kind: 'tcp' | 'udp';
  stream: number;
}

/** The table's rows in order of first appearance; grows as analysis finds connections. */
export class ConnList {
  readonly rows: ConnRef[] = [];
  private tcpSeen = 0;
  private udpSeen = 0;

  constructor(private readonly model: CaptureModel) {}

  /** Appends connections found since the last call (new ones all began after the old ones). */
  refresh(): void {
    const { tcp, udp } = this.model;
    let t = this.tcpSeen;
    let u = this.udpSeen;
    while (t < tcp.length || u < udp.length) {
      const tf = t < tcp.length ? tcp[t]?.firstFrame ?? Infinity : Infinity;
      const uf = u < udp.length ? udp[u]?.firstFrame ?? Infinity : Infinity;
      if (tf === Infinity && uf === Infinity) {
        // Holes (streams not yet seen): skip them.
        if (t < tcp.length) t++;
        else u++;
        continue;
      }
      if (tf <= uf) this.rows.push({ kind: 'tcp', stream: t++ });
      else this.rows.push({ kind: 'udp', stream: u++ });
    }
    this.tcpSeen = t;
    this.udpSeen = u;
  }

  describe(r: ConnRef): TcpSnapshot | UdpSnapshot | null {
    const c = r.kind === 'tcp' ? this.model.tcp[r.stream] : this.model.udp[r.stream];
    if (c === null || c === undefined) return null;
    return r.kind === 'tcp' ? describeTcp(c as Parameters<typeof describeTcp>[0]) : describeUdp(c as Parameters<typeof describeUdp>[0]);
  }

  /** The row of the connection that carries frame `n`, or -1. */
  rowOf(kind: 'tcp' | 'udp', stream: number): number {
    for (let i = 0; i < this.rows.length; i++) if (this.rows[i].kind === kind && this.rows[i].stream === stream) return i;
    return -1;
  }
}

export interface Column {
  title: string;
  width: number;
  /** Lower is dropped first. */
  priority: number;
  right?: boolean;
  value(d: TcpSnapshot | UdpSnapshot): string;
}

const SHORT_TEARDOWN: Record<string, string> = {
  open: 'open',
  'four-way': '4-way',
  'three-way': '3-way',
  'half-close': 'half-close',
  simultaneous: 'simultaneous',
  'half-closed': 'half-closed',
  reset: 'reset',
};

function teardownCell(d: TcpSnapshot): string {
  if (d.handshake === 'refused') return 'refused';
  if (d.teardown === 'reset') return d.teardownText.startsWith('reset by server') ? 'reset by srv' : d.teardownText.startsWith('reset by client') ? 'reset by cli' : 'reset';
  return SHORT_TEARDOWN[d.teardown] ?? d.teardown;
}

function stateCell(d: TcpSnapshot): string {
  return d.clientState === d.serverState ? d.clientState : `${d.clientState}/${d.serverState}`;
}

const COLUMNS: Column[] = [
  { title: '#', width: 4, priority: 9, right: true, value: (d) => String(d.stream) },
  { title: 'Proto', width: 5, priority: 9, value: (d) => (d.kind === 'tcp' ? 'TCP' : 'UDP') },
  { title: 'Client', width: 21, priority: 10, value: (d) => (d.kind === 'tcp' ? d.client : d.a) },
  { title: 'Server', width: 21, priority: 10, value: (d) => (d.kind === 'tcp' ? d.server : d.b) },
  { title: 'State', width: 16, priority: 7, value: (d) => (d.kind === 'tcp' ? stateCell(d) : '') },
  { title: 'Teardown', width: 12, priority: 8, value: (d) => (d.kind === 'tcp' ? teardownCell(d) : '') },
  { title: 'History', width: 9, priority: 3, value: (d) => (d.kind === 'tcp' ? d.history : '') },
  { title: 'Conn', width: 6, priority: 2, value: (d) => (d.kind === 'tcp' ? d.connState : '') },
  { title: 'HS RTT', width: 10, priority: 5, right: true, value: (d) => (d.kind === 'tcp' && d.rttNs > 0 ? durationText(d.rttNs) : '') },
  { title: 'C→S', width: 9, priority: 6, right: true, value: (d) => byteText(d.kind === 'tcp' ? d.bytesToServer : d.bytesAtoB) },
  { title: 'S→C', width: 9, priority: 6, right: true, value: (d) => byteText(d.kind === 'tcp' ? d.bytesToClient : d.bytesBtoA) },
  { title: 'Find', width: 5, priority: 4, right: true, value: (d) => (d.kind === 'tcp' && d.findings > 0 ? String(d.findings) : '') },
  { title: 'Msgs', width: 6, priority: 4, right: true, value: (d) => (d.kind === 'tcp' ? (d.messages > 0 ? String(d.messages) : '') : String(d.datagramsAtoB + d.datagramsBtoA)) },
  { title: 'Stuck', width: 6, priority: 5, right: true, value: (d) => (d.kind === 'tcp' && d.coalesced > 0 ? String(d.coalesced) : '') },
];

/**
 * The columns that fit `width` (one space between columns), with the
 * address columns as wide as the addresses on screen need.
 */
export function columnsFor(width: number, shown: readonly (TcpSnapshot | UdpSnapshot)[] = []): Column[] {
  let addr = 12;
  for (const d of shown) addr = Math.max(addr, (d.kind === 'tcp' ? d.client : d.a).length, (d.kind === 'tcp' ? d.server : d.b).length);
  addr = Math.min(addr, 47);
  const cols = COLUMNS.map((c) => (c.title === 'Client' || c.title === 'Server' ? { ...c, width: addr } : c));
  const total = (): number => cols.reduce((s, c) => s + c.width + 1, 0);
  while (total() > width && cols.length > 2) {
    let drop = 0;
    for (let i = 1; i < cols.length; i++) if (cols[i].priority < cols[drop].priority) drop = i;
    cols.splice(drop, 1);
  }
  return cols;
}

export function headerLine(cols: readonly Column[]): string {
  return cols.map((c) => fit(c.title, c.width, c.right)).join(' ');
}

/** One row of text (not yet escaped: addresses and numbers only, no captured bytes). */
export function connLine(d: TcpSnapshot | UdpSnapshot, cols: readonly Column[]): string {
  return cols.map((c) => fit(c.value(d), c.width, c.right)).join(' ');
}
