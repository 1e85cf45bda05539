/**
 * The analysis part of the TCP summary line, as tshark 4.0 prints it:
 * "[TCP Retransmission] ", "[TCP Dup ACK 3#1] ", "[TCP ZeroWindow] " ...
 * tshark prepends each label in the order of tcp_print_sequence_number_analysis
 * (so the last one printed is leftmost); they are written here in that
 * reversed order, straight into the OutBuf. Importing this module installs
 * the writer in the summary's hook.
 */
import { A_DUPLICATE_ACK, ANALYSIS_RULES, type TcpNote } from '../analysis/index';
import type { Packet } from '../decode/packet';
import type { OutBuf } from './outbuf';
import { summaryHooks } from './summary';

/** Writes the labels of note `n` (nothing when tshark shows no analysis for the frame). */
export function writeTcpPrefix(out: OutBuf, n: TcpNote): void {
  if (!n.printed) return;
  const flags = n.seq.flags;
  if (flags === 0) return;
  for (let i = ANALYSIS_RULES.length - 1; i >= 0; i--) {
    const r = ANALYSIS_RULES[i];
    if ((flags & r.bit) === 0) continue;
    if (r.bit === A_DUPLICATE_ACK) {
      if (n.seq.dupAckNum === 0) continue;
      out.ascii('[TCP Dup ACK ');
      out.uint(n.seq.dupAckFrame);
      out.byte(35);
      out.uint(n.seq.dupAckNum);
      out.ascii('] ');
    } else {
      out.ascii(r.info);
    }
  }
}

summaryHooks.tcpPrefix = (out: OutBuf, pkt: Packet, li: number): void => {
  const fa = pkt.notes.analysis;
  if (fa === undefined || fa.frame !== pkt.number) return;
  const n = fa.tcpAt(li);
  if (n !== undefined) writeTcpPrefix(out, n);
};
