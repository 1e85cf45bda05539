/** The blessed dashboard (stub). */
import type { Options } from '../../options';

export async function runDashboard(_opts: Options): Promise<number> {
  process.stderr.write('synack: the dashboard is not implemented yet; use --text\n');
  return 2;
}
