/**
 * Text mode: source -> decode -> analysis -> filter -> output, to standard
 * output. The same path the dashboard takes, minus the screen.
 */
import { Analyzer } from '../analysis/index';
import { CaptureError, type PacketSource } from '../capture/frame';
import { openCapture, type OpenedCapture } from '../capture/open';
import { decodeFrame, fieldProtocol } from '../decode/index';
import { Packet } from '../decode/packet';
import type { FieldDef } from '../decode/protocol';
import { compileFilter, formatFilterError } from '../filter/index';
import { compileColumns, UnknownFieldError, writePreamble, writeRow, type FieldColumn } from '../output/fields';
import { markDisplayed, type TimeColumn } from '../output/column-time';
import { columnTimeFrom, FRAME_TIME_DELTA_DISPLAYED } from '../output/frame-fields';
import { writeHexDump } from '../output/hexdump';
import { JsonWriter } from '../output/json';
import { SummaryWriter } from '../output/summary';
import { writeTree } from '../output/tree';
import { OutBuf, OutputClosed } from '../output/outbuf';
import { Stats } from '../output/stats';
import { writePayload } from '../output/payload';
import '../output/tcp-prefix';
import type { Options } from '../options';

/** `opened`: a capture the caller already opened (`synack demo` opens its own: live on lo, or a replay). */
export async function printCapture(opts: Options, opened?: OpenedCapture): Promise<number> {
  let cols;
  try {
    // -e columns: the rows of -T fields, or the only fields -T json writes (as tshark's -T json -e).
    cols = opts.fields.length > 0 ? compileColumns(opts.fields) : null;
  } catch (e) {
    if (e instanceof UnknownFieldError) return complain(`-e: ${e.message}`);
    throw e;
  }
  if (opts.outputType === 'fields' && opts.fields.length === 0) return complain('-T fields needs at least one -e FIELD');
  if (opts.payload === true && (opts.outputType === 'fields' || opts.outputType === 'json')) {
    return complain(`-A prints text under each frame's line; with -T ${opts.outputType}, ask for synack.msgs_in_segment, synack.coalesced, tcp.payload or udp.payload instead`);
  }
  // -Y is checked before any packet is read: a typo costs nothing.
  const filter = compileFilter(opts.displayFilter ?? '');
  if (!filter.ok) return complain(`-Y: ${formatFilterError(filter.text, filter.error)}`);
  const selected = filter.active ? filter.match : null;
  // -z and --framing are checked before the capture is opened too.
  // -w saves and prints nothing more, as tshark and tcpdump do, unless -P asks for the frames too.
  const quiet = opts.quiet || (opts.write !== undefined && opts.printWithWrite !== true);
  const stats = Stats.plan(opts.stats, opts.outputType === 'json', quiet || opts.write === '-', opts.streamBytes, filter);
  if (typeof stats === 'string') return complain(stats);
  for (const note of stats.notes) process.stderr.write(`synack: ${note}\n`);
  let analyzer: Analyzer;
  try {
    analyzer = new Analyzer({
      framing: opts.framing ?? 'auto',
      ...(opts.maxConnections !== undefined ? { maxConnections: opts.maxConnections, maxUdpConversations: opts.maxConnections } : {}),
      ...(opts.streamBytes !== undefined ? { followBytes: opts.streamBytes } : {}),
      ...stats.analysisOptions(),
      messageMarks: opts.payload === true,
    });
  } catch (e) {
    return complain((e as Error).message);
  }

  let capture: OpenedCapture;
  try {
    capture = opened ?? (await openCapture(opts));
  } catch (e) {
    if (e instanceof CaptureError) return complain(e.toString(), false);
    throw e;
  }
  const { source, writer } = capture;
  // As tcpdump's "listening on": a filter that matches nothing should not look like a hang.
  if (source.kind === 'live' && opened === undefined && process.stderr.isTTY) {
    process.stderr.write(`synack: capturing on ${source.name}${opts.captureFilter !== undefined ? `, filter '${opts.captureFilter}'` : ''} (Ctrl-C stops)\n`);
  }
  // `-w -` sends the capture itself to standard output: nothing else may go there.
  const printing = opts.write !== '-';
  const time = timeColumnOf(opts);

  const out = new OutBuf(1);
  stats.setOutput(out);
  stats.terminal = process.stdout.isTTY === true;
  const pkt = new Packet();
  if (printing && cols !== null && opts.outputType === 'fields') writePreamble(out, cols, opts.fieldsOptions);
  let show = printing && !quiet ? frameWriter(opts, cols, source) : null;
  // frame.time_delta_displayed counts from the last frame shown (or selected, under -q). Only what
  // shows that field keeps track, inside `show`: the per-frame path of everything else is unchanged.
  const printsDisplayedDelta = cols === null ? opts.verbose || opts.outputType === 'json' : cols.some((c) => c.def === FRAME_TIME_DELTA_DISPLAYED);
  // -t dd: the time column (summary lines, _ws.col.Time) counts from the last frame shown too.
  if (time.format === 'dd' || printsDisplayedDelta || filter.fields.includes(FRAME_TIME_DELTA_DISPLAYED)) {
    const write = show;
    show = (o, p) => {
      if (write !== null) write(o, p);
      markDisplayed(p);
    };
  }
  const eachFrame = opts.lineBuffered === true;
  // _ws.col.Time has the capture's precision, which the source knows once its header is read.
  columnTimeFrom(source, time);
  // Analysis costs several times what decoding does: -T fields of decoder
  // fields alone, with no -z and a -Y of decoder fields alone, skip it, as
  // their values cannot depend on it (tcp.seq, tcp.stream, tcp.analysis.* and
  // synack.* are the analysis' fields, not their decoders').
  const fromAnalysis = (f: FieldDef): boolean => !fieldProtocol(f).fields.includes(f);
  const analyze = cols === null || opts.stats.length > 0 || filter.fields.some(fromAnalysis) || cols.some((c) => fromAnalysis(c.def));
  let n = 0;
  let closed = false;
  let finished = false;
  let writeError: CaptureError | null = null;
  // Frames are shown (and saved) as soon as the source pauses: after each
  // chunk of standard input, each burst of live packets, each slice of a file.
  let flushPending = false;
  const flushNow = (): void => {
    flushPending = false;
    if (finished || closed) return;
    try {
      if (writer !== null) writer.flush();
      if (printing) out.flush();
    } catch (e) {
      if (e instanceof OutputClosed) closed = true;
      else if (e instanceof CaptureError) writeError = e;
      else throw e;
      source.stop();
    }
  };
  const stop = (): void => source.stop();
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  // -a: a time limit runs from the start of the capture (options.ts allows it live only).
  const { durationMs, packets: packetLimit, fileBytes } = opts.autostop;
  const timer = durationMs !== undefined ? setTimeout(stop, durationMs) : null;
  let kept = 0;
  // `-r F -w OUT` with nothing to show, select or count (tcpdump's way of copying or cutting a
  // capture) needs no frame decoded: twenty times faster on a large file.
  const decodes = show !== null || selected !== null || opts.stats.length > 0;
  const end = await source.run((frame) => {
    n++;
    if (decodes) {
      decodeFrame(pkt, frame, n);
      if (analyze) analyzer.process(pkt);
      stats.frame(pkt);
    }
    // tshark's -Y: a frame that does not match is neither shown nor saved, but
    // still counts for -c (frames read) and still feeds analysis before this test.
    if (selected !== null && !selected(pkt)) {
      if (opts.count !== undefined && n >= opts.count) source.stop();
      return;
    }
    if (writer !== null) {
      try {
        writer.write(frame);
      } catch (e) {
        if (!(e instanceof CaptureError)) throw e;
        writeError = e;
        source.stop();
        return;
      }
    }
    try {
      if (show !== null) {
        show(out, pkt);
        if (eachFrame) out.flush();
      }
    } catch (e) {
      if (!(e instanceof OutputClosed)) throw e;
      closed = true;
      source.stop();
      return;
    }
    if (!flushPending) {
      flushPending = true;
      setImmediate(flushNow);
    }
    if (opts.count !== undefined && n >= opts.count) source.stop();
    // -a packets counts the frames shown or saved (tshark's with -r); -a filesize stops once the
    // frame just saved brought the file to the size, as dumpcap checks after each write.
    kept++;
    if (packetLimit !== undefined && kept >= packetLimit) source.stop();
    if (fileBytes !== undefined && writer !== null && writer.position >= fileBytes) source.stop();
  });
  if (timer !== null) clearTimeout(timer);
  process.off('SIGINT', stop);
  process.off('SIGTERM', stop);
  // The saved file first: every frame shown must be in it.
  if (writer !== null) {
    try {
      writer.close();
    } catch (e) {
      if (!(e instanceof CaptureError)) throw e;
      writeError ??= e;
    }
  }
  finished = true;
  if (analyze) analyzer.finish();
  if (!closed && printing) {
    try {
      stats.write(out, analyzer);
      out.flush();
    } catch (e) {
      if (!(e instanceof OutputClosed)) throw e;
    }
    const failed = stats.failure();
    if (failed !== null) return complain(failed);
  }
  if (writeError !== null) return complain((writeError as CaptureError).toString(), false);
  if (end.kind === 'error') return complain(end.error.toString(), false);
  return 0;
}

/** The time column -t and -u ask for. */
function timeColumnOf(opts: Options): TimeColumn {
  return { format: opts.timeFormat ?? 'r', hms: opts.hms === true };
}

/** How each frame is printed, followed by its payload text with -A. */
function frameWriter(opts: Options, cols: FieldColumn[] | null, source: PacketSource): (out: OutBuf, pkt: Packet) => void {
  const text = textWriter(opts, cols, source);
  if (opts.payload !== true) return text;
  return (out, pkt) => {
    text(out, pkt);
    writePayload(out, pkt);
  };
}

/**
 * -T fields, -T json, or text: the summary line (default), the detail tree
 * (-V), the hex dump (-x), or tree then hex as tshark prints -V -x.
 */
function textWriter(opts: Options, cols: FieldColumn[] | null, source: PacketSource): (out: OutBuf, pkt: Packet) => void {
  if (cols !== null && opts.outputType === 'fields') return (out, pkt) => writeRow(out, pkt, cols, opts.fieldsOptions);
  if (opts.outputType === 'json') {
    const json = new JsonWriter(cols ?? undefined);
    return (out, pkt) => json.write(out, pkt);
  }
  const hex = (out: OutBuf, pkt: Packet): void => writeHexDump(out, pkt.data, pkt.base, pkt.capLen);
  if (opts.verbose && opts.hexDump) {
    return (out, pkt) => {
      writeTree(out, pkt, true);
      hex(out, pkt);
    };
  }
  if (opts.verbose) return writeTree;
  if (opts.hexDump) return hex;
  // The time column has the capture's precision, known once its header is read: at the first frame.
  let summary: SummaryWriter | null = null;
  return (out, pkt) => {
    summary ??= new SummaryWriter({ timeDigits: source.nanosecond ? 9 : 6, time: timeColumnOf(opts) });
    summary.write(out, pkt);
  };
}

function complain(message: string, prefix = true): number {
  process.stderr.write((prefix ? 'synack: ' : '') + message + '\n');
  return 2;
}
