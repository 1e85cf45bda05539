/**
 * The capture process: `node dist/capture/live-child.js REQUEST`, started by
 * live.ts. cap gives no time stamps, so a packet is stamped when its
 * 'packet' callback runs, and that callback runs only once the event loop
 * is free: in the process that decodes, analyses and draws (and, in the
 * demo, runs the chat programs) that was milliseconds late. Here the loop
 * does nothing but stamp and forward (forward.ts). A worker thread cannot
 * do this: cap is not context-aware and polls on the default loop.
 *
 * Protocol with the parent. Standard output: a nanosecond pcap stream.
 * Standard error: JSON lines, `{"error":{message,source}}` (then exit 2,
 * before any byte of standard output), `{"ready":{linkType}}` once the pcap
 * header is sent, `{"end":{dropped}}` at exit. Standard input: never
 * written; its end means the parent is gone, and this process goes too.
 */
import { Socket } from 'node:net';
import { openCap, type OpenedCap } from './cap';
import { writeFully } from './fdwrite';
import { CaptureError } from './frame';
import { Forwarder } from './forward';
import { dropPrivileges } from './privileges';
import { isPipeOrSocket } from './stream';

/** What the parent asks for (argv[2], JSON). */
export interface LiveRequest {
  device: string;
  filter: string;
  snaplen: number;
  /** -Z USER; without it, a root process started through sudo becomes the sudo user. */
  dropUser?: string;
  /** Bytes that may wait for the parent before packets are dropped. */
  backlog: number;
}

function report(message: object): void {
  const line = Buffer.from(JSON.stringify(message) + '\n');
  try {
    writeFully(2, line, 0, line.length);
  } catch {
    // the parent is gone: nobody to tell
  }
}

function main(): void {
  const req = JSON.parse(process.argv[2] ?? '{}') as LiveRequest;
  let cap: OpenedCap;
  try {
    cap = openCap(req.device, req.filter);
    // Root is needed for the handle only; packets are read as the user.
    dropPrivileges(req.dropUser, []);
  } catch (e) {
    const err = e instanceof CaptureError ? e : new CaptureError(`cannot capture: ${(e as Error).message}`, req.device);
    report({ error: { message: err.message, source: err.source } });
    process.exit(2);
  }
  const out = new Socket({ fd: 1, readable: false, writable: true });
  const fwd = new Forwarder(out, cap.linkType, req.snaplen, req.backlog);
  let ending = false;
  const end = (): void => {
    if (ending) return;
    ending = true;
    cap.handle.removeAllListeners('packet');
    cap.handle.close();
    report({ end: { dropped: fwd.dropped } });
    // Records still waiting are for a parent that stopped reading.
    process.exit(0);
  };
  // The parent ends capture with SIGTERM. Ctrl-C reaches the whole process
  // group, this process too: the parent decides what it means.
  process.on('SIGTERM', end);
  process.on('SIGINT', () => undefined);
  // EPIPE: the parent stopped reading.
  out.on('error', end);
  if (isPipeOrSocket(0)) {
    const parent = new Socket({ fd: 0, readable: true, writable: false });
    parent.on('end', end);
    parent.on('error', end);
    parent.on('data', () => undefined);
  }
  fwd.warmUp(cap.buffer);
  fwd.start();
  const { handle, buffer } = cap;
  handle.on('packet', (nbytes, truncated) => fwd.packet(buffer, nbytes, truncated));
  report({ ready: { linkType: cap.linkType } });
}

main();
