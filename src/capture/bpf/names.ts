/**
 * The name lookups libpcap's nametoaddr.c makes while compiling: service
 * names through getaddrinfo (glibc reads /etc/services), protocol names
 * through getprotobyname (/etc/protocols), and its own tables of Ethernet
 * and LLC protocol names. Host, network and Ethernet-address names are
 * deliberately not resolved (gencode.ts refuses them): a capture filter
 * should not depend on DNS.
 */
import { readFileSync } from 'node:fs';

/** IANA numbers for when /etc/services is absent (a minimal container); netbase's entries for the common services. */
const FALLBACK_SERVICES = `
ftp-data 20/tcp
ftp 21/tcp
ssh 22/tcp
telnet 23/tcp
smtp 25/tcp mail
domain 53/tcp
domain 53/udp
bootps 67/udp
bootpc 68/udp
tftp 69/udp
http 80/tcp www
kerberos 88/tcp
kerberos 88/udp
pop3 110/tcp
sunrpc 111/tcp portmapper
sunrpc 111/udp portmapper
ntp 123/udp
netbios-ns 137/udp
netbios-dgm 138/udp
netbios-ssn 139/tcp
imap2 143/tcp imap
snmp 161/udp
snmp-trap 162/udp snmptrap
bgp 179/tcp
ldap 389/tcp
https 443/tcp
https 443/udp
microsoft-ds 445/tcp
syslog 514/udp
submission 587/tcp
ldaps 636/tcp
imaps 993/tcp
pop3s 995/tcp
openvpn 1194/tcp
openvpn 1194/udp
mysql 3306/tcp
postgresql 5432/tcp
`;

/** getprotobyname's numbers for when /etc/protocols is absent. */
const FALLBACK_PROTOCOLS = `
ip 0 IP
hopopt 0 HOPOPT
icmp 1 ICMP
igmp 2 IGMP
ipencap 4 IP-ENCAP
tcp 6 TCP
egp 8 EGP
igp 9 IGP
udp 17 UDP
ipv6 41 IPv6
ipv6-route 43 IPv6-Route
ipv6-frag 44 IPv6-Frag
rsvp 46 RSVP
gre 47 GRE
esp 50 IPSEC-ESP
ah 51 IPSEC-AH
ipv6-icmp 58 IPv6-ICMP
ipv6-nonxt 59 IPv6-NoNxt
ipv6-opts 60 IPv6-Opts
eigrp 88 EIGRP
ospf 89 OSPFIGP
pim 103 PIM
vrrp 112 VRRP
l2tp 115 L2TP
sctp 132 SCTP
udplite 136 UDPLite
`;

/** name → port per protocol, first entry wins (getservbyname reads the file in order). */
type ServiceTable = Map<string, Map<string, number>>;

let services: ServiceTable | null = null;
let protocols: Map<string, number> | null = null;

function readOr(path: string, fallback: string): string {
  try {
    return readFileSync(path, 'latin1');
  } catch {
    return fallback;
  }
}

function loadServices(): ServiceTable {
  if (services !== null) return services;
  const table: ServiceTable = new Map([['tcp', new Map()], ['udp', new Map()]]);
  for (const raw of readOr('/etc/services', FALLBACK_SERVICES).split('\n')) {
    const fields = raw.replace(/#.*/, '').trim().split(/\s+/);
    const m = /^(\d+)\/(\w+)$/.exec(fields[1] ?? '');
    if (m === null) continue;
    const byName = table.get(m[2]);
    if (byName === undefined) continue;
    for (const name of [fields[0], ...fields.slice(2)]) if (!byName.has(name)) byName.set(name, Number(m[1]));
  }
  return (services = table);
}

function loadProtocols(): Map<string, number> {
  if (protocols !== null) return protocols;
  const table = new Map<string, number>();
  for (const raw of readOr('/etc/protocols', FALLBACK_PROTOCOLS).split('\n')) {
    const fields = raw.replace(/#.*/, '').trim().split(/\s+/);
    if (fields.length < 2 || !/^\d+$/.test(fields[1])) continue;
    for (const name of [fields[0], ...fields.slice(2)]) if (!table.has(name)) table.set(name, Number(fields[1]));
  }
  return (protocols = table);
}

/** getaddrinfo's service lookup for one protocol: a decimal string is a port number, otherwise the services file. */
function servicePort(name: string, proto: 'tcp' | 'udp'): number {
  if (/^\d+$/.test(name)) return Number(name) & 0xffff;
  return loadServices().get(proto)!.get(name) ?? -1;
}

/** The transport a named port belongs to: 'any' when TCP and UDP agree on the number (pcap_nametoport's PROTO_UNDEF). */
export type PortProto = 'tcp' | 'udp' | 'any';

/**
 * pcap_nametoport: the TCP entry wins, and the name means both TCP and UDP
 * only when both entries give the same number. So with netbase's
 * /etc/services `port http` is TCP only, and `port domain` is TCP, UDP and SCTP.
 */
export function nameToPort(name: string): { port: number; proto: PortProto } | null {
  const tcp = servicePort(name, 'tcp');
  const udp = servicePort(name, 'udp');
  if (tcp >= 0) return { port: tcp, proto: udp === tcp ? 'any' : 'tcp' };
  if (udp >= 0) return { port: udp, proto: 'udp' };
  return null;
}

/**
 * pcap_nametoportrange: `lo-hi` as two numbers (sscanf("%d-%d"), so
 * `1-2-3` is 1 to 2), else two service names split at the first '-'.
 */
export function nameToPortRange(name: string): { lo: number; hi: number; proto: PortProto } | null {
  const m = /^\s*([-+]?\d+)-([-+]?\d+)/.exec(name);
  if (m !== null) return { lo: Number(m[1]), hi: Number(m[2]), proto: 'any' };
  const dash = name.indexOf('-');
  if (dash < 0) return null;
  const a = nameToPort(name.slice(0, dash));
  if (a === null) return null;
  const b = nameToPort(name.slice(dash + 1));
  if (b === null) return null;
  return { lo: a.port, hi: b.port, proto: a.proto === b.proto ? b.proto : 'any' };
}

/** getprotobyname: the IP protocol number of a name or alias, or -1. */
export function nameToProto(name: string): number {
  return loadProtocols().get(name) ?? -1;
}

/** nametoaddr.c's eproto_db: the Ethernet types `ether proto \name` knows. */
const ETHER_PROTOS = new Map<string, number>([
  ['aarp', 0x80f3], ['arp', 0x0806], ['atalk', 0x809b], ['decnet', 0x6003], ['ip', 0x0800], ['ip6', 0x86dd], ['lat', 0x6004],
  ['loopback', 0x9000], ['mopdl', 0x6001], ['moprc', 0x6002], ['rarp', 0x8035], ['sca', 0x6007],
]);

/** pcap_nametollc: the 802.2 SAPs it knows. */
const LLC_SAPS = new Map<string, number>([['iso', 0xfe], ['stp', 0x42], ['ipx', 0xe0], ['netbeui', 0xf0]]);

/** `ether proto \name`: an Ethernet type, else an LLC SAP, else -1. */
export function nameToEtherProto(name: string): number {
  return ETHER_PROTOS.get(name) ?? LLC_SAPS.get(name) ?? -1;
}
