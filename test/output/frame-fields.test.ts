/**
 * frame.time, frame.time_delta_displayed and the summary columns as fields
 * (_ws.col.*) against tshark 4.0:
 * - frame.time in several time zones (TZ files, their POSIX footers beyond
 *   2037, bare POSIX TZ strings), on hand-made captures whose times cross
 *   daylight-saving changes, leap days, 2038 and 2106, and damaged fractions;
 * - the columns and frame.time_delta_displayed on the project's captures, the
 *   lab's and the corpus captures whose summaries synack writes, and the
 *   capture-level columns (No., Time, Length) on a sample of the corpus;
 * - frame.time_delta_displayed under -Y, and both new kinds of field in -Y.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { basename, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { concat, epb, ethFrame, idb, pcapHeader, pcapRecord, save, shb, spb } from '../capture/craft';
import { CAPTURES, CORPUS, HAVE_CORPUS } from '../helpers/paths';
import { OUTPUT_FIELDS } from '../oracle/fields';
import { HAVE_TSHARK, oracle, oracleText } from '../oracle/tshark';
import { runFields } from './run-fields';

/** Protocol columns synack writes (test/output/summary.test.ts): other frames' protocol and info are another dissector's. */
const OURS = new Set(['TCP', 'UDP', 'DNS', 'MDNS', 'DHCP', 'BOOTP', 'ARP', 'ICMP', 'ICMPv6', 'IPv4', 'IPv6']);
const COLUMNS = OUTPUT_FIELDS;
/** What the capture alone decides, whatever the protocols. */
const CAPTURE_COLUMNS = new Set(['_ws.col.No.', '_ws.col.Time', '_ws.col.Length', 'frame.time_delta_displayed']);

const savedTz = process.env.TZ;
afterAll(() => {
  if (savedTz === undefined) delete process.env.TZ;
  else process.env.TZ = savedTz;
});

/** Seconds since the epoch worth printing: DST changes (Paris, New York, Sydney), leap days, single-digit days, 2038, footer-rule years. */
const SECONDS = [
  0, 86399, 951782400, 1679792399, 1679792400, 1698541199, 1698541200, 1678604399, 1678604400, 1699163999, 1699164000, 1680407999,
  1680408000, 1696132799, 1696132800, 1699142400, 2147483647, 2147483648, 4102444800, 4118083200, 4294967295, 10000000000,
];

/** A pcapng of nanosecond times (one interface shifted 2^31 s back by if_tsoffset: times before 1970), and a frame with no time. */
function zonesCapture(): string {
  const frames = SECONDS.flatMap((s, i) => [epb(0, BigInt(s) * 1_000_000_000n + BigInt(i * 7919), ethFrame(i)), epb(1, BigInt(s) * 1_000_000_000n, ethFrame(i))]);
  return save('frame-time-zones.pcapng', concat(shb(), idb(1, { tsresol: 9 }), idb(1, { tsresol: 9, tsoffset: -2147483648n }), ...frames, spb(ethFrame(99), 60)));
}

/** A nanosecond pcap whose fractions are damaged: a whole second and more, and one wiretap reads as negative. */
function damagedCapture(): string {
  return save('frame-time-damaged.pcap', concat(pcapHeader({ nano: true }), pcapRecord(1418145369, 999999999, ethFrame(1)), pcapRecord(1418145370, 1000000000, ethFrame(2)), pcapRecord(1418145370, 0x80000000, ethFrame(3)), pcapRecord(1418145371, 0xfffffffb, ethFrame(4))));
}

/** tshark's frame.time for `file` with TZ set to `tz` (undefined: unset). */
function tsharkTimes(file: string, tz: string | undefined): string {
  const env = { ...process.env };
  if (tz === undefined) delete env.TZ;
  else env.TZ = tz;
  const r = spawnSync('tshark', ['-n', '-r', file, '-T', 'fields', '-e', 'frame.time'], { encoding: 'utf8', env });
  expect(r.status).toBe(0);
  return r.stdout;
}

describe.skipIf(!HAVE_TSHARK)('frame.time against tshark 4.0', () => {
  const zones: (string | undefined)[] = [
    'UTC',
    '',
    undefined,
    ':Europe/Paris',
    'America/New_York',
    'Australia/Sydney',
    'Asia/Kolkata',
    'Pacific/Chatham',
    'Etc/GMT+5',
    '<+0530>-5:30',
    'XYZ-3',
    'ABC+3DEF-2,J60/3,300/-1',
    '<-03>3<-02>,M3.5.0/-2,M10.5.0/-1',
    'Nowhere/City',
  ];
  for (const tz of zones) {
    it(`TZ=${tz === undefined ? '(unset)' : JSON.stringify(tz)}: every time, as tshark prints it`, async () => {
      const file = zonesCapture();
      if (tz === undefined) delete process.env.TZ;
      else process.env.TZ = tz;
      const ours = await runFields(file, ['-T', 'fields', '-e', 'frame.time']);
      expect(ours).toBe(tsharkTimes(file, tz));
      expect(ours.split('\n')).toHaveLength(SECONDS.length * 2 + 2);
    });
  }

  it('damaged fractions print all their digits and their sign, as printf %09ld', async () => {
    const file = damagedCapture();
    process.env.TZ = 'UTC';
    const ours = await runFields(file, ['-T', 'fields', '-e', 'frame.time']);
    expect(ours).toBe(tsharkTimes(file, 'UTC'));
    expect(ours).toContain('.1000000000 UTC');
  });

  it('-Y compares frame.time as an absolute time, in the local zone', async () => {
    const file = zonesCapture();
    process.env.TZ = 'Europe/Paris';
    const args = ['-Y', 'frame.time >= "2023-03-26 03:00:00" && frame.time < "Oct 29, 2023 02:00:00"', '-T', 'fields', '-e', 'frame.number', '-e', 'frame.time'];
    const theirs = spawnSync('tshark', ['-n', '-r', file, ...args], { encoding: 'utf8', env: { ...process.env, TZ: 'Europe/Paris' } });
    expect(await runFields(file, args)).toBe(theirs.stdout);
    expect(theirs.stdout.split('\n').length).toBeGreaterThan(3);
  });
});

/** captures/, the lab's captures and the corpus captures whose summaries synack writes (test/output/summary.test.ts). */
function summaryFiles(): string[] {
  const out: string[] = [];
  for (const d of [CAPTURES, join(CORPUS, 'lab')]) {
    if (!existsSync(d)) continue;
    for (const f of readdirSync(d).sort()) if (/\.(pcap|pcapng)$/.test(f)) out.push(join(d, f));
  }
  for (const f of ['dns_udp.pcap', 'dnssec.pcap', 'edns-opts.pcap', 'dhcp-rfc3004.pcap', 'dhcp-mud.pcap', 'ipv6-routing-header.pcap']) {
    const p = join(CORPUS, 'tcpdump', f);
    if (existsSync(p)) out.push(p);
  }
  return out;
}

/** Every 16th corpus capture: the capture-level columns on damaged and unusual files. */
function corpusSample(): string[] {
  const dir = join(CORPUS, 'tcpdump');
  if (!HAVE_CORPUS) return [];
  return readdirSync(dir)
    .sort()
    .filter((_, i) => i % 16 === 0)
    .map((f) => join(dir, f));
}

/** Compares the oracle's rows with synack's, cell by cell; `all` also compares the protocol-dependent columns. */
async function compareColumns(file: string, all: boolean): Promise<number> {
  const theirs = oracle(file, COLUMNS);
  const ours = (await runFields(file, ['-T', 'fields', ...COLUMNS.flatMap((c) => ['-e', c])])).split('\n').slice(0, -1);
  // Where the capture layers disagree on where a damaged file ends, the frames both read are compared.
  const n = Math.min(theirs.rows.length, ours.length);
  if (all) expect(ours.length).toBe(theirs.rows.length);
  let compared = 0;
  for (let i = 0; i < n; i++) {
    const cells = ours[i].split('\t');
    const row = theirs.rows[i];
    const mine = all && OURS.has(row.get('_ws.col.Protocol')!);
    COLUMNS.forEach((c, j) => {
      if (!mine && !CAPTURE_COLUMNS.has(c)) return;
      expect(cells[j], `${basename(file)} frame ${i + 1} ${c}`).toBe(row.get(c));
      compared++;
    });
  }
  return compared;
}

describe.skipIf(!HAVE_TSHARK)('_ws.col.* and frame.time_delta_displayed against tshark 4.0', () => {
  for (const file of summaryFiles()) {
    it(`every column of ${basename(file)}`, { tags: file.startsWith(CAPTURES) ? [] : ['corpus'] }, async () => {
      expect(await compareColumns(file, true)).toBeGreaterThan(0);
    });
  }
  for (const file of corpusSample()) {
    it(`No., Time, Length and the displayed delta of ${basename(file)}`, { tags: ['corpus'] }, async () => {
      await compareColumns(file, false);
    });
  }

  it('frame.time_delta_displayed counts from the previous frame -Y let through', async () => {
    const file = join(CAPTURES, 'tcp-chat.pcap');
    const args = ['-Y', 'tcp.len > 0', '-T', 'fields', '-e', 'frame.number', '-e', 'frame.time_delta', '-e', 'frame.time_delta_displayed'];
    const theirs = oracleText(file, args).stdout;
    expect(await runFields(file, args)).toBe(theirs);
    // Not frame.time_delta: frames in between were not displayed.
    expect(theirs.split('\n').some((l) => l.split('\t')[1] !== l.split('\t')[2])).toBe(true);
  });

  it('in -Y, frame.time_delta_displayed is 0 until a frame is displayed, so a filter on it alone shows nothing', async () => {
    const file = join(CAPTURES, 'tcp-chat.pcap');
    const args = ['-Y', 'frame.time_delta_displayed > 0.0001', '-T', 'fields', '-e', 'frame.number'];
    expect(oracleText(file, args).stdout).toBe('');
    expect(await runFields(file, args)).toBe('');
  });

  it('_ws.col.* filter in -Y, which tshark 4.0 refuses: synack keeps the frames whose column matches', async () => {
    const file = join(CAPTURES, 'tcp-chat.pcap');
    const syn = await runFields(file, ['-Y', '_ws.col.Info contains "[SYN"', '-T', 'fields', '-e', 'frame.number']);
    const flags = oracleText(file, ['-Y', 'tcp.flags.syn == 1', '-T', 'fields', '-e', 'frame.number']).stdout;
    expect(syn).toBe(flags);
  });
});
