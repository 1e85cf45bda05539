/**
 * Capture filters against libpcap 1.10 itself. For every link type the
 * captures hold (captures/, and the shared corpus where present), each
 * expression below is compiled by libpcap through `tcpdump -d -r` on a
 * header-only file of that link type, and by compileFilter; both programs
 * then run in the interpreter on every frame of that link type, and must
 * accept exactly the same frames. What libpcap refuses must be refused.
 *
 * `tcpdump -r` rather than `dumpcap -i lo`: it compiles for any link type,
 * needs no root, takes 3 ms rather than 50, and compiles as for a file
 * (netmask 0, no Linux BPF extensions for vlan) — which is what synack
 * filters. One test checks that dumpcap's libpcap prints the same programs.
 */
import { execFile, spawnSync } from 'node:child_process';
import { fstatSync, mkdtempSync, openSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { assemble } from '../../src/capture/bpf/asm';
import { BpfError, compileFilter, disassemble } from '../../src/capture/bpf/index';
import { SUPPORTED_LINKTYPES } from '../../src/capture/bpf/linktype';
import { bpfRun } from '../../src/capture/bpf/vm';
import { FileSource } from '../../src/capture/file';
import { allCaptureFiles, HAVE_CORPUS } from '../helpers/paths';

const HAVE_TCPDUMP = spawnSync('tcpdump', ['--version']).status === 0;
if (!HAVE_TCPDUMP) console.warn('capture filter differential tests skipped: tcpdump (libpcap 1.10) is not installed');
// dumpcap compiles only for an interface it may open: root, and a machine that permits capture on lo.
const DUMPCAP_ON_LO = process.getuid?.() === 0 && spawnSync('dumpcap', ['-i', 'lo', '-d', '-f', 'ip'], { timeout: 10_000 }).status === 0;
if (!DUMPCAP_ON_LO) console.warn('capture filter check against dumpcap skipped: dumpcap cannot open lo here (not root, not installed, or capture not permitted)');

/** Everyday filters, pcap-filter(7)'s corners, and libpcap's quirks (ports only in first fragments, tcp[] only over IPv4, ...). */
const EXPRESSIONS = [
  'ip', 'ip6', 'arp', 'rarp', 'tcp', 'udp', 'icmp', 'icmp6', 'igmp', 'sctp', 'pim', 'vrrp', 'ah', 'esp',
  'stp', 'ipx', 'iso', 'esis', 'isis', 'clnp', 'l1', 'iih', 'snp', 'netbeui', 'atalk', 'aarp', 'decnet',
  'tcp port 80', 'tcp port 21 or 22', 'port 53', 'udp port 53', 'src port 1024', 'dst port 443',
  'src or dst port 80', 'src and dst port 80', 'tcp src port 80 and dst port 81', 'port http', 'port domain',
  'tcp port ssh', 'portrange 1-1023', 'tcp portrange 8000-8080', 'udp dst portrange 200-100', 'portrange ftp-ftp',
  'host 127.0.0.1', 'host 10.0.0.1 or 10.0.0.2', 'src host 127.0.0.1', 'ip host 127.0.0.1 and not 127.0.0.2',
  'arp host 10.0.0.1', 'host 1.1.1.1 or (2.2.2.2 or (3.3.3.3 or 4.4.4.4))', 'src and dst host 127.0.0.1',
  'host 10', 'host 10.1', 'net 10', 'net 127', 'net 192.168', 'net 127.0.0.0/8', 'net 10.0.0.0 mask 255.0.0.0',
  'src net 10.0.0.0/8 and dst net 192.168.0.0/16', 'net 0.0.0.0/0', 'src 80',
  'ip6 host ::1', 'host ::1', 'ip6 net fe80::/10', 'dst host ff02::1', 'ip6 src net 2001:db8::/32',
  'ether host 00:00:00:00:00:00', 'ether src 1:2:3:4:5:6 or 1:2:3:4:5:7', 'ether dst ff:ff:ff:ff:ff:ff',
  'ether broadcast', 'ether multicast', 'broadcast', 'multicast', 'ip broadcast', 'ip multicast', 'ip6 multicast',
  'less 100', 'greater 1000', 'len < 100', 'len >= 1500', 'len != 60',
  'ip proto 17', 'ip proto \\tcp', 'proto 17', 'proto \\icmp', 'ip6 proto 6', 'ip6 proto \\ipv6-icmp',
  'ether proto 0x800', 'ether proto \\arp', 'ether proto \\ip6', 'ether proto 100', 'ether proto \\stp',
  'tcp[tcpflags] & tcp-syn != 0', 'tcp[tcpflags] & (tcp-syn|tcp-ack) = (tcp-syn|tcp-ack)', 'tcp[13] = 2',
  'tcp[tcpflags] & tcp-rst != 0 or tcp[tcpflags] & tcp-fin != 0', 'icmp[icmptype] = icmp-echo',
  'icmp[icmptype] = icmp-echoreply or icmp[icmptype] = icmp-unreach', 'icmp6[icmp6type] = icmp6-echo', 'icmp6[0] = 135',
  'udp[0:2] = 53', 'udp[8:2] > 0x1000', 'ip[0] & 0xf > 5', 'ip[8] < 64', 'ip[2:2] > 1000', 'ip[6:2] & 0x1fff != 0',
  'ip[9] = 6 and ip[ip[0] & 0xf] != 0', 'ip6[6] = 17', 'arp[7] = 1', 'ether[0] & 1 != 0', 'ether[12:2] = 0x800',
  'link[0:4] = 0xffffffff', 'ether[len - 1] = 0', 'tcp[ip[0]:1] = 2', 'icmp6[ip6[0]] = 1', 'ip[0] + tcp[1] = 5',
  'tcp[12] >> 4 > 5', 'tcp[((tcp[12] & 0xf0) >> 2):4] = 0x47455420',
  'ip[2:2] - ((ip[0] & 0xf) << 2) - ((tcp[12] & 0xf0) >> 2) != 0',
  'ip[2:2] % 3 ^ 5 = len - 4 * 2 / 1 + (tcp[1] << 2 >> 1) | 1 & 7', '-ip[1] = 255', 'ip[0] * 2 = 138',
  'ip[1] % 4 = 0', 'ip[0] ^ 0x45 = 0', 'len * 2 > 3000', '- - len = 60', 'ip[0] | 0x40 = 0x45', '1 = 1',
  'tcp and not port 22', 'not tcp', '! tcp', 'not not tcp', 'tcp && udp || icmp', 'tcp or udp and icmp',
  'not ip and not ip6', 'ip and (tcp or udp)', '(tcp or udp) and port 53', 'not (port 22 or port 80)',
  'arp or (ip and icmp)', 'ip6 and (tcp port 80 or udp port 53)',
  'vlan', 'vlan 100', 'vlan and ip', 'vlan and tcp port 80', 'vlan and vlan 5 and ip host 1.2.3.4', 'vlan or arp',
  'mpls', 'mpls 5 and ip', 'mpls and mpls and ip6', 'mpls and tcp[0] = 1',
  'pppoed', 'pppoes', 'pppoes 3 and ip', 'pppoes and tcp port 80',
  'byte 2 = 5', 'byte 2 < 5', 'byte 0 & 1 or ip', 'inbound', 'outbound', 'ifindex 1',
  // Filters libpcap's optimiser proves match nothing, and near misses it does not.
  'tcp and udp', '(ip or ip6) and arp', 'ip and not ip', 'tcp port 80 and udp port 80', 'icmp6 and icmp',
  'ether[12:2] = 0x800 and ip6', 'ether[12:2] = 0x800 and ether[12:2] = 0x806', 'less 10 and greater 20',
  'len = 1 and len = 2', 'tcp[0] = 1 and tcp[0] = 2', 'ip and stp', 'tcp[13] & 2 = 0 and tcp[13] & 2 != 0', '1 = 2',
  'len > 100 and len <= 100', 'ip6 proto 6 and ip6 proto 17', 'port 80 and not port 80', 'not (ip or not ip)',
  // Refused by both, for reasons of syntax or of the link type.
  'portt 80', 'tcp or 22', 'host 1.2.3.256', 'ip6 host fe80::1:2:3:4:5:6:7', 'ether host 1:2:3:4:5', 'port 99999',
  'udp port ssh', 'net 10.0.0.1/8', 'ip[0] / 0 = 1', 'ip[0] >> -3 = 1', 'ip[0] % (3 / -3) = 1', 'tcp[0:3] = 1', 'ah[0] = 1', 'radio[0] = 1', 'vlan 4096',
];

interface Frame {
  readonly file: string;
  readonly number: number;
  readonly bytes: Uint8Array;
  readonly origLen: number;
}

/** Every frame of every capture, by link type (a pcapng file may hold several). */
async function framesByLinkType(files: readonly string[]): Promise<Map<number, Frame[]>> {
  const out = new Map<number, Frame[]>();
  for (const file of files) {
    const fd = openSync(file, 'r');
    let n = 0;
    await new FileSource(file, fd, fstatSync(fd).size).run((f) => {
      n++;
      let list = out.get(f.linkType);
      if (list === undefined) out.set(f.linkType, (list = []));
      list.push({ file, number: n, bytes: Uint8Array.prototype.slice.call(f.data, f.offset, f.offset + f.capLen), origLen: f.origLen });
    });
  }
  return out;
}

/** A pcap file header alone: enough for `tcpdump -r` to compile for that link type. */
function headerFile(dir: string, linkType: number, bigEndian = false): string {
  const b = Buffer.alloc(24);
  const w = (v: number, at: number): number => (bigEndian ? b.writeUInt32BE(v, at) : b.writeUInt32LE(v, at));
  w(0xa1b2c3d4, 0);
  if (bigEndian) b.writeUInt16BE(2, 4), b.writeUInt16BE(4, 6);
  else b.writeUInt16LE(2, 4), b.writeUInt16LE(4, 6);
  w(262144, 16);
  w(linkType, 20);
  const path = join(dir, `lt${linkType}${bigEndian ? 'be' : ''}.pcap`);
  writeFileSync(path, b);
  return path;
}

/** libpcap's program for `expr` (optimised unless -O), or its complaint. */
function libpcap(file: string, expr: string, optimise = true): Promise<{ program: string } | { error: string }> {
  const args = [...(optimise ? [] : ['-O']), '-d', '-r', file, '--', expr];
  return new Promise((resolve) => {
    execFile('tcpdump', args, { encoding: 'utf8', timeout: 10_000 }, (err, stdout, stderr) => {
      if (err !== null) resolve({ error: stderr.split('\n').filter((l) => l !== '' && !/^reading from|^Warning/.test(l)).join(' ') });
      else resolve({ program: stdout });
    });
  });
}

/** Runs `fn` over `items` with at most `limit` at a time (tcpdump is spawned once per expression and link type). */
async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (t: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}

function ours(expr: string, linkType: number, bigEndianNull = false, optimize = true): { program: string; insns: Int32Array } | { error: string } {
  try {
    const p = compileFilter(expr, linkType, { bigEndianNull, optimize });
    return { program: disassemble(p), insns: p.insns };
  } catch (e) {
    if (!(e instanceof BpfError)) throw e;
    return { error: e.message };
  }
}

describe.skipIf(!HAVE_TCPDUMP)('capture filters against libpcap 1.10 (tcpdump -d)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'synack-bpf-'));

  it('accept exactly the frames libpcap accepts, on every capture, and refuse what it refuses', async () => {
    const files = allCaptureFiles();
    const byType = await framesByLinkType(files);
    const types = [...byType.keys()].filter((t) => SUPPORTED_LINKTYPES.includes(t)).sort((a, b) => a - b);
    expect(types).toEqual(expect.arrayContaining([1, 276]));
    if (HAVE_CORPUS) expect(types).toEqual(expect.arrayContaining([0, 9, 101, 104, 113, 228, 229]));
    const headers = new Map(types.map((lt) => [lt, headerFile(dir, lt)]));
    const jobs = types.flatMap((lt) => EXPRESSIONS.map((expr) => ({ lt, expr })));
    const theirs = await mapLimit(jobs, 4, ({ lt, expr }) => libpcap(headers.get(lt)!, expr));
    let frames = 0;
    let runs = 0;
    let refused = 0;
    const problems: string[] = [];
    jobs.forEach(({ lt, expr }, j) => {
      const t = theirs[j];
      const o = ours(expr, lt);
      if ('error' in t || 'error' in o) {
        if ('error' in t) refused++;
        if ('error' in t !== 'error' in o) problems.push(`[${lt}] ${expr}: libpcap ${'error' in t ? `refuses (${t.error})` : 'compiles'}, synack ${'error' in o ? `refuses (${o.error})` : 'compiles'}`);
        return;
      }
      const reference = assemble(t.program, lt).insns;
      for (const f of byType.get(lt)!) {
        const want = bpfRun(reference, f.bytes, 0, f.bytes.length, f.origLen) !== 0;
        const got = bpfRun(o.insns, f.bytes, 0, f.bytes.length, f.origLen) !== 0;
        runs++;
        if (want !== got && problems.length < 20) problems.push(`[${lt}] ${expr}: ${f.file} frame ${f.number}: libpcap ${want ? 'accepts' : 'rejects'}`);
      }
    });
    for (const lt of types) frames += byType.get(lt)!.length;
    console.log(
      `capture filters: ${EXPRESSIONS.length} expressions x ${types.length} link types (${types.join(', ')}), ` +
        `${frames} frames of ${files.length} files, ${runs} program runs compared with libpcap's, ${refused} refusals matched`,
    );
    expect(problems).toEqual([]);
    expect(runs).toBeGreaterThan(HAVE_CORPUS ? 1_000_000 : 10_000);
  });

  it('generate the very instructions libpcap does with its optimiser off (tcpdump -O -d)', async () => {
    const types = [1, 113, 0];
    const headers = new Map(types.map((lt) => [lt, headerFile(dir, lt)]));
    const jobs = types.flatMap((lt) => EXPRESSIONS.map((expr) => ({ lt, expr })));
    const theirs = await mapLimit(jobs, 4, ({ lt, expr }) => libpcap(headers.get(lt)!, expr, false));
    const differ = jobs.filter(({ lt, expr }, j) => {
      const t = theirs[j];
      const o = ours(expr, lt, false, false);
      return 'program' in t !== 'program' in o || ('program' in t && 'program' in o && t.program !== o.program);
    });
    expect(differ.map(({ lt, expr }) => `[${lt}] ${expr}`)).toEqual([]);
  });

  it("compare BSD loopback's address family in the file's byte order, as libpcap does", async () => {
    for (const expr of ['ip', 'ip6 or tcp port 80']) {
      for (const be of [false, true]) {
        const t = await libpcap(headerFile(dir, 0, be), expr, false);
        expect(ours(expr, 0, be, false), `${expr} ${be ? 'big' : 'little'}-endian`).toMatchObject(t);
      }
    }
  });

  it.skipIf(!DUMPCAP_ON_LO)('agree with the programs dumpcap compiles for live capture on lo', async () => {
    // dumpcap -d compiles with the interface's netmask and, for vlan, Linux's BPF extensions; elsewhere it is the same libpcap.
    for (const expr of ['tcp port 80', 'host 10.0.0.1 or 10.0.0.2', 'ip6 and udp', 'tcp[tcpflags] & tcp-syn != 0']) {
      const r = spawnSync('dumpcap', ['-i', 'lo', '-d', '-f', expr], { encoding: 'utf8', timeout: 10_000 });
      expect(r.status, r.stderr).toBe(0);
      const t = await libpcap(headerFile(dir, 1), expr);
      expect(r.stdout.split('\n').filter((l) => l.startsWith('(')).join('\n') + '\n').toBe('program' in t ? t.program : t.error);
    }
  });
});
