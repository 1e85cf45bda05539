import { describe, expect, it } from 'vitest';
import { NumberTable } from '../../src/decode/dispatch';
import type { Protocol } from '../../src/decode/protocol';

describe('NumberTable (the dispatch tables)', () => {
  it('answers as a Map would, across growth, replaced values and absent keys', () => {
    const table = new NumberTable();
    const map = new Map<number, Protocol>();
    let seed = 7;
    const next = (): number => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0);
    // Keys as the decoders use them: ports, ethertypes, link types, LLC_FOLLOWS (0x10000).
    for (let i = 0; i < 500; i++) {
      const key = i % 5 === 0 ? 0x10000 + (next() % 4) : next() % 65536;
      const value = { name: `p${i}` } as unknown as Protocol;
      table.set(key, value);
      map.set(key, value);
    }
    for (let key = 0; key < 0x10010; key++) expect(table.get(key)).toBe(map.get(key));
    expect(table.get(-1)).toBeUndefined();
    expect(table.keys().sort((a, b) => a - b)).toEqual([...map.keys()].sort((a, b) => a - b));
  });

  it('refuses keys it cannot store', () => {
    const table = new NumberTable();
    const p = { name: 'x' } as unknown as Protocol;
    expect(() => table.set(-1, p)).toThrow(RangeError);
    expect(() => table.set(2 ** 31, p)).toThrow(RangeError);
    expect(() => table.set(1.5, p)).toThrow(RangeError);
  });
});
