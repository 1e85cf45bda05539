/**
 * A headless terminal for dashboard tests: blessed writes into a fake TTY
 * stream whose bytes feed @xterm/headless, an xterm emulator; tests read
 * what a person would see (text and colours of each cell) and type keys
 * into a fake TTY input.
 */
import { PassThrough, Writable } from 'node:stream';
import { Terminal } from '@xterm/headless';
import type { ScreenIO } from '../../src/ui/dashboard/screen';

export interface Cell {
  ch: string;
  /** Palette index of the foreground / background, -1 default. */
  fg: number;
  bg: number;
  bold: boolean;
  inverse: boolean;
}

export class HeadlessTerm {
  readonly term: Terminal;
  readonly io: ScreenIO;
  private readonly input: PassThrough;
  private readonly output: Writable & { columns: number; rows: number; isTTY: boolean };
  /** Everything blessed wrote (to check that no captured escape sequence got through). */
  raw = '';

  constructor(
    readonly cols = 80,
    readonly rows = 24,
  ) {
    this.term = new Terminal({ cols, rows, allowProposedApi: true });
    const term = this.term;
    const out = new Writable({
      write: (chunk: Buffer, _enc, cb) => {
        const s = chunk.toString('utf8');
        this.raw += s;
        term.write(s);
        cb();
      },
    }) as Writable & { columns: number; rows: number; isTTY: boolean };
    out.columns = cols;
    out.rows = rows;
    out.isTTY = true;
    this.output = out;
    const input = new PassThrough() as PassThrough & { isTTY: boolean; setRawMode(b: boolean): void };
    input.isTTY = true;
    input.setRawMode = () => undefined;
    this.input = input;
    this.io = { input, output: out, terminal: 'xterm-256color' };
  }

  /** Waits until the emulator has parsed everything written so far. */
  settle(): Promise<void> {
    return new Promise((resolve) => this.term.write('', () => resolve()));
  }

  /** Types keys (raw bytes: 'q', '\r', '\x1b[B' for down...). */
  type(keys: string): void {
    this.input.write(keys);
  }

  /** The screen as text lines (trailing spaces trimmed). */
  lines(): string[] {
    const b = this.term.buffer.active;
    const out: string[] = [];
    for (let y = 0; y < this.rows; y++) out.push((b.getLine(b.viewportY + y)?.translateToString(true) ?? '').trimEnd());
    return out;
  }

  text(): string {
    return this.lines().join('\n');
  }

  cell(x: number, y: number): Cell {
    const b = this.term.buffer.active;
    const c = b.getLine(b.viewportY + y)!.getCell(x)!;
    return {
      ch: c.getChars(),
      fg: c.isFgDefault() ? -1 : c.getFgColor(),
      bg: c.isBgDefault() ? -1 : c.getBgColor(),
      bold: c.isBold() !== 0,
      inverse: c.isInverse() !== 0,
    };
  }

  /** Row index of the first line containing `s`, or -1. */
  find(s: string): number {
    return this.lines().findIndex((l) => l.includes(s));
  }

  resize(cols: number, rows: number): void {
    this.term.resize(cols, rows);
    (this as { cols: number }).cols = cols;
    (this as { rows: number }).rows = rows;
    this.output.columns = cols;
    this.output.rows = rows;
    this.output.emit('resize');
  }

  /** Polls until `pred` holds on the screen (or `ms` pass): returns whether it held. */
  async waitFor(pred: (t: HeadlessTerm) => boolean, ms = 5000): Promise<boolean> {
    const until = Date.now() + ms;
    for (;;) {
      await this.settle();
      if (pred(this)) return true;
      if (Date.now() > until) return false;
      await new Promise((r) => setTimeout(r, 20));
    }
  }
}
