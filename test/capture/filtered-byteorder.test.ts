/**
 * Capture filters on BSD loopback captures written big-endian, against
 * tcpdump (libpcap 1.10) reading the same files. DLT_NULL's 4-byte AF_ word
 * is in the byte order of the host that wrote the file, and libpcap
 * compares it in the file's order (gen_loopback_linktype swaps it when the
 * savefile is swapped); DLT_LOOP's is in network order whatever the file's.
 *
 * The frames: BSD loopback frames made from captures/ (Ethernet on lo, its
 * header replaced by an AF_ word: IPv4, IPv6 under all three BSD values, ARP
 * under an AF_ no filter names), and the corpus's DLT_NULL captures where
 * present. Each is written as a little-endian and as a big-endian host would
 * have written it (file header, record headers and AF_ word), as pcap and
 * pcapng; frame i is stamped second i + 1, so a kept frame is known by its
 * time stamp in both tools' output.
 */
import { execFile, spawnSync } from 'node:child_process';
import { fstatSync, openSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FileSource } from '../../src/capture/file';
import { FilteredSource } from '../../src/capture/filtered';
import { CLI, CORPUS, HAVE_CORPUS, ownCapture } from '../helpers/paths';
import { concat, epb, idb, pcapHeader, pcapRecord, save, shb, usec, type Endian } from './craft';

const HAVE_TCPDUMP = spawnSync('tcpdump', ['--version']).status === 0;
if (!HAVE_TCPDUMP) console.warn('capture filters on big-endian BSD loopback files: skipped, tcpdump (libpcap 1.10) is not installed');
if (!HAVE_CORPUS) console.warn(`capture filters on big-endian BSD loopback files: the corpus's DLT_NULL captures are absent (${CORPUS}); frames made from captures/ only`);

const DLT_NULL = 0;
const DLT_LOOP = 108;

/** A loopback frame: its AF_ value, the network-layer bytes after the AF_ word, and the length on the wire. */
interface LoopFrame {
  readonly af: number;
  readonly payload: Uint8Array;
  readonly origLen: number;
}

async function readFrames(path: string, fn: (data: Uint8Array, linkType: number, origLen: number) => void): Promise<void> {
  const fd = openSync(path, 'r');
  await new FileSource(path, fd, fstatSync(fd).size).run((f) => fn(Uint8Array.prototype.slice.call(f.data, f.offset, f.offset + f.capLen), f.linkType, f.origLen));
}

/** Ethernet frames of captures/ as a BSD host's loopback would carry them. */
async function fromOwnCaptures(): Promise<LoopFrame[]> {
  const out: LoopFrame[] = [];
  let v6 = 0;
  for (const name of ['tcp-chat.pcap', 'tcp-chat-v6.pcap', 'udp-chat.pcap', 'arp-ping.pcap']) {
    await readFrames(ownCapture(name), (d, _lt, origLen) => {
      const type = (d[12] << 8) | d[13];
      // IPv6 as NetBSD/OpenBSD (24), FreeBSD (28) and Darwin (30) number it; ARP has no AF_ (7 is OSI's).
      const af = type === 0x0800 ? 2 : type === 0x86dd ? [24, 28, 30][v6++ % 3] : 7;
      out.push({ af, payload: d.subarray(14), origLen: origLen - 10 });
    });
  }
  return out;
}

/** The corpus's DLT_NULL captures (all written little-endian), by its index. */
async function fromCorpus(): Promise<LoopFrame[]> {
  if (!HAVE_CORPUS) return [];
  const files = readFileSync(join(CORPUS, 'tcpdump-index.tsv'), 'utf8')
    .split('\n')
    .map((l) => l.split('\t'))
    .filter((c) => c[0] === 'tcpdump' && c[7] === 'NULL(0)')
    .map((c) => join(CORPUS, 'tcpdump', c[1]));
  expect(files.length).toBeGreaterThan(10);
  const out: LoopFrame[] = [];
  for (const file of files) {
    await readFrames(file, (d, lt, origLen) => {
      if (lt !== DLT_NULL || d.length < 4) return;
      out.push({ af: Buffer.from(d.buffer, d.byteOffset, 4).readUInt32LE(0), payload: d.subarray(4), origLen });
    });
  }
  return out;
}

/** The frame as a host of byte order `e` wrote it: DLT_NULL's AF_ word in that order, DLT_LOOP's in network order. */
function frameBytes(f: LoopFrame, linkType: number, e: Endian): Uint8Array {
  const hdr = Buffer.alloc(4);
  if (linkType === DLT_LOOP || e === 'be') hdr.writeUInt32BE(f.af);
  else hdr.writeUInt32LE(f.af);
  return concat(hdr, f.payload);
}

function pcapFile(frames: readonly LoopFrame[], linkType: number, e: Endian): Uint8Array {
  return concat(pcapHeader({ e, linkType, snapLen: 262144 }), ...frames.map((f, i) => pcapRecord(i + 1, 0, frameBytes(f, linkType, e), { e, origLen: f.origLen })));
}

/** One pcapng section of byte order `e` holding frames[from, to), stamped as in every other file. */
function pcapngSection(frames: readonly LoopFrame[], e: Endian, from = 0, to = frames.length): Uint8Array {
  const blocks = [shb(e), idb(DLT_NULL, { e })];
  for (let i = from; i < to; i++) blocks.push(epb(0, usec(i + 1, 0), frameBytes(frames[i], DLT_NULL, e), { e, origLen: frames[i].origLen }));
  return concat(...blocks);
}

/** The time stamps (seconds) of the frames `tcpdump -r file expr` keeps, from the pcap it writes (host order: little-endian here). */
function tcpdumpKeeps(file: string, expr: string): Promise<number[]> {
  return new Promise((resolve, reject) => {
    execFile('tcpdump', ['-r', file, '-w', '-', '--', expr], { encoding: 'buffer', timeout: 10_000, maxBuffer: 1 << 24 }, (err, out, stderr) => {
      if (err !== null) return reject(new Error(`tcpdump -r ${file} '${expr}': ${stderr.toString()}`));
      if (out.readUInt32LE(0) !== 0xa1b2c3d4) return reject(new Error('tcpdump -w - wrote an unexpected header'));
      const kept: number[] = [];
      for (let p = 24; p + 16 <= out.length; p += 16 + out.readUInt32LE(p + 8)) kept.push(out.readUInt32LE(p));
      resolve(kept);
    });
  });
}

async function synackKeeps(file: string, expr: string): Promise<number[]> {
  const fd = openSync(file, 'r');
  const kept: number[] = [];
  const end = await new FilteredSource(new FileSource(file, fd, fstatSync(fd).size), expr).run((f) => kept.push(f.tsSec));
  expect(end.kind).toBe('eof');
  return kept;
}

/** `synack -r - expr` with `bytes` piped in: the stream reader and open.ts's path. */
function synackStdinKeeps(bytes: Uint8Array, expr: string): number[] {
  const r = spawnSync(process.execPath, [CLI, '-r', '-', '-T', 'fields', '-e', 'frame.time_epoch', expr], { input: bytes, encoding: 'utf8', timeout: 30_000 });
  expect(r.stderr).toBe('');
  expect(r.status).toBe(0);
  return r.stdout.split('\n').filter((l) => l !== '').map((l) => Number.parseInt(l, 10));
}

const EXPRESSIONS = ['ip', 'ip6', 'not ip', 'tcp', 'udp', 'tcp port 8080', 'ip6 and udp port 443', 'not (ip or ip6)', 'ip or ip6 and udp', 'ip and tcp or ip6'];

describe.skipIf(!HAVE_TCPDUMP)('capture filters on BSD loopback files of either byte order, against tcpdump', async () => {
  const frames = [...(await fromOwnCaptures()), ...(await fromCorpus())];
  const files = {
    nullLePcap: save('byteorder-null-le.pcap', pcapFile(frames, DLT_NULL, 'le')),
    nullBePcap: save('byteorder-null-be.pcap', pcapFile(frames, DLT_NULL, 'be')),
    nullLePcapng: save('byteorder-null-le.pcapng', pcapngSection(frames, 'le')),
    nullBePcapng: save('byteorder-null-be.pcapng', pcapngSection(frames, 'be')),
    loopLePcap: save('byteorder-loop-le.pcap', pcapFile(frames, DLT_LOOP, 'le')),
    loopBePcap: save('byteorder-loop-be.pcap', pcapFile(frames, DLT_LOOP, 'be')),
  };

  for (const [name, file] of Object.entries(files)) {
    it(`${name}: keeps the frames tcpdump keeps, for ${EXPRESSIONS.length} expressions`, async () => {
      const want = await Promise.all(EXPRESSIONS.map((x) => tcpdumpKeeps(file, x)));
      for (let i = 0; i < EXPRESSIONS.length; i++) {
        expect({ expr: EXPRESSIONS[i], kept: await synackKeeps(file, EXPRESSIONS[i]) }).toEqual({ expr: EXPRESSIONS[i], kept: want[i] });
      }
    });
  }

  it('the files differ where it matters: tcpdump keeps the same frames in either byte order, and some of each kind', async () => {
    for (const x of ['ip', 'ip6', 'not (ip or ip6)']) {
      const le = await tcpdumpKeeps(files.nullLePcap, x);
      expect(le.length).toBeGreaterThan(0);
      for (const f of [files.nullBePcap, files.nullLePcapng, files.nullBePcapng, files.loopLePcap, files.loopBePcap]) expect(await tcpdumpKeeps(f, x)).toEqual(le);
    }
    // A test of the AF_ word's bytes themselves sees the byte order: the big-endian file's word is another.
    expect(await tcpdumpKeeps(files.nullBePcap, 'link[0] = 2')).toEqual([]);
    expect(await tcpdumpKeeps(files.nullLePcap, 'link[0] = 2')).toEqual(await tcpdumpKeeps(files.nullLePcap, 'ip'));
  });

  it('a pcapng file whose sections differ in byte order: each section filtered in its own (libpcap refuses such a file)', async () => {
    const half = frames.length >> 1;
    const mixed = save('byteorder-null-mixed.pcapng', concat(pcapngSection(frames, 'le', 0, half), pcapngSection(frames, 'be', half)));
    // libpcap stops at the second section (reading its block length in the first section's order).
    const refused = spawnSync('tcpdump', ['-r', mixed, 'ip'], { encoding: 'utf8' });
    expect(refused.status).not.toBe(0);
    expect(refused.stderr).toMatch(/tcpdump: pcap_loop: /);
    for (const x of ['ip', 'ip6', 'not ip']) {
      const le = (await tcpdumpKeeps(files.nullLePcapng, x)).filter((t) => t <= half);
      const be = (await tcpdumpKeeps(files.nullBePcapng, x)).filter((t) => t > half);
      expect({ expr: x, kept: await synackKeeps(mixed, x) }).toEqual({ expr: x, kept: [...le, ...be] });
    }
  });

  it('standard input (synack -r - EXPR): a big-endian pcap and pcapng stream, as tcpdump reads the file', async () => {
    for (const file of [files.nullBePcap, files.nullBePcapng]) {
      const bytes = readFileSync(file);
      for (const x of ['ip6', 'not ip']) expect({ file, expr: x, kept: synackStdinKeeps(bytes, x) }).toEqual({ file, expr: x, kept: await tcpdumpKeeps(file, x) });
    }
  });
});
