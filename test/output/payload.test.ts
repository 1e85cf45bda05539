/**
 * -A: each segment's payload as text with its message starts marked. The
 * marks are checked against what the programs really sent: the recordings in
 * captures/ come with a trace of every send() (captures/README.md), each one
 * message, so the messages -A draws, joined across segments in each
 * direction, must be those sends, in order.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { payloadText } from '../../src/output/sanitize';
import { escCapture } from '../helpers/crafted';
import { CLI, ownCapture } from '../helpers/paths';

function run(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  return spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8' });
}

function synack(...args: string[]): string {
  const r = run(...args);
  expect(r.stderr).toBe('');
  expect(r.status).toBe(0);
  return r.stdout;
}

interface Shown {
  /** "sport → dport" of the frame's summary line. */
  ports: string;
  note: string;
  /** The payload lines joined: a line break follows every '↵' that is not the payload's last character. */
  text: string;
}

/** The frames -A printed a payload for. */
function shownPayloads(out: string): Shown[] {
  const shown: Shown[] = [];
  const lines = out.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const ports = /^ *\d+ .* (\d+ → \d+) /.exec(lines[i]);
    if (ports === null || !lines[i + 1]?.startsWith('        [')) continue;
    const note = lines[i + 1].trim();
    let text = '';
    for (i += 2; i < lines.length && lines[i].startsWith('        '); i++) text += lines[i].slice(8);
    i--;
    shown.push({ ports: ports[1], note, text });
  }
  return shown;
}

/** Messages per direction: pieces after a '▏' start one, pieces before any continue the last. */
function messagesByDirection(shown: Shown[]): Map<string, string[]> {
  const byDir = new Map<string, string[]>();
  for (const s of shown) {
    const msgs = byDir.get(s.ports) ?? [];
    byDir.set(s.ports, msgs);
    const pieces = s.text.split('▏');
    if (pieces[0] !== '') {
      if (msgs.length === 0) msgs.push('');
      msgs[msgs.length - 1] += pieces[0];
    }
    msgs.push(...pieces.slice(1));
  }
  return byDir;
}

interface TraceEvent {
  proto: string;
  op: string;
  local?: string;
  remote?: string;
  bytes?: number;
  text?: string;
}

/** The TCP send()s of a trace, by "local port → remote port", as -A renders text. */
function tcpSends(trace: string): Map<string, string[]> {
  const byDir = new Map<string, string[]>();
  for (const line of readFileSync(trace, 'utf8').split('\n')) {
    if (line === '') continue;
    const e = JSON.parse(line) as TraceEvent;
    if (e.proto !== 'tcp' || e.op !== 'send' || !e.bytes || e.text === undefined) continue;
    const key = `${e.local!.split(':').pop()} → ${e.remote!.split(':').pop()}`;
    const list = byDir.get(key) ?? [];
    byDir.set(key, list);
    list.push(payloadText(Buffer.from(e.text, 'latin1')));
  }
  return byDir;
}

describe('-A: payloads with their messages marked', () => {
  for (const file of ['burst-cork.pcap', 'burst-cork-length.pcap', 'burst-plain.pcap', 'burst-slow-reader.pcap', 'chat-demo.pcapng']) {
    it(`${file}: the marked messages are the programs' send()s, in order`, () => {
      const shown = messagesByDirection(shownPayloads(synack('-r', ownCapture(file), '-A')));
      const sent = tcpSends(ownCapture(file.replace(/\.pcap(ng)?$/, '.trace.jsonl')));
      expect(sent.size).toBeGreaterThan(0);
      for (const [dir, msgs] of sent) expect(shown.get(dir), dir).toEqual(msgs);
    });
  }

  it("burst-cork.pcap: the corked segment is one line per message under a note that says coalesced", () => {
    const out = synack('-r', ownCapture('burst-cork.pcap'), '-A', '-c', '4');
    expect(out.split('\n').slice(1)).toEqual(
      expect.arrayContaining([
        '        [5 messages in one segment: coalesced (lines)]',
        '        ▏msg 1↵',
        '        ▏msg 5↵',
      ]),
    );
  });

  it('split.pcap: a message larger than a segment says where it ends', () => {
    const shown = shownPayloads(synack('-r', ownCapture('split.pcap'), '-A'));
    expect(shown.some((s) => s.note.startsWith('[the end of a message begun in an earlier segment: split (lines)'))).toBe(true);
  });

  it('udp-chat.pcap: every datagram is one message', () => {
    const shown = shownPayloads(synack('-r', ownCapture('udp-chat.pcap'), '-A'));
    expect(shown.length).toBeGreaterThan(3);
    for (const s of shown) {
      expect(s.note).toMatch(/^\[datagram \d+ of this direction: one datagram, one message\]$/);
      expect(s.text.startsWith('▏')).toBe(true);
      expect(s.text.indexOf('▏', 1)).toBe(-1);
    }
  });

  it('escapes what the payload holds: no byte of it can drive the terminal', () => {
    const out = synack('-r', escCapture(), '-A');
    expect(out).toContain('\\x1b');
    expect(out).not.toMatch(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/u);
  });

  it('refuses -T fields and -T json, naming the fields that say the same', () => {
    const r = run('-r', ownCapture('burst-cork.pcap'), '-A', '-T', 'json');
    expect(r.status).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toContain('synack.msgs_in_segment');
  });
});
