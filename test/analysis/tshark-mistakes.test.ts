/**
 * Where tshark 4.0 is wrong, synack copies it in tcp.analysis.* (so scripts
 * and filters behave the same) and says what really happened in its own
 * synack.* fields. Each case names the capture, the frames and the reason,
 * and checks both tshark's view (the cached oracle) and synack's.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CAPTURES, labCapture } from '../helpers/paths';
import { HAVE_TSHARK, oracle } from '../oracle/tshark';
import { fieldRows } from './run';

const FIXTURES = join(__dirname, 'fixtures');

interface Mistake {
  file: string;
  frames: number[];
  /** What tshark says (field, value); synack's tcp.analysis.* says the same. */
  tshark: [string, string];
  /** What synack's own field says. */
  synack: [string, string];
  reason: string;
  needsCorpus?: boolean;
}

export const TSHARK_MISTAKES: readonly Mistake[] = [
  {
    file: join(FIXTURES, 'linux-zero-window-probes.pcap'),
    frames: [13, 15, 16],
    tshark: ['tcp.analysis.keep_alive', '1'],
    synack: ['synack.zero_window_probe', '1'],
    reason:
      'Linux probes a zero window with a segment one below the next sequence number and no data ' +
      "(tcp_xmit_probe_skb); that is exactly Wireshark's keep-alive rule, but the receiver's window is 0: a zero-window probe",
  },
  {
    file: join(CAPTURES, 'refused.pcap'),
    frames: [2],
    tshark: ['tcp.analysis.initial_rtt', '0.000014000'],
    synack: ['synack.handshake', 'refused'],
    reason: "tshark takes the RST/ACK refusing the SYN for the handshake's last ACK and reports an iRTT; there was no handshake",
  },
  {
    file: labCapture('demo.pcap'),
    frames: [51],
    tshark: ['tcp.analysis.initial_rtt', '0.000013000'],
    synack: ['synack.handshake', 'refused'],
    reason: "tshark takes the RST/ACK refusing the SYN for the handshake's last ACK and reports an iRTT; there was no handshake",
    needsCorpus: true,
  },
];

describe.skipIf(!HAVE_TSHARK)("tshark 4.0's known mistakes", () => {
  for (const m of TSHARK_MISTAKES) {
    it(`${m.file.split('/').pop()} frames ${m.frames.join(', ')}: ${m.tshark[0]} (${m.reason.slice(0, 60)}...)`, { tags: m.needsCorpus === true ? ['corpus'] : [] }, async () => {
      // frame.number first: the oracle skips empty lines, and a row of one empty field would be one.
      const o = oracle(m.file, ['frame.number', m.tshark[0]]);
      const { rows } = await fieldRows(m.file, [m.tshark[0], m.synack[0]]);
      for (const f of m.frames) {
        expect(o.rows[f - 1].get(m.tshark[0]), `tshark, frame ${f}`).toBe(m.tshark[1]);
        expect(rows[f - 1].get(m.tshark[0]), `synack copies tshark, frame ${f}`).toBe(m.tshark[1]);
        expect(rows[f - 1].get(m.synack[0]), `synack's own view, frame ${f}`).toBe(m.synack[1]);
      }
    });
  }
});
