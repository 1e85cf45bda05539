/**
 * Assertions shared by the link and network decoder tests: a table of
 * fields with the values tshark 4.0 printed for the same frame, and the
 * problem found when a frame is cut at every length.
 */
import { expect } from 'vitest';
import type { Frame } from '../../src/capture/frame';
import type { Packet } from '../../src/decode/packet';
import { decode, frameOf, problem, readEveryField, values, type ProblemView } from './frames';

/** Every field of `expected` has exactly these values (tshark's -T fields cells, split at ','). */
export function expectFields(pkt: Packet, expected: Record<string, string[]>): void {
  for (const [name, vals] of Object.entries(expected)) expect(values(pkt, name), name).toEqual(vals);
}

/** None of these fields is present. */
export function expectAbsent(pkt: Packet, names: readonly string[]): void {
  for (const name of names) expect(values(pkt, name), name).toEqual([]);
}

/**
 * Decodes `hex` cut by a snapshot length at every length from 0 to its
 * size - 1 (the wire length stays), and checks each problem against
 * `expected(capLen)`; every field getter and tree must still answer.
 */
export function expectEveryCut(hex: string, expected: (capLen: number) => ProblemView | null, opts: { linkType?: number; edit?: (f: Frame) => void } = {}): void {
  const size = hex.replace(/\s+/g, '').length / 2;
  for (let capLen = 0; capLen < size; capLen++) {
    const frame = frameOf(hex, { linkType: opts.linkType, capLen });
    opts.edit?.(frame);
    const pkt = decode(frame);
    readEveryField(pkt);
    const want = expected(capLen);
    if (want !== null) expect(problem(pkt), `cut at ${capLen} bytes`).toEqual(want);
  }
}

export function truncatedAt(layer: string, needed: number, available: number): ProblemView {
  return { kind: 'truncated', layer, needed, available };
}
