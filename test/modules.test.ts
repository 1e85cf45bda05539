/**
 * TypeScript compiles a re-export (`export { X } from './x'`) to an accessor
 * that turns the module's exports object into a dictionary, and every call of
 * the module's functions through it into a generic property lookup: the
 * decoder's entry point once cost 80 instructions a frame that way. Only the
 * two package facades may re-export; nothing calls through them per frame.
 */
import { spawnSync } from 'node:child_process';
import { ROOT } from './helpers/paths';
import { describe, expect, it } from 'vitest';

const FACADES = ['analysis/index.js', 'ui/dashboard/index.js'];

describe('compiled modules', () => {
  it('keep fast exports objects, the package facades aside', () => {
    const script = `
      const fs = require('fs');
      const slow = [];
      for (const dir of ['capture', 'decode', 'analysis', 'filter', 'output', 'ui', 'ui/dashboard', 'demo']) {
        for (const f of fs.readdirSync('dist/' + dir).filter((x) => x.endsWith('.js'))) {
          // Entry points run when loaded.
          if (f === 'live-child.js' || f === 'chat-cli.js') continue;
          if (!%HasFastProperties(require('./dist/' + dir + '/' + f))) slow.push(dir + '/' + f);
        }
      }
      console.log(JSON.stringify(slow));`;
    const r = spawnSync(process.execPath, ['--allow-natives-syntax', '-e', script], { cwd: ROOT, encoding: 'utf8', timeout: 60_000 });
    expect(r.status, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout.trim().split('\n').pop()!).sort()).toEqual(FACADES);
  });
});
