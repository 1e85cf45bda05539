/**
 * Argument parsing and mode selection only. Each mode lives in its own
 * module, loaded on demand so `synack --version` stays fast.
 */
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { helpText, parseOptions, UsageError, type Options } from './options';

export function version(): string {
  const pkg = JSON.parse(readFileSync(join(__dirname, '..', 'package.json'), 'utf8')) as { version: string };
  return pkg.version;
}

/** One line to stderr and a non-zero exit: what the user did wrong, no stack trace. */
function isFile(path: string): boolean {
  try {
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

export function fail(message: string, code = 2): never {
  process.stderr.write(`synack: ${message}\n`);
  process.exit(code);
}

export async function main(argv: string[]): Promise<void> {
  let opts: Options;
  try {
    // Subcommands take their own arguments.
    if (argv[0] === 'chat' || argv[0] === 'demo') {
      const mod = argv[0] === 'chat' ? await import('./demo/chat-cli') : await import('./demo/demo-cli');
      await mod.run(argv.slice(1));
      return;
    }
    opts = parseOptions(argv);
  } catch (e) {
    if (e instanceof UsageError) fail(e.message);
    throw e;
  }
  if (opts.version) {
    process.stdout.write(`synack ${version()}\n`);
    return;
  }
  if (opts.help) {
    process.stdout.write(helpText(version()));
    return;
  }
  if (opts.glossary !== undefined) {
    const { glossaryText } = await import('./output/glossary');
    process.stdout.write(glossaryText(opts.glossary));
    return;
  }
  if (opts.listInterfaces) {
    const { listInterfaces } = await import('./capture/cap');
    process.exitCode = await listInterfaces();
    return;
  }
  // termshark's habit: `synack capture.pcap` opens the file (a word naming an existing file, nothing else to read).
  if (opts.read === undefined && opts.iface === undefined && opts.rest.length === 1 && isFile(opts.rest[0])) opts.read = opts.rest.pop();
  // tcpdump takes the capture filter as trailing words.
  if (opts.rest.length > 0) {
    if (opts.captureFilter !== undefined) fail(`capture filter given twice: -f '${opts.captureFilter}' and '${opts.rest.join(' ')}'`);
    opts.captureFilter = opts.rest.join(' ');
  }
  if (opts.read === undefined && opts.iface === undefined) {
    fail("nothing to read: use -r FILE, -r - (standard input), -i IFACE, or 'synack demo' (see synack --help)");
  }
  if (opts.read !== undefined && opts.iface !== undefined) fail('use either -r or -i, not both');
  // A filter's syntax is checked before anything is opened: a typo costs nothing (live capture: libpcap checks it).
  if (opts.read !== undefined && opts.captureFilter !== undefined) {
    const { checkCaptureFilter } = await import('./capture/filtered');
    const error = checkCaptureFilter(opts.captureFilter);
    if (error !== null) fail(error);
  }

  const wantsText =
    opts.text || !process.stdout.isTTY || opts.outputType !== undefined || opts.hexDump || opts.payload === true || opts.verbose || opts.stats.length > 0 || opts.quiet;
  if (wantsText) {
    const { printCapture } = await import('./ui/print');
    process.exitCode = await printCapture(opts);
  } else {
    const { runDashboard } = await import('./ui/dashboard/index');
    process.exitCode = await runDashboard(opts);
  }
}
