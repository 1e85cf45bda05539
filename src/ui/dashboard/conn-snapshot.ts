/**
 * One TCP connection or UDP conversation as the screen describes it: the
 * connections table, the ladder's brackets and the stream view's header all
 * read these, from a live analysis object or from a snapshot taken when
 * analysis let go of it (evicted: memory stays bounded however many
 * connections a capture holds). Names follow the lessons: "3-way handshake",
 * "4-way close, client closed first", "half-close", "reset by server".
 */
import { CLIENT, TCP_STATE_NAMES, type HandshakeKind, type TcpConnection, type TeardownKind, type UdpConversation } from '../../analysis/index';

export interface TcpSnapshot {
  readonly kind: 'tcp';
  readonly stream: number;
  readonly family: number;
  /** "127.0.0.1:57520", "[::1]:43324" */
  readonly client: string;
  readonly server: string;
  readonly clientState: string;
  readonly serverState: string;
  readonly history: string;
  readonly connState: string;
  readonly handshake: HandshakeKind;
  readonly teardown: TeardownKind;
  readonly handshakeText: string;
  readonly teardownText: string;
  /** Handshake round trip (tshark's iRTT: SYN to the ACK of the SYN-ACK), ns; -1 unknown. */
  readonly rttNs: number;
  readonly framesToServer: number;
  readonly framesToClient: number;
  /** Payload bytes (retransmissions included), each way. */
  readonly bytesToServer: number;
  readonly bytesToClient: number;
  /** Frames carrying an analysis finding. */
  readonly findings: number;
  /** Segments carrying two or more messages, messages, messages spread over segments (both directions). */
  readonly coalesced: number;
  readonly messages: number;
  readonly splitMessages: number;
  readonly firstFrame: number;
  readonly lastFrame: number;
  /** False once analysis evicted it (its numbers are final). */
  readonly live: boolean;
}

export interface UdpSnapshot {
  readonly kind: 'udp';
  readonly stream: number;
  readonly family: number;
  readonly a: string;
  readonly b: string;
  readonly datagramsAtoB: number;
  readonly datagramsBtoA: number;
  readonly bytesAtoB: number;
  readonly bytesBtoA: number;
  readonly firstFrame: number;
  readonly lastFrame: number;
  readonly live: boolean;
}

export function endpointText(family: number, address: string, port: number): string {
  return family === 6 ? `[${address}]:${port}` : `${address}:${port}`;
}

/** 0.041 ms, 12.3 ms, 1.204 s */
export function durationText(ns: number): string {
  if (ns < 0) return '?';
  const ms = ns / 1e6;
  if (ms < 10) return `${ms.toFixed(3)} ms`;
  if (ms < 1000) return `${ms.toFixed(1)} ms`;
  return `${(ms / 1000).toFixed(3)} s`;
}

const SIDE = ['client', 'server'];

export function handshakeText(c: TcpConnection): string {
  const rtt = c.firstRttNs > 0 ? c.firstRttNs : c.synToSynAckNs;
  const rttPart = rtt > 0 ? `, RTT ${durationText(rtt)}` : '';
  switch (c.handshake) {
    case 'normal':
      return `3-way handshake${rttPart}`;
    case 'syn-retransmitted':
      return `3-way handshake after ${c.client.synCount} SYNs${rttPart}`;
    case 'simultaneous-open':
      return 'simultaneous open: both sides sent a SYN';
    case 'refused':
      return 'connection refused: the SYN was answered with a RST';
    case 'unanswered':
      return `SYN unanswered (${c.client.synCount} sent)`;
    case 'aborted':
      return 'handshake aborted before it completed';
    case 'midstream':
      return 'no handshake: the capture started mid-connection';
    case 'in-progress':
      return c.synAckFrame !== 0 ? 'handshake: SYN-ACK sent, waiting for the ACK' : c.client.sawSyn ? 'handshake: SYN sent, waiting' : 'no handshake seen';
  }
}

export function teardownText(c: TcpConnection): string {
  const closer = c.activeCloser >= 0 ? SIDE[c.activeCloser] : '';
  const other = c.activeCloser >= 0 ? SIDE[1 - c.activeCloser] : '';
  switch (c.teardown) {
    case 'open':
      return 'open';
    case 'four-way':
      return `4-way close, ${closer} closed first`;
    case 'three-way':
      return `3-way close (FIN, FIN+ACK, ACK), ${closer} closed first`;
    case 'half-close': {
      const peer = c.activeCloser === CLIENT ? c.server : c.client;
      return `half-close: ${peer.data.segmentsAfterPeerFin} segment${peer.data.segmentsAfterPeerFin === 1 ? '' : 's'} after the ${closer}'s FIN`;
    }
    case 'simultaneous':
      return 'simultaneous close: the FINs crossed';
    case 'half-closed':
      return `half-closed: the ${closer} sent FIN, the ${other} has not closed yet`;
    case 'reset': {
      const by = c.resetBy >= 0 ? SIDE[c.resetBy] : 'a side';
      if (c.handshake === 'refused') return `refused: reset by ${by}`;
      return c.resetPhase === '' ? `reset by ${by}` : `reset by ${by} (${c.resetPhase === 'closing' ? 'while closing' : `during the ${c.resetPhase === 'handshake' ? 'handshake' : 'connection'}`})`;
    }
  }
}

function findingFrames(c: TcpConnection): number {
  let n = 0;
  if (c.flagCounts !== null) for (const x of c.flagCounts) n += x;
  return n;
}

export function snapshotTcp(c: TcpConnection, live = false): TcpSnapshot {
  const cs = c.client.stream;
  const ss = c.server.stream;
  return {
    kind: 'tcp',
    stream: c.stream,
    family: c.family,
    client: endpointText(c.family, c.address(c.clientIsA), c.clientIsA ? c.aPort : c.bPort),
    server: endpointText(c.family, c.address(!c.clientIsA), c.clientIsA ? c.bPort : c.aPort),
    clientState: TCP_STATE_NAMES[c.client.state],
    serverState: TCP_STATE_NAMES[c.server.state],
    history: c.history(),
    connState: c.connState(),
    handshake: c.handshake,
    teardown: c.teardown,
    handshakeText: handshakeText(c),
    teardownText: teardownText(c),
    rttNs: c.handshake === 'refused' || c.handshake === 'unanswered' ? -1 : c.firstRttNs > 0 ? c.firstRttNs : c.synToSynAckNs,
    framesToServer: c.client.frames,
    framesToClient: c.server.frames,
    bytesToServer: c.client.payloadBytes,
    bytesToClient: c.server.payloadBytes,
    findings: findingFrames(c),
    coalesced: (cs?.coalescedSegments ?? 0) + (ss?.coalescedSegments ?? 0),
    messages: (cs?.messages ?? 0) + (ss?.messages ?? 0),
    splitMessages: (cs?.splitMessages ?? 0) + (ss?.splitMessages ?? 0),
    firstFrame: c.firstFrame,
    lastFrame: c.lastFrame,
    live,
  };
}

export function snapshotUdp(c: UdpConversation, live = false): UdpSnapshot {
  return {
    kind: 'udp',
    stream: c.stream,
    family: c.family,
    a: endpointText(c.family, c.address(true), c.aPort),
    b: endpointText(c.family, c.address(false), c.bPort),
    datagramsAtoB: c.a.datagrams,
    datagramsBtoA: c.b.datagrams,
    bytesAtoB: c.a.payloadBytes,
    bytesBtoA: c.b.payloadBytes,
    firstFrame: c.firstFrame,
    lastFrame: c.lastFrame,
    live,
  };
}

/** The snapshot of whatever the model holds (a live object is described as it is now). */
export function describeTcp(c: TcpConnection | TcpSnapshot): TcpSnapshot {
  return 'kind' in c ? c : snapshotTcp(c, true);
}

export function describeUdp(c: UdpConversation | UdpSnapshot): UdpSnapshot {
  return 'kind' in c ? c : snapshotUdp(c, true);
}

/** The live analysis object, or null for a snapshot (or nothing). */
export function liveTcp(c: TcpConnection | TcpSnapshot | null | undefined): TcpConnection | null {
  return c === null || c === undefined || 'kind' in c ? null : c;
}
