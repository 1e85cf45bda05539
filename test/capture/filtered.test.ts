/**
 * Capture filters on files and standard input, end to end: `synack -r F
 * 'expression'` keeps the frames libpcap's filter would (the compiler itself
 * is compared with libpcap's in bpf-differential.test.ts). Here: the frames
 * kept equal those a display filter of the same meaning selects (two
 * independent engines), and the filter acts where a live one would, before
 * numbering, -c and -w.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CLI, ownCapture } from '../helpers/paths';

function run(args: string[], input?: Buffer): { status: number | null; stdout: string; stderr: string } {
  return spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', input });
}

function ok(args: string[], input?: Buffer): string {
  const r = run(args, input);
  expect(r.stderr).toBe('');
  expect(r.status).toBe(0);
  return r.stdout;
}

/** Each kept frame's arrival time and length: what identifies it whatever number it gets. */
function frames(file: string, ...select: string[]): string[] {
  return ok(['-r', file, '-T', 'fields', '-e', 'frame.time_epoch', '-e', 'frame.len', ...select]).split('\n').filter((l) => l !== '');
}

const SAME_MEANING: readonly { file: string; bpf: string; display: string }[] = [
  { file: 'chat-demo.pcapng', bpf: 'tcp[tcpflags] & tcp-syn != 0', display: 'tcp.flags.syn == 1' },
  { file: 'chat-demo.pcapng', bpf: 'udp', display: 'udp' },
  { file: 'chat-demo.pcapng', bpf: 'tcp and (tcp[tcpflags] & (tcp-fin|tcp-rst)) != 0', display: 'tcp.flags.fin == 1 or tcp.flags.reset == 1' },
  { file: 'chat-demo.pcapng', bpf: 'greater 70', display: 'frame.len >= 70' },
  { file: 'tcp-chat.pcap', bpf: 'tcp dst port 8080', display: 'tcp.dstport == 8080' },
  { file: 'tcp-chat-any.pcap', bpf: 'src port 8080', display: 'tcp.srcport == 8080 or udp.srcport == 8080' },
  { file: 'tcp-chat-v6.pcap', bpf: 'ip6 and tcp port 8080', display: 'ipv6 and tcp.port == 8080' },
  { file: 'arp-ping.pcap', bpf: 'arp', display: 'arp' },
  { file: 'arp-ping.pcap', bpf: 'icmp[icmptype] == icmp-echoreply', display: 'icmp.type == 0' },
];

describe('capture filters on files', () => {
  for (const { file, bpf, display } of SAME_MEANING) {
    it(`${file}: '${bpf}' keeps the frames -Y '${display}' selects`, () => {
      const kept = frames(ownCapture(file), bpf);
      expect(kept.length).toBeGreaterThan(0);
      expect(kept).toEqual(frames(ownCapture(file), '-Y', display));
    });
  }

  it('numbers, counts (-c) and saves (-w) only the frames that pass, as a live capture with the filter would', () => {
    const all = ok(['-r', ownCapture('chat-demo.pcapng'), '-Y', 'udp', '-T', 'fields', '-e', 'frame.time_epoch']).trim().split('\n');
    const two = ok(['-r', ownCapture('chat-demo.pcapng'), '-c', '2', '-T', 'fields', '-e', 'frame.number', '-e', 'frame.time_epoch', 'udp']).trim().split('\n');
    expect(two).toEqual([`1\t${all[0]}`, `2\t${all[1]}`]);
    const out = join(mkdtempSync(join(tmpdir(), 'synack-bpf-')), 'udp.pcapng');
    ok(['-r', ownCapture('chat-demo.pcapng'), '-w', out, 'udp']);
    expect(ok(['-r', out, '-T', 'fields', '-e', 'frame.time_epoch']).trim().split('\n')).toEqual(all);
  });

  it('filters a pcap stream on standard input (tcpdump -w - | synack -r - EXPR)', () => {
    const bytes = readFileSync(ownCapture('tcp-chat.pcap'));
    const kept = ok(['-r', '-', '-T', 'fields', '-e', 'frame.time_epoch', '-e', 'frame.len', 'tcp[tcpflags] & tcp-syn != 0'], bytes);
    expect(kept.trim().split('\n')).toEqual(frames(ownCapture('tcp-chat.pcap'), '-Y', 'tcp.flags.syn == 1'));
  });

  it('refuses a bad expression in one line, before reading, naming where', () => {
    const r = run(['-r', ownCapture('tcp-chat.pcap'), 'tcp portt 8080']);
    expect(r.status).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe("synack: capture filter 'tcp portt 8080': syntax error at 'portt' (column 5)\n");
  });

  it('accepts before reading a filter that only some link types express (inbound: Linux cooked, not Ethernet)', () => {
    // On 'any', loopback frames are all received (packet type 0): inbound keeps each, outbound none.
    const file = ownCapture('tcp-chat-any.pcap');
    expect(frames(file, 'inbound')).toEqual(frames(file, '-Y', 'sll.pkttype != 4'));
    expect(frames(file, 'inbound').length).toBeGreaterThan(0);
    expect(frames(file, 'outbound')).toEqual([]);
  });

  it('stops at the first frame whose link type the filter cannot express, saying where', () => {
    // tcp-chat-any.pcap is Linux cooked capture v2: no Ethernet addresses to test.
    const r = run(['-r', ownCapture('tcp-chat-any.pcap'), 'ether host 00:11:22:33:44:55']);
    expect(r.status).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr.split('\n')).toHaveLength(2);
    expect(r.stderr).toMatch(/^synack: .*tcp-chat-any\.pcap, byte offset 24: capture filter 'ether host 00:11:22:33:44:55' on link type 276: .*\(column \d+\); reading stopped at this frame\n$/);
  });
});

describe('capture filters that are too large', () => {
  it('refuses nesting deeper than the compiler can go in one short line, without a stack trace', () => {
    const r = run(['-r', ownCapture('tcp-chat.pcap'), `${'('.repeat(20_000)}tcp${')'.repeat(20_000)}`]);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/^synack: capture filter '\({100}…': expression nested too deeply or too long to compile \(40003 characters\) \(column 1\)\n$/);
  });

  it('compiles a generated filter of thousands of terms in bounded memory (the rejects-all analysis stops at 4096 instructions)', () => {
    const ports = Array.from({ length: 3000 }, (_, i) => `port ${i + 1}`).join(' or ');
    expect(frames(ownCapture('tcp-chat.pcap'), ports).length).toBe(0);
    expect(frames(ownCapture('tcp-chat.pcap'), `${ports} or port 8080`)).toEqual(frames(ownCapture('tcp-chat.pcap'), '-Y', 'tcp.port == 8080'));
  });
});
