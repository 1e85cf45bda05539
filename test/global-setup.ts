/**
 * Runs once before the suite: asks tshark about every capture (cached), so
 * the differential tests in several files share one tshark run per capture.
 * After the suite: one warning saying how many tests needed the shared corpus
 * and were skipped (a clean clone in CI has only captures/).
 */
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { allCaptureFiles, CORPUS, HAVE_CORPUS } from './helpers/paths';
import { HAVE_TSHARK, warmOracle } from './oracle/tshark';

/** Tests tagged 'corpus' (vitest.config.mts) that did not run. */
function skippedForCorpus(project: TestProject): number {
  let n = 0;
  for (const m of project.vitest.state.getTestModules()) {
    for (const t of m.children.allTests()) if (t.tags.includes('corpus') && t.result().state === 'skipped') n++;
  }
  return n;
}

/**
 * Every temporary file of the run (the tests' own, the dashboard's spill, the
 * CLI runs they spawn) goes under one directory, removed at the end: TMPDIR is
 * inherited by the test workers and everything they start. World-writable and
 * sticky like /tmp, because some tests run synack as an unprivileged user.
 */
function privateTmp(): () => void {
  const root = mkdtempSync(join(tmpdir(), 'synack-test-'));
  chmodSync(root, 0o1777);
  process.env.TMPDIR = root;
  return () => rmSync(root, { recursive: true, force: true });
}

export default async function setup(project: TestProject): Promise<() => void> {
  const removeTmp = privateTmp();
  const teardown = (): void => {
    removeTmp();
    if (HAVE_CORPUS) return;
    const n = skippedForCorpus(project);
    console.warn(
      `\n${n} tests that read the shared corpus were skipped: there is none at ${CORPUS} (set SYNACK_CORPUS to its path). ` +
        'Tests that compare many captures compared those of captures/ only.\n',
    );
  };
  if (!HAVE_TSHARK) {
    console.warn('tshark is not installed: the differential tests against tshark 4.0 are skipped');
    return teardown;
  }
  const t0 = Date.now();
  await warmOracle(allCaptureFiles(), undefined, 2);
  console.log(`tshark oracle ready for ${allCaptureFiles().length} captures in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  return teardown;
}
