#!/usr/bin/env node
'use strict';
// Compiled by `npm install` (prepare script). Kept tiny so `synack --version` starts fast.
require('../dist/cli.js').main(process.argv.slice(2));
