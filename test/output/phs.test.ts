/**
 * -z io,phs against tshark 4.0's Protocol Hierarchy Statistics, byte for byte:
 * - on every capture (captures/, the shared corpus) where both tools list
 *   the same frame.protocols for every frame: where they do not (link types,
 *   tunnels and application protocols synack does not decode) the hierarchy
 *   must differ, and the capture is set aside, counted; so are the few in
 *   EXCUSED, where the decoders agree on the layers but not on the damage;
 * - through the command line on captures/, with a FILTER, with a bad one;
 * - on hand-made frames the corpus lacks: headers of no byte (which tshark
 *   dissectors add their item before throwing), 20 nested IP headers (the
 *   "..." past 16 levels).
 */
import { spawnSync } from 'node:child_process';
import { basename } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openFile } from '../../src/capture/open';
import { protocolsText } from '../../src/decode/frame';
import { decodeFrame } from '../../src/decode/index';
import { Packet } from '../../src/decode/packet';
import { OutBuf } from '../../src/output/outbuf';
import { PhsTable } from '../../src/output/phs';
import { STATS_HELP } from '../../src/output/stats';
import { concat, epb, idb, option, options, pcapHeader, pcapRecord, save, shb } from '../capture/craft';
import { allCaptureFiles, CLI, HAVE_CORPUS, ownCapture, ownCaptureFiles } from '../helpers/paths';
import { HAVE_TSHARK, oracle, oracleText, warmOracleText } from '../oracle/tshark';

/** Captures where both decode the same layers but tshark finds other damage (each must still differ). */
const EXCUSED: readonly { file: string; reason: string }[] = [
  { file: 'extract_read2_asan.pcap', reason: 'tshark 4.0 prints an empty hierarchy for this ICMP Source Quench (its frame never reaches the tap)' },
  { file: 'icmp6_mobileprefix_asan.pcap', reason: "tshark finds a Mobile Prefix option cut by the capture, which synack's ICMPv6 decoder does not read" },
  { file: 'rtp-seg-fault-1.pcapng', reason: "synack records one problem per frame: UDP's bogus length (an expert item) hides the DNS exception tshark adds after it" },
  { file: 'dhcp-rfc4388.pcap', reason: "tshark's DHCP raises Malformed on two requests that synack's DHCP decoder reads whole" },
  { file: 'mptcp-dss-oobr.pcap', reason: "tshark's MPTCP option dissector raises Malformed; synack lists MPTCP options without decoding them" },
];

function synack(args: string[]): { status: number; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', maxBuffer: 1 << 28 });
  return { status: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

const tshark = (file: string, z: string): string => oracleText(file, ['-q', '-z', z]).stdout;

/** synack's hierarchy of `file`, in-process, and each frame's frame.protocols (frames before any damage to the file). */
async function synackPhs(file: string): Promise<{ text: string; protocols: string[] }> {
  const table = new PhsTable(null, '');
  const pkt = new Packet();
  const protocols: string[] = [];
  try {
    await openFile(file).run((frame) => {
      decodeFrame(pkt, frame, protocols.length + 1);
      protocols.push(protocolsText(pkt));
      table.observe(pkt);
    });
  } catch {
    // A damaged file: the frames before the damage count, as the command line reports them.
  }
  const out = new OutBuf(-1);
  table.write(out);
  return { text: out.text(), protocols };
}

describe.skipIf(!HAVE_TSHARK)('-z io,phs against tshark 4.0', () => {
  it('is tshark\'s hierarchy on every capture where both decode the same protocols', { timeout: 600_000 }, async () => {
    let compared = 0;
    const differentLayers: string[] = [];
    const unread: string[] = [];
    const failures: string[] = [];
    const stillNeeded = new Set<string>();
    const files = allCaptureFiles();
    // First the captures where both list the same protocols, then tshark's hierarchies of those, two runs at a time.
    const candidates: { file: string; ours: { text: string; protocols: string[] } }[] = [];
    for (const file of files) {
      const o = oracle(file);
      const ours = await synackPhs(file);
      const theirsProtocols = o.rows.map((r) => r.get('frame.protocols') ?? '');
      if (theirsProtocols.length !== ours.protocols.length || theirsProtocols.some((p, i) => p !== ours.protocols[i])) {
        differentLayers.push(basename(file));
        continue;
      }
      candidates.push({ file, ours });
    }
    await warmOracleText(candidates.map((c) => c.file), ['-q', '-z', 'io,phs'], 2);
    for (const { file, ours } of candidates) {
      const theirs = tshark(file, 'io,phs');
      if (!theirs.includes('Protocol Hierarchy Statistics\n')) {
        unread.push(basename(file));
        continue;
      }
      const excused = EXCUSED.find((e) => e.file === basename(file));
      if (excused !== undefined) {
        if (ours.text !== theirs) stillNeeded.add(excused.file);
        continue;
      }
      compared++;
      if (ours.text !== theirs) failures.push(`${file}\n--- synack\n${ours.text}--- tshark\n${theirs}`);
    }
    console.log(
      `-z io,phs: ${compared} of ${files.length} captures compared byte for byte; set aside: ${differentLayers.length} where frame.protocols differs in some frame, ` +
        `${unread.length} tshark reports no hierarchy for, ${stillNeeded.size} excused (${[...stillNeeded].join(', ')})` +
        (HAVE_CORPUS ? '' : '; no shared corpus here, captures/ only'),
    );
    expect(failures).toEqual([]);
    // captures/ alone has four comparable captures (ARP and ICMP echoes, UDP datagrams, a refused connection,
    // a port unreachable: the TCP chats' payload is data to synack, nothing to tshark); the corpus adds over 150.
    expect(compared).toBeGreaterThanOrEqual(HAVE_CORPUS ? 150 : 4);
    // Each excuse still describes a real difference (corpus files: only where the corpus is).
    if (HAVE_CORPUS) expect([...stillNeeded].sort()).toEqual(EXCUSED.map((e) => e.file).sort());
  });

  it('through the command line, on every capture of captures/ where both decode the same protocols', async () => {
    let n = 0;
    for (const file of ownCaptureFiles()) {
      const theirs = oracle(file).rows.map((r) => r.get('frame.protocols')).join('\n');
      if ((await synackPhs(file)).protocols.join('\n') !== theirs) continue;
      const r = synack(['-r', file, '-q', '-z', 'io,phs']);
      expect([r.status, r.stderr], file).toEqual([0, '']);
      expect(r.stdout, file).toBe(tshark(file, 'io,phs'));
      n++;
    }
    // ARP and ICMP echoes, UDP datagrams, a refused connection, an ICMP port unreachable. (The TCP chats
    // on port 8080 are not among them: tshark hands their payload to no dissector at all, synack to data.)
    expect(n).toBeGreaterThanOrEqual(4);
  });

  it('with a FILTER, counts the frames it selects and prints it', () => {
    const cases: [string, string][] = [
      ['arp-ping.pcap', 'io,phs,icmp'],
      ['arp-ping.pcap', 'io,phs,arp.opcode == 2'],
      // The ICMP error quotes a UDP datagram: "udp" selects both frames, as in tshark.
      ['udp-closed.pcap', 'io,phs,udp'],
      ['refused.pcap', 'io,phs,tcp.flags.reset == 1'],
      // A filter given empty is no filter.
      ['udp-chat.pcap', 'io,phs,'],
      ['udp-chat.pcap', 'io,phs,data.len > 4'],
    ];
    for (const [name, z] of cases) {
      const file = ownCapture(name);
      const theirs = tshark(file, z);
      expect(theirs).toContain(`Filter: ${z.slice('io,phs,'.length)}\n`);
      expect(synack(['-r', file, '-q', '-z', z]).stdout, `${name} ${z}`).toBe(theirs);
    }
    // Several -z print in tshark's order, the last given first.
    const file = ownCapture('udp-closed.pcap');
    const z = ['-z', 'io,phs', '-z', 'conv,udp', '-z', 'io,phs,icmp'];
    expect(synack(['-r', file, '-q', ...z]).stdout).toBe(oracleText(file, ['-q', ...z]).stdout);
  });

  it('hand-made frames: headers of no byte, IP in IP 20 deep ("..." past 16 levels), packet comments', () => {
    const eth = (type: number): Uint8Array => Uint8Array.from([0, 0x11, 0x22, 0x33, 0x44, 0x55, 0, 0x11, 0x22, 0x33, 0x44, 0x66, type >> 8, type & 255]);
    const records: Uint8Array[] = [];
    // Each ethertype's header cut to nothing: by the frame's end (Malformed) and by the capture (short).
    for (const type of [0x0800, 0x86dd, 0x0806, 0x8100, 0x88a8]) {
      records.push(pcapRecord(records.length, 0, eth(type)));
      records.push(pcapRecord(records.length, 0, eth(type), { origLen: 60 }));
    }
    const cut = save('phs-empty-headers.pcap', concat(pcapHeader(), ...records));
    // Link types whose header is the whole frame: raw IP (101), raw IPv6 (229), cooked (113), null (0).
    const links = [101, 229, 113, 0].map((linkType) =>
      save(`phs-empty-link-${linkType}.pcap`, concat(pcapHeader({ linkType }), pcapRecord(0, 0, new Uint8Array(0)), pcapRecord(1, 0, new Uint8Array(0), { origLen: 40 }))),
    );
    const ip = (proto: number, payload: number[]): number[] => {
      const total = 20 + payload.length;
      return [0x45, 0, total >> 8, total & 255, 0, 1, 0x40, 0, 64, proto, 0, 0, 10, 0, 0, 1, 10, 0, 0, 2, ...payload];
    };
    const nested = (depth: number): Uint8Array => {
      let p = ip(17, [3, 232, 7, 208, 0, 13, 0, 0, ...Buffer.from('hello')]);
      for (let i = 1; i < depth; i++) p = ip(4, p);
      return concat(eth(0x0800), Uint8Array.from(p));
    };
    const deep = save('phs-ip-in-ip.pcap', concat(pcapHeader(), pcapRecord(0, 0, nested(3)), pcapRecord(1, 0, nested(20))));
    // pcapng packet comments: tshark 4.0 counts them as a protocol above the frame's (pkt_comment).
    const udp = concat(eth(0x0800), Uint8Array.from(ip(17, [3, 232, 7, 208, 0, 10, 0, 0, 104, 105])));
    const comment = options([option(1, Buffer.from('first'))]);
    const noted = save('phs-comments.pcapng', concat(shb(), idb(1), epb(0, 0n, udp, { opts: comment }), epb(0, 1n, udp), epb(0, 2n, eth(0x0806), { opts: comment })));
    for (const file of [cut, ...links, deep, noted]) {
      const theirs = tshark(file, 'io,phs');
      expect(synack(['-r', file, '-q', '-z', 'io,phs']).stdout, file).toBe(theirs);
    }
    // The cases tell the two kinds of dissector apart: IPv6 and raw IP add their item before reading.
    expect(tshark(cut, 'io,phs')).toContain('\n  ipv6                                   frames:2 bytes:74\n    _ws.malformed');
    expect(tshark(deep, 'io,phs')).toContain('\n                                ...ip    frames:1');
    expect(tshark(noted, 'io,phs')).toMatch(/^pkt_comment +frames:2 bytes:58\n  eth /m);
  });
});

describe('-z io,phs arguments', () => {
  it('a bad FILTER is refused before reading: the -z named, exit 2, nothing on standard output', () => {
    const r = synack(['-r', ownCapture('tcp-chat.pcap'), '-q', '-z', 'io,phs,tcp.port==']);
    expect(r.status).toBe(2);
    expect(r.stdout).toBe('');
    // The filter error as -Y and the other -z print it: one message line, then the filter with a caret under the fault.
    expect(r.stderr.split('\n')[0]).toBe('synack: -z io,phs,tcp.port==: the filter ends where a field or value was expected');
    expect(r.stderr).not.toMatch(/\bat .*\.js:\d+/);
  });

  it('io,phs followed by anything but a comma is not this statistic', () => {
    const r = synack(['-r', ownCapture('tcp-chat.pcap'), '-q', '-z', 'io,phsx']);
    expect(r.status).toBe(2);
    expect(r.stderr).toBe(`synack: -z io,phsx: unknown statistic; use ${STATS_HELP}\n`);
    expect(STATS_HELP).toContain('io,phs[,FILTER]');
  });
});

describe('the echoed filter', () => {
  it('escapes a control character the user typed', () => {
    const t = new PhsTable(() => true, 'frame contains "\x1b]0;x\x07"');
    const out = new OutBuf(-1);
    t.write(out);
    expect(out.text()).toContain('Filter: frame contains "\\x1b]0;x\\x07"\n');
    expect(out.text()).not.toContain('\x1b');
  });
});
