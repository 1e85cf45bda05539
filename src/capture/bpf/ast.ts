/**
 * What the parser hands to the code generator: libpcap's grammar.y reduced
 * to a tree. Qualifiers are resolved as grammar.y resolves them (an `id`
 * after and/or inherits the qualifiers of the term before it), so each
 * leaf carries everything gencode.c's gen_scode/gen_ncode/... would see.
 */

/** Protocol qualifier (gencode.h's Q_LINK, Q_IP, ...), named as pcap-filter(7) writes it. */
export type Proto =
  | 'default' | 'link' | 'ip' | 'arp' | 'rarp' | 'sctp' | 'tcp' | 'udp' | 'icmp' | 'igmp' | 'igrp' | 'atalk' | 'decnet'
  | 'lat' | 'sca' | 'moprc' | 'mopdl' | 'ip6' | 'icmp6' | 'ah' | 'esp' | 'pim' | 'vrrp' | 'aarp' | 'iso' | 'esis'
  | 'isis' | 'clnp' | 'stp' | 'ipx' | 'netbeui' | 'l1' | 'l2' | 'iih' | 'lsp' | 'snp' | 'csnp' | 'psnp' | 'radio' | 'carp';

/** Direction qualifier. */
export type Dir = 'default' | 'src' | 'dst' | 'or' | 'and' | 'addr1' | 'addr2' | 'addr3' | 'addr4' | 'ra' | 'ta';

/** Address-type qualifier. */
export type Addr = 'default' | 'host' | 'net' | 'port' | 'portrange' | 'proto' | 'protochain' | 'gateway';

/** The qualifiers an id is read with; `undef` is grammar.y's qerr (no term before to inherit from). */
export type Qual = { readonly undef: false; readonly proto: Proto; readonly dir: Dir; readonly addr: Addr } | { readonly undef: true };

export const QERR: Qual = { undef: true };

/** What an id is, as the scanner classified it. */
export type IdValue =
  | { readonly k: 'name'; readonly s: string }
  | { readonly k: 'num'; readonly n: number }
  | { readonly k: 'hid'; readonly s: string }
  | { readonly k: 'hidlen'; readonly s: string; readonly len: number }
  | { readonly k: 'hidmask'; readonly s: string; readonly mask: string }
  | { readonly k: 'hid6'; readonly s: string }
  | { readonly k: 'hid6len'; readonly s: string; readonly len: number }
  | { readonly k: 'eid'; readonly s: string }
  | { readonly k: 'aid'; readonly s: string };

/** An arithmetic expression (grammar.y's arth). */
export type Arith =
  | { readonly t: 'num'; readonly n: number; readonly pos: number }
  | { readonly t: 'len'; readonly pos: number }
  | { readonly t: 'load'; readonly proto: Proto; readonly index: Arith; readonly size: number; readonly pos: number; readonly sizePos: number }
  | { readonly t: 'bin'; readonly op: ArithOp; readonly l: Arith; readonly r: Arith; readonly pos: number }
  | { readonly t: 'neg'; readonly a: Arith; readonly pos: number };

export type ArithOp = '+' | '-' | '*' | '/' | '%' | '&' | '|' | '^' | '<<' | '>>';

/** A filter expression. `pos` is the 0-based column an error about the node points at. */
export type Expr =
  | { readonly t: 'and' | 'or'; readonly l: Expr; readonly r: Expr }
  | { readonly t: 'not'; readonly e: Expr }
  | { readonly t: 'id'; readonly q: Qual; readonly v: IdValue; readonly pos: number }
  | { readonly t: 'abbrev'; readonly proto: Proto; readonly pos: number }
  | { readonly t: 'rel'; readonly op: 'jgt' | 'jge' | 'jeq'; readonly reversed: boolean; readonly l: Arith; readonly r: Arith; readonly pos: number }
  | { readonly t: 'broadcast' | 'multicast'; readonly proto: Proto; readonly pos: number }
  | { readonly t: 'less' | 'greater'; readonly n: number; readonly pos: number }
  | { readonly t: 'byte'; readonly index: number; readonly op: string; readonly value: number; readonly pos: number }
  | { readonly t: 'inbound' | 'outbound' | 'pppoed'; readonly pos: number }
  | { readonly t: 'ifindex'; readonly n: number; readonly pos: number }
  | { readonly t: 'vlan' | 'mpls' | 'pppoes'; readonly n: number | null; readonly pos: number };
