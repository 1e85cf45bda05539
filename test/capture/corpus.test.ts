/**
 * Every capture of the corpus (830 files of tcpdump's test suite, the lab
 * captures, the project's own) is read to its end or stops with one error
 * line naming the byte offset; and frame numbers, times, lengths and
 * interfaces equal tshark 4.0's, byte for byte, on every file tshark reads.
 * Where tshark stops at damage, the frames before it are compared and synack
 * must stop too.
 */
import { describe, expect, it } from 'vitest';
import { allCaptureFiles, HAVE_CORPUS } from '../helpers/paths';
import { FRAME_FIELDS } from '../oracle/fields';
import { HAVE_TSHARK, oracle } from '../oracle/tshark';
import { readFile } from './helpers';

const files = allCaptureFiles();

/** How many captures to expect: the corpus's 830 and more, or captures/ alone on a clean clone. */
const AT_LEAST = HAVE_CORPUS ? 800 : 14;

/** tshark could not open the file at all (a link type wiretap 4.0 lacks): nothing to compare. */
function unsupported(stderr: string): boolean {
  return /unknown or unsupported|isn't a capture file in a format/.test(stderr);
}

describe('the corpus', () => {
  it('is read to its end, or stops with one error line naming the byte offset, without throwing', async () => {
    expect(files.length).toBeGreaterThan(AT_LEAST);
    let errors = 0;
    for (const file of files) {
      const r = await readFile(file);
      if (r.error !== null) {
        errors++;
        expect(r.error, file).toMatch(/^synack: .+, byte offset \d+(, frame \d+)?: [^\n]+$/);
      } else {
        expect(r.end, file).toBe('eof');
      }
    }
    // tshark 4.0 reads every container of the corpus to its end (damage there is
    // inside packets, not in the file structure), so any error line is a bug.
    expect(errors).toBe(0);
  });
});

describe.skipIf(!HAVE_TSHARK)('frame fields against tshark 4.0', () => {
  it('match byte for byte on every file tshark reads, and up to the damage where it stops', async () => {
    let compared = 0;
    let damaged = 0;
    for (const file of files) {
      const o = oracle(file);
      if (o.status !== 0 && unsupported(o.stderr)) continue;
      const r = await readFile(file);
      const expected = o.rows.map((row) => FRAME_FIELDS.map((f) => row.get(f) ?? '').join('\t'));
      expect(r.lines, file).toEqual(expected);
      if (o.status === 0) {
        expect(r.error, file).toBeNull();
      } else {
        damaged++;
        // tshark stopped at damage after these frames: synack stops too, saying where.
        expect(r.error, `${file}: tshark said ${o.stderr.trim()}`).toMatch(/byte offset \d+/);
      }
      compared++;
    }
    expect(compared).toBeGreaterThan(AT_LEAST);
    // (No corpus file is damaged at the container level today; test/capture/damage.test.ts crafts such files.)
    expect(damaged).toBe(0);
  });
});
