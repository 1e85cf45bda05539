/**
 * -V's TCP tree against tshark -V, line by line: what the conversation adds
 * (stream index, completeness, relative numbers, the scaled window), the
 * [Timestamps] and [SEQ/ACK analysis] subtrees, and the expert items (a SYN's
 * server port, who closes first, each analysis finding with its severity,
 * the RTO of a retransmission, duplicate ACK numbers, D-SACK, option notes).
 *
 * On captures/ and on the chaos captures (every analysis rule) the whole TCP
 * section must be tshark's, but for two kinds of lines: checksums (synack
 * verifies them, tshark 4.0 does not by default) and "TCP segment data"
 * (tshark's reassembly for what it decodes above TCP, HTTP on port 80 or
 * 8080; synack decodes nothing there it would reassemble). On the corpus,
 * whose options and payloads go far beyond synack's decoders, the lines above
 * are compared, section by section.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { chaosFiles } from '../analysis/chaos';
import { concat, ethFrame, epb, idb, pcapHeader, pcapRecord, save, shb, usec } from '../capture/craft';
import { CLI, CORPUS, ownCapture } from '../helpers/paths';
import { HAVE_TSHARK, oracleText } from '../oracle/tshark';

function synackV(file: string): string {
  const r = spawnSync(process.execPath, [CLI, '-r', file, '-V'], { encoding: 'utf8', maxBuffer: 1 << 30 });
  return r.stdout;
}

/** The lines of each "Transmission Control Protocol" section, one array per section. */
function tcpSections(text: string, keep: (line: string) => boolean): string[][] {
  const out: string[][] = [];
  let cur: string[] | null = null;
  for (const l of text.split('\n')) {
    if (!l.startsWith(' ')) {
      cur = l.startsWith('Transmission Control Protocol') ? [l] : null;
      if (cur !== null) out.push(cur);
    } else if (cur !== null && keep(l)) {
      cur.push(l);
    }
  }
  return out;
}

const NOT_COMPARED = /checksum|^ {4}(Retransmitted )?TCP segment data \(/i;

/** The lines this test holds synack to on the corpus, each with everything below it: the conversation's lines of the TCP tree ... */
const CLAIMED_TOP = /^ {4}(\[Stream index|\[Conversation completeness|\[Timestamps\]|\[SEQ\/ACK analysis\]|TCP payload \()/;
/** ... and the TCP expert items synack raises, wherever they hang. */
const CLAIMED_EXPERT =
  /^\s*(\[Expert Info \((Chat|Note|Warning)\/(Sequence|Protocol)\): (Connection |This frame (initiates|undergoes)|4 NOP|The SYN packet|The non-SYN|The acknowledgment number|The urgent pointer)|\[D-SACK|D-SACK Sequence)/;

/** Keeps the claimed lines of a section (not its title: the summary is another test's) and the lines nested under them. */
function claimed(section: string[]): string[] {
  const out: string[] = [];
  let under = -1;
  for (const l of section.slice(1)) {
    const depth = l.length - l.trimStart().length;
    if (under >= 0 && depth > under) {
      out.push(l);
      continue;
    }
    under = -1;
    if (CLAIMED_TOP.test(l) || CLAIMED_EXPERT.test(l)) {
      out.push(l);
      if (!l.trimStart().startsWith('TCP payload')) under = depth;
    }
  }
  return out;
}

/**
 * The differential analysis test's time exceptions (test/analysis/differential.test.ts): relative
 * times beyond 104 days differ in the last digits, and tshark prints unnormalised fractions.
 */
function timeExcused(ours: string, theirs: string): boolean {
  const t = /^(.*): (-?\d+)\.(\d+) seconds\]$/.exec(theirs);
  const o = /^(.*): (-?\d+\.\d+) seconds\]$/.exec(ours);
  if (t === null || o === null || t[1] !== o[1]) return false;
  const value = Number(`${t[2]}.${t[3]}`);
  return t[3].length >= 10 || (Math.abs(value) > 104 * 86400 && Math.abs(value - Number(o[2])) < 1e-6);
}

describe.skipIf(!HAVE_TSHARK)('-V TCP tree against tshark -V', () => {
  const own = ['tcp-chat.pcap', 'tcp-chat-v6.pcap', 'tcp-chat-ns.pcap', 'chat-demo.pcapng', 'half-close.pcap', 'refused.pcap', 'reset.pcap', 'split.pcap', 'burst-cork.pcap', 'burst-slow-reader.pcap'];
  it.each(own)('every TCP line but checksums is tshark\'s (captures/%s)', (name) => {
    const file = ownCapture(name);
    const keep = (l: string): boolean => !NOT_COMPARED.test(l);
    const ours = tcpSections(synackV(file), keep);
    expect(ours.length).toBeGreaterThanOrEqual(2);
    expect(ours).toEqual(tcpSections(oracleText(file, ['-V']).stdout, keep));
  });

  it('every TCP line but checksums is tshark\'s on the chaos captures: each analysis finding, RTO, duplicate ACK and D-SACK', { timeout: 120_000 }, () => {
    const keep = (l: string): boolean => !NOT_COMPARED.test(l);
    const seen = new Set<string>();
    for (const file of chaosFiles()) {
      const ours = tcpSections(synackV(file), keep);
      expect(ours).toEqual(tcpSections(oracleText(file, ['-V']).stdout, keep));
      for (const s of ours) for (const l of s) seen.add(/\[Expert Info \([^)]*\): ([^\]]+)/.exec(l)?.[1] ?? /\[(The RTO|Duplicate ACK #|D-SACK Left)/.exec(l)?.[1] ?? '');
    }
    // The chaos captures must keep exercising what this test is for.
    for (const what of ['This frame is a (suspected) retransmission', 'This frame is a (suspected) fast retransmission', 'This frame is a (suspected) spurious retransmission', 'This frame is a (suspected) out-of-order segment', 'Previous segment', 'ACKed segment that wasn', 'TCP window update', 'TCP window specified by the receiver is now completely full', 'TCP keep-alive segment', 'ACK to a TCP keep-alive segment', 'TCP Zero Window Probe', 'TCP Zero Window segment', 'ACK to a TCP Zero Window Probe', 'Duplicate ACK', 'A new tcp session is started with the same ports as an earlier session in this trace', 'The RTO', 'Duplicate ACK #', 'D-SACK Left', 'Connection reset', 'This frame initiates the connection closing', 'This frame undergoes the connection closing']) {
      expect([...seen].some((s) => s.startsWith(what)), what).toBe(true);
    }
  });

  it('the conversation and analysis lines and TCP expert items are tshark\'s on every corpus capture with TCP', { tags: ['corpus'], timeout: 600_000 }, () => {
    const index = readFileSync(join(CORPUS, 'tcpdump-index.tsv'), 'utf8').split('\n');
    const head = index[0].split('\t');
    const nTcp = head.indexOf('n_tcp');
    const files = index
      .slice(1)
      .map((l) => l.split('\t'))
      .filter((c) => Number(c[nTcp]) > 0)
      .map((c) => join(CORPUS, 'tcpdump', c[1]));
    for (const lab of ['demo.pcap', 'demo.pcapng', 'v6.pcap', 'two.pcap', 'demo-ns.pcap']) if (existsSync(join(CORPUS, 'lab', lab))) files.push(join(CORPUS, 'lab', lab));
    const all = (): boolean => true;
    let lines = 0;
    let excused = 0;
    const gaps: string[] = [];
    const failures: string[] = [];
    for (const file of files) {
      const ours = tcpSections(synackV(file), all).map(claimed);
      const theirs = tcpSections(oracleText(file, ['-V']).stdout, all).map(claimed);
      // tshark reaching TCP inside tunnels and link types synack does not decode: decoder coverage, not analysis.
      if (ours.length !== theirs.length) {
        gaps.push(basename(file));
        continue;
      }
      ours.forEach((o, i) => {
        const t = theirs[i];
        if (o.length !== t.length) {
          failures.push(`${basename(file)} TCP section ${i + 1}: ${o.length} lines, tshark ${t.length}`);
          return;
        }
        o.forEach((line, k) => {
          lines++;
          if (line === t[k]) return;
          if (timeExcused(line, t[k])) excused++;
          else failures.push(`${basename(file)} TCP section ${i + 1}: '${line.trim()}' tshark '${t[k].trim()}'`);
        });
      });
    }
    console.log(`-V TCP tree vs tshark -V: ${files.length - gaps.length} corpus captures, ${lines} lines compared, ${excused} excused (relative times beyond 104 days or unnormalised), ${gaps.length} captures with TCP synack's decoders do not reach (${gaps.slice(0, 8).join(', ')}${gaps.length > 8 ? ', ...' : ''})`);
    expect(lines).toBeGreaterThan(5000);
    expect(failures.slice(0, 20)).toEqual([]);
  });
});

/** ICMP echo pairs 123456789 ns, 2.999999999 s and 1 ns apart (nanosecond pcap), and an ICMPv6 pair 250 us apart. */
function echoCaptures(): string[] {
  const v4 = (type: string, seq: string, sum: string): Uint8Array =>
    Buffer.from(`000000000000000000000000080045000024000100004001${'66d6'}0a0000${type === '08' ? '010a000002' : '020a000001'}${type}00${sum}0001${seq}6162636465666768`, 'hex');
  const ns = save(
    'echo-ns.pcap',
    concat(
      pcapHeader({ nano: true }),
      pcapRecord(1700000000, 0, v4('08', '0001', '6668')),
      pcapRecord(1700000000, 123456789, v4('00', '0001', '6e68')),
      pcapRecord(1700000001, 0, v4('08', '0002', '6667')),
      pcapRecord(1700000003, 999999999, v4('00', '0002', '6e67')),
      pcapRecord(1700000004, 0, v4('08', '0003', '6666')),
      pcapRecord(1700000004, 1, v4('00', '0003', '6e66')),
    ),
  );
  const lo = '00000000000000000000000000000001';
  const v6 = (type: string, sum: string): Uint8Array => Buffer.from(`00000000000000000000000086dd60000000000d3a40${lo}${lo}${type}00${sum}0007000168656c6c6f`, 'hex');
  const six = save('echo6.pcap', concat(pcapHeader(), pcapRecord(1700000000, 0, v6('80', '3bdc')), pcapRecord(1700000000, 250, v6('81', '3adc'))));
  return [ns, six];
}

describe.skipIf(!HAVE_TSHARK)('-V against tshark -V, whole frames', () => {
  const whole = (text: string): string[] => text.split('\n').filter((l) => !/checksum/i.test(l));
  it.each(['arp-ping.pcap', 'udp-chat.pcap', 'udp-closed.pcap', 'refused.pcap'])(
    'every line but TCP/UDP/IP checksums is tshark\'s: UDP [Timestamps], Data bytes in hex, an echo reply\'s request and response time (captures/%s)',
    (name) => {
      const file = ownCapture(name);
      const ours = whole(synackV(file));
      expect(ours.length).toBeGreaterThan(60);
      expect(ours).toEqual(whole(oracleText(file, ['-V']).stdout));
    },
  );

  it('ICMP and ICMPv6 echoes, their checksums included: icmp.resptime in milliseconds (nanosecond times), the echoed data nested in the ICMP node', () => {
    // The IPv4 header checksum: synack verifies it, tshark 4.0 does not by default.
    const lines = (text: string): string[] => text.split('\n').filter((l) => !/Header checksum/i.test(l));
    for (const file of echoCaptures()) {
      const ours = synackV(file);
      expect(ours).toContain('Response');
      expect(lines(ours)).toEqual(lines(oracleText(file, ['-V']).stdout));
    }
  });

  it('icmp.resp_to and icmp.resptime as -T fields writes them (C\'s %.15g: 1e-06)', () => {
    const [file] = echoCaptures();
    const args = ['-T', 'fields', '-e', 'icmp.resp_to', '-e', 'icmp.resptime'];
    const ours = spawnSync(process.execPath, [CLI, '-r', file, ...args], { encoding: 'utf8' }).stdout;
    expect(ours).toContain('5\t1e-06');
    expect(ours).toBe(oracleText(file, args).stdout);
  });

  it('-V -x: the Data bytes are not dumped twice (the frame\'s hex follows), as tshark', () => {
    const file = ownCapture('udp-chat.pcap');
    const ours = spawnSync(process.execPath, [CLI, '-r', file, '-V', '-x'], { encoding: 'utf8' }).stdout;
    expect(whole(ours)).toEqual(whole(oracleText(file, ['-V', '-x']).stdout));
  });
});

describe.skipIf(!HAVE_TSHARK)('pcapng interfaces in the frame tree and fields', () => {
  // Section 1: a description only, nothing, a name and a description; section 2: "lo".
  const file = (): string =>
    save(
      'interfaces.pcapng',
      concat(
        shb(),
        idb(1, { description: 'Only a description' }),
        idb(1),
        idb(1, { name: 'eth0', description: 'Ethernet card' }),
        epb(0, usec(1700000000, 1), ethFrame(1)),
        epb(1, usec(1700000000, 2), ethFrame(2)),
        epb(2, usec(1700000000, 3), ethFrame(3)),
        shb(),
        idb(1, { name: 'lo' }),
        epb(0, usec(1700000000, 4), ethFrame(4)),
      ),
    );
  const frameLines = (text: string): string[] => text.split('\n').filter((l) => /^Frame |^ {4}(Section number|Interface id)|^ {8}Interface /.test(l));
  const FIELDS = ['-T', 'fields', '-e', 'frame.section_number', '-e', 'frame.interface_id', '-e', 'frame.interface_name', '-e', 'frame.interface_description'];

  it('the first section: name, else description, else "unknown", as tshark -V and -T fields show them', () => {
    const f = file();
    const first = (lines: string[]): string[] => lines.slice(0, lines.findIndex((l) => l.startsWith('Frame 4:')));
    expect(first(frameLines(synackV(f)))).toEqual(first(frameLines(oracleText(f, ['-V']).stdout)));
    const rows = spawnSync(process.execPath, [CLI, '-r', f, ...FIELDS], { encoding: 'utf8' }).stdout.split('\n');
    expect(rows.slice(0, 3)).toEqual(oracleText(f, FIELDS).stdout.split('\n').slice(0, 3));
    expect(rows[2]).toBe('1\t2\teth0\tEthernet card');
  });

  it('interface names and descriptions from the file reach the terminal escaped (-V, -T fields, -T json)', () => {
    const f = save('hostile-interface.pcapng', concat(shb(), idb(1, { name: 'ev\x1b[31mil\x07', description: 'd\x1b]0;pwned\x07' }), epb(0, usec(1700000000, 1), ethFrame(1))));
    // Text outputs write \xNN; JSON its own \u escapes.
    for (const [args, shown] of [[['-V'], 'ev\\x1b[31mil\\x07'], [FIELDS, 'ev\\x1b[31mil\\x07'], [['-T', 'json'], 'ev\\u001b[31mil\\u0007']] as const) {
      const out = spawnSync(process.execPath, [CLI, '-r', f, ...args], { encoding: 'utf8' }).stdout;
      expect(out).toContain(shown);
      expect(out).not.toMatch(/[\x00-\x08\x0b-\x1f\x7f]/);
    }
  });

  it('a later section\'s interface is its own: tshark 4.0 names it after the first section\'s interface of the same id', () => {
    const f = file();
    const row = (text: string): string => text.split('\n')[3];
    expect(row(spawnSync(process.execPath, [CLI, '-r', f, ...FIELDS], { encoding: 'utf8' }).stdout)).toBe('2\t0\tlo\t');
    // tshark's lookup ignores the section number: frame 4 shows section 1's interface 0.
    expect(row(oracleText(f, FIELDS).stdout)).toBe('2\t0\tOnly a description\tOnly a description');
  });
});

describe.skipIf(!HAVE_TSHARK)('-V DNS tree against tshark -V', () => {
  /** The DNS sections. */
  const dnsLines = (text: string): string[] => {
    const out: string[] = [];
    let inside = false;
    for (const l of text.split('\n')) {
      if (!l.startsWith(' ')) inside = l.startsWith('Domain Name System');
      if (!inside || l.trim() === '') continue;
      // A query's [Response In] needs tshark's second pass; synack reads once.
      if (/^ +\[Response In: /.test(l)) continue;
      out.push(l);
    }
    return out;
  };
  it.each(['dns_udp.pcap', 'dns_tcp.pcap', 'dns-badcookie.pcap', 'dns-badvers.pcap', 'dnssec.pcap', 'dns-uri.pcap'])(
    'flags in words, name length and label count, types with their descriptions, TTLs as durations, SOA, the DO bit, EDNS options, RRSIG and SSHFP data, the Undecoded note on a URI record, a response\'s query and time (%s)',
    { tags: ['corpus'] },
    (name) => {
      const file = join(CORPUS, 'tcpdump', name);
      const ours = dnsLines(synackV(file));
      expect(ours.length).toBeGreaterThan(10);
      expect(ours).toEqual(dnsLines(oracleText(file, ['-V']).stdout));
    },
  );

  it('every EDNS option of edns-opts.pcap (client subnets cut to their prefix, cookies, DAU/DHU/N3U lists, CHAIN, padding, unknown codes) and its signed answers\' RRSIG data, as tshark lists them', { tags: ['corpus'] }, () => {
    const file = join(CORPUS, 'tcpdump', 'edns-opts.pcap');
    const ours = dnsLines(synackV(file));
    expect(ours.filter((l) => /^ +Option: /.test(l)).length).toBeGreaterThan(20);
    expect(ours.filter((l) => /^ +Signer's name: /.test(l)).length).toBeGreaterThan(0);
    expect(ours).toEqual(dnsLines(oracleText(file, ['-V']).stdout));
  });
});
