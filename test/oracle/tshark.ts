/**
 * tshark 4.0 as the oracle: `tshark -r F -T fields -e ...` for every field in
 * ORACLE_FIELDS, run once per capture and cached on disk (keyed by the file's
 * contents, the field list and tshark's version), so every differential test
 * reads the same table without starting tshark again.
 */
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ORACLE_FIELDS } from './fields';
import { ROOT } from '../helpers/paths';

export interface OracleResult {
  /** tshark's exit code (0, or 2 when it stopped at damage after printing what it could) */
  status: number;
  stderr: string;
  /** One row per frame; cells by field name. */
  rows: Map<string, string>[];
  fields: readonly string[];
  /** What tshark's `-z expert` printed after the rows ('' when no frame had an expert item). */
  expert: string;
  /** What the ORACLE_TABLES printed, in tshark's order (the last given first). */
  tables: string;
}

const CACHE = join(ROOT, 'node_modules', '.cache', 'synack-tshark');

let versionMemo: string | null | undefined;

/** tshark's version line, or null when tshark is not installed. */
export function tsharkVersion(): string | null {
  if (versionMemo !== undefined) return versionMemo;
  try {
    versionMemo = execFileSync('tshark', ['--version'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).split('\n')[0];
  } catch {
    versionMemo = null;
  }
  return versionMemo;
}

export const HAVE_TSHARK = tsharkVersion() !== null;

/**
 * Preferences every oracle run uses. synack decodes each frame on its own: it
 * does not reassemble IP fragments (the first fragment's transport header is
 * decoded, later fragments are data) nor TCP streams (each segment's payload
 * is decoded where it lies), and decoding knows nothing of the connection
 * (a retransmitted segment's payload is decoded like any other). tshark is
 * asked to do the same, instead of decoding a reassembled datagram or PDU in
 * its last frame and nothing in the frames before, and instead of skipping
 * the payload of segments its analysis flags.
 */
export const ORACLE_PREFS: readonly string[] = [
  '-o', 'ip.defragment:FALSE',
  '-o', 'ipv6.defragment:FALSE',
  '-o', 'tcp.desegment_tcp_streams:FALSE',
  '-o', 'tcp.no_subdissector_on_error:FALSE',
];

/** The conversation and endpoint tables every field run prints too (test/output/endpoints.test.ts compares them). */
export const ORACLE_TABLES: readonly string[] = [
  'conv,eth', 'conv,ip', 'conv,ipv6', 'conv,tcp', 'conv,udp', 'endpoints,eth', 'endpoints,ip', 'endpoints,ipv6', 'endpoints,tcp', 'endpoints,udp',
];

/**
 * Statistics that ride along with every field run, printed after the rows (one tshark start per
 * capture instead of one per statistic: tshark's start-up dominates). tshark prints the last given
 * first: the expert summary, then the tables. (Not -z io,phs: with -T fields tshark's tree has a
 * top-level `frame` item that its -q run's has not, so its hierarchy differs.)
 */
const ALONGSIDE: readonly string[] = [...ORACLE_TABLES.flatMap((z) => ['-z', z]), '-z', 'expert'];

function cacheKey(file: string, fields: readonly string[], extra: readonly string[]): string {
  const h = createHash('sha256');
  h.update(readFileSync(file));
  h.update('\0' + fields.join(',') + '\0' + ORACLE_PREFS.join(' ') + '\0' + ALONGSIDE.join(' ') + '\0' + extra.join(' ') + '\0' + String(tsharkVersion()));
  return h.digest('hex').slice(0, 32);
}

function tsharkArgs(file: string, fields: readonly string[], extra: readonly string[]): string[] {
  const args = ['-r', file, '-n', ...ORACLE_PREFS, '-T', 'fields', '-E', 'header=n', '-E', 'occurrence=a', '-E', 'separator=\t', ...ALONGSIDE, ...extra];
  for (const f of fields) args.push('-e', f);
  return args;
}

function parse(stdout: string, fields: readonly string[]): Map<string, string>[] {
  const rows: Map<string, string>[] = [];
  for (const line of stdout.split('\n')) {
    if (line === '') continue;
    const cells = line.split('\t');
    const row = new Map<string, string>();
    fields.forEach((f, i) => row.set(f, cells[i] ?? ''));
    rows.push(row);
  }
  return rows;
}

function cachePath(file: string, fields: readonly string[], extra: readonly string[]): string {
  return join(CACHE, cacheKey(file, fields, extra) + '.json');
}

/** The bar the first table opens with, on a line of its own (no field row or expert line is one). */
const TABLE_BAR = /(?<=\n|^)={80}\n/;

/** The first heading of tshark's -z expert summary (no field row holds one: rows are tab-separated cells). */
const EXPERT_HEADING = /\n(?:Errors|Warns|Notes|Chats|Comments) \(\d+\)\n=============\n   Frequency      Group           Protocol  Summary\n/;

function load(path: string, fields: readonly string[]): OracleResult {
  const raw = JSON.parse(readFileSync(path, 'utf8')) as { status: number; stderr: string; stdout: string };
  const out = raw.stdout;
  const tablesAt = TABLE_BAR.exec(out)?.index ?? out.length;
  const m = EXPERT_HEADING.exec(out.slice(0, tablesAt));
  const end = m === null ? tablesAt : m.index;
  return { status: raw.status, stderr: raw.stderr, rows: parse(out.slice(0, end), fields), fields, expert: out.slice(end, tablesAt), tables: out.slice(tablesAt) };
}

function store(path: string, status: number, stdout: string, stderr: string): void {
  mkdirSync(CACHE, { recursive: true });
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, JSON.stringify({ status, stdout, stderr }));
  renameSync(tmp, path);
}

/** tshark's view of `file` (synchronous; cached). */
export function oracle(file: string, fields: readonly string[] = ORACLE_FIELDS, extra: readonly string[] = []): OracleResult {
  const path = cachePath(file, fields, extra);
  if (!existsSync(path)) {
    const r = spawnSync('tshark', tsharkArgs(file, fields, extra), { encoding: 'utf8', maxBuffer: 1 << 30 });
    store(path, r.status ?? -1, r.stdout, r.stderr.replace(/^Running as user "root".*\n/m, ''));
  }
  return load(path, fields);
}

/** Runs tshark with each job's arguments, `parallel` at a time, storing each output at the job's cache path. */
async function runAll(jobs: readonly { path: string; args: string[] }[], parallel: number): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < jobs.length) {
      const job = jobs[next++];
      await new Promise<void>((done) => {
        const child = spawn('tshark', job.args);
        const out: Buffer[] = [];
        const err: Buffer[] = [];
        child.stdout.on('data', (b: Buffer) => out.push(b));
        child.stderr.on('data', (b: Buffer) => err.push(b));
        child.on('close', (code) => {
          store(job.path, code ?? -1, Buffer.concat(out).toString('utf8'), Buffer.concat(err).toString('utf8').replace(/^Running as user "root".*\n/m, ''));
          done();
        });
      });
    }
  };
  await Promise.all(Array.from({ length: parallel }, worker));
}

/** Fills the cache for many files, `parallel` tshark processes at a time (a global setup step). */
export async function warmOracle(files: readonly string[], fields: readonly string[] = ORACLE_FIELDS, parallel = 2): Promise<void> {
  const jobs = files.map((f) => ({ path: cachePath(f, fields, []), args: tsharkArgs(f, fields, []) })).filter((j) => !existsSync(j.path));
  await runAll(jobs, parallel);
}

const textCachePath = (file: string, args: readonly string[]): string => cachePath(file, ['<text>'], ['-n', ...args]);
const textArgs = (file: string, args: readonly string[]): string[] => ['-n', ...ORACLE_PREFS, '-r', file, ...args];

/**
 * tshark's text output for `file` with `args` (`-x`, `-V` ...), as
 * `tshark -n -r FILE ARGS` prints it (no name resolution: synack resolves
 * none; ORACLE_PREFS: no IP reassembly), cached like the field tables.
 */
export function oracleText(file: string, args: readonly string[] = []): { status: number; stderr: string; stdout: string } {
  const path = textCachePath(file, args);
  if (!existsSync(path)) {
    const r = spawnSync('tshark', textArgs(file, args), { encoding: 'utf8', maxBuffer: 1 << 30 });
    store(path, r.status ?? -1, r.stdout, r.stderr.replace(/^Running as user "root".*\n/m, ''));
  }
  return JSON.parse(readFileSync(path, 'utf8')) as { status: number; stderr: string; stdout: string };
}

/** Fills oracleText()'s cache of `args` for many files, `parallel` tshark processes at a time. */
export async function warmOracleText(files: readonly string[], args: readonly string[], parallel = 2): Promise<void> {
  const jobs = files.map((f) => ({ path: textCachePath(f, args), args: textArgs(f, args) })).filter((j) => !existsSync(j.path));
  await runAll(jobs, parallel);
}

/** tshark's default one-line summaries of `file` (the summary-line differential test). */
export function oracleSummary(file: string): { status: number; stderr: string; lines: string[] } {
  const raw = oracleText(file);
  return { status: raw.status, stderr: raw.stderr, lines: raw.stdout.split('\n').filter((l) => l !== '') };
}
