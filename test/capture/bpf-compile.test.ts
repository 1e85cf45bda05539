/**
 * compileFilter on frames built by hand: the grammar's rules that are easy
 * to get wrong (qualifier inheritance, and/or of equal precedence, yacc's
 * treatment of % and ^, libpcap's IPv4-only fragment and tcp[] rules), and
 * the errors: one line saying what is wrong, pointing at the column.
 * test/capture/bpf-differential.test.ts checks the same ground against
 * libpcap itself on real captures.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BpfError, bpfMatch, compileFilter, disassemble } from '../../src/capture/bpf/index';
import { arpFrame, ipFrame, tcpFrame, udpFrame } from '../analysis/craft';

const A = { ip: '10.0.0.1', port: 40000 };
const B = { ip: '10.0.0.2', port: 22 };
const frames = {
  ssh: tcpFrame(A, B, { flags: 'S', seq: 1 }),
  ftp: tcpFrame(A, { ip: '10.0.0.3', port: 21 }, { flags: 'S', seq: 1 }),
  http: tcpFrame(A, { ip: '10.0.0.3', port: 80 }, { flags: 'PA', seq: 1, data: 'GET / HTTP/1.0\r\n\r\n' }),
  udp22: udpFrame(A, B, 'x'),
  dns: udpFrame(A, { ip: '10.0.0.9', port: 53 }, 'q'),
  arp: arpFrame(1, '00:00:00:00:00:01', '10.0.0.1', '00:00:00:00:00:00', '10.0.0.2'),
  v6: tcpFrame({ ip: 'fe80::1', port: 40000 }, { ip: 'fe80::2', port: 22 }, { flags: 'S', seq: 1 }),
  // A later fragment of a TCP datagram (offset 185 * 8): no TCP header in it.
  frag: ipFrame('10.0.0.1', '10.0.0.2', 6, [0, 22, 0, 22, 0, 0, 0, 0], { ipFlags: 185 }),
};
type Name = keyof typeof frames;

/** The names of the frames an Ethernet filter matches. */
function matching(expr: string): Name[] {
  const p = compileFilter(expr, 1);
  return (Object.keys(frames) as Name[]).filter((n) => bpfMatch(p, frames[n], 0, frames[n].length, frames[n].length));
}

function refusal(expr: string, linkType = 1): { message: string; column: number } {
  try {
    compileFilter(expr, linkType);
  } catch (e) {
    if (e instanceof BpfError) return { message: e.message, column: e.column };
    throw e;
  }
  throw new Error(`'${expr}' compiled`);
}

describe('capture filter semantics', () => {
  it('matches everything when the expression is empty or blank, on any link type', () => {
    expect(matching('')).toEqual(Object.keys(frames));
    expect(matching(' \t ')).toEqual(Object.keys(frames));
    expect(disassemble(compileFilter('', 127))).toBe('(000) ret      #262144\n');
  });

  it('lets an id after and/or inherit the qualifiers of the term before it', () => {
    expect(matching('tcp port 21 or 22')).toEqual(['ssh', 'ftp', 'v6']);
    expect(matching('host 10.0.0.3 or 10.0.0.9')).toEqual(['ftp', 'http', 'dns']);
    // `not 10.0.0.1` is `not dst host 10.0.0.1`: the ARP request from 10.0.0.1 stays.
    expect(matching('dst host 10.0.0.2 and not 10.0.0.1')).toEqual(['ssh', 'udp22', 'arp', 'frag']);
    expect(matching('port 53 or (22 and 40000)')).toEqual(['ssh', 'udp22', 'dns', 'v6']);
  });

  it('gives and/or equal precedence, left to right, and not the tightest', () => {
    // (tcp or udp) and port 22, not tcp or (udp and port 22).
    expect(matching('tcp or udp and port 22')).toEqual(['ssh', 'udp22', 'v6']);
    expect(matching('not tcp and udp')).toEqual(['udp22', 'dns']);
    expect(matching('! (tcp || udp)')).toEqual(['arp']);
  });

  it('reads % and ^ as yacc does with no precedence declared for them: a % b + c is a % (b + c)', () => {
    expect(matching('10 % 3 + 4 = 3')).toHaveLength(Object.keys(frames).length);
    expect(() => compileFilter('10 % 3 + 4 = 5', 1)).toThrow('expression rejects all packets');
    expect(matching('2 * 3 ^ 1 = 4')).toHaveLength(Object.keys(frames).length);
  });

  it('tests ports, and tcp[], only in the first fragment of an IPv4 datagram', () => {
    expect(matching('port 22')).toEqual(['ssh', 'udp22', 'v6']);
    expect(matching('tcp[0:2] = 22 or tcp[2:2] = 22')).toEqual(['ssh']);
    expect(matching('ip[6:2] & 0x1fff != 0')).toEqual(['frag']);
    // tcp[] finds the TCP header by the IPv4 header length, so libpcap never applies it to IPv6.
    expect(matching('tcp[tcpflags] & tcp-syn != 0')).toEqual(['ssh', 'ftp']);
  });

  it('knows the protocol abbreviations and arithmetic on packet bytes', () => {
    expect(matching('arp')).toEqual(['arp']);
    expect(matching('ip6 and tcp')).toEqual(['v6']);
    expect(matching('ether broadcast')).toEqual(['arp']);
    expect(matching('tcp[((tcp[12] & 0xf0) >> 2):4] = 0x47455420')).toEqual(['http']);
    expect(matching('len > 70')).toEqual(['http', 'v6']);
  });
});

describe('capture filter errors', () => {
  it.each([
    ['portt 80', "syntax error at 'portt'", 0],
    ['tcp port', 'syntax error: the expression ends too early', 8],
    ['tcp or 22', 'syntax error: no qualifier such as host, net or port applies here', 7],
    ['port foo', "port 'foo' unknown", 5],
    ['host example.com', "host names are not resolved: give an address instead of 'example.com'", 5],
    ['port 99999', 'illegal port number 99999 > 65535', 5],
    ['net 10.0.0.1/8', 'non-network bits set in "10.0.0.1/8"', 4],
    ['host 10.0.0.0/8', 'Mask syntax for networks only', 5],
    ['ether host 1:2:3:4:5', 'bogus ethernet address 1:2:3:4:', 11],
    ['host 1.2.3.256', "invalid IPv4 address '1.2.3.256'", 5],
    ['port 4294967296', 'number 4294967296 overflows 32 bits', 5],
    ['port 08', 'number 08 contains non-octal digit', 5],
    ['tcp host 10.0.0.1', "'tcp' modifier applied to host", 9],
    ['udp port ssh', "port 'ssh' is tcp", 9],
    ['tcp[0:3] = 1', 'data size must be 1, 2, or 4', 6],
    ['ip[0] / 0 = 1', 'division by zero', 6],
    // Found by libpcap's optimiser once it folds the constants: -3 is 0xfffffffd, 3 / -3 is 0.
    ['ip[0] >> -3 = 1', 'shift by more than 31 bits', 6],
    ['ip[0] % (3 / -3) = 1', 'modulus by zero', 6],
    ['vlan 4096', 'VLAN tag 4096 greater than maximum 4095', 0],
    ['ip and ip6', 'expression rejects all packets', 0],
    ['gateway router', "'gateway' is not supported (it needs host name resolution)", 8],
    ['ip protochain 6', "'protochain' is not supported", 14],
    ['llc', "'llc' applies to link types this filter compiler does not support", 0],
  ])('%s', (expr, message, column) => {
    expect(refusal(expr)).toEqual({ message, column });
  });

  it('refuses what a link type cannot express, naming it', () => {
    expect(refusal('ether host 00:11:22:33:44:55', 113).message).toMatch(/ethernet addresses are supported only on Ethernet/);
    expect(refusal('arp', 101).message).toBe('expression rejects all packets');
    expect(refusal('inbound', 1).message).toBe('inbound/outbound not supported on Ethernet when reading savefiles');
    expect(refusal('vlan', 113).message).toBe('no VLAN support for Linux cooked v1');
    expect(refusal('tcp', 127).message).toBe('capture filters are not supported on link type 127');
  });

  it('refuses with a BpfError, never another exception, whatever the words', () => {
    const words = ['ip', 'ip6', 'tcp', 'udp', 'ether', 'arp', 'host', 'net', 'port', 'portrange', 'src', 'dst', 'proto', 'and', 'or',
      'not', '(', ')', '[', ']', ':', '=', '!=', '<', '>', '+', '-', '*', '/', '%', '&', '|', '^', '<<', '>>', 'len', 'vlan', 'mpls',
      'pppoes', 'broadcast', 'multicast', 'less', 'greater', 'byte', 'mask', '10.0.0.1', '10.0', '::1', 'fe80::/10', '1:2:3:4:5:6',
      '80', '0', '4', '0x800', 'http', '1-1023', 'tcp-syn', 'tcpflags', '\\tcp', '$1', 'icmp6', 'gateway', 'protochain', 'inbound'];
    fc.assert(
      fc.property(fc.array(fc.constantFrom(...words), { maxLength: 12 }), fc.constantFrom(0, 1, 101, 113, 229, 276), (ws, lt) => {
        try {
          compileFilter(ws.join(' '), lt);
        } catch (e) {
          expect(e).toBeInstanceOf(BpfError);
          expect((e as BpfError).message).not.toMatch(/\n/);
        }
      }),
      { numRuns: 3000 },
    );
  });

  it('never refuses as matching nothing a filter that matches a frame', () => {
    // Random filters of the shapes the threading analysis (reject.ts) has to see through; any frame a filter
    // accepts unoptimised proves it satisfiable, so "rejects all packets" would be a false refusal.
    const atom = fc.constantFrom('ip', 'ip6', 'tcp', 'udp', 'arp', 'port 22', 'tcp port 80', 'host 10.0.0.1', 'src net 10', 'dst port 53',
      'ether broadcast', 'ip6 host fe80::2', 'len > 60', 'ip proto 6', 'ip proto 17', 'tcp[13] & 2 != 0', 'ip[9] = 17');
    const tail = fc.constantFrom('10.0.0.2', '22', '(80 or 53)', 'not 10.0.0.1', 'fe80::1');
    const expr: fc.Arbitrary<string> = fc.letrec<{ e: string }>((tie) => ({
      e: fc.oneof(
        { depthSize: 'small', withCrossShrink: true },
        atom,
        tie('e').map((e) => `not ${e}`),
        tie('e').map((e) => `(${e})`),
        fc.tuple(tie('e'), fc.constantFrom('and', 'or'), tail).map(([e, op, t]) => `${e} ${op} ${t}`),
        fc.tuple(tie('e'), fc.constantFrom('and', 'or'), tie('e')).map(([a, op, b]) => `${a} ${op} ${b}`),
      ),
    })).e;
    const bank = Object.values(frames);
    fc.assert(
      fc.property(expr, (e) => {
        let raw;
        try {
          raw = compileFilter(e, 1, { optimize: false });
        } catch {
          return;
        }
        if (bank.some((f) => bpfMatch(raw, f, 0, f.length, f.length))) expect(() => compileFilter(e, 1), e).not.toThrow();
      }),
      { numRuns: 3000 },
    );
  });

  it('with optimize: false, compiles what matches nothing, as pcap_compile does unoptimised', () => {
    expect(compileFilter('ip and ip6', 1, { optimize: false }).insns.length).toBeGreaterThan(0);
    // Optimised, a zero mask needs no packet byte: a frame too short for the address still matches `net 0.0.0.0/0`.
    const short = frames.ssh.subarray(0, 20);
    expect(bpfMatch(compileFilter('net 0.0.0.0/0', 1), short, 0, 20, 54)).toBe(true);
    expect(bpfMatch(compileFilter('net 0.0.0.0/0', 1, { optimize: false }), short, 0, 20, 54)).toBe(false);
  });

  it('reports the scanner complaint only once the parser reaches it, as libpcap does', () => {
    expect(refusal('port ( 08').message).toBe('number 08 contains non-octal digit');
    expect(refusal('portt 08').message).toBe("syntax error at 'portt'");
  });
});
