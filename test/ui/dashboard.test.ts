/**
 * The dashboard as a person sees it: rendered by blessed into a headless
 * xterm (@xterm/headless) and read back cell by cell, on the captures the
 * project ships (captures/README.md says what each one shows).
 */
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { escCapture, zeroWindowCapture } from '../helpers/crafted';
import { CAPTURES, labCapture } from '../helpers/paths';
import { KEYS, helpTexts } from '../../src/ui/dashboard/help';
import { KEY, openDashboard } from './open';

const cap = (name: string): string => join(CAPTURES, name);
const HAVE_CAPTURES = existsSync(cap('tcp-chat.pcap'));

// xterm palette indexes of the 16 ANSI colours.
const BLACK = 0;
const RED = 1;
const GREEN = 2;
const YELLOW = 3;
const WHITE = 7;
const LIGHT_YELLOW = 11;
const CYAN = 6;

describe.skipIf(!HAVE_CAPTURES)('dashboard on captures/ (headless terminal)', () => {
  it('draws a usable screen at 80x24: header, packet list, detail tree, bytes, key hints', async () => {
    const o = await openDashboard(cap('tcp-chat.pcap'), 80, 24);
    const lines = o.t.lines();
    expect(lines[0]).toMatch(/^synack tcp-chat\.pcap +end of file +14 frames/);
    expect(lines[1]).toContain('1 Packets');
    expect(lines[1]).toContain('? help');
    expect(lines[2]).toMatch(/^No\. +Time Source +Destination +Proto +Len Info/);
    // Every column of the first rows is readable (tshark's words: `tshark -r tcp-chat.pcap`).
    expect(lines[3]).toMatch(/^ +1 0\.000000 127\.0\.0\.1 +127\.0\.0\.1 +TCP +74 56784 → 8080 \[SYN\] Seq=0/);
    expect(lines[5]).toMatch(/^ +3 0\.000033 .* 56784 → 8080 \[ACK\] Seq=1 Ack=1/);
    expect(o.t.find('Detail of frame 1')).toBeGreaterThan(3);
    expect(o.t.find('Transmission Control Protocol, Src Port: 56784, Dst Port: 8080, Seq: 0, Len: 0')).toBeGreaterThan(0);
    expect(o.t.find('0000  00 00 00 00 00 00 00 00')).toBeGreaterThan(0);
    expect(lines[23]).toContain('q quit');
    // The selected row is drawn inverted.
    expect(o.t.cell(1, 3).inverse).toBe(true);
    expect(o.t.cell(1, 4).inverse).toBe(false);
    expect(await o.close()).toBe(0);
  });

  it('adapts to a resize: more rows, and the detail beside the bytes when wide', async () => {
    const o = await openDashboard(cap('tcp-chat.pcap'), 80, 24);
    o.t.resize(160, 50);
    expect(await o.t.waitFor((t) => t.find('   14 ') > 0 || t.lines().some((l) => /^ *14 0\.660222/.test(l)))).toBe(true);
    const detailRow = o.t.find('Detail of frame 1');
    const bytesRow = o.t.find('Bytes');
    expect(detailRow).toBe(bytesRow);
    expect(o.t.lines()[bytesRow].indexOf('Bytes')).toBeGreaterThan(60);
    await o.close();
  });

  it('draws the ladder of a real handshake and teardown: client left, server right, each segment one arrow', async () => {
    const o = await openDashboard(cap('half-close.pcap'), 100, 56);
    expect(await o.keys('2', 'Client')).toBe(true);
    expect(await o.keys(KEY.enter, 'Ladder: TCP stream 0')).toBe(true);
    const lines = o.t.lines();
    const head = lines.findIndex((l) => l.includes('client 127.0.0.1:40758'));
    expect(head).toBeGreaterThan(0);
    expect(lines[head].indexOf('server 127.0.0.1:8080')).toBeGreaterThan(lines[head].indexOf('client 127.0.0.1:40758'));
    // The handshake, bracketed and named with its RTT (SYN to the ACK of the SYN-ACK: frames 1 and 3).
    expect(lines[head + 1]).toBe('╭─ 3-way handshake, RTT 0.031 ms');
    expect(lines[head + 2]).toMatch(/^│ +#1 │─+ SYN seq=0 len=0 ─+▶│ \+0\.000 ms/);
    expect(lines[head + 3]).toMatch(/^│ +#2 │◀─+ SYN,ACK seq=0 ack=1 len=0 ─+│ \+0\.015 ms/);
    expect(lines[head + 4]).toMatch(/^╰ +#3 │─+ ACK seq=1 ack=1 len=0 ─+▶│ \+0\.016 ms/);
    // The teardown: the client's FIN (11), the server's 25 bytes after it (12), their ACK, the server's FIN, the last ACK.
    const td = lines.findIndex((l) => l.startsWith('╭─ half-close'));
    expect(lines[td]).toBe("╭─ half-close: 1 segment after the client's FIN");
    expect(lines[td + 1]).toMatch(/^│ +#11 │─+ FIN,ACK seq=20 ack=20 len=0 ─+▶│/);
    expect(lines[td + 2]).toMatch(/^│ +#12 │◀─+ PSH,ACK seq=20 ack=21 len=25 ─+│ .*after FIN/);
    expect(lines[td + 4]).toMatch(/^│ +#14 │◀─+ FIN,ACK seq=45 ack=21 len=0 ─+│/);
    expect(lines[td + 5]).toMatch(/^╰ +#15 │─+ ACK seq=21 ack=46 len=0 ─+▶│/);
    await o.close();
  });

  it('names a reset and a refused connection on the ladder', async () => {
    const r = await openDashboard(cap('reset.pcap'), 100, 40);
    await r.keys('2', 'Client');
    await r.keys(KEY.enter, 'Ladder: TCP stream 0');
    const lines = r.t.lines();
    const i = lines.findIndex((l) => l.startsWith('╭─ reset by client'));
    expect(i).toBeGreaterThan(0);
    expect(lines[i + 1]).toMatch(/^╰ +#9 │─+ RST,ACK seq=11 ack=7 len=0 ─+▶│/);
    await r.close();
    const f = await openDashboard(cap('refused.pcap'), 100, 30);
    await f.keys('2', 'Client');
    // Both sides' states, as -z conn prints them (client/server).
    expect(f.t.lines().find((l) => /^ +0 TCP /.test(l))).toMatch(/ CLOSED\/CLOSED +refused/);
    await f.keys(KEY.enter, 'Ladder: TCP stream 0');
    expect(f.t.text()).toContain('╭─ connection refused: the SYN was answered with a RST');
    expect(f.t.lines().some((l) => /^╰ +#2 │◀─+ RST,ACK seq=1 ack=1 len=0 ─+│/.test(l))).toBe(true);
    await f.close();
  });

  it('shows a coalesced segment in the stream view: five send() calls, one segment of five messages, one recv()', async () => {
    const o = await openDashboard(cap('burst-cork.pcap'), 100, 40);
    await o.keys('2', 'Client');
    await o.keys(KEY.enter, 'Stream:');
    const lines = o.t.lines();
    const sends = lines.filter((l) => /app ▸ client send\(6 bytes\) "msg \d↵" \(corked\)/.test(l));
    expect(sends).toHaveLength(5);
    const seg = lines.findIndex((l) => l.startsWith('#4 client → server 30 bytes: 5 messages in one segment (coalesced)'));
    expect(seg).toBeGreaterThan(lines.indexOf(sends[4]));
    expect(lines[seg + 1]).toBe('   ▏msg 1↵▏msg 2↵▏msg 3↵▏msg 4↵▏msg 5↵');
    expect(lines[seg + 2]).toMatch(/app ◂ server recv\(\) returned 30 bytes: 5 messages in one read/);
    // Message boundaries in colour: messages alternate cyan and yellow.
    const x = lines[seg + 1].indexOf('msg 1');
    expect(o.t.cell(x, seg + 1).fg).toBe(CYAN);
    expect(o.t.cell(lines[seg + 1].indexOf('msg 2'), seg + 1).fg).toBe(YELLOW);
    expect(o.t.cell(lines[seg + 1].indexOf('msg 3'), seg + 1).fg).toBe(CYAN);
    // And the ladder marks the segment.
    expect(lines.some((l) => /#4 │─+ PSH,ACK seq=1 ack=1 len=30 ─+▶│ .* 5 msgs/.test(l))).toBe(true);
    await o.close();
  });

  it('colours rows by meaning: a RST in yellow on red, SYN/FIN in black on white, a coalesced segment in green', async () => {
    const o = await openDashboard(cap('reset.pcap'), 100, 30);
    const lines = o.t.lines();
    const rst = lines.findIndex((l) => /^ *9 .*\[RST, ACK\]/.test(l));
    expect(rst).toBeGreaterThan(0);
    for (const x of [2, 20, 60]) {
      const c = o.t.cell(x, rst);
      expect(c.bg).toBe(RED);
      expect(c.fg).toBe(LIGHT_YELLOW);
    }
    const synack = lines.findIndex((l) => /^ *2 .*\[SYN, ACK\]/.test(l));
    expect(o.t.cell(5, synack).bg).toBe(WHITE);
    expect(o.t.cell(5, synack).fg).toBe(BLACK);
    // A plain ACK keeps the terminal's colours.
    const ack = lines.findIndex((l) => /^ *5 .*\[ACK\]/.test(l));
    expect(o.t.cell(5, ack).bg).toBe(-1);
    await o.close();
    const b = await openDashboard(cap('burst-cork.pcap'), 140, 30);
    const row = b.t.lines().findIndex((l) => /^ *4 .*Len=30/.test(l));
    expect(b.t.lines()[row]).toContain('[5 messages in one segment]');
    expect(b.t.cell(5, row).fg).toBe(10);
    await b.close();
  });

  it('filter bar: red with the error while invalid, green while valid; Enter applies it', async () => {
    const o = await openDashboard(cap('reset.pcap'), 100, 30);
    await o.keys('/', 'Filter');
    await o.keys('tcp.prot == 1', 'neither a field');
    const last = o.t.lines()[29];
    expect(last).toContain('Filter: tcp.prot == 1');
    expect(last).toContain("'tcp.prot' is neither a field nor a protocol");
    expect(o.t.cell(3, 29).bg).toBe(RED);
    await o.keys(KEY.ctrlU + 'tcp.flags.reset == 1', (t) => t.lines()[29].includes('Enter applies'));
    expect(o.t.cell(3, 29).bg).toBe(GREEN);
    await o.keys(KEY.enter, 'filter: tcp.flags.reset == 1');
    expect(await o.t.waitFor((t) => t.text().includes('1 of 9'))).toBe(true);
    const rows = o.t.lines().filter((l) => /^ *\d+ +\d+\.\d{6} /.test(l));
    expect(rows, o.t.text()).toHaveLength(1);
    expect(rows[0]).toMatch(/^ *9 .*\[RST, ACK\]/);
    // An empty filter shows every frame again.
    await o.keys('/' + KEY.ctrlU + KEY.enter, (t) => !t.text().includes('filter:'));
    expect(o.t.lines().filter((l) => /^ *\d+ +\d+\.\d{6} /.test(l))).toHaveLength(9);
    await o.close();
  });

  it('Tab moves between panes, Space pauses', async () => {
    const o = await openDashboard(cap('tcp-chat.pcap'), 120, 50);
    const titleBg = (row: number): number => o.t.cell(0, row).bg;
    const detail = o.t.find('Detail of frame');
    expect(titleBg(2)).toBe(14);
    await o.keys(KEY.tab);
    await o.t.settle();
    expect(titleBg(detail)).toBe(14);
    expect(titleBg(2)).toBe(WHITE);
    await o.keys(' ', 'paused');
    await o.keys(' ', (t) => !t.text().includes('paused'));
    await o.close();
  });

  // The help box, read row by row inside its border; scrolled a page at a time when the terminal is
  // too short for it (the label says which lines show). Every entry must be there whole, wrapped or not.
  for (const [cols, rows] of [
    [80, 24],
    [120, 40],
    [60, 15],
  ] as const) {
    it(`? shows every help line whole at ${cols}x${rows} (wrapped, scrolled if it must be)`, async () => {
      const o = await openDashboard(cap('tcp-chat.pcap'), cols, rows);
      await o.keys('?', 'synack: keys');
      const seen: string[] = [];
      let total = 0;
      for (let page = 0; page < 20; page++) {
        const lines = o.t.lines();
        const top = lines.findIndex((l) => l.includes('┌─ synack: keys'));
        const x0 = lines[top].indexOf('┌');
        const x1 = lines[top].indexOf('┐');
        const bottom = lines.findIndex((l, y) => y > top && l[x0] === '└');
        expect(x1).toBeGreaterThan(x0);
        expect(bottom).toBeGreaterThan(top);
        const body = lines.slice(top + 1, bottom);
        for (const l of body) expect(l[x1], l).toBe('│');
        const at = /keys (\d+)-(\d+) of (\d+)/.exec(lines[top]);
        const first = at === null ? 1 : Number(at[1]);
        total = at === null ? body.length : Number(at[3]);
        body.forEach((l, i) => (seen[first - 1 + i] = l.slice(x0 + 1, x1)));
        if (at === null || Number(at[2]) === total) break;
        const label = lines[top];
        await o.keys(KEY.pgdn, (t) => !t.text().includes(label));
      }
      expect(seen.filter((l) => l !== undefined)).toHaveLength(total);
      const read = seen.join(' ').replace(/\s+/g, ' ');
      for (const entry of helpTexts()) expect(read).toContain(entry);
      for (const [k, what] of KEYS) expect(read).toContain(`${k} ${what}`.replace(/\s+/g, ' '));
      await o.keys('x', (t) => !t.text().includes('synack: keys'));
      await o.close();
    });
  }

  it('the help scrolls line by line with j/k and closes on any other key', async () => {
    const o = await openDashboard(cap('tcp-chat.pcap'), 80, 24);
    await o.keys('?', 'keys 1-22 of');
    expect(await o.keys('j', 'keys 2-23 of')).toBe(true);
    expect(await o.keys('G', (t) => /keys (\d+)-(\d+) of \2/.test(t.text()))).toBe(true);
    expect(await o.keys('k', (t) => /keys \d+-(\d+) of (?!\1)\d+/.test(t.text()))).toBe(true);
    expect(await o.keys('q', (t) => !t.text().includes('synack: keys'))).toBe(true);
    // q closed the help, it did not quit: the packet list is back.
    expect(o.t.find('Detail of frame 1')).toBeGreaterThan(0);
    await o.close();
  });

  it('j/k, G and g move through the list; Enter on a packet opens its connection', async () => {
    const o = await openDashboard(cap('tcp-chat.pcap'), 100, 30);
    await o.keys('G', 'Detail of frame 14');
    await o.keys('g', 'Detail of frame 1 ');
    await o.keys('jjj', 'Detail of frame 4');
    await o.keys('k', 'Detail of frame 3');
    await o.keys(KEY.enter, 'Ladder: TCP stream 0');
    await o.keys(KEY.esc, 'Client');
    await o.close();
  });
});

describe.skipIf(!HAVE_CAPTURES)('dashboard details (headless terminal)', () => {
  it('highlights the selected field\'s bytes in the hex view', async () => {
    const o = await openDashboard(cap('tcp-chat.pcap'), 120, 50);
    await o.keys(KEY.tab);
    // Frame, Ethernet, IPv4, TCP, then the TCP tree: Source Port is the fifth line.
    await o.keys('jjjj', 'Bytes tcp.srcport: bytes 34..35');
    const y = o.t.find('0020  00 01 dd d0');
    expect(y).toBeGreaterThan(0);
    const x = o.t.lines()[y].indexOf('dd d0');
    expect(o.t.cell(x, y).bg).toBe(LIGHT_YELLOW);
    expect(o.t.cell(x + 3, y).bg).toBe(LIGHT_YELLOW);
    expect(o.t.cell(x + 6, y).bg).toBe(-1);
    expect(o.t.cell(x - 3, y).bg).toBe(-1);
    await o.close();
  });

  // A crafted capture always; the lab's real one (frame 35) where the corpus is.
  for (const [what, file, frame, tags] of [
    ['crafted', zeroWindowCapture, 5, []],
    ['lab/demo.pcap', () => labCapture('demo.pcap'), 35, ['corpus']],
  ] as const) {
    it(`explains an analysis finding with the rule that fired (${what}: a zero window)`, { tags: [...tags] }, async () => {
      const o = await openDashboard(file(), 120, 60);
      o.dash.showFrame(frame);
      await o.keys(KEY.tab, `Detail of frame ${frame}`);
      // First in the tree, open, in red.
      expect(o.t.lines()[o.t.find(`Detail of frame ${frame}`) + 1]).toBe('▾ [Analysis findings: 1]');
      expect(o.t.text()).toContain('[tcp.analysis.zero_window]');
      expect(o.t.text()).toContain('Rule: advertises a receive window of 0');
      const y = o.t.find('[tcp.analysis.zero_window]');
      expect(o.t.cell(o.t.lines()[y].indexOf('tcp'), y).fg).toBe(9);
      await o.close();
    });
  }

  it('selects with a click and scrolls with the wheel', async () => {
    const o = await openDashboard(cap('chat-demo.pcapng'), 100, 30);
    const y = o.t.lines().findIndex((l) => /^ +5 \d/.test(l));
    // SGR mouse reports (1-based), one per read as a terminal sends them: press and release on frame 5's row...
    o.t.type(`\x1b[<0;10;${y + 1}M`);
    await new Promise((r) => setTimeout(r, 50));
    expect(await o.keys(`\x1b[<0;10;${y + 1}m`, 'Detail of frame 5')).toBe(true);
    // ...then the wheel, down: three rows a notch.
    expect(await o.keys(`\x1b[<65;10;${y + 1}M`, (t) => /^ +4 \d/.test(t.lines()[3]))).toBe(true);
    await o.close();
  });
});

describe.skipIf(!HAVE_CAPTURES)('a key with nothing to open says so on the status line', () => {
  const status = (o: Awaited<ReturnType<typeof openDashboard>>): string => o.t.lines()[o.t.rows - 1];

  it('on a capture without TCP or UDP (ARP and ping): Enter and 3 in each view', async () => {
    const o = await openDashboard(cap('arp-ping.pcap'), 80, 24);
    const none = 'No TCP connection or UDP conversation in the capture yet: nothing to open.';
    expect(await o.keys(KEY.enter, none)).toBe(true);
    expect(status(o)).toBe(none);
    await o.keys('j', (t) => !t.text().includes(none));
    expect(await o.keys('3', none)).toBe(true);
    expect(o.t.lines()[1]).toMatch(/ 1 Packets /);
    expect(o.t.find('Detail of frame 2')).toBeGreaterThan(0);
    await o.keys('2', (t) => t.text().includes('Server') && !t.text().includes(none));
    expect(await o.keys(KEY.enter, none)).toBe(true);
    await o.keys('4', (t) => !t.text().includes(none));
    expect(await o.keys(KEY.enter, 'ARP has no connection to open: 1 shows the packets, 2 the connections.')).toBe(true);
    await o.close();
  });

  it('on an ARP or ICMP frame among TCP ones: names the frame and what to select; 3 too', async () => {
    // tcp-chat.pcap (14 TCP frames) followed by arp-ping.pcap's records: 15-16 ARP, 17-20 ICMP.
    const tcp = readFileSync(cap('tcp-chat.pcap'));
    const arp = readFileSync(cap('arp-ping.pcap'));
    expect(tcp.readUInt32LE(20)).toBe(arp.readUInt32LE(20));
    const file = join(mkdtempSync(join(tmpdir(), 'synack-ui-')), 'mixed.pcap');
    writeFileSync(file, Buffer.concat([tcp, arp.subarray(24)]));
    const o = await openDashboard(file, 80, 24);
    for (const [frame, proto] of [
      [15, 'ARP'],
      [17, 'ICMP'],
    ] as const) {
      o.dash.showFrame(frame);
      await o.keys('', `Detail of frame ${frame}`);
      const msg = `Frame ${frame} is ${proto}, not TCP/UDP: select a TCP or UDP packet, or a connection (2).`;
      expect(await o.keys(KEY.enter, msg)).toBe(true);
      // Whole on an 80-column status line, and still the packets view.
      expect(status(o)).toBe(msg);
      expect(o.t.cell(1, 1).inverse).toBe(true);
    }
    await o.keys('k', (t) => !t.text().includes('not TCP/UDP'));
    expect(await o.keys('3', 'No connection open: select a TCP or UDP packet, or a connection (2), first.')).toBe(true);
    // A TCP packet then opens its ladder with the same key.
    o.dash.showFrame(4);
    await o.keys('', 'Detail of frame 4');
    expect(await o.keys('3', 'Ladder: TCP stream 0')).toBe(true);
    await o.close();
  });
});

describe.skipIf(!HAVE_CAPTURES)('a damaged capture', () => {
  it('shows every frame before the damage and says what and where in one line, then exits with 2', async () => {
    const whole = readFileSync(cap('tcp-chat.pcap'));
    // Cut inside the record of frame 10: 24-byte file header, then 16 bytes + the frame per record.
    let off = 24;
    for (let i = 0; i < 9; i++) off += 16 + whole.readUInt32LE(off + 8);
    const file = join(mkdtempSync(join(tmpdir(), 'synack-ui-')), 'cut.pcap');
    writeFileSync(file, whole.subarray(0, off + 20));
    const o = await openDashboard(file, 120, 30);
    const lines = o.t.lines();
    expect(lines[0]).toMatch(/damaged: stopped +9 frames/);
    expect(lines.some((l) => /^ +9 0\.349378 /.test(l))).toBe(true);
    expect(lines[29]).toMatch(new RegExp(`^synack: .*cut\\.pcap, byte offset ${off}, frame 10: `));
    expect(o.t.cell(0, 29).bg).toBe(RED);
    expect(await o.close()).toBe(2);
  });
});

describe('captured bytes cannot drive the terminal', () => {
  // A crafted copy of lab/esc.pcap's request always; the lab's capture where the corpus is.
  for (const [what, file, tags] of [
    ['crafted', escCapture, []],
    ['lab/esc.pcap', () => labCapture('esc.pcap'), ['corpus']],
  ] as const) {
    it(`escapes the payload that tries to colour, ring the bell and retitle the window (${what})`, { tags: [...tags] }, async () => {
      const o = await openDashboard(file(), 120, 40);
      const titles: string[] = [];
      o.t.term.onTitleChange((t) => titles.push(t));
      o.dash.showFrame(4);
      await o.keys('l', 'Stream:');
      const text = o.t.text();
      // The payload "GET /<ESC>[31mRED<ESC>[0m<BEL><ESC>]0;pwned-title<BEL> HTTP/1.0" shown escaped.
      expect(text).toContain('GET /\\x1b[31mRED\\x1b[0m\\x07\\x1b]0;pwned-title\\x07 HTTP/1.0');
      expect(o.t.raw).not.toContain('\x1b]0;pwned');
      expect(o.t.raw).not.toContain('\x1b[31mRED');
      // (blessed's own title sequence ends in BEL: it is the only one allowed.)
      expect(o.t.raw.replace('\x1b]0;synack\x07', '')).not.toContain('\x07');
      expect(titles.some((t) => t.includes('pwned'))).toBe(false);
      const y = o.t.lines().findIndex((l) => l.includes('RED\\x1b'));
      const x = o.t.lines()[y].indexOf('RED');
      expect(o.t.cell(x, y).fg).not.toBe(RED);
      // The hex view's ASCII column shows dots for the control bytes.
      await o.keys('1', 'Detail of frame 4');
      expect(o.t.text()).toContain('2f 1b  5b 33 31 6d 52 45 44 1b  ..GET /.[31mRED.');
      expect(o.t.text()).toContain('[0m..]0;pwned-ti');
      await o.close();
    });
  }
});
