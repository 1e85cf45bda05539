/**
 * The detail tree of one frame: its layers with Wireshark's field names and
 * values (each protocol's tree()), then what analysis found (the rule that
 * fired, in words) and synack's message-framing facts for the segment. Every
 * node knows the bytes it covers, which is what the hex pane highlights.
 * Built only for the selected frame: allocation is fine here.
 */
import { describeFindings, FRAMING_NAMES, type TcpConnection } from '../../analysis/index';
import { F_AFTER_PEER_FIN, F_COALESCED, F_FROM_CLIENT, F_HAS_MSGS, F_MSG_SPLIT, F_NAGLE, F_QUEUED, KIND_TCP, KIND_UDP } from '../../analysis/facts';
import type { TreeNode } from '../../decode/protocol';
import { CaptureError } from '../../capture/frame';
import { sanitize } from '../../output/sanitize';
import { frameTree } from '../../output/tree';
import type { TcpSnapshot } from './conn-snapshot';
import { describeTcp, liveTcp } from './conn-snapshot';
import { noLongerKept } from './conns';
import type { CaptureModel } from './model';
import { ANALYSIS_MASK } from './row-class';

export type NodeTone = 'plain' | 'finding' | 'framing' | 'problem' | 'layer';

export interface DetailNode {
  text: string;
  /** The Wireshark (or synack.*) field name, when the line shows one. */
  field?: string;
  offset: number;
  length: number;
  tone: NodeTone;
  children: DetailNode[];
  /** Stable key for the expanded set (the path of texts up to the first ':'). */
  key: string;
}

function convert(n: TreeNode, parentKey: string, tone: NodeTone): DetailNode {
  const label = n.text.split(':')[0];
  const key = `${parentKey}/${n.field ?? label}`;
  return {
    // Tree text can hold packet bytes (DNS names, strings): made safe here, once.
    text: sanitize(n.text),
    field: n.field,
    offset: n.offset,
    length: n.length,
    tone,
    key,
    children: (n.children ?? []).map((c) => convert(c, key, tone)),
  };
}

function leaf(text: string, parentKey: string, tone: NodeTone, offset = 0, length = 0, field?: string): DetailNode {
  return { text, field, offset, length, tone, key: `${parentKey}/${field ?? text.split(':')[0]}`, children: [] };
}

/** The detail tree of frame `n` (re-read and decoded), or one line saying why it cannot be shown. */
export function buildDetail(model: CaptureModel, n: number): DetailNode[] {
  const p = model.decode(n);
  if (p instanceof CaptureError) return [leaf(`Cannot re-read frame ${n}: ${p.message}`, '', 'problem')];
  const facts = model.analyzer.facts;
  const kind = facts?.kind(n) ?? 0;
  // The -V tree (layer titles, each protocol's fields), then what analysis and framing add.
  const out = frameTree(p).map((t, i) => {
    const isLayer = i < p.layerCount;
    const node = convert(t, isLayer ? `${i}:${t.field ?? ''}` : 'problem', isLayer ? 'plain' : 'problem');
    if (isLayer) {
      node.key = `${i}:${t.field ?? ''}`;
      node.tone = 'layer';
      if (t.field === 'tcp' && facts !== null && kind === KIND_TCP) node.children.push(...tcpAnalysis(model, n, node.key));
    }
    return node;
  });
  if (facts !== null && kind === KIND_UDP) out.push(udpAnalysis(model, n));
  // What analysis found leads the tree (Wireshark nests it deep in TCP, below the fold).
  for (const layer of out) {
    const i = layer.children.findIndex((c) => c.tone === 'finding');
    if (i >= 0) out.unshift(...layer.children.splice(i, 1));
  }
  return out;
}

function tcpAnalysis(model: CaptureModel, n: number, parentKey: string): DetailNode[] {
  const facts = model.analyzer.facts!;
  const flags = facts.flags(n);
  const stream = facts.stream(n);
  const conn = model.connection('tcp', stream);
  const d: TcpSnapshot | null = conn === null ? null : describeTcp(conn);
  const key = `${parentKey}/analysis`;
  const seqNode: DetailNode = {
    text: `[Connection (synack)]`,
    offset: 0,
    length: 0,
    tone: 'plain',
    key,
    children: [
      // Stream index and relative numbers are in the TCP layer's own lines, as in tshark (output/tree.ts).
      leaf(`[Direction: ${flags & F_FROM_CLIENT ? 'client → server' : 'server → client'}]`, key, 'plain'),
    ],
  };
  if (d !== null) {
    seqNode.children.push(leaf(`[Connection: ${d.client} ⇄ ${d.server}, ${d.clientState} / ${d.serverState}, history ${d.history || '-'}]`, key, 'plain'));
    seqNode.children.push(leaf(`[Handshake: ${d.handshakeText}]`, key, 'plain'));
    if (d.teardown !== 'open') seqNode.children.push(leaf(`[Teardown: ${d.teardownText}]`, key, 'plain'));
  } else if (model.connectionDropped('tcp', stream)) {
    seqNode.children.push(leaf(`[Connection: ${noLongerKept({ kind: 'tcp', stream })}]`, key, 'plain'));
  }
  const out = [seqNode];
  const findings = describeFindings(flags & ANALYSIS_MASK);
  if (findings.length > 0) {
    const fkey = `${parentKey}/findings`;
    out.push({
      text: `[Analysis findings: ${findings.length}]`,
      offset: 0,
      length: 0,
      tone: 'finding',
      key: fkey,
      field: 'tcp.analysis.flags',
      children: findings.map((f) => ({
        text: `[${f.field}]`,
        field: f.field,
        offset: 0,
        length: 0,
        tone: 'finding' as NodeTone,
        key: `${fkey}/${f.field}`,
        children: [leaf(`Rule: ${f.rule}`, `${fkey}/${f.field}`, 'finding')],
      })),
    });
  }
  out.push(framingNode(model, n, flags, conn, parentKey));
  return out;
}

function framingNode(model: CaptureModel, n: number, flags: number, conn: TcpConnection | TcpSnapshot | null, parentKey: string): DetailNode {
  const facts = model.analyzer.facts!;
  const key = `${parentKey}/framing`;
  const kids: DetailNode[] = [];
  const live = liveTcp(conn);
  const side = live === null ? null : flags & F_FROM_CLIENT ? live.client : live.server;
  const framing = side?.stream?.framing;
  if (framing !== undefined) kids.push(leaf(`Framing of this direction: ${FRAMING_NAMES[framing]}`, key, 'framing'));
  if (flags & F_HAS_MSGS) {
    const msgs = facts.msgs(n);
    if (flags & F_COALESCED) kids.push(leaf(`Messages in this segment: ${msgs}: coalesced ("sticky packets": several send() calls, one segment)`, key, 'framing', 0, 0, 'synack.msgs_in_segment'));
    else kids.push(leaf(`Messages touched by this segment: ${msgs}`, key, 'framing', 0, 0, 'synack.msgs_in_segment'));
    if (flags & F_MSG_SPLIT) kids.push(leaf('A message in this segment is spread over several segments', key, 'framing', 0, 0, 'synack.msg_split'));
  } else {
    kids.push(leaf('No application data in this segment', key, 'framing'));
  }
  if (flags & F_QUEUED) kids.push(leaf('Arrived ahead of a gap: framed once the gap was filled', key, 'framing'));
  if (flags & F_NAGLE) kids.push(leaf("Nagle: this small segment left only when the ACK of earlier data arrived", key, 'framing', 0, 0, 'synack.nagle_hold'));
  if (flags & F_AFTER_PEER_FIN) kids.push(leaf("Sent after the peer's FIN (half-close: the other direction is still open)", key, 'framing'));
  return { text: '[Message framing (synack)]', offset: 0, length: 0, tone: 'framing', key, children: kids };
}

function udpAnalysis(model: CaptureModel, n: number): DetailNode {
  const facts = model.analyzer.facts!;
  const key = 'udp-analysis';
  return {
    text: '[UDP conversation (synack)]',
    offset: 0,
    length: 0,
    tone: 'framing',
    key,
    children: [
      leaf(facts.msgs(n) > 0 ? 'One datagram, one message: UDP keeps message boundaries' : 'An empty datagram: still one message', key, 'framing'),
    ],
  };
}

/** A visible line of the tree: the node and its depth. */
export interface DetailLine {
  node: DetailNode;
  depth: number;
  expanded: boolean;
}

/** The lines shown, given which nodes are expanded. */
export function flattenDetail(nodes: readonly DetailNode[], expanded: ReadonlySet<string>, depth = 0, out: DetailLine[] = []): DetailLine[] {
  for (const n of nodes) {
    const open = expanded.has(n.key);
    out.push({ node: n, depth, expanded: open });
    if (open && n.children.length > 0) flattenDetail(n.children, expanded, depth + 1, out);
  }
  return out;
}

/** What a learner wants open at first: the transport layer, what analysis found, the framing. */
export function defaultExpanded(nodes: readonly DetailNode[], into: Set<string>): void {
  for (const n of nodes) {
    if (n.field === 'tcp' || n.field === 'udp' || n.field === 'arp' || n.field === 'icmp' || n.key === 'udp-analysis') into.add(n.key);
    if (n.tone === 'finding') {
      // Each finding opens on its rule.
      into.add(n.key);
      for (const f of n.children) into.add(f.key);
    }
    for (const c of n.children) if (c.tone === 'finding' || c.tone === 'framing') into.add(c.key);
  }
}
