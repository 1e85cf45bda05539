/**
 * The connection state machine on crafted segments, grouped by the state the
 * connection is in (smoltcp socket/tcp.rs style): helpers build a tracker
 * already in that state, each test feeds one event and names the outcome
 * (`state_event_detail`). States are the observer's view of each side
 * (RFC 9293 section 3.3.2), handshake and teardown kinds synack's own, and
 * history / conn_state Zeek's (zeek/zeek scripts/base/protocols/conn/main.zeek).
 */
import { describe, expect, it } from 'vitest';
import { TCP_STATE_NAMES, type TcpConnection } from '../../src/analysis/index';
import { analyse, Conversation, type SegmentSpec } from './craft';

const C = { ip: '10.0.0.1', port: 40000 };
const S = { ip: '10.0.0.2', port: 80 };
const C_ISN = 1000;
const S_ISN = 5000;

/** A conversation and the segments still to come; `conn()` runs everything and returns the one connection. */
class Script {
  readonly conv = new Conversation(C, S);
  /** Next sequence numbers of client and server. */
  c = C_ISN;
  s = S_ISN;

  seg(from: 'c' | 's', spec: SegmentSpec, waitUs = 1000): this {
    this.conv.wait(waitUs).tcp(from, spec);
    return this;
  }

  conn(): TcpConnection {
    let last: TcpConnection | null = null;
    const { analyzer } = analyse(this.conv.frames, {
      onTcpRetire: (c) => {
        last = c;
      },
    });
    expect(analyzer.tcp.streams).toBe(1);
    return last!;
  }

  states(): string {
    const c = this.conn();
    return `${TCP_STATE_NAMES[c.client.state]}/${TCP_STATE_NAMES[c.server.state]}`;
  }
}

// ---- States the helpers build --------------------------------------------------------------

function synSent(): Script {
  return new Script().seg('c', { flags: 'S', seq: C_ISN, opts: { mss: 1460, ws: 7, sackPerm: true } });
}

function synReceived(): Script {
  return synSent().seg('s', { flags: 'SA', seq: S_ISN, ack: C_ISN + 1, opts: { mss: 1460, ws: 7, sackPerm: true } });
}

function established(): Script {
  const s = synReceived().seg('c', { flags: 'A', seq: C_ISN + 1, ack: S_ISN + 1 });
  s.c = C_ISN + 1;
  s.s = S_ISN + 1;
  return s;
}

/** The client sent a FIN (not yet acknowledged). */
function finWait1(): Script {
  const s = established().seg('c', { flags: 'FA', seq: C_ISN + 1, ack: S_ISN + 1 });
  s.c = C_ISN + 2;
  return s;
}

/** The client's FIN was acknowledged: the server may still send (half-close). */
function finWait2(): Script {
  return finWait1().seg('s', { flags: 'A', seq: S_ISN + 1, ack: C_ISN + 2 });
}

describe('closed (nothing seen yet)', () => {
  it('closed_syn_syn_sent', () => {
    const c = synSent().conn();
    expect(TCP_STATE_NAMES[c.client.state]).toBe('SYN-SENT');
    expect(TCP_STATE_NAMES[c.server.state]).toBe('SYN-RECEIVED');
    expect(c.handshake).toBe('unanswered');
    expect(c.connState()).toBe('S0');
    expect(c.history()).toBe('S');
  });

  it('closed_synack_first_roles_flipped', () => {
    // The capture began after the SYN: the SYN-ACK's sender is the server (Zeek flips: '^').
    const s = new Script().seg('s', { flags: 'SA', seq: S_ISN, ack: C_ISN + 1 }).seg('c', { flags: 'A', seq: C_ISN + 1, ack: S_ISN + 1 });
    const c = s.conn();
    expect(c.clientIsA).toBe(false);
    expect(c.client.seq.baseSeq).toBe(C_ISN);
    expect(c.history().startsWith('^')).toBe(true);
  });

  it('closed_data_midstream', () => {
    const c = new Script().seg('c', { flags: 'PA', seq: 77, ack: 88, data: 'hi\n' }).seg('s', { flags: 'A', seq: 88, ack: 80 }).conn();
    expect(c.handshake).toBe('midstream');
    expect(c.midstream).toBe(true);
    expect(c.connState()).toBe('OTH');
  });
});

describe('syn-sent', () => {
  it('syn_sent_synack_syn_received_then_ack_established', () => {
    const c = established().conn();
    expect(c.handshake).toBe('normal');
    expect([c.client.synFrame, c.synAckFrame, c.handshakeAckFrame]).toEqual([1, 2, 3]);
    expect(c.synToSynAckNs).toBe(1_000_000);
    expect(c.synAckToAckNs).toBe(1_000_000);
    expect(c.firstRttNs).toBe(2_000_000);
    expect(established().states()).toBe('ESTABLISHED/ESTABLISHED');
    expect(c.connState()).toBe('S1');
    expect(c.history()).toBe('ShA');
  });

  it('syn_sent_syn_again_syn_retransmitted', () => {
    const s = synSent().seg('c', { flags: 'S', seq: C_ISN }, 1_000_000);
    s.seg('s', { flags: 'SA', seq: S_ISN, ack: C_ISN + 1 }).seg('c', { flags: 'A', seq: C_ISN + 1, ack: S_ISN + 1 });
    const c = s.conn();
    expect(c.handshake).toBe('syn-retransmitted');
    expect(c.client.synCount).toBe(2);
  });

  it('syn_sent_rst_refused', () => {
    const c = synSent().seg('s', { flags: 'RA', seq: 0, ack: C_ISN + 1, win: 0 }).conn();
    expect(c.handshake).toBe('refused');
    expect(c.teardown).toBe('reset');
    expect(c.resetPhase).toBe('handshake');
    expect(c.connState()).toBe('REJ');
    expect(c.history()).toBe('Sr');
  });

  it('syn_sent_syn_from_server_simultaneous_open', () => {
    const s = synSent().seg('s', { flags: 'S', seq: S_ISN });
    s.seg('c', { flags: 'SA', seq: C_ISN, ack: S_ISN + 1 }).seg('s', { flags: 'SA', seq: S_ISN, ack: C_ISN + 1 });
    s.seg('c', { flags: 'A', seq: C_ISN + 1, ack: S_ISN + 1 });
    const c = s.conn();
    expect(c.handshake).toBe('simultaneous-open');
    expect(s.states()).toBe('ESTABLISHED/ESTABLISHED');
  });

  it('syn_sent_silence_unanswered', () => {
    const c = synSent().seg('c', { flags: 'S', seq: C_ISN }, 3_000_000).conn();
    expect(c.handshake).toBe('unanswered');
    expect(c.connState()).toBe('S0');
  });
});

describe('syn-received', () => {
  it('syn_received_rst_from_client_aborted', () => {
    const c = synReceived().seg('c', { flags: 'R', seq: C_ISN + 1, win: 0 }).conn();
    expect(c.handshake).toBe('aborted');
    expect(c.resetBy).toBe(0);
  });

  it('syn_received_options_negotiated', () => {
    const c = synReceived().conn();
    expect([c.client.mss, c.client.wscale, c.client.sackPermitted]).toEqual([1460, 7, true]);
    expect([c.server.mss, c.server.wscale]).toEqual([1460, 7]);
  });
});

describe('established', () => {
  it('established_data_both_ways_counted', () => {
    const s = established()
      .seg('c', { flags: 'PA', seq: C_ISN + 1, ack: S_ISN + 1, data: 'hello\n' })
      .seg('s', { flags: 'PA', seq: S_ISN + 1, ack: C_ISN + 7, data: 'hi\n' })
      .seg('c', { flags: 'A', seq: C_ISN + 7, ack: S_ISN + 4 });
    const c = s.conn();
    expect([c.client.payloadBytes, c.client.dataSegments, c.server.payloadBytes, c.server.dataSegments]).toEqual([6, 1, 3, 1]);
    // The server's data carries an ACK but is data ('d'); Zeek records 'a' only for a pure ACK.
    expect(c.history()).toBe('ShADd');
  });

  it('established_fin_from_client_half_close', () => {
    const c = finWait1().conn();
    expect(c.teardown).toBe('half-closed');
    expect(c.activeCloser).toBe(0);
    expect(finWait1().states()).toBe('FIN-WAIT-1/CLOSE-WAIT');
  });

  it('established_rst_from_client_reset_after_establishment', () => {
    const c = established().seg('c', { flags: 'RA', seq: C_ISN + 1, ack: S_ISN + 1, win: 0 }).conn();
    expect(c.teardown).toBe('reset');
    expect(c.resetBy).toBe(0);
    expect(c.resetPhase).toBe('established');
    expect(c.connState()).toBe('RSTO');
  });

  it('established_rst_from_server_rstr', () => {
    const c = established().seg('s', { flags: 'R', seq: S_ISN + 1, win: 0 }).conn();
    expect(c.resetBy).toBe(1);
    expect(c.connState()).toBe('RSTR');
  });

  it('established_fins_cross_simultaneous_close', () => {
    const s = established()
      .seg('c', { flags: 'FA', seq: C_ISN + 1, ack: S_ISN + 1 })
      .seg('s', { flags: 'FA', seq: S_ISN + 1, ack: C_ISN + 1 }, 10)
      .seg('c', { flags: 'A', seq: C_ISN + 2, ack: S_ISN + 2 })
      .seg('s', { flags: 'A', seq: S_ISN + 2, ack: C_ISN + 2 }, 10);
    expect(s.conn().teardown).toBe('simultaneous');
    expect(s.states()).toBe('TIME-WAIT/TIME-WAIT');
  });

  it('established_ack_beyond_data_gap_in_history', () => {
    const c = established().seg('s', { flags: 'A', seq: S_ISN + 1, ack: C_ISN + 101 }).conn();
    expect(c.history()).toContain('G');
    expect(c.client.stream!.gapBytes).toBe(100);
  });
});

describe('fin-wait-1', () => {
  it('fin_wait_1_ack_then_fin_four_way', () => {
    const s = finWait2().seg('s', { flags: 'FA', seq: S_ISN + 1, ack: C_ISN + 2 }).seg('c', { flags: 'A', seq: C_ISN + 2, ack: S_ISN + 2 });
    const c = s.conn();
    expect(c.teardown).toBe('four-way');
    expect([c.firstFinFrame, c.secondFinFrame, c.finalAckFrame]).toEqual([4, 6, 7]);
    expect(s.states()).toBe('TIME-WAIT/CLOSED');
    expect(c.connState()).toBe('SF');
    expect(c.history()).toBe('ShAFaf');
  });

  it('fin_wait_1_fin_ack_piggybacked_three_way', () => {
    const s = finWait1().seg('s', { flags: 'FA', seq: S_ISN + 1, ack: C_ISN + 2 }).seg('c', { flags: 'A', seq: C_ISN + 2, ack: S_ISN + 2 });
    expect(s.conn().teardown).toBe('three-way');
    expect(s.states()).toBe('TIME-WAIT/CLOSED');
  });

  it('fin_wait_1_rst_from_server_reset_while_closing', () => {
    const c = finWait1().seg('s', { flags: 'R', seq: S_ISN + 1, win: 0 }).conn();
    expect(c.teardown).toBe('reset');
    expect(c.resetPhase).toBe('closing');
  });
});

describe('fin-wait-2 (half-closed)', () => {
  it('fin_wait_2_server_data_counted_not_lost', () => {
    const s = finWait2()
      .seg('s', { flags: 'PA', seq: S_ISN + 1, ack: C_ISN + 2, data: 'still talking\n' })
      .seg('c', { flags: 'A', seq: C_ISN + 2, ack: S_ISN + 15 })
      .seg('s', { flags: 'FA', seq: S_ISN + 15, ack: C_ISN + 2 })
      .seg('c', { flags: 'A', seq: C_ISN + 2, ack: S_ISN + 16 });
    const c = s.conn();
    expect(c.teardown).toBe('half-close');
    expect(c.server.data.bytesAfterPeerFin).toBe(14);
    expect(c.server.stream!.completeMessages).toBe(1);
    expect(s.states()).toBe('TIME-WAIT/CLOSED');
  });

  it('fin_wait_2_silence_half_closed_at_end', () => {
    const c = finWait2().conn();
    expect(c.teardown).toBe('half-closed');
    expect(c.connState()).toBe('S2');
  });
});

describe('port reuse', () => {
  it('closed_connection_new_isn_syn_new_stream', () => {
    const s = finWait2().seg('s', { flags: 'FA', seq: S_ISN + 1, ack: C_ISN + 2 }).seg('c', { flags: 'A', seq: C_ISN + 2, ack: S_ISN + 2 });
    s.seg('c', { flags: 'S', seq: 9_000_000 }, 2_000_000);
    const streams: number[] = [];
    const { analyzer } = analyse(s.conv.frames, {}, (pkt) => pkt.notes.analysis!.tcp[0]?.stream ?? -1);
    analyse(s.conv.frames, {}, (pkt) => streams.push(pkt.notes.analysis!.tcpCount > 0 ? pkt.notes.analysis!.tcp[0].stream : -1));
    expect(analyzer.tcp.streams).toBe(2);
    expect(analyzer.tcp.reused).toBe(1);
    expect(streams.at(-1)).toBe(1);
  });
});
