import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { defineConfig } from 'vitest/config';

// Where test/helpers/paths.ts looks for the shared corpus (an ES module
// config cannot import that CommonJS helper without Vite warning about it).
const CORPUS = process.env.SYNACK_CORPUS ?? resolve(import.meta.dirname, '..', 'shared', 'corpus');
const HAVE_CORPUS = existsSync(join(CORPUS, 'tcpdump'));

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/global-setup.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Differential tests spawn tshark; two cores in CI.
    pool: 'forks',
    maxWorkers: 2,
    // A test or describe tagged 'corpus' reads ../shared/corpus: a clean
    // clone in CI may not have it, so those skip, and global-setup.ts says
    // how many did and why.
    tags: [{ name: 'corpus', description: `reads the shared corpus (${CORPUS}, or $SYNACK_CORPUS)`, skip: !HAVE_CORPUS }],
  },
});
