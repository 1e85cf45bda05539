/**
 * Captures the shared corpus has and captures/ lacks, rebuilt frame by frame
 * so a clean clone (CI) keeps the tests that need them: a payload that tries
 * to drive the terminal (the corpus's lab/esc.pcap), and a receiver that
 * closes its window (a zero-window finding). Written once per process into a
 * temporary directory.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Conversation, writePcap, type TcpOpts } from '../analysis/craft';

let dir: string | null = null;
const made = new Map<string, string>();

function once(name: string, build: () => Conversation): string {
  let path = made.get(name);
  if (path === undefined) {
    dir ??= mkdtempSync(join(tmpdir(), 'synack-crafted-'));
    path = join(dir, name);
    writePcap(path, build().frames);
    made.set(name, path);
  }
  return path;
}

/**
 * The request of lab/esc.pcap: colour, bell and a window title ("GET
 * /<ESC>[31mRED<ESC>[0m<BEL><ESC>]0;pwned-title<BEL> HTTP/1.0"). As there,
 * 12 bytes of options put the payload at byte 66 of the frame, and the time
 * stamps' last bytes are control bytes (dots in a hex dump's text column).
 */
export const ESC_REQUEST = 'GET /\x1b[31mRED\x1b[0m\x07\x1b]0;pwned-title\x07 HTTP/1.0\r\n\r\n';

const TS: TcpOpts = { sackPerm: true, ts: [0x01020304, 0x05060708] };

/** Handshake, then a data segment from the client (frame 4), its ACK, FIN teardown. */
function request(payload: string, serverWindow: number): Conversation {
  const c = new Conversation({ ip: '127.0.0.1', port: 41512 }, { ip: '127.0.0.1', port: 47011 });
  const len = payload.length;
  return c
    .tcp('c', { flags: 'S', seq: 1000, opts: { mss: 65495, sackPerm: true, ws: 10 } })
    .wait(15)
    .tcp('s', { flags: 'SA', seq: 5000, ack: 1001, opts: { mss: 65495, sackPerm: true, ws: 10 } })
    .wait(15)
    .tcp('c', { flags: 'A', seq: 1001, ack: 5001, win: 64, opts: TS })
    .wait(700)
    .tcp('c', { flags: 'PA', seq: 1001, ack: 5001, win: 64, data: payload, opts: TS })
    .wait(7)
    .tcp('s', { flags: 'A', seq: 5001, ack: 1001 + len, win: serverWindow, opts: TS })
    .wait(55_000)
    .tcp('c', { flags: 'FA', seq: 1001 + len, ack: 5001, win: 64, opts: TS })
    .wait(700)
    .tcp('s', { flags: 'FA', seq: 5001, ack: 1002 + len, win: 64, opts: TS })
    .wait(20)
    .tcp('c', { flags: 'A', seq: 1002 + len, ack: 5002, win: 64, opts: TS });
}

/** A stand-in for lab/esc.pcap: frame 4 carries ESC_REQUEST. */
export function escCapture(): string {
  return once('esc.pcap', () => request(ESC_REQUEST, 64));
}

/** Frame 5, the server's ACK of frame 4, advertises a window of 0 (tcp.analysis.zero_window). */
export function zeroWindowCapture(): string {
  return once('zero-window.pcap', () => request('hello, a full buffer\n', 0));
}
