/**
 * Runs once before the suite: asks tshark about every capture (cached), so
 * the differential tests in several files share one tshark run per capture.
 */
import { allCaptureFiles } from './helpers/paths';
import { HAVE_TSHARK, warmOracle } from './oracle/tshark';

export default async function setup(): Promise<void> {
  if (!HAVE_TSHARK) {
    console.warn('tshark is not installed: the differential tests against tshark 4.0 are skipped');
    return;
  }
  const t0 = Date.now();
  await warmOracle(allCaptureFiles(), undefined, 2);
  console.log(`tshark oracle ready for ${allCaptureFiles().length} captures in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
}
