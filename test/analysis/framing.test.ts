/**
 * Message framing: detection from a direction's first bytes, --framing
 * parsing, the splitter's counts per segment (messages starting / ending,
 * coalesced, split), message records with their frames, and Nagle evidence.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { FRAMING_NAMES, parseFraming, type TcpConnection } from '../../src/analysis/index';
import { AUTO_FRAMING, detectFraming, FRAMING_LENGTH1, FRAMING_LENGTH2, FRAMING_LENGTH4, FRAMING_LINES, FRAMING_NONE, FRAMING_UNDECIDED } from '../../src/analysis/framing';
import { CAPTURES, HAVE_CORPUS, labCapture } from '../helpers/paths';
import { analyse, Conversation } from './craft';
import { analyseFile } from './run';

const bytes = (...parts: (string | number[])[]): Uint8Array => Uint8Array.from(parts.flatMap((p) => (typeof p === 'string' ? [...Buffer.from(p, 'latin1')] : p)));
const detect = (b: Uint8Array, final = false, choice = AUTO_FRAMING): string => FRAMING_NAMES[detectFraming(b, b.length, final, choice)];

describe('detection', () => {
  it('lines: text with a line feed', () => {
    expect(detect(bytes('hello\n'))).toBe('lines');
    expect(detect(bytes('GET / HTTP/1.1\r\nHost: x\r\n\r\n'))).toBe('lines');
  });
  it('length prefixes of 4 and 2 bytes that account for the bytes exactly', () => {
    expect(detect(bytes([0, 0, 0, 5], 'hello'))).toBe('length4');
    expect(detect(bytes([0, 5], 'hello', [0, 3], 'bye'))).toBe('length2');
    // Five 2-byte-prefixed messages in one segment (the corked burst of captures/burst-cork-length.pcap).
    expect(detect(bytes(...[1, 2, 3, 4, 5].flatMap((i) => [[0, 5], `msg ${i}`])))).toBe('length2');
  });
  it('a 1-byte prefix needs two messages to be believed', () => {
    expect(detect(bytes([3], 'abc'))).toBe('undecided');
    expect(detect(bytes([3], 'abc', [2], 'de'))).toBe('length1');
  });
  it('text without a line feed waits, then is not framed', () => {
    expect(detect(bytes('hello'))).toBe('undecided');
    expect(detect(bytes('hello'), true)).toBe('none');
    expect(detect(bytes([0xff, 0x00, 0x13, 0x37]), true)).toBe('none');
  });
  it('the verdict of the rules as written (a plain, slow restatement) on any bytes', () => {
    // The rules: exact 4-, 2-byte length walks, text with a line feed (9 in 10 printable), an exact 1-byte walk.
    const walk = (b: Uint8Array, w: number): number => {
      let p = 0;
      let msgs = 0;
      while (p < b.length) {
        if (p + w > b.length) return -1;
        let len = 0;
        for (let k = 0; k < w; k++) len = len * 256 + b[p + k];
        if (len > 1 << 24) return -1;
        p += w + len;
        if (p > b.length) return -1;
        msgs++;
      }
      return msgs;
    };
    const printable = (c: number): boolean => (c >= 0x20 && c < 0x7f) || c === 0x0a || c === 0x0d || c === 0x09 || c >= 0x80;
    const rules = (b: Uint8Array, final: boolean, anyWidth: boolean): number => {
      if (b.length === 0) return final ? FRAMING_NONE : FRAMING_UNDECIDED;
      const w4 = walk(b, 4);
      if (w4 >= 1 && b[0] === 0) return FRAMING_LENGTH4;
      const w2 = walk(b, 2);
      if (w2 >= 1 && (w2 >= 2 || b[0] === 0 || anyWidth)) return FRAMING_LENGTH2;
      if (!anyWidth && b.includes(0x0a) && b.filter(printable).length * 10 >= b.length * 9) return FRAMING_LINES;
      const w1 = walk(b, 1);
      if (w1 >= 2 || (w1 >= 1 && anyWidth)) return FRAMING_LENGTH1;
      if (w4 >= 1) return FRAMING_LENGTH4;
      if (b.length >= 2048 || final) return anyWidth ? FRAMING_LENGTH4 : FRAMING_NONE;
      return FRAMING_UNDECIDED;
    };
    // Text with a few control bytes (around the 9-in-10 line), length-prefixed runs, and anything.
    const text = fc.array(fc.oneof({ weight: 9, arbitrary: fc.constantFrom(0x61, 0x20, 0x0a, 0x0d, 0x09, 0xe9) }, { weight: 1, arbitrary: fc.constantFrom(0x00, 0x01, 0x1f, 0x7f, 0x0b) }), { maxLength: 120 });
    const prefixed = fc.array(fc.uint8Array({ maxLength: 20 }), { maxLength: 5 }).map((ms) => ms.flatMap((m) => [0, m.length, ...m]));
    const bytesArb = fc.oneof(text, prefixed, fc.array(fc.integer({ min: 0, max: 255 }), { maxLength: 60 }));
    fc.assert(
      fc.property(bytesArb, fc.boolean(), fc.boolean(), (arr, final, anyWidth) => {
        const b = Uint8Array.from(arr);
        const choice = anyWidth ? parseFraming('length') : AUTO_FRAMING;
        expect(detectFraming(b, b.length, final, choice)).toBe(rules(b, final, anyWidth));
      }),
      { numRuns: 2000 },
    );
  });
  it('the same verdict on bytes in place (a first segment inside its frame) as on a copy', () => {
    const samples = [bytes('hello\n'), bytes([0, 0, 0, 5], 'hello'), bytes([0, 5], 'hello', [0, 3], 'bye'), bytes([3], 'abc', [2], 'de'), bytes('hello'), bytes([0xff, 0x00, 0x13, 0x37])];
    for (const s of samples) {
      const frame = bytes([0x0a, 0, 0, 0, 9, 0xff], [...s], [0, 0x0a, 1]);
      for (const final of [false, true]) expect(detectFraming(frame, s.length, final, AUTO_FRAMING, 6)).toBe(detectFraming(s, s.length, final, AUTO_FRAMING));
    }
  });
  it('--framing values', () => {
    expect(parseFraming('lines').kind).toBe(FRAMING_LINES);
    expect(parseFraming('length4').kind).toBe(FRAMING_LENGTH4);
    expect(parseFraming('length2').kind).toBe(FRAMING_LENGTH2);
    expect(parseFraming('length1').kind).toBe(FRAMING_LENGTH1);
    expect(parseFraming('none').kind).toBe(FRAMING_NONE);
    expect(parseFraming('auto').kind).toBe(FRAMING_UNDECIDED);
    expect(parseFraming('fixed:16')).toEqual({ kind: 5, size: 16, lengthAnyWidth: false });
    expect(parseFraming('length').lengthAnyWidth).toBe(true);
    expect(() => parseFraming('fixed:0')).toThrow('--framing fixed:0: use auto, lines, length, length1, length2, length4, fixed:N or none');
    expect(() => parseFraming('xml')).toThrow(/--framing xml/);
  });
});

/** A client sending `segments` (payloads) after a handshake, each acknowledged; returns per-frame facts. */
function client(segments: (string | Uint8Array)[], framing = 'auto'): { conn: TcpConnection; facts: { msgs: number; started: number; ended: number; coalesced: boolean; split: boolean }[] } {
  const conv = new Conversation({ ip: '10.0.0.1', port: 40000 }, { ip: '10.0.0.2', port: 7 });
  let seq = 1001;
  conv.tcp('c', { flags: 'S', seq: 1000 }).wait(10).tcp('s', { flags: 'SA', seq: 5000, ack: 1001 }).wait(10).tcp('c', { flags: 'A', seq: 1001, ack: 5001 });
  for (const p of segments) {
    const n = typeof p === 'string' ? p.length : p.length;
    conv.wait(100).tcp('c', { flags: 'PA', seq, ack: 5001, data: p });
    seq += n;
    conv.wait(50).tcp('s', { flags: 'A', seq: 5001, ack: seq });
  }
  let conn: TcpConnection | null = null;
  const { results } = analyse(conv.frames, { framing, maxMessages: 100, onTcpRetire: (c) => (conn = c) }, (pkt) => {
    const t = pkt.notes.analysis!.tcp[0];
    return t.seglen > 0 && t.fromClient ? { msgs: t.chunk.msgs, started: t.chunk.started, ended: t.chunk.ended, coalesced: t.chunk.msgs >= 2, split: t.chunk.continues || t.chunk.continued } : null;
  });
  return { conn: conn!, facts: results.filter((r) => r !== null) as { msgs: number; started: number; ended: number; coalesced: boolean; split: boolean }[] };
}

describe('per segment', () => {
  it('three writes in one segment: coalesced, nothing split', () => {
    const { facts, conn } = client(['one\ntwo\nthree\n']);
    expect(facts).toEqual([{ msgs: 3, started: 3, ended: 3, coalesced: true, split: false }]);
    const st = conn.client.stream!;
    expect([st.messages, st.coalescedSegments, st.maxMessagesInSegment, st.splitMessages]).toEqual([3, 1, 3, 0]);
  });

  it('one message over three segments: split, its frames recorded', () => {
    const { facts, conn } = client(['a long mes', 'sage that ', 'ends here\n'], 'lines');
    expect(facts.map((f) => [f.msgs, f.split])).toEqual([
      [1, true],
      [1, true],
      [1, true],
    ]);
    const st = conn.client.stream!;
    expect([st.messages, st.splitMessages]).toEqual([1, 1]);
    // Frames 4, 6, 8 carried it (the client's three data segments).
    expect([st.msgFirstFrame![0], st.msgLastFrame![0], st.msgSegments![0], st.msgStart![0], st.msgEnd![0]]).toEqual([4, 8, 3, 0, 30]);
  });

  it('detected framing: segments before the decision have no facts, the message record is complete', () => {
    // Single pass: the first two segments hold no line feed yet, so the framing is not known when they pass.
    const { facts, conn } = client(['a long mes', 'sage that ', 'ends here\n']);
    expect(facts.map((f) => f.msgs)).toEqual([-1, -1, 1]);
    const st = conn.client.stream!;
    expect([FRAMING_NAMES[st.framing], st.messages, st.splitMessages]).toEqual(['lines', 1, 1]);
    expect([st.msgFirstFrame![0], st.msgLastFrame![0], st.msgSegments![0]]).toEqual([4, 8, 3]);
  });

  it('the end of one message and the start of the next: coalesced and split', () => {
    const { facts } = client(['first\nsec', 'ond\n']);
    expect(facts).toEqual([
      { msgs: 2, started: 2, ended: 1, coalesced: true, split: true },
      { msgs: 1, started: 0, ended: 1, coalesced: false, split: true },
    ]);
  });

  it('length-prefixed messages split inside their prefix', () => {
    const { facts, conn } = client([bytes([0, 0, 0, 3], 'abc', [0, 0]), bytes([0, 2], 'de')], 'length4');
    expect(FRAMING_NAMES[conn.client.stream!.framing]).toBe('length4');
    expect(facts.map((f) => [f.msgs, f.started, f.ended])).toEqual([
      [2, 2, 1],
      [1, 0, 1],
    ]);
  });

  it('fixed-size messages (--framing fixed:4)', () => {
    const { facts } = client(['aaaabbbbcc', 'ccdddd'], 'fixed:4');
    expect(facts.map((f) => [f.msgs, f.started, f.ended])).toEqual([
      [3, 3, 2],
      [2, 1, 2],
    ]);
  });

  it('no framing: the byte stream has no messages', () => {
    const { facts, conn } = client([bytes([0xff, 1, 2, 3]), bytes([9, 9])], 'none');
    expect(facts.map((f) => f.msgs)).toEqual([-1, -1]);
    expect(conn.client.stream!.messages).toBe(0);
  });
});

describe('Nagle evidence', () => {
  it('a small segment leaving right when the ACK of the previous one arrives', () => {
    const conv = new Conversation({ ip: '10.0.0.1', port: 40000 }, { ip: '10.0.0.2', port: 7 });
    conv.tcp('c', { flags: 'S', seq: 1000, opts: { mss: 1460 } }).wait(10).tcp('s', { flags: 'SA', seq: 5000, ack: 1001, opts: { mss: 1460 } }).wait(10).tcp('c', { flags: 'A', seq: 1001, ack: 5001 });
    conv.wait(100).tcp('c', { flags: 'PA', seq: 1001, ack: 5001, data: 'a\n' });
    // The receiver delays its ACK 40 ms (Linux's delayed ACK); the sender held "b\nc\n" meanwhile.
    conv.wait(40_000).tcp('s', { flags: 'A', seq: 5001, ack: 1003 });
    conv.wait(20).tcp('c', { flags: 'PA', seq: 1003, ack: 5001, data: 'b\nc\n' });
    let conn: TcpConnection | null = null;
    const { results } = analyse(conv.frames, { onTcpRetire: (c) => (conn = c) }, (pkt) => pkt.notes.analysis!.tcp[0].nagleHoldNs);
    expect(results.at(-1)).toBe(40_020_000);
    expect(conn!.client.data.nagleHolds).toBe(1);
  });

  it('no evidence when the ACK came back at once (loopback without delayed ACK)', () => {
    const conv = new Conversation({ ip: '10.0.0.1', port: 40000 }, { ip: '10.0.0.2', port: 7 });
    conv.tcp('c', { flags: 'S', seq: 1000 }).wait(10).tcp('s', { flags: 'SA', seq: 5000, ack: 1001 }).wait(10).tcp('c', { flags: 'A', seq: 1001, ack: 5001 });
    conv.wait(100).tcp('c', { flags: 'PA', seq: 1001, ack: 5001, data: 'a\n' });
    conv.wait(20).tcp('s', { flags: 'A', seq: 5001, ack: 1003 });
    conv.wait(20).tcp('c', { flags: 'PA', seq: 1003, ack: 5001, data: 'b\n' });
    const { results } = analyse(conv.frames, {}, (pkt) => pkt.notes.analysis!.tcp[0].nagleHoldNs);
    expect(results.at(-1)).toBe(0);
  });
});

describe('counting without records', () => {
  /** Every synack.* message fact per frame, and each direction's totals. */
  async function messageFacts(file: string, maxMessages: number): Promise<string[]> {
    const out: string[] = [];
    const totals: string[] = [];
    await analyseFile(file, {
      maxMessages,
      onTcpRetire: (c) => {
        for (const s of [c.client.stream, c.server.stream]) {
          if (s !== null) totals.push(`${c.stream}/${s.dir}: ${s.framing} ${s.messages} ${s.completeMessages} ${s.coalescedSegments} ${s.maxMessagesInSegment} ${s.splitMessages}`);
        }
      },
    }, (pkt) => {
      const fa = pkt.notes.analysis!;
      for (let i = 0; i < fa.tcpCount; i++) {
        const c = fa.tcp[i].chunk;
        out.push(`${pkt.number}: ${fa.tcp[i].framing} ${c.msgs} ${c.started} ${c.ended} ${c.continues} ${c.continued} ${c.firstMsg}`);
      }
    });
    return [...out, ...totals.sort()];
  }

  // The command line keeps no message records: lines are then counted, not walked one by one. Both
  // ways must give the same facts on real captures (chat lines, a 10,000-byte line, length prefixes).
  const files = [
    ...['tcp-chat.pcap', 'chat-demo.pcapng', 'burst-cork.pcap', 'burst-cork-length.pcap', 'split.pcap', 'half-close.pcap'].map((f) => join(CAPTURES, f)),
    ...(HAVE_CORPUS ? ['demo.pcap', 'v6.pcap', 'two.pcap'].map(labCapture) : []),
  ].filter(existsSync);

  it.skipIf(files.length === 0)('facts per segment and totals equal those found with message records kept', async () => {
    for (const file of files) {
      const counted = await messageFacts(file, 0);
      expect(counted.some((l) => / [1-9]\d* \d+ \d+ (true|false)/.test(l)), `${file} has messages`).toBe(true);
      expect(counted, file).toEqual(await messageFacts(file, 1 << 20));
    }
  });
});
