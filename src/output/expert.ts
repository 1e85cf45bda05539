/**
 * `-z expert`: tshark's Expert Information summary (ui/cli/tap-expert.c),
 * byte for byte: the expert items of every frame, counted by protocol and
 * message, under one heading per severity (Errors, Warns, Notes, Chats),
 * rows in order of first appearance. `-z expert,LEVEL` keeps items of that
 * severity and above (tshark's words: error, warn, note, chat, comment;
 * matched by prefix and case as tshark matches them); `-z expert,LEVEL,FILTER`
 * and `-z expert,FILTER` count only frames the display filter selects. With
 * -T json, one JSON object per row.
 *
 * The items are the ones the detail tree (-V) draws, found by walking it: a
 * decoder or the analysis states an expert item once, where it draws it, and
 * -V, the dashboard and this summary all show that one statement. Only what
 * may hold an item is drawn: a frame none of whose layers may (most frames;
 * frameMayExpert, from each protocol's mayExpert) costs no tree at all, and
 * in the others the layers that cannot are left undrawn.
 */
import type { ExpertSeverity, TreeNode } from '../decode/protocol';
import type { Packet } from '../decode/packet';
import { jsonString } from './json';
import type { OutBuf } from './outbuf';
import { sanitize } from './sanitize';
import { frameMayExpert, frameTree } from './tree';

/** Headings, most severe first, as tshark prints them; index = rank (0 most severe). */
const HEADINGS = ['Errors', 'Warns', 'Notes', 'Chats', 'Comments'] as const;
const RANK: Readonly<Record<ExpertSeverity, number>> = { Error: 0, Warning: 1, Note: 2, Chat: 3, Comment: 4 };
/** tshark's level words (a prefix match, as g_ascii_strncasecmp on the word's length). */
const LEVELS: readonly [string, number][] = [
  ['error', 0],
  ['warn', 1],
  ['note', 2],
  ['chat', 3],
  ['comment', 4],
];

interface Row {
  group: string;
  protocol: string;
  summary: string;
  frequency: number;
}

/** How -z expert's argument reads: the lowest severity rank kept and the filter text (null: none). */
export function parseExpertArgs(rest: string): { lowest: number; filter: string | null } {
  // `rest` is what follows "expert": "", ",warn", ",note,tcp.port == 80", ",udp".
  let args = rest;
  let lowest = 4;
  for (const [word, rank] of LEVELS) {
    if (args.slice(0, word.length + 1).toLowerCase() === ',' + word) {
      lowest = rank;
      args = args.slice(word.length + 1);
      break;
    }
  }
  return { lowest, filter: args.startsWith(',') ? args.slice(1) : null };
}

export class ExpertReport {
  /** Rows per severity rank, keyed by protocol and summary (tshark's identity of an entry). */
  private readonly rows: Map<string, Row>[] = HEADINGS.map(() => new Map());

  constructor(
    /** Least severe rank kept (4: everything). */
    private readonly lowest: number,
    /** Frames counted; null: every frame. */
    private readonly filter: ((pkt: Packet) => boolean) | null,
    private readonly json: boolean,
  ) {}

  /** Protocol filter names to Wireshark short names, learnt from the layers seen (a handful). */
  private readonly shortNames = new Map<string, string>();

  /** Counts the frame's expert items (call after analysis processed it). */
  observe(pkt: Packet): void {
    if (this.filter !== null && !this.filter(pkt)) return;
    for (let li = 0; li < pkt.layerCount; li++) {
      const p = pkt.layerProto[li];
      if (!this.shortNames.has(p.name)) this.shortNames.set(p.name, p.short);
    }
    if (frameMayExpert(pkt)) this.walk(frameTree(pkt, true), 'Frame');
  }

  /** The protocol of an item is the layer whose node holds it; layers are nodes named by their protocol. */
  private walk(nodes: readonly TreeNode[], protocol: string): void {
    for (const n of nodes) {
      const p = n.field !== undefined ? (this.shortNames.get(n.field) ?? protocol) : protocol;
      if (n.expert !== undefined) this.count(n.expert.severity, n.expert.group, n.expert.protocol ?? p, n.expert.message);
      if (n.children !== undefined) this.walk(n.children, p);
    }
  }

  private count(severity: ExpertSeverity, group: string, protocol: string, summary: string): void {
    const rank = RANK[severity];
    if (rank > this.lowest) return;
    const rows = this.rows[rank];
    const key = protocol + '\0' + summary;
    const row = rows.get(key);
    if (row !== undefined) row.frequency++;
    else rows.set(key, { group, protocol, summary, frequency: 1 });
  }

  write(out: OutBuf): void {
    for (let rank = 0; rank < HEADINGS.length; rank++) {
      const rows = this.rows[rank];
      if (rows.size === 0) continue;
      if (this.json) {
        for (const r of rows.values()) {
          out.ascii(`{"severity":"${HEADINGS[rank]}","group":"${r.group}","protocol":"${r.protocol}","summary":`);
          jsonString(out, r.summary);
          out.ascii(`,"frequency":${r.frequency}}\n`);
        }
        continue;
      }
      let total = 0;
      for (const r of rows.values()) total += r.frequency;
      out.ascii(`\n${HEADINGS[rank]} (${total})\n=============\n   Frequency      Group           Protocol  Summary\n`);
      for (const r of rows.values()) {
        // printf("%12d %10s %18s  %s\n"): right-aligned, never cut.
        out.ascii(`${String(r.frequency).padStart(12)} ${r.group.padStart(10)} ${r.protocol.padStart(18)}  ${sanitize(r.summary)}\n`);
      }
    }
  }
}
