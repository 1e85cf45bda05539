/**
 * Damaged files: one line naming the file, the byte offset and what is
 * wrong; every frame before the damage delivered; no waiting for bytes that
 * cannot come. Where tshark 4.0 reads the same file, the frames before the
 * damage are compared with its output.
 */
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { CaptureParser } from '../../src/capture/parser';
import { CLI } from '../helpers/paths';
import { FRAME_FIELDS } from '../oracle/fields';
import { HAVE_TSHARK, oracle } from '../oracle/tshark';
import { concat, epb, ethFrame, idb, pcapHeader, pcapRecord, save, shb, usec, block } from './craft';
import { parseChunked, readFile } from './helpers';

const T = 1700000000;
const goodPcap = concat(pcapHeader(), pcapRecord(T, 1, ethFrame(1)), pcapRecord(T, 2, ethFrame(2)));
const goodNg = concat(shb(), idb(1), epb(0, usec(T, 1), ethFrame(1)));

/** Reads `bytes` saved as `name`: whole, and again one byte at a time and in odd chunks (a stream); all must agree. */
async function check(name: string, bytes: Uint8Array, frames: number, error: string | null, compare = true): Promise<string> {
  const path = save(name, bytes);
  const r = await readFile(path);
  expect(r.frames.length).toBe(frames);
  expect(r.error).toBe(error === null ? null : `synack: ${path}, ${error}`);
  for (const sizes of [[1], [7, 3, 64], [4096]]) {
    const s = parseChunked(bytes, sizes, path);
    expect(s.lines).toEqual(r.lines);
    expect(s.error).toBe(r.error);
  }
  if (HAVE_TSHARK && compare && r.error !== null) {
    // tshark stops at the same damage (or refuses the file): the frames before it agree.
    const o = oracle(path);
    expect(o.status).not.toBe(0);
    expect(r.lines).toEqual(o.rows.map((row) => FRAME_FIELDS.map((f) => row.get(f) ?? '').join('\t')));
  }
  return path;
}

describe('damaged pcap files', () => {
  it('bad magic: nothing delivered, the first bytes named', async () => {
    await check('bad-magic.pcap', concat(Uint8Array.of(0x12, 0x34, 0x56, 0x78), goodPcap.subarray(4)), 0, 'byte offset 0: not a pcap or pcapng capture (it starts with bytes 12 34 56 78)');
  });

  it('empty file (tshark prints nothing and exits 0; tcpdump and synack call it an error)', async () => {
    await check('empty.pcap', new Uint8Array(0), 0, 'byte offset 0: no capture data: the input is empty', false);
  });

  it('cut inside the file header', async () => {
    await check('cut-header.pcap', goodPcap.subarray(0, 20), 0, 'byte offset 0, frame 1: the file ends inside the pcap file header (20 of 24 bytes)');
  });

  it('cut inside a record header, after two good frames', async () => {
    await check('cut-rechdr.pcap', concat(goodPcap, pcapRecord(T, 3, ethFrame(3)).subarray(0, 10)), 2, 'byte offset 176, frame 3: the file ends inside a record header (10 of 16 bytes)');
  });

  it('cut in the middle of a frame, after two good frames', async () => {
    await check('cut-frame.pcap', concat(goodPcap, pcapRecord(T, 3, ethFrame(3)).subarray(0, 40)), 2, 'byte offset 176, frame 3: the file ends in the middle of a frame (24 of its 60 bytes)');
  });

  it('an absurd captured length stops at once, naming the limit tshark applies', async () => {
    const bad = pcapRecord(T, 3, ethFrame(3), { capLen: 262145 });
    await check('absurd.pcap', concat(goodPcap, bad), 2, 'byte offset 176, frame 3: record claims 262145 captured bytes; no frame of link type 1 can have more than 262144 (damaged file?)');
  });

  it('does not wait for the bytes of an absurd record: the error comes with its header', () => {
    const frames: number[] = [];
    const parser = new CaptureParser((f) => frames.push(f.capLen), '-');
    const bytes = concat(goodPcap, pcapRecord(T, 3, ethFrame(3), { capLen: 0x7fffffff }).subarray(0, 16));
    // The stream has not ended: the parser must refuse now, not buffer 2 GB first.
    expect(parser.feed(bytes, 0, bytes.length)).toBe(false);
    expect(frames).toEqual([60, 60]);
    expect(parser.error?.toString()).toBe('synack: -, byte offset 176, frame 3: record claims 2147483647 captured bytes; no frame of link type 1 can have more than 262144 (damaged file?)');
  });

  it('a too-short frame for its pseudo-header (SunATM) is damage, as in wiretap', async () => {
    await check('sunatm-short.pcap', concat(pcapHeader({ linkType: 123 }), pcapRecord(T, 1, Uint8Array.of(1, 2))), 0, 'byte offset 24, frame 1: a 2-byte frame of link type 123 is too short for its 4-byte pseudo-header');
  });
});

describe('damaged pcapng files', () => {
  it('block lengths that disagree: the frame before is delivered', async () => {
    const bad = epb(0, usec(T, 2), ethFrame(2));
    const b = Buffer.from(bad);
    b.writeUInt32LE(88, b.length - 4);
    await check('disagree.pcapng', concat(goodNg, b), 1, 'byte offset 140, frame 2: pcapng block lengths disagree: 92 at its start, 88 at its end');
  });

  it('cut in the middle of a block', async () => {
    await check('cut.pcapng', concat(goodNg, epb(0, usec(T, 2), ethFrame(2)).subarray(0, 50)), 1, 'byte offset 140, frame 2: the file ends in the middle of a pcapng block (50 of its 92 bytes)');
  });

  it('cut inside a skipped block', async () => {
    const nrb = block(4, new Uint8Array(40));
    await check('cut-skip.pcapng', concat(goodNg, nrb.subarray(0, 30)), 1, 'byte offset 140, frame 2: the file ends in the middle of a pcapng block (30 of its 52 bytes)');
  });

  it('a block length that is not a multiple of 4 is rounded up and read on, as tshark 4.0 reads it', async () => {
    /** `block` with its leading and trailing lengths rewritten. */
    const lengths = (block: Uint8Array, lead: number, trail: number): Uint8Array => {
      const b = Buffer.from(block);
      b.writeUInt32LE(lead, 4);
      b.writeUInt32LE(trail, b.length - 4);
      return b;
    };
    const e2 = epb(0, usec(T, 2), ethFrame(2));
    const e3 = epb(0, usec(T, 3), ethFrame(3));
    const n = e2.length;
    const variants: [string, Uint8Array, number][] = [
      // The trailer as written, or as rounded up: tshark takes either.
      ['odd-epb.pcapng', concat(goodNg, lengths(e2, n - 2, n - 2), e3), 3],
      ['odd-epb-padded-trailer.pcapng', concat(goodNg, lengths(e2, n - 3, n), e3), 3],
      ['odd-shb.pcapng', concat(lengths(shb(), 26, 28), idb(1), e2), 1],
      ['odd-idb.pcapng', concat(shb(), lengths(idb(1), 18, 18), e2, e3), 2],
    ];
    for (const [name, bytes, frames] of variants) {
      const path = await check(name, bytes, frames, null);
      if (HAVE_TSHARK) expect((await readFile(path)).lines, name).toEqual(oracle(path).rows.map((row) => FRAME_FIELDS.map((f) => row.get(f) ?? '').join('\t')));
    }
    // Rounded up, still too short for the frame: stopped there, as tshark stops.
    const b = Buffer.from(e2);
    b.writeUInt32LE(33, 4);
    await check('odd.pcapng', concat(goodNg, b), 1, 'byte offset 140, frame 2: enhanced packet block of 36 bytes is too short for its 60 captured bytes');
  });

  it('a block length larger than any block can be stops at once', async () => {
    const b = Buffer.from(epb(0, usec(T, 2), ethFrame(2)));
    b.writeUInt32LE(0x7ffffff0, 4);
    await check('huge.pcapng', concat(goodNg, b), 1, 'byte offset 140, frame 2: pcapng enhanced packet block length 2147483632 is larger than any such block can be (134348832)');
  });

  it('a captured length beyond the block', async () => {
    const b = Buffer.from(epb(0, usec(T, 2), ethFrame(2)));
    b.writeUInt32LE(80, 20);
    await check('short-epb.pcapng', concat(goodNg, b), 1, 'byte offset 140, frame 2: enhanced packet block of 92 bytes is too short for its 80 captured bytes');
  });

  it('a captured length beyond what the link type allows', async () => {
    const b = Buffer.from(epb(0, usec(T, 2), ethFrame(2)));
    b.writeUInt32LE(300000, 20);
    await check('absurd.pcapng', concat(goodNg, b), 1, 'byte offset 140, frame 2: enhanced packet block claims 300000 captured bytes; no frame of link type 1 can have more than 262144 (damaged file?)');
  });

  it('a packet for an interface the section does not describe', async () => {
    await check('no-iface.pcapng', concat(goodNg, epb(3, usec(T, 2), ethFrame(2))), 1, 'byte offset 140, frame 2: packet block for interface 3, but the section describes only 1');
  });

  it('a section header of an unknown major version', async () => {
    await check('v2.pcapng', concat(goodNg, shb('le', 2), idb(1), epb(0, usec(T, 2), ethFrame(2))), 1, 'byte offset 140, frame 2: pcapng version 2.0 is not supported (1.x is)');
  });
});

describe('the command line on damage', () => {
  it('prints the good frames, then exactly one line on stderr, and exits 2 without a stack trace', async () => {
    const path = save('cli-cut.pcap', concat(goodPcap, pcapRecord(T, 3, ethFrame(3)).subarray(0, 40)));
    const r = spawnSync(process.execPath, [CLI, '-r', path, '-T', 'fields', '-e', 'frame.number', '-e', 'frame.len'], { encoding: 'utf8' });
    expect(r.status).toBe(2);
    expect(r.stdout).toBe('1\t60\n2\t60\n');
    expect(r.stderr).toBe(`synack: ${path}, byte offset 176, frame 3: the file ends in the middle of a frame (24 of its 60 bytes)\n`);
  });

  it('a missing file is one line too', () => {
    const r = spawnSync(process.execPath, [CLI, '-r', '/nonexistent/x.pcap', '-T', 'fields', '-e', 'frame.number'], { encoding: 'utf8' });
    expect(r.status).toBe(2);
    expect(r.stderr).toBe('synack: /nonexistent/x.pcap: cannot open: no such file\n');
  });
});
