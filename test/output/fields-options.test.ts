/**
 * -T fields with tshark's -E options, against tshark 4.0 on the same capture
 * (its output cached by test/oracle/tshark.ts): quotes, occurrences,
 * aggregators and separators in combination, on fields that occur several
 * times in a frame (ip.addr, tcp.port, tcp.option_kind), once, or not at all.
 */
import { closeSync, mkdtempSync, openSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openFile } from '../../src/capture/open';
import { decodeFrame } from '../../src/decode/index';
import { Packet } from '../../src/decode/packet';
import { compileColumns, DEFAULT_FIELDS_OPTIONS, writeRow } from '../../src/output/fields';
import { OutBuf } from '../../src/output/outbuf';
import { ownCapture } from '../helpers/paths';
import { HAVE_TSHARK, oracleText } from '../oracle/tshark';
import { parseOptions, UsageError } from '../../src/options';
import { runFields } from './run-fields';

const FIELDS = ['ip.addr', 'tcp.port', 'tcp.option_kind', 'frame.number', 'dns.a', 'tcp.analysis.acks_frame'].flatMap((f) => ['-e', f]);

describe.skipIf(!HAVE_TSHARK)('-T fields -E against tshark 4.0', () => {
  const quoting = [
    ['quote=d'],
    ['quote=s'],
    ['quote=n'],
    ['quote=d', 'occurrence=f'],
    ['quote=d', 'occurrence=l'],
    ['quote=s', 'occurrence=a', 'aggregator=;'],
  ];
  for (const file of ['tcp-chat.pcap', 'chat-demo.pcapng']) {
    for (const e of quoting) {
      const args = ['-T', 'fields', ...FIELDS, ...e.flatMap((o) => ['-E', o])];
      it(`${file} ${e.map((o) => `-E ${o}`).join(' ')}: the quotes enclose the whole column, as tshark's`, async () => {
        const theirs = oracleText(ownCapture(file), args);
        expect(theirs.status).toBe(0);
        const ours = await runFields(ownCapture(file), args);
        expect(ours).toBe(theirs.stdout);
        // The comparison means something: repeated fields and empty columns are both there.
        if (e[0] === 'quote=d' && e.length === 1) {
          expect(ours).toContain('"127.0.0.1,127.0.0.1"');
          expect(ours).toMatch(/\t\t/);
        }
      });
    }
  }
});

/**
 * -E values as tshark's output_fields_set_option() reads them: the first
 * character of the value counts, '/t' and '/s' name a tab and a space, any
 * other '/x' is a backslash (aggregator has no '/t'), bom=y writes a BOM.
 */
const ACCEPTED = [
  ['header=yes'],
  ['header=nope'],
  ['separator=/x'],
  ['separator=,,'],
  ['separator=/s'],
  ['aggregator=/t'],
  ['aggregator=/s'],
  ['aggregator=;;'],
  ['quote=double', 'occurrence=first'],
  ['occurrence=last'],
  ['bom=y', 'header=y', 'separator=,'],
  ['bom=n'],
];

/** What tshark refuses ("... is not a valid field output option=value pair", exit 1): upper case, unknown letters and names, empty values. */
const REFUSED = ['header=Y', 'header=', 'header', 'bom=Y', 'bom=x', 'quote=x', 'occurrence=x', 'occurrence=', 'foo=y', '=y', ''];

describe.skipIf(!HAVE_TSHARK)('-E parsing against tshark 4.0', () => {
  const file = ownCapture('tcp-chat.pcap');
  for (const e of ACCEPTED) {
    const args = ['-T', 'fields', '-e', 'ip.addr', '-e', 'tcp.port', '-e', 'frame.number', ...e.flatMap((o) => ['-E', o])];
    it(`accepts ${e.map((o) => `-E ${o}`).join(' ')} and prints what tshark prints`, async () => {
      const theirs = oracleText(file, args);
      expect(theirs.status).toBe(0);
      expect(await runFields(file, args)).toBe(theirs.stdout);
    });
  }
  for (const e of REFUSED) {
    it(`refuses -E '${e}' as tshark does, in one line naming it`, () => {
      const theirs = oracleText(file, ['-T', 'fields', '-e', 'ip.addr', '-E', e]);
      expect(theirs.status).not.toBe(0);
      expect(theirs.stderr).toContain('is not a valid field output option=value pair');
      expect(() => parseOptions(['-E', e])).toThrow(UsageError);
      try {
        parseOptions(['-E', e]);
      } catch (err) {
        expect((err as Error).message).toMatch(new RegExp(`^-E ${e.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: `));
        expect((err as Error).message).not.toContain('\n');
      }
    });
  }
  it('bom=y puts the UTF-8 byte order mark before the header, as tshark', async () => {
    const out = await runFields(file, ['-T', 'fields', '-e', 'frame.number', '-E', 'bom=y', '-E', 'header=y']);
    expect(out.startsWith('\ufeffframe.number\n1\n')).toBe(true);
  });
});

describe('-E occurrence=l', () => {
  it('prints the last occurrence even when the output buffer is flushed in the middle of a row', async () => {
    const cols = compileColumns(['tcp.option_kind', 'ip.addr']);
    const opts = { ...DEFAULT_FIELDS_OPTIONS, occurrence: 'l' as const };
    const path = join(mkdtempSync(join(tmpdir(), 'synack-occ-')), 'out.txt');
    const fd = openSync(path, 'w');
    // 7 bytes: every row flushes partway, between the occurrences of a field.
    const tiny = new OutBuf(fd, 7);
    const memory = new OutBuf(-1);
    const pkt = new Packet();
    let n = 0;
    await openFile(ownCapture('tcp-chat.pcap')).run((frame) => {
      decodeFrame(pkt, frame, ++n);
      writeRow(tiny, pkt, cols, opts);
      writeRow(memory, pkt, cols, opts);
    });
    tiny.flush();
    closeSync(fd);
    expect(memory.text().split('\n')[0]).toBe('3\t127.0.0.1');
    expect(readFileSync(path, 'utf8')).toBe(memory.text());
  });
});
