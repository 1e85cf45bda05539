/**
 * -z io,stat against tshark 4.0's IO Statistics (ui/cli/tap-iostat.c), byte
 * for byte:
 * - in process, on captures/ and a sample of the corpus (captures whose
 *   layers both tools decode alike: elsewhere COUNT(ip.ttl) must differ),
 *   with the intervals 0, 0.001, 0.1, 1 and 10 that give at most 20000 rows,
 *   frame columns (all, filtered, empty), every calculation (COUNT, SUM,
 *   MIN, MAX, AVG, LOAD) on frame.len, tcp.len, ip.ttl, tcp.analysis.ack_rtt,
 *   frame.time_epoch and icmp.resptime, a calculation no filter primes
 *   (tshark's zeros), and several requests in one run (tshark's order);
 * - hand-made captures: time going back before the first frame and before
 *   the current row, one frame (no row at all), a duration that rounds up
 *   and one that does not (0.65 s at one decimal stays 0.6), a day-long one;
 * - through the command line: the table, the note on an unprimed
 *   calculation, bad input in one line with exit 2, too many intervals.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { basename, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Analyzer } from '../../src/analysis/index';
import { openFile } from '../../src/capture/open';
import { protocolsText } from '../../src/decode/frame';
import { decodeFrame } from '../../src/decode/index';
import { Packet } from '../../src/decode/packet';
import { MAX_ROWS } from '../../src/output/iostat';
import { OutBuf } from '../../src/output/outbuf';
import { Stats } from '../../src/output/stats';
import { writePcap, type CraftedFrame } from '../analysis/craft';
import { CLI, CORPUS, HAVE_CORPUS, labCapturesIfPresent, ownCapture, ROOT } from '../helpers/paths';
import { HAVE_TSHARK, oracleText } from '../oracle/tshark';

/** Corpus captures with what they exercise; all decoded alike by both tools (frame.protocols agree). */
const CORPUS_SAMPLE: readonly string[] = [
  'forces3.pcap', // 263 s: whole-second rows to "<> Dur", three-digit labels
  'isis_iid_tlv.pcap', // 156 s
  'HSRP_election.pcap', // 57 s of multicast
  'evb.pcap', // 28 s
  'mptcp-aa-v1.pcap', // TCP with acknowledgements: ack_rtt
  'babel_update_oobr.pcap', // times before the first frame
  'bgp_vpn_rt-oobr.pcap', // elapsed time past 2^31 s, wrapped as tshark's uint64
  'pim_header_asan-4.pcap', // 408 million seconds in three frames
  'icmp-rfc5837.pcap', // one frame: no row at all
  'tcp-fastopen.pcap',
];

const corpusSample = (): string[] => (HAVE_CORPUS ? CORPUS_SAMPLE.map((f) => join(CORPUS, 'tcpdump', f)).filter(existsSync) : []);

const OWN = ['tcp-chat.pcap', 'chat-demo.pcapng', 'burst-cork-length.pcap', 'udp-chat.pcap', 'split.pcap', 'half-close.pcap', 'refused.pcap', 'reset.pcap', 'udp-closed.pcap', 'arp-ping.pcap'];

const INTERVALS = [0, 0.001, 0.1, 1, 10];

/**
 * Columns of every kind. COUNT(tcp) counts protocol items, primed by another
 * request's "tcp" filter; COUNT(ip) is primed by none ("ip.ttl" names a field):
 * tshark counts 0 there.
 */
const CALCS =
  'COUNT(tcp.analysis.retransmission)tcp.analysis.retransmission,SUM(tcp.len)tcp.len,MIN(ip.ttl)ip.ttl,MAX(frame.len)frame.len,' +
  'AVG(tcp.analysis.ack_rtt)tcp.analysis.ack_rtt,COUNT(tcp),COUNT(ip),LOAD(tcp.analysis.ack_rtt)tcp.analysis.ack_rtt';
const TIMES = 'SUM(tcp.analysis.ack_rtt)tcp.analysis.ack_rtt,MIN(tcp.analysis.ack_rtt)tcp.analysis.ack_rtt,MAX(frame.time_epoch)frame.time_epoch,AVG(ip.ttl)ip.ttl,SUM(frame.len)frame.len>100';
/**
 * A double field (icmp.resptime), in one row only: tshark's first row of a
 * double column starts from uninitialised memory (only MIN with the field in
 * its filter is defined), and its empty cells print a stale stack value that
 * a flush of stdout's buffer changes (synack prints the last double printed).
 */
const DOUBLES = 'MIN(icmp.resptime)icmp.resptime,COUNT(icmp.resptime)icmp.resptime';

/** The -z requests for one capture: every interval that keeps the table small, each with every kind of column. */
function requests(durationSecs: number): string[] {
  const zs: string[] = [];
  // tshark divides LOAD's largest value by the interval, which a capture of no duration makes 0: SIGFPE, no output.
  const calcs = durationSecs > 0 ? CALCS : CALCS.replace(/,LOAD\([^,]*/, '');
  for (const i of INTERVALS) {
    if (i !== 0 && durationSecs / i > 20_000) continue;
    zs.push(`io,stat,${i}`, `io,stat,${i},tcp,udp,,frame.len>100`, `io,stat,${i},${calcs}`, `io,stat,${i},${TIMES}`);
    if (i === 0) zs.push(`io,stat,0,${DOUBLES}`);
  }
  return zs;
}

let compared = 0;
afterAll(() => {
  if (compared > 0) console.log(`-z io,stat: ${compared} tables compared with tshark 4.0, byte for byte`);
});

/** synack's -q -z output for `file`, in process (the CLI's path: decode, analysis, Stats), and its frame.protocols. */
async function synackIo(file: string, zs: readonly string[]): Promise<{ text: string; protocols: string[] }> {
  const stats = Stats.plan(zs, false, true);
  if (typeof stats === 'string') throw new Error(stats);
  const analyzer = new Analyzer({ framing: 'auto', ...stats.analysisOptions() });
  const pkt = new Packet();
  const protocols: string[] = [];
  await openFile(file).run((frame) => {
    decodeFrame(pkt, frame, protocols.length + 1);
    protocols.push(protocolsText(pkt));
    analyzer.process(pkt);
    stats.frame(pkt);
  });
  analyzer.finish();
  const out = new OutBuf(-1);
  stats.write(out, analyzer);
  return { text: out.text(), protocols };
}

/** Seconds from the first frame to the latest. */
async function durationOf(file: string): Promise<number> {
  let first = NaN;
  let max = 0;
  await openFile(file).run((f) => {
    const t = f.tsSec + f.tsNsec / 1e9;
    if (Number.isNaN(first)) first = t;
    max = Math.max(max, t - first);
  });
  return max;
}

const tshark = (file: string, zs: readonly string[]): string => oracleText(file, ['-q', ...zs.flatMap((z) => ['-z', z])]).stdout;

function synack(args: string[]): { status: number; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', maxBuffer: 1 << 28 });
  return { status: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

/** Hand-made captures of bare Ethernet/IPv4 frames at the given times (seconds, nanoseconds). */
function crafted(name: string, times: readonly [number, number][]): string {
  const dir = join(ROOT, 'node_modules', '.cache', 'synack-iostat');
  mkdirSync(dir, { recursive: true });
  const f = join(dir, `${name}.pcap`);
  const frames: CraftedFrame[] = times.map(([sec, nsec], k) => {
    const bytes = new Uint8Array(60 + k);
    bytes[12] = 0x08;
    bytes[13] = 0x06; // ARP ethertype: no IP layer to decode
    return { sec, nsec, bytes };
  });
  writePcap(f, frames);
  return f;
}

describe.skipIf(!HAVE_TSHARK)('-z io,stat against tshark 4.0', () => {
  it.each([...OWN.map(ownCapture), ...labCapturesIfPresent('demo.pcap', 'v6.pcap', 'two.pcap'), ...corpusSample()].filter(existsSync).map((f) => [basename(f), f]))(
    'every interval and column kind: %s',
    { timeout: 120_000 },
    async (_name, file) => {
      const zs = requests(await durationOf(file));
      const ours = await synackIo(file, zs);
      expect(ours.text, file).toBe(tshark(file, zs));
      compared += zs.length;
    },
  );

  it('says when the corpus sample is absent', () => {
    if (!HAVE_CORPUS) console.log(`-z io,stat: the corpus (${CORPUS}) is absent: captures/ only`);
    expect(true).toBe(true);
  });

  it('hand-made times: backwards, one frame, rounding, a day', async () => {
    const cases: [string, [number, number][]][] = [
      // Before the first frame (counted at the last time counted), and earlier than the current row (counted in it).
      ['back', [[10, 0], [9, 999_500_000], [10, 200_000_000], [9, 0], [10, 500_000_000], [10, 100_000_000], [11, 300_000_000]]],
      ['one', [[10, 0]]],
      // 0.65 s stays 0.6 at one decimal (rounded up only past half), 0.66 s becomes 0.7.
      ['half', [[10, 0], [10, 650_000_000]]],
      ['over-half', [[10, 0], [10, 660_000_000]]],
      // 9.96 s at 0.1: the rounded duration (10.0) is one digit wider than the numbers' format.
      ['wider', [[10, 0], [15, 0], [19, 960_000_000]]],
      ['day', [[100, 0], [3700, 0], [100 + 86_400, 123_456_000]]],
    ];
    for (const [name, times] of cases) {
      const file = crafted(name, times);
      const zs = ['io,stat,0', 'io,stat,0.1', 'io,stat,1', 'io,stat,10.00,frame.len>0', 'io,stat,3600,,BYTES()frame.len>60,FRAMES()'];
      // A day at 0.1 s or 1 s is 864000 or 86400 rows: tshark prints them, the oracle's cache need not hold them.
      if (name === 'day') zs.splice(1, 2);
      expect((await synackIo(file, zs)).text, name).toBe(tshark(file, zs));
      compared += zs.length;
    }
  });
});

describe('-z io,stat through the command line', () => {
  const chat = ownCapture('tcp-chat.pcap');

  it.skipIf(!HAVE_TSHARK)('prints tshark\'s table, after the other statistics given later', () => {
    const zs = ['-z', 'io,stat,1,tcp.flags.syn==1', '-z', 'conv,tcp', '-z', 'io,stat,0.1,SUM(frame.len)frame.len>100,COUNT(tcp.len)tcp.len'];
    const r = synack(['-r', chat, '-q', ...zs]);
    expect(r.status).toBe(0);
    expect(r.stderr).toBe('');
    expect(r.stdout).toBe(tshark(chat, zs.filter((z) => z !== '-z')));
    compared += 3;
  });

  it.skipIf(!HAVE_TSHARK)('a calculation no filter names counts nothing, as in tshark, and synack says why', () => {
    const r = synack(['-r', chat, '-q', '-z', 'io,stat,0,SUM(frame.len),AVG(ip.ttl)']);
    expect(r.stdout).toBe(tshark(chat, ['io,stat,0,SUM(frame.len),AVG(ip.ttl)']));
    expect(r.stdout).toContain('|   0 |   0 |');
    expect(r.stderr.trim().split('\n')).toEqual([
      "synack: -z io,stat,0,SUM(frame.len),AVG(ip.ttl): as in tshark, SUM(frame.len) sees frame.len only in frames a display filter names it in; write SUM(frame.len)frame.len to count it",
      "synack: -z io,stat,0,SUM(frame.len),AVG(ip.ttl): as in tshark, AVG(ip.ttl) sees ip.ttl only in frames a display filter names it in; write AVG(ip.ttl)ip.ttl to count it",
    ]);
    // -Y names the field (or the protocol): primed, as tshark's display filter primes it; so does another -z's filter.
    const y = synack(['-r', chat, '-q', '-Y', 'ip.ttl || ip', '-z', 'io,stat,0,AVG(ip.ttl),COUNT(ip)']);
    expect(y.stderr).toBe('');
    expect(y.stdout).toBe(oracleText(chat, ['-q', '-Y', 'ip.ttl || ip', '-z', 'io,stat,0,AVG(ip.ttl),COUNT(ip)']).stdout);
    expect(y.stdout).toContain('|  64 |    14 |');
    const conv = synack(['-r', chat, '-q', '-z', 'conv,tcp,frame.len>0', '-z', 'io,stat,0,SUM(frame.len)']);
    expect(conv.stderr).toBe('');
    expect(conv.stdout).toBe(tshark(chat, ['conv,tcp,frame.len>0', 'io,stat,0,SUM(frame.len)']));
    expect(conv.stdout).toContain('| 982 |');
    compared += 4;
  });

  it.each([
    ['io,stat,1,SUM(tcp.lenn)tcp.len', "unknown field 'tcp.lenn'; did you mean 'tcp.len'?"],
    ['io,stat,1,SUM(ip.src)ip.src', "ip.src doesn't have integral values, so SUM(*) calculations are not supported on it"],
    ['io,stat,1,SUM(tcp.flags.syn)', "tcp.flags.syn doesn't have integral values, so SUM(*) calculations are not supported on it"],
    ['io,stat,1,LOAD(icmp.resptime)', 'icmp.resptime is a float field, so LOAD(*) calculations are not supported on it'],
    ['io,stat,1,LOAD(frame.len)', 'LOAD() is only supported for relative-time fields such as tcp.analysis.ack_rtt'],
    ['io,stat,1,SUM(frame.len', 'closing parenthesis missing after SUM('],
    ['io,stat,1,SUM()', 'SUM() needs a field, as SUM(frame.len)'],
    ['io,stat,0.0000001', 'the interval must be at least 0.000001 seconds, or 0 for the whole capture'],
    ['io,stat,1x', 'use io,stat,INTERVAL[,FILTER|CALC(field)FILTER...]'],
    ['io,stat,1,', 'use io,stat,INTERVAL[,FILTER|CALC(field)FILTER...]'],
    ['io,stat', 'use io,stat,INTERVAL[,FILTER|CALC(field)FILTER...]'],
  ])('refuses -z %s in one line, exit 2', (z, message) => {
    const r = synack(['-r', chat, '-q', '-z', z]);
    expect(r.status).toBe(2);
    expect(r.stdout).toBe('');
    const lines = r.stderr.trimEnd().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain(`synack: -z ${z}: `);
    expect(lines[0]).toContain(message);
  });

  it('a bad filter: the message, then the filter underlined, as -Y and the other -z say it; exit 2', () => {
    const r = synack(['-r', chat, '-q', '-z', 'io,stat,1,SUM(frame.len)tcp.lenn>1']);
    expect(r.status).toBe(2);
    expect(r.stdout).toBe('');
    const lines = r.stderr.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^synack: -z io,stat,1,SUM\(frame\.len\)tcp\.lenn>1: 'tcp\.lenn' is neither a field nor a protocol/);
    expect(lines.slice(1)).toEqual(['  tcp.lenn>1', '  ^~~~~~~~']);
  });

  it('more intervals than it prints: one line after the other reports, exit 2, memory bounded', () => {
    // Three seconds at a microsecond: 3 million rows, over MAX_ROWS.
    const file = crafted('three-seconds', [
      [10, 0],
      [13, 0],
    ]);
    expect(3_000_000).toBeGreaterThan(MAX_ROWS);
    const r = synack(['-r', file, '-q', '-z', 'io,stat,0.000001', '-z', 'io,stat,1']);
    expect(r.status).toBe(2);
    expect(r.stdout).toContain('|  2 <> Dur|      0 |     0 |');
    expect(r.stderr).toBe(`synack: -z io,stat,0.000001: the capture lasts 3.000000 s, 3000000 intervals; synack prints at most ${MAX_ROWS}: use a longer interval\n`);
  });
});
