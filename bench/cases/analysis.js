'use strict';
/**
 * The analysis engine's claims (issue 4), each against the other tools in the
 * same run, on the generated 2 M-frame capture:
 * - `synack -r F -q -z conn` at least 20x faster than `tshark -r F -q -z
 *   conv,tcp`, and within 1.5x of `tcptrace -n F` (C);
 * - its peak memory under 300 MB;
 * - decoding plus full analysis in-process: at least 2 M frames/s;
 * - a SYN flood of a million half-open connections in bounded memory (idle
 *   connections evicted and counted);
 * - memory bounded whatever the file size: the 4 GB capture (about 12 M
 *   frames, 180 k connections) with -q -z conn, and with -z conn while every
 *   frame is printed (the rows then wait until the end, capped).
 */
const { fixture, have, runProcess, bestOf, bestOfAsync, NODE, ROOT } = require('../lib');

const CLI = `${ROOT}/bin/synack.js`;

/** Frames per second through capture + decode (+ analysis) in this process (best of 3). */
async function inProcessRate(file, analyse) {
  const { openFile } = require('../../dist/capture/open');
  const { decodeFrame } = require('../../dist/decode/index');
  const { Packet } = require('../../dist/decode/packet');
  const { Analyzer } = require('../../dist/analysis/index');
  let n = 0;
  const seconds = await bestOfAsync(3, async () => {
    const pkt = new Packet();
    const a = new Analyzer({});
    n = 0;
    const end = await openFile(file).run((f) => {
      decodeFrame(pkt, f, ++n);
      if (analyse) a.process(pkt);
    });
    if (end.kind !== 'eof') throw new Error(`${file}: ${end.kind}`);
    a.finish();
  });
  return n / seconds;
}

module.exports = {
  name: 'analysis',
  description: 'connection analysis: -z conn against tshark and tcptrace, decode + analysis rate, SYN flood memory (issue 4)',
  async run() {
    const rows = [];
    const pcap = fixture('tcp-2m.pcap');

    const decoded = await inProcessRate(pcap, false);
    const analysed = await inProcessRate(pcap, true);
    rows.push({
      name: 'decode + full analysis of 2 M frames, in-process (reading included)',
      unit: 'frames/s',
      synack: analysed,
      higherIsBetter: true,
      baselines: [{ tool: 'decode only', value: decoded }],
      target: { text: '>= 2 M frames/s', ok: analysed >= 2e6 },
    });

    const conn = bestOf(2, () => runProcess(NODE, [CLI, '-r', pcap, '-q', '-z', 'conn']));
    const others = [];
    let tshark;
    let tcptrace;
    if (have('tshark')) {
      tshark = runProcess('tshark', ['-r', pcap, '-q', '-z', 'conv,tcp']);
      others.push({ tool: 'tshark -r F -q -z conv,tcp', value: tshark.seconds });
    }
    if (have('tcptrace')) {
      tcptrace = bestOf(2, () => runProcess('tcptrace', ['-n', pcap]));
      others.push({ tool: 'tcptrace -n F', value: tcptrace.seconds });
    }
    const checks = [];
    if (tshark !== undefined) checks.push(tshark.seconds / conn.seconds >= 20);
    if (tcptrace !== undefined) checks.push(conn.seconds <= 1.5 * tcptrace.seconds);
    rows.push({
      name: 'synack -r 2M.pcap -q -z conn',
      unit: 's',
      synack: conn.seconds,
      higherIsBetter: false,
      baselines: others,
      target: checks.length === 0 ? undefined : { text: '>= 20x faster than tshark conv,tcp; <= 1.5x tcptrace', ok: checks.every(Boolean) },
    });
    rows.push({
      name: 'peak memory of synack -r 2M.pcap -q -z conn',
      unit: 'MB',
      synack: conn.rssMB,
      higherIsBetter: false,
      baselines: [
        ...(tshark === undefined ? [] : [{ tool: 'tshark -q -z conv,tcp', value: tshark.rssMB }]),
        ...(tcptrace === undefined ? [] : [{ tool: 'tcptrace -n', value: tcptrace.rssMB }]),
      ],
      target: { text: '< 300 MB', ok: conn.rssMB < 300 },
    });

    const flood = fixture('synflood-1m.pcap');
    const f = runProcess(NODE, [CLI, '-r', flood, '-q', '-z', 'conn']);
    const floodOthers = [];
    if (have('tcptrace')) floodOthers.push({ tool: 'tcptrace -n (seconds / MB)', value: runProcess('tcptrace', ['-n', flood]).rssMB });
    rows.push({
      name: 'SYN flood, 1 M half-open connections: peak memory of -q -z conn (idle ones evicted)',
      unit: 'MB',
      synack: f.rssMB,
      higherIsBetter: false,
      baselines: floodOthers,
      target: { text: '< 300 MB, bounded', ok: f.rssMB < 300 },
    });
    rows.push({ name: 'SYN flood, 1 M half-open connections: -q -z conn', unit: 's', synack: f.seconds, higherIsBetter: false, baselines: [] });

    const big = fixture('tcp-4g.pcap');
    const q = runProcess(NODE, [CLI, '-r', big, '-q', '-z', 'conn']);
    rows.push({
      name: 'peak memory of synack -r 4G.pcap -q -z conn',
      unit: 'MB',
      synack: q.rssMB,
      higherIsBetter: false,
      baselines: [{ tool: 'the 2 M-frame file', value: conn.rssMB }],
      target: { text: '< 300 MB, flat with file size', ok: q.rssMB < 300 },
    });
    rows.push({ name: 'synack -r 4G.pcap -q -z conn', unit: 's', synack: q.seconds, higherIsBetter: false, baselines: [] });
    const printing = runProcess(NODE, [CLI, '-r', big, '-z', 'conn', '-T', 'fields', '-e', 'frame.number']);
    rows.push({
      name: 'peak memory of synack -r 4G.pcap -z conn -T fields -e frame.number (rows held until the end)',
      unit: 'MB',
      synack: printing.rssMB,
      higherIsBetter: false,
      baselines: [{ tool: 'with -q', value: q.rssMB }],
      target: { text: '< 300 MB, bounded', ok: printing.rssMB < 300 },
    });
    return rows;
  },
};
