'use strict';
/**
 * The capture layer's claims (issue 2), each measured against the other
 * tools in the same run:
 * - reading every frame in-process: >= 10 M frames/s (pcap and pcapng);
 * - whole processes: >= 5x pcap-parser; tcpdump, capinfos (wiretap) and
 *   tshark for scale;
 * - standard input within 2x of reading the file (a pipe: `cat F |`), and
 *   as fast as the file when it is one (`synack -r - < F`);
 * - peak memory < 100 MB however large the file (a several-GB capture).
 * Also, for scale: a capture filter cutting the file down, beside tcpdump.
 */
const fs = require('node:fs');
const { fixture, have, runProcess, bestOf, bestOfAsync, NODE, ROOT } = require('../lib');

const READ = `${__dirname}/../bin/read-frames.js`;
const PCAP_PARSER = `${__dirname}/../bin/pcap-parser-count.js`;
const CLI = `${ROOT}/bin/synack.js`;

/** Frames per second reading `file` in this process (best of 5). */
async function inProcessRate(file) {
  const { openFile } = require('../../dist/capture/open');
  let n = 0;
  const seconds = await bestOfAsync(5, async () => {
    n = 0;
    const end = await openFile(file).run(() => n++);
    if (end.kind !== 'eof') throw new Error(`${file}: ${end.kind}`);
  });
  return { frames: n, rate: n / seconds };
}

/** pcap-parser in this process, for the in-process ratio (one run: it is slow). */
function pcapParserRate(file, frames) {
  const pcapParser = require('pcap-parser');
  return new Promise((resolve, reject) => {
    const t0 = process.hrtime.bigint();
    let n = 0;
    const p = pcapParser.parse(file);
    p.on('packet', () => n++);
    p.on('error', reject);
    p.on('end', () => {
      if (n !== frames) reject(new Error(`pcap-parser counted ${n} frames, synack ${frames}`));
      resolve(n / (Number(process.hrtime.bigint() - t0) / 1e9));
    });
  });
}

module.exports = {
  name: 'capture',
  description: 'reading pcap / pcapng files and streams (issue 2)',
  async run() {
    const rows = [];
    const pcap = fixture('tcp-2m.pcap');
    const pcapng = fixture('tcp-2m.pcapng');

    const rp = await inProcessRate(pcap);
    const rng = await inProcessRate(pcapng);
    const pp = await pcapParserRate(pcap, rp.frames);
    rows.push({
      name: 'read 2 M-frame pcap, in-process',
      unit: 'frames/s',
      synack: rp.rate,
      higherIsBetter: true,
      baselines: [{ tool: 'pcap-parser', value: pp }],
      target: { text: '>= 10 M frames/s', ok: rp.rate >= 10e6 },
    });
    rows.push({
      name: 'read 2 M-frame pcapng, in-process',
      unit: 'frames/s',
      synack: rng.rate,
      higherIsBetter: true,
      baselines: [],
      target: { text: '>= 10 M frames/s', ok: rng.rate >= 10e6 },
    });

    // Reading the file, reading it through a pipe and reading it redirected to standard input (`-r - < F`:
    // a regular file, read as -r F is) alternate, so that a disturbed moment of the shared machine falls
    // on all three; the best of five of each is compared.
    const q = (a) => `'${String(a).replace(/'/g, "'\\''")}'`;
    const ways = {
      file: () => runProcess(NODE, [READ, pcap]),
      piped: () => runProcess(NODE, [READ, '-'], { stdinFile: pcap }),
      redirected: () => runProcess(NODE, [], { shell: `/usr/bin/time -f '%e %M' ${q(NODE)} ${q(READ)} - < ${q(pcap)}` }),
    };
    const best = {};
    for (let i = 0; i < 5; i++) {
      for (const [way, run] of Object.entries(ways)) {
        const r = run();
        if (best[way] === undefined || r.seconds < best[way].seconds) best[way] = r;
      }
    }
    const { file, piped, redirected } = best;
    const others = [{ tool: 'pcap-parser', value: runProcess(NODE, [PCAP_PARSER, pcap]).seconds }];
    if (have('tcpdump')) others.push({ tool: 'tcpdump -w /dev/null', value: bestOf(3, () => runProcess('tcpdump', ['-r', pcap, '-w', '/dev/null'])).seconds });
    if (have('capinfos')) others.push({ tool: 'capinfos -c', value: bestOf(3, () => runProcess('capinfos', ['-c', pcap])).seconds });
    rows.push({
      name: 'read 2 M-frame pcap, whole process',
      unit: 's',
      synack: file.seconds,
      higherIsBetter: false,
      baselines: others,
      target: { text: '>= 5x pcap-parser', ok: others[0].value / file.seconds >= 5 },
    });
    const fileNg = bestOf(3, () => runProcess(NODE, [READ, pcapng]));
    const othersNg = [];
    if (have('capinfos')) othersNg.push({ tool: 'capinfos -c', value: bestOf(3, () => runProcess('capinfos', ['-c', pcapng])).seconds });
    if (have('tcpdump')) othersNg.push({ tool: 'tcpdump -w /dev/null', value: bestOf(3, () => runProcess('tcpdump', ['-r', pcapng, '-w', '/dev/null'])).seconds });
    rows.push({ name: 'read 2 M-frame pcapng, whole process', unit: 's', synack: fileNg.seconds, higherIsBetter: false, baselines: othersNg });

    const pipedOthers = [{ tool: 'synack reading the file', value: file.seconds }];
    if (have('tcpdump')) pipedOthers.push({ tool: 'tcpdump -r - -w /dev/null', value: bestOf(3, () => runProcess('tcpdump', ['-r', '-', '-w', '/dev/null'], { stdinFile: pcap })).seconds });
    rows.push({
      name: 'read 2 M-frame pcap from a pipe (cat | synack -r -)',
      unit: 's',
      synack: piped.seconds,
      higherIsBetter: false,
      baselines: pipedOthers,
      target: { text: 'within 2x of reading the file', ok: piped.seconds <= 2 * file.seconds },
    });

    rows.push({
      name: 'read 2 M-frame pcap redirected to standard input (synack -r - < F)',
      unit: 's',
      synack: redirected.seconds,
      higherIsBetter: false,
      baselines: [{ tool: 'synack reading the file', value: file.seconds }],
      target: { text: 'as fast as the file (within 10%)', ok: redirected.seconds <= 1.1 * file.seconds + 0.01 },
    });

    const fields = ['-T', 'fields', '-e', 'frame.number', '-e', 'frame.time_epoch', '-e', 'frame.len'];
    const cli = bestOf(3, () => runProcess(NODE, [CLI, '-r', pcap, ...fields]));
    const cliOthers = [];
    if (have('tshark')) cliOthers.push({ tool: 'tshark', value: runProcess('tshark', ['-r', pcap, ...fields]).seconds });
    rows.push({ name: 'synack -r 2M.pcap -T fields -e frame.number -e frame.time_epoch -e frame.len', unit: 's', synack: cli.seconds, higherIsBetter: false, baselines: cliOthers });

    // A capture filter on a file (tcpdump -r F -w OUT EXPR: cutting a capture down). synack compiles
    // libpcap's language itself (src/capture/bpf) and runs the program on every frame before decoding.
    const cut = `${require('node:os').tmpdir()}/synack-bench-cut.pcap`;
    const bpf = 'tcp port 7777 and tcp[tcpflags] & (tcp-syn|tcp-fin) != 0';
    const cutSynack = bestOf(3, () => runProcess(NODE, [CLI, '-r', pcap, '-w', cut, bpf]));
    const cutOthers = [];
    if (have('tcpdump')) cutOthers.push({ tool: 'tcpdump -r F -w OUT', value: bestOf(3, () => runProcess('tcpdump', ['-r', pcap, '-w', cut, bpf])).seconds });
    fs.rmSync(cut, { force: true });
    rows.push({ name: `cut a 2 M-frame pcap with a capture filter: synack -r F -w OUT '${bpf}'`, unit: 's', synack: cutSynack.seconds, higherIsBetter: false, baselines: cutOthers });

    const big = fixture('tcp-4g.pcap');
    const gb = (fs.statSync(big).size / 1e9).toFixed(1);
    const bigRead = runProcess(NODE, [READ, big]);
    const bigOthers = [];
    if (have('tcpdump')) bigOthers.push({ tool: 'tcpdump -w /dev/null', value: runProcess('tcpdump', ['-r', big, '-w', '/dev/null']).rssMB });
    if (have('capinfos')) bigOthers.push({ tool: 'capinfos -c', value: runProcess('capinfos', ['-c', big]).rssMB });
    rows.push({
      name: `peak memory reading a ${gb} GB pcap (capture layer)`,
      unit: 'MB',
      synack: bigRead.rssMB,
      higherIsBetter: false,
      baselines: bigOthers,
      target: { text: '< 100 MB', ok: bigRead.rssMB < 100 },
    });
    // The whole pipeline on the same file: decoding, analysis (per-connection
    // state) and -T fields output on top of the reader.
    const bigCli = runProcess(NODE, [CLI, '-r', big, '-T', 'fields', '-e', 'frame.number', '-e', 'frame.len']);
    rows.push({
      name: `peak memory of synack -r (${gb} GB) -T fields -e frame.number -e frame.len`,
      unit: 'MB',
      synack: bigCli.rssMB,
      higherIsBetter: false,
      baselines: [{ tool: 'the capture layer alone', value: bigRead.rssMB }],
      target: { text: '< 100 MB', ok: bigCli.rssMB < 100 },
    });
    return rows;
  },
};
