/**
 * What `synack chat` and `synack demo` share on the command line: options
 * read the same way (`--port 8080` and `--port=8080`), numbers checked with
 * the same one-line message, `--trace FILE|-` written the same way, and the
 * same two signals ending a run; and commands to suggest, spelled the way
 * this run was started.
 */
import { closeSync, openSync, writeSync } from 'node:fs';
import { basename, isAbsolute, relative, sep } from 'node:path';

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

/** Where `--trace` writes its JSON lines: a file opened now, or standard output for '-'. */
export class JsonLines {
  private constructor(private readonly fd: number) {}

  /** null without --trace; a file that cannot be written is a usage mistake, said before anything starts. */
  static open(path: string | undefined): JsonLines | null {
    if (path === undefined) return null;
    if (path === '-') return new JsonLines(-1);
    try {
      return new JsonLines(openSync(path, 'w'));
    } catch (e) {
      throw new DemoUsage(`cannot write the trace to '${path}': ${(e as NodeJS.ErrnoException).code ?? String(e)}`);
    }
  }

  readonly write = (event: object): void => {
    const line = JSON.stringify(event) + '\n';
    if (this.fd >= 0) writeSync(this.fd, line);
    else process.stdout.write(line);
  };

  close(): void {
    if (this.fd >= 0) closeSync(this.fd);
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
