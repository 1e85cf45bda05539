/**
 * -G fields and -G protocols: every name -e and -Y accept is listed, in
 * tshark -G's columns, and where tshark 4.0 knows the name too, the kind of
 * value (integer, flag, text, address, time ...) is the same.
 */
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import '../../src/output/glossary';
import { allFieldNames } from '../../src/decode/index';
import { CLI } from '../helpers/paths';
import { HAVE_TSHARK } from '../oracle/tshark';

function glossary(cmd: string, args: string[]): string[][] {
  const r = spawnSync(cmd, args, { encoding: 'utf8', maxBuffer: 1 << 28 });
  expect(r.status).toBe(0);
  return r.stdout.split('\n').filter((l) => l !== '').map((l) => l.split('\t'));
}

/** A value's kind: integer widths, NUL-terminated strings and presence-only flags are details tshark's types carry and synack's do not. */
const kind = (ft: string): string => ft.replace(/^FT_U?INT\d+$/, 'int').replace(/^FT_STRINGZ?$/, 'string').replace(/^FT_NONE$/, 'FT_BOOLEAN');

/** Names whose type differs on purpose: synack keeps the address where tshark keeps a resolved name, or the value as text. */
const OWN_KIND = new Set(['ip.host', 'ip.src_host', 'ip.dst_host', 'ipv6.host', 'ipv6.src_host', 'ipv6.dst_host', 'dns.opt.client.addr6', 'frame.time_epoch', 'vlan.dei']);

describe('-G', () => {
  it('fields: every field -e and -Y accept, once, under a protocol line, in eight columns', () => {
    const rows = glossary(process.execPath, [CLI, '-G', 'fields']);
    const names = rows.filter((r) => r[0] === 'F').map((r) => r[2]);
    expect(new Set(names).size).toBe(names.length);
    expect([...names].sort()).toEqual([...allFieldNames()].sort());
    for (const r of rows) expect(r.length, r.join('|')).toBe(r[0] === 'P' ? 3 : 8);
    expect(rows[0]).toEqual(['P', 'Frame', 'frame']);
    expect(rows.find((r) => r[2] === 'synack.coalesced')?.slice(3, 5)).toEqual(['FT_BOOLEAN', 'tcp']);
    const protocols = glossary(process.execPath, [CLI, '-G', 'protocols']);
    expect(protocols.map((r) => r[2])).toEqual(rows.filter((r) => r[0] === 'P').map((r) => r[2]));
    expect(protocols.find((r) => r[2] === 'tcp')).toEqual(['Transmission Control Protocol', 'TCP', 'tcp']);
  });

  it.skipIf(!HAVE_TSHARK)("gives each name tshark also has the same kind of value as tshark's -G fields", () => {
    const theirs = new Map(glossary('tshark', ['-G', 'fields']).filter((r) => r[0] === 'F').map((r) => [r[2], r[3]]));
    let shared = 0;
    for (const r of glossary(process.execPath, [CLI, '-G', 'fields'])) {
      const t = r[0] === 'F' ? theirs.get(r[2]) : undefined;
      if (t === undefined || OWN_KIND.has(r[2])) continue;
      expect(kind(r[3]), r[2]).toBe(kind(t));
      shared++;
    }
    console.log(`-G fields: ${shared} names shared with tshark 4.0 have the same kind of value`);
    expect(shared).toBeGreaterThan(350);
  });

  it('refuses another report in one line, exit 2', () => {
    const r = spawnSync(process.execPath, [CLI, '-G', 'values'], { encoding: 'utf8' });
    expect(r.status).toBe(2);
    expect(r.stderr.trim()).toBe('synack: -G values: use fields or protocols');
  });
});
