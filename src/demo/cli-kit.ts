/**
 * What `synack chat` and `synack demo` share on the command line: options
 * read the same way (`--port 8080` and `--port=8080`), numbers checked with
 * the same one-line message, `--trace FILE|-` written the same way, and the
 * same two signals ending a run; and commands to suggest, spelled the way
 * this run was started.
 */
import { closeSync, openSync } from 'node:fs';
import { basename, isAbsolute, relative, sep } from 'node:path';
import { writeFully } from '../capture/fdwrite';

/** A mistake on the command line: printed as one line after the command's name, exit status 2. */
export class DemoUsage extends Error {}

export function wholeNumber(flag: string, v: string | undefined, min: number, max: number): number {
  if (v === undefined || !/^\d+$/.test(v) || Number(v) < min || Number(v) > max) throw new DemoUsage(`${flag} needs a whole number from ${min} to ${max}, not '${v ?? ''}'`);
  return Number(v);
}

/** The words of a command line one at a time; an option's value follows '=' or is the next word. */
export class ArgReader {
  private i = 0;
  /** The word read last, and its option name: the word up to '=' for a `--` option, else the word. */
  word = '';
  name = '';
  private inline: string | undefined;

  constructor(private readonly argv: readonly string[]) {}

  next(): boolean {
    if (this.i >= this.argv.length) return false;
    this.word = this.argv[this.i++];
    const eq = this.word.startsWith('--') ? this.word.indexOf('=') : -1;
    this.name = eq < 0 ? this.word : this.word.slice(0, eq);
    this.inline = eq < 0 ? undefined : this.word.slice(eq + 1);
    return true;
  }

  /** The option's value; `what` says what it should be when it is missing. */
  string(what: string): string {
    const v = this.inline ?? this.argv[this.i++];
    if (v === undefined) throw new DemoUsage(`${this.name} needs ${what}`);
    return v;
  }

  number(min: number, max: number): number {
    return wholeNumber(this.name, this.inline ?? this.argv[this.i++], min, max);
  }

  /** An option that takes no value (`--once=yes` is a mistake, not a yes). */
  flag(): true {
    if (this.inline !== undefined) throw new DemoUsage(`${this.name} takes no value`);
    return true;
  }
}

/**
 * Lines written as they come, to a file or standard output: `--trace`'s JSON
 * lines and the demo's narration. Writes block, as the packet output's do
 * (output/outbuf.ts), so a reader that went away (`synack demo --no-capture
 * --trace - | head -1`) is an EPIPE right here: from then on nothing is
 * written and the owner is told once, to end quietly as `synack -r F | head`
 * does, rather than an 'error' event on process.stdout killing the process
 * with a stack trace.
 */
export class LineOut {
  /** The reader went away; nothing more is written. */
  closed = false;
  private whenClosed: (() => void) | null = null;

  private constructor(private readonly fd: number) {}

  static stdout(): LineOut {
    return new LineOut(1);
  }

  /** `--trace FILE|-`: null without it; a file that cannot be written is a usage mistake, said before anything starts. */
  static trace(path: string | undefined): LineOut | null {
    if (path === undefined) return null;
    if (path === '-') return LineOut.stdout();
    try {
      return new LineOut(openSync(path, 'w'));
    } catch (e) {
      throw new DemoUsage(`cannot write the trace to '${path}': ${(e as NodeJS.ErrnoException).code ?? String(e)}`);
    }
  }

  /** Calls `handler` (once) when the reader goes away. */
  onClosed(handler: () => void): void {
    this.whenClosed = handler;
  }

  readonly line = (text: string): void => {
    if (this.closed) return;
    const b = Buffer.from(text + '\n');
    try {
      writeFully(this.fd, b, 0, b.length);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EPIPE') throw e;
      this.closed = true;
      this.whenClosed?.();
    }
  };

  readonly json = (event: object): void => this.line(JSON.stringify(event));

  close(): void {
    if (this.fd > 2) closeSync(this.fd);
  }
}

/** Calls `handler` on the first Ctrl-C or SIGTERM; the function returned stops listening. */
export function onSignal(handler: () => void): () => void {
  const once = (): void => {
    off();
    handler();
  };
  const off = (): void => {
    process.off('SIGINT', once);
    process.off('SIGTERM', once);
  };
  process.on('SIGINT', once);
  process.on('SIGTERM', once);
  return off;
}

/**
 * synack as the user started it, for commands they can paste: a new user
 * follows the README (`npm start`, `npx synack`) or runs the script by its
 * path, and has no `synack` on PATH then. (npm's variables are inherited by
 * every process below it, so the script's path decides first.)
 */
export function synackCommand(): string {
  const script = process.argv[1] ?? '';
  if (basename(script) === 'synack.js') {
    const shown = relative(process.cwd(), script);
    return `node ${shown.startsWith('..') || isAbsolute(shown) ? script : shown}`;
  }
  if (process.env.npm_command === 'exec' && script.includes(`${sep}node_modules${sep}.bin${sep}`)) return 'npx synack';
  // A global install: the 'synack' link on PATH.
  return 'synack';
}
