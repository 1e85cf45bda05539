/**
 * pcapng packet comments (opt_comment) in the capture layer: every comment of
 * a block read, in order, in both byte orders and in obsolete packet blocks,
 * as tshark 4.0 reads them; options tshark refuses stop the file at the same
 * frame with one line; copies keep comments; -w pcapng writes them back as
 * tshark -w does. tshark prints a comment's control bytes raw and synack
 * escapes them: expectations go through sanitize(), the one escaping every
 * printer applies.
 */
import { describe, expect, it } from 'vitest';
import { type Frame } from '../../src/capture/frame';
import { commentCount, commentText, findComment, foundComment } from '../../src/capture/packet-options';
import { openWriter } from '../../src/capture/writer';
import { sanitize } from '../../src/output/sanitize';
import { allCaptureFiles, ownCapture } from '../helpers/paths';
import { COMMENT_FIELDS } from '../oracle/fields';
import { HAVE_TSHARK, oracle } from '../oracle/tshark';
import { concat, epb, ethFrame, idb, option, options, pb, save, shb, spb, usec, type Endian } from './craft';
import { fieldLines, parseChunked, readFile } from './helpers';

const T = 1700000000;
const COLUMNS = ['frame.number', ...COMMENT_FIELDS];
const ANNOTATED = ownCapture('chat-comments.pcapng');

/** synack's -T fields rows of frame.number and the comment fields. */
const synackRows = (frames: readonly Frame[]): string[] => fieldLines(frames, COLUMNS);

/** tshark's rows of the same fields, escaped as synack escapes captured text. */
function tsharkRows(path: string): string[] {
  return oracle(path).rows.map((row) => COLUMNS.map((f) => sanitize(row.get(f) ?? '')).join('\t'));
}

/** Each frame's comments as raw strings (U+FFFD for bytes that are not UTF-8). */
function comments(frames: readonly Frame[]): string[][] {
  return frames.map((f) => Array.from({ length: commentCount(f) }, (_, k) => commentText(f, k)!));
}

const text = (s: string): Uint8Array => Buffer.from(s, 'latin1');
const comment = (s: string, e: Endian = 'le'): Uint8Array => option(1, text(s), e);

describe('reading packet comments', () => {
  it.skipIf(!HAVE_TSHARK)('captures/chat-comments.pcapng: every comment of every frame, in order, as tshark 4.0 shows them', async () => {
    const r = await readFile(ANNOTATED);
    expect(r.error).toBeNull();
    const rows = synackRows(r.frames);
    expect(rows).toEqual(tsharkRows(ANNOTATED));
    // Not vacuous: two comments on a frame, escapes, bytes that are not UTF-8, an empty comment beside one cut at a NUL.
    expect(rows[3]).toBe('4\tthe first message: hello,a second comment on the same frame, with a comma\t1,1');
    expect(rows[5]).toBe('6\t\\x1b]0;retitled\\x07\\x1b[31mred\\x1b[0m\\ttab\\r\\nsecond line\t1');
    expect(rows[7]).toBe('8\tcafé is UTF-8; \\ufffd\\ufffd is not; \\u202e is a bidi override\t1');
    expect(rows[8]).toBe('9\t,shown\t1,1');
  });

  it.skipIf(!HAVE_TSHARK)('every pcapng capture of captures/ and the corpus: the comments tshark shows (none but the annotated one today)', async () => {
    let files = 0;
    for (const file of allCaptureFiles().filter((f) => f.endsWith('.pcapng'))) {
      const o = oracle(file);
      if (o.status !== 0) continue;
      const r = await readFile(file);
      expect(synackRows(r.frames), file).toEqual(tsharkRows(file));
      files++;
    }
    expect(files).toBeGreaterThan(1);
  });

  for (const e of ['le', 'be'] as const) {
    it.skipIf(!HAVE_TSHARK)(`${e === 'le' ? 'little' : 'big'}-endian section: comments among other options, in obsolete packet blocks too, as tshark reads them`, async () => {
      const bytes = concat(
        shb(e),
        idb(1, { e }),
        // epb_flags before the comments, an unknown option of odd length between them.
        epb(0, usec(T, 1), ethFrame(1), { e, opts: options([option(2, Uint8Array.of(0, 0, 0, 1), e), comment('one', e), option(0x8001, Uint8Array.of(1, 2, 3), e), comment('two', e)], e) }),
        epb(0, usec(T, 2), ethFrame(2), { e }),
        pb(0, usec(T, 3), ethFrame(3), e, options([comment('from a packet block', e)], e)),
        spb(ethFrame(4), 60, e),
        // NUL padding inside the value; no opt_endofopt at all.
        epb(0, usec(T, 5), ethFrame(5), { e, opts: comment('padded\0\0\0', e) }),
        // A comment after opt_endofopt is not one.
        epb(0, usec(T, 6), ethFrame(6), { e, opts: concat(comment('kept', e), option(0, new Uint8Array(0), e), comment('after the end', e)) }),
      );
      const path = save(`comments-${e}.pcapng`, bytes);
      const r = await readFile(path);
      expect(r.error).toBeNull();
      expect(comments(r.frames)).toEqual([['one', 'two'], [], ['from a packet block'], [], ['padded'], ['kept']]);
      expect(synackRows(r.frames)).toEqual(tsharkRows(path));
      // A stream cut anywhere (blocks split across chunks take the general path) reads the same.
      for (const sizes of [[1], [5, 64], [333]]) expect(comments(parseChunked(bytes, sizes, path).frames), `chunks ${sizes}`).toEqual(comments(r.frames));
    });
  }

  it('copies keep their comments after the source reuses its buffer', () => {
    // parseChunked overwrites each chunk after the parser returns: only what copyFrame copied survives.
    const bytes = concat(shb(), idb(1), epb(0, usec(T, 1), ethFrame(1), { opts: options([comment('a note'), comment('another')]) }));
    const [f] = parseChunked(bytes, [4096]).frames;
    expect(comments([f])).toEqual([['a note', 'another']]);
    expect(f.optStart).toBe(f.capLen);
    expect(findComment(f, 1) && Buffer.from(f.data.subarray(foundComment.start, foundComment.start + foundComment.length)).toString()).toBe('another');
  });

  it('frames of classic pcap and of blocks without options have none, and cost no option walk', async () => {
    const r = await readFile(ownCapture('tcp-chat.pcap'));
    const ng = await readFile(ownCapture('chat-demo.pcapng'));
    for (const f of [...r.frames, ...ng.frames]) {
      expect(f.optEnd - f.optStart).toBe(0);
      expect(findComment(f, 0)).toBe(false);
    }
  });
});

/** Options tshark 4.0 refuses (wiretap's pcapng_process_options and its packet block handler) and ones it reads past. */
const REFUSED: readonly [string, Uint8Array, string][] = [
  ['comment past the block', concat(comment('ok'), Uint8Array.of(1, 0, 200, 0), text('abcd')), 'its option 1 claims 200 bytes, more than the 4 left in the block'],
  ['unknown option past the block', concat(comment('ok'), Uint8Array.of(0x42, 0x42, 200, 0), text('abcd')), 'its option 16962 claims 200 bytes, more than the 4 left in the block'],
  ['epb_flags of 2 bytes', options([option(2, Uint8Array.of(1, 2)), comment('ok')]), 'its option 2 (epb_flags) is 2 bytes long; it must be 4'],
  ['epb_dropcount of 4 bytes', options([option(4, Uint8Array.of(1, 0, 0, 0))]), 'its option 4 (epb_dropcount) is 4 bytes long; it must be 8'],
  ['epb_packetid of 4 bytes', options([option(5, Uint8Array.of(1, 0, 0, 0))]), 'its option 5 (epb_packetid) is 4 bytes long; it must be 8'],
  ['epb_queue of 2 bytes', options([option(6, Uint8Array.of(1, 0))]), 'its option 6 (epb_queue) is 2 bytes long; it must be 4'],
  ['epb_verdict of 0 bytes', options([option(7, new Uint8Array(0))]), 'its option 7 (epb_verdict) is 0 bytes long; it must be at least 1'],
  ['a TC verdict of 1 byte', options([option(7, Uint8Array.of(1))]), 'its option 7 (epb_verdict) is 1 bytes long; it must be 9 for a verdict of type 1'],
  ['an XDP verdict of 5 bytes', options([option(7, Uint8Array.of(2, 0, 0, 0, 0))]), 'its option 7 (epb_verdict) is 5 bytes long; it must be 9 for a verdict of type 2'],
  ['a custom option without its enterprise number', options([option(2988, Uint8Array.of(1, 2))]), 'its option 2988 (custom) is 2 bytes long; it must be at least 4'],
];

const READ: readonly [string, Uint8Array][] = [
  ['an unknown option of 1 byte', options([option(0x99, Uint8Array.of(1)), comment('ok')])],
  ['an empty epb_hash (4.0.17 reads it)', options([option(3, new Uint8Array(0)), comment('ok')])],
  ['a hardware verdict of 1 byte, a verdict of unknown type', options([option(7, Uint8Array.of(0)), option(7, Uint8Array.of(9)), comment('ok')])],
  ['damage after opt_endofopt', concat(comment('ok'), option(0, new Uint8Array(0)), Uint8Array.of(1, 0, 200, 0))],
  ['an empty comment ending the options, without opt_endofopt', concat(comment('ok'), Uint8Array.of(1, 0, 0, 0))],
];

describe('damaged packet options', () => {
  const file = (opts: Uint8Array): Uint8Array =>
    concat(shb(), idb(1), epb(0, usec(T, 1), ethFrame(1), { opts: options([comment('before')]) }), epb(0, usec(T, 2), ethFrame(2), { opts }), epb(0, usec(T, 3), ethFrame(3)));

  REFUSED.forEach(([what, opts, message], i) => {
    it(`${what}: the file stops at that frame, as tshark's, with one line`, async () => {
      const bytes = file(opts);
      const path = save(`bad-options-${i}.pcapng`, bytes);
      const r = await readFile(path);
      expect(r.frames.length).toBe(1);
      // The second block starts after the SHB (28 bytes), the IDB (20) and the first EPB (108).
      expect(r.error).toBe(`synack: ${path}, byte offset 156, frame 2: pcapng enhanced packet block: ${message}`);
      for (const sizes of [[1], [7, 3, 64]]) expect(parseChunked(bytes, sizes, path).error).toBe(r.error);
      if (HAVE_TSHARK) {
        const o = oracle(path);
        expect(o.status, o.stderr).not.toBe(0);
        expect(o.stderr).toMatch(/pcapng: /);
        expect(synackRows(r.frames)).toEqual(tsharkRows(path));
      }
    });
  });

  READ.forEach(([what, opts], i) => {
    it(`${what}: read on, as tshark reads on`, async () => {
      const path = save(`odd-options-${i}.pcapng`, file(opts));
      const r = await readFile(path);
      expect(r.error).toBeNull();
      expect(r.frames.length).toBe(3);
      if (HAVE_TSHARK) {
        expect(oracle(path).status).toBe(0);
        expect(synackRows(r.frames)).toEqual(tsharkRows(path));
      }
    });
  });
});

describe('-w keeps packet comments', () => {
  it('pcapng: every comment written back as tshark -w writes it (empty ones left out, each cut at its NUL); tshark reads them', async () => {
    const original = await readFile(ANNOTATED);
    const path = save('comments-rt.pcapng', new Uint8Array(0));
    const w = openWriter(path, { source: { linkType: 1, nanosecond: true } });
    for (const f of original.frames) w.write(f);
    w.close();
    const back = await readFile(path);
    expect(back.error).toBeNull();
    expect(comments(back.frames)).toEqual(comments(original.frames).map((list) => list.filter((c) => c !== '')));
    // Bytes that are not UTF-8 are written as they were read, not as U+FFFD.
    expect(findComment(back.frames[7], 0)).toBe(true);
    expect(Buffer.from(back.frames[7].data.subarray(foundComment.start, foundComment.start + foundComment.length)).includes(Buffer.from([0xff, 0xfe]))).toBe(true);
    if (HAVE_TSHARK) expect(tsharkRows(path)).toEqual(synackRows(back.frames));
  });

  it('pcap: no place for them; the frames are written without a word, as tshark and editcap write them', async () => {
    const original = await readFile(ANNOTATED);
    const path = save('comments-rt.pcap', new Uint8Array(0));
    const w = openWriter(path, { source: { linkType: 1, nanosecond: true } });
    for (const f of original.frames) w.write(f);
    w.close();
    const back = await readFile(path);
    expect(back.frames.length).toBe(original.frames.length);
    expect(comments(back.frames).flat()).toEqual([]);
  });
});
