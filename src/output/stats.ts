/**
 * The -z statistics: parses the requests, tells the analysis what to keep
 * (the followed stream's bytes), counts per frame what needs counting, and
 * writes the reports at the end of the capture, in the order requested.
 *
 *   conn                      every TCP connection (synack's own table; -T json: JSON lines)
 *   conv,eth|ip|ipv6|tcp|udp[,FILTER]       tshark's conversation tables
 *   endpoints,eth|ip|ipv6|tcp|udp[,FILTER]  tshark's endpoint tables
 *   follow,tcp,ascii|hex,N    tshark's follow output, message boundaries marked
 *   follow,udp,ascii|hex,N    tshark's follow output: each datagram one chunk, one message
 *   arp                       requests and replies, the IP-to-MAC table, conflicts
 *   expert[,LEVEL][,FILTER]   tshark's Expert Information summary
 *   io,phs[,FILTER]           tshark's Protocol Hierarchy Statistics
 *   io,stat,INTERVAL[,FILTER|CALC(field)FILTER...]  tshark's IO Statistics table
 */
import type { AnalysisOptions, Analyzer, TcpConnection } from '../analysis/index';
import type { Packet } from '../decode/packet';
import { compileFilter, formatFilterError } from '../filter/index';
import { writeArpReport } from './arp-report';
import { ConnReport } from './conn';
import { ConvTable } from './conv';
import type { CtKind } from './ctable';
import { EndpointTable } from './endpoints';
import { ExpertReport, parseExpertArgs } from './expert';
import { UdpFollow, writeFollow, type FollowMode } from './follow';
import { addPrimed, IoClock, parseIoStat, type IoStat } from './iostat';
import type { OutBuf } from './outbuf';
import { PhsTable } from './phs';

/** Payload bytes a followed UDP stream keeps per direction (--stream-bytes), as TCP's follow keeps (analysis' followBytes). */
const FOLLOW_BYTES = 64 << 20;

export const STATS_HELP = 'conn, conv,eth|ip|ipv6|tcp|udp[,FILTER], endpoints,eth|ip|ipv6|tcp|udp[,FILTER], follow,tcp|udp,ascii|hex,N, arp, expert[,error|warn|note|chat][,FILTER], io,phs[,FILTER], io,stat,INTERVAL[,FILTER|CALC(field)FILTER...]';

type Report =
  | { kind: 'conn'; report: ConnReport }
  | { kind: 'conv'; table: ConvTable }
  | { kind: 'endpoints'; table: EndpointTable }
  | { kind: 'follow'; mode: FollowMode; stream: number; conn: TcpConnection | null }
  | { kind: 'follow-udp'; follow: UdpFollow }
  | { kind: 'arp' }
  | { kind: 'expert'; report: ExpertReport }
  | { kind: 'phs'; table: PhsTable }
  | { kind: 'iostat'; io: IoStat };

const CT_KINDS: readonly string[] = ['eth', 'ip', 'ipv6', 'tcp', 'udp'];

/**
 * A statistic's own display filter (tshark's tap filter): null for none, or the error line.
 * The fields and protocols it names join `primed` (tshark "primes" them; io,stat calculations see no other).
 */
function tapFilter(text: string, primed: Set<string>): ((pkt: Packet) => boolean) | null | string {
  if (text === '') return null;
  const f = compileFilter(text);
  if (!f.ok) return formatFilterError(f.text, f.error);
  addPrimed(primed, f);
  return f.active ? f.match : null;
}

export class Stats {
  private readonly reports: Report[] = [];
  private readonly convTables: ConvTable[] = [];
  private readonly endpointTables: EndpointTable[] = [];
  private readonly follows: Extract<Report, { kind: 'follow' }>[] = [];
  private readonly udpFollows: UdpFollow[] = [];
  private readonly conns: ConnReport[] = [];
  private readonly experts: ExpertReport[] = [];
  private readonly phsTables: PhsTable[] = [];
  private readonly ioStats: IoStat[] = [];
  /** tshark's last_relative_time, shared by every io,stat column. */
  private readonly ioClock = new IoClock();
  /** Lines for standard error before the capture is read (an io,stat calculation whose field no filter names). */
  readonly notes: string[] = [];
  /** Standard output is a terminal (follow then shows carriage returns as dots). */
  terminal = false;

  private constructor(
    private readonly json: boolean,
    private readonly quiet: boolean,
  ) {}

  /**
   * Parses the -z arguments; returns an error line for an unknown one.
   * `quiet`: no frames are printed, so -z conn rows of evicted connections
   * can go to `out` as they happen (bounded memory for any capture).
   * `display`: the -Y filter (tshark primes what it names for the statistics too).
   */
  static plan(
    requests: readonly string[],
    json: boolean,
    quiet: boolean,
    followBytes = FOLLOW_BYTES,
    display: { readonly text: string; readonly fields: readonly { readonly name: string }[] } | null = null,
  ): Stats | string {
    const primed = new Set<string>();
    if (display !== null) addPrimed(primed, display);
    const s = new Stats(json, quiet);
    for (const z of requests) {
      const parts = z.split(',');
      if (z === 'conn') {
        const report = new ConnReport(json, null);
        s.reports.push({ kind: 'conn', report });
        s.conns.push(report);
      } else if ((parts[0] === 'conv' || parts[0] === 'endpoints') && CT_KINDS.includes(parts[1])) {
        // tshark prints a filter given empty ("conv,ip,") as given, and no filter as <No Filter>.
        const text = parts.length > 2 ? parts.slice(2).join(',') : null;
        const filter = tapFilter(text ?? '', primed);
        if (typeof filter === 'string') return `-z ${z}: ${filter}`;
        const kind = parts[1] as CtKind;
        if (parts[0] === 'conv') {
          const table = new ConvTable(kind, filter, text);
          s.reports.push({ kind: 'conv', table });
          s.convTables.push(table);
        } else {
          const table = new EndpointTable(kind, filter, text);
          s.reports.push({ kind: 'endpoints', table });
          s.endpointTables.push(table);
        }
      } else if (parts[0] === 'follow' && parts[1] === 'tcp' && (parts[2] === 'ascii' || parts[2] === 'hex') && parts.length === 4 && /^\d+$/.test(parts[3])) {
        if (s.follows.length > 0) return `-z ${z}: only one TCP stream can be followed at a time`;
        const r = { kind: 'follow' as const, mode: parts[2] as FollowMode, stream: Number(parts[3]), conn: null };
        s.reports.push(r);
        s.follows.push(r);
      } else if (parts[0] === 'follow' && parts[1] === 'udp' && (parts[2] === 'ascii' || parts[2] === 'hex') && parts.length === 4 && /^\d+$/.test(parts[3])) {
        if (s.udpFollows.length > 0) return `-z ${z}: only one UDP stream can be followed at a time`;
        const follow = new UdpFollow(parts[2] as FollowMode, Number(parts[3]), followBytes);
        s.reports.push({ kind: 'follow-udp', follow });
        s.udpFollows.push(follow);
      } else if (parts[0] === 'follow') {
        return `-z ${z}: use follow,tcp|udp,ascii|hex,N (N: a tcp.stream or udp.stream number)`;
      } else if (z === 'arp') {
        s.reports.push({ kind: 'arp' });
      } else if (parts[0] === 'expert') {
        const { lowest, filter: text } = parseExpertArgs(z.slice('expert'.length));
        const filter = tapFilter(text ?? '', primed);
        if (typeof filter === 'string') return `-z ${z}: ${filter}`;
        const report = new ExpertReport(lowest, filter, json);
        s.reports.push({ kind: 'expert', report });
        s.experts.push(report);
      } else if (z === 'io,phs' || z.startsWith('io,phs,')) {
        const text = z.slice('io,phs,'.length);
        const filter = tapFilter(text, primed);
        if (typeof filter === 'string') return `-z ${z}: ${filter}`;
        const table = new PhsTable(filter, text);
        s.reports.push({ kind: 'phs', table });
        s.phsTables.push(table);
      } else if (parts[0] === 'io' && parts[1] === 'stat') {
        const io = parseIoStat(z, s.ioClock);
        if (typeof io === 'string') return io;
        s.reports.push({ kind: 'iostat', io });
        s.ioStats.push(io);
      } else {
        return `-z ${z}: unknown statistic; use ${STATS_HELP}`;
      }
    }
    for (const io of s.ioStats) for (const f of io.filterFields) primed.add(f);
    for (const io of s.ioStats) s.notes.push(...io.prime(primed));
    return s;
  }

  /** Why a report could not be written (io,stat: more intervals than it prints), or null; after write(). */
  failure(): string | null {
    for (const io of this.ioStats) {
      const f = io.failure();
      if (f !== null) return f;
    }
    return null;
  }

  /** Where reports go; with -q, -z conn rows of evicted connections are written there at once. */
  setOutput(out: OutBuf): void {
    if (this.quiet) for (const r of this.conns) r.streamTo = out;
  }

  /** What the analysis must keep for these reports. */
  analysisOptions(): Partial<AnalysisOptions> {
    const o: Partial<AnalysisOptions> = {};
    if (this.follows.length > 0) o.followStream = this.follows[0].stream;
    // Message records mark boundaries in the followed stream.
    if (this.follows.length > 0) o.maxMessages = 1 << 20;
    // Connection objects are reused once retired: no report keeps them (-z conn keeps a row's text,
    // not the connection); the followed stream's connection is never reused.
    o.recycle = true;
    o.onTcpRetire = (c, evicted) => {
      for (const f of this.follows) if (c.stream === f.stream) f.conn = c;
      for (const r of this.conns) r.retire(c, evicted);
    };
    return o;
  }

  /** Per frame, after analysis. */
  frame(pkt: Packet): void {
    for (const t of this.convTables) t.observe(pkt);
    for (const t of this.endpointTables) t.observe(pkt);
    for (const e of this.experts) e.observe(pkt);
    for (const f of this.udpFollows) f.observe(pkt);
    for (const t of this.phsTables) t.observe(pkt);
    for (const io of this.ioStats) io.observe(pkt);
  }

  /** After `analyzer.finish()`: every report, in the order asked. */
  write(out: OutBuf, a: Analyzer): void {
    // Last given, first printed: tshark prints its -z statistics in that order (each new tap goes to the front).
    for (let i = this.reports.length - 1; i >= 0; i--) {
      const r = this.reports[i];
      switch (r.kind) {
        case 'conn':
          r.report.finish(out, { streams: a.tcp.streams, evicted: a.tcp.evicted, reused: a.tcp.reused });
          break;
        case 'conv':
        case 'endpoints':
          r.table.write(out);
          break;
        case 'follow':
          writeFollow(out, r.mode, r.stream, r.conn, true, this.terminal);
          break;
        case 'follow-udp':
          r.follow.write(out, this.terminal);
          break;
        case 'arp':
          writeArpReport(out, a.arp, this.json);
          break;
        case 'expert':
          r.report.write(out);
          break;
        case 'phs':
          r.table.write(out);
          break;
        case 'iostat':
          r.io.write(out);
          break;
      }
    }
  }
}
