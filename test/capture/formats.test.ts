/**
 * The format variants real captures rarely show, built by hand and compared
 * with tshark 4.0: all four classic pcap variants, old pcap versions with
 * swapped length fields, FCS bits in the link type, and pcapng with several
 * sections in both byte orders, per-interface link types, every kind of
 * if_tsresol, if_tsoffset, simple and obsolete packet blocks, and blocks to
 * skip. Also: any chunking of the input gives the same frames.
 */
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { labCapturesIfPresent, ownCapture } from '../helpers/paths';
import { FRAME_FIELDS } from '../oracle/fields';
import { HAVE_TSHARK, oracle } from '../oracle/tshark';
import { block, concat, epb, ethFrame, idb, pb, pcapHeader, pcapRecord, save, shb, spb, usec, type Endian } from './craft';
import { parseChunked, readFile, type ReadResult } from './helpers';

const T = 1700000000;

function tsharkLines(path: string): string[] {
  return oracle(path).rows.map((row) => FRAME_FIELDS.map((f) => row.get(f) ?? '').join('\t'));
}

/** Reads the crafted file and checks it against tshark (when installed); returns synack's lines. */
async function sameAsTshark(name: string, bytes: Uint8Array): Promise<ReadResult> {
  const path = save(name, bytes);
  const r = await readFile(path);
  expect(r.error).toBeNull();
  if (HAVE_TSHARK) {
    expect(oracle(path).status).toBe(0);
    expect(r.lines).toEqual(tsharkLines(path));
  }
  return r;
}

describe('classic pcap variants', () => {
  for (const e of ['le', 'be'] as Endian[]) {
    for (const nano of [false, true]) {
      it(`${nano ? 'nanosecond' : 'microsecond'}, ${e === 'le' ? 'little' : 'big'}-endian`, async () => {
        const frac = nano ? 123456789 : 123456;
        const bytes = concat(
          pcapHeader({ e, nano }),
          pcapRecord(T, frac, ethFrame(1), { e }),
          pcapRecord(T + 1, 0, ethFrame(2).subarray(0, 40), { e, origLen: 60 }),
        );
        const r = await sameAsTshark(`v-${e}-${nano ? 'ns' : 'us'}.pcap`, bytes);
        expect(r.lines).toEqual([`1\t${T}.${nano ? '123456789' : '123456000'}\t60\t60\t`, `2\t${T + 1}.000000000\t60\t40\t`]);
      });
    }
  }

  it('format 2.2 stores orig_len before incl_len (wiretap swaps them back)', async () => {
    const bytes = concat(pcapHeader({ minor: 2 }), pcapRecord(T, 1, ethFrame(1).subarray(0, 40), { origLen: 40, capLen: 60 }));
    // Written as (incl=60, orig=40) in the 2.2 order means captured 40 of 60.
    const r = await sameAsTshark('v2.2.pcap', bytes.subarray(0, 24 + 16 + 40));
    expect(r.frames[0].capLen).toBe(40);
    expect(r.frames[0].origLen).toBe(60);
  });

  it('FCS bits in the link-type field are read as such, not rejected', async () => {
    // 0x04000000: FCS length present; top bits: 2 x 16 bits = 4 bytes.
    const r = await sameAsTshark('fcs.pcap', concat(pcapHeader({ linkType: 0x24000001 }), pcapRecord(T, 5, ethFrame(1))));
    expect(r.frames[0].linkType).toBe(1);
    expect(r.frames[0].fcsLen).toBe(4);
    const legacy = await sameAsTshark('fcs-legacy.pcap', concat(pcapHeader({ linkType: 0x30000001 }), pcapRecord(T, 5, ethFrame(1))));
    expect(legacy.frames[0].linkType).toBe(1);
    expect(legacy.frames[0].fcsLen).toBe(-1);
  });

  it('keeps a damaged record fraction as wiretap does, so the time prints as tshark prints it', async () => {
    const r = await sameAsTshark('bad-usec.pcap', concat(pcapHeader(), pcapRecord(T, 1999999, ethFrame(1)), pcapRecord(T, 4294967295, ethFrame(2))));
    expect(r.lines.map((l) => l.split('\t')[1])).toEqual([`${T}.1999999000`, `-${T}.000001000`]);
  });
});

describe('pcapng', () => {
  const pkt = ethFrame(7);

  it('several sections, in both byte orders, each with its own interface table', async () => {
    const bytes = concat(
      shb(), idb(1), idb(1), epb(1, usec(T, 0), pkt),
      shb(), idb(1), epb(0, usec(T + 1, 0), pkt),
      shb('be'), idb(1, { e: 'be' }), idb(1, { e: 'be' }), epb(1, usec(T + 2, 5), pkt, { e: 'be' }),
    );
    const r = await sameAsTshark('sections.pcapng', bytes);
    expect(r.lines.map((l) => l.split('\t')[4])).toEqual(['1', '0', '1']);
  });

  it('interfaces keep their own link type', async () => {
    const r = await sameAsTshark('linktypes.pcapng', concat(shb(), idb(1), idb(101), epb(0, usec(T, 1), pkt), epb(1, usec(T, 2), pkt)));
    expect(r.frames.map((f) => f.linkType)).toEqual([1, 101]);
  });

  const resolutions: [string, number, bigint][] = [
    ['milliseconds', 3, BigInt(T) * 1000n + 123n],
    ['seconds', 0, BigInt(T)],
    ['nanoseconds', 9, BigInt(T) * 1000000000n + 987654321n],
    ['picoseconds (the 64-bit product wraps, as in wiretap)', 12, 1700000n * 10n ** 12n + 999999999999n],
    ['10^-19', 19, 2n ** 64n - 1n],
    ['10^-20 (too fine: wiretap uses 2^64-1 units)', 20, 2n ** 64n - 1n],
    ['2^-10', 0x80 | 10, (BigInt(T) << 10n) + 1023n],
    ['2^-30', 0x80 | 30, (BigInt(T) << 30n) + (1n << 30n) - 1n],
    ['2^-40', 0x80 | 40, (1700000n << 40n) + (1n << 40n) - 1n],
  ];
  for (const [what, tsresol, ts] of resolutions) {
    it(`if_tsresol: ${what}`, async () => {
      await sameAsTshark(`tsresol-${tsresol}.pcapng`, concat(shb(), idb(1, { tsresol }), epb(0, ts, pkt)));
    });
  }

  it('if_tsoffset moves every time stamp, forwards or backwards', async () => {
    const r = await sameAsTshark('tsoffset.pcapng', concat(shb(), idb(1, { tsoffset: 1000n }), idb(1, { tsoffset: -1800000000n }), epb(0, usec(T, 123456), pkt), epb(1, usec(T, 123456), pkt)));
    expect(r.lines.map((l) => l.split('\t')[1])).toEqual([`${T + 1000}.123456000`, '-100000000.123456000']);
  });

  it('simple packet blocks: cut to the snapshot length, no time stamp (tshark prints none)', async () => {
    const r = await sameAsTshark('spb.pcapng', concat(shb(), idb(1, { snapLen: 40 }), spb(pkt.subarray(0, 40), 60), spb(pkt.subarray(0, 10), 10)));
    expect(r.lines).toEqual(['1\t\t60\t40\t0', '2\t\t10\t10\t0']);
  });

  it('obsolete packet blocks', async () => {
    await sameAsTshark('pb.pcapng', concat(shb(), idb(1), pb(0, usec(T, 654321), pkt)));
  });

  it('statistics, name resolution and unknown blocks are skipped', async () => {
    await sameAsTshark('skip.pcapng', concat(shb(), block(4, new Uint8Array(8)), idb(1), block(0x12345678, new Uint8Array(0)), epb(0, usec(T, 1), pkt), block(5, new Uint8Array(20))));
  });

  it('custom blocks are skipped too (tshark 4.0 shows each as a frame of its own)', async () => {
    const path = save('custom.pcapng', concat(shb(), block(0xbad, new Uint8Array(8)), idb(1), block(0x40000bad, new Uint8Array(8)), epb(0, usec(T, 1), pkt)));
    const r = await readFile(path);
    expect(r.lines).toEqual([`1\t${T}.000001000\t60\t60\t0`]);
  });
});

describe('chunking', () => {
  // pcap in both time resolutions, pcapng, IPv6 and Linux cooked from captures/, and the lab's where present.
  const inputs = [
    ...['tcp-chat.pcap', 'tcp-chat-ns.pcap', 'chat-demo.pcapng', 'tcp-chat-v6.pcap', 'tcp-chat-any.pcap'].map(ownCapture),
    ...labCapturesIfPresent('demo.pcap', 'demo.pcapng', 'demo-ns.pcap', 'v6.pcap'),
  ].map((path) => ({ path, bytes: readFileSync(path) }));

  it('any split of the input into chunks gives the same frames as reading the file', async () => {
    for (const { path, bytes } of inputs) {
      const whole = await readFile(path);
      expect(whole.error).toBeNull();
      fc.assert(
        fc.property(fc.array(fc.integer({ min: 1, max: 3000 }), { minLength: 1, maxLength: 20 }), (sizes) => {
          const r = parseChunked(bytes, sizes, path);
          expect(r.error).toBeNull();
          expect(r.lines).toEqual(whole.lines);
          expect(r.frames.map((f) => Buffer.from(f.data).toString('hex'))).toEqual(whole.frames.map((f) => Buffer.from(f.data).toString('hex')));
        }),
        { numRuns: 30 },
      );
    }
  });

  it('small file chunks (a record always straddles) give the same frames', async () => {
    for (const { path } of inputs) {
      const whole = await readFile(path);
      const small = await readFile(path, 100);
      expect(small.lines).toEqual(whole.lines);
    }
  });
});
