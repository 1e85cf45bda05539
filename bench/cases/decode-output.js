'use strict';
/**
 * The decoders' and output modes' claims (issue 3), each against the other
 * tools in the same run, on the generated 2 M-frame Ethernet/IPv4/TCP capture:
 * - decoding every frame to layers, in-process: >= 3 M frames/s;
 * - the default summary output: >= 2x faster than `tcpdump -nr F > /dev/null`;
 * - -T fields with four fields: >= 20x faster than the same tshark command.
 * - -q -z expert: no slower than the same tshark command (it was 3x slower
 *   while it drew every frame's tree).
 * JSON, -V and -x are measured for scale (no target).
 */
const { fixture, have, runProcess, bestOf, bestOfAsync, NODE, ROOT } = require('../lib');

const CLI = `${ROOT}/bin/synack.js`;
const FOUR_FIELDS = ['-T', 'fields', '-e', 'frame.number', '-e', 'ip.src', '-e', 'tcp.srcport', '-e', 'tcp.flags'];

/** Frames per second reading `file` in this process, with `each` per frame (best of 5). */
async function inProcessRate(file, each) {
  const { openFile } = require('../../dist/capture/open');
  let n = 0;
  const seconds = await bestOfAsync(5, async () => {
    n = 0;
    const end = await openFile(file).run((f) => each(f, ++n));
    if (end.kind !== 'eof') throw new Error(`${file}: ${end.kind}`);
  });
  return n / seconds;
}

module.exports = {
  name: 'decode-output',
  description: 'decoding to layers, and the summary / -T fields output modes (issue 3)',
  async run() {
    const rows = [];
    const pcap = fixture('tcp-2m.pcap');

    const { decodeFrame } = require('../../dist/decode/index');
    const { Packet } = require('../../dist/decode/packet');
    const pkt = new Packet();
    const readOnly = await inProcessRate(pcap, () => {});
    const decoded = await inProcessRate(pcap, (f, n) => decodeFrame(pkt, f, n));
    rows.push({
      name: `decode 2 M frames to layers, in-process (reading included; reading alone: ${(readOnly / 1e6).toFixed(1)} M/s)`,
      unit: 'frames/s',
      synack: decoded,
      higherIsBetter: true,
      baselines: [],
      target: { text: '>= 3 M frames/s', ok: decoded >= 3e6 },
    });

    const summary = bestOf(3, () => runProcess(NODE, [CLI, '-r', pcap]));
    const summaryOthers = [];
    if (have('tcpdump')) summaryOthers.push({ tool: 'tcpdump -nr F', value: bestOf(2, () => runProcess('tcpdump', ['-nr', pcap])).seconds });
    if (have('tshark')) summaryOthers.push({ tool: 'tshark -n -r F', value: runProcess('tshark', ['-n', '-r', pcap]).seconds });
    const tcpdump = summaryOthers.find((b) => b.tool.startsWith('tcpdump'));
    rows.push({
      name: 'synack -r 2M.pcap (summary lines) > /dev/null',
      unit: 's',
      synack: summary.seconds,
      higherIsBetter: false,
      baselines: summaryOthers,
      target: tcpdump === undefined ? undefined : { text: '>= 2x faster than tcpdump -nr', ok: tcpdump.value / summary.seconds >= 2 },
    });

    const fields = bestOf(3, () => runProcess(NODE, [CLI, '-r', pcap, ...FOUR_FIELDS]));
    const fieldsOthers = [];
    if (have('tshark')) fieldsOthers.push({ tool: 'tshark (same -T fields)', value: runProcess('tshark', ['-r', pcap, ...FOUR_FIELDS]).seconds });
    rows.push({
      name: 'synack -r 2M.pcap -T fields -e frame.number -e ip.src -e tcp.srcport -e tcp.flags',
      unit: 's',
      synack: fields.seconds,
      higherIsBetter: false,
      baselines: fieldsOthers,
      target: fieldsOthers.length === 0 ? undefined : { text: '>= 20x faster than tshark', ok: fieldsOthers[0].value / fields.seconds >= 20 },
    });

    for (const [label, args] of [
      ['-T json', ['-T', 'json']],
      ['-x', ['-x']],
    ]) {
      const r = runProcess(NODE, [CLI, '-r', pcap, '-c', '200000', ...args]);
      const others = [];
      if (have('tshark') && label !== '-T json') others.push({ tool: `tshark ${args.join(' ')} -c 200000`, value: runProcess('tshark', ['-r', pcap, '-c', '200000', ...args]).seconds });
      rows.push({ name: `synack -r 2M.pcap -c 200000 ${label}`, unit: 's', synack: r.seconds, higherIsBetter: false, baselines: others });
    }
    // -z expert draws the trees of only the frames and layers that may hold an expert item (Protocol.mayExpert);
    // it drew every frame's whole tree before, 3x tshark's time.
    const EXPERT = ['-c', '200000', '-q', '-z', 'expert'];
    const expert = bestOf(3, () => runProcess(NODE, [CLI, '-r', pcap, ...EXPERT]));
    const expertOthers = [];
    if (have('tshark')) expertOthers.push({ tool: 'tshark (same -q -z expert)', value: bestOf(2, () => runProcess('tshark', ['-r', pcap, ...EXPERT])).seconds });
    rows.push({
      name: 'synack -r 2M.pcap -c 200000 -q -z expert (Expert Information summary)',
      unit: 's',
      synack: expert.seconds,
      higherIsBetter: false,
      baselines: expertOthers,
      target: expertOthers.length === 0 ? undefined : { text: 'no slower than tshark', ok: expertOthers[0].value / expert.seconds >= 1 },
    });
    return rows;
  },
};
