/**
 * Chooses the source the options name (a file, standard input, or a live
 * interface) with its capture filter, opens the -w file, and gives up root
 * once both are open.
 * The dashboard and text mode both start a capture through `openCapture`.
 */
import * as fs from 'node:fs';
import { isatty } from 'node:tty';
import type { Options } from '../options';
import { FileSource, openErrorMessage } from './file';
import { CaptureError, type PacketSource } from './frame';
import { dropPrivileges } from './privileges';
import { isPipeOrSocket, StreamSource } from './stream';
import { openWriter, type CaptureWriter } from './writer';

export interface OpenedCapture {
  source: PacketSource;
  /** The -w file, or null. */
  writer: CaptureWriter | null;
  /** Who the process runs as after dropping root ('' when it did not drop). */
  droppedTo: string;
}

/** Opens the source named by -r or -i. Throws CaptureError (one line for the user). */
export async function openSource(opts: Options): Promise<PacketSource> {
  if (opts.iface !== undefined) {
    const { openLive } = await import('./live');
    return openLive(opts.iface, opts.captureFilter ?? '', { snaplen: opts.snaplen, dropUser: opts.dropUser });
  }
  const path = opts.read ?? '-';
  const source = path === '-' ? openStdin() : openFile(path);
  // tcpdump's `-r FILE expression`: the filter runs on each frame's bytes, as libpcap's would.
  const bpf = opts.captureFilter ?? '';
  if (bpf.trim() === '') return source;
  // Loaded only for a filter: the compiler is a tenth of synack's code, and most runs have none.
  const { FilteredSource } = await import('./filtered');
  return new FilteredSource(source, bpf);
}

/** A capture file by path; a named pipe or character device is read as a stream. */
export function openFile(path: string): PacketSource {
  let fd: number;
  try {
    fd = fs.openSync(path, 'r');
  } catch (e) {
    throw new CaptureError(`cannot open: ${openErrorMessage(e)}`, path);
  }
  const st = fs.fstatSync(fd);
  if (st.isDirectory()) {
    fs.closeSync(fd);
    throw new CaptureError('cannot open: is a directory, not a capture file', path);
  }
  if (!st.isFile()) {
    // `-r <(tcpdump -w - ...)` and FIFOs: positioned reads are impossible.
    return new StreamSource(path, streamInput(fd), 'file');
  }
  return new FileSource(path, fd, st.size);
}

function openStdin(): PacketSource {
  // Not process.stdin: creating it would open a second libuv handle on descriptor 0.
  if (isatty(0)) {
    throw new CaptureError("standard input is a terminal: pipe a capture into synack, as in 'tcpdump -U -w - | synack -r -'", '-');
  }
  const st = fs.fstatSync(0);
  // `synack -r - < file.pcap`: a regular file is read the fast way.
  if (st.isFile()) return new FileSource('-', 0, st.size, false);
  return new StreamSource('-', streamInput(0), 'stdin');
}

/** A pipe or socket is read by libuv into one buffer; anything else (a character device) as a file stream. */
function streamInput(fd: number): number | fs.ReadStream {
  return isPipeOrSocket(fd) ? fd : fs.createReadStream('', { fd, highWaterMark: 1 << 16 });
}

/**
 * Opens the source and the -w file, then (when running as root) switches to
 * the -Z user or the sudo user: the capture handle and the output file stay
 * open and usable after root is gone.
 */
export async function openCapture(opts: Options): Promise<OpenedCapture> {
  const source = await openSource(opts);
  let writer: CaptureWriter | null = null;
  try {
    if (opts.write !== undefined) {
      if (opts.read !== undefined && opts.read !== '-' && sameFile(opts.read, opts.write)) {
        throw new CaptureError('-w names the file being read; saving would destroy it before it is read', opts.write);
      }
      writer = openWriter(opts.write, { source });
    }
    const droppedTo = dropPrivileges(opts.dropUser, writer === null ? [] : [writer.fd]);
    return { source, writer, droppedTo };
  } catch (e) {
    source.stop();
    if (writer !== null) writer.close();
    throw e;
  }
}

/** Whether two paths name the same file (hard links and symlinks included). */
function sameFile(a: string, b: string): boolean {
  try {
    const sa = fs.statSync(a);
    const sb = fs.statSync(b);
    return sa.dev === sb.dev && sa.ino === sb.ino;
  } catch {
    return false; // the -w file does not exist yet
  }
}
