/**
 * The code generator: libpcap 1.10's gencode.c, function for function,
 * from the parsed expression to the tree of tests cond.ts lays out. The
 * aim is the same matches as libpcap, frame for frame, so its quirks are
 * kept and named where they appear (`tcp[]` reads only IPv4, IPv6 port
 * tests look only at the fixed header's next-header field, `port http` is
 * TCP only when /etc/services lists it for TCP only, `byte N & M` tests
 * whatever A holds). Error messages say what libpcap's say, in its words
 * where they are clear.
 */
import type { Arith, Dir, Expr, Proto, Qual } from './ast';
import { always, and, not, or, stmt, test, type Cond, type Stmt } from './cond';
import { BpfError } from './errors';
import { parseIPv6 } from './lexer';
import {
  DLT_C_HDLC, DLT_EN10MB, DLT_IPV4, DLT_IPV6, DLT_LINUX_SLL, DLT_LINUX_SLL2, DLT_LOOP, DLT_NULL, DLT_PPP, DLT_PPP_SERIAL,
  DLT_RAW, DLT_SLIP, type LinkLayout,
} from './linktype';
import { nameToEtherProto, nameToPort, nameToPortRange, nameToProto, type PortProto } from './names';
import {
  BPF_ABS, BPF_ADD, BPF_ALU, BPF_AND, BPF_B, BPF_DIV, BPF_H, BPF_IMM, BPF_IND, BPF_JEQ, BPF_JGE, BPF_JGT, BPF_JMP, BPF_JSET,
  BPF_K, BPF_LD, BPF_LDX, BPF_LEN, BPF_LSH, BPF_MEM, BPF_MEMWORDS, BPF_MISC, BPF_MOD, BPF_MSH, BPF_MUL, BPF_NEG, BPF_OR,
  BPF_RSH, BPF_ST, BPF_SUB, BPF_TAX, BPF_W, BPF_X, BPF_XOR, foldAlu,
} from './opcodes';

// Protocol numbers gencode.c uses (ethertype.h, llc.h, nlpid.h, ppp.h, in.h).
const ETHERTYPE_IP = 0x0800;
const ETHERTYPE_ARP = 0x0806;
const ETHERTYPE_REVARP = 0x8035;
const ETHERTYPE_IPV6 = 0x86dd;
const ETHERTYPE_ATALK = 0x809b;
const ETHERTYPE_AARP = 0x80f3;
const ETHERTYPE_DN = 0x6003;
const ETHERTYPE_NS = 0x0600;
const ETHERTYPE_IPX = 0x8137;
const ETHERTYPE_MPLS = 0x8847;
const ETHERTYPE_PPPOED = 0x8863;
const ETHERTYPE_PPPOES = 0x8864;
const ETHERTYPE_8021Q = 0x8100;
const ETHERTYPE_8021AD = 0x88a8;
const ETHERTYPE_8021QINQ = 0x9100;
const ETHERMTU = 1500;
const LLCSAP_ISONS = 0xfe;
const LLCSAP_IP = 0x06;
const LLCSAP_NETBEUI = 0xf0;
const LLCSAP_IPX = 0xe0;
const LLCSAP_8021D = 0x42;
const LINUX_SLL_P_802_3 = 0x0001;
const LINUX_SLL_P_802_2 = 0x0004;
const LINUX_SLL_OUTGOING = 4;
const PPP_MPLS_UCAST = 0x0281;
const IPPROTO_TCP = 6;
const IPPROTO_UDP = 17;
const IPPROTO_SCTP = 132;
const IPPROTO_FRAGMENT = 44;
const IPPROTO_ICMPV6 = 58;
const ISO8473_CLNP = 0x81;
const ISO9542_ESIS = 0x82;
const ISO10589_ISIS = 0x83;
/** BSD AF_INET6 values a DLT_NULL header may hold (NetBSD/OpenBSD, FreeBSD, Darwin). */
const BSD_AFNUM_INET6_BSD = 24;
const BSD_AFNUM_INET6_FREEBSD = 28;
const BSD_AFNUM_INET6_DARWIN = 30;

/** ethertype_to_ppptype: libpcap names protocols by Ethernet type; PPP numbers them otherwise. */
const PPP_TYPES = new Map([
  [ETHERTYPE_IP, 0x0021], [ETHERTYPE_IPV6, 0x0057], [ETHERTYPE_DN, 0x0027], [ETHERTYPE_ATALK, 0x0029],
  [ETHERTYPE_NS, 0x0025], [LLCSAP_ISONS, 0x0023], [LLCSAP_8021D, 0x0031], [LLCSAP_IPX, 0x002b],
]);

/** Where a load's offset counts from (gencode.c's enum e_offrel). */
type Rel = 'linkhdr' | 'linktype' | 'llc' | 'linkpl' | 'linkpl_nosnap' | 'prevmpls' | 'tran4' | 'tran6';

/** An arithmetic value (gencode.c's struct arth): code leaving it in scratch register `reg`, and the tests that must hold first. */
interface Arth {
  readonly stmts: Stmt[];
  readonly checks: Cond | null;
  readonly reg: number;
  /** Its value when the optimiser would know it (constants folded as optimize.c folds them), else null. */
  readonly konst: number | null;
}

export interface GenOptions {
  /**
   * DLT_NULL's header is an AF_ value in the capturing host's byte order;
   * libpcap compares it in the file's byte order. True for a file written
   * big-endian (false, the default, is what libpcap assumes live on x86).
   */
  readonly bigEndianNull?: boolean;
  /** The netmask `ip broadcast` assumes; tcpdump -r passes 0, so a broadcast is 0.0.0.0 or 255.255.255.255. */
  readonly netmask?: number;
  /**
   * pcap_compile's `optimize` flag (default true): libpcap's optimiser also
   * refuses division by a constant that folds to zero and shifts by more
   * than 31 that gencode.c let through.
   */
  readonly optimize?: boolean;
}

const W = BPF_W;
const H = BPF_H;
const B = BPF_B;
const JEQ = BPF_JMP | BPF_JEQ | BPF_K;
const JGT = BPF_JMP | BPF_JGT | BPF_K;
const JGE = BPF_JMP | BPF_JGE | BPF_K;
const JSET = BPF_JMP | BPF_JSET | BPF_K;
const ALU_OPS: Record<string, number> = {
  '+': BPF_ADD, '-': BPF_SUB, '*': BPF_MUL, '/': BPF_DIV, '%': BPF_MOD, '&': BPF_AND, '|': BPF_OR, '^': BPF_XOR, '<<': BPF_LSH, '>>': BPF_RSH,
};

/** Chains tests as gencode.c does with `gen_or(b0, b1)` in a loop: the test added last runs first. */
function orChain(tests: readonly Cond[]): Cond {
  let acc = or(tests[0], tests[1]);
  for (let i = 2; i < tests.length; i++) acc = or(tests[i], acc);
  return acc;
}

export class CodeGen {
  /** The link type gen_linktype switches on: PPP after `pppoes`. */
  private dlt: number;
  private description: string;
  private offLinkHdr = 0;
  private offLinkType: number;
  private offLinkPl: number;
  private offNl = 0;
  private offNlNoSnap: number;
  private labelDepth = 0;
  private readonly regUsed = new Array<boolean>(BPF_MEMWORDS).fill(false);
  private curReg = 0;
  /** Column errors point at: the expression being generated. */
  private pos = 0;

  constructor(
    layout: LinkLayout,
    private readonly opts: GenOptions = {},
  ) {
    this.dlt = layout.dlt;
    this.description = layout.description;
    this.offLinkType = layout.offLinkType;
    this.offLinkPl = layout.offLinkPl;
    this.offNlNoSnap = layout.offNlNoSnap;
  }

  private fail(message: string, pos = this.pos): never {
    throw new BpfError(message, pos);
  }

  /** The tests for an expression, generated left to right (vlan, mpls and pppoes move the offsets of what follows them). */
  expr(e: Expr): Cond {
    switch (e.t) {
      case 'and':
      case 'or': {
        const l = this.expr(e.l);
        const r = this.expr(e.r);
        return e.t === 'and' ? and(l, r) : or(l, r);
      }
      case 'not':
        return not(this.expr(e.e));
    }
    this.pos = e.pos;
    switch (e.t) {
      case 'id':
        return this.id(e);
      case 'abbrev':
        return this.protoAbbrev(e.proto);
      case 'rel':
        return this.relation(e.op, e.reversed, e.l, e.r);
      case 'broadcast':
        return this.broadcast(e.proto);
      case 'multicast':
        return this.multicast(e.proto);
      case 'less':
        // gen_less: not (len > n).
        return not(test([stmt(BPF_LD | BPF_W | BPF_LEN)], JGT, e.n));
      case 'greater':
        return test([stmt(BPF_LD | BPF_W | BPF_LEN)], JGE, e.n);
      case 'byte':
        return this.byteOp(e.op, e.index, e.value);
      case 'inbound':
      case 'outbound':
        return this.inbound(e.t === 'outbound');
      case 'ifindex':
        if (this.dlt !== DLT_LINUX_SLL2) this.fail(`ifindex is not supported on ${this.description} when reading savefiles`);
        return this.cmp('linkhdr', 4, W, e.n);
      case 'vlan':
        return this.vlan(e.n);
      case 'mpls':
        return this.mpls(e.n);
      case 'pppoed':
        return this.linktype(ETHERTYPE_PPPOED);
      case 'pppoes':
        return this.pppoes(e.n);
    }
  }

  // ---- loads and comparisons (gen_load_a, gen_cmp, gen_mcmp, gen_bcmp, gen_ncmp) ----

  private loadA(rel: Rel, off: number, size: number): Stmt[] {
    const abs = (k: number): Stmt[] => [stmt(BPF_LD | size | BPF_ABS, k)];
    switch (rel) {
      case 'linkhdr':
        return abs(this.offLinkHdr + off);
      case 'linktype':
        return abs(this.offLinkType + off);
      case 'llc':
        return abs(this.offLinkPl + off);
      case 'linkpl':
        return abs(this.offLinkPl + this.offNl + off);
      case 'linkpl_nosnap':
        return abs(this.offLinkPl + this.offNlNoSnap + off);
      case 'prevmpls':
        return abs(this.offLinkPl + this.offNl - 4 + off);
      case 'tran4':
        // X = IPv4 header length, then load relative to it (gen_loadx_iphdrlen).
        return [stmt(BPF_LDX | BPF_B | BPF_MSH, this.offLinkPl + this.offNl), stmt(BPF_LD | size | BPF_IND, this.offLinkPl + this.offNl + off)];
      case 'tran6':
        // The fixed 40-byte IPv6 header only: libpcap does not walk extension headers here.
        return abs(this.offLinkPl + this.offNl + 40 + off);
    }
  }

  private cmp(rel: Rel, off: number, size: number, v: number): Cond {
    return test(this.loadA(rel, off, size), JEQ, v);
  }

  private mcmp(rel: Rel, off: number, size: number, v: number, mask: number): Cond {
    const s = this.loadA(rel, off, size);
    if (mask >>> 0 !== 0xffffffff) s.push(stmt(BPF_ALU | BPF_AND | BPF_K, mask));
    return test(s, JEQ, v);
  }

  private cmpGt(rel: Rel, off: number, size: number, v: number): Cond {
    return test(this.loadA(rel, off, size), JGT, v);
  }

  private cmpGe(rel: Rel, off: number, size: number, v: number): Cond {
    return test(this.loadA(rel, off, size), JGE, v);
  }

  /** Compares bytes from the last word backwards, as gen_bcmp does. */
  private bcmp(rel: Rel, off: number, bytes: readonly number[]): Cond {
    let b: Cond | null = null;
    let size = bytes.length;
    const add = (t: Cond): void => {
      b = b === null ? t : and(b, t);
    };
    while (size >= 4) {
      const w = ((bytes[size - 4] << 24) | (bytes[size - 3] << 16) | (bytes[size - 2] << 8) | bytes[size - 1]) >>> 0;
      add(this.cmp(rel, off + size - 4, W, w));
      size -= 4;
    }
    while (size >= 2) {
      add(this.cmp(rel, off + size - 2, H, (bytes[size - 2] << 8) | bytes[size - 1]));
      size -= 2;
    }
    if (size > 0) add(this.cmp(rel, off, B, bytes[0]));
    return b!;
  }

  // ---- link-layer protocol tests (gen_linktype and its helpers) ----

  linktype(llProto: number): Cond {
    // Inside an MPLS stack only IPv4 and IPv6 can be recognised, by the version nibble.
    if (this.labelDepth > 0) return this.mplsLinktype(llProto);
    switch (this.dlt) {
      case DLT_EN10MB:
        return this.etherLinktype(llProto);
      case DLT_C_HDLC:
        // Cisco HDLC uses Ethernet types, and 0xfefe for OSI.
        return this.cmp('linktype', 0, H, llProto === LLCSAP_ISONS ? 0xfefe : llProto);
      case DLT_LINUX_SLL:
        return this.sllLinktype(llProto);
      case DLT_SLIP:
      case DLT_RAW:
        // No type field: the IP version nibble (at the start of the link header: for SLIP that is its direction byte, as in libpcap).
        if (llProto === ETHERTYPE_IP) return this.mcmp('linkhdr', 0, B, 0x40, 0xf0);
        if (llProto === ETHERTYPE_IPV6) return this.mcmp('linkhdr', 0, B, 0x60, 0xf0);
        return always(false);
      case DLT_IPV4:
        return always(llProto === ETHERTYPE_IP);
      case DLT_IPV6:
        return always(llProto === ETHERTYPE_IPV6);
      case DLT_PPP:
      case DLT_PPP_SERIAL:
        return this.cmp('linktype', 0, H, PPP_TYPES.get(llProto) ?? llProto);
      case DLT_NULL:
      case DLT_LOOP:
        if (llProto === ETHERTYPE_IP) return this.loopback(2);
        if (llProto === ETHERTYPE_IPV6) {
          return or(this.loopback(BSD_AFNUM_INET6_DARWIN), or(this.loopback(BSD_AFNUM_INET6_BSD), this.loopback(BSD_AFNUM_INET6_FREEBSD)));
        }
        return always(false);
      default:
        // LINUX_SLL2: an Ethernet type field, compared as it is (even for LLC SAP values, as libpcap 1.10 does).
        return this.cmp('linktype', 0, H, llProto);
    }
  }

  /** DLT_NULL holds AF_ in the writer's byte order, DLT_LOOP in network order (gen_loopback_linktype). */
  private loopback(af: number): Cond {
    let v = af;
    if (this.dlt === DLT_NULL && this.opts.bigEndianNull !== true) v = ((af & 0xff) << 24) | ((af & 0xff00) << 8) | ((af >>> 8) & 0xff00) | (af >>> 24);
    return this.cmp('linkhdr', 0, W, v >>> 0);
  }

  /** An 802.3 length field rather than an Ethernet type: `not (type > 1500)`. */
  private ether8023(): Cond {
    return not(this.cmpGt('linktype', 0, H, ETHERMTU));
  }

  private snap(org: number, ptype: number): Cond {
    return this.bcmp('llc', 0, [0xaa, 0xaa, 0x03, (org >> 16) & 0xff, (org >> 8) & 0xff, org & 0xff, (ptype >> 8) & 0xff, ptype & 0xff]);
  }

  private etherLinktype(p: number): Cond {
    switch (p) {
      case LLCSAP_ISONS:
      case LLCSAP_IP:
      case LLCSAP_NETBEUI:
        // 802.2 LLC with DSAP and SSAP both this SAP.
        return and(this.ether8023(), this.cmp('llc', 0, H, (p << 8) | p));
      case LLCSAP_IPX:
        // Ethernet II, or 802.3 with SNAP, LLC, or the "raw" 0xffff Novell framing.
        return or(this.cmp('linktype', 0, H, ETHERTYPE_IPX),
          and(this.ether8023(), or(this.snap(0x000000, ETHERTYPE_IPX), or(this.cmp('llc', 0, B, LLCSAP_IPX), this.cmp('llc', 0, H, 0xffff)))));
      case ETHERTYPE_ATALK:
      case ETHERTYPE_AARP:
        // Ethernet II, or 802.3 with the SNAP header AppleTalk phase 2 uses.
        return or(this.cmp('linktype', 0, H, p),
          and(this.ether8023(), p === ETHERTYPE_ATALK ? this.snap(0x080007, ETHERTYPE_ATALK) : this.snap(0x000000, ETHERTYPE_AARP)));
      default:
        // A value that fits an 802.3 length is an LLC DSAP.
        if (p <= ETHERMTU) return and(this.ether8023(), this.cmp('linktype', 2, B, p));
        return this.cmp('linktype', 0, H, p);
    }
  }

  /** gen_linux_sll_linktype: the cooked header's protocol field, with Linux's pseudo-types for 802.2 and 802.3 frames. */
  private sllLinktype(p: number): Cond {
    switch (p) {
      case LLCSAP_ISONS:
      case LLCSAP_IP:
      case LLCSAP_NETBEUI:
        return and(this.cmp('linktype', 0, H, LINUX_SLL_P_802_2), this.cmp('llc', 0, H, (p << 8) | p));
      case LLCSAP_IPX:
        return or(this.cmp('linktype', 0, H, ETHERTYPE_IPX),
          or(this.cmp('linktype', 0, H, LINUX_SLL_P_802_3),
            and(this.cmp('linktype', 0, H, LINUX_SLL_P_802_2), or(this.cmp('llc', 0, B, LLCSAP_IPX), this.snap(0x000000, ETHERTYPE_IPX)))));
      case ETHERTYPE_ATALK:
      case ETHERTYPE_AARP:
        return or(this.cmp('linktype', 0, H, p),
          and(this.cmp('linktype', 0, H, LINUX_SLL_P_802_2), p === ETHERTYPE_ATALK ? this.snap(0x080007, ETHERTYPE_ATALK) : this.snap(0x000000, ETHERTYPE_AARP)));
      default:
        if (p <= ETHERMTU) return and(this.cmp('linktype', 0, H, LINUX_SLL_P_802_2), this.cmp('linktype', 2, B, p));
        return this.cmp('linktype', 0, H, p);
    }
  }

  /** gen_mpls_linktype: bottom of the label stack, then the IP version nibble. */
  private mplsLinktype(p: number): Cond {
    const version = p === ETHERTYPE_IP ? 0x40 : p === ETHERTYPE_IPV6 ? 0x60 : this.fail('unsupported protocol over mpls');
    return and(this.mcmp('linkpl', -2, B, 0x01, 0x01), this.mcmp('linkpl', 0, B, version, 0xf0));
  }

  // ---- protocol names and `proto` (gen_proto_abbrev, gen_proto) ----

  private protoAbbrev(p: Proto): Cond {
    switch (p) {
      case 'sctp':
        return this.proto(IPPROTO_SCTP, 'default', 'default');
      case 'tcp':
        return this.proto(IPPROTO_TCP, 'default', 'default');
      case 'udp':
        return this.proto(IPPROTO_UDP, 'default', 'default');
      case 'icmp':
        return this.proto(1, 'ip', 'default');
      case 'igmp':
        return this.proto(2, 'ip', 'default');
      case 'igrp':
        return this.proto(9, 'ip', 'default');
      case 'pim':
        return this.proto(103, 'default', 'default');
      case 'vrrp':
      case 'carp':
        return this.proto(112, 'ip', 'default');
      case 'ip':
        return this.linktype(ETHERTYPE_IP);
      case 'arp':
        return this.linktype(ETHERTYPE_ARP);
      case 'rarp':
        return this.linktype(ETHERTYPE_REVARP);
      case 'link':
        return this.fail('link layer applied in wrong context');
      case 'atalk':
        return this.linktype(ETHERTYPE_ATALK);
      case 'aarp':
        return this.linktype(ETHERTYPE_AARP);
      case 'decnet':
        return this.linktype(ETHERTYPE_DN);
      case 'sca':
        return this.linktype(0x6007);
      case 'lat':
        return this.linktype(0x6004);
      case 'mopdl':
        return this.linktype(0x6001);
      case 'moprc':
        return this.linktype(0x6002);
      case 'ip6':
        return this.linktype(ETHERTYPE_IPV6);
      case 'icmp6':
        return this.proto(IPPROTO_ICMPV6, 'ip6', 'default');
      case 'ah':
        return this.proto(51, 'default', 'default');
      case 'esp':
        return this.proto(50, 'default', 'default');
      case 'iso':
        return this.linktype(LLCSAP_ISONS);
      case 'esis':
        return this.proto(ISO9542_ESIS, 'iso', 'default');
      case 'isis':
        return this.proto(ISO10589_ISIS, 'iso', 'default');
      case 'clnp':
        return this.proto(ISO8473_CLNP, 'iso', 'default');
      case 'stp':
        return this.linktype(LLCSAP_8021D);
      case 'ipx':
        return this.linktype(LLCSAP_IPX);
      case 'netbeui':
        return this.linktype(LLCSAP_NETBEUI);
      // IS-IS PDU types (L1/L2 LAN hellos 15/16, point-to-point hello 17, LSPs 18/20, CSNPs 24/25, PSNPs 26/27), in gencode.c's order.
      case 'l1':
        return this.isisTypes([15, 17, 18, 24, 26]);
      case 'l2':
        return this.isisTypes([16, 17, 20, 25, 27]);
      case 'iih':
        return this.isisTypes([15, 16, 17]);
      case 'lsp':
        return this.isisTypes([18, 20]);
      case 'snp':
        return this.isisTypes([24, 25, 26, 27]);
      case 'csnp':
        return this.isisTypes([24, 25]);
      case 'psnp':
        return this.isisTypes([26, 27]);
      case 'radio':
        return this.fail("'radio' is not a valid protocol type");
      case 'default':
        return this.fail('syntax error');
    }
  }

  private isisTypes(types: readonly number[]): Cond {
    return orChain(types.map((t) => this.proto(t, 'isis', 'default')));
  }

  private proto(v: number, p: Proto, dir: Dir): Cond {
    if (dir !== 'default') this.fail("direction applied to 'proto'");
    switch (p) {
      case 'default':
        return or(this.proto(v, 'ip', dir), this.proto(v, 'ip6', dir));
      case 'link':
        return this.linktype(v);
      case 'ip':
        return and(this.linktype(ETHERTYPE_IP), this.cmp('linkpl', 9, B, v));
      case 'ip6':
        // The next header, or the one after a fragment header; no other extension header is skipped.
        return and(this.linktype(ETHERTYPE_IPV6),
          or(this.cmp('linkpl', 6, B, v), and(this.cmp('linkpl', 6, B, IPPROTO_FRAGMENT), this.cmp('linkpl', 40, B, v))));
      case 'iso':
        if (this.dlt === DLT_C_HDLC) return and(this.linktype(0xfefe), this.cmp('linkpl_nosnap', 1, B, v));
        return and(this.linktype(LLCSAP_ISONS), this.cmp('linkpl_nosnap', 0, B, v));
      case 'isis':
        // The PDU type is 4 bytes into the IS-IS header.
        return and(this.proto(ISO10589_ISIS, 'iso', 'default'), this.cmp('linkpl_nosnap', 4, B, v));
      case 'arp':
      case 'rarp':
        return this.fail(`${p} does not encapsulate another protocol`);
      case 'atalk':
      case 'decnet':
        return this.fail(`${p === 'atalk' ? 'AppleTalk' : 'DECNET'} encapsulation is not specifiable`);
      case 'lat':
      case 'sca':
      case 'moprc':
      case 'mopdl':
        return this.fail(`${p.toUpperCase()} does not encapsulate another protocol`);
      case 'clnp':
        return this.fail("'clnp proto' is not supported");
      default:
        return this.fail(`'${p} proto' is bogus`);
    }
  }

  // ---- ids: addresses, ports, protocol numbers (gen_scode, gen_ncode, gen_mcode, gen_mcode6, gen_ecode) ----

  private id(e: Extract<Expr, { t: 'id' }>): Cond {
    const q = e.q;
    const v = e.v;
    if (q.undef) {
      // grammar.y's qerr: an id with no term before it to inherit qualifiers from (`tcp or 22`).
      return this.fail('syntax error: no qualifier such as host, net or port applies here');
    }
    switch (v.k) {
      case 'name':
        return this.scode(v.s, q);
      case 'num':
        return this.ncode(null, v.n, q);
      case 'hid':
        if (q.addr === 'port' || q.addr === 'portrange' || q.addr === 'proto' || q.addr === 'protochain') {
          return this.fail(`'${q.addr}' modifier applied to ip host`);
        }
        return this.ncode(v.s, 0, q);
      case 'hidlen':
        return this.mcode(v.s, null, v.len, q);
      case 'hidmask':
        return this.mcode(v.s, v.mask, 0, q);
      case 'hid6':
        return this.mcode6(v.s, 128, q);
      case 'hid6len':
        return this.mcode6(v.s, v.len, q);
      case 'eid':
        if ((q.addr === 'host' || q.addr === 'default') && q.proto === 'link') {
          if (this.dlt !== DLT_EN10MB) return this.fail('ethernet addresses are supported only on Ethernet (of the link types synack filters)');
          return this.ehostop(etherAton(v.s), q.dir);
        }
        return this.fail('ethernet address used in non-ether expression');
      case 'aid':
        return this.fail('ARCnet addresses are supported only on ARCnet');
    }
  }

  private scode(name: string, q: Exclude<Qual, { undef: true }>): Cond {
    const { proto, dir } = q;
    switch (q.addr) {
      case 'net':
        return this.fail(`network names are not resolved: give a network number instead of '${name}'`);
      case 'default':
      case 'host':
        if (proto === 'link') return this.fail(`Ethernet host names are not resolved: give a MAC address instead of '${name}'`);
        return this.fail(`host names are not resolved: give an address instead of '${name}'`);
      case 'port': {
        this.portQualifier(proto, 'port');
        const r = nameToPort(name);
        if (r === null) return this.fail(`port '${name}' unknown`);
        const real = this.restrictPort(proto, r.proto, `port '${name}'`);
        return or(this.port6(r.port, r.port, real, dir, true), this.port(r.port, r.port, real, dir, true));
      }
      case 'portrange': {
        this.portQualifier(proto, 'portrange');
        const r = nameToPortRange(name);
        if (r === null) return this.fail(`unknown port in range '${name}'`);
        const real = this.restrictPort(proto, r.proto, `port in range '${name}'`);
        for (const p of [r.lo, r.hi]) {
          if (p < 0) this.fail(`illegal port number ${p} < 0`);
          if (p > 65535) this.fail(`illegal port number ${p} > 65535`);
        }
        return or(this.port6(r.lo, r.hi, real, dir, false), this.port(r.lo, r.hi, real, dir, false));
      }
      case 'gateway':
        return this.fail("'gateway' is not supported (it needs host name resolution)");
      case 'proto':
        return this.proto(this.lookupProto(name, proto), proto, dir);
      case 'protochain':
        return this.fail("'protochain' is not supported");
    }
  }

  /** Which transport a port test covers: the qualifier's, checked against what the services file says the name is. */
  private restrictPort(proto: Proto, found: PortProto, what: string): PortProto | 'sctp' {
    if (proto === 'udp' || proto === 'tcp') {
      if (found !== 'any' && found !== proto) this.fail(`${what} is ${found}`);
      return proto;
    }
    if (proto === 'sctp') {
      if (found !== 'any') this.fail(`${what} is ${found}`);
      return 'sctp';
    }
    return found;
  }

  private portQualifier(proto: Proto, word: string): void {
    if (proto !== 'default' && proto !== 'udp' && proto !== 'tcp' && proto !== 'sctp') this.fail(`illegal qualifier of '${word}'`);
  }

  /** lookup_proto: /etc/protocols for IP, libpcap's table for Ethernet, three names for OSI. */
  private lookupProto(name: string, proto: Proto): number {
    let v = -1;
    switch (proto) {
      case 'default':
      case 'ip':
      case 'ip6':
        v = nameToProto(name);
        if (v < 0) this.fail(`unknown ip proto '${name}'`);
        return v;
      case 'link':
        v = nameToEtherProto(name);
        if (v < 0) this.fail(`unknown ether proto '${name}'`);
        return v;
      case 'iso':
        v = name === 'esis' ? ISO9542_ESIS : name === 'isis' ? ISO10589_ISIS : name === 'clnp' ? ISO8473_CLNP : -1;
        if (v < 0) this.fail(`unknown osi proto '${name}'`);
        return v;
      default:
        return this.fail(`unknown protocol: ${name}`);
    }
  }

  private ncode(s: string | null, n: number, q: Exclude<Qual, { undef: true }>): Cond {
    const { proto, dir } = q;
    let v = n >>> 0;
    let vlen = 32;
    if (s !== null) {
      if (proto === 'decnet') return this.fail('DECnet addresses are not supported');
      const r = atoin(s);
      if (r === null) return this.fail(`invalid IPv4 address '${s}'`);
      v = r.v;
      vlen = r.len;
    }
    switch (q.addr) {
      case 'default':
      case 'host':
      case 'net': {
        if (proto === 'decnet') return this.fail('DECnet addresses are not supported');
        if (proto === 'link') return this.fail('illegal link layer address');
        let mask = 0xffffffff;
        if (s === null && q.addr === 'net') {
          // A bare number as a network: `net 10` is 10.0.0.0/8, `net 172.16` is written with dots.
          while (v !== 0 && (v & 0xff000000) === 0) {
            v = (v << 8) >>> 0;
            mask = (mask << 8) >>> 0;
          }
        } else {
          // `host 10.1` and `net 10.1` both mean 10.1.0.0/16.
          v = (v << (32 - vlen)) >>> 0;
          mask = (mask << (32 - vlen)) >>> 0;
        }
        return this.host(v, mask, proto, dir, q.addr);
      }
      case 'port':
      case 'portrange': {
        this.portQualifier(proto, q.addr);
        if (v > 65535) return this.fail(`illegal port number ${v} > 65535`);
        const real: PortProto | 'sctp' = proto === 'default' ? 'any' : proto === 'tcp' ? 'tcp' : proto === 'udp' ? 'udp' : 'sctp';
        return or(this.port6(v, v, real, dir, q.addr === 'port'), this.port(v, v, real, dir, q.addr === 'port'));
      }
      case 'gateway':
        return this.fail("'gateway' requires a name");
      case 'proto':
        return this.proto(v, proto, dir);
      case 'protochain':
        return this.fail("'protochain' is not supported");
    }
  }

  private mcode(s1: string, s2: string | null, masklen: number, q: Exclude<Qual, { undef: true }>): Cond {
    const a = atoin(s1);
    if (a === null) return this.fail(`invalid IPv4 address '${s1}'`);
    const n = (a.v << (32 - a.len)) >>> 0;
    let m: number;
    if (s2 !== null) {
      const b = atoin(s2);
      if (b === null) return this.fail(`invalid IPv4 address '${s2}'`);
      m = (b.v << (32 - b.len)) >>> 0;
      if ((n & ~m) !== 0) this.fail(`non-network bits set in "${s1} mask ${s2}"`);
    } else {
      if (masklen > 32) this.fail('mask length must be <= 32');
      m = masklen === 0 ? 0 : (0xffffffff << (32 - masklen)) >>> 0;
      if ((n & ~m) !== 0) this.fail(`non-network bits set in "${s1}/${masklen}"`);
    }
    if (q.addr !== 'net') return this.fail('Mask syntax for networks only');
    return this.host(n, m, q.proto, q.dir, 'net');
  }

  private mcode6(s: string, masklen: number, q: Exclude<Qual, { undef: true }>): Cond {
    const addr = parseIPv6(s)!;
    if (masklen > 128) this.fail('mask length must be <= 128');
    const mask = new Uint8Array(16);
    for (let i = 0; i < 16; i++) mask[i] = masklen >= 8 * (i + 1) ? 0xff : masklen > 8 * i ? (0xff << (8 - (masklen - 8 * i))) & 0xff : 0;
    if (addr.some((b, i) => (b & ~mask[i]) !== 0)) this.fail(`non-network bits set in "${s}/${masklen}"`);
    switch (q.addr) {
      case 'default':
      case 'host':
        if (masklen !== 128) this.fail('Mask syntax for networks only');
        return this.host6(addr, mask, q.proto, q.dir, 'host');
      case 'net':
        return this.host6(addr, mask, q.proto, q.dir, 'net');
      default:
        return this.fail('invalid qualifier against IPv6 address');
    }
  }

  // ---- hosts and networks (gen_host, gen_hostop, gen_host6, gen_hostop6, gen_ehostop) ----

  private host(addr: number, mask: number, proto: Proto, dir: Dir, type: string): Cond {
    const what = type === 'net' ? 'net' : 'host';
    switch (proto) {
      case 'default': {
        const ip = this.host(addr, mask, 'ip', dir, type);
        // Inside MPLS only IPv4 is looked at.
        if (this.labelDepth > 0) return ip;
        const arp = this.host(addr, mask, 'arp', dir, type);
        return or(or(ip, arp), this.host(addr, mask, 'rarp', dir, type));
      }
      case 'link':
        return this.fail(`link-layer modifier applied to ${what}`);
      case 'ip':
        return this.hostop(addr, mask, dir, ETHERTYPE_IP, 12, 16);
      case 'arp':
        // Sender and target protocol addresses of an Ethernet/IPv4 ARP packet.
        return this.hostop(addr, mask, dir, ETHERTYPE_ARP, 14, 24);
      case 'rarp':
        return this.hostop(addr, mask, dir, ETHERTYPE_REVARP, 14, 24);
      case 'ip6':
        return this.fail("'ip6' modifier applied to ip host");
      case 'atalk':
      case 'lat':
      case 'sca':
      case 'moprc':
      case 'mopdl':
      case 'aarp':
      case 'iso':
      case 'ipx':
      case 'decnet':
        return this.fail(`${proto.toUpperCase()} host filtering not implemented`);
      default:
        return this.fail(`'${proto}' modifier applied to ${what}`);
    }
  }

  private dirError(dir: Dir, forPorts: boolean): never {
    const n = dir.startsWith('addr') ? dir.slice(4) : '';
    const words = n !== '' ? `'addr${n}' and 'address${n}' are` : `'${dir}' is`;
    return this.fail(forPorts ? `${words} not valid qualifier${n !== '' ? 's' : ''} for ports` : `${words} only supported on 802.11 with 802.11 headers`);
  }

  private hostop(addr: number, mask: number, dir: Dir, llProto: number, srcOff: number, dstOff: number): Cond {
    switch (dir) {
      case 'src':
        return and(this.linktype(llProto), this.mcmp('linkpl', srcOff, W, addr, mask));
      case 'dst':
        return and(this.linktype(llProto), this.mcmp('linkpl', dstOff, W, addr, mask));
      case 'and':
        return and(this.hostop(addr, mask, 'src', llProto, srcOff, dstOff), this.hostop(addr, mask, 'dst', llProto, srcOff, dstOff));
      case 'default':
      case 'or':
        return or(this.hostop(addr, mask, 'src', llProto, srcOff, dstOff), this.hostop(addr, mask, 'dst', llProto, srcOff, dstOff));
      default:
        return this.dirError(dir, false);
    }
  }

  private host6(addr: Uint8Array, mask: Uint8Array, proto: Proto, dir: Dir, type: string): Cond {
    switch (proto) {
      case 'default':
      case 'ip6':
        return this.hostop6(addr, mask, dir, 8, 24);
      case 'link':
        return this.fail(`link-layer modifier applied to ip6 ${type}`);
      default:
        return this.fail(`'${proto}' modifier applied to ip6 ${type}`);
    }
  }

  private hostop6(addr: Uint8Array, mask: Uint8Array, dir: Dir, srcOff: number, dstOff: number): Cond {
    const word = (b: Uint8Array, i: number): number => ((b[4 * i] << 24) | (b[4 * i + 1] << 16) | (b[4 * i + 2] << 8) | b[4 * i + 3]) >>> 0;
    const one = (off: number): Cond => {
      let words = this.mcmp('linkpl', off + 12, W, word(addr, 3), word(mask, 3));
      for (let i = 2; i >= 0; i--) words = and(this.mcmp('linkpl', off + 4 * i, W, word(addr, i), word(mask, i)), words);
      return and(this.linktype(ETHERTYPE_IPV6), words);
    };
    switch (dir) {
      case 'src':
        return one(srcOff);
      case 'dst':
        return one(dstOff);
      case 'and':
        return and(one(srcOff), one(dstOff));
      case 'default':
      case 'or':
        return or(one(srcOff), one(dstOff));
      default:
        return this.dirError(dir, false);
    }
  }

  private ehostop(eaddr: readonly number[], dir: Dir): Cond {
    switch (dir) {
      case 'src':
        return this.bcmp('linkhdr', 6, eaddr);
      case 'dst':
        return this.bcmp('linkhdr', 0, eaddr);
      case 'and':
        return and(this.bcmp('linkhdr', 6, eaddr), this.bcmp('linkhdr', 0, eaddr));
      case 'default':
      case 'or':
        return or(this.bcmp('linkhdr', 6, eaddr), this.bcmp('linkhdr', 0, eaddr));
      default:
        return this.dirError(dir, false);
    }
  }

  // ---- ports (gen_port, gen_portop, gen_port6, gen_portrange...) ----

  /** Not a fragment other than the first: the fragment offset is zero (gen_ipfrag). */
  private ipfrag(): Cond {
    return not(test(this.loadA('linkpl', 6, H), JSET, 0x1fff));
  }

  /** One port or range test at `off` in the transport header. */
  private portAtom(rel: 'tran4' | 'tran6', off: number, lo: number, hi: number, single: boolean): Cond {
    if (single) return this.cmp(rel, off, H, lo);
    const [a, b] = lo > hi ? [hi, lo] : [lo, hi];
    return and(this.cmpGe(rel, off, H, a), not(this.cmpGt(rel, off, H, b)));
  }

  private portDir(rel: 'tran4' | 'tran6', lo: number, hi: number, dir: Dir, single: boolean): Cond {
    switch (dir) {
      case 'src':
        return this.portAtom(rel, 0, lo, hi, single);
      case 'dst':
        return this.portAtom(rel, 2, lo, hi, single);
      case 'and':
        return and(this.portAtom(rel, 0, lo, hi, single), this.portAtom(rel, 2, lo, hi, single));
      case 'default':
      case 'or':
        return or(this.portAtom(rel, 0, lo, hi, single), this.portAtom(rel, 2, lo, hi, single));
      default:
        return this.dirError(dir, true);
    }
  }

  /** Each transport `real` covers, in gencode.c's order: SCTP, TCP, UDP. */
  private transports(real: PortProto | 'sctp', one: (ipProto: number) => Cond): Cond {
    switch (real) {
      case 'tcp':
        return one(IPPROTO_TCP);
      case 'udp':
        return one(IPPROTO_UDP);
      case 'sctp':
        return one(IPPROTO_SCTP);
      case 'any':
        return or(one(IPPROTO_SCTP), or(one(IPPROTO_TCP), one(IPPROTO_UDP)));
    }
  }

  /** IPv4: protocol, first fragment, then the port fields past the IHL-sized header. */
  private port(lo: number, hi: number, real: PortProto | 'sctp', dir: Dir, single: boolean): Cond {
    const b0 = this.linktype(ETHERTYPE_IP);
    return and(b0, this.transports(real, (p) => and(and(this.cmp('linkpl', 9, B, p), this.ipfrag()), this.portDir('tran4', lo, hi, dir, single))));
  }

  /** IPv6: the fixed header's next header only, so a port behind an extension header never matches (libpcap's behaviour). */
  private port6(lo: number, hi: number, real: PortProto | 'sctp', dir: Dir, single: boolean): Cond {
    const b0 = this.linktype(ETHERTYPE_IPV6);
    return and(b0, this.transports(real, (p) => and(this.cmp('linkpl', 6, B, p), this.portDir('tran6', lo, hi, dir, single))));
  }

  // ---- broadcast, multicast, byte, direction ----

  private broadcast(proto: Proto): Cond {
    switch (proto) {
      case 'default':
      case 'link':
        if (this.dlt !== DLT_EN10MB) return this.fail('not a broadcast link');
        return this.ehostop([0xff, 0xff, 0xff, 0xff, 0xff, 0xff], 'dst');
      case 'ip': {
        // All-zeros or all-ones host part of the destination, for the netmask given.
        const hostmask = ~(this.opts.netmask ?? 0) >>> 0;
        return and(this.linktype(ETHERTYPE_IP), or(this.mcmp('linkpl', 16, W, 0, hostmask), this.mcmp('linkpl', 16, W, hostmask, hostmask)));
      }
      default:
        return this.fail('only link-layer/IP broadcast filters supported');
    }
  }

  private multicast(proto: Proto): Cond {
    switch (proto) {
      case 'default':
      case 'link':
        // The group bit of the destination MAC address.
        if (this.dlt === DLT_EN10MB) return test(this.loadA('linkhdr', 0, B), JSET, 1);
        break;
      case 'ip':
        return and(this.linktype(ETHERTYPE_IP), this.cmpGe('linkpl', 16, B, 224));
      case 'ip6':
        return and(this.linktype(ETHERTYPE_IPV6), this.cmp('linkpl', 24, B, 255));
    }
    return this.fail('link-layer multicast filters supported only on ethernet/FDDI/token ring/ARCNET/802.11/ATM LANE/Fibre Channel');
  }

  /**
   * gen_byteop: a byte of the link header. For `&` and `|` libpcap 1.10
   * emits no load, so the test uses whatever A last held; kept as it is.
   */
  private byteOp(op: string, index: number, value: number): Cond {
    switch (op) {
      case '=':
        return this.cmp('linkhdr', index, B, value);
      case '<':
        return not(this.cmpGe('linkhdr', index, B, value));
      case '>':
        return this.cmpGt('linkhdr', index, B, value);
      default:
        return not(test([stmt(BPF_ALU | (op === '&' ? BPF_AND : BPF_OR) | BPF_K, value)], JEQ, 0));
    }
  }

  /** The packet type of the cooked headers (Linux's PACKET_OUTGOING); other link types have no direction in their bytes. */
  private inbound(outbound: boolean): Cond {
    let b: Cond;
    if (this.dlt === DLT_SLIP) {
      // SLIP's pseudo-header starts with the direction, 0 for received: gencode.c builds `link[0] = 0`,
      // its arguments evaluated right to left (so the constant gets the first register).
      const zero = this.arith({ t: 'num', n: 0, pos: this.pos });
      const byte0 = this.load('link', this.arith({ t: 'num', n: 0, pos: this.pos }), 1, this.pos, this.pos);
      return this.compare('jeq', outbound, byte0, zero);
    }
    if (this.dlt === DLT_LINUX_SLL) b = this.cmp('linkhdr', 0, H, LINUX_SLL_OUTGOING);
    else if (this.dlt === DLT_LINUX_SLL2) b = this.cmp('linkhdr', 10, B, LINUX_SLL_OUTGOING);
    else return this.fail(`inbound/outbound not supported on ${this.description} when reading savefiles`);
    return outbound ? b : not(b);
  }

  // ---- encapsulations that move the offsets of everything after them ----

  private vlan(n: number | null): Cond {
    if (this.labelDepth > 0) this.fail('no VLAN match after MPLS');
    if (this.dlt !== DLT_EN10MB) this.fail(`no VLAN support for ${this.description}`);
    // 802.1Q, 802.1ad and the old QinQ type, without the BPF extensions libpcap uses only when capturing live.
    let b = or(or(this.linktype(ETHERTYPE_8021Q), this.linktype(ETHERTYPE_8021AD)), this.linktype(ETHERTYPE_8021QINQ));
    if (n !== null) {
      if (n > 0x0fff) this.fail(`VLAN tag ${n} greater than maximum 4095`);
      b = and(b, this.mcmp('linkpl', 0, H, n, 0x0fff));
    }
    this.offLinkPl += 4;
    this.offLinkType += 4;
    return b;
  }

  private mpls(n: number | null): Cond {
    let b: Cond;
    if (this.labelDepth > 0) {
      // Not the bottom of the stack: the previous label's S bit is clear.
      b = this.mcmp('prevmpls', 2, B, 0, 0x01);
    } else if (this.dlt === DLT_EN10MB || this.dlt === DLT_C_HDLC) {
      b = this.linktype(ETHERTYPE_MPLS);
    } else if (this.dlt === DLT_PPP) {
      b = this.linktype(PPP_MPLS_UCAST);
    } else {
      return this.fail(`no MPLS support for ${this.description}`);
    }
    if (n !== null) {
      if (n > 0xfffff) this.fail(`MPLS label ${n} greater than maximum 1048575`);
      b = and(b, this.mcmp('linkpl', 0, W, (n << 12) >>> 0, 0xfffff000));
    }
    this.offNlNoSnap += 4;
    this.offNl += 4;
    this.labelDepth++;
    return b;
  }

  /** PPPoE session: what follows is PPP, 6 bytes into the payload (gen_pppoes). */
  private pppoes(n: number | null): Cond {
    let b = this.linktype(ETHERTYPE_PPPOES);
    if (n !== null) {
      if (n > 0xffff) this.fail(`PPPoE session number ${n} greater than maximum 65535`);
      b = and(b, this.mcmp('linkpl', 0, W, n, 0x0000ffff));
    }
    const ppp = this.offLinkPl + this.offNl + 6;
    this.dlt = DLT_PPP;
    this.description = 'PPP';
    this.offLinkHdr = ppp;
    this.offLinkType = ppp;
    this.offLinkPl = ppp + 2;
    this.offNl = 0;
    this.offNlNoSnap = 0;
    return b;
  }

  // ---- arithmetic and relations (gen_loadi, gen_load, gen_arth, gen_neg, gen_relation) ----

  /** alloc_reg: round-robin over the scratch words, as libpcap hands them out. */
  private allocReg(): number {
    for (let n = 0; n < BPF_MEMWORDS; n++) {
      if (!this.regUsed[this.curReg]) {
        this.regUsed[this.curReg] = true;
        return this.curReg;
      }
      this.curReg = (this.curReg + 1) % BPF_MEMWORDS;
    }
    return this.fail('too many registers needed to evaluate expression');
  }

  private freeReg(n: number): void {
    this.regUsed[n] = false;
  }

  private relation(op: 'jgt' | 'jge' | 'jeq', reversed: boolean, l: Arith, r: Arith): Cond {
    const pos = this.pos;
    const a0 = this.arith(l);
    const a1 = this.arith(r);
    this.pos = pos;
    return this.compare(op, reversed, a0, a1);
  }

  private compare(op: 'jgt' | 'jge' | 'jeq', reversed: boolean, a0: Arth, a1: Arth): Cond {
    const s = [...a0.stmts, ...a1.stmts, stmt(BPF_LDX | BPF_MEM, a1.reg), stmt(BPF_LD | BPF_MEM, a0.reg)];
    let b: Cond;
    if (op === 'jeq') {
      // A - X == 0 rather than A == X: what gencode.c emits (the optimiser turns it back).
      s.push(stmt(BPF_ALU | BPF_SUB | BPF_X));
      b = test(s, JEQ, 0);
    } else {
      b = test(s, BPF_JMP | (op === 'jgt' ? BPF_JGT : BPF_JGE) | BPF_X, 0);
    }
    if (reversed) b = not(b);
    this.freeReg(a0.reg);
    this.freeReg(a1.reg);
    const checks = a0.checks !== null ? (a1.checks !== null ? and(a0.checks, a1.checks) : a0.checks) : a1.checks;
    return checks !== null ? and(checks, b) : b;
  }

  private arith(a: Arith): Arth {
    this.pos = a.pos;
    switch (a.t) {
      case 'num': {
        const reg = this.allocReg();
        return { stmts: [stmt(BPF_LD | BPF_IMM, a.n), stmt(BPF_ST, reg)], checks: null, reg, konst: a.n >>> 0 };
      }
      case 'len': {
        const reg = this.allocReg();
        return { stmts: [stmt(BPF_LD | BPF_W | BPF_LEN), stmt(BPF_ST, reg)], checks: null, reg, konst: null };
      }
      case 'neg': {
        const v = this.arith(a.a);
        const konst = v.konst === null ? null : -v.konst >>> 0;
        return { stmts: [...v.stmts, stmt(BPF_LD | BPF_MEM, v.reg), stmt(BPF_ALU | BPF_NEG), stmt(BPF_ST, v.reg)], checks: v.checks, reg: v.reg, konst };
      }
      case 'load':
        return this.load(a.proto, this.arith(a.index), a.size, a.pos, a.sizePos);
      case 'bin': {
        const a0 = this.arith(a.l);
        const a1 = this.arith(a.r);
        this.pos = a.pos;
        const code = ALU_OPS[a.op];
        // gencode.c refuses these when the right operand's code starts with a constant (so `x / (0 + 5)` too).
        const first = a1.stmts[0];
        const k = first.code === (BPF_LD | BPF_IMM) ? first.k >>> 0 : -1;
        if (code === BPF_DIV && k === 0) this.fail('division by zero');
        if (code === BPF_MOD && k === 0) this.fail('modulus by zero');
        if ((code === BPF_LSH || code === BPF_RSH) && k > 31) this.fail('shift by more than 31 bits');
        const konst = this.fold(code, a0.konst, a1.konst);
        const stmts = [...a0.stmts, ...a1.stmts, stmt(BPF_LDX | BPF_MEM, a1.reg), stmt(BPF_LD | BPF_MEM, a0.reg), stmt(BPF_ALU | code | BPF_X)];
        this.freeReg(a0.reg);
        this.freeReg(a1.reg);
        const reg = this.allocReg();
        stmts.push(stmt(BPF_ST, reg));
        // gen_arth keeps the left operand's tests only: in `ip[0] + tcp[1] = 5` nothing checks for TCP, and libpcap loads tcp[1] anyway.
        return { stmts, checks: a0.checks, reg, konst };
      }
    }
  }

  /**
   * What optimize.c knows of `a op b` (opt_stmt, fold_op): constants fold,
   * `x & 0` and `x * 0` are 0; and what it refuses once it knows the
   * right operand: a zero divisor, and a shift of a non-constant by more
   * than 31 (a constant shifted that far folds to 0).
   */
  private fold(code: number, a: number | null, b: number | null): number | null {
    if (b === null) return null;
    if (this.opts.optimize !== false) {
      if (b === 0 && code === BPF_DIV) this.fail('division by zero');
      if (b === 0 && code === BPF_MOD) this.fail('modulus by zero');
      if (a === null && (code === BPF_LSH || code === BPF_RSH) && b > 31) this.fail('shift by more than 31 bits');
    }
    if (a === null) return b === 0 && (code === BPF_AND || code === BPF_MUL) ? 0 : null;
    return foldAlu(code, a, b);
  }

  /** proto[index:size]: relative to the link header, the network header, or (IPv4 only) the transport header. */
  private load(proto: Proto, inst: Arth, size: number, pos: number, sizePos: number): Arth {
    this.pos = pos;
    const reg = this.allocReg();
    this.freeReg(inst.reg);
    const sizeCode = size === 1 ? B : size === 2 ? H : size === 4 ? W : this.fail('data size must be 1, 2, or 4', sizePos);
    const ldx = stmt(BPF_LDX | BPF_MEM, inst.reg);
    let stmts: Stmt[];
    let checks: Cond | null;
    switch (proto) {
      case 'radio':
        return this.fail('radio information not present in capture');
      case 'link':
        stmts = [...inst.stmts, ldx, stmt(BPF_LD | BPF_IND | sizeCode, this.offLinkHdr)];
        checks = inst.checks;
        break;
      case 'ip':
      case 'arp':
      case 'rarp':
      case 'atalk':
      case 'decnet':
      case 'sca':
      case 'lat':
      case 'moprc':
      case 'mopdl':
      case 'ip6': {
        stmts = [...inst.stmts, ldx, stmt(BPF_LD | BPF_IND | sizeCode, this.offLinkPl + this.offNl)];
        const b = this.protoAbbrev(proto);
        checks = inst.checks !== null ? and(inst.checks, b) : b;
        break;
      }
      case 'sctp':
      case 'tcp':
      case 'udp':
      case 'icmp':
      case 'igmp':
      case 'igrp':
      case 'pim':
      case 'vrrp':
      case 'carp': {
        // The transport header is found by the IPv4 header length, so these loads only work on IPv4: libpcap requires `ip` first.
        const nl = this.offLinkPl + this.offNl;
        stmts = [...inst.stmts, stmt(BPF_LDX | BPF_B | BPF_MSH, nl), stmt(BPF_LD | BPF_MEM, inst.reg), stmt(BPF_ALU | BPF_ADD | BPF_X),
          stmt(BPF_MISC | BPF_TAX), stmt(BPF_LD | BPF_IND | sizeCode, nl)];
        let b = and(this.protoAbbrev(proto), this.ipfrag());
        if (inst.checks !== null) b = and(inst.checks, b);
        checks = and(this.protoAbbrev('ip'), b);
        break;
      }
      case 'icmp6': {
        // A fixed 40-byte IPv6 header whose next header is ICMPv6.
        let b = this.protoAbbrev('ip6');
        if (inst.checks !== null) b = and(inst.checks, b);
        checks = and(b, this.cmp('linkpl', 6, B, IPPROTO_ICMPV6));
        stmts = [...inst.stmts, ldx, stmt(BPF_LD | BPF_IND | sizeCode, this.offLinkPl + this.offNl + 40)];
        break;
      }
      default:
        return this.fail('unsupported index operation');
    }
    stmts.push(stmt(BPF_ST, reg));
    return { stmts, checks, reg, konst: null };
  }
}

/** __pcap_atoin: dotted decimal with 1 to 4 parts; the bit length is 8 per part. Hex digits are not decimal: libpcap refuses or misreads them alike. */
function atoin(s: string): { v: number; len: number } | null {
  let addr = 0;
  let len = 0;
  let i = 0;
  for (;;) {
    let n = 0;
    while (i < s.length && s[i] !== '.') {
      if (n > 25) return null;
      n = n * 10 + s.charCodeAt(i++) - 48;
    }
    if (n > 255) return null;
    addr = ((addr << 8) | (n & 0xff)) >>> 0;
    len += 8;
    if (i >= s.length) return { v: addr, len };
    i++;
  }
}

/** pcap_ether_aton: pairs of hex digits, any of ':', '.', '-' between them. */
function etherAton(s: string): number[] {
  const out: number[] = [];
  let i = 0;
  const hex = (c: string | undefined): boolean => c !== undefined && /[0-9A-Fa-f]/.test(c);
  while (i < s.length) {
    if (s[i] === ':' || s[i] === '.' || s[i] === '-') i++;
    let d = parseInt(s[i++], 16);
    if (hex(s[i])) d = (d << 4) | parseInt(s[i++], 16);
    out.push(d);
  }
  return out.slice(0, 6);
}
