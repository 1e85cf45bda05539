/**
 * "Did you mean ...?" for field and protocol names. Lives beside the field
 * registry so every stage that takes names (-e columns, -Y filters, the
 * dashboard's filter bar) can suggest without importing a later stage.
 */

/** Up to three known names closest to `name` (edit distance, with a bonus for a shared prefix). */
export function closestNames(name: string, known: readonly string[]): string[] {
  const scored: { n: string; d: number }[] = [];
  for (const k of known) {
    let d = editDistance(name, k);
    if (k.startsWith(name) || name.startsWith(k)) d = Math.min(d, Math.abs(k.length - name.length) / 4);
    if (d <= Math.max(2, name.length / 3)) scored.push({ n: k, d });
  }
  scored.sort((a, b) => a.d - b.d || a.n.localeCompare(b.n));
  return scored.slice(0, 3).map((s) => s.n);
}

function editDistance(a: string, b: string): number {
  const prev = new Array<number>(b.length + 1);
  for (let j = 0; j <= b.length; j++) prev[j] = j;
  for (let i = 1; i <= a.length; i++) {
    let diag = prev[0];
    prev[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const up = prev[j];
      prev[j] = Math.min(prev[j] + 1, prev[j - 1] + 1, diag + (a[i - 1] === b[j - 1] ? 0 : 1));
      diag = up;
    }
  }
  return prev[b.length];
}
