/**
 * The filter language over real frames (fixtures.ts). Every expectation here
 * was checked with `tshark -r <capture> -Y <filter>` on the frames' captures.
 * Fields of each value kind that the decoders may not offer yet are
 * registered under real protocols (as analysis registers its fields), so the
 * language is tested whatever the decoders provide.
 */
import { describe, expect, it } from 'vitest';
import { protocolByName, registerField } from '../../src/decode/index';
import { decodeFrame } from '../../src/decode/index';
import { Packet } from '../../src/decode/packet';
import { uint } from '../../src/decode/fieldkit';
import { FieldType, type FieldDef } from '../../src/decode/protocol';
import { compileFilter, formatFilterError } from '../../src/filter/index';
import { FIXTURE_NAMES, FIXTURES, fixtureFrame, fixturePacket, type FixtureName } from './fixtures';

const tcp = protocolByName('tcp')!;
const ip = protocolByName('ip')!;

function tcpFlags(pkt: Packet, li: number): number {
  return pkt.u16(pkt.layerStart[li] + 12) & 0x0fff;
}

function payloadText(pkt: Packet, li: number): string | undefined {
  const hlen = (pkt.u8(pkt.layerStart[li] + 12) >> 4) * 4;
  const start = pkt.layerStart[li] + hlen;
  const end = Math.min(pkt.layerEnd[li], pkt.capLen);
  return end > start ? Buffer.from(pkt.data.subarray(pkt.base + start, pkt.base + end)).toString('latin1') : undefined;
}

const TEST_FIELDS: [typeof tcp, FieldDef][] = [
  [tcp, { name: 'ftest.syn', label: 'SYN', type: FieldType.Bool, get: (p, li, k) => (k === 0 ? ((tcpFlags(p, li) & 2) !== 0 ? 1 : 0) : undefined) }],
  [tcp, { name: 'ftest.text', label: 'Payload text', type: FieldType.String, get: (p, li, k) => (k === 0 ? payloadText(p, li) : undefined) }],
  [tcp, { name: 'ftest.third', label: 'Window / 3', type: FieldType.Double, get: (p, li, k) => (k === 0 ? p.u16(p.layerStart[li] + 14) / 3 : undefined) }],
  [tcp, { name: 'ftest.pushed', label: 'Pushed', type: FieldType.None, get: (p, li, k) => (k === 0 && (tcpFlags(p, li) & 8) !== 0 ? 0 : undefined) }],
  [ip, uint('ftest.ipproto', 'Protocol', 9, 1, { names: new Map([[6, 'TCP'], [17, 'UDP']]) })],
];
for (const [proto, def] of TEST_FIELDS) registerField(proto, def);

const PACKETS = new Map(FIXTURE_NAMES.map((n) => [n, fixturePacket(n)]));

/** The fixtures a filter selects. */
function select(filter: string): FixtureName[] {
  const c = compileFilter(filter);
  if (!c.ok) throw new Error(formatFilterError(filter, c.error));
  return FIXTURE_NAMES.filter((n) => c.match(PACKETS.get(n)!));
}

const ALL = FIXTURE_NAMES;
const V4: FixtureName[] = ['syn', 'synack', 'data', 'get'];

const CASES: [string, FixtureName[]][] = [
  // protocols and presence
  ['tcp', ALL],
  ['ip', V4],
  ['ipv6', ['v6syn']],
  ['frame', ALL],
  ['udp', []],
  ['tcp.srcport', ALL],
  ['ftest.pushed', ['data', 'get']],
  ['ftest.syn', ALL],
  // equality and the four quantified operators (tshark 4.0: != is "all differ")
  ['tcp.srcport == 47010', ['synack']],
  ['tcp.srcport eq 47010', ['synack']],
  ['tcp.port == 47010', ['syn', 'synack', 'data']],
  ['tcp.port != 47010', ['get', 'v6syn']],
  ['tcp.port ne 47010', ['get', 'v6syn']],
  ['tcp.port !== 47010', ALL],
  ['tcp.port ~= 47010', ALL],
  ['tcp.port === 47010', []],
  ['ip.addr != 127.0.0.2', ['get']],
  ['not ip.addr == 127.0.0.2', ['get', 'v6syn']],
  ['all ip.addr == 127.0.0.1', ['get']],
  ['any ip.addr == 127.0.0.1', V4],
  ['ip.addr#1 == 127.0.0.2', ['syn', 'synack', 'data']],
  ['tcp.srcport == tcp.dstport', []],
  ['tcp.srcport > tcp.dstport', ['synack']],
  // integers: hex, octal, value names, ordering
  ['tcp.flags == 0x012', ['synack']],
  ['tcp.flags == 18', ['synack']],
  ['tcp.flags == 022', ['synack']],
  ['tcp.srcport lt 40000', ['syn', 'data']],
  ['tcp.srcport >= 43324 && tcp.srcport <= 43324', ['v6syn']],
  ['tcp.seq_raw == 0x1abf254f', ['data']],
  ['ftest.ipproto == 6', V4],
  ['ftest.ipproto == TCP', V4],
  ['ftest.ipproto == "udp"', []],
  // booleans: 1/0, True/False, any non-zero number is true
  ['ftest.syn == 1', ['syn', 'synack', 'v6syn']],
  ['ftest.syn == True', ['syn', 'synack', 'v6syn']],
  ['ftest.syn == 2', ['syn', 'synack', 'v6syn']],
  ['ftest.syn == False', ['data', 'get']],
  ['ftest.syn != 1', ['data', 'get']],
  // precedence: and binds tighter than or; not tighter than both, looser than a relation
  ['tcp.srcport == 47010 or ftest.syn == 0 and tcp.len == 0', ['synack']],
  ['tcp.srcport == 47010 || tcp.srcport == 41512 && frame.len > 100', ['synack', 'get']],
  ['(tcp.srcport == 47010 || tcp.srcport == 41512) && frame.len > 100', ['get']],
  ['!tcp.srcport == 47010', ['syn', 'data', 'get', 'v6syn']],
  ['not not ftest.syn == 1', ['syn', 'synack', 'v6syn']],
  ['!(ip || ipv6.src == ::2)', ['v6syn']],
  // addresses: IPv4 and CIDR, IPv6 and prefixes, MAC in three notations
  ['ip.src == 127.0.0.0/8 and ip.dst == 127.0.0.2', ['synack']],
  ['ip.src > 127.0.0.1', ['syn', 'data']],
  ['ip.addr in {127.0.0.2, 10.0.0.0/8}', ['syn', 'synack', 'data']],
  ['ipv6.addr == ::1', ['v6syn']],
  ['ipv6.src == 0:0:0:0:0:0:0:1', ['v6syn']],
  ['ipv6.src == ::/0', ['v6syn']],
  ['ipv6.addr == fe80::/10', []],
  ['ipv6.addr == ::2', []],
  ['eth.src == 00:00:00:00:00:00', ALL],
  ['eth.addr == 00-00-00-00-00-00', ALL],
  ['eth.dst == 0000.0000.0000', ALL],
  ['eth.dst == 00:00:00:00:00:01', []],
  // membership
  ['tcp.srcport in {47000..47100, 43324}', ['synack', 'v6syn']],
  ['tcp.srcport not in {47000..47100}', ['syn', 'data', 'get', 'v6syn']],
  ['frame.number in {1, 2}', ['syn', 'synack', 'v6syn']],
  ['tcp.port in {40000..41000}', []],
  ['all tcp.port in {37787..47010}', ['syn', 'synack', 'data']],
  ['all tcp.port in {37787, 47010}', []],
  ['all tcp.port in {1, 47010, 47011}', []],
  ['any tcp.port in {37787, 47010}', ['syn', 'synack', 'data']],
  // slices of protocols (their header) and of fields
  ['ip[12:4] == 7f:00:00:02', ['syn', 'data']],
  ['ip[12-15] == 7f.00.00.02', ['syn', 'data']],
  ['ip[-4:] == 7f000002', ['synack']],
  ['ip[-1] == 2', ['synack']],
  ['ip[0:1,-1] == 45:02', ['synack']],
  ['ip[18:4]', []],
  ['ip.src[3] == 2', ['syn', 'data']],
  ['eth[12:2] == 86:dd', ['v6syn']],
  ['frame[-3:] == "hi\\n"', ['data']],
  ["tcp.payload[0] == 'G'", ['get']],
  // bitwise and: on integers and on bytes (tcp[13] is the flags byte)
  ['tcp.flags & 0x02', ['syn', 'synack', 'v6syn']],
  ['tcp.flags & 0x12 == 0x12', ['synack']],
  ['tcp[13] & 0x02', ['syn', 'synack', 'v6syn']],
  ['ip[0] & 0x0f == 5', V4],
  // contains and matches (case-insensitive by default; a protocol searches to its layer's end)
  ['tcp contains "GET"', ['get']],
  ['ip contains "GET"', ['get']],
  ['frame contains 1b:5b:33:31', ['get']],
  ['frame contains "\\x1b]0;"', ['get']],
  ['frame matches "pwned-TITLE"', ['get']],
  ['frame matches "(?-i)pwned-TITLE"', []],
  ['ftest.text contains "HTTP/1.0"', ['get']],
  ['ftest.text matches "^get /\\\\x1b"', ['get']],
  ['ftest.text == "hi\\n"', ['data']],
  ['ftest.text > "a"', ['data']],
  // functions and arithmetic
  ['len(tcp) == 40', ['syn', 'synack', 'v6syn']],
  ['len(frame) == 69', ['data']],
  ['len(eth.src) == 6', ALL],
  ['count(ip.addr) == 2', V4],
  ['count(tcp.port) == 2 and count(ip.addr) == 2', V4],
  ['max(tcp.srcport, tcp.dstport) == 47010', ['syn', 'synack', 'data']],
  ['min(tcp.srcport, tcp.dstport) == 41512', ['get']],
  ['upper(ftest.text) contains "HI"', ['data']],
  ['lower(ftest.text) contains "http"', ['get']],
  ['tcp.srcport + 1 == 47011', ['synack']],
  ['tcp.srcport - 1 == 47009', ['synack']],
  ['tcp.srcport % 2 == 0', ['synack', 'get', 'v6syn']],
  ['{tcp.srcport + 2} / 2 == 23506', ['synack']],
  ['-tcp.srcport < -47000', ['synack']],
  ['ftest.third < 100', ['data', 'get']],
  ['ftest.third > 21827.6 && ftest.third < 21828', ['synack']],
  ['ftest.third == 21.333333333333332', ['data', 'get']],
  // times: epoch seconds, exact to the nanosecond
  ['frame.time_epoch > 1795247316', ['get', 'v6syn']],
  ['frame.time_epoch >= 1795247302.730401', ['synack', 'data', 'get', 'v6syn']],
  ['frame.time_epoch < 1795247302.73039', ['syn']],
];

describe('filters select the frames tshark 4.0 selects', () => {
  it.each(CASES)('%s', (filter, expected) => {
    expect(select(filter)).toEqual(expected);
  });
});

describe('dates', () => {
  // tshark 4.0 takes dates for frame.time (an absolute time); synack's frame.time_epoch is one too.
  it.each([
    ['frame.time_epoch < "2026-11-21 07:48:23 UTC"', ['syn', 'synack', 'data']],
    ['frame.time_epoch < "Nov 21, 2026 07:48:22.730390 UTC"', ['syn']],
    ['frame.time_epoch > "2026-11-21T07:50:00Z"', ['v6syn']],
  ] as [string, FixtureName[]][])('%s', (filter, expected) => {
    expect(select(filter)).toEqual(expected);
  });
});

describe('frame times relative to the first and previous frames', () => {
  it('time_delta and time_relative compare exactly in nanoseconds', () => {
    const pkt = new Packet();
    const f = compileFilter('frame.time_delta == 0.000015 and frame.time_relative == 0.000015');
    const g = compileFilter('frame.time_relative > 0.0008 && frame.time_delta < 1');
    if (!f.ok || !g.ok) throw new Error('did not compile');
    const seen: [number, boolean, boolean][] = [];
    for (const name of ['syn', 'synack', 'data'] as const) {
      decodeFrame(pkt, fixtureFrame(name), FIXTURES[name].number);
      seen.push([pkt.number, f.match(pkt), g.match(pkt)]);
    }
    expect(seen).toEqual([
      [1, false, false],
      [2, true, false],
      [6, false, true],
    ]);
  });
});

/** The error for a filter: message, and the span of the caret. */
function reject(filter: string): { message: string; at: string; text: string } {
  const c = compileFilter(filter);
  if (c.ok) throw new Error(`'${filter}' compiled`);
  return { message: c.error.message, at: filter.slice(c.error.start, c.error.end), text: formatFilterError(filter, c.error) };
}

describe('filters that cannot compile say what and where', () => {
  it('names an unknown field and suggests the closest known names', () => {
    const r = reject('tcp.srcprt == 80');
    expect(r.at).toBe('tcp.srcprt');
    expect(r.message).toMatch(/'tcp\.srcprt'.*did you mean 'tcp\.srcport'/);
    expect(r.text).toBe(`${r.message}\n  tcp.srcprt == 80\n  ^~~~~~~~~~`);
  });

  it('names an unknown protocol alone', () => {
    const r = reject('ip && tpc');
    expect(r.at).toBe('tpc');
    expect(r.message).toMatch(/did you mean .*'tcp'/);
  });

  it('puts the caret under an unknown name on the right-hand side', () => {
    expect(reject('tcp.srcport == tcp.dstprt').at).toBe('tcp.dstprt');
  });

  it.each([
    ['tcp.port == 80 and', '', /ends/],
    ['(tcp.port == 80', '(', /'\)'/],
    ['tcp.port == 80)', ')', /unexpected/],
    ['tcp.port == 80 AND ip', 'AND', /unexpected/],
    ['tcp.port in {80 443}', '443', /commas/],
    ['tcp.port in {}', '}', /unexpected/],
    ['frame contains "GET', '"GET', /quote/],
    ['frame contains "\\q"', '\\q', /escape/],
    ['tcp.port == 80 $', '$', /cannot appear/],
    ['1 < 2', '1', /left side/],
    ['80 == tcp.port', '80', /left side/],
    ['tcp.srcport == 70000', '70000', /too big/],
    ['tcp.port == 8o', '8o', /not a valid number/],
    ['ip.proto == 6.0', '6.0', /whole number/],
    ['ip.src == 1.2.3', '1.2.3', /IPv4 address/],
    ['ip.src == 300.1.1.1', '300.1.1.1', /IPv4 address/],
    ['ip.src == "10.0.0.1"', '"10.0.0.1"', /without quotes/],
    ['ipv6.src == 1:2:3', '1:2:3', /IPv6 address/],
    ['eth.src == ff:ff:ff:ff:ff', 'ff:ff:ff:ff:ff', /6/],
    ['frame.time_delta < 1e-3', '1e-3', /time/],
    ['tcp.srcport contains 80', 'tcp.srcport', /contain/],
    ['tcp.srcport[0] == 1', 'tcp.srcport', /sliced/],
    ['ip[0:0] == 1', '0:0', /not positive/],
    ['ip[0:1', '[', /\]/],
    ['ip.src == tcp.port', 'tcp.port', /integer/],
    ['frame matches GET', 'GET', /quotes/],
    ['frame matches "("', '"("', /regular expression/],
    ['ftest.pushed == 1', 'ftest.pushed', /no value/],
    ['nosuch(tcp.port) == 1', 'nosuch', /function/],
    ['len(tcp.port) == 1', 'tcp.port', /len\(\)/],
    ['80', '80', /alone/],
  ])('%s', (filter, at, message) => {
    const r = reject(filter);
    expect(r.message).toMatch(message);
    expect(r.at).toBe(at);
  });

  it('shows a control character in the filter escaped, with the caret still aligned', () => {
    const r = reject('tcp.port == "\x1b[31m" xx');
    const lines = r.text.split('\n');
    expect(lines[1]).not.toContain('\x1b');
    expect(lines[2].indexOf('^')).toBe(lines[1].indexOf('xx'));
  });
});

describe('protocols cut by the snapshot length', () => {
  // As tshark 4.0 on the corpus: no item for a layer without a captured byte
  // (ip_ts_opts_asan.pcap) or for Ethernet cut inside its header
  // (l2tp-avp-overflow.pcap); an item for a TCP header cut inside (tcp_header_heapoverflow.pcap).
  function cut(len: number): Packet {
    const frame = fixtureFrame('syn');
    frame.capLen = len;
    const pkt = new Packet();
    decodeFrame(pkt, frame, 1);
    return pkt;
  }
  it.each([
    [8, ['frame']],
    [34, ['frame', 'eth', 'ip']],
    [40, ['frame', 'eth', 'ip', 'tcp']],
  ] as [number, string[]][])('%i bytes captured: %j shown', (len, shown) => {
    const pkt = cut(len);
    const present = ['frame', 'eth', 'ip', 'tcp'].filter((p) => {
      const c = compileFilter(p);
      return c.ok && c.match(pkt);
    });
    expect(present).toEqual(shown);
  });
});

describe('compiled filters', () => {
  it('list the fields they read, so a caller can skip what none needs', () => {
    const c = compileFilter('tcp.port == 80 && ip && len(eth.src) == 6 || ftest.syn');
    expect(c.ok && c.fields.map((f) => f.name).sort()).toEqual(['eth.src', 'ftest.syn', 'tcp.port']);
    const blank = compileFilter('');
    expect(blank.ok && blank.fields).toEqual([]);
  });

  it('suggest the fields under a name being typed', () => {
    expect(reject('tcp.flags.').message).toMatch(/did you mean 'tcp\.flags'/);
  });

  it('an empty filter matches everything and says it is inactive', () => {
    const c = compileFilter('   ');
    expect(c.ok && c.active).toBe(false);
    expect(c.ok && c.match(PACKETS.get('syn')!)).toBe(true);
  });

  it('resolve names registered after import (analysis fields)', () => {
    expect(reject('ftest.later == 3').message).toMatch(/ftest\.later/);
    registerField(tcp, uint('ftest.later', 'Later', 2, 2));
    expect(select('ftest.later == 47010')).toEqual(['syn', 'data']);
  });

  it('do not allocate per packet for numbers and addresses', () => {
    const c = compileFilter('tcp.flags & 0x02 == 2 && ip.addr == 127.0.0.0/8 && eth.src == 00:00:00:00:00:00 || ipv6.addr == ::1');
    if (!c.ok) throw new Error('did not compile');
    const pkts = [...PACKETS.values()];
    for (let i = 0; i < 20000; i++) c.match(pkts[i % pkts.length]); // warm up: V8 compiles the closures
    const before = process.memoryUsage().heapUsed;
    let n = 0;
    for (let i = 0; i < 200000; i++) if (c.match(pkts[i % pkts.length])) n++;
    const grown = process.memoryUsage().heapUsed - before;
    expect(n).toBe(120000);
    // 200,000 evaluations allocating even 16 bytes each would be 3.2 MB; the worker's own traffic with
    // vitest (measured up to 1.1 MB while other files run) stays under 2 MB.
    expect(grown).toBeLessThan(2_000_000);
  });
});
