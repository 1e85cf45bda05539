import { describe, expect, it } from 'vitest';
import { cannotFrame, frameMessage, MAX_MESSAGE, MessageReader, type Framing } from '../../src/demo/framing';

const text = (bufs: Buffer[]): string[] => bufs.map((b) => b.toString('utf8'));

/** Feeds `wire` cut at every pair of positions: the messages must not depend on how TCP cut the stream. */
function everyCut(framing: Framing, wire: Buffer): string[][] {
  const results: string[][] = [];
  for (let i = 0; i <= wire.length; i++) {
    for (let j = i; j <= wire.length; j++) {
      const r = new MessageReader(framing);
      const got = [...r.push(wire.subarray(0, i)).messages, ...r.push(wire.subarray(i, j)).messages, ...r.push(wire.subarray(j)).messages];
      expect(r.pendingBytes).toBe(0);
      results.push(text(got));
    }
  }
  return results;
}

describe('framing', () => {
  it('lines: messages come out whole however the stream is cut', () => {
    const wire = Buffer.concat(['one', 'two', '', 'three'].map((m) => frameMessage('lines', Buffer.from(m))));
    expect(wire.toString()).toBe('one\ntwo\n\nthree\n');
    for (const got of everyCut('lines', wire)) expect(got).toEqual(['one', 'two', '', 'three']);
  });

  it('length: a 2-byte big-endian length before each message, cut anywhere', () => {
    const wire = Buffer.concat(['one', '', 'three'].map((m) => frameMessage('length', Buffer.from(m))));
    expect([...wire]).toEqual([0, 3, 111, 110, 101, 0, 0, 0, 5, 116, 104, 114, 101, 101]);
    for (const got of everyCut('length', wire)) expect(got).toEqual(['one', '', 'three']);
  });

  it('raw: each read is one message, as recv() returns it', () => {
    const r = new MessageReader('none');
    expect(text(r.push(Buffer.from('onetwo')).messages)).toEqual(['onetwo']);
    expect(r.push(Buffer.alloc(0)).messages).toEqual([]);
  });

  it('a message longer than the framing allows is refused before sending', () => {
    const big = Buffer.alloc(MAX_MESSAGE + 1, 0x61);
    expect(cannotFrame('length', big)).toBe(
      `a message of ${MAX_MESSAGE + 1} bytes is longer than --framing length allows (65535 bytes: its 2-byte length prefix); not sent`,
    );
    expect(cannotFrame('lines', big)).toMatch(/longer than --framing lines allows/);
    expect(cannotFrame('length', Buffer.alloc(MAX_MESSAGE))).toBeNull();
    expect(cannotFrame('none', big)).toBeNull();
    expect(cannotFrame('lines', Buffer.from('a\nb'))).toBe('a message for --framing lines cannot contain a newline; not sent');
  });

  it('lines: a peer that never sends a newline is cut off at the limit, not buffered without end', () => {
    const r = new MessageReader('lines');
    expect(r.push(Buffer.alloc(MAX_MESSAGE, 0x61)).error).toBeUndefined();
    const got = r.push(Buffer.from('ab'));
    expect(got.error).toBe('the peer sent more than 65535 bytes without a newline (the line limit of --framing lines)');
    expect(r.pendingBytes).toBe(0);
  });

  it('says how much of an unfinished message arrived (for the peer that vanished mid-message)', () => {
    const len = new MessageReader('length');
    len.push(Buffer.from([0, 10, 1, 2, 3]));
    expect(len.describePending()).toBe('3 of 10 bytes of a message received');
    const half = new MessageReader('length');
    half.push(Buffer.from([0]));
    expect(half.describePending()).toBe('1 of the 2 bytes of a length prefix received');
    const line = new MessageReader('lines');
    line.push(Buffer.from('hel'));
    expect(line.describePending()).toBe('3 bytes of a line without its newline received');
  });

  it('suspects the two sides disagree on the framing when the bytes say so', () => {
    const lines = new MessageReader('lines');
    lines.push(frameMessage('length', Buffer.from('hello')));
    expect(lines.describePending()).toBe('7 bytes of a line without its newline received; they start with a zero byte, as a length prefix does: does the peer use --framing length?');
    const length = new MessageReader('length');
    length.push(frameMessage('lines', Buffer.from('hello')));
    expect(length.describePending()).toBe('4 of 26725 bytes of a message received; the length prefix reads as text: does the peer use --framing lines?');
  });
});
