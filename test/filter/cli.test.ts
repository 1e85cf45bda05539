/**
 * -Y through the command line: rejected before anything is read, -c counts
 * frames read (not shown), -w saves only what matches, and synack's own
 * fields (synack.*, which tshark cannot judge) select exactly the frames
 * where -T fields prints them.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CLI, labCapturesIfPresent, ownCapture } from '../helpers/paths';
import { HAVE_TSHARK } from '../oracle/tshark';

function synack(...args: string[]): { status: number; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', maxBuffer: 1 << 26 });
  return { status: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

function tsharkFrames(...args: string[]): string {
  return spawnSync('tshark', args, { encoding: 'utf8' }).stdout;
}

const CHAT = ownCapture('tcp-chat.pcap');
const tmp = mkdtempSync(join(tmpdir(), 'synack-filter-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('-Y on the command line', () => {
  it('rejects a bad filter before opening the capture: message, filter, caret; exit 2', () => {
    const r = synack('-r', '/nonexistent/capture.pcap', '-Y', 'tcp.srcprt == 80 && ip', '-T', 'fields', '-e', 'frame.number');
    expect(r.status).toBe(2);
    expect(r.stdout).toBe('');
    const lines = r.stderr.split('\n');
    expect(lines[0]).toMatch(/^synack: -Y: 'tcp\.srcprt' is neither a field nor a protocol synack knows; did you mean 'tcp\.srcport'/);
    expect(lines.slice(1)).toEqual(['  tcp.srcprt == 80 && ip', '  ^~~~~~~~~~', '']);
  });

  it('reports a syntax error at its place', () => {
    const r = synack('-r', CHAT, '-Y', 'tcp.port in {80 443}');
    expect(r.status).toBe(2);
    expect(r.stderr.split('\n').slice(1, 3)).toEqual(['  tcp.port in {80 443}', '                  ^~~']);
  });

  it.skipIf(!HAVE_TSHARK)('-c counts the frames read, as tshark does, not the frames shown', () => {
    const args = ['-r', CHAT, '-c', '5', '-Y', 'tcp.srcport == 8080', '-T', 'fields', '-e', 'frame.number'];
    const r = synack(...args);
    expect(r.status).toBe(0);
    expect(r.stdout).toBe('2\n5\n');
    expect(r.stdout).toBe(tsharkFrames(...args));
  });

  it('-w saves only the frames that match, and they read back whole', () => {
    const out = join(tmp, 'only-server.pcap');
    const w = synack('-r', CHAT, '-Y', 'tcp.srcport == 8080', '-w', out);
    expect(w.status).toBe(0);
    const back = synack('-r', out, '-T', 'fields', '-e', 'frame.number', '-e', 'tcp.srcport', '-e', 'frame.len');
    expect(back.stdout).toBe('1\t8080\t74\n2\t8080\t66\n3\t8080\t72\n4\t8080\t79\n5\t8080\t66\n');
  });

  // Printing decoder fields only, synack skips the analysis unless the filter reads one of its fields.
  it.skipIf(!HAVE_TSHARK)('a filter of analysis fields selects as tshark does while only decoder fields are printed', () => {
    const demo = ownCapture('chat-demo.pcapng');
    for (const filter of ['tcp.seq == 1', 'tcp.ack == 1 && tcp.len > 0', 'tcp.stream == 2', 'tcp.analysis.acks_frame', 'tcp.analysis.bytes_in_flight > 10', 'tcp.srcport == 8080']) {
      const args = ['-r', demo, '-Y', filter, '-T', 'fields', '-e', 'frame.number', '-e', 'tcp.srcport'];
      const r = synack(...args);
      expect(r.stderr).toBe('');
      expect(r.stdout.length).toBeGreaterThan(0);
      expect(r.stdout, filter).toBe(tsharkFrames(...args));
    }
  });

  it('an empty filter shows every frame', () => {
    const r = synack('-r', CHAT, '-Y', '', '-T', 'fields', '-e', 'frame.number');
    expect(r.stdout.split('\n').filter((l) => l !== '').length).toBe(14);
  });
});

/**
 * synack.* fields exist only in synack, so tshark cannot be the oracle: the
 * frames `-Y NAME` selects must be those where `-e NAME` prints a value, and
 * `-Y NAME == V` those where it prints V.
 */
describe('synack fields filter as -T fields prints them', () => {
  // The demo's capture has a coalesced burst, a refusal, a reset and a half-close.
  const files = [ownCapture('chat-demo.pcapng'), CHAT, ...labCapturesIfPresent('demo.pcap')];
  const cases: [string, string][] = [
    ['synack.coalesced', ''],
    ['synack.coalesced', '1'],
    ['synack.msgs_in_segment', ''],
    ['synack.handshake', 'refused'],
    ['synack.teardown', 'reset'],
    ['synack.teardown', 'half-close'],
    ['synack.from_client', '1'],
    ['synack.conn_state', 'SF'],
    ['synack.conn_state', 'REJ'],
  ];

  it.each(files.flatMap((f) => cases.map(([name, value]) => [f, name, value] as const)))('%s: %s %s', (file, name, value) => {
    const printed = synack('-r', file, '-T', 'fields', '-e', 'frame.number', '-e', name);
    expect(printed.stderr).toBe('');
    const rows = printed.stdout.split('\n').filter((l) => l !== '').map((l) => l.split('\t'));
    const expected = rows.filter(([, v]) => (value === '' ? v !== '' : v.split(',').includes(value))).map(([n]) => n);
    const filter = value === '' ? name : `${name} == ${value}`;
    const selected = synack('-r', file, '-Y', filter, '-T', 'fields', '-e', 'frame.number');
    expect(selected.stderr).toBe('');
    expect(selected.stdout.split('\n').filter((l) => l !== '')).toEqual(expected);
  });
});
