'use strict';
/**
 * The -z conn comparison of analysis.js, counted in instructions instead of
 * seconds. Time on a shared machine moves by a quarter from minute to
 * minute; the instructions a program executes do not (cachegrind counts the
 * same run to within 0.1%), so a change to the per-frame path shows here
 * even when the timings cannot tell it from noise.
 *
 * Each tool runs under `valgrind --tool=cachegrind` on the first 200 k and
 * the first 400 k frames of the 2 M-frame capture; the difference divided by
 * 200 k is its cost per frame, start-up excluded (node's own start is about
 * 0.5 G instructions, tshark's 0.9 G). Node runs with --single-threaded so
 * the compiler's and collector's work is done, and counted, the same way
 * every run. Skipped, saying so, where valgrind is not installed.
 *
 * Instructions are not time: C code retires more of them per cycle than
 * JIT-compiled JavaScript, so the time ratios in analysis.js are the claim;
 * this row says where the per-frame work stands and whether it moved.
 */
const fs = require('node:fs');
const path = require('node:path');
const { spawnSync } = require('node:child_process');
const { fixture, have, NODE, OUT, ROOT } = require('../lib');

const CLI = `${ROOT}/bin/synack.js`;
// JIT compilation settles within the first 200 k frames; beyond, the cost per frame is flat.
const SMALL = 200_000;
const LARGE = 400_000;

/** The first `n` frames of the 2 M-frame capture, cut by synack -c once. */
function prefix(n) {
  const source = fixture('tcp-2m.pcap');
  const file = path.join(OUT, `tcp-2m-first-${n / 1000}k.pcap`);
  if (!fs.existsSync(file) || fs.statSync(file).mtimeMs < fs.statSync(source).mtimeMs) {
    const r = spawnSync(NODE, [CLI, '-r', source, '-c', String(n), '-q', '-w', file], { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`cannot cut ${file}: ${r.stderr}`);
  }
  return file;
}

/** Instructions executed by `cmd args` (cachegrind's "I refs"). */
function instructions(cmd, args) {
  const r = spawnSync('valgrind', ['--tool=cachegrind', '--cache-sim=no', '--cachegrind-out-file=/dev/null', cmd, ...args], {
    encoding: 'utf8',
    maxBuffer: 1 << 26,
  });
  const m = /I\s+refs:\s+([\d,]+)/.exec(r.stderr);
  if (r.status !== 0 || m === null) throw new Error(`valgrind ${cmd}: ${r.stderr.slice(-500)}`);
  return Number(m[1].replace(/,/g, ''));
}

/** Instructions a frame, start-up excluded: the LARGE run minus the SMALL one. */
function perFrame(run) {
  return Math.round((run(prefix(LARGE)) - run(prefix(SMALL))) / (LARGE - SMALL));
}

module.exports = {
  name: 'analysis-instructions',
  description: '-q -z conn per frame in instructions under cachegrind (deterministic where timings are not), against tshark and tcptrace',
  async run() {
    if (!have('valgrind')) {
      process.stdout.write('  skipped: valgrind is not installed (apt-get install valgrind)\n');
      return [];
    }
    const synack = perFrame((f) => instructions(NODE, ['--single-threaded', CLI, '-r', f, '-q', '-z', 'conn']));
    const baselines = [];
    if (have('tshark')) baselines.push({ tool: 'tshark -r F -q -z conv,tcp', value: perFrame((f) => instructions('tshark', ['-r', f, '-q', '-z', 'conv,tcp'])) });
    if (have('tcptrace')) baselines.push({ tool: 'tcptrace -n F', value: perFrame((f) => instructions('tcptrace', ['-n', f])) });
    return [{ name: 'instructions a frame of -q -z conn (frames 200 k to 400 k of the 2 M-frame capture)', unit: 'instructions', synack, higherIsBetter: false, baselines }];
  },
};
