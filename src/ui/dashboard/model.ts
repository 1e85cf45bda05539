/**
 * The dashboard's capture model: reads a source (file, standard input, live)
 * through decode and analysis, and keeps only what the screen needs to find
 * and redraw any frame: the FrameIndex (record offset, time, length, row
 * class), analysis's FrameFacts, the connections, the display filter's
 * matches and the rates. Rows and details are built on demand by re-reading
 * the frame (termshark's split: summary data loaded eagerly and compactly,
 * details lazily), so a file is never held in memory, let alone twice.
 *
 * Live capture and standard input cannot be re-read, so their frames are
 * spilled to temporary pcapng files as they arrive and re-read from there.
 * They also run for days, so they keep only their newest frames, as
 * Wireshark's ring buffer does: beyond --keep-frames frames or --keep-bytes
 * bytes of spill, the oldest frames leave the list, the index, the facts
 * and the disk (spill.ts), while analysis goes on with every frame
 * (connections keep their totals). Frame numbers keep counting from 1. A
 * file read in place keeps every frame.
 *
 * Connections are bounded the same way, for files too (a SYN flood makes a
 * million of them): analysis keeps maxConnections live, the model the
 * summaries of the newest keepConnections finished ones (conn-store.ts), and
 * running tallies over all of them.
 *
 * Knows nothing of blessed: `onChange` tells the screen something changed;
 * the screen decides when to draw.
 */
import type { TimeColumn } from '../../output/column-time';
import * as os from 'node:os';
import { Analyzer, type TcpConnection, type UdpConversation } from '../../analysis/index';
import { FileSource } from '../../capture/file';
import { CaptureError, type Frame, type PacketSource, type SourceEnd } from '../../capture/frame';
import { openFile } from '../../capture/open';
import { FrameReader } from '../../capture/random';
import { byteText } from '../../capture/units';
import type { CaptureWriter } from '../../capture/writer';
import { decodeFrame } from '../../decode/index';
import { Packet } from '../../decode/packet';
import type { DemoEvent } from '../../demo/demo';
import { compileFilter, type CompiledFilter, type PacketPredicate } from '../../filter/index';
import { FrameIndex, FrameList } from './frame-index';
import { Spill } from './spill';
import { compact, RateMeter } from './rates';
import { rowClass } from './row-class';
import { ReplayNotes } from './replay-notes';
import type { TcpSnapshot, UdpSnapshot } from './conn-snapshot';
import { ConnStore, ConnTotals, KEEP_CONNECTIONS } from './conn-store';
import { TcpSnapshotTable, UdpSnapshotTable } from './snapshot-table';

export type ModelState = 'loading' | 'live' | 'eof' | 'stopped' | 'error';

export interface ModelOptions {
  source: PacketSource;
  /** The -w file, written as frames arrive. */
  writer?: CaptureWriter | null;
  /** The capture filter live capture runs with ('' none). */
  captureFilter?: string;
  /** --framing */
  framing?: string;
  /** -t and -u: the packet list's time column (default: seconds since the first frame). */
  time?: TimeColumn;
  /** -c: stop after this many frames. */
  count?: number;
  /** -a packets: stop after this many frames matching the display filter (every frame without one). */
  autostopPackets?: number;
  /** -a filesize: stop once the -w file has this many bytes. */
  autostopFileBytes?: number;
  /** Where live and standard-input frames are spilled (default: the system's temporary directory). */
  spillDir?: string;
  /** TCP connections analysis keeps in full detail; older ones are summarised (bounded memory). */
  maxConnections?: number;
  /** --stream-bytes: reassembled bytes the connection view keeps per direction (default 1 MiB). */
  streamBytes?: number;
  /** Application events (the demo's send()/recv()) kept for the stream view. */
  maxAppEvents?: number;
  /** --keep-frames: frames a live or standard-input capture keeps (the newest). */
  keepFrames?: number;
  /** --keep-bytes: bytes of spill it keeps. */
  keepBytes?: number;
  /** Finished TCP connections (and UDP conversations) whose summaries are kept, the newest (default KEEP_CONNECTIONS). */
  keepConnections?: number;
}

/** Frames a live or standard-input capture keeps by default: 46 MB of index and facts. */
export const KEEP_FRAMES = 1_000_000;
/** Bytes of spill it keeps by default (the temporary directory is often in memory: tmpfs). */
export const KEEP_BYTES = 1 << 30;

export class CaptureModel {
  readonly source: PacketSource;
  readonly index = new FrameIndex();
  readonly analyzer: Analyzer;
  readonly rates = new RateMeter();
  readonly captureFilter: string;
  state: ModelState;
  /** How reading ended (null while it runs). */
  end: SourceEnd | null = null;
  /** Bytes on the wire of every frame read. */
  bytes = 0;
  /** A problem that is not the source's: the -w file or the spill could not be written. */
  sideError: CaptureError | null = null;
  /** Live and standard input: the ring of spill files (null: a file read in place). */
  readonly spill: Spill | null;
  readonly keepFrames: number;
  readonly keepBytes: number;
  /** Which limit dropped frames last. */
  dropReason: 'frames' | 'bytes' = 'frames';

  /**
   * TCP connections by tcp.stream: live objects, or snapshots once analysis let go of them;
   * the oldest snapshots beyond keepConnections are dropped (read through connection()).
   */
  readonly tcp: ConnStore<TcpConnection, TcpSnapshot>;
  /** UDP conversations by udp.stream. */
  readonly udp: ConnStore<UdpConversation, UdpSnapshot>;
  /** Tallies over every connection and conversation that finished, dropped ones included. */
  readonly tcpTotals = new ConnTotals();
  readonly udpTotals = new ConnTotals();
  /** The application's own calls (demo), in order. */
  readonly appEvents: DemoEvent[] = [];

  // Display filter.
  filter: CompiledFilter = compileFilter('');
  /** Matches among frames 1..passUpTo (found by the re-reading pass), then among later frames (found while loading). */
  private passMatches: FrameList | null = null;
  private liveMatches: FrameList | null = null;
  private livePredicate: PacketPredicate | null = null;
  /** Frames -a packets has counted. */
  private autostopMatched = 0;
  private passUpTo = 0;
  /** Frames the current pass has examined. */
  passScanned = 0;
  /** The oldest frame kept when the pass started. */
  private passFrom = 1;
  passDone = true;
  private passId = 0;
  private passSource: PacketSource | null = null;

  /** Rows that left the front of the packet list since the filter last changed (rowEpoch): the screen keeps its selection on its frame. */
  rowsDropped = 0;
  /** Changes with the filter: row numbers before and after are unrelated. */
  rowEpoch = 0;

  // Pause: the screen shows what there was when paused; reading goes on.
  paused = false;
  private pausedCount = 0;
  private pausedMatches = 0;

  private readonly pkt = new Packet();
  private readonly readPkt = new Packet();
  private readonly replayNotes = new ReplayNotes();
  /** Re-reads frames of a file read in place. */
  private fileReader: FrameReader | null = null;
  private readonly writer: CaptureWriter | null;
  private readonly limit: number;
  private readonly maxAppEvents: number;
  private listeners: (() => void)[] = [];
  private readonly framing: string;

  constructor(readonly options: ModelOptions) {
    this.source = options.source;
    this.writer = options.writer ?? null;
    this.captureFilter = options.captureFilter ?? '';
    this.limit = options.count ?? 0;
    this.maxAppEvents = options.maxAppEvents ?? 100_000;
    this.framing = options.framing ?? 'auto';
    this.state = this.source.kind === 'live' ? 'live' : 'loading';
    this.tcp = new ConnStore(new TcpSnapshotTable(), options.keepConnections ?? KEEP_CONNECTIONS);
    this.udp = new ConnStore(new UdpSnapshotTable(), options.keepConnections ?? KEEP_CONNECTIONS);
    this.analyzer = new Analyzer({
      framing: this.framing,
      frameFacts: true,
      // Nothing keeps an evicted connection past onTcpRetire (it becomes a snapshot): reusing its
      // objects spares the garbage of a SYN flood (a million connections, 20 000 live).
      recycle: true,
      maxConnections: options.maxConnections ?? 20_000,
      maxUdpConversations: options.maxConnections ?? 20_000,
      // Kinds are final here (finish() settles unanswered and aborted handshakes before it retires).
      onTcpRetire: (c, evicted) => {
        this.tcpTotals.add(c.handshake, c.teardown);
        if (evicted) this.tcp.retire(c);
      },
      onUdpRetire: (c, evicted) => {
        this.udpTotals.add();
        if (evicted) this.udp.retire(c);
      },
    });
    this.keepFrames = options.keepFrames ?? KEEP_FRAMES;
    this.keepBytes = options.keepBytes ?? KEEP_BYTES;
    const inPlace = this.source instanceof FileSource && this.source.name !== '-';
    this.spill = inPlace ? null : new Spill(options.spillDir ?? os.tmpdir(), this.keepFrames, this.keepBytes);
  }

  /** Called (synchronously, often) whenever frames or state change; the listener throttles. */
  onChange(listener: () => void): void {
    this.listeners.push(listener);
  }

  private changed(): void {
    for (const l of this.listeners) l();
  }

  get count(): number {
    return this.index.count;
  }

  get isLive(): boolean {
    return this.source.kind !== 'file' || this.spill !== null;
  }

  /** The oldest frame still kept (1 until the ring drops frames). */
  get firstFrame(): number {
    return this.index.first;
  }

  /** Frames dropped from the front of the ring. */
  get dropped(): number {
    return this.index.first - 1;
  }

  /** Reads the source to its end (or stop()); resolves with how it ended. */
  async run(): Promise<SourceEnd> {
    const pkt = this.pkt;
    const index = this.index;
    const analyzer = this.analyzer;
    const spill = this.spill;
    const end = await this.source.run((frame) => {
      let offset = frame.recordOffset;
      if (spill !== null) {
        try {
          offset = spill.write(frame, index.count + 1);
        } catch (e) {
          this.fail(e);
          return;
        }
      }
      if (this.writer !== null) {
        try {
          this.writer.write(frame);
        } catch (e) {
          this.fail(e);
          return;
        }
      }
      const n = index.count + 1;
      decodeFrame(pkt, frame, n);
      analyzer.process(pkt);
      this.track(pkt);
      index.push(offset, frame.tsSec, frame.tsNsec, frame.origLen, rowClass(pkt));
      this.bytes += frame.origLen;
      this.rates.add(frame.tsSec, frame.origLen);
      const matches = this.livePredicate === null || this.livePredicate(pkt);
      if (this.livePredicate !== null && matches) this.liveMatches!.push(n);
      if (spill !== null && (n - index.first >= this.keepFrames || spill.end - index.offset(index.first) > this.keepBytes)) this.trim(spill);
      if (this.limit > 0 && n >= this.limit) this.source.stop();
      const { autostopPackets, autostopFileBytes } = this.options;
      if (autostopPackets !== undefined && matches && ++this.autostopMatched >= autostopPackets) this.source.stop();
      if (autostopFileBytes !== undefined && this.writer !== null && this.writer.position >= autostopFileBytes) this.source.stop();
      this.changed();
    });
    // A file's end settles what only the end can tell (unanswered SYNs, open streams).
    if (end.kind !== 'stopped' || this.source.kind === 'file') analyzer.finish();
    this.end = end;
    this.state = end.kind === 'error' ? 'error' : end.kind === 'eof' ? 'eof' : 'stopped';
    if (this.sideError !== null) this.state = 'error';
    this.flushSpill();
    try {
      this.writer?.close();
    } catch (e) {
      if (!(e instanceof CaptureError)) throw e;
      this.sideError ??= e;
    }
    this.changed();
    return end;
  }

  /** Drops the oldest frames until the ring is within both limits again (the newest frame always stays). */
  private trim(spill: Spill): void {
    const index = this.index;
    const n = index.count;
    let first = index.first;
    if (n - first >= this.keepFrames) {
      first = n - this.keepFrames + 1;
      this.dropReason = 'frames';
    }
    const end = spill.end;
    while (first < n && end - index.offset(first) > this.keepBytes) {
      first++;
      this.dropReason = 'bytes';
    }
    let rows = first - index.first;
    index.dropBefore(first);
    this.analyzer.facts?.dropBefore(first);
    if (this.passMatches !== null) {
      // Matches still hidden behind an unfinished pass were never rows.
      rows = this.passMatches.dropBelow(first);
      const live = this.liveMatches!.dropBelow(first);
      if (this.passDone) rows += live;
      if (this.paused) this.pausedMatches = Math.max(0, this.pausedMatches - rows);
    }
    this.rowsDropped += rows;
    spill.dropBefore(first);
  }

  private fail(e: unknown): void {
    if (!(e instanceof CaptureError)) throw e;
    this.sideError ??= e;
    this.source.stop();
  }

  /** Remembers connections and conversations as analysis creates them (a compare per frame, no allocation). */
  private track(pkt: Packet): void {
    const fa = pkt.notes.analysis;
    if (fa === undefined) return;
    for (let i = 0; i < fa.tcpCount; i++) {
      const c = fa.tcp[i].conn;
      if (c !== null) this.tcp.track(c);
    }
    const u = fa.udp?.conv;
    if (u !== undefined && u !== null) this.udp.track(u);
  }

  /** TCP connection or UDP conversation `stream`: live, a snapshot, or null (never seen, or no longer kept). */
  connection(kind: 'tcp', stream: number): TcpConnection | TcpSnapshot | null;
  connection(kind: 'udp', stream: number): UdpConversation | UdpSnapshot | null;
  connection(kind: 'tcp' | 'udp', stream: number): TcpConnection | TcpSnapshot | UdpConversation | UdpSnapshot | null;
  connection(kind: 'tcp' | 'udp', stream: number): TcpConnection | TcpSnapshot | UdpConversation | UdpSnapshot | null {
    return kind === 'tcp' ? this.tcp.get(stream) : this.udp.get(stream);
  }

  /** Whether `stream` was seen and its summary dropped to bound memory (keepConnections). */
  connectionDropped(kind: 'tcp' | 'udp', stream: number): boolean {
    return (kind === 'tcp' ? this.tcp : this.udp).isDropped(stream);
  }

  /** Stops reading (quit). */
  stop(): void {
    this.passSource?.stop();
    this.passId++;
    this.source.stop();
  }

  /** Removes the spill files (call once, at exit). */
  dispose(): void {
    this.fileReader?.close();
    this.spill?.dispose();
  }

  /** Adds an application event (the demo's send()/recv()), bounded. */
  addAppEvent(e: DemoEvent): void {
    if (this.appEvents.length < this.maxAppEvents) this.appEvents.push(e);
    this.changed();
  }

  private flushSpill(): void {
    if (this.spill === null) return;
    try {
      this.spill.flush();
    } catch (e) {
      if (!(e instanceof CaptureError)) throw e;
      this.sideError ??= e;
    }
  }

  /** Re-reads frame `n` (valid until the next read). */
  readFrame(n: number): Frame | CaptureError {
    if (n < 1 || n > this.index.count) return new CaptureError(`no frame ${n}`, this.source.name);
    if (n < this.index.first) return new CaptureError(`frame ${n} was dropped (limit ${this.limitText()})`, this.source.name);
    if (this.spill !== null) return this.spill.read(this.index.offset(n), this.source.name);
    this.fileReader ??= this.source instanceof FileSource ? this.source.frameReader() : new FrameReader(this.source.name);
    return this.fileReader.read(this.index.offset(n));
  }

  /** The limit that dropped frames last, as the header names it ('1.00M', '1.07 GB of spill'). */
  limitText(): string {
    return this.dropReason === 'frames' ? compact(this.keepFrames) : `${byteText(this.keepBytes)} of spill`;
  }

  /**
   * Re-reads and decodes frame `n` into `pkt` (a Packet the caller owns, or
   * the model's), with the frame clock set as the sequential pass had it.
   * Returns the packet, or the error that prevented reading it.
   */
  decode(n: number, pkt: Packet = this.readPkt): Packet | CaptureError {
    const f = this.readFrame(n);
    if (f instanceof CaptureError) return f;
    decodeFrame(pkt, f, n);
    const c = pkt.clock;
    c.started = true;
    c.firstSec = this.index.startSec;
    c.firstNsec = this.index.startNsec;
    c.prevSec = this.index.sec(n > 1 ? n - 1 : 1);
    c.prevNsec = this.index.nsec(n > 1 ? n - 1 : 1);
    this.replayNotes.attach(pkt, this, n);
    return pkt;
  }

  // ---- display filter ----

  /**
   * Applies a display filter. An invalid one changes nothing and is returned
   * for the filter bar; a valid one starts a pass that re-reads the frames
   * already loaded (with a fresh analysis, since filters may ask for
   * tcp.analysis.* fields) in slices, while frames still arriving are
   * matched as they come.
   */
  setFilter(text: string): CompiledFilter {
    const f = compileFilter(text);
    if (!f.ok) return f;
    this.filter = f;
    this.passSource?.stop();
    this.passSource = null;
    const id = ++this.passId;
    this.rowEpoch++;
    this.rowsDropped = 0;
    if (!f.active) {
      this.passMatches = null;
      this.liveMatches = null;
      this.livePredicate = null;
      this.passDone = true;
      this.changed();
      return f;
    }
    this.passMatches = new FrameList();
    this.liveMatches = new FrameList();
    this.passUpTo = this.index.count;
    this.livePredicate = f.match;
    this.passScanned = 0;
    this.passDone = this.passUpTo === 0;
    if (this.paused) this.pausedMatches = 0;
    if (!this.passDone) void this.runPass(id, f.match, this.passUpTo, this.passMatches);
    this.changed();
    return f;
  }

  private async runPass(id: number, match: PacketPredicate, upTo: number, out: FrameList): Promise<void> {
    this.flushSpill();
    this.passFrom = this.index.first;
    const pkt = new Packet();
    const an = new Analyzer({ framing: this.framing, maxConnections: this.options.maxConnections ?? 20_000, recycle: true });
    const spill = this.spill;
    // A file read in place is one piece; a spill, its files from the one holding the oldest kept frame.
    let file = spill === null ? null : spill.fileOfFrame(this.index.first);
    let n = file === null ? 0 : file.firstFrame - 1;
    for (;;) {
      let src: PacketSource | null = null;
      try {
        src = openFile(file === null ? this.source.name : file.path);
      } catch (e) {
        if (id !== this.passId) return;
        // The ring deleted the file meanwhile: its frames are gone from the list anyway.
        if (file === null || !file.gone) {
          this.fail(e);
          return;
        }
      }
      if (src !== null) {
        const s = src;
        this.passSource = s;
        await s.run((frame) => {
          if (id !== this.passId || n >= upTo) {
            s.stop();
            return;
          }
          n++;
          decodeFrame(pkt, frame, n);
          an.process(pkt);
          if (n >= this.index.first && match(pkt)) out.push(n);
          this.passScanned = n;
          if ((n & 1023) === 0) this.changed();
        });
        if (id !== this.passId) return;
      }
      const next = file === null || spill === null ? null : spill.after(file);
      if (next === null || n >= upTo) break;
      // Frames are numbered by where each file starts (a frame the -w file refused is in no list).
      n = next.firstFrame - 1;
      file = next;
    }
    this.passSource = null;
    this.passDone = true;
    this.changed();
  }

  /** How far the filter's pass has got, 0 to 1. */
  get passProgress(): number {
    if (this.passDone) return 1;
    return Math.max(0, Math.min(1, (this.passScanned - this.passFrom + 1) / Math.max(1, this.passUpTo - this.passFrom + 1)));
  }

  /** Rows the packet list shows (all frames, or the filter's matches), as of the pause. */
  get shownCount(): number {
    if (this.paused) return this.passMatches === null ? Math.max(0, this.pausedCount - this.index.first + 1) : this.pausedMatches;
    return this.currentShown();
  }

  private currentShown(): number {
    if (this.passMatches === null) return this.index.count - this.index.first + 1;
    return this.passMatches.length + (this.passDone ? this.liveMatches!.length : 0);
  }

  /** Frame number of row `i` (0-based). */
  shownFrame(i: number): number {
    const pm = this.passMatches;
    if (pm === null) return this.index.first + i;
    return i < pm.length ? pm.at(i) : this.liveMatches!.at(i - pm.length);
  }

  /** The row showing frame `n`, or the row of the first shown frame after it (clamped). */
  rowOf(n: number): number {
    const pm = this.passMatches;
    const count = this.shownCount;
    if (count === 0) return 0;
    if (pm === null) return Math.max(0, Math.min(count - 1, n - this.index.first));
    let row = pm.lowerBound(n);
    if (row >= pm.length && this.passDone) row = pm.length + this.liveMatches!.lowerBound(n);
    return Math.min(row, count - 1);
  }

  get filtering(): boolean {
    return this.passMatches !== null;
  }

  // ---- pause ----

  pause(): void {
    if (this.paused) return;
    this.pausedCount = this.index.count;
    this.pausedMatches = this.currentShown();
    this.paused = true;
    this.changed();
  }

  resume(): void {
    this.paused = false;
    this.changed();
  }

  /** Frames that arrived since the pause. */
  get heldBack(): number {
    return this.paused ? this.index.count - this.pausedCount : 0;
  }

  /** Bytes of memory the per-frame data holds (the benchmark's accounting). */
  memoryBytes(): number {
    return this.index.bytes() + (this.analyzer.facts?.bytes() ?? 0) + (this.passMatches?.bytes() ?? 0) + (this.liveMatches?.bytes() ?? 0);
  }
}
