/**
 * Packet comments in every output, against tshark 4.0 on
 * captures/chat-comments.pcapng: the "Packet comments" tree -V draws above
 * the frame, the Comments of -z expert, -T json -e, and -Y on frame.comment.
 * tshark writes a comment's control bytes raw; synack escapes them as it
 * escapes every captured text, so tshark's text is compared after the same
 * escaping (sanitize) of each comment, and no output of synack may carry a
 * control byte at all.
 */
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { openFile } from '../../src/capture/open';
import { decodeFrame } from '../../src/decode/index';
import { Packet } from '../../src/decode/packet';
import { compileFilter } from '../../src/filter/index';
import { compileColumns } from '../../src/output/fields';
import { JsonWriter } from '../../src/output/json';
import { OutBuf } from '../../src/output/outbuf';
import { isUnsafe, sanitize } from '../../src/output/sanitize';
import { CLI, ownCapture } from '../helpers/paths';
import { HAVE_TSHARK, oracleText } from '../oracle/tshark';

const FILE = ownCapture('chat-comments.pcapng');

function synack(args: readonly string[]): string {
  const r = spawnSync(process.execPath, [CLI, '-r', FILE, ...args], { encoding: 'utf8' });
  expect(r.stderr).toBe('');
  expect(r.status).toBe(0);
  return r.stdout;
}

interface TsharkPacket {
  _source: { layers: Record<string, string[]> };
}

/** tshark -T json -e: each frame's fields, values as strings (JSON escapes every control byte, so these are exact). */
function tsharkJson(fields: readonly string[]): Record<string, string[]>[] {
  const text = oracleText(FILE, ['-T', 'json', ...fields.flatMap((f) => ['-e', f])]).stdout;
  return (JSON.parse(text) as TsharkPacket[]).map((p) => p._source.layers);
}

/** tshark's text with every comment escaped as synack escapes it (longest first: no comment is part of another here). */
function escapeComments(text: string): string {
  const all = tsharkJson(['frame.comment']).flatMap((l) => l['frame.comment'] ?? []);
  expect(all.length).toBeGreaterThan(5);
  for (const c of [...new Set(all)].filter((c) => c !== '').sort((a, b) => b.length - a.length)) text = text.split(c).join(sanitize(c));
  return text;
}

/** The "Packet comments" trees of -V output, each with the line that follows it. */
function commentTrees(text: string): string[][] {
  const out: string[][] = [];
  let cur: string[] | null = null;
  for (const l of text.split('\n')) {
    if (cur !== null && !l.startsWith(' ')) {
      cur.push(l);
      cur = null;
    }
    if (l === 'Packet comments') out.push((cur = [l]));
    else if (cur !== null) cur.push(l);
  }
  return out;
}

async function eachPacket(each: (pkt: Packet) => void): Promise<void> {
  const pkt = new Packet();
  let n = 0;
  await openFile(FILE).run((frame) => {
    decodeFrame(pkt, frame, ++n);
    each(pkt);
  });
}

describe.skipIf(!HAVE_TSHARK)('packet comments against tshark 4.0', () => {
  it('-V: the "Packet comments" tree above the frame, each comment with its Comment expert item', () => {
    const ours = commentTrees(synack(['-V']));
    const theirs = commentTrees(escapeComments(oracleText(FILE, ['-V']).stdout));
    expect(ours.length).toBe(6);
    expect(ours).toEqual(theirs);
    for (const tree of ours) expect(tree[tree.length - 1]).toMatch(/^Frame \d+: /);
  });

  it('-z expert: the Comments rows, with everything else, byte for byte', () => {
    const ours = synack(['-q', '-z', 'expert']);
    expect(ours).toContain('\nComments (8)\n');
    expect(ours).toBe(escapeComments(oracleText(FILE, ['-q', '-z', 'expert']).stdout));
  });

  it('-T json -e: the comments of each frame, an array where there are several', async () => {
    const fields = ['frame.number', 'frame.comment', 'frame.comment.expert'];
    const theirs = tsharkJson(fields);
    const json = new JsonWriter(compileColumns(fields));
    const out = new OutBuf(-1);
    await eachPacket((pkt) => json.write(out, pkt));
    const ours = out.text().trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(ours.length).toBe(theirs.length);
    ours.forEach((o, i) => {
      expect(Object.keys(o), `frame ${i + 1}`).toEqual(Object.keys(theirs[i]));
      for (const [k, v] of Object.entries(o)) expect((Array.isArray(v) ? v : [v]).map(String), `frame ${i + 1} ${k}`).toEqual(theirs[i][k]);
    });
    expect(ours[3]['frame.comment']).toEqual(['the first message: hello', 'a second comment on the same frame, with a comma']);
  });

  const FILTERS = [
    'frame.comment', '!frame.comment', 'frame.comment.expert', 'frame.comment contains "hello"', 'frame.comment == "shown"',
    'frame.comment == ""', 'len(frame.comment) == 0', 'frame.comment matches "^the"', 'frame.comment ~ "COMMA"',
    'frame.comment contains "\\x1b"', 'frame.comment contains "é"', 'frame.comment contains "hidden"',
  ];
  it('-Y: the frames tshark selects, for each filter on comments', async () => {
    for (const text of FILTERS) {
      const f = compileFilter(text);
      if (!f.ok) throw new Error(`${text}: ${f.error.message}`);
      const ours: number[] = [];
      await eachPacket((pkt) => {
        if (f.match(pkt)) ours.push(pkt.number);
      });
      const theirs = oracleText(FILE, ['-Y', text, '-T', 'fields', '-e', 'frame.number']).stdout.split('\n').filter((l) => l !== '').map(Number);
      expect(ours, text).toEqual(theirs);
    }
  });
});

describe('packet comments never reach the terminal raw', () => {
  it('in the summary, -V, -T fields, -T json, -z expert: no control byte, C1 control or bidi override but line ends (and tabs between fields)', () => {
    const outputs = [
      synack([]),
      synack(['-V']),
      synack(['-T', 'fields', '-e', 'frame.number', '-e', 'frame.comment']),
      synack(['-T', 'json']),
      synack(['-q', '-z', 'expert']),
    ];
    for (const text of outputs) {
      for (const ch of text) {
        const c = ch.codePointAt(0)!;
        if (c !== 10 && c !== 9) expect(isUnsafe(c), `U+${c.toString(16)} in ${text.slice(0, 60)}`).toBe(false);
      }
    }
    // Not vacuous: the escapes are there.
    expect(outputs[1]).toContain('\\x1b]0;retitled\\x07');
    expect(outputs[3]).toContain('"frame.comment":"\\u001b]0;retitled\\u0007');
  });
});
