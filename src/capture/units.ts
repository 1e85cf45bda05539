/**
 * Byte counts for people, in the lowest layer that prints one (live.ts's
 * drop message); the dashboard (ui) imports it from here.
 */

/** Bytes as '812 B', '12.4 kB', '3.1 MB' (SI units, as tshark's conversation tables). */
export function byteText(n: number): string {
  if (n < 1000) return `${n} B`;
  if (n < 1e6) return `${(n / 1e3).toFixed(1)} kB`;
  if (n < 1e9) return `${(n / 1e6).toFixed(1)} MB`;
  return `${(n / 1e9).toFixed(2)} GB`;
}
