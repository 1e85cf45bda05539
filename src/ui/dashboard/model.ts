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
 * spilled to a temporary pcapng as they arrive and re-read from there: memory
 * stays bounded however long the capture runs.
 *
 * Knows nothing of blessed: `onChange` tells the screen something changed;
 * the screen decides when to draw.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Analyzer, type TcpConnection, type UdpConversation } from '../../analysis/index';
import { FileSource } from '../../capture/file';
import { CaptureError, type Frame, type PacketSource, type SourceEnd } from '../../capture/frame';
import { openFile } from '../../capture/open';
import { FrameReader } from '../../capture/random';
import { openWriter, type CaptureWriter } from '../../capture/writer';
import { decodeFrame } from '../../decode/index';
import { Packet } from '../../decode/packet';
import type { DemoEvent } from '../../demo/demo';
import { compileFilter, type CompiledFilter, type PacketPredicate } from '../../filter/index';
import { FrameIndex, FrameList } from './frame-index';
import { RateMeter } from './rates';
import { rowClass } from './row-class';
import { ReplayNotes } from './replay-notes';
import { snapshotTcp, snapshotUdp, type TcpSnapshot, type UdpSnapshot } from './conn-snapshot';

export type ModelState = 'loading' | 'live' | 'eof' | 'stopped' | 'error';

export interface ModelOptions {
  source: PacketSource;
  /** The -w file, written as frames arrive. */
  writer?: CaptureWriter | null;
  /** The capture filter live capture runs with ('' none). */
  captureFilter?: string;
  /** --framing */
  framing?: string;
  /** -c: stop after this many frames. */
  count?: number;
  /** Where live and standard-input frames are spilled (default: the system's temporary directory). */
  spillDir?: string;
  /** TCP connections analysis keeps in full detail; older ones are summarised (bounded memory). */
  maxConnections?: number;
  /** --stream-bytes: reassembled bytes the connection view keeps per direction (default 1 MiB). */
  streamBytes?: number;
  /** Application events (the demo's send()/recv()) kept for the stream view. */
  maxAppEvents?: number;
}

/** Where a frame's bytes live, for random access. */
interface Store {
  path: string;
  reader: FrameReader | null;
  /** null for a file read in place. */
  spill: CaptureWriter | null;
  /** Frames written to the spill but maybe not flushed yet. */
  unflushed: number;
}

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

  /** TCP connections by tcp.stream: live objects, or snapshots once analysis let go of them. */
  readonly tcp: (TcpConnection | TcpSnapshot | null)[] = [];
  /** UDP conversations by udp.stream. */
  readonly udp: (UdpConversation | UdpSnapshot | null)[] = [];
  /** The application's own calls (demo), in order. */
  readonly appEvents: DemoEvent[] = [];

  // Display filter.
  filter: CompiledFilter = compileFilter('');
  /** Matches among frames 1..passUpTo (found by the re-reading pass), then among later frames (found while loading). */
  private passMatches: FrameList | null = null;
  private liveMatches: FrameList | null = null;
  private livePredicate: PacketPredicate | null = null;
  private passUpTo = 0;
  /** Frames the current pass has examined. */
  passScanned = 0;
  passDone = true;
  private passId = 0;
  private passSource: PacketSource | null = null;

  // Pause: the screen shows what there was when paused; reading goes on.
  paused = false;
  private pausedCount = 0;
  private pausedMatches = 0;

  private readonly pkt = new Packet();
  private readonly readPkt = new Packet();
  private readonly replayNotes = new ReplayNotes();
  private readonly store: Store;
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
    this.analyzer = new Analyzer({
      framing: this.framing,
      frameFacts: true,
      maxConnections: options.maxConnections ?? 20_000,
      maxUdpConversations: options.maxConnections ?? 20_000,
      onTcpRetire: (c, evicted) => {
        if (evicted) this.tcp[c.stream] = snapshotTcp(c);
      },
      onUdpRetire: (c, evicted) => {
        if (evicted) this.udp[c.stream] = snapshotUdp(c);
      },
    });
    const inPlace = this.source instanceof FileSource && this.source.name !== '-';
    if (inPlace) {
      this.store = { path: this.source.name, reader: null, spill: null, unflushed: 0 };
    } else {
      const dir = fs.mkdtempSync(path.join(options.spillDir ?? os.tmpdir(), 'synack-'));
      const p = path.join(dir, 'spill.pcapng');
      this.store = { path: p, reader: null, spill: openWriter(p, { format: 'pcapng', nanosecond: true }), unflushed: 0 };
    }
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
    return this.source.kind !== 'file' || this.store.spill !== null;
  }

  /** Reads the source to its end (or stop()); resolves with how it ended. */
  async run(): Promise<SourceEnd> {
    const pkt = this.pkt;
    const index = this.index;
    const analyzer = this.analyzer;
    const store = this.store;
    const end = await this.source.run((frame) => {
      let offset = frame.recordOffset;
      if (store.spill !== null) {
        try {
          offset = store.spill.write(frame);
          store.unflushed++;
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
      if (this.livePredicate !== null && this.livePredicate(pkt)) this.liveMatches!.push(n);
      if (this.limit > 0 && n >= this.limit) this.source.stop();
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
      if (c !== null && this.tcp[c.stream] !== c) {
        while (this.tcp.length < c.stream) this.tcp.push(null);
        this.tcp[c.stream] = c;
      }
    }
    const u = fa.udp?.conv;
    if (u !== undefined && u !== null && this.udp[u.stream] !== u) {
      while (this.udp.length < u.stream) this.udp.push(null);
      this.udp[u.stream] = u;
    }
  }

  /** Stops reading (quit). */
  stop(): void {
    this.passSource?.stop();
    this.passId++;
    this.source.stop();
  }

  /** Removes the spill file (call once, at exit). */
  dispose(): void {
    this.store.reader?.close();
    if (this.store.spill !== null) {
      try {
        this.store.spill.close();
      } catch {
        // the spill is being removed anyway
      }
      fs.rmSync(path.dirname(this.store.path), { recursive: true, force: true });
    }
  }

  /** Adds an application event (the demo's send()/recv()), bounded. */
  addAppEvent(e: DemoEvent): void {
    if (this.appEvents.length < this.maxAppEvents) this.appEvents.push(e);
    this.changed();
  }

  private flushSpill(): void {
    const s = this.store;
    if (s.spill === null || s.unflushed === 0) return;
    try {
      s.spill.flush();
      s.unflushed = 0;
    } catch (e) {
      if (!(e instanceof CaptureError)) throw e;
      this.sideError ??= e;
    }
  }

  /** Re-reads frame `n` (valid until the next read). */
  readFrame(n: number): Frame | CaptureError {
    if (n < 1 || n > this.index.count) return new CaptureError(`no frame ${n}`, this.source.name);
    const s = this.store;
    this.flushSpill();
    if (s.reader === null) {
      s.reader = this.source instanceof FileSource && s.spill === null ? this.source.frameReader() : new FrameReader(s.path);
    }
    return s.reader.read(this.index.offset(n));
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
    c.firstSec = this.index.sec(1);
    c.firstNsec = this.index.nsec(1);
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
    let src: PacketSource;
    try {
      src = openFile(this.store.path);
    } catch (e) {
      this.fail(e);
      return;
    }
    this.passSource = src;
    const pkt = new Packet();
    const an = new Analyzer({ framing: this.framing, maxConnections: this.options.maxConnections ?? 20_000 });
    let n = 0;
    await src.run((frame) => {
      if (id !== this.passId || n >= upTo) {
        src.stop();
        return;
      }
      n++;
      decodeFrame(pkt, frame, n);
      an.process(pkt);
      if (match(pkt)) out.push(n);
      this.passScanned = n;
      if ((n & 1023) === 0) this.changed();
    });
    if (id !== this.passId) return;
    this.passSource = null;
    this.passDone = true;
    this.changed();
  }

  /** Rows the packet list shows (all frames, or the filter's matches), as of the pause. */
  get shownCount(): number {
    if (this.paused) return this.passMatches === null ? this.pausedCount : this.pausedMatches;
    return this.currentShown();
  }

  private currentShown(): number {
    if (this.passMatches === null) return this.index.count;
    return this.passMatches.length + (this.passDone ? this.liveMatches!.length : 0);
  }

  /** Frame number of row `i` (0-based). */
  shownFrame(i: number): number {
    const pm = this.passMatches;
    if (pm === null) return i + 1;
    return i < pm.length ? pm.at(i) : this.liveMatches!.at(i - pm.length);
  }

  /** The row showing frame `n`, or the row of the first shown frame after it (clamped). */
  rowOf(n: number): number {
    const pm = this.passMatches;
    const count = this.shownCount;
    if (count === 0) return 0;
    if (pm === null) return Math.max(0, Math.min(count - 1, n - 1));
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
