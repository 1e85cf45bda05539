/**
 * Differential test of -Y: for every filter below, `synack -r F -Y FILTER -T
 * fields -e frame.number` prints exactly the frame numbers tshark 4.0 prints.
 *
 * F is one pcapng concatenating (mergecap -a) the project's captures, the lab
 * captures, icmp-lo.pcap and a choice of the tcpdump corpus, so tshark runs
 * once per filter, not once per filter and file; its answers are cached on
 * disk (node_modules/.cache/synack-filter), keyed by the merged file, the
 * filter and tshark's version.
 *
 * icmp-lo.pcap was recorded here on loopback (tcpdump -i lo 'icmp or icmp6 or
 * udp'): three ICMP echo requests, two ICMPv6 echo exchanges, a UDP datagram
 * to a closed port in each family (so ICMP errors quoting IP and UDP headers),
 * and a UDP request and reply.
 *
 * The corpus choice covers TCP (BGP, SSH, PPTP, MPTCP, TFO, RSTs with data),
 * UDP, DNS, DHCP, ARP, ICMP and ICMPv6, VLAN and QinQ, Linux cooked, raw IP
 * and IPv6 link types, and frames cut inside or before a header (a protocol
 * counts as present only where tshark shows its tree item). Captures whose payload tshark
 * decodes through tunnels synack leaves as data (GRE, VXLAN, Geneve, ERSPAN)
 * are left out: they test decoders synack does not have, not the filter.
 */
import { execFileSync, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
// Registers the analysis fields (tcp.stream, tcp.analysis.*) as the CLI does.
import '../../src/analysis/index';
import { fieldByName, protocolByName } from '../../src/decode/index';
import { CLI, CORPUS, HAVE_CORPUS, labCapture, ownCaptureFiles, ROOT } from '../helpers/paths';
import { HAVE_TSHARK, tsharkVersion } from '../oracle/tshark';

const CORPUS_FILES = [
  '802.1ad_QinQ.pcap', 'HSRP_coup.pcap', 'HSRP_election.pcap', 'LINKTYPE_IPV4.pcap', 'LINKTYPE_IPV6.pcap',
  'LINKTYPE_RAW_ipv4.pcap', 'LINKTYPE_RAW_ipv6.pcap', 'MSTP_Intra-Region_BPDUs.pcap', 'NHRP_registration.pcap',
  'OSPFv3_broadcast_adjacency.pcap', 'OSPFv3_with_AH.pcap', 'RADIUS-RFC4675.pcap', 'arp-too-long-tha.pcap', 'babel.pcap',
  'babel_rfc6126bis.pcap', 'bcm-li.pcap', 'bgp-4byte-asn.pcap', 'bgp-bgpsec.pcap', 'bgp-lu-multiple-labels.pcap',
  'bgp-role.pcapng', 'bgp-shutdown-communication.pcapng', 'dcb_ets.pcap', 'dhcp-option-33.pcap', 'dhcp-rfc3004.pcap',
  'dhcp-rfc4388.pcap', 'dhcpv6-ia-na.pcap', 'dns-badcookie.pcap', 'dns-badvers.pcap', 'dns-uri.pcap', 'dns_udp.pcap',
  'dnssec.pcap', 'eapon1.pcap', 'forces1.pcap', 'icmp-cksum-oobr-3.pcapng', 'icmp-length-zero.pcapng',
  'icmp-rfc8335.pcap', 'icmp6-rfc8335.pcap', 'icmpv6-RFC2894-RR.pcap', 'icmpv6-ni-flags.pcap', 'icmpv6.pcap',
  'isakmp4500.pcap', 'ldp-common-session.pcap', 'mobility_opt_asan.pcap', 'mobility_opt_asan_3.pcap',
  'mobility_opt_asan_6.pcap', 'mptcp-fclose.pcap', 'mptcp-tcprst.pcap', 'mptcp-v0.pcap', 'of10_inv_OFPST_FLOW.pcap',
  'olsr-oobr-1.pcap', 'pptp.pcap', 'print-flags.pcap', 'quic_vn.pcap', 'resp_1_benchmark.pcap', 'resp_2_inline.pcap',
  'resp_3_malicious.pcap', 'rpvstp-trunk-native-vid5.pcap', 'ssh.pcap', 'tcp_eight_lowest_weight_flags_set.pcap',
  'tcp_rst_data-trunc.pcap', 'tcp_rst_data.pcap', 'tcp_rst_diag_payload-trunc.pcap', 'tcp_rst_diag_payload.pcap',
  'tfo-5c1fa7f9ae91.pcap', 'vrrp-vrrp_print-oobr-2.pcap', 'vrrp.pcap', 'whois.pcap',
  // Layers the snapshot length cut: empty (zero-length frames, an ICMP header not captured) or
  // partial (8 bytes of Ethernet, 6 of an IPv6 fragment header, 12 of TCP, 4 of UDP).
  'bgp_vpn_rt-oobr.pcap', 'ip_ts_opts_asan.pcap', 'l2tp-avp-overflow.pcap', 'pim_header_asan-2.pcap',
  'ip6_frag_asan.pcap', 'tcp_header_heapoverflow.pcap', 'udp-length-heapoverflow.pcap', 'extract_read2_asan.pcap',
];

/** The filters, grouped by what they exercise. Each group states why it is there. */
const FILTERS: readonly string[] = [
  // protocols alone: presence of a layer
  'tcp', 'udp', 'ip', 'ipv6', 'eth', 'arp', 'icmp', 'icmpv6', 'vlan', 'dns', 'dhcp', 'sll', 'frame', 'ipv6.fraghdr',
  'len(eth) < 14', 'eth[0:1] == 00 || !eth',
  // flags, as booleans and as masks
  'tcp.flags.syn == 1 && tcp.flags.ack == 0',
  'tcp.flags.syn == 1 and tcp.flags.ack == 1',
  'tcp.flags.reset == 1',
  'tcp.flags.fin == 1 || tcp.flags.reset == 1',
  'tcp.flags.syn == True',
  'tcp.flags == 0x018',
  'tcp.flags & 0x17 == 0x10',
  'tcp[13] & 0x02',
  // integers, ordering, sets and ranges
  'tcp.port == 179',
  'tcp.port in {22, 179, 1723}',
  'tcp.srcport < 1024',
  'tcp.dstport >= 49152',
  'tcp.len > 0',
  'tcp.len == 0 and tcp.flags.ack == 1',
  'tcp.hdr_len > 20',
  'tcp.window_size_value == 0',
  'tcp.options.wscale.shift >= 7',
  'tcp.options.sack_perm',
  'tcp.seq_raw == 0',
  'tcp.ack_raw > 4000000000',
  'udp.port in {67, 68}',
  'udp.port == 53',
  'udp.length > 512',
  'udp.srcport == udp.dstport',
  'icmp.type == 8',
  'icmp.type == 3 and icmp.code == 3',
  'icmpv6.type in {133..137}',
  'icmpv6.type == 128 || icmpv6.type == 129',
  'arp.opcode == 1',
  'dns.flags.response == 0',
  'dns.qry.type == 1',
  'dns.count.answers > 0',
  'dhcp.option.dhcp == 1',
  'ip.ttl == 255',
  'ip.len > 1000',
  'ipv6.nxt == 58',
  'ipv6.plen > 100',
  'frame.len < 60',
  'frame.cap_len < frame.len',
  'frame.number in {1, 10..20, 2000..2100}',
  // Bounded: tshark 4.0 compares time offsets in 32 bits, so the damaged time stamps of some
  // corpus files (deltas of +-4294901760 s) compare wrongly there; synack compares them as numbers.
  'frame.time_delta > 1 && frame.time_delta < 60',
  'frame.interface_id == 0',
  // fields on both sides, and tshark 4.0's quantified comparisons (!= is "all differ")
  'tcp.port != 179',
  'tcp.port ~= 179',
  'ip.addr != 10.0.0.1',
  'ip.addr === 127.0.0.1',
  'ip.addr !== 127.0.0.1',
  'all ip.addr == 127.0.0.1',
  'any ip.addr == 127.0.0.1',
  'ip.src == ip.dst',
  'ip.addr#2 == 127.0.0.1',
  'count(ip.addr) > 2',
  'count(tcp.option_kind) > 5',
  'tcp.option_kind == 8 and tcp.option_kind == 3',
  // addresses: IPv4 and CIDR, IPv6 and prefixes, MAC
  'ip.addr == 10.0.0.0/8',
  'ip.src == 172.16.0.0/12 or ip.dst == 172.16.0.0/12',
  'ip.src == 127.0.0.2 and ip.dst == 127.0.0.1',
  'ip.addr in {127.0.0.1, 192.168.1.1, 10.0.0.0/24}',
  'ipv6.addr == fe80::/10',
  'ipv6.dst == ff02::1',
  'ipv6.addr == ::1',
  'arp.src.proto_ipv4 == 10.0.0.0/8',
  'eth.dst == ff:ff:ff:ff:ff:ff',
  'eth.addr == 00:00:00:00:00:00',
  'eth.dst.ig == 1',
  'eth.type == 0x8100',
  // slices, contains, matches
  'eth.src[0:3] == 00:00:0c',
  'eth.dst[0] & 1',
  'eth.addr contains 00:00:5e',
  'ip[9] == 6',
  'ip[0] & 0xf0 == 0x40',
  'ip[6:2] & 40:00',
  'udp[0:2] == 00:35',
  'dhcp.hw.mac_addr[0] == 0',
  'udp.payload contains 00:01',
  'tcp.payload contains "SSH"',
  'tcp.payload matches "^ssh-"',
  'frame contains "HTTP"',
  'frame matches "(?-i)HTTP/1\\\\.[01]"',
  'dns.qry.name contains "example"',
  'dns.qry.name matches "\\\\.com$"',
  // functions and arithmetic
  'len(frame) > 1400',
  'tcp.srcport + tcp.dstport > 60000',
  'tcp.srcport % 2 == 1',
  '-tcp.window_size_value < -60000',
  // logic and precedence
  'not ip and not ipv6',
  '!(arp or ip or ipv6)',
  'tcp or udp and not ip',
  '(tcp or udp) and not ip',
  'tcp.port == 80 || tcp.port == 443 || udp.port == 53',
  'icmp.type == 8 and !icmp.type == 3',
];

/** Analysis fields: compared once the analysis stage registers them; skipped (and named) until then. */
const ANALYSIS_FILTERS: readonly string[] = [
  'tcp.stream == 3',
  'tcp.stream in {0, 2}',
  'tcp.analysis.retransmission',
  'tcp.analysis.flags',
  'tcp.analysis.flags && !tcp.analysis.window_update',
  'tcp.analysis.duplicate_ack',
  'tcp.analysis.zero_window',
  'tcp.seq == 1 and tcp.ack == 1',
  'tcp.analysis.keep_alive || tcp.analysis.keep_alive_ack',
  'tcp.analysis.window_full',
  'tcp.analysis.bytes_in_flight > 10000',
  'tcp.stream == 0 && tcp.len > 0',
  'udp.stream == 1',
];

const CACHE = join(ROOT, 'node_modules', '.cache', 'synack-filter');

function inputs(): string[] {
  const files = [
    ...ownCaptureFiles(),
    ...['demo.pcap', 'demo-any.pcap', 'demo-ns.pcap', 'esc.pcap', 'two.pcap', 'v6.pcap'].map(labCapture),
    join(__dirname, 'icmp-lo.pcap'),
    ...(HAVE_CORPUS ? CORPUS_FILES.map((f) => join(CORPUS, 'tcpdump', f)) : []),
  ];
  return files.filter((f) => existsSync(f));
}

function hash(...parts: (string | Buffer)[]): string {
  const h = createHash('sha256');
  for (const p of parts) h.update(p).update('\0');
  return h.digest('hex').slice(0, 24);
}

/** The merged capture, built once per distinct set of inputs. */
function merged(files: readonly string[]): string {
  const key = hash(...files.flatMap((f) => [f, readFileSync(f)]));
  const out = join(CACHE, `merged-${key}.pcapng`);
  if (!existsSync(out)) {
    mkdirSync(CACHE, { recursive: true });
    const tmp = `${out}.${process.pid}.tmp`;
    execFileSync('mergecap', ['-a', '-F', 'pcapng', '-w', tmp, ...files], { stdio: ['ignore', 'ignore', 'pipe'] });
    renameSync(tmp, out);
  }
  return out;
}

interface Run {
  status: number;
  frames: string[];
  stderr: string;
}

function run(cmd: string, args: readonly string[]): Promise<Run> {
  return new Promise((done) => {
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.on('data', (b: Buffer) => err.push(b));
    child.on('close', (code) =>
      done({
        status: code ?? -1,
        frames: Buffer.concat(out).toString('utf8').split('\n').filter((l) => l !== ''),
        stderr: Buffer.concat(err).toString('utf8').replace(/^Running as user "root".*\n/m, ''),
      }),
    );
  });
}

async function tshark(file: string, fileKey: string, filter: string): Promise<Run> {
  const path = join(CACHE, `tshark-${hash(fileKey, filter, String(tsharkVersion()))}.json`);
  if (existsSync(path)) return JSON.parse(readFileSync(path, 'utf8')) as Run;
  const r = await run('tshark', ['-r', file, '-n', '-Y', filter, '-T', 'fields', '-e', 'frame.number']);
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, JSON.stringify(r));
  renameSync(tmp, path);
  return r;
}

/** Runs tasks two at a time (CI has two cores). */
async function pool<T>(tasks: (() => Promise<T>)[], width = 2): Promise<T[]> {
  const results = new Array<T>(tasks.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < tasks.length) {
      const i = next++;
      results[i] = await tasks[i]();
    }
  };
  await Promise.all(Array.from({ length: width }, worker));
  return results;
}

/** A filter's names that synack does not know yet (analysis fields before the analysis stage lands). */
function missingNames(filter: string): string[] {
  return (filter.match(/[a-z_][a-z0-9_.]*/g) ?? []).filter(
    (w) => w.includes('.') && fieldByName(w) === undefined && protocolByName(w) === undefined,
  );
}

let HAVE_MERGECAP = false;
try {
  execFileSync('mergecap', ['-v'], { stdio: 'ignore' });
  HAVE_MERGECAP = true;
} catch {
  HAVE_MERGECAP = false;
}

const ENABLED = HAVE_TSHARK && HAVE_MERGECAP;
const READY_ANALYSIS = ANALYSIS_FILTERS.filter((f) => missingNames(f).length === 0);
const WAITING_ANALYSIS = ANALYSIS_FILTERS.filter((f) => missingNames(f).length > 0);
const ALL_FILTERS = [...FILTERS, ...READY_ANALYSIS];

describe.skipIf(!ENABLED)('-Y selects the frames tshark 4.0 selects', () => {
  const results = new Map<string, { synack: Run; tshark: Run }>();

  beforeAll(async () => {
    const file = merged(inputs());
    const fileKey = hash(readFileSync(file));
    const pairs = await pool(
      ALL_FILTERS.map((filter) => async () => ({
        filter,
        synack: await run(process.execPath, [CLI, '-r', file, '-Y', filter, '-T', 'fields', '-e', 'frame.number']),
        tshark: await tshark(file, fileKey, filter),
      })),
    );
    for (const p of pairs) results.set(p.filter, p);
  }, 300_000);

  it('compares at least 60 filters over a merged capture of many sources', () => {
    expect(ALL_FILTERS.length).toBeGreaterThanOrEqual(60);
    expect(inputs().length).toBeGreaterThan(HAVE_CORPUS ? 60 : 10);
  });

  it.each(ALL_FILTERS)('%s', (filter) => {
    const r = results.get(filter)!;
    expect(r.tshark.status, `tshark rejected the filter: ${r.tshark.stderr}`).toBe(0);
    expect(r.synack.stderr).toBe('');
    expect(r.synack.status).toBe(0);
    expect(r.synack.frames).toEqual(r.tshark.frames);
  });

  // Named here so the report shows what is not compared yet; compared as soon as the names exist.
  for (const filter of WAITING_ANALYSIS) it.skip(`${filter} (waits for ${missingNames(filter).join(', ')})`, () => {});
});
