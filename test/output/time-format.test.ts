/**
 * -t and -u, the time column's formats, against tshark 4.0's: every format on
 * a capture made here with spans of minutes, hours and days and a frame
 * earlier than the first, on the demo's nanosecond capture, and (with the
 * corpus) on captures with damaged time stamps. Each run also passes -Y, so
 * `d` (since the previous frame captured) and `dd` (since the previous frame
 * displayed) differ. The local formats run under a POSIX TZ with daylight
 * time, which needs no zone files.
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { concat, ethFrame, pcapHeader, pcapRecord, save } from '../capture/craft';
import { CAPTURES, CLI, CORPUS, HAVE_CORPUS } from '../helpers/paths';
import { HAVE_TSHARK } from '../oracle/tshark';

const TZ = 'CET-1CEST,M3.5.0,M10.5.0/3';
const ENV = { ...process.env, TZ };

/** Each -t word with -u s, and the relative ones with -u hms too. */
const RUNS: readonly string[][] = [
  ...['r', 'd', 'dd', 'e', 'a', 'ad', 'adoy', 'u', 'ud', 'udoy'].map((t) => ['-t', t]),
  ...['r', 'd', 'dd'].map((t) => ['-t', t, '-u', 'hms']),
];

/** Frames 4 s, 64.75 s, 1 h, 25 h after the first (crossing the daylight-time change), and one 0.1 s before it. */
function spansCapture(): string {
  const first = Date.UTC(2025, 9, 25, 23, 59, 30) / 1000;
  const offsets = [0, 4.25, 64.75, 3724.625, 90000, -0.1];
  const records = offsets.map((o, k) => {
    const t = first + o;
    const sec = Math.floor(t);
    return pcapRecord(sec, Math.round((t - sec) * 1e6), ethFrame(k));
  });
  return save('time-format-spans.pcap', concat(pcapHeader(), ...records));
}

function lines(cmd: string, args: string[]): string[] {
  const r = spawnSync(cmd, args, { encoding: 'utf8', env: ENV, maxBuffer: 1 << 26 });
  expect(r.status, `${cmd} ${args.join(' ')}: ${r.stderr}`).toBe(0);
  return r.stdout.split('\n').filter((l) => l !== '');
}

describe.skipIf(!HAVE_TSHARK)('-t and -u against tshark', () => {
  const files: [string, () => string, string[]][] = [
    ['minutes, hours, days and a step back', spansCapture, []],
    ['captures/tcp-chat-ns.pcap (nanoseconds)', () => join(CAPTURES, 'tcp-chat-ns.pcap'), []],
    ['corpus timestamp_invalid_nano.pcap (fractions of a second or more)', () => join(CORPUS, 'tcpdump', 'timestamp_invalid_nano.pcap'), ['corpus']],
    ['corpus babel_update_oobr.pcap (decades apart, backwards)', () => join(CORPUS, 'tcpdump', 'babel_update_oobr.pcap'), ['corpus']],
  ];
  for (const [what, file, tags] of files) {
    it.skipIf(tags.includes('corpus') && !HAVE_CORPUS)(`every format of the time column equals tshark's: ${what}`, { tags, timeout: 120_000 }, () => {
      const f = file();
      for (const run of RUNS) {
        // The column alone (tshark's _ws.col.Time follows -t): other columns are the summary test's.
        const args = ['-r', f, '-Y', 'frame.number != 2', '-T', 'fields', '-e', 'frame.number', '-e', '_ws.col.Time', ...run];
        const ours = lines(process.execPath, [CLI, ...args]);
        expect(ours, run.join(' ')).toEqual(lines('tshark', args));
        expect(ours.length).toBeGreaterThan(1);
      }
    });
  }

  it('the summary line has the same time column, padded as tshark pads it', () => {
    const f = spansCapture();
    for (const run of RUNS) {
      const args = ['-n', '-r', f, '-Y', 'frame.number != 2', ...run];
      expect(lines(process.execPath, [CLI, ...args]), run.join(' ')).toEqual(lines('tshark', args));
    }
  });
});

describe('-t and -u refusals', () => {
  it('name the word and the choices, in one line, exit 2', () => {
    for (const [args, text] of [
      [['-t', 'x'], /^synack: -t x: use r, d, dd, e, a, ad, adoy, u, ud, udoy/],
      [['-u', 'min'], /^synack: -u min: use s \(seconds\) or hms/],
    ] as const) {
      const r = spawnSync(process.execPath, [CLI, '-r', join(CAPTURES, 'tcp-chat.pcap'), ...args], { encoding: 'utf8' });
      expect(r.status).toBe(2);
      expect(r.stderr).toMatch(text);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
    }
  });
});
