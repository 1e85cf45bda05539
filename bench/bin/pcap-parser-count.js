#!/usr/bin/env node
'use strict';
// The same job with pcap-parser (the reader the original design named), for comparison.
const pcapParser = require('pcap-parser');

let n = 0;
const p = pcapParser.parse(process.argv[2] === '-' ? process.stdin : process.argv[2]);
p.on('packet', () => n++);
p.on('end', () => process.stdout.write(`${n}\n`));
p.on('error', (e) => {
  process.stderr.write(`${e.message}\n`);
  process.exitCode = 2;
});
