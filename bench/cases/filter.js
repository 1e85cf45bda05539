'use strict';
/**
 * Display filters (issue 7), on the generated 2 M-frame capture:
 * - the claim: `-Y 'tcp.flags.syn == 1 && tcp.flags.ack == 0'` costs at most
 *   25% over reading the same file without a filter (both with -q, so only
 *   the filter differs; analysis runs in both, as it must for -Y);
 * - the filter alone, in-process: decoding plus the predicate against
 *   decoding only (no target: it shows what the filter itself costs);
 * - the same selection printed, against tshark -Y and tcpdump with the
 *   equivalent BPF expression;
 * - compiling a filter, as the dashboard's filter bar does on every keystroke.
 */
const { fixture, have, runProcess, bestOf, bestOfAsync, NODE, ROOT } = require('../lib');

const CLI = `${ROOT}/bin/synack.js`;
const FILTER = 'tcp.flags.syn == 1 && tcp.flags.ack == 0';
const BPF = 'tcp[tcpflags] & (tcp-syn|tcp-ack) == tcp-syn';
const BAR_FILTER = 'ip.addr == 10.0.0.0/8 && tcp.port in {80, 443, 8000..8100} && !(tcp.flags.reset == 1) || frame contains "GET"';

module.exports = {
  name: 'filter',
  description: "display filters: -Y's cost over reading, and compiling for the filter bar (issue 7)",
  async run() {
    const rows = [];
    const pcap = fixture('tcp-2m.pcap');

    const plain = bestOf(3, () => runProcess(NODE, [CLI, '-r', pcap, '-q']));
    const filtered = bestOf(3, () => runProcess(NODE, [CLI, '-r', pcap, '-q', '-Y', FILTER]));
    rows.push({
      name: `synack -r 2M.pcap -q -Y '${FILTER}'`,
      unit: 's',
      synack: filtered.seconds,
      higherIsBetter: false,
      baselines: [{ tool: 'synack -r 2M.pcap -q (no filter)', value: plain.seconds }],
      target: { text: 'at most 25% over reading without a filter', ok: filtered.seconds <= plain.seconds * 1.25 },
    });

    const { openFile } = require('../../dist/capture/open');
    const { decodeFrame } = require('../../dist/decode/index');
    const { Packet } = require('../../dist/decode/packet');
    const { compileFilter } = require('../../dist/filter/index');
    const compiled = compileFilter(FILTER);
    if (!compiled.ok) throw new Error(compiled.error.message);
    const pkt = new Packet();
    let frames = 0;
    let matched = 0;
    const pass = (withFilter) => async () => {
      frames = 0;
      matched = 0;
      await openFile(pcap).run((f) => {
        decodeFrame(pkt, f, ++frames);
        if (withFilter && compiled.match(pkt)) matched++;
      });
    };
    const decodeOnly = await bestOfAsync(5, pass(false));
    const decodeAndFilter = await bestOfAsync(5, pass(true));
    rows.push({
      name: `decode + '${FILTER}' in-process (${matched} of ${frames} frames match)`,
      unit: 'frames/s',
      synack: frames / decodeAndFilter,
      higherIsBetter: true,
      baselines: [{ tool: 'decode only', value: frames / decodeOnly }],
    });

    const shown = bestOf(3, () => runProcess(NODE, [CLI, '-r', pcap, '-Y', FILTER]));
    const others = [];
    if (have('tcpdump')) others.push({ tool: `tcpdump -nr F '${BPF}'`, value: bestOf(2, () => runProcess('tcpdump', ['-nr', pcap, BPF])).seconds });
    if (have('tshark')) others.push({ tool: 'tshark -n -r F -Y (same filter)', value: runProcess('tshark', ['-n', '-r', pcap, '-Y', FILTER]).seconds });
    rows.push({ name: `synack -r 2M.pcap -Y '${FILTER}' (summary lines of the matches)`, unit: 's', synack: shown.seconds, higherIsBetter: false, baselines: others });

    const n = 20000;
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < n; i++) compileFilter(BAR_FILTER.slice(0, BAR_FILTER.length - (i % 7)));
    const micros = Number(process.hrtime.bigint() - t0) / 1e3 / n;
    rows.push({
      name: 'compile a filter (as typed in the filter bar, valid or not)',
      unit: 'µs',
      synack: Number(micros.toFixed(1)),
      higherIsBetter: false,
      baselines: [],
      target: { text: 'under 1 ms, so every keystroke can recompile', ok: micros < 1000 },
    });
    return rows;
  },
};
