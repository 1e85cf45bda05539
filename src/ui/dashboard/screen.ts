/**
 * The dashboard's screen: blessed widgets over the capture model. Four views
 * (packets, connections, one connection's ladder and stream, ARP), each a
 * set of panes drawn only where visible. Drawing is throttled (at most every
 * 50 ms: 20 frames a second, and at least 10 while frames arrive; 4 while a
 * file loads) and runs between reads: the model only marks the screen dirty.
 * The one exception is a file's first screen, drawn once as soon as a
 * screenful of frames is in. Nothing runs while nothing changes, except a
 * 1 Hz tick for live rates.
 *
 * Every text that came from a packet is sanitised by the view models and
 * brace-escaped here before blessed sees it.
 */
import blessed from 'blessed';
import { KIND_TCP, KIND_UDP } from '../../analysis/facts';
import { CaptureError } from '../../capture/frame';
import { byteText } from '../../capture/units';
import type { DemoEvent } from '../../demo/demo';
import type { CompiledFilter } from '../../filter/index';
import { compileFilter } from '../../filter/index';
import { sanitize } from '../../output/sanitize';
import { buildArpView, linkInfo, type LinkInfo } from './arpview';
import { ConnDetail } from './conn-detail';
import type { TcpSnapshot, UdpSnapshot } from './conn-snapshot';
import { columnsFor, ConnList, connLine, droppedNote, headerLine, noLongerKept, type ConnRef } from './conns';
import { buildDetail, defaultExpanded, flattenDetail, type DetailLine, type DetailNode } from './detail';
import { hexBytesPerLine, hexLines } from './hex';
import { HELP_WIDTH, helpLines } from './help';
import { buildLadder, type Line } from './ladder';
import type { CaptureModel } from './model';
import { compact, sparkline } from './rates';
import { buildRow, type Row } from './rows';
import { Scroller } from './scroll';
import { buildStreamView } from './streamview';
import { lineText, ROW_STYLE, styled, TONE_STYLE } from './style';
import { escapeTags, fit, safe, wrap } from './text';

export type View = 'packets' | 'conns' | 'conn' | 'arp';

/**
 * A pane's note under its title: wrapped onto up to three lines when the
 * pane is tall enough to spare them (the connections pane's totals are
 * longer than a narrow terminal), else one line cut at the pane's width.
 */
function noteLines(note: string | undefined, width: number, height: number): string[] {
  if (note === undefined) return [];
  return wrap(note, width, height >= 12 ? 3 : 1);
}
type PaneId = 'list' | 'detail' | 'hex' | 'conns' | 'ladder' | 'stream' | 'udp' | 'arp';

/** Minimum time between two draws (20 per second). */
export const FRAME_MS = 50;
/**
 * While a file loads, the rows on screen do not change (the list shows the
 * file's start); only the progress does. Drawing 4 times a second leaves the
 * reading its time.
 */
export const LOADING_FRAME_MS = 250;
/** Rows kept built (a few screenfuls): a row's frame never changes, only its analysis flags may. */
const ROW_CACHE = 1024;

export interface ScreenIO {
  input?: NodeJS.ReadableStream;
  output?: NodeJS.WritableStream;
  terminal?: string;
}

export interface DashboardOptions {
  io?: ScreenIO;
  /** What the header names: the file, 'standard input', 'live on lo'. */
  sourceText: string;
  /** Live capture's interface (the ARP view's subnet lesson). */
  iface?: string;
  /** A line shown under the header (the demo's narration). */
  banner?: string;
  /** A line that stays under the banner (why the demo is not live, and the command that would make it so). */
  notice?: string;
  view?: View;
  /** Demo: keep the conversation's TCP connection selected as it appears. */
  demo?: boolean;
  /** The demo's recorded run played at its pace (the header says so instead of 'loading'). */
  replay?: boolean;
}

interface Pane {
  id: PaneId;
  box: blessed.Widgets.BoxElement;
  scroll: Scroller;
  /** Whether a line is selected (false: the pane only scrolls). */
  selectable: boolean;
}

const NO_CONNS = 'No TCP connection or UDP conversation in the capture yet: nothing to open.';

const VIEW_NAMES: [View, string][] = [
  ['packets', '1 Packets'],
  ['conns', '2 Connections'],
  ['conn', '3 Ladder+Stream'],
  ['arp', '4 ARP'],
];

export class Dashboard {
  readonly screen: blessed.Widgets.Screen;
  private readonly header: blessed.Widgets.BoxElement;
  private readonly bannerBox: blessed.Widgets.BoxElement;
  private readonly status: blessed.Widgets.BoxElement;
  private readonly helpBox: blessed.Widgets.BoxElement;
  private readonly panes = new Map<PaneId, Pane>();
  private view: View;
  private readonly focusByView = new Map<View, number>();
  private banner: string;
  private message = '';
  private messageIsError = false;

  // Draw throttling.
  private timer: NodeJS.Timeout | null = null;
  private lastDraw = 0;
  /** A draw with packet rows happened (the first screen is up). */
  private drewRows = false;
  /** The model's rowsDropped / rowEpoch when the list's selection was last placed. */
  private listDropped = 0;
  private listEpoch = 0;
  private ticker: NodeJS.Timeout | null = null;
  private destroyed = false;
  /** Draws so far (tests and the benchmark read it). */
  draws = 0;

  // Packet detail caches.
  private detailFrame = -1;
  private detailNodes: DetailNode[] = [];
  private detailLines: DetailLine[] = [];
  private readonly expanded = new Set<string>();
  private readonly seenKeys = new Set<string>();
  private hexBytes = new Uint8Array(0);
  private readonly rowCache = new Map<number, { flags: number; prev: number; row: Row }>();

  // Connections.
  private readonly connList: ConnList;
  private conn: ConnDetail | null = null;
  private preview: ConnDetail | null = null;
  private udpSide: ConnDetail | null = null;
  private ladderCache: { key: string; lines: Line[] } = { key: '', lines: [] };
  private streamCache: { key: string; lines: Line[] } = { key: '', lines: [] };
  private udpCache: { key: string; lines: Line[] } = { key: '', lines: [] };
  private previewCache: { key: string; lines: Line[] } = { key: '', lines: [] };
  private readonly link: LinkInfo | null;

  // Filter bar.
  private editing: { text: string; cursor: number; compiled: CompiledFilter } | null = null;
  private helpShown = false;
  /** The first help line shown (the help scrolls when the terminal is too short for it). */
  private helpTop = 0;
  /** Demo: the screen follows the demo's connections until the person takes over. */
  private demoAuto = true;
  private quitResolve: (() => void) | null = null;
  readonly quitted: Promise<void>;

  constructor(
    readonly model: CaptureModel,
    private readonly opts: DashboardOptions,
  ) {
    const io = opts.io ?? {};
    this.screen = blessed.screen({
      input: io.input as NodeJS.ReadableStream | undefined,
      output: io.output as NodeJS.WritableStream | undefined,
      terminal: io.terminal ?? process.env.TERM ?? 'xterm-256color',
      fullUnicode: true,
      forceUnicode: true,
      smartCSR: true,
      warnings: false,
      autoPadding: false,
      title: 'synack',
    } as blessed.Widgets.IScreenOptions);
    // Box-drawing characters as UTF-8, not the terminal's alternate character set: what is
    // drawn is what `tmux capture-pane` and copy-paste give back.
    (this.screen as unknown as { tput: { brokenACS: boolean } }).tput.brokenACS = true;
    this.quitted = new Promise((r) => (this.quitResolve = r));
    this.view = opts.view ?? 'packets';
    this.banner = opts.banner ?? '';
    this.link = opts.iface !== undefined ? linkInfo(opts.iface) : null;
    this.connList = new ConnList(model);

    const box = (o: blessed.Widgets.BoxOptions): blessed.Widgets.BoxElement =>
      blessed.box({ parent: this.screen, tags: true, wrap: false, ...o } as blessed.Widgets.BoxOptions);
    this.header = box({ top: 0, left: 0, width: '100%', height: 2 });
    this.bannerBox = box({ top: 2, left: 0, width: '100%', height: 1, hidden: true });
    this.status = box({ bottom: 0, left: 0, width: '100%', height: 1 });
    for (const id of ['list', 'detail', 'hex', 'conns', 'ladder', 'stream', 'udp', 'arp'] as PaneId[]) {
      const b = box({ top: 3, left: 0, width: 10, height: 3, hidden: true });
      const p: Pane = { id, box: b, scroll: new Scroller(), selectable: id !== 'hex' && id !== 'stream' && id !== 'udp' && id !== 'arp' };
      this.panes.set(id, p);
      this.mouse(p);
    }
    this.helpBox = box({ top: 'center', left: 'center', width: '90%', height: '90%', hidden: true, border: { type: 'line' }, label: ' synack: keys (any key closes) ' });
    this.panes.get('list')!.scroll.follow = model.isLive;
    this.panes.get('conns')!.scroll.follow = opts.demo === true;

    this.screen.on('keypress', (ch: string | undefined, key: blessed.Widgets.Events.IKeyEventArg) => this.onKey(ch, key));
    this.screen.on('resize', () => this.draw());
    model.onChange(() => {
      // A file's first chunk takes a while to read (cold code, a megabyte at a time): the first
      // screen is drawn as soon as a screenful of frames is in, once, from within the reading.
      if (!this.drewRows && !model.isLive && model.count >= ((this.screen.height as number) || 24)) this.draw();
      else this.requestDraw();
    });
    if (model.isLive) {
      // Rates and the sparkline move with the clock even when no frame comes.
      this.ticker = setInterval(() => this.requestDraw(), 1000);
      this.ticker.unref();
    }
    try {
      this.screen.enableMouse();
    } catch {
      // a terminal without mouse support: the keys do everything
    }
    this.draw();
  }

  // ---- drawing ----

  /** Schedules a draw: at most one per FRAME_MS, never from inside the packet loop itself. */
  requestDraw(): void {
    if (this.timer !== null || this.destroyed) return;
    const gap = this.model.state === 'loading' && !this.model.isLive && this.drewRows ? LOADING_FRAME_MS : FRAME_MS;
    const wait = Math.max(0, this.lastDraw + gap - Date.now());
    this.timer = setTimeout(() => {
      this.timer = null;
      this.draw();
    }, wait);
  }

  /** Draws now. */
  draw(): void {
    if (this.destroyed) return;
    this.lastDraw = Date.now();
    this.draws++;
    if (this.model.shownCount > 0) this.drewRows = true;
    if (this.model.state !== 'live' && this.model.state !== 'loading' && this.ticker !== null) {
      clearInterval(this.ticker);
      this.ticker = null;
    }
    this.connList.refresh(this.panes.get('conns')!.scroll);
    if (this.opts.demo === true) this.demoFollow();
    this.layout();
    this.drawHeader();
    for (const id of this.visiblePanes()) this.drawPane(this.panes.get(id)!);
    this.drawStatus();
    if (this.helpShown) this.drawHelp();
    this.screen.render();
    // A connection still being read in slices asks for the next slice.
    if (this.conn?.behind || this.preview?.behind || this.udpSide?.behind) this.requestDraw();
  }

  private visiblePanes(): PaneId[] {
    switch (this.view) {
      case 'packets':
        return ['list', 'detail', 'hex'];
      case 'conns':
        return ['conns', 'ladder'];
      case 'conn': {
        const ids: PaneId[] = this.udpSide !== null ? ['ladder', 'stream', 'udp'] : ['ladder', 'stream'];
        if (this.connStrip()) ids.push('conns');
        return ids;
      }
      case 'arp':
        return ['arp'];
    }
  }

  /** A tall screen shows the connections table under the ladder and stream, so new connections show. */
  private connStrip(): boolean {
    return this.view === 'conn' && ((this.screen.height as number) || 24) >= 40;
  }

  private layout(): void {
    const W = Math.max(20, (this.screen.width as number) || 80);
    const H = Math.max(8, (this.screen.height as number) || 24);
    const bannerH = (this.banner !== '' ? 1 : 0) + (this.opts.notice !== undefined ? 1 : 0) + (this.model.dropped > 0 ? 1 : 0);
    this.bannerBox.hidden = bannerH === 0;
    this.bannerBox.height = Math.max(1, bannerH);
    const top = 2 + bannerH;
    const bodyAll = H - top - 1;
    let bodyH = bodyAll;
    for (const p of this.panes.values()) p.box.hidden = true;
    const place = (id: PaneId, t: number, l: number, w: number, h: number): void => {
      const b = this.panes.get(id)!.box;
      b.hidden = h <= 0 || w <= 0;
      b.top = t;
      b.left = l;
      b.width = Math.max(1, w);
      b.height = Math.max(1, h);
    };
    switch (this.view) {
      case 'packets': {
        const listH = Math.max(4, Math.round(bodyH * 0.45));
        if (W >= 150) {
          const rest = bodyH - listH;
          const hexW = 76;
          place('list', top, 0, W, listH);
          place('detail', top + listH, 0, W - hexW, rest);
          place('hex', top + listH, W - hexW, hexW, rest);
        } else {
          const rest = bodyH - listH;
          const hexH = Math.max(3, Math.round(rest * 0.4));
          place('list', top, 0, W, listH);
          place('detail', top + listH, 0, W, rest - hexH);
          place('hex', top + bodyH - hexH, 0, W, hexH);
        }
        break;
      }
      case 'conns': {
        const tableH = Math.max(4, Math.round(bodyH * 0.5));
        place('conns', top, 0, W, tableH);
        place('ladder', top + tableH, 0, W, bodyH - tableH);
        break;
      }
      case 'conn': {
        const udp = this.udpSide !== null;
        const strip = this.connStrip() ? Math.min(10, Math.max(5, Math.round(bodyH * 0.2))) : 0;
        if (strip > 0) place('conns', top + bodyAll - strip, 0, W, strip);
        bodyH = bodyAll - strip;
        if (W >= 150) {
          const lw = Math.round(W * 0.55);
          place('ladder', top, 0, lw, bodyH);
          const udpH = udp ? Math.max(4, Math.round(bodyH * 0.3)) : 0;
          place('stream', top, lw, W - lw, bodyH - udpH);
          if (udp) place('udp', top + bodyH - udpH, lw, W - lw, udpH);
        } else {
          const lh = Math.max(4, Math.round(bodyH * 0.55));
          const udpH = udp ? Math.max(3, Math.round((bodyH - lh) * 0.35)) : 0;
          place('ladder', top, 0, W, lh);
          place('stream', top + lh, 0, W, bodyH - lh - udpH);
          if (udp) place('udp', top + bodyH - udpH, 0, W, udpH);
        }
        break;
      }
      case 'arp':
        place('arp', top, 0, W, bodyH);
        break;
    }
  }

  private width(): number {
    return Math.max(20, (this.screen.width as number) || 80);
  }

  private stateText(): string {
    const m = this.model;
    if (m.paused) return `{light-yellow-fg}{bold}paused{/}${m.heldBack > 0 ? ` (${compact(m.heldBack)} new)` : ''}`;
    switch (m.state) {
      case 'loading': {
        if (this.opts.replay === true) return '{light-green-fg}{bold}▶ replay{/}';
        const p = m.source.progress();
        if (p.total > 0) {
          const pct = Math.min(100, Math.floor((p.bytes / p.total) * 100));
          const bar = '█'.repeat(Math.floor(pct / 10)) + '░'.repeat(10 - Math.floor(pct / 10));
          return `{light-yellow-fg}loading ${pct}%{/} ${bar}`;
        }
        return '{light-green-fg}reading{/}';
      }
      case 'live':
        return '{light-green-fg}{bold}● live{/}';
      case 'eof':
        return 'end of file';
      case 'stopped':
        return 'stopped';
      case 'error':
        return '{light-red-fg}{bold}damaged: stopped{/}';
    }
  }

  private drawHeader(): void {
    const m = this.model;
    const W = this.width();
    const live = m.source.kind === 'live';
    const nowSec = live ? Math.max(m.rates.latest, Math.floor(Date.now() / 1000)) : m.rates.latest;
    // Live: the last complete second. A file: the average over the capture's own time span.
    let rate: string;
    if (m.isLive) {
      const r = m.rates.rate(nowSec, false);
      rate = `${compact(r.frames)} fr/s ${byteText(r.bytes)}/s`;
    } else {
      const span = m.count > 1 ? m.index.nsFromStart(m.count) / 1e9 : 0;
      rate = span > 0 ? `avg ${compact(m.count / span)} fr/s ${byteText(Math.round(m.bytes / span))}/s` : '';
    }
    const left =
      `{bold}synack{/} ${safe(this.opts.sourceText)}` +
      (m.captureFilter !== '' ? ` {gray-fg}[${safe(m.captureFilter)}]{/}` : '') +
      `  ${this.stateText()}  ${compact(m.count)} frames ${byteText(m.bytes)}  ${rate}`;
    const leftWidth = visibleWidth(left);
    const room = W - leftWidth - 2;
    let line1 = left;
    if (room >= 8) line1 += '  {light-green-fg}' + sparkline(m.rates.series(nowSec), Math.min(60, room)) + '{/}';
    const tabs = VIEW_NAMES.map(([v, name]) => (v === this.view ? `{inverse} ${name} {/}` : ` ${name} `)).join('');
    let right = '';
    if (m.filtering) {
      const shown = m.shownCount;
      right = ` filter: {light-green-fg}${safe(m.filter.text)}{/} ${compact(shown)} of ${compact(m.count - m.dropped)}` + (m.passDone ? '' : ` {light-yellow-fg}filtering ${Math.floor(m.passProgress * 100)}%{/}`);
    }
    this.header.setContent(line1 + '\n' + tabs + right + '  {gray-fg}? help  q quit{/}');
    const banner: string[] = [];
    if (this.banner !== '') banner.push(`{light-blue-fg}{bold}${safe(fit(this.banner, W))}{/}`);
    if (this.opts.notice !== undefined) banner.push(`{black-fg}{light-yellow-bg}${safe(fit(this.opts.notice, W))}{/}`);
    // A line of its own under the header: at 80 columns the header's first line is full.
    if (m.dropped > 0) {
      const why = m.dropReason === 'frames' ? '--keep-frames' : '--keep-bytes';
      banner.push(`{light-yellow-fg}${safe(fit(`${compact(m.dropped)} oldest frames dropped (limit ${m.limitText()}); connections keep their totals (${why})`, W))}{/}`);
    }
    this.bannerBox.setContent(banner.join('\n'));
  }

  private drawStatus(): void {
    const W = this.width();
    if (this.editing !== null) {
      const e = this.editing;
      const ok = e.compiled.ok;
      const bg = ok ? '{black-fg}{green-bg}' : '{white-fg}{red-bg}';
      let text = e.text;
      let errorText = '';
      if (!e.compiled.ok) errorText = '  ' + e.compiled.error.message;
      // The caret: the character under it shown inverted.
      const before = text.slice(0, e.cursor);
      const at = text.slice(e.cursor, e.cursor + 1) || ' ';
      const after = text.slice(e.cursor + 1);
      text = `${escapeTags(sanitize(before))}{inverse}${escapeTags(sanitize(at))}{/inverse}${escapeTags(sanitize(after))}`;
      const label = ok ? ' Filter (Enter applies, Esc cancels): ' : ' Filter: ';
      const used = label.length + sanitize(e.text).length + 1;
      this.status.setContent(`${bg}${label}${text}${escapeTags(fit(sanitize(errorText), Math.max(0, W - used)))}{/}`);
      return;
    }
    const m = this.model;
    let msg = this.message;
    let err = this.messageIsError;
    if (msg === '') {
      const end = m.end;
      if (end?.kind === 'error') {
        msg = end.error.toString();
        err = true;
      } else if (m.sideError !== null) {
        msg = m.sideError.toString();
        err = true;
      }
    }
    if (msg !== '') {
      this.status.setContent(err ? `{white-fg}{red-bg}${safe(fit(msg, W))}{/}` : `{light-yellow-fg}${safe(fit(msg, W))}{/}`);
      return;
    }
    const hints =
      this.view === 'packets'
        ? '↑↓ jk move  Enter ladder  Tab pane  g/G first/last  End follow  / filter  Space pause'
        : this.view === 'conns'
          ? '↑↓ move  Enter ladder+stream  Tab pane  1-4 views  / filter  Space pause'
          : this.view === 'conn'
            ? '↑↓ move  Enter packet  Tab ladder/stream  Esc back  1-4 views  Space pause'
            : '↑↓ scroll  1-4 views  Esc back';
    // '? help  q quit' always shows, however narrow the terminal.
    const always = '  ? help  q quit';
    this.status.setContent(`{gray-fg}${escapeTags(fit(hints, Math.max(0, W - always.length)))}${always}{/}`);
  }

  /**
   * The help box is as wide as its longest line (wrapped to fit a narrower
   * terminal) and as tall as its lines; when the terminal is shorter than
   * that, the movement keys scroll it and the label says where it is.
   */
  private drawHelp(): void {
    const W = this.width();
    const H = Math.max(5, (this.screen.height as number) || 24);
    const boxW = Math.max(12, Math.min(W - 2, HELP_WIDTH + 2));
    const lines = helpLines(boxW - 2);
    // The whole height if it needs it: the help is modal, nothing under it matters while it shows.
    const boxH = Math.min(H, lines.length + 2);
    const rows = boxH - 2;
    const maxTop = Math.max(0, lines.length - rows);
    this.helpTop = Math.max(0, Math.min(this.helpTop, maxTop));
    const b = this.helpBox;
    b.width = boxW;
    b.height = boxH;
    const at = `synack: keys ${this.helpTop + 1}-${this.helpTop + rows} of ${lines.length}`;
    const how = ': ↑↓ PgUp PgDn scroll, other keys close';
    b.setLabel(maxTop === 0 ? ' synack: keys (any key closes) ' : ` ${at}${at.length + how.length + 6 <= boxW ? how : ' ↑↓'} `);
    b.hidden = false;
    b.setFront();
    b.setContent(lines.slice(this.helpTop, this.helpTop + rows).join('\n'));
  }

  /** A key while the help shows: the movement keys scroll it, any other closes it. */
  private helpKey(name: string, ch: string | undefined): void {
    const rows = Math.max(1, (this.helpBox.height as number) - 2);
    const moves: Record<string, number> = { up: -1, k: -1, down: 1, j: 1, pageup: -rows, pagedown: rows, g: -1e9, home: -1e9, end: 1e9, 'S-g': 1e9 };
    const delta = ch === 'G' ? 1e9 : moves[name];
    if (delta === undefined) {
      this.helpShown = false;
      this.helpBox.hidden = true;
    } else this.helpTop = Math.max(0, this.helpTop + delta);
    this.draw();
  }

  private focusedPane(): Pane {
    const ids = this.visiblePanes();
    const i = Math.min(this.focusByView.get(this.view) ?? 0, ids.length - 1);
    return this.panes.get(ids[i])!;
  }

  private drawPane(p: Pane): void {
    const b = p.box;
    const w = b.width as number;
    const focused = this.focusedPane() === p;
    const { title, count, line, note } = this.paneSource(p, w);
    const notes = noteLines(note, w, b.height as number);
    const h = Math.max(0, (b.height as number) - 1 - notes.length);
    if (p.selectable) p.scroll.clamp(count, h);
    else p.scroll.clampView(count, h);
    const titleStyle = focused ? '{black-fg}{light-cyan-bg}' : '{black-fg}{white-bg}';
    const out: string[] = [`${titleStyle}${escapeTags(fit(title, w))}{/}`];
    for (const n of notes) out.push(`{light-yellow-fg}${safe(n)}{/}`);
    for (let i = 0; i < h; i++) {
      const idx = p.scroll.top + i;
      if (idx >= count) {
        out.push('');
        continue;
      }
      out.push(line(idx, w, p.selectable && idx === p.scroll.sel && (focused || p.id === 'list' || p.id === 'conns')));
    }
    b.setContent(out.join('\n'));
  }

  /** What a pane shows: its title, how many lines, and a line builder. */
  private paneSource(p: Pane, w: number): { title: string; count: number; line: (i: number, w: number, sel: boolean) => string; note?: string } {
    switch (p.id) {
      case 'list':
        return this.listSource(w);
      case 'detail':
        return this.detailSource();
      case 'hex':
        return this.hexSource(w);
      case 'conns': {
        const list = this.connList;
        // Like the ring's banner for frames: say that older rows went, and why.
        const note = list.dropped > 0 ? droppedNote(this.model) : undefined;
        const h = Math.max(1, (p.box.height as number) - 1 - noteLines(note, w, p.box.height as number).length);
        p.scroll.clamp(list.length, h);
        const shown: (TcpSnapshot | UdpSnapshot | null)[] = [];
        for (let i = p.scroll.top; i < Math.min(list.length, p.scroll.top + h); i++) shown.push(list.describe(list.row(i)!));
        const cols = columnsFor(w, shown.filter((d) => d !== null));
        return {
          title: headerLine(cols),
          count: list.length,
          note,
          line: (i, _width, sel) => {
            const d = shown[i - p.scroll.top] ?? (i < list.length ? list.describe(list.row(i)!) : null);
            if (d === null) return '';
            const text = escapeTags(connLine(d, cols));
            const style = d.kind === 'udp' ? ROW_STYLE[6] : d.teardown === 'reset' || d.handshake === 'refused' ? '{light-red-fg}' : d.coalesced > 0 ? ROW_STYLE[5] : '';
            return `${style}${sel ? '{inverse}' : ''}${text}{/}`;
          },
        };
      }
      case 'ladder':
        return this.ladderSource(w);
      case 'stream':
        return this.streamSource(w);
      case 'udp':
        return this.udpSource(w);
      case 'arp': {
        const lines = buildArpView(this.model, this.link);
        return { title: ' ARP', count: lines.length, line: (i, width) => lineText(lines[i], width, false) };
      }
    }
  }

  private listSource(w: number): { title: string; count: number; line: (i: number, w: number, sel: boolean) => string } {
    const m = this.model;
    const p = this.panes.get('list')!;
    const h = Math.max(1, (p.box.height as number) - 1);
    const count = m.shownCount;
    this.followDrops();
    p.scroll.clamp(count, h);
    // Rows on screen are built first: the address columns take the width their addresses need.
    const rows = new Map<number, Row>();
    for (let i = p.scroll.top; i < Math.min(count, p.scroll.top + h); i++) rows.set(i, this.row(i));
    const cols = listColumns(w, rows.values(), m.count);
    const title = [fit('No.', cols.no, true), fit('Time', cols.time, true), fit('Source', cols.addr), fit('Destination', cols.addr), fit('Proto', cols.proto), fit('Len', cols.len, true), 'Info'].join(' ');
    return {
      title: fit(title, w),
      count,
      line: (i, width, sel) => rowText(rows.get(i) ?? this.row(i), cols, width, sel),
    };
  }

  /**
   * The row listed `i`th, built once per frame (again when its analysis flags changed: a segment
   * framed late; or, with -t dd, when the frame listed above it changed: another display filter).
   */
  private row(i: number): Row {
    const m = this.model;
    const n = m.shownFrame(i);
    const prev = i > 0 ? m.shownFrame(i - 1) : 0;
    const flags = m.analyzer.facts?.flags(n) ?? 0;
    const hit = this.rowCache.get(n);
    if (hit !== undefined && hit.flags === flags && hit.prev === prev) return hit.row;
    if (this.rowCache.size >= ROW_CACHE) this.rowCache.clear();
    const row = buildRow(m, n, undefined, prev);
    this.rowCache.set(n, { flags, prev, row });
    return row;
  }

  /**
   * A live capture's ring drops the oldest rows: the list's selection and view
   * move up with them, so the frame the user is looking at stays selected.
   */
  private followDrops(): void {
    const m = this.model;
    const k = m.rowEpoch === this.listEpoch ? m.rowsDropped - this.listDropped : 0;
    this.listEpoch = m.rowEpoch;
    this.listDropped = m.rowsDropped;
    const s = this.panes.get('list')!.scroll;
    if (k <= 0 || s.follow) return;
    s.sel = Math.max(0, s.sel - k);
    s.top = Math.max(0, s.top - k);
  }

  /** The frame selected in the packet list (0: none). */
  selectedFrame(): number {
    this.followDrops();
    const s = this.panes.get('list')!.scroll;
    const count = this.model.shownCount;
    if (count === 0) return 0;
    s.clamp(count, Math.max(1, ((this.panes.get('list')!.box.height as number) || 2) - 1));
    return this.model.shownFrame(Math.min(s.sel, count - 1));
  }

  private refreshDetail(): void {
    const n = this.selectedFrame();
    if (n === this.detailFrame) return;
    this.detailFrame = n;
    this.detailNodes = n === 0 ? [] : buildDetail(this.model, n);
    const fresh = new Set<string>();
    defaultExpanded(this.detailNodes, fresh);
    for (const k of fresh) {
      if (!this.seenKeys.has(k)) {
        this.seenKeys.add(k);
        this.expanded.add(k);
      }
    }
    this.detailLines = flattenDetail(this.detailNodes, this.expanded);
    this.panes.get('detail')!.scroll.home();
    // Hex: the frame's bytes, copied (the model's packet is reused by the next read).
    const p = n === 0 ? null : this.model.decode(n);
    this.hexBytes = p === null || p instanceof CaptureError ? new Uint8Array(0) : Uint8Array.prototype.slice.call(p.data, p.base, p.base + p.capLen);
  }

  private detailSource(): { title: string; count: number; line: (i: number, w: number, sel: boolean) => string } {
    this.refreshDetail();
    const lines = this.detailLines;
    return {
      title: this.detailFrame === 0 ? ' Detail' : ` Detail of frame ${this.detailFrame} (Enter/→ expands, ← collapses)`,
      count: lines.length,
      line: (i, width, sel) => {
        const l = lines[i];
        const mark = l.node.children.length === 0 ? '  ' : l.expanded ? '▾ ' : '▸ ';
        const text = fit(sanitize('  '.repeat(l.depth) + mark + l.node.text), width);
        const tone = l.node.tone === 'finding' ? TONE_STYLE.finding : l.node.tone === 'framing' ? TONE_STYLE.msgs : l.node.tone === 'problem' ? TONE_STYLE.rst : l.node.tone === 'layer' ? '{bold}' : '';
        return styled(tone + (sel ? '{inverse}' : ''), text);
      },
    };
  }

  private hexSource(w: number): { title: string; count: number; line: (i: number, w: number, sel: boolean) => string } {
    this.refreshDetail();
    const d = this.panes.get('detail')!;
    const selected = this.detailLines[Math.min(d.scroll.sel, this.detailLines.length - 1)];
    // The first line is the whole frame: highlighting every byte would say nothing.
    const node = selected !== undefined && selected.node.field !== 'frame' ? selected.node : undefined;
    const per = hexBytesPerLine(w);
    const lines = hexLines(this.hexBytes, 0, this.hexBytes.length, node?.offset ?? 0, node?.length ?? 0, per);
    const field = node?.field !== undefined ? ` ${node.field}: bytes ${node.offset}..${node.offset + node.length - 1}` : '';
    return {
      title: ` Bytes${node !== undefined && node.length > 0 ? field : ''}`,
      count: lines.length,
      line: (i) => lines[i].map((s) => styled(s.hl ? '{black-fg}{light-yellow-bg}' : '', s.text)).join(''),
    };
  }

  // ---- connections ----

  /** The connection the ladder shows: the opened one (conn view) or the table's selection (preview). */
  private ladderDetail(): ConnDetail | null {
    if (this.view === 'conn') return this.conn;
    const p = this.panes.get('conns')!;
    const ref = this.connList.row(Math.min(p.scroll.sel, this.connList.length - 1));
    if (ref === undefined) return null;
    if (this.preview === null || this.preview.kind !== ref.kind || this.preview.stream !== ref.stream) this.preview = this.detailFor(ref);
    return this.preview;
  }

  private detailFor(ref: ConnRef): ConnDetail | null {
    const c = this.model.connection(ref.kind, ref.stream);
    if (c === null) return null;
    return new ConnDetail(this.model, ref.kind, ref.stream, c.firstFrame);
  }

  private ladderSource(w: number): { title: string; count: number; line: (i: number, w: number, sel: boolean) => string } {
    const d = this.ladderDetail();
    if (d === null) return { title: ' Ladder', count: 1, line: () => '{gray-fg}Select a connection (Enter in the table, or on a packet).{/}' };
    d.update(500_000);
    const cache = this.view === 'conn' ? this.ladderCache : this.previewCache;
    const key = `${d.kind}:${d.stream}:${d.segments.length}:${w}:${d.tcp?.teardown ?? ''}:${d.tcp?.handshake ?? ''}`;
    if (cache.key !== key) {
      cache.key = key;
      cache.lines = buildLadder(d, w);
    }
    const lines = cache.lines;
    const desc = this.connList.describe(d);
    const title = desc === null ? ` Ladder: ${d.kind.toUpperCase()} stream ${d.stream}${this.model.connectionDropped(d.kind, d.stream) ? ', its summary no longer kept (bounded memory)' : ''}` : desc.kind === 'tcp' ? ` Ladder: TCP stream ${desc.stream}, ${desc.handshakeText}; ${desc.teardownText}` : ` Ladder: UDP stream ${desc.stream}, ${desc.datagramsAtoB + desc.datagramsBtoA} datagrams`;
    const p = this.panes.get('ladder')!;
    if (this.view === 'conn' && p.scroll.follow) p.scroll.sel = lines.length - 1;
    return { title, count: lines.length, line: (i, width, sel) => lineText(lines[i], width, sel) };
  }

  private streamSource(w: number): { title: string; count: number; line: (i: number, w: number, sel: boolean) => string } {
    const d = this.conn;
    if (d === null) return { title: ' Stream', count: 0, line: () => '' };
    const key = `${d.kind}:${d.stream}:${d.segments.length}:${w}:${this.model.appEvents.length}`;
    if (this.streamCache.key !== key) {
      this.streamCache.key = key;
      this.streamCache.lines = buildStreamView(this.model, d, w);
    }
    const lines = this.streamCache.lines;
    return { title: ' Stream: both directions in order; ▏ starts a message, colours alternate per message', count: lines.length, line: (i, width) => lineText(lines[i], width, false) };
  }

  private udpSource(w: number): { title: string; count: number; line: (i: number, w: number, sel: boolean) => string } {
    const d = this.udpSide;
    if (d === null) return { title: ' UDP', count: 0, line: () => '' };
    d.update(500_000);
    const key = `${d.stream}:${d.segments.length}:${w}:${this.model.appEvents.length}`;
    if (this.udpCache.key !== key) {
      this.udpCache.key = key;
      this.udpCache.lines = buildStreamView(this.model, d, w);
    }
    const lines = this.udpCache.lines;
    return { title: ` UDP beside it: stream ${d.stream}, each datagram one message`, count: lines.length, line: (i, width) => lineText(lines[i], width, false) };
  }

  /** Opens the ladder and stream view of a connection. */
  openConnection(ref: ConnRef): void {
    const d = this.detailFor(ref);
    if (d === null) {
      if (this.model.connectionDropped(ref.kind, ref.stream)) this.flash(noLongerKept(ref));
      return;
    }
    this.conn = d;
    this.ladderCache.key = '';
    this.streamCache.key = '';
    const l = this.panes.get('ladder')!.scroll;
    l.home();
    l.follow = this.model.isLive;
    const s = this.panes.get('stream')!.scroll;
    s.home();
    s.follow = this.model.isLive;
    this.setView('conn');
  }

  /**
   * Demo: the first TCP connection is the conversation; show it as soon as it
   * appears. Once it is over, each new connection (refused, reset,
   * half-closed...) takes its place, until the person navigates themselves.
   */
  private demoFollow(): void {
    if (!this.demoAuto) return;
    const cur = this.conn;
    const done = cur === null || (cur.tcp !== null && (cur.tcp.teardown !== 'open' || cur.tcp.handshake === 'refused') && !cur.behind);
    if (done) {
      let next: ConnRef | undefined;
      for (let i = this.connList.length - 1; i >= 0; i--) {
        const r = this.connList.row(i)!;
        if (r.kind === 'tcp' && (cur === null || r.stream > cur.stream)) next = r;
        if (r.kind === 'tcp' && cur !== null && r.stream <= cur.stream) break;
      }
      if (next !== undefined) {
        this.openConnection(next);
        this.demoAuto = true;
        this.focusByView.set('conn', 0);
      }
    }
    if (this.udpSide === null) {
      let u: ConnRef | undefined;
      for (let i = 0; i < this.connList.length && u === undefined; i++) {
        const r = this.connList.row(i)!;
        if (r.kind === 'udp') u = r;
      }
      if (u !== undefined) {
        this.udpSide = this.detailFor(u);
        this.udpCache.key = '';
        this.panes.get('udp')!.scroll.follow = true;
      }
    }
  }

  setView(v: View): void {
    if (v === 'conn' && this.conn === null) {
      // Open the connection of the selected packet, or of the table's selection.
      const ref = this.view === 'packets' ? this.refOfFrame(this.selectedFrame()) : this.connList.row(this.panes.get('conns')!.scroll.sel);
      if (ref === null || ref === undefined) {
        // Short enough for an 80-column status line: the what-to-do part must not be cut off.
        this.flash(
          this.connList.length === 0
            ? NO_CONNS
            : this.view === 'packets'
              ? 'No connection open: select a TCP or UDP packet, or a connection (2), first.'
              : 'No connection open: select a row of the connections table (2) first.',
        );
        return;
      }
      this.openConnection(ref);
      return;
    }
    this.view = v;
    this.requestDraw();
  }

  private refOfFrame(n: number): ConnRef | null {
    const f = this.model.analyzer.facts;
    if (f === null || n === 0) return null;
    const k = f.kind(n);
    if (k === KIND_TCP) return { kind: 'tcp', stream: f.stream(n) };
    if (k === KIND_UDP) return { kind: 'udp', stream: f.stream(n) };
    return null;
  }

  flash(text: string, error = false): void {
    this.message = text;
    this.messageIsError = error;
    this.requestDraw();
  }

  /** Replaces the banner line (the demo's narration). */
  setBanner(text: string): void {
    this.banner = text;
    this.requestDraw();
  }

  /** Feeds a demo event to the banner (steps) and the model (send()/recv() for the stream view). */
  demoEvent(e: DemoEvent): void {
    this.model.addAppEvent(e);
    if (e.op === 'step') this.setBanner(`${e.step}: ${e.text}`);
  }

  // ---- input ----

  private onKey(ch: string | undefined, key: blessed.Widgets.Events.IKeyEventArg): void {
    const name = key?.full ?? key?.name ?? '';
    if (name === 'C-c') return this.quit();
    if (this.editing !== null) return this.editKey(ch, key);
    if (this.helpShown) return this.helpKey(name, ch);
    if (name === 'return') return;
    if (this.message !== '') this.message = '';
    if (name !== 'space' && name !== '?') this.demoAuto = false;
    const p = this.focusedPane();
    const h = Math.max(1, (p.box.height as number) - 1);
    const count = this.paneSource(p, p.box.width as number).count;
    switch (name) {
      case 'q':
        return this.quit();
      case '?':
      case 'h':
        this.helpShown = true;
        this.helpTop = 0;
        break;
      case '/':
        this.startEditing();
        break;
      case 'space':
        if (this.model.paused) this.model.resume();
        else this.model.pause();
        break;
      case 'tab':
      case 'S-tab': {
        const n = this.visiblePanes().length;
        const cur = this.focusByView.get(this.view) ?? 0;
        this.focusByView.set(this.view, (cur + (name === 'tab' ? 1 : n - 1)) % n);
        break;
      }
      case '1':
      case 'p':
        this.setView('packets');
        break;
      case '2':
      case 'c':
        this.setView('conns');
        break;
      case '3':
      case 'l':
        this.setView('conn');
        break;
      case '4':
      case 'a':
        this.setView('arp');
        break;
      case 'escape':
        if (this.view === 'conn') this.setView('conns');
        else if (this.view !== 'packets') this.setView('packets');
        break;
      case 'up':
      case 'k':
        this.moveIn(p, -1, count, h);
        break;
      case 'down':
      case 'j':
        this.moveIn(p, 1, count, h);
        break;
      case 'pageup':
        this.moveIn(p, -h, count, h);
        break;
      case 'pagedown':
        this.moveIn(p, h, count, h);
        break;
      case 'g':
      case 'home':
        p.scroll.home();
        break;
      case 'S-g':
      case 'G':
        p.scroll.end(count, false);
        if (!p.selectable) p.scroll.top = Math.max(0, count - h);
        break;
      case 'end':
        p.scroll.end(count, true);
        if (!p.selectable) p.scroll.top = Math.max(0, count - h);
        break;
      // blessed reports '\r' twice ('enter', then 'return'): act on 'enter' (and '\n', 'linefeed') only.
      case 'enter':
      case 'linefeed':
      case 'right':
      case 'left':
        this.activate(p, name);
        break;
      default:
        if (ch === 'G') {
          p.scroll.end(count, false);
          if (!p.selectable) p.scroll.top = Math.max(0, count - h);
        } else return;
    }
    this.draw();
  }

  private moveIn(p: Pane, delta: number, count: number, h: number): void {
    if (p.selectable) p.scroll.move(delta, count);
    else {
      p.scroll.follow = false;
      p.scroll.top = Math.max(0, Math.min(Math.max(0, count - h), p.scroll.top + delta));
    }
  }

  private activate(p: Pane, name: string): void {
    if (p.id === 'detail') {
      const l = this.detailLines[p.scroll.sel];
      if (l === undefined || l.node.children.length === 0) return;
      const open = name === 'right' ? true : name === 'left' ? false : !this.expanded.has(l.node.key);
      if (open) this.expanded.add(l.node.key);
      else this.expanded.delete(l.node.key);
      this.detailLines = flattenDetail(this.detailNodes, this.expanded);
      return;
    }
    if (name !== 'enter' && name !== 'linefeed') return;
    if (p.id === 'list') {
      const n = this.selectedFrame();
      const ref = this.refOfFrame(n);
      if (ref !== null) this.openConnection(ref);
      else if (n === 0 || this.connList.length === 0) this.flash(NO_CONNS);
      else this.flash(`Frame ${n} is ${this.row(this.panes.get('list')!.scroll.sel).proto}, not TCP/UDP: select a TCP or UDP packet, or a connection (2).`);
    } else if (p.id === 'conns') {
      const ref = this.connList.row(p.scroll.sel);
      if (ref !== undefined) this.openConnection(ref);
      else this.flash(NO_CONNS);
    } else if (p.id === 'arp') {
      this.flash('ARP has no connection to open: 1 shows the packets, 2 the connections.');
    } else if (p.id === 'ladder') {
      const lines = this.view === 'conn' ? this.ladderCache.lines : this.previewCache.lines;
      const frame = lines[p.scroll.sel]?.frame;
      if (frame !== undefined) this.showFrame(frame);
    }
  }

  /** Selects frame `n` in the packet list and shows the packets view. */
  showFrame(n: number): void {
    this.followDrops();
    const s = this.panes.get('list')!.scroll;
    s.sel = this.model.rowOf(n);
    s.follow = false;
    this.view = 'packets';
    this.requestDraw();
  }

  private startEditing(): void {
    const text = this.model.filter.text;
    this.editing = { text, cursor: text.length, compiled: compileFilter(text) };
    this.draw();
  }

  private editKey(ch: string | undefined, key: blessed.Widgets.Events.IKeyEventArg): void {
    const e = this.editing!;
    const name = key?.full ?? key?.name ?? '';
    if (name === 'return') return;
    switch (name) {
      case 'escape':
        this.editing = null;
        break;
      case 'enter':
      case 'linefeed':
        if (e.compiled.ok) {
          this.editing = null;
          const anchor = this.selectedFrame();
          this.model.setFilter(e.text);
          // Keep the same frame (or the next one shown) selected.
          const s = this.panes.get('list')!.scroll;
          s.sel = this.model.rowOf(anchor);
        }
        break;
      case 'backspace':
        if (e.cursor > 0) {
          e.text = e.text.slice(0, e.cursor - 1) + e.text.slice(e.cursor);
          e.cursor--;
        }
        break;
      case 'delete':
        e.text = e.text.slice(0, e.cursor) + e.text.slice(e.cursor + 1);
        break;
      case 'left':
        e.cursor = Math.max(0, e.cursor - 1);
        break;
      case 'right':
        e.cursor = Math.min(e.text.length, e.cursor + 1);
        break;
      case 'home':
      case 'C-a':
        e.cursor = 0;
        break;
      case 'end':
      case 'C-e':
        e.cursor = e.text.length;
        break;
      case 'C-u':
        e.text = '';
        e.cursor = 0;
        break;
      default:
        if (ch !== undefined && ch.length === 1 && ch >= ' ' && ch !== '\x7f' && !key?.ctrl && !key?.meta) {
          e.text = e.text.slice(0, e.cursor) + ch + e.text.slice(e.cursor);
          e.cursor++;
        } else return;
    }
    if (this.editing !== null) this.editing.compiled = compileFilter(this.editing.text);
    this.draw();
  }

  /** The filter bar as a user would type it (tests, and `-Y` at start). */
  typeFilter(text: string): void {
    this.editing = { text, cursor: text.length, compiled: compileFilter(text) };
    this.draw();
  }

  private mouse(p: Pane): void {
    const b = p.box;
    b.on('click', (data: { y: number }) => {
      if (b.hidden) return;
      const ids = this.visiblePanes();
      const i = ids.indexOf(p.id);
      if (i >= 0) this.focusByView.set(this.view, i);
      const src = this.paneSource(p, b.width as number);
      const line = data.y - (b.atop as number) - 1 - noteLines(src.note, b.width as number, b.height as number).length;
      if (line >= 0 && p.selectable) {
        const count = src.count;
        const idx = p.scroll.top + line;
        if (idx < count) {
          p.scroll.sel = idx;
          p.scroll.follow = false;
        }
      }
      this.draw();
    });
    const wheel = (delta: number): void => {
      if (b.hidden) return;
      const h = Math.max(1, (b.height as number) - 1);
      const count = this.paneSource(p, b.width as number).count;
      p.scroll.scroll(delta, count, h);
      this.draw();
    };
    b.on('wheelup', () => wheel(-3));
    b.on('wheeldown', () => wheel(3));
  }

  quit(): void {
    if (this.destroyed) return;
    this.destroy();
    this.quitResolve?.();
  }

  destroy(): void {
    if (this.destroyed) return;
    this.destroyed = true;
    if (this.timer !== null) clearTimeout(this.timer);
    if (this.ticker !== null) clearInterval(this.ticker);
    this.screen.destroy();
  }
}

/** Column widths of the packet list for `w` cells. */
export interface ListColumns {
  no: number;
  time: number;
  addr: number;
  proto: number;
  len: number;
}

export function listColumns(w: number, rows: Iterable<Row> = [], frames = 0): ListColumns {
  const maxAddr = w >= 150 ? 39 : w >= 110 ? 22 : 15;
  let addr = 11;
  let time = 8;
  let len = 3;
  for (const r of rows) {
    addr = Math.max(addr, r.src.length, r.dst.length);
    time = Math.max(time, r.time.length);
    len = Math.max(len, String(r.len).length);
  }
  return { no: Math.max(3, String(frames).length), time, addr: Math.min(addr, maxAddr), proto: w >= 100 ? 8 : 5, len };
}

/** One packet-list row, coloured by its class. */
export function rowText(r: Row, c: ListColumns, width: number, selected: boolean): string {
  const fixed = [fit(String(r.frame), c.no, true), fit(r.time, c.time, true), fit(sanitize(r.src), c.addr), fit(sanitize(r.dst), c.addr), fit(r.proto, c.proto), fit(String(r.len), c.len, true)].join(' ');
  const infoW = Math.max(0, width - fixed.length - 1);
  const text = fixed + ' ' + fit(sanitize(r.info), infoW);
  const style = (ROW_STYLE[r.cls] ?? '') + (selected ? '{inverse}' : '');
  return styled(style, text);
}

/** Cells a tagged string takes on screen. */
function visibleWidth(tagged: string): number {
  return tagged.replace(/\{[^{}]*\}/g, (t) => (t === '{open}' || t === '{close}' ? 'x' : '')).length;
}
