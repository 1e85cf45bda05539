/**
 * The output modes end to end (the CLI on real captures) and in process:
 * -x against tshark's hex dump, -T json against synack's own -T fields,
 * -V's shape, -c, and terminal safety of every mode.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { allFieldNames } from '../../src/decode/index';
import { compileColumns, DEFAULT_FIELDS_OPTIONS, writeRow } from '../../src/output/fields';
import { writeHexDump } from '../../src/output/hexdump';
import { JsonWriter } from '../../src/output/json';
import { OutBuf } from '../../src/output/outbuf';
import { SummaryWriter } from '../../src/output/summary';
import { frameTree, writeTree } from '../../src/output/tree';
import { concat, epb, ethFrame, idb, save, shb, spb, usec } from '../capture/craft';
import { decode, frameOf, patched } from '../decode/frames';
import { escCapture } from '../helpers/crafted';
import { CLI, labCapture, ownCapture } from '../helpers/paths';
import { DECODE_FIELDS } from '../oracle/fields';
import { HAVE_TSHARK, oracleText } from '../oracle/tshark';

function synack(...args: string[]): string {
  const r = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', maxBuffer: 1 << 28 });
  expect(r.stderr).toBe('');
  expect(r.status).toBe(0);
  return r.stdout;
}

/**
 * Characters that can drive a terminal: C0 controls but tab and newline (the
 * separators synack writes itself), DEL, C1 controls (U+0080..U+009F), and
 * the bidi overrides and isolates.
 */
const UNSAFE = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069\u200e\u200f\u061c]/u;

// tcpdump's dns_udp.pcap #1 (A? www.tcpdump.org.), its first label replaced by ESC, "[" and a C1 CSI:
// a name that would recolour the terminal if printed raw.
const QUERY =
  '00112233446600112233445508004500005459cd0000401194aec0a8010bd157f912abbe003500407824593401200001000000000001' +
  '037777770774637064756d70036f72670000010001000029100000000000000c000a000842f5d00996f90b13';
const HOSTILE = patched(QUERY, (b) => b.set([0x1b, 0x5b, 0x9b], 42 + 13));

/** A crafted copy of lab/esc.pcap's request (always), and the lab's capture where the corpus is. */
const ESC_CASES = [
  ['crafted esc.pcap', escCapture, []],
  ['lab/esc.pcap', () => labCapture('esc.pcap'), ['corpus']],
] as const;

describe('output modes', () => {
  describe.each(ESC_CASES)('terminal safety on %s (a payload with colour, bell and window-title sequences)', (_, esc, tags) => {
    for (const args of [[], ['-V'], ['-x'], ['-V', '-x'], ['-T', 'json'], ['-T', 'fields', '-e', 'tcp.payload', '-e', 'data.data', '-e', 'frame.protocols']]) {
      it(`synack -r esc.pcap ${args.join(' ')}`, { tags: [...tags] }, () => {
        const out = synack('-r', esc(), ...args);
        expect(out.length).toBeGreaterThan(0);
        expect(out).not.toMatch(UNSAFE);
      });
    }

    it('-x shows the escape bytes as dots, and the text around them', { tags: [...tags] }, () => {
      const out = synack('-r', esc(), '-x', '-c', '4');
      expect(out).toContain('..GET /.[31mRED.');
      expect(out).toContain('[0m..]0;pwned-ti');
    });
  });

  describe('terminal safety of names from packets, in process', () => {
    const pkt = decode(frameOf(HOSTILE));

    it('summary', () => {
      const out = new OutBuf(-1);
      new SummaryWriter({ timeDigits: 6 }).write(out, pkt);
      expect(out.text()).toContain('Standard query 0x5934 A \\x1b[\\x9b.tcpdump.org OPT');
      expect(out.text()).not.toMatch(UNSAFE);
    });

    it('-V', () => {
      const out = new OutBuf(-1);
      writeTree(out, pkt);
      expect(out.text()).toContain('Name: \\x1b[\\x9b.tcpdump.org');
      expect(out.text()).not.toMatch(UNSAFE);
    });

    it('-T json: JSON \\u escapes, and the value round-trips', () => {
      const out = new OutBuf(-1);
      new JsonWriter().write(out, pkt);
      expect(out.text()).toContain('"dns.qry.name":"\\u001b[\\u009b.tcpdump.org"');
      expect(out.text()).not.toMatch(UNSAFE);
      expect(JSON.parse(out.text())['dns.qry.name']).toBe('\u001b[\u009b.tcpdump.org');
    });

    it('-T fields', () => {
      const out = new OutBuf(-1);
      writeRow(out, pkt, compileColumns(['dns.qry.name']), DEFAULT_FIELDS_OPTIONS);
      expect(out.text()).toBe('\\x1b[\\x9b.tcpdump.org\n');
    });
  });

  describe('-x', () => {
    const cases = [
      ...['tcp-chat.pcap', 'tcp-chat-v6.pcap', 'tcp-chat-any.pcap', 'chat-demo.pcapng', 'udp-chat.pcap', 'arp-ping.pcap'].map((n) => [n, () => ownCapture(n), []] as const),
      ESC_CASES[0],
      ...['demo.pcap', 'esc.pcap', 'v6.pcap'].map((n) => [`lab/${n}`, () => labCapture(n), ['corpus']] as const),
    ];
    for (const [name, file, tags] of cases) {
      it.skipIf(!HAVE_TSHARK)(`equals tshark -x on ${name}`, { tags: [...tags] }, () => {
        expect(synack('-r', file(), '-x')).toBe(oracleText(file(), ['-x']).stdout);
      });
    }

    it('widens the offset column beyond 64 KiB, as tshark', () => {
      const big = new Uint8Array(0x10010);
      const out = new OutBuf(-1);
      writeHexDump(out, big, 0, big.length);
      const lines = out.text().split('\n');
      expect(lines[0].startsWith('00000000  00 00')).toBe(true);
      expect(lines.at(-3)!.startsWith('00010000  ')).toBe(true);
    });
  });

  describe('-T json', () => {
    for (const [name, capture, ports, tags] of [
      ['chat-demo.pcapng', () => ownCapture('chat-demo.pcapng'), [34334, 8080], []],
      ['lab/demo.pcap', () => labCapture('demo.pcap'), [57520, 47001], ['corpus']],
    ] as const) {
      it(`one object per frame, every value equal to -T fields for the same field (${name})`, { tags: [...tags] }, () => {
        const file = capture();
        const objects = synack('-r', file, '-T', 'json').split('\n').slice(0, -1).map((l) => JSON.parse(l) as Record<string, unknown>);
        const fields = DECODE_FIELDS.filter((f) => allFieldNames().includes(f));
        const rows = synack('-r', file, '-T', 'fields', ...fields.flatMap((f) => ['-e', f])).split('\n').slice(0, -1);
        expect(objects.length).toBe(rows.length);
        let compared = 0;
        rows.forEach((row, i) => {
          const cells = row.split('\t');
          fields.forEach((f, j) => {
            const v = objects[i][f];
            const text = v === undefined ? '' : Array.isArray(v) ? v.join(',') : String(v);
            expect(text, `frame ${i + 1} ${f}`).toBe(cells[j]);
            compared++;
          });
        });
        expect(compared).toBeGreaterThan(1000);
        expect(objects[0]['tcp.port']).toEqual(ports);
        expect(objects[0]['tcp.flags']).toBe('0x0002');
        expect(objects[0]['ip.src']).toBe('127.0.0.1');
      });
    }
  });

  describe.skipIf(!HAVE_TSHARK)('summary time column', () => {
    it('is blank for a frame that carries no time (pcapng simple packet block), as tshark leaves it', () => {
      const frame = ethFrame(1);
      const file = save('b2-spb.pcapng', concat(shb(), idb(1), epb(0, usec(1000, 0), frame), spb(frame, frame.length)));
      const lines = synack('-r', file).split('\n');
      expect(lines[1].slice(0, 17)).toBe('    2' + ' '.repeat(12));
      expect(synack('-r', file)).toBe(oracleText(file).stdout);
    });
  });

  describe('-V and -c', () => {
    it('-c 3 prints three summary lines', () => {
      expect(synack('-r', ownCapture('tcp-chat.pcap'), '-c', '3').trimEnd().split('\n')).toHaveLength(3);
    });

    it('-V: a title per layer, a blank line per frame, every node inside its frame', () => {
      const out = synack('-r', ownCapture('tcp-chat.pcap'), '-V', '-c', '2');
      const frames = out.split('\n\n').filter((f) => f !== '');
      expect(frames).toHaveLength(2);
      const titles = frames[0].split('\n').filter((l) => !l.startsWith(' '));
      expect(titles).toEqual([
        'Frame 1: 74 bytes on wire (592 bits), 74 bytes captured (592 bits)',
        'Ethernet II, Src: 00:00:00:00:00:00, Dst: 00:00:00:00:00:00',
        'Internet Protocol Version 4, Src: 127.0.0.1, Dst: 127.0.0.1',
        expect.stringMatching(/^Transmission Control Protocol, Src Port: 56784, Dst Port: 8080, Seq: \d+, Len: 0$/),
      ]);
      expect(frames[0]).toContain('        TCP Option - Window scale: 10 (multiply by 1024)');
    });

    // The lines tshark's -V TCP and UDP trees take from the conversation, in its order, frame by frame.
    const CONVERSATION_LINE = /^ {4}(\[Stream index|Sequence Number:|\[Next Sequence|Acknowledgment Number:|\[Calculated window|\[Window size scaling)/;
    const conversationLines = (text: string): string[] => text.split('\n').filter((l) => CONVERSATION_LINE.test(l));
    it.skipIf(!HAVE_TSHARK).each(['tcp-chat.pcap', 'refused.pcap', 'udp-chat.pcap', 'tcp-chat-v6.pcap', 'chat-demo.pcapng'])(
      '-V: stream index, relative sequence numbers and the scaled window as tshark -V shows them (%s)',
      (name) => {
        const file = ownCapture(name);
        const ours = conversationLines(synack('-r', file, '-V'));
        expect(ours.length).toBeGreaterThan(10);
        expect(ours).toEqual(conversationLines(oracleText(file, ['-V']).stdout));
      },
    );

    /** The lines of top-level sections whose title starts with `title`, checksum lines left out (synack verifies checksums, tshark 4.0 does not). */
    const sections = (text: string, title: RegExp, skip = /checksum/i): string[] => {
      const out: string[] = [];
      let inside = false;
      for (const l of text.split('\n')) {
        if (!l.startsWith(' ')) inside = title.test(l);
        if (inside && l.trim() !== '' && !skip.test(l)) out.push(l);
      }
      return out;
    };
    const dscpCapture = (): string => {
      // Every DSCP code point, the ECN bits cycling with it: tshark names all 64 (or calls them Unknown).
      const frames = Array.from({ length: 64 }, (_, d) => {
        const f = Buffer.from('000000000002000000000001080045000028000140004006000a0a0000010a0000020400005000000001000000005002ffff00000000', 'hex');
        f[15] = (d << 2) | (d & 3);
        return epb(0, usec(1700000000, d), f);
      });
      return save('dscp-all.pcapng', concat(shb(), idb(1), ...frames));
    };
    it.skipIf(!HAVE_TSHARK).each(['tcp-chat.pcap', 'tcp-chat-v6.pcap', 'udp-chat.pcap', 'arp-ping.pcap', 'dscp'])(
      '-V: the IPv4 and IPv6 headers as tshark -V shows them, DSCP and ECN by name (%s)',
      (name) => {
        const file = name === 'dscp' ? dscpCapture() : ownCapture(name);
        const ours = sections(synack('-r', file, '-V'), /^Internet Protocol/);
        expect(ours.length).toBeGreaterThan(10);
        expect(ours).toEqual(sections(oracleText(file, ['-V']).stdout, /^Internet Protocol/));
      },
    );

    it.skipIf(!HAVE_TSHARK).each(['tcp-chat.pcap', 'tcp-chat-ns.pcap'])('-V: the frame\'s arrival time, time shift, deltas and marks as tshark -V shows them (%s)', (name) => {
      const file = ownCapture(name);
      // tshark's frame.protocols differs where its heuristics claim a payload (the differential test lists why).
      const skip = /Protocols in frame/;
      const ours = sections(synack('-r', file, '-V'), /^Frame \d+:/, skip);
      expect(ours.filter((l) => l.includes('Arrival Time: '))).toHaveLength(14);
      expect(ours).toEqual(sections(oracleText(file, ['-V']).stdout, /^Frame \d+:/, skip));
    });

    it.skipIf(!HAVE_TSHARK)('-V: a bad ICMP checksum names the value it should have, the one tshark names', () => {
      const bytes = Buffer.from(readFileSync(ownCapture('udp-closed.pcap')));
      // Frame 2's ICMP checksum: file header 24, record 16 + 47, record header 16, Ethernet 14, IPv4 20, then type, code.
      bytes.writeUInt16BE(0x1234, 24 + 16 + 47 + 16 + 14 + 20 + 2);
      const file = save('bad-icmp-checksum.pcap', bytes);
      const should = (text: string): string | undefined => /Checksum: 0x1234 \[?incorrect, should be (0x[0-9a-f]{4})/.exec(text)?.[1];
      const theirs = should(oracleText(file, ['-V']).stdout);
      expect(theirs).toBe('0x11f8');
      expect(should(synack('-r', file, '-V'))).toBe(theirs);
    });

    it.skipIf(!HAVE_TSHARK)('-V: an ICMP error holds the packet it quotes, as tshark -V nests it (captures/udp-closed.pcap)', () => {
      const file = ownCapture('udp-closed.pcap');
      // The ICMP checksum is checked by both; the quoted headers' are not checked by tshark.
      const nestedChecksum = /^ {8}.*checksum/i;
      const ours = sections(synack('-r', file, '-V'), /^Internet Control Message Protocol/, nestedChecksum);
      expect(ours).toContain('    Checksum: 0x11f8 [correct]');
      expect(ours.some((l) => /^ {4}User Datagram Protocol, Src Port: \d+, Dst Port: 8081$/.test(l))).toBe(true);
      expect(ours).toEqual(sections(oracleText(file, ['-V']).stdout, /^Internet Control Message Protocol/, nestedChecksum));
    });

    it('tree nodes cover bytes of their frame only (the dashboard highlights them)', () => {
      const pkt = decode(frameOf(QUERY));
      const walk = (nodes: ReturnType<typeof frameTree>): void => {
        for (const n of nodes) {
          expect(n.offset).toBeGreaterThanOrEqual(0);
          expect(n.offset + n.length).toBeLessThanOrEqual(pkt.capLen);
          if (n.children !== undefined) walk(n.children);
        }
      };
      walk(frameTree(pkt));
    });
  });
});
