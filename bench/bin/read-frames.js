#!/usr/bin/env node
'use strict';
// Reads every frame of FILE (or '-': standard input) with synack's sources and
// prints the count: the whole-process reading benchmark, nothing else.
const fs = require('node:fs');
const { openSource } = require('../../dist/capture/open');

openSource({ read: process.argv[2] }).then((source) => {
  let n = 0;
  return source.run(() => n++).then((end) => {
    if (end.kind === 'error') {
      process.stderr.write(`${end.error.toString()}\n`);
      process.exitCode = 2;
    }
    fs.writeSync(1, `${n}\n`);
  });
});
