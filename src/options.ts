/**
 * Command-line options: one table says every option, its argument and its
 * help line, so parsing, `--help` and the tests cannot drift apart. Names
 * follow tshark and tcpdump, which the users already know.
 */
import { isTimeFormat, TIME_FORMATS, type TimeFormat } from './output/column-time';
import { DEFAULT_FIELDS_OPTIONS, type FieldsOptions } from './output/fields';

export interface Options {
  /** -r FILE ('-' is standard input) */
  read?: string;
  /** -i IFACE */
  iface?: string;
  /** -f FILTER, or the trailing arguments joined, as tcpdump takes them */
  captureFilter?: string;
  /** -w FILE */
  write?: string;
  /** -c N */
  count?: number;
  /** -a COND (repeatable): tshark's autostop conditions */
  autostop: Autostop;
  /** -s SNAPLEN */
  snaplen?: number;
  /** -T text|fields|json */
  outputType?: 'text' | 'fields' | 'json';
  /** -e FIELD (repeatable) */
  fields: string[];
  /** -E key=value */
  fieldsOptions: FieldsOptions;
  /** -Y FILTER */
  displayFilter?: string;
  /** -t a|ad|adoy|d|dd|e|r|u|ud|udoy: the time column's format (tshark's) */
  timeFormat?: TimeFormat;
  /** -u hms: relative times as hours, minutes and seconds (tshark's -u) */
  hms?: boolean;
  /** -x */
  hexDump: boolean;
  /** -A: each TCP/UDP payload as text, with its messages marked */
  payload?: boolean;
  /** -V: the detail tree as text */
  verbose: boolean;
  /** -z STAT (repeatable) */
  stats: string[];
  /** -q */
  quiet: boolean;
  /** -P: with -w, print the frames too (tshark's -P; -w alone prints none, as tshark and tcpdump do) */
  printWithWrite?: boolean;
  /** -l: flush standard output after every frame (tshark and tcpdump's -l), for a pipe read live */
  lineBuffered?: boolean;
  /** -D */
  listInterfaces: boolean;
  /** -G fields|protocols: list the names synack knows, as tshark -G */
  glossary?: 'fields' | 'protocols';
  /** -Z USER */
  dropUser?: string;
  /** --framing lines|length|length1|length2|length4|fixed:N|none|auto */
  framing?: string;
  /** --max-connections N: TCP connections (and UDP conversations) analysed at once */
  maxConnections?: number;
  /** --stream-bytes N: reassembled bytes kept per direction of a followed or viewed connection */
  streamBytes?: number;
  /** --keep-frames N: the dashboard keeps the newest N frames of a live or standard-input capture */
  keepFrames?: number;
  /** --keep-bytes N: ... and at most N bytes of them in its temporary spill files */
  keepBytes?: number;
  /** --keep-connections N: the dashboard lists the newest N finished TCP connections (and as many UDP conversations) */
  keepConnections?: number;
  /** --text: print text even on a terminal (no dashboard) */
  text: boolean;
  help: boolean;
  version: boolean;
  /** Positional words: a subcommand (chat, demo) and its arguments, or a capture filter. */
  rest: string[];
}

interface OptionSpec {
  short?: string;
  long: string;
  arg?: string;
  help: string;
  apply(o: Options, value: string): void;
}

export class UsageError extends Error {}

/** tshark's -a: stop after a time, a number of frames shown or saved, or a size of the -w file. */
export interface Autostop {
  /** duration:SECONDS, in milliseconds (live captures only, as in tshark) */
  durationMs?: number;
  /** packets:N: frames shown or saved (after -Y); -c counts frames read */
  packets?: number;
  /** filesize:KB: the -w file's size in bytes (1 kB = 1000 bytes, as dumpcap counts) */
  fileBytes?: number;
}

/**
 * -a as tshark 4.0 reads it: duration:NUM (seconds), packets:NUM, filesize:NUM
 * (kB); files:NUM belongs to a ring buffer (-b), which synack does not have.
 */
function applyAutostop(o: Options, v: string): void {
  const colon = v.indexOf(':');
  const key = colon < 0 ? v : v.slice(0, colon);
  const val = colon < 0 ? '' : v.slice(colon + 1);
  const number = (what: string, decimals: boolean): number => {
    const ok = decimals ? /^(\d+\.?\d*|\.\d+)$/.test(val) : /^\d+$/.test(val);
    if (!ok || Number(val) <= 0) throw new UsageError(`-a ${v}: ${key} needs a positive ${what}`);
    return Number(val);
  };
  switch (key) {
    case 'duration':
      o.autostop.durationMs = Math.round(number('number of seconds', true) * 1000);
      return;
    case 'packets':
      o.autostop.packets = number('whole number of frames', false);
      return;
    case 'filesize':
      o.autostop.fileBytes = number('whole number of kB', false) * 1000;
      return;
    case 'files':
      throw new UsageError(`-a ${v}: files counts the files of a ring buffer (tshark's -b), which synack does not have; it saves one file (-w)`);
    default:
      throw new UsageError(`-a ${v}: use duration:SECONDS, packets:N or filesize:KB`);
  }
}

function positiveInt(flag: string, v: string): number {
  if (!/^\d+$/.test(v) || Number(v) <= 0) throw new UsageError(`${flag} needs a positive whole number, not '${v}'`);
  return Number(v);
}

const FIELDS_OPTION_KEYS = ['header', 'separator', 'occurrence', 'aggregator', 'quote', 'bom'];

/**
 * -E as tshark 4.0 reads it (epan/print.c, output_fields_set_option): the
 * name up to the first '=', a value that is not empty, and of the value only
 * its first character: header=yes is header=y, separator=,, is ',', and '/'
 * followed by t or s names a tab or a space (any other '/x' is a backslash,
 * as tshark has it; aggregator knows /s only). tshark takes lower-case y and n
 * only, and refuses anything else; so does synack, in one line.
 */
function applyFieldsOption(o: Options, v: string): void {
  const eq = v.indexOf('=');
  const key = eq < 0 ? v : v.slice(0, eq);
  const val = eq < 0 ? '' : v.slice(eq + 1);
  const first = val.length === 0 ? '' : String.fromCodePoint(val.codePointAt(0)!);
  const f = o.fieldsOptions;
  const refuse = (what: string): never => {
    throw new UsageError(`-E ${v}: ${what}`);
  };
  const yesNo = (): boolean => (first === 'y' ? true : first === 'n' ? false : refuse(`${key} takes y or n`));
  const slash = (tab: boolean): string => (val[1] === 's' ? ' ' : tab && val[1] === 't' ? '\t' : '\\');
  if (eq < 0) refuse('needs KEY=VALUE');
  if (!FIELDS_OPTION_KEYS.includes(key)) refuse(`'${key}' is not an option of -E; use ${FIELDS_OPTION_KEYS.join(', ')}`);
  if (val === '') refuse(`${key} needs a value`);
  switch (key) {
    case 'header':
      f.header = yesNo();
      return;
    case 'bom':
      f.bom = yesNo();
      return;
    case 'separator':
      f.separator = first === '/' ? slash(true) : first;
      return;
    case 'aggregator':
      f.aggregator = first === '/' ? slash(false) : first;
      return;
    case 'occurrence':
      if (first !== 'a' && first !== 'f' && first !== 'l') return refuse('occurrence takes a (all), f (first) or l (last)');
      f.occurrence = first;
      return;
    case 'quote':
      if (first !== 'd' && first !== 's' && first !== 'n') return refuse('quote takes d (double), s (single) or n (none)');
      f.quote = first;
      return;
  }
}

export const OPTION_SPECS: readonly OptionSpec[] = [
  { short: 'r', long: 'read', arg: 'FILE', help: "read a pcap or pcapng file ('-' reads a pcap stream from standard input)", apply: (o, v) => (o.read = v) },
  { short: 'i', long: 'interface', arg: 'IFACE', help: "capture live on IFACE ('lo', 'any', ...)", apply: (o, v) => (o.iface = v) },
  { short: 'f', long: 'capture-filter', arg: 'BPF', help: "capture filter in libpcap syntax ('tcp port 8080'), live or on a file or standard input as tcpdump -r applies one; also taken from trailing arguments", apply: (o, v) => (o.captureFilter = v) },
  { short: 'w', long: 'write', arg: 'FILE', help: 'save the frames read or captured (pcapng when FILE ends in .pcapng)', apply: (o, v) => (o.write = v) },
  { short: 'c', long: 'count', arg: 'N', help: 'stop after N frames', apply: (o, v) => (o.count = positiveInt('-c', v)) },
  {
    short: 'a',
    long: 'autostop',
    arg: 'COND',
    help: 'stop after duration:SECONDS (live), packets:N (frames shown or saved, after -Y) or filesize:KB (of the -w file), as tshark; repeatable, the first met stops',
    apply: applyAutostop,
  },
  { short: 's', long: 'snapshot-length', arg: 'N', help: 'live capture: bytes kept per frame (at most and by default 65535, which cap fixes)', apply: (o, v) => (o.snaplen = positiveInt('-s', v)) },
  { short: 'Y', long: 'display-filter', arg: 'FILTER', help: "show only frames matching a Wireshark display filter ('tcp.flags.syn == 1')", apply: (o, v) => (o.displayFilter = v) },
  {
    short: 'T',
    long: 'output',
    arg: 'text|fields|json',
    help: 'output format: summary lines, the -e fields, or one JSON object per frame',
    apply: (o, v) => {
      if (v !== 'text' && v !== 'fields' && v !== 'json') throw new UsageError(`-T ${v}: use text, fields or json`);
      o.outputType = v;
    },
  },
  { short: 'e', long: 'field', arg: 'NAME', help: 'a field to print with -T fields (Wireshark names: ip.src, tcp.flags.syn, ...)', apply: (o, v) => o.fields.push(v) },
  { short: 'E', long: 'fields-option', arg: 'KEY=VALUE', help: 'header=y|n, separator=/t|/s|C, occurrence=a|f|l, aggregator=,|/s|C, quote=d|s|n, bom=y|n (as tshark)', apply: applyFieldsOption },
  {
    short: 't',
    long: 'time-format',
    arg: 'FORMAT',
    help: `the time column, as tshark's -t: ${TIME_FORMATS.map(([w, what]) => `${w} (${what})`).join(', ')}; r by default`,
    apply: (o, v) => {
      if (!isTimeFormat(v)) throw new UsageError(`-t ${v}: use ${TIME_FORMATS.map(([w]) => w).join(', ')} (see synack --help)`);
      o.timeFormat = v;
    },
  },
  {
    short: 'u',
    long: 'seconds-format',
    arg: 's|hms',
    help: "relative times (-t r, d, dd) in seconds (s, the default) or in hours, minutes and seconds (hms: '1h  2m  4.625000s'), as tshark's -u",
    apply: (o, v) => {
      if (v !== 's' && v !== 'hms') throw new UsageError(`-u ${v}: use s (seconds) or hms (hours, minutes and seconds)`);
      o.hms = v === 'hms';
    },
  },
  { short: 'x', long: 'hex', help: 'hex and ASCII dump of each frame', apply: (o) => (o.hexDump = true) },
  {
    short: 'A',
    long: 'payload',
    help: "under each frame, its TCP or UDP payload as text (tcpdump's -A), with ▏ where each message starts and whether the segment carries several (coalesced) or part of one (split)",
    apply: (o) => (o.payload = true),
  },
  { short: 'V', long: 'verbose', help: 'print the detail tree of each frame', apply: (o) => (o.verbose = true) },
  { short: 'z', long: 'statistics', arg: 'STAT', help: 'conn, conv|endpoints,eth|ip|ipv6|tcp|udp[,FILTER], follow,tcp|udp,ascii|hex,N, arp, expert[,LEVEL][,FILTER], io,phs[,FILTER], io,stat,INTERVAL[,FILTER|CALC(field)FILTER...]', apply: (o, v) => o.stats.push(v) },
  { short: 'q', long: 'quiet', help: 'no per-frame output (with -z)', apply: (o) => (o.quiet = true) },
  { short: 'P', long: 'print', help: 'with -w, print the frames as well (-w alone prints none, as in tshark and tcpdump)', apply: (o) => (o.printWithWrite = true) },
  { short: 'l', long: 'line-buffered', help: 'flush the output after every frame (for a pipe read while capturing)', apply: (o) => (o.lineBuffered = true) },
  // tshark's and tcpdump's -n: synack never resolves names, so it is accepted and changes nothing.
  { short: 'n', long: 'no-resolve', help: 'no name resolution (always the case: accepted for tshark and tcpdump habits)', apply: () => undefined },
  { short: 'D', long: 'list-interfaces', help: 'list capture interfaces with their addresses', apply: (o) => (o.listInterfaces = true) },
  {
    short: 'G',
    long: 'glossary',
    arg: 'fields|protocols',
    help: "list every field (for -e, -Y) or protocol synack knows, in tshark -G's tab-separated format: synack -G fields | grep tcp.analysis",
    apply: (o, v) => {
      if (v !== 'fields' && v !== 'protocols') throw new UsageError(`-G ${v}: use fields or protocols`);
      o.glossary = v;
    },
  },
  { short: 'Z', long: 'user', arg: 'USER', help: 'after opening the capture, run as USER instead of root', apply: (o, v) => (o.dropUser = v) },
  { long: 'framing', arg: 'KIND', help: 'message framing: auto, lines, length (1/2/4-byte prefix: length1..4), fixed:N, none', apply: (o, v) => (o.framing = v) },
  {
    long: 'max-connections',
    arg: 'N',
    help: 'TCP connections (and UDP conversations) analysed at once (default 20000); beyond, the least recently active is evicted, counted and listed as such by -z conn',
    apply: (o, v) => (o.maxConnections = positiveInt('--max-connections', v)),
  },
  {
    long: 'stream-bytes',
    arg: 'N',
    help: 'bytes kept per direction of the stream -z follow shows (default 64 MiB) or the dashboard\'s connection view (1 MiB); the rest is counted and marked as not kept',
    apply: (o, v) => (o.streamBytes = positiveInt('--stream-bytes', v)),
  },
  {
    long: 'keep-frames',
    arg: 'N',
    help: 'dashboard, live or standard input: keep the newest N frames (default 1000000); older ones leave the list and the disk, connections keep their totals',
    apply: (o, v) => (o.keepFrames = positiveInt('--keep-frames', v)),
  },
  {
    long: 'keep-bytes',
    arg: 'N',
    help: 'dashboard, live or standard input: keep at most N bytes of frames in temporary files (default 1 GiB; disk use stays within N plus a quarter)',
    apply: (o, v) => (o.keepBytes = positiveInt('--keep-bytes', v)),
  },
  {
    long: 'keep-connections',
    arg: 'N',
    help: 'dashboard: list the newest N finished TCP connections and N UDP conversations (default 100000); older ones leave the list, the totals still count them',
    apply: (o, v) => (o.keepConnections = positiveInt('--keep-connections', v)),
  },
  { long: 'text', help: 'print text output even when standard output is a terminal', apply: (o) => (o.text = true) },
  { short: 'h', long: 'help', help: 'show this help', apply: (o) => (o.help = true) },
  { short: 'v', long: 'version', help: 'show the version', apply: (o) => (o.version = true) },
];

export function defaultOptions(): Options {
  return { fields: [], autostop: {}, fieldsOptions: { ...DEFAULT_FIELDS_OPTIONS }, hexDump: false, verbose: false, stats: [], quiet: false, listInterfaces: false, text: false, help: false, version: false, rest: [] };
}

/** Parses argv (without node and script). Options may follow positionals, as in tcpdump. */
export function parseOptions(argv: readonly string[]): Options {
  const o = defaultOptions();
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--') {
      o.rest.push(...argv.slice(i + 1));
      break;
    }
    let spec: OptionSpec | undefined;
    let inline: string | undefined;
    if (a.startsWith('--')) {
      const eq = a.indexOf('=');
      const name = eq < 0 ? a.slice(2) : a.slice(2, eq);
      inline = eq < 0 ? undefined : a.slice(eq + 1);
      spec = OPTION_SPECS.find((s) => s.long === name);
      if (spec === undefined) throw new UsageError(`unknown option '--${name}' (see synack --help)`);
    } else if (a.length >= 2 && a[0] === '-' && a !== '-') {
      spec = OPTION_SPECS.find((s) => s.short === a[1]);
      if (spec === undefined) throw new UsageError(`unknown option '-${a[1]}' (see synack --help)`);
      if (a.length > 2) {
        if (spec.arg === undefined) {
          // Bundled flags: -qx
          spec.apply(o, '');
          for (const ch of a.slice(2)) {
            const more = OPTION_SPECS.find((s) => s.short === ch && s.arg === undefined);
            if (more === undefined) throw new UsageError(`unknown option '-${ch}' in '${a}'`);
            more.apply(o, '');
          }
          continue;
        }
        inline = a.slice(2);
      }
    } else {
      o.rest.push(a);
      continue;
    }
    if (spec.arg !== undefined) {
      const value = inline ?? argv[++i];
      if (value === undefined) throw new UsageError(`${a} needs ${spec.arg}`);
      spec.apply(o, value);
    } else {
      if (inline !== undefined) throw new UsageError(`--${spec.long} takes no value`);
      spec.apply(o, '');
    }
  }
  if (!o.help && !o.version) {
    checkFieldsOutput(o);
    checkAutostop(o);
  }
  return o;
}

/**
 * tshark refuses -e without an output that prints fields, and -T fields
 * without a field to print, rather than ignoring either: a script that
 * forgot one would otherwise get summary lines or empty lines.
 */
function checkFieldsOutput(o: Options): void {
  if (o.fields.length > 0 && o.outputType !== 'fields' && o.outputType !== 'json') {
    throw new UsageError(`-e ${o.fields[0]}: fields are printed by -T fields or -T json${o.outputType === undefined ? ', and neither was given' : `, not -T ${o.outputType}`}`);
  }
  if (o.outputType === 'fields' && o.fields.length === 0) throw new UsageError('-T fields needs at least one -e FIELD');
}

/** tshark's refusals: a time limit needs a capture, a size limit a file to measure. */
function checkAutostop(o: Options): void {
  const live = o.iface !== undefined || o.rest[0] === 'demo';
  if (o.autostop.durationMs !== undefined && !live) throw new UsageError('-a duration: a time limit needs a live capture (-i IFACE or demo); -c or -a packets stop a file');
  if (o.autostop.fileBytes !== undefined && o.write === undefined) throw new UsageError('-a filesize: limits the file -w saves, and no -w was given');
}

export function helpText(version: string): string {
  const lines = [
    `synack ${version}: see TCP handshakes, teardowns and sticky packets`,
    '',
    'Usage:',
    '  synack demo                         live chat demo on loopback, in the dashboard (npm start)',
    '  synack -r FILE [options] [BPF]      open a pcap / pcapng capture (a capture filter keeps only what it matches)',
    "  tcpdump -U -w - | synack -r -       read a pcap stream from standard input",
    "  synack -i IFACE [-f 'BPF'] [options] capture live (root, or cap_net_raw)",
    '  synack chat server|client [...]     the lessons\' chat program (synack chat --help)',
    '',
    'On a terminal synack draws the dashboard; otherwise (or with -T, -x, -A, -V, -z, --text) it prints text.',
    '',
    'Options:',
  ];
  for (const s of OPTION_SPECS) {
    const flag = (s.short ? `-${s.short}, ` : '    ') + `--${s.long}` + (s.arg ? ` ${s.arg}` : '');
    lines.push(`  ${flag.padEnd(36)} ${s.help}`);
  }
  return lines.join('\n') + '\n';
}
