#!/usr/bin/env node
'use strict';
/**
 * `npm run bench`: runs every case in bench/cases/ (one file per area, in
 * name order) and prints each result with its ratio against the other tools
 * measured in the same run. `npm run bench -- capture` runs the cases whose
 * name contains "capture". Results also go to bench/out/results.json.
 *
 * A case file exports { name, description, run() }, where run resolves to
 * rows as bench/lib.js describes. Fixtures (captures) come from
 * lib.fixture(name), generated on first use.
 */
const fs = require('node:fs');
const path = require('node:path');
const { OUT } = require('./lib');

function fmt(value, unit) {
  if (unit === 'frames/s') return value >= 1e6 ? `${(value / 1e6).toFixed(2)} M/s` : `${(value / 1e3).toFixed(0)} k/s`;
  if (unit === 's') return `${value.toFixed(2)} s`;
  if (unit === 'MB') return `${value.toFixed(0)} MB`;
  return `${value} ${unit}`;
}

function ratio(row, other) {
  const r = row.higherIsBetter ? row.synack / other : other / row.synack;
  return `${r >= 10 ? r.toFixed(0) : r.toFixed(1)}x`;
}

function print(row) {
  const lines = [`  ${row.name}`, `      synack ${fmt(row.synack, row.unit)}`];
  for (const b of row.baselines) lines.push(`      ${b.tool.padEnd(30)} ${fmt(b.value, row.unit).padStart(10)}   synack ${ratio(row, b.value)} ${row.higherIsBetter ? 'faster' : row.unit === 'MB' ? 'smaller' : row.unit === 'instructions' ? 'fewer' : 'faster'}`);
  if (row.target !== undefined) lines.push(`      target: ${row.target.text}: ${row.target.ok ? 'met' : 'MISSED'}`);
  process.stdout.write(lines.join('\n') + '\n');
}

async function main(filters) {
  const dir = path.join(__dirname, 'cases');
  const cases = fs
    .readdirSync(dir)
    .filter((f) => f.endsWith('.js'))
    .sort()
    .map((f) => require(path.join(dir, f)))
    .filter((c) => filters.length === 0 || filters.some((w) => c.name.includes(w)));
  const results = [];
  let missed = 0;
  for (const c of cases) {
    process.stdout.write(`${c.name}: ${c.description}\n`);
    const rows = await c.run();
    for (const row of rows) {
      print(row);
      if (row.target !== undefined && !row.target.ok) missed++;
      results.push({ case: c.name, ...row });
    }
  }
  fs.mkdirSync(OUT, { recursive: true });
  fs.writeFileSync(path.join(OUT, 'results.json'), JSON.stringify({ node: process.version, date: new Date().toISOString(), results }, null, 2));
  if (missed > 0) process.stdout.write(`${missed} target(s) missed\n`);
}

main(process.argv.slice(2)).catch((e) => {
  process.stderr.write(`${e.stack}\n`);
  process.exit(1);
});
