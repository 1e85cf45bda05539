/**
 * The default text output against tshark 4.0's (`tshark -n -r F`), line by
 * line, on every capture the project ships, the lab captures and corpus
 * captures of DNS, DHCP and IPv6 routing: number, time, addresses, protocol,
 * length and info must be the same text.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { basename, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { copyFrame, type Frame } from '../../src/capture/frame';
import { openFile } from '../../src/capture/open';
import { concat, pcapHeader, pcapRecord, save } from '../capture/craft';
import { CAPTURES, CLI, CORPUS, labCapture } from '../helpers/paths';
import { HAVE_TSHARK, oracleSummary } from '../oracle/tshark';

/** Protocol columns synack writes; a line tshark gives to another dissector is an exception below. */
const OURS = new Set(['TCP', 'UDP', 'DNS', 'MDNS', 'DHCP', 'BOOTP', 'ARP', 'ICMP', 'ICMPv6', 'IPv4', 'IPv6']);

/**
 * Named differences, each with its reason:
 * - tshark gives payload on well-known ports (HTTP on 80/8080: esc.pcap #4)
 *   to dissectors synack does not have; its line is theirs. Counted, skipped.
 * - for the same reason tshark's HTTP dissector asks TCP to reassemble, and
 *   the segments carry " [TCP segment of a reassembled PDU]".
 */
const REASSEMBLED = ' [TCP segment of a reassembled PDU]';

/**
 * Relative sequence numbers and the scaled window are analysis's (tcp.seq,
 * tcp.ack, tcp.window_size, checked field by field by its differential test).
 * While the CLI prints raw values (analysis not wired), these numbers are
 * masked; once a SYN shows Seq=0 the comparison is exact.
 */
const ANALYSIS_NUMBERS = /\b(Seq|Ack|Win|SLE|SRE)=\d+/g;
/** Analysis's prefixes ("[TCP Window Full] ", "[TCP Retransmission] "), also masked until it is wired. */
const ANALYSIS_PREFIXES = /(?<= TCP \d+ )(\[TCP [^\]]+\] )+/;

/** Corpus captures of DNS, DHCP and ICMPv6 behind a routing header: the other summaries synack writes. */
const CORPUS_FILES = [
  'dns_udp.pcap',
  'dnssec.pcap',
  'dns-uri.pcap',
  'dns-badcookie.pcap',
  'dns-badvers.pcap',
  'edns-opts.pcap',
  'dhcp-rfc3004.pcap',
  'dhcp-mud.pcap',
  'dhcp-rfc5859.pcap',
  'dhcp-option-33.pcap',
  'ipv6-routing-header.pcap',
];

function captureFiles(): string[] {
  const dirs = [CAPTURES, join(CORPUS, 'lab')];
  const out: string[] = [];
  for (const d of dirs) {
    if (!existsSync(d)) continue;
    for (const f of readdirSync(d).sort()) if (/\.(pcap|pcapng)$/.test(f)) out.push(join(d, f));
  }
  for (const f of CORPUS_FILES) if (existsSync(join(CORPUS, 'tcpdump', f))) out.push(join(CORPUS, 'tcpdump', f));
  return out;
}

function synackLines(file: string): string[] {
  const r = spawnSync(process.execPath, [CLI, '-r', file], { encoding: 'utf8', maxBuffer: 1 << 28 });
  expect(r.stderr).toBe('');
  return r.stdout.split('\n').filter((l) => l !== '');
}

function protocolOf(line: string): string {
  // After "src → dst" (dst left-aligned in 12 columns, possibly empty) comes the protocol column.
  const rest = line.slice(line.indexOf(' \u2192 ') + 3);
  const tokens = rest.trim().split(/ +/);
  return rest.startsWith(' '.repeat(12)) ? tokens[0] : tokens[1];
}

describe.skipIf(!HAVE_TSHARK)('summary lines against tshark 4.0', () => {
  const files = captureFiles();

  it('finds captures to compare', () => {
    expect(files.length).toBeGreaterThan(0);
  });

  it.each(files.map((f) => [f.slice(f.lastIndexOf('/', f.lastIndexOf('/') - 1) + 1), f]))('%s', (_name, file) => {
    const theirs = oracleSummary(file).lines;
    const ours = synackLines(file);
    expect(ours.length).toBe(theirs.length);
    const relative = ours.some((l) => / \[SYN\] Seq=0 /.test(l));
    let compared = 0;
    let skipped = 0;
    for (let i = 0; i < theirs.length; i++) {
      let want = theirs[i];
      if (!OURS.has(protocolOf(want))) {
        skipped++;
        continue;
      }
      if (want.endsWith(REASSEMBLED)) want = want.slice(0, -REASSEMBLED.length);
      let got = ours[i];
      if (!relative) {
        want = want.replace(ANALYSIS_NUMBERS, '$1=#').replace(ANALYSIS_PREFIXES, '');
        got = got.replace(ANALYSIS_NUMBERS, '$1=#');
      }
      expect(got, `frame ${i + 1}`).toBe(want);
      compared++;
    }
    console.log(`${file}: ${compared} lines equal to tshark's${skipped > 0 ? `, ${skipped} given by tshark to dissectors synack lacks` : ''}${relative ? '' : ' (analysis numbers masked)'}`);
  });
});

describe.skipIf(!HAVE_TSHARK)('the time column on captures with damaged or reordered time stamps', () => {
  // A fraction of 10^9 or more (wrapped as C's int does), frames earlier than the first, spans of decades.
  for (const name of ['timestamp_invalid_nano.pcap', 'kday4.pcap', 'smb_data_print-segv.pcap']) {
    it(`equals tshark's on every frame of ${name}`, { tags: ['corpus'] }, () => {
      const file = join(CORPUS, 'tcpdump', name);
      const time = (l: string): string => l.trim().split(/ +/).slice(0, 2).join(' ');
      const theirs = oracleSummary(file).lines.map(time);
      expect(synackLines(file).map(time)).toEqual(theirs);
    });
  }
});

describe.skipIf(!HAVE_TSHARK)('summary lines of frames cut by the snapshot length', () => {
  // The demo's own capture always (TCP and UDP), the lab's demo.pcap where the corpus is.
  for (const [what, capture, tags] of [
    ['captures/chat-demo.pcapng', () => join(CAPTURES, 'chat-demo.pcapng'), []],
    ['lab/demo.pcap', () => labCapture('demo.pcap'), ['corpus']],
  ] as const) {
    it(`equal tshark's at every cut inside and just past the TCP header (${what}, frame k cut to 34 + k % 33 bytes: never into the payload, which the heuristic dissectors of tshark try and may stop on)`, { tags: [...tags] }, async () => {
      const frames: Frame[] = [];
      await openFile(capture()).run((f) => {
        frames.push(copyFrame(f));
      });
      const records = frames.map((f, k) => {
        const bytes = f.data.subarray(f.offset, f.offset + f.capLen);
        return pcapRecord(f.tsSec, Math.floor(f.tsNsec / 1000), bytes.subarray(0, Math.min(bytes.length, 34 + (k % 33))), { origLen: f.origLen });
      });
      const file = save(`b2-cut-${basename(capture())}.pcap`, concat(pcapHeader(), ...records));
      const ours = synackLines(file);
      const theirs = oracleSummary(file).lines;
      expect(ours).toEqual(theirs);
      expect(ours.filter((l) => l.endsWith('[Packet size limited during capture]')).length).toBeGreaterThan(20);
    });
  }
});
