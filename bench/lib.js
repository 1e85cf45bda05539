'use strict';
/**
 * What bench cases share: fixtures generated on demand (bench/out/, git-ignored),
 * whole-process measurement (wall time and peak RSS through /usr/bin/time),
 * in-process timing, and the row format the runner prints.
 *
 * A result row:
 *   { name, unit, synack, higherIsBetter, baselines: [{ tool, value }], target: { text, ok } }
 * Ratios are printed in synack's favour: "3.2x" means synack is 3.2 times
 * better (faster, smaller), whatever the unit.
 */
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const ROOT = path.resolve(__dirname, '..');
const OUT = path.join(__dirname, 'out');

/** Fixtures by name: how to make each (bench/gen-capture.js). Others add theirs here. */
const FIXTURES = {
  'tcp-2m.pcap': { frames: 2000000 },
  'tcp-2m.pcapng': { frames: 2000000 },
  // Several GB, for the memory claim: whatever the file size, memory stays flat.
  'tcp-4g.pcap': { bytes: 4e9 },
  // A million half-open connections (bench/gen-synflood.js): memory stays bounded by eviction.
  'synflood-1m.pcap': { syns: 1_000_000, generator: './gen-synflood' },
};

/** Path of a fixture, generating it first if missing (or made by an older traffic model). */
function fixture(name) {
  const spec = FIXTURES[name];
  if (spec === undefined) throw new Error(`unknown fixture ${name}`);
  const { generate, MODEL_VERSION = 0 } = require(spec.generator ?? './gen-capture');
  fs.mkdirSync(OUT, { recursive: true });
  const file = path.join(OUT, name);
  const stamp = `${file}.model`;
  const current = fs.existsSync(file) && fs.existsSync(stamp) && fs.readFileSync(stamp, 'utf8') === String(MODEL_VERSION);
  if (!current) {
    process.stderr.write(`generating ${name} ...`);
    const t0 = Date.now();
    const n = generate({ out: file, frames: spec.frames, bytes: spec.bytes, syns: spec.syns });
    fs.writeFileSync(stamp, String(MODEL_VERSION));
    process.stderr.write(` ${n ?? '?'} frames, ${(fs.statSync(file).size / 1e6).toFixed(0)} MB in ${((Date.now() - t0) / 1000).toFixed(1)} s\n`);
  }
  return file;
}

/** True when `cmd` can be run (tshark, tcpdump, capinfos may be absent). */
function have(cmd) {
  return spawnSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' }).status === 0;
}

/**
 * Runs a command once; returns wall seconds and peak RSS in MB (the whole
 * process, measured by /usr/bin/time). `stdinFile` feeds a file through a
 * pipe (`cat FILE |`), so the command reads a stream, not a file.
 */
function runProcess(cmd, args, { stdinFile, shell } = {}) {
  const quoted = [cmd, ...args].map((a) => `'${String(a).replace(/'/g, "'\\''")}'`).join(' ');
  const line = shell ?? (stdinFile !== undefined ? `cat '${stdinFile}' | /usr/bin/time -f '%e %M' ${quoted}` : `/usr/bin/time -f '%e %M' ${quoted}`);
  const r = spawnSync('sh', ['-c', `${line} > /dev/null`], { encoding: 'utf8', maxBuffer: 1 << 26 });
  const m = /(\d+\.\d+) (\d+)\s*$/.exec(r.stderr);
  if (m === null) throw new Error(`cannot measure ${line}: ${r.stderr.slice(-500)}`);
  return { seconds: Number(m[1]), rssMB: Number(m[2]) / 1024 };
}

/** Best of `n` runs (the least disturbed by the rest of the machine). */
function bestOf(n, fn) {
  let best = null;
  for (let i = 0; i < n; i++) {
    const r = fn();
    if (best === null || r.seconds < best.seconds) best = r;
  }
  return best;
}

/** Best of `n` runs of an async in-process function; returns seconds. */
async function bestOfAsync(n, fn) {
  let best = Infinity;
  for (let i = 0; i < n; i++) {
    const t0 = process.hrtime.bigint();
    await fn();
    best = Math.min(best, Number(process.hrtime.bigint() - t0) / 1e9);
  }
  return best;
}

/** Node with the same flags as this process, for whole-process cases. */
const NODE = process.execPath;

module.exports = { ROOT, OUT, FIXTURES, fixture, have, runProcess, bestOf, bestOfAsync, NODE };
