/**
 * The -T fields options through the command line itself (bin/synack.js): a
 * refused command is one line on standard error and nothing on standard
 * output, and what is accepted prints what tshark prints.
 */
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { CLI, ownCapture } from '../helpers/paths';
import { HAVE_TSHARK } from '../oracle/tshark';

const FILE = ownCapture('tcp-chat.pcap');

function run(cmd: string, args: readonly string[]): { status: number | null; stdout: string; stderr: string } {
  const r = cmd === 'synack' ? spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', env: { ...process.env, TZ: 'UTC' } }) : spawnSync(cmd, args, { encoding: 'utf8', env: { ...process.env, TZ: 'UTC' } });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr.replace(/^Running as user "root".*\n/m, '') };
}

describe.skipIf(!HAVE_TSHARK)('synack -T fields on the command line, against tshark', () => {
  for (const bad of [['-e', 'ip.src'], ['-T', 'text', '-e', 'ip.src'], ['-T', 'fields'], ['-T', 'fields', '-e', 'ip.src', '-E', 'quote=x'], ['-T', 'fields', '-e', 'ip.src', '-E', 'header=Y'], ['-T', 'fields', '-e', 'ip.src', '-E', 'nope=y']]) {
    it(`refuses ${bad.join(' ')} in one line, as tshark refuses it`, () => {
      const theirs = run('tshark', ['-r', FILE, ...bad]);
      expect(theirs.status).not.toBe(0);
      const ours = run('synack', ['-r', FILE, ...bad]);
      expect(ours.status).toBe(2);
      expect(ours.stdout).toBe('');
      expect(ours.stderr).toMatch(/^synack: [^\n]+\n$/);
    });
  }

  it('prints quoted columns, frame.time and the summary columns as tshark does', () => {
    const args = ['-r', FILE, '-T', 'fields', '-E', 'quote=d', '-E', 'separator=/s', ...['ip.addr', 'frame.time', '_ws.col.Source', '_ws.col.Protocol', '_ws.col.Info', 'frame.time_delta_displayed'].flatMap((f) => ['-e', f])];
    const theirs = run('tshark', ['-n', ...args]);
    expect(theirs.status).toBe(0);
    const ours = run('synack', args);
    expect(ours.stderr).toBe('');
    expect(ours.stdout).toBe(theirs.stdout);
    expect(ours.stdout).toContain('"127.0.0.1,127.0.0.1" "Nov 21, 2026 09:23:27.111448000 UTC" "127.0.0.1" "TCP" "56784 → 8080 [SYN]');
  });

  it('-E bom=y writes the BOM before the header, and _ws.col.Time has a nanosecond capture\'s 9 decimals, as tshark', () => {
    const ns = ownCapture('tcp-chat-ns.pcap');
    const args = ['-r', ns, '-T', 'fields', '-E', 'bom=y', '-E', 'header=y', '-e', '_ws.col.Time', '-e', 'frame.number'];
    const theirs = run('tshark', args);
    expect(theirs.status).toBe(0);
    const ours = run('synack', args);
    expect(ours.stdout).toBe(theirs.stdout);
    expect(ours.stdout.startsWith('\ufeff_ws.col.Time\tframe.number\n0.000000000\t1\n')).toBe(true);
  });

  it('-T json -e writes only those fields, in -e order, one object per frame', () => {
    const ours = run('synack', ['-r', FILE, '-c', '3', '-T', 'json', '-e', 'tcp.srcport', '-e', 'ip.src', '-e', '_ws.col.Protocol']);
    expect(ours.stderr).toBe('');
    const objects = ours.stdout.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(objects).toHaveLength(3);
    for (const o of objects) expect(Object.keys(o)).toEqual(['tcp.srcport', 'ip.src', '_ws.col.Protocol']);
    expect(objects[0]).toEqual({ 'tcp.srcport': 56784, 'ip.src': '127.0.0.1', '_ws.col.Protocol': 'TCP' });
  });

  it('frame.time_delta_displayed counts from the previous frame shown, in -T json (every field) as in -T fields', () => {
    const sel = ['-Y', 'tcp.srcport == 8080 || frame.number == 1'];
    const theirs = run('tshark', ['-r', FILE, ...sel, '-T', 'fields', '-e', 'frame.time_delta_displayed']).stdout.trim().split('\n');
    expect(theirs.length).toBeGreaterThan(3);
    expect(theirs.some((t) => t !== '0.000000000' && t !== theirs[0])).toBe(true);
    const json = run('synack', ['-r', FILE, ...sel, '-T', 'json']).stdout.trim().split('\n');
    expect(json.map((l) => (JSON.parse(l) as Record<string, string>)['frame.time_delta_displayed'])).toEqual(theirs);
    expect(run('synack', ['-r', FILE, ...sel, '-T', 'fields', '-e', 'frame.time_delta_displayed']).stdout.trim().split('\n')).toEqual(theirs);
  });
});
