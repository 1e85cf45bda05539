/**
 * The command line's analysis outputs, through the real CLI:
 * - summary lines with tshark's "[TCP ...]" labels and relative numbers equal
 *   tshark's on the chaos captures (every label appears there);
 * - -z conv,tcp / conv,udp byte for byte as tshark 4.0 prints them;
 * - -z follow,tcp,ascii|hex,N as tshark prints them (--framing none: without
 *   synack's message marks), and the marks when a framing is known;
 * - -z follow,udp,ascii|hex,N as tshark prints them: one chunk per datagram;
 * - -z conn as a table and as JSON lines; a bad -z as one line.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { basename, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CAPTURES, CLI, CORPUS, HAVE_CORPUS, labCapture, ROOT } from '../helpers/paths';
import type { TcpConnection } from '../../src/analysis/index';
import { ConnReport } from '../../src/output/conn';
import { UdpFollow, writeFollow } from '../../src/output/follow';
import { STATS_HELP } from '../../src/output/stats';
import { OutBuf } from '../../src/output/outbuf';
import { HAVE_TSHARK, oracleText } from '../oracle/tshark';
import { chaosCapture } from './chaos';
import { Conversation, ipFrame, tcpFrame, writePcap } from './craft';
import { analyseFile } from './run';

function synack(args: string[]): { status: number; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', maxBuffer: 1 << 28 });
  return { status: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

function tshark(file: string, args: string[]): string {
  return oracleText(file, args).stdout;
}

function chaos(seed: number): string {
  const dir = join(ROOT, 'node_modules', '.cache', 'synack-chaos');
  mkdirSync(dir, { recursive: true });
  const f = join(dir, `cli-chaos-${seed}.pcap`);
  if (!existsSync(f)) writePcap(f, chaosCapture(1000 + seed, 30));
  return f;
}

const files = (): string[] =>
  [
    ...(HAVE_CORPUS ? ['demo.pcap', 'v6.pcap', 'two.pcap', 'demo-any.pcap'].map(labCapture) : []),
    ...['tcp-chat.pcap', 'chat-demo.pcapng', 'burst-cork-length.pcap', 'udp-chat.pcap', 'split.pcap', 'half-close.pcap'].map((f) => join(CAPTURES, f)),
  ].filter(existsSync);

/**
 * For the conversation tables only: a datagram answered by ICMP port
 * unreachable (the quoted copy is not a second datagram), frames out of time
 * order (the start is the earliest), and a crafted SYN refused by ICMP twice,
 * its times chosen so the duration's fourth decimal is a tie in decimal.
 */
const convFiles = (): string[] =>
  [
    ...files(),
    join(CAPTURES, 'udp-closed.pcap'),
    ...(HAVE_CORPUS ? [join(CORPUS, 'tcpdump', 'kday4.pcap')] : []),
    icmpRefusedSyn(),
  ].filter(existsSync);

function icmpRefusedSyn(): string {
  const dir = join(ROOT, 'node_modules', '.cache', 'synack-chaos');
  mkdirSync(dir, { recursive: true });
  const f = join(dir, 'cli-icmp-refused-syn.pcap');
  const c = { ip: '127.0.0.1', port: 40000 };
  const s = { ip: '127.0.0.2', port: 9999 };
  const syn = tcpFrame(c, s, { flags: 'S', seq: 1000 });
  // ICMP destination unreachable (port) from the server's host, quoting the whole SYN as Linux does.
  const quoted = [...syn.subarray(14)];
  const icmp = ipFrame(s.ip, c.ip, 1, [3, 3, 0, 0, 0, 0, 0, 0, ...quoted]);
  const base = 1_700_000_000;
  writePcap(f, [
    { sec: base, nsec: 0, bytes: tcpFrame({ ip: '127.0.0.3', port: 5 }, { ip: '127.0.0.4', port: 6 }, { flags: 'S', seq: 1 }) },
    { sec: base + 3, nsec: 334_627_000, bytes: syn },
    { sec: base + 3, nsec: 334_700_000, bytes: icmp },
    { sec: base + 3, nsec: 655_077_000, bytes: syn },
    { sec: base + 3, nsec: 655_100_000, bytes: icmp },
  ]);
  return f;
}

describe.skipIf(!HAVE_TSHARK)('against tshark 4.0', () => {
  it('summary lines: analysis labels and relative numbers on the chaos captures', () => {
    for (const seed of [1, 2, 3]) {
      const file = chaos(seed);
      const theirs = tshark(file, []).split('\n');
      const ours = synack(['-r', file]).stdout.split('\n');
      expect(ours.length).toBe(theirs.length);
      const labels = new Set<string>();
      for (let i = 0; i < theirs.length; i++) {
        expect(ours[i], `${file} frame ${i + 1}`).toBe(theirs[i]);
        for (const m of theirs[i].matchAll(/\[TCP [^\]#0-9]+/g)) labels.add(m[0]);
      }
      // The chaos captures exercise the labels (not only plain segments).
      expect(labels.size).toBeGreaterThanOrEqual(8);
    }
  });

  // One test per capture (several CLI runs each), so a loaded 2-core CI machine stays within the time limit.
  it.each([...convFiles(), 'chaos'].map((f) => [basename(f), f]))('-z conv,tcp and -z conv,udp are tshark\'s tables: %s', (_name, f) => {
    const file = f === 'chaos' ? chaos(1) : f;
    for (const z of ['conv,tcp', 'conv,udp']) {
      expect(synack(['-r', file, '-q', '-z', z]).stdout, `${file} ${z}`).toBe(tshark(file, ['-q', '-z', z]));
    }
  });

  it('several -z print in tshark\'s order: the last given first', () => {
    const file = join(CAPTURES, 'chat-demo.pcapng');
    const z = ['-z', 'conv,tcp', '-z', 'follow,tcp,ascii,1', '-z', 'conv,udp'];
    expect(synack(['-r', file, '-q', '--framing', 'none', ...z]).stdout).toBe(tshark(file, ['-q', ...z]));
  });

  it.each(files().map((f) => [basename(f), f]))('-z follow,tcp,ascii|hex,N is tshark\'s output (--framing none): %s', (_name, file) => {
    for (const stream of [0, 1, 3]) {
      for (const mode of ['ascii', 'hex']) {
        const z = `follow,tcp,${mode},${stream}`;
        expect(synack(['-r', file, '-q', '--framing', 'none', '-z', z]).stdout, `${file} ${z}`).toBe(tshark(file, ['-q', '-z', z]));
      }
    }
  });

  /**
   * UDP captures of the corpus beside the project's: IPv6 multicast (babel), DNS both ways with EDNS
   * (edns-opts), DHCP, BFD. Over the whole corpus, the files that differ are those tshark decodes
   * further (tunnels: VXLAN, Geneve, MPLS, sFlow, NSH, PIM register; link types synack does not
   * decode) and afs.pcap, whose IP fragments tshark reassembles.
   */
  const udpFollowFiles = (): string[] =>
    [...convFiles(), ...(HAVE_CORPUS ? ['babel_rfc6126bis.pcap', 'edns-opts.pcap', 'dhcp-rfc4388.pcap', 'bfd-multihop.pcap'].map((f) => join(CORPUS, 'tcpdump', f)) : [])].filter(existsSync);
  it.each(udpFollowFiles().map((f) => [basename(f), f]))('-z follow,udp,ascii|hex,N is tshark\'s output: %s', (_name, file) => {
    for (const stream of [0, 1, 3]) {
      for (const mode of ['ascii', 'hex']) {
        const z = `follow,udp,${mode},${stream}`;
        expect(synack(['-r', file, '-q', '-z', z]).stdout, `${file} ${z}`).toBe(tshark(file, ['-q', '-z', z]));
      }
    }
  });
});

describe('synack\'s own reports', () => {
  it.skipIf(!existsSync(join(CAPTURES, 'burst-cork.pcap')))('-z follow marks message boundaries when the framing is known', () => {
    const out = synack(['-r', join(CAPTURES, 'burst-cork.pcap'), '-q', '-z', 'follow,tcp,ascii,0']).stdout;
    expect(out).toContain('30\nmsg 1\nmsg 2\nmsg 3\nmsg 4\nmsg 5\n\n[synack: 5 messages (lines) end in this segment]\n');
  });

  it('-z conn on the demo\'s capture: a chat with a coalesced burst, a refusal, a reset, a half-close', () => {
    const r = synack(['-r', join(CAPTURES, 'chat-demo.pcapng'), '-q', '-z', 'conn']);
    expect(r.status).toBe(0);
    const lines = r.stdout.split('\n');
    expect(lines[1]).toBe('TCP Connections (synack)');
    expect(lines[3]).toMatch(/^ {5}0 127\.0\.0\.1:34334 -> 127\.0\.0\.1:8080 \| normal \| three-way, client closed first \| SF ShADadFf \| 0\.030 \| 51\/7 47\/8 \| TIME-WAIT\/CLOSED \| 9\/8 lines\/lines coalesced=1 max=3 \| -$/);
    expect(lines[4]).toContain('| refused | reset by server (handshake) | REJ Sr |');
    expect(lines[5]).toContain('| normal | reset by client (established) | RSTO ShADadR |');
    expect(lines[6]).toContain('| half-close, client closed first | SF ShADadFf |');
    expect(lines[6]).toContain('after-fin=24B');
    expect(lines[7]).toBe('4 connections');
    const objs = synack(['-r', join(CAPTURES, 'chat-demo.pcapng'), '-q', '-T', 'json', '-z', 'conn']).stdout.trim().split('\n').map((l) => JSON.parse(l) as Record<string, any>);
    expect(objs.map((o) => [o.stream, o.handshake.kind, o.teardown.kind, o.conn_state])).toEqual([
      [0, 'normal', 'three-way', 'SF'],
      [1, 'refused', 'reset', 'REJ'],
      [2, 'normal', 'reset', 'RSTO'],
      [3, 'normal', 'half-close', 'SF'],
    ]);
    expect(objs[3].server_to_client.bytes_after_peer_fin).toBe(24);
    expect(objs[0].client_to_server.coalesced_segments).toBe(1);
  });

  it('-z conn: one line per connection, kinds and counts (lab/demo.pcap)', { tags: ['corpus'] }, () => {
    const r = synack(['-r', labCapture('demo.pcap'), '-q', '-z', 'conn']);
    expect(r.status).toBe(0);
    const lines = r.stdout.split('\n');
    expect(lines[1]).toBe('TCP Connections (synack)');
    expect(lines[3]).toMatch(/^ {5}0 127\.0\.0\.1:57520 -> 127\.0\.0\.1:47001 \| normal \| half-close, client closed first \| SF ShAdDawFf \| 0\.033 \| 200105\/16 31\/2 \| TIME-WAIT\/CLOSED \| 16\/2 lines\/lines coalesced=1 max=5 after-fin=23B \| zwin=1 wfull=2$/);
    expect(lines[5]).toContain('| refused | reset by server (handshake) | REJ Sr |');
    expect(lines[6]).toContain('ka=3');
    expect(lines[7]).toBe('4 connections');
  });

  it('-z conn -T json: one object per connection and line (lab/demo.pcap)', { tags: ['corpus'] }, () => {
    const r = synack(['-r', labCapture('demo.pcap'), '-q', '-T', 'json', '-z', 'conn']);
    const objs = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as Record<string, any>);
    expect(objs.map((o) => [o.stream, o.handshake.kind, o.teardown.kind, o.conn_state])).toEqual([
      [0, 'normal', 'half-close', 'SF'],
      [1, 'normal', 'reset', 'RSTO'],
      [2, 'refused', 'reset', 'REJ'],
      [3, 'normal', 'three-way', 'SF'],
    ]);
    expect(objs[0].server_to_client.bytes_after_peer_fin).toBe(23);
    expect(objs[0].client_to_server.coalesced_segments).toBe(1);
    expect(objs[0].handshake.initial_rtt_ms).toBeCloseTo(0.033, 6);
    expect(objs[3].analysis.keep_alive).toBe(3);
  });

  it('a bad -z or --framing is one line, exit 2', () => {
    const file = join(CAPTURES, 'tcp-chat.pcap');
    const a = synack(['-r', file, '-q', '-z', 'nope']);
    expect([a.status, a.stdout, a.stderr]).toEqual([2, '', `synack: -z nope: unknown statistic; use ${STATS_HELP}\n`]);
    const b = synack(['-r', file, '-q', '-z', 'follow,tcp,raw,0']);
    expect(b.stderr).toBe('synack: -z follow,tcp,raw,0: use follow,tcp|udp,ascii|hex,N (N: a tcp.stream or udp.stream number)\n');
    const c = synack(['-r', file, '--framing', 'xml', '-q']);
    expect([c.status, c.stderr]).toEqual([2, 'synack: --framing xml: use auto, lines, length, length1, length2, length4, fixed:N or none\n']);
  });

  it('analysis fields in -T fields and -Y', () => {
    const file = join(CAPTURES, 'burst-cork.pcap');
    const r = synack(['-r', file, '-Y', 'synack.coalesced == 1', '-T', 'fields', '-e', 'frame.number', '-e', 'tcp.stream', '-e', 'synack.msgs_in_segment']);
    expect(r.stdout).toBe('4\t0\t5\n');
    const j = synack(['-r', file, '-c', '4', '-T', 'json']).stdout.trim().split('\n');
    expect(JSON.parse(j[3])['synack.msgs_in_segment']).toBe(5);
  });
});

/** A client sending CRLF-terminated lines (HTTP-like) and the server answering, as a capture. */
function crlfCapture(): string {
  const dir = join(ROOT, 'node_modules', '.cache', 'synack-chaos');
  mkdirSync(dir, { recursive: true });
  const f = join(dir, 'cli-crlf.pcap');
  if (!existsSync(f)) {
    const conv = new Conversation({ ip: '10.0.0.1', port: 40000 }, { ip: '10.0.0.2', port: 80 });
    const ask = 'GET / HTTP/1.1\r\nHost: x\r\n\r\n';
    const answer = 'HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok';
    conv.tcp('c', { flags: 'S', seq: 1000 }).wait(10).tcp('s', { flags: 'SA', seq: 5000, ack: 1001 }).wait(10).tcp('c', { flags: 'A', seq: 1001, ack: 5001 });
    conv.wait(100).tcp('c', { flags: 'PA', seq: 1001, ack: 5001, data: ask });
    conv.wait(100).tcp('s', { flags: 'PA', seq: 5001, ack: 1001 + ask.length, data: answer });
    conv.wait(100).tcp('c', { flags: 'A', seq: 1001 + ask.length, ack: 5001 + answer.length });
    writePcap(f, conv.frames);
  }
  return f;
}

describe('follow and carriage returns', () => {
  it.skipIf(!HAVE_TSHARK)('into a file or a pipe, -z follow ascii passes CR through as tshark does', () => {
    const file = crlfCapture();
    const ours = synack(['-r', file, '-q', '--framing', 'none', '-z', 'follow,tcp,ascii,0']).stdout;
    expect(ours).toContain('GET / HTTP/1.1\r\nHost: x\r\n\r\n');
    expect(ours).toBe(tshark(file, ['-q', '-z', 'follow,tcp,ascii,0']));
  });

  it('on a terminal a CR is a dot (it would let later bytes overwrite the line)', async () => {
    let conn: TcpConnection | null = null;
    await analyseFile(crlfCapture(), { followStream: 0, onTcpRetire: (c) => (conn = c) });
    const out = new OutBuf(-1);
    writeFollow(out, 'ascii', 0, conn, false, true);
    expect(out.text()).toContain('GET / HTTP/1.1.\nHost: x.\n.\n');
    expect(out.text()).not.toContain('\r');
  });
});

describe('limits on the command line', () => {
  it('--max-connections: beyond N live connections the least recently active is evicted and listed as such', () => {
    const file = chaos(1);
    const all = synack(['-r', file, '-q', '-z', 'conn']).stdout;
    const total = Number(/^(\d+) connections/m.exec(all)![1]);
    expect(total).toBeGreaterThan(3);
    const capped = synack(['-r', file, '-q', '-z', 'conn', '--max-connections', '2']);
    expect(capped.status).toBe(0);
    const evicted = Number(/^\d+ connections, (\d+) evicted while idle/m.exec(capped.stdout)![1]);
    expect(evicted).toBeGreaterThanOrEqual(total - 2);
    expect(capped.stdout.split('\n').filter((l) => l.endsWith(' | evicted')).length).toBe(evicted);
    // Printing frames too, the rows wait until the end: the same rows, in stream order.
    const printing = synack(['-r', file, '-z', 'conn', '--max-connections', '2', '-T', 'fields', '-e', 'frame.number']).stdout;
    const rows = (text: string): string[] => text.split('\n').filter((l) => / \| /.test(l) && /^ *\d+ /.test(l)).sort();
    expect(rows(printing)).toEqual(rows(capped.stdout));
  });

  it('--stream-bytes caps the datagram bytes -z follow,udp keeps, per direction; the rest is marked as not kept', () => {
    const out = synack(['-r', join(CAPTURES, 'udp-chat.pcap'), '-q', '--stream-bytes', '10', '-z', 'follow,udp,ascii,0']).stdout;
    // Each direction sends four 5-byte messages (the client a 3-byte 'bye' after them): two fit in 10 bytes.
    expect(out).toContain('5\nmsg 1\n5\nmsg 2\n5\n[5 bytes not kept]\n5\n[5 bytes not kept]\n');
    expect(out).toContain('\t5\nMSG 1\n\t5\nMSG 2\n\t5\n[5 bytes not kept]\n');
  });

  it('-z follow,udp lists a bounded number of datagrams and counts the rest', async () => {
    const follow = new UdpFollow('ascii', 0, 1 << 20, 3);
    await analyseFile(join(CAPTURES, 'udp-chat.pcap'), {}, (pkt) => follow.observe(pkt));
    const out = new OutBuf(-1);
    follow.write(out, false);
    expect(out.text()).toContain('5\nmsg 1\n5\nmsg 2\n5\nmsg 3\n[synack: 6 more datagrams not listed]\n====');
  });

  it('-z follow,tcp says how many segments its bounded list left out', async () => {
    let conn: TcpConnection | null = null;
    await analyseFile(join(CAPTURES, 'tcp-chat.pcap'), { followStream: 0, maxChunks: 2, onTcpRetire: (c) => (conn = c) });
    const out = new OutBuf(-1);
    writeFollow(out, 'ascii', 0, conn, false);
    // tcp-chat.pcap's stream carries five data segments: two are listed.
    expect(out.text()).toContain('6\nhello\n\n\t6\nHELLO\n\n[synack: 3 more segments not listed]\n====');
  });

  it.skipIf(!existsSync(join(CAPTURES, 'split.pcap')))('--stream-bytes caps the bytes -z follow keeps; the rest is marked as not kept', () => {
    const out = synack(['-r', join(CAPTURES, 'split.pcap'), '-q', '--stream-bytes', '3000', '-z', 'follow,tcp,ascii,0']).stdout;
    // 1448 + 1448 bytes fit in 3000; the third segment's do not.
    expect(out.match(/\[\d+ bytes not kept\]/g)).toEqual(['[1448 bytes not kept]', '[1448 bytes not kept]', '[1448 bytes not kept]', '[1448 bytes not kept]', '[1313 bytes not kept]', '[4 bytes not kept]']);
  });

  it('a bad limit is one line, exit 2', () => {
    const file = join(CAPTURES, 'tcp-chat.pcap');
    for (const flag of ['--max-connections', '--stream-bytes']) {
      const r = synack(['-r', file, '-q', '-z', 'conn', flag, '0']);
      expect([r.status, r.stdout, r.stderr]).toEqual([2, '', `synack: ${flag} needs a positive whole number, not '0'\n`]);
    }
  });

  it('-z conn while frames are printed holds a bounded number of rows; the dropped ones are counted and said', async () => {
    const report = new ConnReport(false, null, 2);
    let atEnd = 0;
    await analyseFile(chaos(1), {
      maxConnections: 1,
      onTcpRetire: (c, evicted) => {
        if (!evicted) atEnd++;
        report.retire(c, evicted);
      },
    });
    const out = new OutBuf(-1);
    report.finish(out, { streams: 0, evicted: 0, reused: 0 });
    expect(report.dropped).toBeGreaterThan(0);
    expect(out.text()).toContain(`, ${report.dropped} evicted ones not listed (at most 2 rows wait while frames are printed; -q lists every one)`);
    // Two held rows of evicted connections, plus those still live at the end (bounded by the analysis).
    expect(out.text().split('\n').filter((l) => l.endsWith(' | evicted')).length).toBe(2);
    expect(out.text().split('\n').filter((l) => / \| /.test(l) && /^ *\d+ /.test(l)).length).toBe(2 + atEnd);
  });
});
