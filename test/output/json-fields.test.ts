/**
 * `-T json -e ...` against tshark 4.0's: only the chosen fields, in the order
 * given, each present in the frame; values as synack's -T json writes them
 * (README: one object per line, decimal numbers as JSON numbers, an array
 * only for a repeated field), compared with tshark's strings.
 */
import { describe, expect, it } from 'vitest';
import { Analyzer } from '../../src/analysis/index';
import { openFile } from '../../src/capture/open';
import { decodeFrame } from '../../src/decode/index';
import { Packet } from '../../src/decode/packet';
import { compileColumns } from '../../src/output/fields';
import { JsonWriter } from '../../src/output/json';
import { OutBuf } from '../../src/output/outbuf';
import { parseOptions, UsageError } from '../../src/options';
import { ownCapture } from '../helpers/paths';
import { HAVE_TSHARK, oracleText } from '../oracle/tshark';

const FIELDS = ['tcp.flags', 'ip.src', 'tcp.port', 'dns.a', 'frame.number', 'tcp.flags.syn', 'tcp.seq', 'tcp.analysis.acks_frame', 'udp.length', 'eth.src'];

async function synackJson(file: string, fields: readonly string[]): Promise<Record<string, unknown>[]> {
  const json = new JsonWriter(compileColumns(fields));
  const analyzer = new Analyzer({});
  const pkt = new Packet();
  const out = new OutBuf(-1);
  let n = 0;
  await openFile(file).run((frame) => {
    decodeFrame(pkt, frame, ++n);
    analyzer.process(pkt);
    json.write(out, pkt);
  });
  return out.text().split('\n').slice(0, -1).map((l) => JSON.parse(l) as Record<string, unknown>);
}

interface TsharkPacket {
  _source: { layers: Record<string, string[]> };
}

describe.skipIf(!HAVE_TSHARK)('-T json -e against tshark 4.0', () => {
  for (const name of ['tcp-chat.pcap', 'udp-chat.pcap', 'arp-ping.pcap']) {
    it(`${name}: the same fields in the same order, the same values`, async () => {
      const file = ownCapture(name);
      const theirs = JSON.parse(oracleText(file, ['-T', 'json', ...FIELDS.flatMap((f) => ['-e', f])]).stdout) as TsharkPacket[];
      const ours = await synackJson(file, FIELDS);
      expect(ours.length).toBe(theirs.length);
      let compared = 0;
      ours.forEach((o, i) => {
        const layers = theirs[i]._source.layers;
        expect(Object.keys(o), `frame ${i + 1}`).toEqual(Object.keys(layers));
        for (const [k, v] of Object.entries(o)) {
          expect((Array.isArray(v) ? v : [v]).map(String), `frame ${i + 1} ${k}`).toEqual(layers[k]);
          compared++;
        }
      });
      // Not vacuous: more than frame.number in most frames.
      expect(compared).toBeGreaterThan(ours.length * 2);
    });
  }

  it('writes a field given twice once', async () => {
    const [first] = await synackJson(ownCapture('tcp-chat.pcap'), ['ip.src', 'frame.number', 'ip.src']);
    expect(Object.keys(first)).toEqual(['ip.src', 'frame.number']);
  });
});

describe.skipIf(!HAVE_TSHARK)('-e and -T fields: what tshark refuses', () => {
  const file = ownCapture('tcp-chat.pcap');
  for (const args of [['-e', 'ip.src'], ['-T', 'text', '-e', 'ip.src'], ['-T', 'fields']]) {
    it(`refuses ${args.join(' ')}, as tshark does`, () => {
      const theirs = oracleText(file, args);
      expect(theirs.status).not.toBe(0);
      expect(theirs.stdout).toBe('');
      expect(() => parseOptions(['-r', file, ...args])).toThrow(UsageError);
    });
  }
  it('accepts -e with -T fields and -T json, as tshark does', () => {
    for (const t of ['fields', 'json']) {
      expect(oracleText(file, ['-c', '1', '-T', t, '-e', 'ip.src']).status).toBe(0);
      expect(parseOptions(['-r', file, '-T', t, '-e', 'ip.src']).fields).toEqual(['ip.src']);
    }
  });
});
