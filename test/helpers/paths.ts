/** Where the project's captures and the shared corpus live. */
import { existsSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';

export const ROOT = resolve(__dirname, '..', '..');
export const CAPTURES = join(ROOT, 'captures');
/** The shared corpus (tcpdump's test captures and the lab captures); SYNACK_CORPUS overrides. */
export const CORPUS = process.env.SYNACK_CORPUS ?? resolve(ROOT, '..', 'shared', 'corpus');
export const HAVE_CORPUS = existsSync(join(CORPUS, 'tcpdump'));
export const CLI = join(ROOT, 'bin', 'synack.js');

const CAPTURE_EXT = /\.(pcap|pcapng|cap|pcap\d*)$/;

function list(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => CAPTURE_EXT.test(f))
    .sort()
    .map((f) => join(dir, f));
}

/** Every capture the project ships (captures/), sorted. */
export function ownCaptureFiles(): string[] {
  return list(CAPTURES);
}

/** Every capture the project ships, then the corpus (lab, tcpdump), each sorted. */
export function allCaptureFiles(): string[] {
  return [...list(CAPTURES), ...list(join(CORPUS, 'lab')), ...list(join(CORPUS, 'tcpdump'))];
}

export function labCapture(name: string): string {
  return join(CORPUS, 'lab', name);
}

/** A capture of the project's captures/ (always there, in CI too). */
export function ownCapture(name: string): string {
  return join(CAPTURES, name);
}

/**
 * Lab captures by name, or none where the corpus is absent: for tests that
 * make their point on captures/ and add the lab's files where they exist.
 */
export function labCapturesIfPresent(...names: string[]): string[] {
  return HAVE_CORPUS ? names.map(labCapture) : [];
}
