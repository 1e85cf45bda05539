/** The pure view models and helpers of the dashboard, without a screen. */
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { A_DUPLICATE_ACK, A_RETRANSMISSION, A_ZERO_WINDOW } from '../../src/analysis/seq';
import { openFile } from '../../src/capture/open';
import { buildArpView, onLink, parseIpv4, type LinkInfo } from '../../src/ui/dashboard/arpview';
import { ConnDetail } from '../../src/ui/dashboard/conn-detail';
import { columnsFor, ConnList, connLine, headerLine } from '../../src/ui/dashboard/conns';
import { hexLines } from '../../src/ui/dashboard/hex';
import { arrow, buildLadder, findingNames, flagsShort } from '../../src/ui/dashboard/ladder';
import { CaptureModel } from '../../src/ui/dashboard/model';
import { RateMeter, sparkline } from '../../src/ui/dashboard/rates';
import { Scroller } from '../../src/ui/dashboard/scroll';
import { payloadText } from '../../src/output/sanitize';
import { buildStreamView } from '../../src/ui/dashboard/streamview';
import { fit, safe, textWidth, wrap } from '../../src/ui/dashboard/text';
import { ConnReport } from '../../src/output/conn';
import { OutBuf } from '../../src/output/outbuf';
import { analyseFile } from '../analysis/run';
import { ipFrame, tcpFrame, writePcap } from '../analysis/craft';
import { CAPTURES, ownCaptureFiles } from '../helpers/paths';

const text = (lines: { spans: { text: string }[] }[]): string[] => lines.map((l) => l.spans.map((s) => s.text).join(''));

describe('text cells', () => {
  it('counts a CJK character as two cells and cuts and pads to a column', () => {
    expect(textWidth('你好')).toBe(4);
    expect(fit('你好吗', 5)).toBe('你好…');
    expect(textWidth(fit('你好吗', 5))).toBe(5);
    expect(fit('ab', 4, true)).toBe('  ab');
    expect(wrap('one two three four', 9, 3)).toEqual(['one two', 'three', 'four']);
    expect(wrap('one two three four', 9, 2)).toEqual(['one two', 'three fo…']);
    expect(wrap('abcdefghijkl mn', 5, 3)).toEqual(['abcde', 'fghij', 'kl mn']);
    expect(wrap('你好 吗你好', 4, 2)).toEqual(['你好', '吗…']);
  });

  it('escapes control characters and blessed tags in captured text', () => {
    expect(safe('\x1b[31m{red-bg}x')).toBe('\\x1b[31m{open}red-bg{close}x');
    // Line feeds shown where line framing cuts; C1 controls escaped; bytes that are not UTF-8 as dots.
    expect(payloadText(Buffer.from('a\nb\r\t\x07\x9b'))).toBe('a↵b␍⇥\\x07\\x9b');
    expect(payloadText(Uint8Array.from([0x61, 0x9b, 0x62]))).toBe('a·b');
  });
});

describe('ladder pieces', () => {
  it('draws arrows both ways with the label centred', () => {
    expect(arrow('SYN', 11, true)).toBe('── SYN ───▶');
    expect(arrow('ACK', 11, false)).toBe('◀── ACK ───');
    expect(arrow('a very long label', 8, true)).toBe(' a ver ▶');
    expect(flagsShort(0x12)).toBe('SYN,ACK');
    expect(flagsShort(0x14)).toBe('RST,ACK');
  });

  it('names findings briefly', () => {
    expect(findingNames(A_RETRANSMISSION | A_ZERO_WINDOW)).toEqual(['Retransmission', 'ZeroWindow']);
    expect(findingNames(A_DUPLICATE_ACK)).toEqual(['Dup ACK']);
  });
});

describe('hex view', () => {
  it('marks exactly the selected bytes, in the hex and the ASCII column', () => {
    const data = Uint8Array.from([0x41, 0x42, 0x43, 0x1b, 0x45, 0x46, 0x47, 0x48, 0x49, 0x4a, 0x4b, 0x4c, 0x4d, 0x4e, 0x4f, 0x50, 0x51]);
    const lines = hexLines(data, 0, data.length, 2, 3, 16);
    expect(lines).toHaveLength(2);
    const hl = lines[0].filter((s) => s.hl).map((s) => s.text);
    expect(hl).toEqual(['43 1b 45 ', 'C.E']);
    expect(lines[0].map((s) => s.text).join('')).toBe('0000  41 42 43 1b 45 46 47 48  49 4a 4b 4c 4d 4e 4f 50  ABC.EFGHIJKLMNOP');
    expect(lines[1][0].text).toBe('0010  ');
  });
});

describe('scrolling', () => {
  it('follows new rows until moved, and keeps the selection in view', () => {
    const s = new Scroller();
    s.follow = true;
    s.clamp(100, 10);
    expect([s.sel, s.top]).toEqual([99, 90]);
    s.move(-20, 100);
    s.clamp(150, 10);
    expect(s.follow).toBe(false);
    expect([s.sel, s.top]).toEqual([79, 79]);
    s.end(150, true);
    s.clamp(160, 10);
    expect([s.sel, s.top]).toEqual([159, 150]);
  });
});

describe('rates', () => {
  it('counts frames per second and draws the last minute', () => {
    const r = new RateMeter();
    for (let i = 0; i < 10; i++) r.add(1000, 100);
    for (let i = 0; i < 5; i++) r.add(1001, 100);
    expect(r.rate(1002, false)).toEqual({ frames: 5, bytes: 500 });
    expect(r.series(1002, 4)).toEqual([0, 10, 5, 0]);
    expect(sparkline([0, 10, 5, 0], 6)).toBe('   █▅ ');
  });
});

describe('subnets (the ARP lesson)', () => {
  it('puts an address on the link when address AND mask equals the interface\'s', () => {
    const link: LinkInfo = { iface: 'veth-a', addresses: [{ address: parseIpv4('192.168.1.12'), netmask: parseIpv4('255.255.255.0'), prefix: 24 }], gateway: parseIpv4('192.168.1.1') };
    expect(onLink(parseIpv4('192.168.1.99'), link)).not.toBeNull();
    expect(onLink(parseIpv4('192.168.2.99'), link)).toBeNull();
  });

  it.skipIf(!existsSync(join(CAPTURES, 'arp-ping.pcap')))('pairs requests with replies and builds the table (captures/arp-ping.pcap)', async () => {
    const m = new CaptureModel({ source: openFile(join(CAPTURES, 'arp-ping.pcap')) });
    await m.run();
    const link: LinkInfo = { iface: 'veth-a', addresses: [{ address: parseIpv4('192.168.1.12'), netmask: parseIpv4('255.255.255.0'), prefix: 24 }], gateway: 0 };
    const lines = text(buildArpView(m, link));
    expect(lines.find((l) => l.includes('#1 who has 192.168.1.13? tell 192.168.1.12'))).toMatch(/→ #2 answered in \d+\.\d{3} ms/);
    expect(lines.filter((l) => l.includes('who has 192.168.1.99?') && l.includes('no reply'))).toHaveLength(3);
    expect(lines.some((l) => /192\.168\.1\.13 +is at [0-9a-f:]{17}/.test(l))).toBe(true);
    expect(lines).toContain('  192.168.1.12 AND 255.255.255.0 = 192.168.1.0/24: addresses in 192.168.1.0/24 are on the link (ARP for them)');
    m.dispose();
  });
});

describe.skipIf(!existsSync(join(CAPTURES, 'split.pcap')))('connection views on captures/', () => {
  it('shows a message spread over seven segments as one message in parts (captures/split.pcap)', async () => {
    const m = new CaptureModel({ source: openFile(join(CAPTURES, 'split.pcap')) });
    await m.run();
    const d = new ConnDetail(m, 'tcp', 0, 1);
    while (d.behind) d.update(5);
    const lines = text(buildStreamView(m, d, 100));
    const parts = lines.filter((l) => /^#\d+ client → server \d+ bytes: part of message 1 \(spread over 7 segments: #4\.\.#16\)$/.test(l));
    expect(parts).toHaveLength(7);
    m.dispose();
  });

  it('draws an ICMP error as the network\'s answer, not as the datagram again (captures/udp-closed.pcap)', async () => {
    const m = new CaptureModel({ source: openFile(join(CAPTURES, 'udp-closed.pcap')) });
    await m.run();
    const d = new ConnDetail(m, 'udp', 0, 1);
    while (d.behind) d.update(5);
    const ladder = text(buildLadder(d, 100));
    expect(ladder.filter((l) => l.includes('datagram len='))).toHaveLength(1);
    // Frame 2 goes back to the sender (the arrow points left), named for what it is.
    expect(ladder.find((l) => l.includes('#2'))).toMatch(/#2 │◀─* ?ICMP Destination unreachable \(Port unreachable\)/);
    const stream = text(buildStreamView(m, d, 120));
    expect(stream.filter((l) => l.includes('datagram of'))).toHaveLength(1);
    expect(stream.find((l) => l.startsWith('#2 '))).toMatch(/^#2 ICMP Destination unreachable \(Port unreachable\) to 127\.0\.0\.1:\d+: the datagram was not delivered/);
    m.dispose();
  });

  it('draws a segment in the first fragment of an IP datagram as not measured, not as an ICMP error', async () => {
    const c = { ip: '10.0.0.1', port: 40000 };
    const sv = { ip: '10.0.0.2', port: 8080 };
    const data = tcpFrame(c, sv, { flags: 'PA', seq: 1001, ack: 5001, data: 40 }).subarray(34);
    const file = join(mkdtempSync(join(tmpdir(), 'synack-frag-')), 'frag.pcap');
    const at = (i: number, bytes: Uint8Array) => ({ sec: 1_700_000_000, nsec: i * 1000, bytes });
    writePcap(file, [
      at(1, tcpFrame(c, sv, { flags: 'S', seq: 1000 })),
      at(2, tcpFrame(sv, c, { flags: 'SA', seq: 5000, ack: 1001 })),
      at(3, tcpFrame(c, sv, { flags: 'A', seq: 1001, ack: 5001 })),
      // The header and 4 bytes with More Fragments set, then the other 36 bytes at offset 3 (24 bytes).
      at(4, ipFrame(c.ip, sv.ip, 6, [...data.subarray(0, 24)], { ipFlags: 0x2000 })),
      at(5, ipFrame(c.ip, sv.ip, 6, [...data.subarray(24)], { ipFlags: 0x0003 })),
    ]);
    const m = new CaptureModel({ source: openFile(file) });
    await m.run();
    const d = new ConnDetail(m, 'tcp', 0, 1);
    while (d.behind) d.update(5);
    const row = text(buildLadder(d, 100)).find((l) => l.includes('#4'));
    // Sent by the client (the arrow points right), its numbers not made up.
    expect(row).toMatch(/#4 │─* ?IP fragment, not reassembled ─*▶│/);
    expect(row).not.toMatch(/ICMP|seq=|len=/);
    m.dispose();
  });

  it('lists connections in order with columns that fit 80 cells', async () => {
    const m = new CaptureModel({ source: openFile(join(CAPTURES, 'chat-demo.pcapng')) });
    await m.run();
    const list = new ConnList(m);
    list.refresh();
    const rows = Array.from({ length: list.length }, (_, i) => list.row(i)!);
    expect(rows.map((r) => `${r.kind}${r.stream}`)).toEqual(['tcp0', 'udp0', 'tcp1', 'tcp2', 'tcp3']);
    const shown = rows.map((r) => list.describe(r)!);
    const cols = columnsFor(80, shown);
    expect(cols.reduce((n, c) => n + c.width + 1, 0)).toBeLessThanOrEqual(81);
    expect(cols.map((c) => c.title)).toEqual(expect.arrayContaining(['#', 'Proto', 'Client', 'Server', 'Teardown']));
    expect(connLine(shown[2], cols)).toMatch(/^ +1 TCP +127\.0\.0\.1:\d+ +127\.0\.0\.1:\d+ .*refused/);
    m.dispose();
  });

  it("shows each side's state as -z conn does (client/server, CLOSED/CLOSED for a refused one), on every capture in captures/", async () => {
    let compared = 0;
    for (const file of ownCaptureFiles()) {
      // -z conn's states column, by stream, as `synack -r FILE -q -z conn` prints it.
      const report = new ConnReport(false, null);
      await analyseFile(file, { onTcpRetire: (c, evicted) => report.retire(c, evicted) });
      const out = new OutBuf(-1);
      report.finish(out, { streams: 0, evicted: 0, reused: 0 });
      const theirs = new Map<number, string>();
      for (const l of out.text().split('\n')) {
        const cells = l.split(' | ');
        if (cells.length > 6 && /^ *\d+ /.test(l)) theirs.set(Number(cells[0].trim().split(' ')[0]), cells[6]);
      }
      const m = new CaptureModel({ source: openFile(file) });
      await m.run();
      const list = new ConnList(m);
      list.refresh();
      const shown = Array.from({ length: list.length }, (_, i) => list.describe(list.row(i)!)!).filter((d) => d.kind === 'tcp');
      const cols = columnsFor(200, shown);
      const at = cols.findIndex((c) => c.title === 'State');
      const x = cols.slice(0, at).reduce((n, c) => n + c.width + 1, 0);
      const ours = new Map(shown.map((d) => [d.stream, connLine(d, cols).slice(x, x + cols[at].width).trim()]));
      expect(ours, file).toEqual(theirs);
      compared += ours.size;
      m.dispose();
    }
    // refused.pcap, reset.pcap, the chats and the demo's four: not an empty comparison.
    expect(compared).toBeGreaterThanOrEqual(15);
  });

  it('shows stream numbers whole, however many digits', async () => {
    const m = new CaptureModel({ source: openFile(join(CAPTURES, 'chat-demo.pcapng')) });
    await m.run();
    const list = new ConnList(m);
    list.refresh();
    const d = list.describe(list.row(0)!)!;
    const big = { ...d, stream: 1234567 };
    const cols = columnsFor(80, [d, big]);
    expect(connLine(big, cols)).toMatch(/^1234567 TCP /);
    expect(connLine(d, cols)).toMatch(/^ {6}0 TCP /);
    expect(headerLine(cols)).toMatch(/^ {6}# Proto/);
    m.dispose();
  });
});
