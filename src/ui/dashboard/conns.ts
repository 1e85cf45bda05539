/**
 * The connections table: every TCP connection and UDP conversation in the
 * order they appeared, with state, history, teardown kind, handshake RTT,
 * bytes each way, findings and coalescing totals, live. Columns that do not
 * fit the width are dropped, least important first, so the table reads at
 * 80 columns as well as at 200.
 */
import type { HandshakeKind, TeardownKind } from '../../analysis/index';
import { byteText } from '../../capture/units';
import { compact } from './rates';
import { describeTcp, describeUdp, durationText, type TcpSnapshot, type UdpSnapshot } from './conn-snapshot';
import type { CaptureModel } from './model';
import { fit } from './text';

export interface ConnRef {
  kind: 'tcp' | 'udp';
  stream: number;
}

/**
 * The table's rows in order of first appearance; grows as analysis finds
 * connections, and loses the oldest when the model drops their summaries
 * (conn-store.ts), so it is as bounded as they are. A row is one number
 * (stream * 2, + 1 for UDP): a screenful of ConnRefs is made when drawn.
 */
export class ConnList {
  private codes: number[] = [];
  private tcpSeen = 0;
  private udpSeen = 0;
  private droppedSeen = 0;

  constructor(private readonly model: CaptureModel) {}

  get length(): number {
    return this.codes.length;
  }

  row(i: number): ConnRef | undefined {
    const c = this.codes[i];
    return c === undefined ? undefined : { kind: c & 1 ? 'udp' : 'tcp', stream: Math.floor(c / 2) };
  }

  /** Connections and conversations whose rows went to bound memory. */
  get dropped(): number {
    return this.model.tcp.dropped + this.model.udp.dropped;
  }

  /**
   * Appends connections found since the last call (new ones all began after
   * the old ones) and removes rows whose summaries were dropped; `keep` (a
   * selection and a scroll position) is moved to stay on the same rows, or
   * on the next row kept when its own went.
   */
  refresh(keep?: { sel: number; top: number }): void {
    const { tcp, udp } = this.model;
    let t = this.tcpSeen;
    let u = this.udpSeen;
    while (t < tcp.next || u < udp.next) {
      const tf = t < tcp.next ? tcp.firstFrame(t) : Infinity;
      // Gaps, and streams dropped before they were ever listed (a flood between two draws).
      if (tf < 0) {
        t++;
        continue;
      }
      const uf = u < udp.next ? udp.firstFrame(u) : Infinity;
      if (uf < 0) {
        u++;
        continue;
      }
      if (tf <= uf) this.codes.push(2 * t++);
      else this.codes.push(2 * u++ + 1);
    }
    this.tcpSeen = t;
    this.udpSeen = u;
    const dropped = this.dropped;
    if (dropped !== this.droppedSeen) {
      this.droppedSeen = dropped;
      this.compact(keep);
    }
  }

  /**
   * Removes the rows of dropped streams. Those are below each kind's floor,
   * and each kind's rows are in stream order, so the scan stops once it has
   * passed a kept row of each kind above its floor.
   */
  private compact(keep?: { sel: number; top: number }): void {
    const codes = this.codes;
    const { tcp, udp } = this.model;
    let sel = keep?.sel ?? 0;
    let top = keep?.top ?? 0;
    // A kind that never dropped a stream has no row to remove.
    let tcpAbove = tcp.dropped === 0;
    let udpAbove = udp.dropped === 0;
    let w = 0;
    let i = 0;
    for (; i < codes.length && !(tcpAbove && udpAbove); i++) {
      const c = codes[i];
      const s = Math.floor(c / 2);
      const store = c & 1 ? udp : tcp;
      if (i === keep?.sel) sel = w;
      if (i === keep?.top) top = w;
      if (!store.has(s)) continue;
      if (s >= store.floor) {
        if (c & 1) udpAbove = true;
        else tcpAbove = true;
      }
      codes[w++] = c;
    }
    const gone = i - w;
    if (gone === 0) return;
    codes.copyWithin(w, i);
    codes.length -= gone;
    if (keep !== undefined) {
      keep.sel = keep.sel >= i ? keep.sel - gone : sel;
      keep.top = keep.top >= i ? keep.top - gone : top;
    }
  }

  describe(r: ConnRef): TcpSnapshot | UdpSnapshot | null {
    if (r.kind === 'tcp') {
      const c = this.model.connection('tcp', r.stream);
      return c === null ? null : describeTcp(c);
    }
    const c = this.model.connection('udp', r.stream);
    return c === null ? null : describeUdp(c);
  }
}

/** Typed by the analysis' kinds: a kind added there without words here does not compile (it would be left out of the tally). */
const HANDSHAKE_WORDS: Record<HandshakeKind, string> = {
  normal: '3-way handshakes',
  'syn-retransmitted': 'handshakes after resent SYNs',
  'simultaneous-open': 'simultaneous opens',
  refused: 'refused',
  unanswered: 'unanswered SYNs',
  aborted: 'aborted handshakes',
  midstream: 'no handshake seen',
  'in-progress': 'unfinished handshakes',
};

/** 'open' is not an ending: open connections are counted apart. */
const TEARDOWN_WORDS: Record<Exclude<TeardownKind, 'open'>, string> = {
  'four-way': '4-way closes',
  'three-way': '3-way closes',
  'half-close': 'half-closes',
  simultaneous: 'simultaneous closes',
  'half-closed': 'left half-closed',
  reset: 'reset',
};

/** "unanswered SYNs 979k, 3-way handshakes 12": the largest first. */
function tallyText(tally: ReadonlyMap<string, number>, words: Readonly<Record<string, string>>): string[] {
  return [...tally]
    .filter(([k]) => words[k] !== undefined)
    .sort((a, b) => b[1] - a[1])
    .map(([k, n]) => `${words[k]} ${compact(n)}`);
}

/**
 * The connections pane's line once older rows went (as the banner says for
 * frames): how many, why, and the totals over every connection seen, which
 * running counters keep exact (ConnTotals), dropped ones included.
 */
export function droppedNote(model: CaptureModel): string {
  const { tcp, udp, tcpTotals, udpTotals } = model;
  const kinds = [...tallyText(tcpTotals.handshakes, HANDSHAKE_WORDS), ...tallyText(tcpTotals.teardowns, TEARDOWN_WORDS)];
  const open = Math.max(0, tcp.seen - tcpTotals.finished) + Math.max(0, udp.seen - udpTotals.finished);
  // Counts first: the kinds are cut where the pane ends.
  return (
    `${compact(tcp.dropped + udp.dropped)} older connections no longer listed, to bound memory (the newest ${compact(tcp.cap)} finished are kept). ` +
    `In all: TCP ${compact(tcp.seen)}, UDP ${compact(udp.seen)}, ${compact(open)} open` +
    (kinds.length > 0 ? `; TCP: ${kinds.join(', ')}` : '')
  );
}

/** Said when a frame or a filter leads to a connection whose summary was dropped. */
export function noLongerKept(ref: ConnRef): string {
  return `${ref.kind.toUpperCase()} stream ${ref.stream} is no longer kept: only the newest finished connections are, to bound memory.`;
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

/**
 * Both sides' states, client/server, always both as `-z conn` prints them: a
 * refused connection is CLOSED/CLOSED there, and a lone "CLOSED" here read
 * as if only one side were meant.
 */
function stateCell(d: TcpSnapshot): string {
  return `${d.clientState}/${d.serverState}`;
}

const COLUMNS: Column[] = [
  { title: '#', width: 4, priority: 9, right: true, value: (d) => String(d.stream) },
  { title: 'Proto', width: 5, priority: 9, value: (d) => (d.kind === 'tcp' ? 'TCP' : 'UDP') },
  { title: 'Client', width: 21, priority: 10, value: (d) => (d.kind === 'tcp' ? d.client : d.a) },
  { title: 'Server', width: 21, priority: 10, value: (d) => (d.kind === 'tcp' ? d.server : d.b) },
  { title: 'State', width: 13, priority: 7, value: (d) => (d.kind === 'tcp' ? stateCell(d) : '') },
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
 * stream number and address columns as wide as the rows on screen need.
 */
export function columnsFor(width: number, shown: readonly (TcpSnapshot | UdpSnapshot)[] = []): Column[] {
  let addr = 12;
  // Stream numbers pass 9999 in any large capture: a cut one ("119…") names no connection.
  let num = 4;
  // CLOSED/CLOSED at least; ESTABLISHED/ESTABLISHED (23) is the longest pair.
  let state = 13;
  for (const d of shown) {
    addr = Math.max(addr, (d.kind === 'tcp' ? d.client : d.a).length, (d.kind === 'tcp' ? d.server : d.b).length);
    num = Math.max(num, String(d.stream).length);
    if (d.kind === 'tcp') state = Math.max(state, stateCell(d).length);
  }
  addr = Math.min(addr, 47);
  const widths: Record<string, number> = { Client: addr, Server: addr, '#': num, State: state };
  const cols = COLUMNS.map((c) => (widths[c.title] !== undefined ? { ...c, width: widths[c.title] } : c));
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
