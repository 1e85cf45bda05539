/** Opens the dashboard on a capture inside a headless terminal, as `synack -r FILE` would on a real one. */
import { defaultOptions, type Options } from '../../src/options';
import { runDashboard } from '../../src/ui/dashboard/index';
import type { Dashboard } from '../../src/ui/dashboard/screen';
import { HeadlessTerm } from './term';

export interface Opened {
  t: HeadlessTerm;
  dash: Dashboard;
  exit: Promise<number>;
  /** Types keys and waits until `until` shows on screen (or returns false after 5 s). */
  keys(keys: string, until?: string | ((t: HeadlessTerm) => boolean)): Promise<boolean>;
  close(): Promise<number>;
}

export async function openDashboard(file: string, cols = 80, rows = 24, extra: Partial<Options> = {}): Promise<Opened> {
  const t = new HeadlessTerm(cols, rows);
  const o = { ...defaultOptions(), read: file, ...extra };
  let dash: Dashboard | undefined;
  const exit = runDashboard(o, { io: t.io, onStart: (d) => (dash = d) });
  const loaded = await t.waitFor((x) => /end of file|damaged/.test(x.text()));
  if (!loaded || dash === undefined) throw new Error(`the dashboard did not finish loading ${file}:\n${t.text()}`);
  const d = dash;
  return {
    t,
    dash: d,
    exit,
    async keys(keys: string, until?: string | ((x: HeadlessTerm) => boolean)): Promise<boolean> {
      const before = d.draws;
      t.type(keys);
      if (until === undefined) return t.waitFor(() => d.draws > before);
      return t.waitFor(typeof until === 'string' ? (x) => x.text().includes(until) : until);
    },
    close(): Promise<number> {
      d.quit();
      return exit;
    },
  };
}

export const KEY = {
  down: '\x1b[B',
  up: '\x1b[A',
  enter: '\r',
  esc: '\x1b',
  tab: '\t',
  end: '\x1b[F',
  pgdn: '\x1b[6~',
  ctrlU: '\x15',
};
