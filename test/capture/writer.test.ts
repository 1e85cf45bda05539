/**
 * Writing (-w) and random access: what is saved reads back as it was read,
 * by synack and by tshark; a file written frame by frame can be re-read at
 * any record while it grows; any frame of a file can be re-read from its
 * recordOffset alone.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { copyFrame, type Frame } from '../../src/capture/frame';
import { FileSource } from '../../src/capture/file';
import { openFile } from '../../src/capture/open';
import { FrameReader } from '../../src/capture/random';
import { openWriter } from '../../src/capture/writer';
import { CLI, CORPUS, HAVE_CORPUS, ownCapture } from '../helpers/paths';
import { FRAME_FIELDS } from '../oracle/fields';
import { HAVE_TSHARK, oracle } from '../oracle/tshark';
import { concat, epb, ethFrame, idb, pcapHeader, pcapRecord, save, shb, usec } from './craft';
import { readFile } from './helpers';

const T = 1700000000;
const hex = (f: Frame): string => Buffer.from(f.data.subarray(f.offset, f.offset + f.capLen)).toString('hex');

function tsharkLines(path: string): string[] {
  return oracle(path).rows.map((row) => FRAME_FIELDS.map((f) => row.get(f) ?? '').join('\t'));
}

/** Writes `frames` to `name` and returns the path. */
function write(name: string, frames: Frame[], hints = { linkType: 1, nanosecond: false }): string {
  const path = save(name, new Uint8Array(0));
  const w = openWriter(path, { source: hints });
  for (const f of frames) w.write(f);
  w.close();
  return path;
}

describe('-w round trips', () => {
  it('pcap: the same frames, times and bytes, for synack and for tshark', async () => {
    const original = await readFile(ownCapture('tcp-chat.pcap'));
    const path = write('rt.pcap', original.frames);
    const back = await readFile(path);
    expect(back.lines).toEqual(original.lines);
    expect(back.frames.map(hex)).toEqual(original.frames.map(hex));
    if (HAVE_TSHARK) expect(tsharkLines(path)).toEqual(tsharkLines(ownCapture('tcp-chat.pcap')));
  });

  it('pcapng: the same, with interface and nanosecond times kept', async () => {
    const original = await readFile(ownCapture('chat-demo.pcapng'));
    const path = write('rt.pcapng', original.frames, { linkType: 1, nanosecond: true });
    const back = await readFile(path);
    expect(back.lines).toEqual(original.lines);
    expect(back.frames.map(hex)).toEqual(original.frames.map(hex));
    if (HAVE_TSHARK) expect(tsharkLines(path)).toEqual(tsharkLines(ownCapture('chat-demo.pcapng')));
  });

  it('pcapng: each source interface keeps its name and description, sections kept apart', async () => {
    const src = save(
      'named.pcapng',
      concat(shb(), idb(1, { name: 'eth0', description: 'Ethernet card' }), idb(1), epb(0, usec(T, 1), ethFrame(1)), epb(1, usec(T, 2), ethFrame(2)), shb(), idb(1, { name: 'lo' }), epb(0, usec(T, 3), ethFrame(3))),
    );
    const path = write('named-out.pcapng', (await readFile(src)).frames);
    const back = await readFile(path);
    expect(back.frames.map((f) => [f.interfaceId, f.iface?.name, f.iface?.description])).toEqual([
      [0, 'eth0', 'Ethernet card'],
      [1, null, null],
      [2, 'lo', null],
    ]);
    if (HAVE_TSHARK) expect(oracle(path).rows.map((r) => r.get('frame.interface_name'))).toEqual(['eth0', 'unknown', 'lo']);
  });

  it('nanosecond pcap stays nanosecond', async () => {
    const original = await readFile(ownCapture('tcp-chat-ns.pcap'));
    const path = write('rt-ns.pcap', original.frames, { linkType: 1, nanosecond: true });
    expect(readFileSync(path).readUInt32LE(0)).toBe(0xa1b23c4d);
    expect((await readFile(path)).lines).toEqual(original.lines);
  });

  it('pcapng keeps several link types apart; classic pcap refuses a second one with a clear line', async () => {
    const src = save('two-links.pcapng', concat(shb(), idb(1), idb(101), epb(0, usec(T, 1), ethFrame(1)), epb(1, usec(T, 2), ethFrame(2))));
    const original = await readFile(src);
    const back = await readFile(write('two-links-out.pcapng', original.frames));
    expect(back.frames.map((f) => f.linkType)).toEqual([1, 101]);
    expect(back.lines).toEqual(original.lines);
    const path = save('two-links-out.pcap', new Uint8Array(0));
    const w = openWriter(path);
    w.write(original.frames[0]);
    expect(() => w.write(original.frames[1])).toThrow(
      'a frame of link type 101 cannot go into this pcap file, whose link type is 1; name the file .pcapng to keep both',
    );
    w.close();
  });

  it('an empty capture still makes a valid file, with the source link type', async () => {
    for (const name of ['empty-out.pcap', 'empty-out.pcapng']) {
      const path = write(name, [], { linkType: 113, nanosecond: false });
      const r = await readFile(path);
      expect(r.error).toBeNull();
      expect(r.frames).toEqual([]);
      if (HAVE_TSHARK) expect(oracle(path).status).toBe(0);
    }
  });

  it('the command line: -w with -c saves exactly the frames read; -w - sends the capture to standard output', () => {
    const out = save('cli-w.pcapng', new Uint8Array(0));
    const r = spawnSync(process.execPath, [CLI, '-r', ownCapture('tcp-chat.pcap'), '-c', '10', '-q', '-w', out], { encoding: 'utf8' });
    expect(r.status).toBe(0);
    expect(r.stderr).toBe('');
    const listed = spawnSync(process.execPath, [CLI, '-r', out, '-T', 'fields', '-e', 'frame.number'], { encoding: 'utf8' });
    expect(listed.stdout.trim().split('\n')).toHaveLength(10);
    const piped = spawnSync(process.execPath, [CLI, '-r', ownCapture('tcp-chat.pcap'), '-w', '-'], { maxBuffer: 1 << 26 });
    expect(piped.status).toBe(0);
    const back = save('cli-w-stdout.pcap', piped.stdout);
    const again = spawnSync(process.execPath, [CLI, '-r', back, '-T', 'fields', '-e', 'frame.number', '-e', 'frame.time_epoch', '-e', 'frame.len'], { encoding: 'utf8' });
    const direct = spawnSync(process.execPath, [CLI, '-r', ownCapture('tcp-chat.pcap'), '-T', 'fields', '-e', 'frame.number', '-e', 'frame.time_epoch', '-e', 'frame.len'], { encoding: 'utf8' });
    expect(again.stdout).toBe(direct.stdout);
  });
});

describe.skipIf(!HAVE_TSHARK)('-w keeps what tshark -w keeps', () => {
  const tsharkWrite = (src: string, out: string, format: string): Buffer => {
    const r = spawnSync('tshark', ['-r', src, '-F', format, '-w', out], { encoding: 'utf8' });
    expect(r.status).toBe(0);
    return readFileSync(out);
  };
  const synackWrite = (src: string, out: string): Buffer => {
    const r = spawnSync(process.execPath, [CLI, '-r', src, '-q', '-w', out], { encoding: 'utf8' });
    expect(r.stderr).toBe('');
    return readFileSync(out);
  };

  it('a pcap saved as pcap keeps the header\'s snapshot length (here 96, frames cut to it)', () => {
    const src = save('snap96.pcap', concat(pcapHeader({ snapLen: 96 }), pcapRecord(T, 5, ethFrame(1).subarray(0, 60), { origLen: 1514 })));
    const ours = synackWrite(src, save('snap96-synack.pcap', new Uint8Array(0)));
    const theirs = tsharkWrite(src, save('snap96-tshark.pcap', new Uint8Array(0)), 'pcap');
    expect(ours.readUInt32LE(16)).toBe(96);
    expect(ours.subarray(0, 24)).toEqual(theirs.subarray(0, 24));
  });

  it('a microsecond capture saved as pcapng stays microsecond (if_tsresol 6): tshark shows the same times', () => {
    const src = ownCapture('tcp-chat.pcap');
    const ours = save('usec-synack.pcapng', synackWrite(src, save('usec-synack.pcapng', new Uint8Array(0))));
    const theirs = save('usec-tshark.pcapng', tsharkWrite(src, save('usec-tshark.pcapng', new Uint8Array(0)), 'pcapng'));
    const times = (f: string): string => spawnSync('tshark', ['-r', f, '-T', 'fields', '-e', 'frame.time_epoch', '-e', 'frame.time_relative'], { encoding: 'utf8' }).stdout;
    expect(times(ours)).toBe(times(theirs));
    const summary = (f: string): string => spawnSync('tshark', ['-r', f], { encoding: 'utf8' }).stdout;
    expect(summary(ours)).toBe(summary(theirs));
    expect(summary(ours)).toMatch(/^ +1 +0\.000000 /);
  });
});

describe('-w on the command line prints as tshark -w does', () => {
  const run = (args: string[]): string => {
    const r = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8' });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    return r.stdout;
  };

  it('-w alone prints no frames; -P prints them as without -w; -z still prints its table', () => {
    const src = ownCapture('tcp-chat.pcap');
    const out = save('cli-quiet.pcap', new Uint8Array(0));
    expect(run(['-r', src, '-w', out])).toBe('');
    expect(readFileSync(out).length).toBe(readFileSync(src).length);
    expect(run(['-r', src, '-w', out, '-P'])).toBe(run(['-r', src]));
    expect(run(['-r', src, '-w', out, '-z', 'conv,tcp'])).toBe(run(['-r', src, '-q', '-z', 'conv,tcp']));
  });

  it('a capture named without -r is opened, as termshark does', () => {
    const src = ownCapture('tcp-chat.pcap');
    expect(run([src])).toBe(run(['-r', src]));
  });
});

describe('-w refuses what would do harm', () => {
  it('the file being read is not overwritten (one line, the file intact)', () => {
    const path = save('same.pcap', readFileSync(ownCapture('tcp-chat.pcap')));
    const r = spawnSync(process.execPath, [CLI, '-r', path, '-q', '-w', path], { encoding: 'utf8' });
    expect(r.status).toBe(2);
    expect(r.stderr).toBe(`synack: ${path}: -w names the file being read; saving would destroy it before it is read\n`);
    expect(Buffer.compare(readFileSync(path), readFileSync(ownCapture('tcp-chat.pcap')))).toBe(0);
  });

  it.skipIf(spawnSync('sh', ['-c', 'command -v script'], { stdio: 'ignore' }).status !== 0)('-w - on a terminal: packet bytes never reach it', () => {
    // script(1) runs synack with a pseudo-terminal as standard output.
    const r = spawnSync('script', ['-qec', `'${process.execPath}' '${CLI}' -r '${ownCapture('tcp-chat.pcap')}' -w -`, '/dev/null'], { encoding: 'latin1' });
    expect(r.status).toBe(2);
    expect(r.stdout.trim()).toBe('synack: -w -: standard output is a terminal: -w - writes a binary capture; pipe it into a program or name a file');
  });
});

/** Every frame of `path` with its recordOffset, in file order. */
async function sequential(path: string): Promise<{ source: FileSource; frames: Frame[] }> {
  const source = openFile(path) as FileSource;
  const frames: Frame[] = [];
  const end = await source.run((f) => frames.push(copyFrame(f)));
  expect(end.kind).toBe('eof');
  return { source, frames };
}

function shuffled<T>(xs: T[]): T[] {
  const out = xs.slice();
  let seed = 12345;
  for (let i = out.length - 1; i > 0; i--) {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    const j = seed % (i + 1);
    [out[i], out[j]] = [out[j], out[i]];
  }
  return out;
}

describe('random access by recordOffset', () => {
  const multiSection = (): string =>
    save(
      'ra-sections.pcapng',
      concat(
        shb(), idb(1, { tsresol: 9 }), epb(0, 1700000000123456789n, ethFrame(1)),
        shb('be'), idb(101, { e: 'be' }), idb(1, { e: 'be' }), epb(1, usec(T, 5), ethFrame(2), { e: 'be' }), epb(0, usec(T, 6), ethFrame(3), { e: 'be' }),
      ),
    );
  const cases = (): string[] => [ownCapture('tcp-chat.pcap'), ownCapture('chat-demo.pcapng'), ownCapture('tcp-chat-ns.pcap'), ...(HAVE_CORPUS ? [`${CORPUS}/tcpdump/pptp.pcap`] : []), multiSection()];

  it('re-reads every frame, in any order, with the loading parser tables or by scanning on its own', async () => {
    for (const path of cases()) {
      const { source, frames } = await sequential(path);
      for (const reader of [source.frameReader(), new FrameReader(path)]) {
        for (const want of shuffled(frames)) {
          const got = reader.read(want.recordOffset);
          if (!('data' in got)) throw got;
          expect({ ...copyFrame(got), data: hex(got) }, path).toEqual({ ...want, data: hex(want) });
        }
        reader.close();
      }
    }
  });

  it('an offset that is not a frame record is reported, not misread', async () => {
    const path = ownCapture('chat-demo.pcapng');
    const r = new FrameReader(path).read(0);
    expect(r.toString()).toMatch(/^synack: .*demo\.pcapng, byte offset 0: /);
    const { frames } = await sequential(path);
    expect(new FrameReader(path).read(frames[1].recordOffset - 4).toString()).toMatch(/byte offset \d+: /);
  });

  it('a spill file written frame by frame can be re-read while it grows', async () => {
    const { frames } = await sequential(ownCapture('chat-demo.pcapng'));
    const path = save('spill.pcapng', new Uint8Array(0));
    const w = openWriter(path, { flushEach: true });
    const reader = new FrameReader(path);
    for (const f of frames) {
      const at = w.write(f);
      const got = reader.read(at);
      if (!('data' in got)) throw got;
      expect(hex(got)).toBe(hex(f));
      expect([got.tsSec, got.tsNsec, got.origLen]).toEqual([f.tsSec, f.tsNsec, f.origLen]);
    }
    w.close();
    reader.close();
  });
});
