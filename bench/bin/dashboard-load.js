#!/usr/bin/env node
'use strict';
// The dashboard on FILE, drawn into a fake terminal (cols x rows) in this
// process, which runs nothing else: prints JSON with the times (seconds
// since start) of the first screen with packet rows and of the end of
// loading, the time a jump to the last frame (the G key) took to be drawn,
// the peak RSS, and the model's bytes per frame.
const { Writable, PassThrough } = require('node:stream');
const { defaultOptions } = require('../../dist/options');
const { runDashboard } = require('../../dist/ui/dashboard/index');

const file = process.argv[2];
const cols = Number(process.argv[3] ?? 120);
const rows = Number(process.argv[4] ?? 40);
const t0 = performance.now();
const out = new Writable({ write: (_c, _e, cb) => cb() });
out.isTTY = true;
out.columns = cols;
out.rows = rows;
const input = new PassThrough();
input.isTTY = true;
input.setRawMode = () => undefined;
const opts = defaultOptions();
opts.read = file;

let firstScreen = -1;
let dash;
runDashboard(opts, {
  io: { input, output: out, terminal: 'xterm-256color' },
  onStart(d) {
    dash = d;
    const draw = d.draw.bind(d);
    d.draw = () => {
      draw();
      if (firstScreen < 0 && d.model.shownCount > 0) firstScreen = (performance.now() - t0) / 1000;
    };
  },
}).then((code) => {
  process.exitCode = code;
});

const wait = setInterval(() => {
  if (dash === undefined || dash.model.state !== 'eof') return;
  clearInterval(wait);
  const loaded = (performance.now() - t0) / 1000;
  // Let the last draw of the load happen, then jump.
  setTimeout(() => {
    const before = dash.draws;
    const j0 = performance.now();
    input.write('G');
    const poll = setInterval(() => {
      if (dash.draws === before || dash.selectedFrame() !== dash.model.count) return;
      clearInterval(poll);
      const jump = (performance.now() - j0) / 1000;
      const frames = dash.model.count;
      const result = {
        frames,
        firstScreen,
        loaded,
        jump,
        maxRssMB: process.resourceUsage().maxRSS / 1024,
        modelBytesPerFrame: dash.model.memoryBytes() / frames,
      };
      dash.quit();
      process.stdout.write(JSON.stringify(result) + '\n');
    }, 1);
  }, 100);
}, 5);
