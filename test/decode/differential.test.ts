/**
 * Differential test: for every capture tshark 4.0 reads (the project's
 * captures/ and the shared corpus), synack's `-T fields` value of every
 * decoder field (DECODE_FIELDS) equals tshark's, cell for cell.
 *
 * tshark's view comes from the cached oracle (one tshark run per capture,
 * see test/oracle/tshark.ts); synack decodes in-process through the same
 * capture, decode and field-printing code the CLI uses.
 *
 * A cell may differ only where a rule in EXCEPTIONS explains it: cases where
 * tshark decodes something synack deliberately does not (link types and
 * tunnels outside synack's scope) or where tshark's dissector is not what
 * synack wants to copy. Each rule says why, counts what it excuses, and must
 * still be needed: a rule that excuses nothing fails the test, so the table
 * cannot go stale.
 */
import { basename } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { openFile } from '../../src/capture/open';
import { decodeFrame } from '../../src/decode/index';
import { Packet, ProblemKind } from '../../src/decode/packet';
import { compileColumns, DEFAULT_FIELDS_OPTIONS, writeRow } from '../../src/output/fields';
import { OutBuf } from '../../src/output/outbuf';
import { allCaptureFiles } from '../helpers/paths';
import { DECODE_FIELDS, NETWORK_FIELDS, TRANSPORT_FIELDS } from '../oracle/fields';
import { HAVE_TSHARK, oracle } from '../oracle/tshark';

/** One compared cell and what the rules may look at. */
interface Cell {
  file: string;
  frame: number;
  field: string;
  tshark: string;
  synack: string;
  /** synack's layers for the frame, outermost first ('frame', 'eth', 'ip', 'data'). */
  stack: readonly string[];
  /** tshark's frame.protocols for the frame ('eth:ethertype:ip:gre:...'). */
  tsharkProtocols: string;
  /** synack's eth.dst, for the ISL rule. */
  ethDst: string;
  /** synack found an IPv6 header whose version is not 6. */
  badIpv6Version: boolean;
  /** Every oracle cell of the frame, by field name. */
  tsharkRow: ReadonlyMap<string, string>;
}

interface Exception {
  id: string;
  reason: string;
  applies(c: Cell): boolean;
}

/** Fields after a link layer's payload (Ethernet padding, trailers, FCS). */
const LINK_TRAILER_FIELDS = new Set(['eth.padding', 'eth.trailer', 'eth.fcs', 'eth.fcs.status', 'vlan.trailer', 'sll.trailer']);
/** Layers that hand their payload on by ethertype. */
const LINK_CHAIN = new Set(['eth', 'vlan', 'ieee8021ad', 'sll']);
/** TCP ports whose tshark 4.0 dissector takes unparsable payload silently: HTTP's (http.tcp.port) and OpenFlow's. */
const SILENT_TCP_PORTS = new Set([80, 1900, 2710, 2869, 3128, 3132, 5985, 8080, 8088, 11371, 6633, 6653]);

/** Fields that describe the frame itself, meaningful whatever its link type. */
const FRAME_ONLY = new Set(['frame.encap_type', 'frame.time_relative', 'frame.time_delta', 'frame.marked', 'frame.ignored']);

/** synack found no decoder for the frame's link type: the whole frame is data. */
const undecodedLink = (c: Cell): boolean => c.stack.length < 2 || c.stack[1] === 'data';

/** synack's layers stop at bytes it does not decode (an unregistered ethertype, IP protocol or port). */
const hasUndecodedPayload = (c: Cell): boolean => c.stack.indexOf('data', 1) > 0;

/** tshark's protocols beyond the ones synack decoded (synack's stack without its trailing 'data'). */
function tsharkBeyond(c: Cell): string[] {
  const ours = c.stack.slice(1).filter((p) => p !== 'data');
  const theirs = c.tsharkProtocols.split(':').filter((p) => p !== 'ethertype');
  let i = 0;
  while (i < ours.length && i < theirs.length && ours[i] === theirs[i]) i++;
  return theirs.slice(i);
}

/** synack's occurrences are the first ones of tshark's, which has more. */
function properPrefix(ours: string, theirs: string): boolean {
  if (ours === '') return theirs !== '';
  const a = ours.split(',');
  const b = theirs.split(',');
  return a.length < b.length && a.every((v, i) => v === b[i]);
}

export const EXCEPTIONS: readonly Exception[] = [
  {
    id: 'link-type-not-decoded',
    reason:
      'link types outside synack\'s scope (802.11 and radiotap, PPP, Frame Relay, Cisco HDLC, ARCNET, ATM, 802.15.4, PKTAP, ...): ' +
      'synack shows these frames as data, tshark decodes their headers and what they carry',
    applies: (c) => undecodedLink(c) && !FRAME_ONLY.has(c.field),
  },
  {
    id: 'tshark-decodes-further',
    reason:
      'tshark decodes a payload synack shows as data: tunnels (GRE, ERSPAN, VXLAN, Geneve, MPLS, PPPoE, L2TP, IPsec ...) carry ' +
      'inner Ethernet/IP headers that add occurrences to tshark\'s cells, and protocols above TCP/UDP extend frame.protocols. ' +
      'Excused only where synack\'s values are the first of tshark\'s and the field\'s protocol lies beyond what synack decoded',
    applies(c) {
      if (!hasUndecodedPayload(c)) return false;
      const beyond = tsharkBeyond(c);
      if (c.field === 'frame.protocols') {
        const ours = c.synack.endsWith(':data') ? c.synack.slice(0, -5) : c.synack;
        return c.tshark.startsWith(ours + ':') && beyond.length > 0;
      }
      if (beyond.length === 0) return false;
      // Padding, trailer and FCS lie after the payload: only a decoder that knows the payload's length finds them.
      if (LINK_TRAILER_FIELDS.has(c.field) && c.stack[c.stack.length - 1] === 'data' && LINK_CHAIN.has(c.stack[c.stack.length - 2])) return true;
      if (!properPrefix(c.synack, c.tshark)) return false;
      // ip.version has an occurrence per IPv4 and per IPv6 header; trailers belong to a tunnelled Ethernet frame.
      const protos =
        c.field === 'ip.version' ? ['ip', 'ipv6'] : LINK_TRAILER_FIELDS.has(c.field) ? [...LINK_CHAIN] : [c.field.slice(0, c.field.indexOf('.'))];
      return beyond.some((p) => protos.some((proto) => p === proto || p.startsWith(proto + '.')));
    },
  },
  {
    id: 'dissector-takes-payload-silently',
    reason:
      'a tshark dissector registered on the port or protocol number takes bytes it cannot parse without naming any ' +
      'protocol, so frame.protocols ends at the transport: HTTP on TCP port 8080 (the chat demo\'s port) and its other ' +
      'ports, OpenFlow on 6633/6653 given a segment that continues a message (the oracle turns reassembly off), PGM ' +
      '(IP protocol 113) given fuzzed bytes. synack shows such payloads as data',
    applies(c) {
      if (c.field !== 'frame.protocols' || c.synack !== c.tshark + ':data') return false;
      const row = c.tsharkRow;
      if (c.tshark.endsWith(':tcp')) {
        return [row.get('tcp.srcport'), row.get('tcp.dstport')].some((p) => SILENT_TCP_PORTS.has(Number(p)));
      }
      return c.tshark.endsWith(':ip') && row.get('ip.proto') === '113';
    },
  },
  {
    id: 'cisco-isl',
    reason:
      'Cisco ISL: tshark takes 802.3 frames to 01:00:0c:00:00:xx as ISL and decodes the Ethernet frame inside; ' +
      'synack decodes the outer 802.3/LLC header as it stands (DTP.pcap)',
    applies: (c) => /^(01|0c):00:0c:00:00:/.test(c.ethDst) && (c.field.startsWith('eth.') || c.field.startsWith('llc.') || c.field === 'frame.protocols'),
  },
  {
    id: 'f5-ethernet-trailer',
    reason:
      'tshark\'s F5 Ethernet trailer heuristic claims (and fails on) trailers of some fuzzed frames in arp-oobr.pcap: ' +
      'it lists f5ethtrailer and shows no eth.trailer, where synack shows the trailer bytes',
    applies: (c) => c.tsharkProtocols.includes('f5ethtrailer') && (c.field === 'eth.trailer' || c.field === 'eth.padding' || c.field === 'frame.protocols'),
  },
  {
    id: 'arp-hardware-dissectors',
    reason:
      'ARP for AX.25 (hardware type 3) and ATM (19) goes to dedicated Wireshark dissectors (arp:arp, arp:atmarp) with ' +
      'their own layouts (and lengths, hence padding); synack decodes every ARP with the RFC 826 layout',
    applies: (c) =>
      /:arp:(arp|atmarp)$/.test(c.tsharkProtocols) && (c.field.startsWith('arp.') || c.field === 'frame.protocols' || LINK_TRAILER_FIELDS.has(c.field)),
  },
  {
    id: 'tshark-stopped-at-malformed',
    reason:
      'tshark marked the frame [Malformed Packet]: one of its dissectors threw on fuzzed bytes (an IPv6 option of the wrong ' +
      'length, a UDP length beyond the datagram ...) and dissection stopped there; synack, which checks less of each ' +
      'protocol\'s semantics, decoded further. Excused only where tshark shows less than synack: its protocols a prefix ' +
      'of synack\'s, its occurrences the first of synack\'s',
    applies(c) {
      if ((c.tsharkRow.get('_ws.malformed') ?? '') === '') return false;
      if (c.field === 'frame.protocols') return c.synack.startsWith(c.tshark + ':');
      return properPrefix(c.tshark, c.synack);
    },
  },
  {
    id: 'ipv6-bad-version-rejected',
    reason:
      'an IPv6 header whose version is not 6: tshark shows ip.version and ipv6.version, then rejects the layer, so ' +
      'frame.protocols omits ipv6 (and an ethertype parent shows the bytes as data); synack keeps the layer it decoded',
    applies: (c) => c.field === 'frame.protocols' && c.stack.includes('ipv6') && !c.tsharkProtocols.split(':').includes('ipv6') && c.synack.includes('ipv6') && c.badIpv6Version,
  },
  {
    id: 'accecn-ace-counter',
    reason:
      'after a handshake that negotiated AccECN (RFC 9768), tshark reads AE, CWR and ECE as one 3-bit ACE counter ' +
      '(tcp.flags.ace, "···-5-·A····") and shows no tcp.flags.ae/cwr/ece; knowing the handshake needs the connection, ' +
      'and the decoder shows the bits as RFC 9293 names them',
    applies: (c) => ['tcp.flags.ae', 'tcp.flags.cwr', 'tcp.flags.ece', 'tcp.flags.str'].includes(c.field) && /-\d-/.test(c.tsharkRow.get('tcp.flags.str') ?? ''),
  },
  {
    id: 'udp-payload-past-udp-length',
    reason:
      'a UDP length shorter than the IP payload: tshark\'s tree says "UDP payload (length - 8 bytes)" but its -T fields ' +
      'value runs on to the end of the IP payload; synack\'s udp.payload is the bytes the UDP length covers',
    applies: (c) =>
      c.field === 'udp.payload' &&
      c.synack !== '' &&
      c.tshark.length > c.synack.length &&
      c.tshark.startsWith(c.synack) &&
      c.synack.length === 2 * (Number(c.tsharkRow.get('udp.length')) - 8),
  },
  {
    id: 'replacement-character-escaped',
    reason:
      'text fields read as ASCII (tcp.reset_cause): tshark prints U+FFFD for bytes above 0x7f; synack has the same character ' +
      'but, as with every character a terminal cannot show safely, prints it escaped (\\ufffd)',
    applies: (c) => c.tshark.includes('\ufffd') && c.synack === c.tshark.replace(/\ufffd/g, '\\ufffd'),
  },
  {
    id: 'control-character-escaped',
    reason:
      'text fields with control characters (dns.opt.chain.fqdn: a wire-format name read as text): tshark -T fields prints them raw, ' +
      'to the terminal; synack prints each escaped (\\x03), as every captured byte that could drive a terminal',
    applies: (c) => /[\x01-\x1f\x7f]/.test(c.tshark) && c.synack === c.tshark.replace(/[\x01-\x1f\x7f]/g, (ch) => `\\x${ch.charCodeAt(0).toString(16).padStart(2, '0')}`),
  },
];

interface FileResult {
  rows: string[][];
  stacks: string[][];
  badIpv6: boolean[];
}

/** synack's -T fields rows (cells split) and layer stacks for `file`. */
async function synackRows(file: string, fields: readonly string[]): Promise<FileResult> {
  const cols = compileColumns(fields);
  const out = new OutBuf(-1);
  const pkt = new Packet();
  const stacks: string[][] = [];
  const badIpv6: boolean[] = [];
  let n = 0;
  const source = openFile(file);
  await source.run((frame) => {
    n++;
    decodeFrame(pkt, frame, n);
    writeRow(out, pkt, cols, DEFAULT_FIELDS_OPTIONS);
    const names: string[] = [];
    for (let i = 0; i < pkt.layerCount; i++) names.push(pkt.layerProto[i].name);
    stacks.push(names);
    badIpv6.push(pkt.problem === ProblemKind.Malformed && pkt.problemField === 'ipv6.version');
  });
  const rows = out
    .text()
    .split('\n')
    .slice(0, n)
    .map((line) => line.split('\t'));
  return { rows, stacks, badIpv6 };
}

const files = allCaptureFiles();

interface Comparison {
  captures: number;
  frames: number;
  compared: number;
  equal: number;
  excused: Map<string, number>;
  /** Unexplained cells per field, and a few examples of each. */
  perField: Map<string, number>;
  examples: Map<string, string[]>;
}

/** Compares every decoder field of every frame of every capture once; the tests below read the result by area. */
async function compareAll(): Promise<Comparison> {
  const fields = DECODE_FIELDS;
  const c: Comparison = { captures: 0, frames: 0, compared: 0, equal: 0, excused: new Map(EXCEPTIONS.map((e) => [e.id, 0])), perField: new Map(), examples: new Map() };
  const ethDstAt = fields.indexOf('eth.dst');
  for (const file of files) {
    const o = oracle(file);
    // tshark cannot read some link types at all; those files have no rows to compare.
    if (o.rows.length === 0) continue;
    c.captures++;
    const ours = await synackRows(file, fields);
    expect(ours.rows.length, `${basename(file)}: synack delivered fewer frames than tshark`).toBeGreaterThanOrEqual(o.rows.length);
    for (let i = 0; i < o.rows.length; i++) {
      c.frames++;
      const theirs = o.rows[i];
      const mine = ours.rows[i];
      for (let j = 0; j < fields.length; j++) {
        const field = fields[j];
        const t = theirs.get(field) ?? '';
        const s = mine[j] ?? '';
        c.compared++;
        if (t === s) {
          c.equal++;
          continue;
        }
        const cell: Cell = {
          file: basename(file),
          frame: i + 1,
          field,
          tshark: t,
          synack: s,
          stack: ours.stacks[i],
          tsharkProtocols: theirs.get('frame.protocols') ?? '',
          ethDst: ethDstAt >= 0 ? (mine[ethDstAt] ?? '') : '',
          badIpv6Version: ours.badIpv6[i],
          tsharkRow: theirs,
        };
        const rule = EXCEPTIONS.find((e) => e.applies(cell));
        if (rule !== undefined) {
          c.excused.set(rule.id, c.excused.get(rule.id)! + 1);
          continue;
        }
        c.perField.set(field, (c.perField.get(field) ?? 0) + 1);
        const ex = c.examples.get(field) ?? [];
        // A few examples of each field, so one noisy field does not hide the others.
        if (ex.length < 3) ex.push(`${cell.file} frame ${cell.frame} ${field}: tshark '${t}' synack '${s}' (layers ${cell.stack.join(':')})`);
        c.examples.set(field, ex);
      }
    }
  }
  const mismatches = [...c.perField.values()].reduce((a, b) => a + b, 0);
  console.log(
    [
      `differential: ${c.captures} captures, ${c.frames} frames, ${fields.length} fields: ${c.compared} cells compared, ` +
        `${c.equal} equal (${((100 * c.equal) / Math.max(c.compared, 1)).toFixed(3)}%), ` +
        `${c.compared - c.equal - mismatches} excused, ${mismatches} unexplained`,
      ...EXCEPTIONS.map((e) => `  excused by ${e.id}: ${c.excused.get(e.id)}`),
      ...[...c.perField.entries()].sort((a, b) => b[1] - a[1]).map(([f, k]) => `  unexplained ${f}: ${k}`),
    ].join('\n'),
  );
  return c;
}

/** The unexplained differences among `fields`. */
function unexplainedIn(c: Comparison, fields: readonly string[]): string[] {
  return fields.flatMap((f) => c.examples.get(f) ?? []);
}

const RUN = HAVE_TSHARK && files.length > 0;

describe.skipIf(!RUN)('differential: -T fields against tshark 4.0, cell for cell', () => {
  let result: Comparison;
  beforeAll(async () => {
    result = await compareAll();
  }, 600_000);

  it('compares most captures frame by frame (an oracle or reader gone quiet would leave nothing to differ)', () => {
    // Only the few link types tshark cannot read give no rows; an empty comparison would pass every test below.
    expect(result.captures).toBeGreaterThan(files.length / 2);
    expect(result.compared).toBeGreaterThan(result.frames);
  });

  it('frame, link and network fields (NETWORK_FIELDS) equal tshark\'s, except where a listed rule explains why', () => {
    expect(unexplainedIn(result, NETWORK_FIELDS), 'cells that differ from tshark with no rule to explain them').toEqual([]);
  });

  it('transport fields (TRANSPORT_FIELDS) equal tshark\'s, except where a listed rule explains why', () => {
    expect(unexplainedIn(result, TRANSPORT_FIELDS), 'cells that differ from tshark with no rule to explain them').toEqual([]);
  });

  it('every field compared belongs to one of the areas above', () => {
    const known = new Set([...NETWORK_FIELDS, ...TRANSPORT_FIELDS]);
    expect(DECODE_FIELDS.filter((f) => !known.has(f))).toEqual([]);
  });

  // The rules excuse what the corpus's captures hold: without it most have nothing to excuse.
  it('every exception rule still excuses something (a stale rule is removed, not kept)', { tags: ['corpus'] }, () => {
    expect(EXCEPTIONS.filter((e) => result.excused.get(e.id) === 0).map((e) => e.id)).toEqual([]);
  });
});
