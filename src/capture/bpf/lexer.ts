/**
 * The scanner of libpcap 1.10's scanner.l, rule for rule: flex takes the
 * longest match and, between matches of equal length, the rule listed
 * first. That is why `tcp` is a keyword but `tcpx` a name, `10.1` an
 * address but `10.1.2.3.4` a name, `tcp-syn` the number 2, and why `80`
 * is a number while `20-21` is a name (which portrange then splits).
 * Keywords are case-sensitive, as in flex without -i.
 */
import { BpfError } from './errors';

export interface Token {
  /** yacc token name ('NUM', 'ID', 'HID', 'HID6', 'EID', 'AID', a keyword such as 'HOST', an operator such as '(' or 'GEQ', 'EOF'). */
  readonly kind: string;
  /** The text as written (for ID after a backslash, without the backslash). */
  readonly text: string;
  /** 0-based column of the token's first character. */
  readonly pos: number;
  /** Value of a NUM. */
  readonly num: number;
  /** Set when the scanner itself refused the text (libpcap reports these when the parser reaches them). */
  readonly error: string | null;
}

/** scanner.l's keywords and the tokens they return. */
const KEYWORDS: Record<string, string> = {
  dst: 'DST', src: 'SRC',
  link: 'LINK', ether: 'LINK', ppp: 'LINK', slip: 'LINK', fddi: 'LINK', tr: 'LINK', wlan: 'LINK',
  arp: 'ARP', rarp: 'RARP', ip: 'IP', sctp: 'SCTP', tcp: 'TCP', udp: 'UDP', icmp: 'ICMP', igmp: 'IGMP', igrp: 'IGRP',
  pim: 'PIM', vrrp: 'VRRP', carp: 'CARP', radio: 'RADIO',
  ip6: 'IPV6', icmp6: 'ICMPV6', ah: 'AH', esp: 'ESP',
  atalk: 'ATALK', aarp: 'AARP', decnet: 'DECNET', lat: 'LAT', sca: 'SCA', moprc: 'MOPRC', mopdl: 'MOPDL',
  iso: 'ISO', esis: 'ESIS', 'es-is': 'ESIS', isis: 'ISIS', 'is-is': 'ISIS',
  l1: 'L1', l2: 'L2', iih: 'IIH', lsp: 'LSP', snp: 'SNP', csnp: 'CSNP', psnp: 'PSNP',
  clnp: 'CLNP', stp: 'STP', ipx: 'IPX', netbeui: 'NETBEUI',
  host: 'HOST', net: 'NET', mask: 'NETMASK', port: 'PORT', portrange: 'PORTRANGE', proto: 'PROTO', protochain: 'PROTOCHAIN',
  gateway: 'GATEWAY',
  type: 'TYPE', subtype: 'SUBTYPE', direction: 'DIR', dir: 'DIR',
  address1: 'ADDR1', addr1: 'ADDR1', address2: 'ADDR2', addr2: 'ADDR2', address3: 'ADDR3', addr3: 'ADDR3', address4: 'ADDR4', addr4: 'ADDR4',
  ra: 'RA', ta: 'TA',
  less: 'LESS', greater: 'GREATER', byte: 'CBYTE', broadcast: 'TK_BROADCAST', multicast: 'TK_MULTICAST',
  and: 'AND', '&&': 'AND', or: 'OR', '||': 'OR', not: '!',
  len: 'LEN', length: 'LEN', inbound: 'INBOUND', outbound: 'OUTBOUND', ifindex: 'IFINDEX',
  vlan: 'VLAN', mpls: 'MPLS', pppoed: 'PPPOED', pppoes: 'PPPOES', geneve: 'GENEVE',
  lane: 'LANE', llc: 'LLC', metac: 'METAC', bcc: 'BCC', oam: 'OAM', oamf4: 'OAMF4', oamf4ec: 'OAMF4EC', oamf4sc: 'OAMF4SC',
  sc: 'SC', ilmic: 'ILMIC', vpi: 'VPI', vci: 'VCI', connectmsg: 'CONNECTMSG', metaconnect: 'METACONNECT',
  on: 'PF_IFNAME', ifname: 'PF_IFNAME', rset: 'PF_RSET', ruleset: 'PF_RSET', rnr: 'PF_RNR', rulenum: 'PF_RNR',
  srnr: 'PF_SRNR', subrulenum: 'PF_SRNR', reason: 'PF_REASON', action: 'PF_ACTION',
  fisu: 'FISU', lssu: 'LSSU', lsu: 'LSSU', msu: 'MSU', hfisu: 'HFISU', hlssu: 'HLSSU', hmsu: 'HMSU',
  sio: 'SIO', opc: 'OPC', dpc: 'DPC', sls: 'SLS', hsio: 'HSIO', hopc: 'HOPC', hdpc: 'HDPC', hsls: 'HSLS',
};

/** Names the scanner turns into numbers (ICMP/ICMPv6 types, TCP flags: pcap-filter(7)). */
const NUMBER_NAMES: Record<string, number> = {
  icmptype: 0, icmpcode: 1,
  'icmp-echoreply': 0, 'icmp-unreach': 3, 'icmp-sourcequench': 4, 'icmp-redirect': 5, 'icmp-echo': 8,
  'icmp-routeradvert': 9, 'icmp-routersolicit': 10, 'icmp-timxceed': 11, 'icmp-paramprob': 12, 'icmp-tstamp': 13,
  'icmp-tstampreply': 14, 'icmp-ireq': 15, 'icmp-ireqreply': 16, 'icmp-maskreq': 17, 'icmp-maskreply': 18,
  icmp6type: 0, icmp6code: 1,
  'icmp6-destinationunreach': 1, 'icmp6-packettoobig': 2, 'icmp6-timeexceeded': 3, 'icmp6-parameterproblem': 4,
  'icmp6-echo': 128, 'icmp6-echoreply': 129, 'icmp6-multicastlistenerquery': 130, 'icmp6-multicastlistenerreportv1': 131,
  'icmp6-multicastlistenerdone': 132, 'icmp6-routersolicit': 133, 'icmp6-routeradvert': 134, 'icmp6-neighborsolicit': 135,
  'icmp6-neighboradvert': 136, 'icmp6-redirect': 137, 'icmp6-routerrenum': 138, 'icmp6-nodeinformationquery': 139,
  'icmp6-nodeinformationresponse': 140, 'icmp6-ineighbordiscoverysolicit': 141, 'icmp6-ineighbordiscoveryadvert': 142,
  'icmp6-multicastlistenerreportv2': 143, 'icmp6-homeagentdiscoveryrequest': 144, 'icmp6-homeagentdiscoveryreply': 145,
  'icmp6-mobileprefixsolicit': 146, 'icmp6-mobileprefixadvert': 147, 'icmp6-certpathsolicit': 148, 'icmp6-certpathadvert': 149,
  'icmp6-multicastrouteradvert': 151, 'icmp6-multicastroutersolicit': 152, 'icmp6-multicastrouterterm': 153,
  tcpflags: 13, 'tcp-fin': 0x01, 'tcp-syn': 0x02, 'tcp-rst': 0x04, 'tcp-push': 0x08, 'tcp-ack': 0x10, 'tcp-urg': 0x20,
  'tcp-ece': 0x40, 'tcp-cwr': 0x80,
};

const KEYWORD_LIST = Object.keys(KEYWORDS);
const NAME_LIST = Object.keys(NUMBER_NAMES);
const TWO_CHAR = new Map([['>=', 'GEQ'], ['<=', 'LEQ'], ['!=', 'NEQ'], ['==', '='], ['<<', 'LSH'], ['>>', 'RSH']]);
const ONE_CHAR = '+-*/%:[]!<>()&|^=';

// scanner.l's definitions.
const N = '(?:0[xX][0-9A-Fa-f]+|[0-9]+)';
const B = '[0-9A-Fa-f][0-9A-Fa-f]?';
const B2 = '[0-9A-Fa-f]{4}';
const W = '[0-9A-Fa-f]{1,4}';
const V4 = `${N}\\.${N}\\.${N}\\.${N}`;

const sticky = (src: string): RegExp => new RegExp(src, 'y');
const AID_RE = sticky(`\\$${B}`);
const MAC_RES = [
  `${B}:${B}:${B}:${B}:${B}:${B}`, `${B}-${B}-${B}-${B}-${B}-${B}`, `${B}\\.${B}\\.${B}\\.${B}\\.${B}\\.${B}`,
  `${B2}\\.${B2}\\.${B2}`, `${B2}${B2}${B2}`,
].map(sticky);
const N_RE = sticky(N);
const HID_RES = [`${N}\\.${N}\\.${N}\\.${N}`, `${N}\\.${N}\\.${N}`, `${N}\\.${N}`].map(sticky);
const BOGUS_MAC_RE = sticky(`${B}:+(?:${B}:+)+`);
const ID_RE = /[A-Za-z0-9](?:[-_.A-Za-z0-9]*[.A-Za-z0-9])?/y;
const BACKSLASH_RE = /\\[^ !()\n\t]+/y;

/** The IPv6 forms of scanner.l (V680 ... V6004): `g` groups before `::`, `h` after, with or without a trailing IPv4 address. */
const V6_RES: RegExp[] = (() => {
  const groups = (n: number): string => Array.from({ length: n }, () => W).join(':');
  const forms: string[] = [groups(8)];
  for (let total = 7; total >= 0; total--) {
    for (let before = 0; before <= total; before++) {
      const after = total - before;
      forms.push(`${groups(before)}::${groups(after)}`);
    }
  }
  forms.push(`${groups(6)}:${V4}`);
  for (let total = 5; total >= 0; total--) {
    for (let before = 0; before <= total; before++) {
      const after = total - before;
      forms.push(`${groups(before)}::${after > 0 ? groups(after) + ':' : ''}${V4}`);
    }
  }
  return forms.map(sticky);
})();

function matchLen(re: RegExp, s: string, p: number): number {
  re.lastIndex = p;
  const m = re.exec(s);
  return m === null ? 0 : m[0].length;
}

function longest(res: readonly RegExp[], s: string, p: number): number {
  let best = 0;
  for (const re of res) best = Math.max(best, matchLen(re, s, p));
  return best;
}

/** stou(): decimal, 0x hex, or 0-prefixed octal, refusing what does not fit in 32 bits. */
function numberValue(text: string): { num: number; error: string | null } {
  let base = 10;
  let digits = text;
  if (text.length > 1 && text[0] === '0') {
    if (text[1] === 'x' || text[1] === 'X') {
      base = 16;
      digits = text.slice(2);
    } else {
      base = 8;
      digits = text.slice(1);
      if (/[89]/.test(digits)) return { num: 0, error: `number ${text} contains non-octal digit` };
    }
  }
  let n = 0;
  for (const c of digits) {
    n = n * base + parseInt(c, 16);
    if (n > 0xffffffff) return { num: 0, error: `number ${text} overflows 32 bits` };
  }
  return { num: n, error: null };
}

/**
 * An IPv6 address as getaddrinfo(AI_NUMERICHOST) reads it (inet_pton), or
 * null. The scanner's patterns admit a few it refuses (an embedded IPv4
 * part with a byte over 255, hex or a leading zero).
 */
export function parseIPv6(text: string): Uint8Array | null {
  let head = text;
  let v4: number[] | null = null;
  const lastColon = text.lastIndexOf(':');
  const tail = text.slice(lastColon + 1);
  if (tail.includes('.')) {
    const parts = tail.split('.');
    if (parts.length !== 4 || parts.some((q) => !/^(0|[1-9][0-9]{0,2})$/.test(q) || Number(q) > 255)) return null;
    v4 = parts.map(Number);
    head = text.slice(0, lastColon + 1) + '0:0';
  }
  const halves = head.split('::');
  if (halves.length > 2) return null;
  const parse = (h: string): number[] | null => {
    if (h === '') return [];
    const gs = h.split(':');
    if (gs.some((g) => !/^[0-9A-Fa-f]{1,4}$/.test(g))) return null;
    return gs.map((g) => parseInt(g, 16));
  };
  const a = parse(halves[0]);
  const b = halves.length === 2 ? parse(halves[1]) : [];
  if (a === null || b === null) return null;
  const groups = halves.length === 2 ? a.length + b.length : a.length;
  if (halves.length === 2 ? groups > 7 : groups !== 8) return null;
  const all = halves.length === 2 ? [...a, ...new Array<number>(8 - groups).fill(0), ...b] : a;
  const bytes = new Uint8Array(16);
  all.forEach((g, i) => {
    bytes[2 * i] = g >> 8;
    bytes[2 * i + 1] = g & 0xff;
  });
  if (v4 !== null) bytes.set(v4, 12);
  return bytes;
}

function token(kind: string, text: string, pos: number, num = 0, error: string | null = null): Token {
  return { kind, text, pos, num, error };
}

/** Splits an expression into tokens, ending with an 'EOF' token. */
export function tokenize(src: string): Token[] {
  const out: Token[] = [];
  let p = 0;
  while (p < src.length) {
    const c = src[p];
    if (c === ' ' || c === '\t' || c === '\n' || c === '\r') {
      p++;
      continue;
    }
    // Each rule's match length; the longest wins, ties go to the rule listed first in scanner.l.
    let best = 0;
    let rule = '';
    const consider = (len: number, name: string): void => {
      if (len > best) {
        best = len;
        rule = name;
      }
    };
    for (const kw of KEYWORD_LIST) if (src.startsWith(kw, p)) consider(kw.length, 'keyword');
    if (ONE_CHAR.includes(c)) consider(1, 'char');
    if (TWO_CHAR.has(src.slice(p, p + 2))) consider(2, 'twochar');
    consider(matchLen(AID_RE, src, p), 'aid');
    consider(longest(MAC_RES, src, p), 'mac');
    consider(matchLen(N_RE, src, p), 'num');
    consider(longest(HID_RES, src, p), 'hid');
    consider(longest(V6_RES, src, p), 'hid6');
    consider(matchLen(BOGUS_MAC_RE, src, p), 'bogusmac');
    for (const name of NAME_LIST) if (src.startsWith(name, p)) consider(name.length, 'name');
    consider(matchLen(ID_RE, src, p), 'id');
    consider(matchLen(BACKSLASH_RE, src, p), 'backslash');
    if (best === 0) {
      out.push(token('LEX_ERROR', c, p));
      p++;
      continue;
    }
    const text = src.slice(p, p + best);
    switch (rule) {
      case 'keyword':
        out.push(token(KEYWORDS[text], text, p));
        break;
      case 'char':
        out.push(token(text, text, p));
        break;
      case 'twochar':
        out.push(token(TWO_CHAR.get(text)!, text, p));
        break;
      case 'aid':
        out.push(token('AID', text, p));
        break;
      case 'mac':
        out.push(token('EID', text, p));
        break;
      case 'num': {
        const v = numberValue(text);
        out.push(token('NUM', text, p, v.num, v.error));
        break;
      }
      case 'hid':
        out.push(token('HID', text, p));
        break;
      case 'hid6':
        out.push(token('HID6', text, p, 0, parseIPv6(text) === null ? `bogus IPv6 address ${text}` : null));
        break;
      case 'bogusmac':
        out.push(token('EID', text, p, 0, `bogus ethernet address ${text}`));
        break;
      case 'name':
        out.push(token('NUM', text, p, NUMBER_NAMES[text]));
        break;
      case 'id':
        out.push(token('ID', text, p));
        break;
      case 'backslash':
        out.push(token('ID', text.slice(1), p));
        break;
    }
    p += best;
  }
  out.push(token('EOF', '', src.length));
  return out;
}

/** Raises the scanner's own complaint about a token, if it had one. */
export function checkToken(t: Token): void {
  if (t.error !== null) throw new BpfError(t.error, t.pos);
}
