/**
 * -z expert against tshark 4.0's, on every capture tshark reads (captures/,
 * the shared corpus). tshark's summary comes from the cached oracle run
 * (test/oracle/tshark.ts asks for -z expert beside the fields).
 *
 * synack raises the expert items of the protocols in COVERED; tshark raises
 * them for hundreds more (BGP, HTTP, ISIS ...). For a covered protocol every
 * row must be tshark's: severity, group, summary, frequency, and the order of
 * first appearance. A protocol is compared in a capture only where both tools
 * decode it in the same frames (frame.protocols): a link type or a tunnel
 * synack does not decode hides it (counted and named, as decoder coverage).
 */
import { spawnSync } from 'node:child_process';
import { basename } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Analyzer } from '../../src/analysis/index';
import { openFile } from '../../src/capture/open';
import { decodeFrame } from '../../src/decode/index';
import { Packet } from '../../src/decode/packet';
import { ExpertReport, parseExpertArgs } from '../../src/output/expert';
import { OutBuf } from '../../src/output/outbuf';
import { allCaptureFiles, CLI, ownCapture } from '../helpers/paths';
import { HAVE_TSHARK, oracle, oracleText } from '../oracle/tshark';

/** Protocols whose expert items synack raises (tshark's short name -> its frame.protocols name). */
const COVERED: ReadonlyMap<string, string> = new Map([['TCP', 'tcp']]);

interface Row {
  severity: string;
  group: string;
  protocol: string;
  summary: string;
  frequency: number;
}

/** The rows of a -z expert summary, in order. */
function parseRows(text: string): Row[] {
  const rows: Row[] = [];
  let severity = '';
  for (const line of text.split('\n')) {
    const heading = /^(Errors|Warns|Notes|Chats|Comments) \(\d+\)$/.exec(line);
    if (heading !== null) {
      severity = heading[1];
      continue;
    }
    // "%12d %10s %18s  %s": the protocol may hold spaces ("ARP/RARP", "IPv6 Hop-by-Hop"), so by columns.
    const m = /^ *(\d+) +(\S+) (.{18})  (.*)$/.exec(line);
    if (m !== null) rows.push({ severity, group: m[2], protocol: m[3].trim(), summary: m[4], frequency: Number(m[1]) });
  }
  return rows;
}

/** synack's -z expert of `file`, in-process, and each frame's decoded protocol names. */
async function synackExpert(file: string): Promise<{ text: string; layers: Set<string>[] }> {
  const analyzer = new Analyzer({});
  const report = new ExpertReport(4, null, false);
  const pkt = new Packet();
  const layers: Set<string>[] = [];
  let n = 0;
  await openFile(file).run((frame) => {
    n++;
    decodeFrame(pkt, frame, n);
    analyzer.process(pkt);
    report.observe(pkt);
    const names = new Set<string>();
    for (let li = 0; li < pkt.layerCount; li++) names.add(pkt.layerProto[li].name);
    layers.push(names);
  });
  analyzer.finish();
  const out = new OutBuf(-1);
  report.write(out);
  return { text: out.text(), layers };
}

const key = (r: Row): string => `${r.severity} ${r.group} ${r.protocol}: ${r.summary} (${r.frequency})`;

describe.skipIf(!HAVE_TSHARK)('-z expert against tshark', () => {
  it('prints tshark -z expert byte for byte on the chat captures', () => {
    for (const name of ['tcp-chat.pcap', 'half-close.pcap', 'reset.pcap', 'refused.pcap', 'tcp-chat-v6.pcap']) {
      const file = ownCapture(name);
      const r = spawnSync('node', [CLI, '-r', file, '-q', '-z', 'expert'], { encoding: 'utf8' });
      expect(r.stderr).toBe('');
      const tshark = oracleText(file, ['-q', '-z', 'expert']).stdout;
      expect(tshark).toMatch(/Chats \(\d+\)/);
      expect(r.stdout, name).toBe(tshark);
    }
  });

  it('raises the rows tshark raises for every covered protocol, on every capture', { timeout: 600_000, tags: ['corpus'] }, async () => {
    let files = 0;
    let compared = 0;
    const hidden = new Map<string, Set<string>>();
    const failures: string[] = [];
    for (const file of allCaptureFiles()) {
      const o = oracle(file);
      if (o.rows.length === 0) continue;
      files++;
      const ours = await synackExpert(file);
      const tsharkRows = parseRows(o.expert);
      const synackRows = parseRows(ours.text);
      for (const [short, name] of COVERED) {
        // Compared only where both decode the protocol in the same frames.
        const same = o.rows.every((row, i) => (row.get('frame.protocols') ?? '').split(':').includes(name) === (ours.layers[i]?.has(name) ?? false));
        if (!same) {
          let s = hidden.get(short);
          if (s === undefined) hidden.set(short, (s = new Set()));
          s.add(basename(file));
          continue;
        }
        const want = tsharkRows.filter((r) => r.protocol === short).map(key);
        const got = synackRows.filter((r) => r.protocol === short).map(key);
        compared += want.length;
        if (want.join('\n') !== got.join('\n')) failures.push(`${basename(file)} ${short}:\n  tshark: ${want.join('\n          ')}\n  synack: ${got.join('\n          ')}`);
      }
    }
    const hiddenText = [...hidden].map(([p, s]) => `${p} in ${s.size} (${[...s].slice(0, 6).join(', ')}${s.size > 6 ? ', ...' : ''})`).join('; ');
    console.log(
      `-z expert: ${compared} tshark rows of ${[...COVERED.keys()].join(', ')} compared in ${files} captures, ${failures.length} differ` +
        (hiddenText === '' ? '' : `; not compared where synack's decoders do not reach the protocol: ${hiddenText}`),
    );
    expect(failures).toEqual([]);
    expect(compared).toBeGreaterThan(0);
  });
});

describe('-z expert arguments', () => {
  it("reads tshark's level words and filter", () => {
    expect(parseExpertArgs('')).toEqual({ lowest: 4, filter: null });
    expect(parseExpertArgs(',warn')).toEqual({ lowest: 1, filter: null });
    expect(parseExpertArgs(',NOTE,tcp.port == 80')).toEqual({ lowest: 2, filter: 'tcp.port == 80' });
    // No level word: tshark takes the rest as the filter.
    expect(parseExpertArgs(',tcp')).toEqual({ lowest: 4, filter: 'tcp' });
    expect(parseExpertArgs(',,udp')).toEqual({ lowest: 4, filter: ',udp' });
  });

  it('keeps the severities asked for, counts the frames the filter selects, and refuses a bad filter', () => {
    const file = ownCapture('reset.pcap');
    const run = (z: string): { stdout: string; stderr: string; status: number | null } => spawnSync('node', [CLI, '-r', file, '-q', '-z', z], { encoding: 'utf8' });
    const all = run('expert').stdout;
    expect(all).toMatch(/Warns \(\d+\)[\s\S]*Chats/);
    const warn = run('expert,warn').stdout;
    expect(warn).toMatch(/^\nWarns \(\d+\)/);
    expect(warn).not.toMatch(/Notes|Chats/);
    // A filter selecting no frame leaves nothing to print.
    expect(run('expert,udp').stdout).toBe('');
    const fins = spawnSync('node', [CLI, '-r', ownCapture('half-close.pcap'), '-q', '-z', 'expert,note,tcp.flags.fin == 1'], { encoding: 'utf8' }).stdout;
    // Notes and above, of the two FIN frames: the closing notes, no Chats (the FINs' own items are Chats).
    expect(fins).toMatch(/^\nNotes \(2\)\n[\s\S]*initiates the connection closing\n[\s\S]*undergoes the connection closing\n$/);
    expect(fins).not.toMatch(/Chats|Warns/);
    const bad = run('expert,tcp.flags.syn ==');
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/^synack: -z expert,tcp\.flags\.syn ==: /);
  });

  it('writes one JSON object per row with -T json', () => {
    const r = spawnSync('node', [CLI, '-r', ownCapture('tcp-chat.pcap'), '-q', '-T', 'json', '-z', 'expert'], { encoding: 'utf8' });
    const rows = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as Row);
    expect(rows[0]).toEqual({ severity: 'Notes', group: 'Sequence', protocol: 'TCP', summary: 'This frame initiates the connection closing', frequency: 1 });
    expect(rows.map((x) => x.severity)).toContain('Chats');
  });
});
