/**
 * The decoder registry: the one place that binds numbers (link types,
 * ethertypes, IP protocols, ports) to protocol files, and the entry point
 * that turns a frame into layers.
 */
import type { Frame } from '../capture/frame';
import { data } from './data';
import { etherTypes, fallback, ipProtocols, linkTypes, tcpPorts, udpPorts } from './dispatch';
import { dhcp } from './dhcp';
import { dns, MDNS_PORT } from './dns';
import { arp } from './arp';
import { ethernet, ethPadding, LLC_FOLLOWS } from './ethernet';
import { frame as frameProto } from './frame';
import { icmp } from './icmp';
import { icmpv6 } from './icmpv6';
import { ipv4, ipVersionAnyLayer } from './ipv4';
import { dstopts, fraghdr, hopopts, ipv6, routing } from './ipv6';
import { llc } from './llc';
import { loop } from './loop';
import { nullLink } from './null';
import { rawip } from './rawip';
import { sll } from './sll';
import { sll2 } from './sll2';
import { ieee8021ad, vlan } from './vlan';
import { tcp } from './tcp';
import { udp } from './udp';
import type { Packet } from './packet';
import type { FieldDef, Protocol } from './protocol';

// No re-exports here (Packet comes from './packet'): TypeScript compiles a
// re-export to an accessor that turns this module's exports object into a
// dictionary, and every per-frame call of decodeFrame() through it into a
// generic property lookup (80 instructions a frame, 1% of -z conn).

/** Every protocol synack decodes, in the order the detail tree and field lists show them. */
export const protocols: readonly Protocol[] = [
  frameProto,
  nullLink,
  rawip,
  sll,
  ethernet,
  llc,
  ieee8021ad,
  vlan,
  arp,
  ipv4,
  ipv6,
  hopopts,
  routing,
  fraghdr,
  dstopts,
  icmp,
  icmpv6,
  tcp,
  udp,
  dns,
  dhcp,
  data,
];

fallback.data = data;
// Link types (https://www.tcpdump.org/linktypes.html); anything else is shown as data.
linkTypes.set(0, nullLink);
linkTypes.set(1, ethernet);
linkTypes.set(12, rawip); // DLT_RAW as OpenBSD numbers it
linkTypes.set(14, rawip); // DLT_RAW as BSD/OS numbers it
linkTypes.set(101, rawip);
linkTypes.set(108, loop);
linkTypes.set(113, sll);
linkTypes.set(228, ipv4);
linkTypes.set(229, ipv6);
linkTypes.set(276, sll2);
etherTypes.set(LLC_FOLLOWS, llc);
etherTypes.set(0x0800, ipv4);
etherTypes.set(0x0806, arp);
etherTypes.set(0x8100, vlan);
etherTypes.set(0x88a8, ieee8021ad);
etherTypes.set(0x9100, vlan); // pre-802.1ad Q-in-Q gear
etherTypes.set(0x86dd, ipv6);
ipProtocols[0] = hopopts;
ipProtocols[1] = icmp;
ipProtocols[4] = ipv4; // IP in IP (RFC 2003)
ipProtocols[41] = ipv6; // IPv6 in IP (RFC 4213)
ipProtocols[43] = routing;
ipProtocols[44] = fraghdr;
ipProtocols[58] = icmpv6;
ipProtocols[60] = dstopts;
ipProtocols[6] = tcp;
ipProtocols[17] = udp;
// DNS (RFC 1035 4.2.1) and multicast DNS (RFC 6762); DHCP server and client ports (RFC 2131 4.1).
udpPorts.set(53, dns);
tcpPorts.set(53, dns);
udpPorts.set(MDNS_PORT, dns);
udpPorts.set(67, dhcp);
udpPorts.set(68, dhcp);

/** Decodes `frame` into `pkt` (reused). Never throws on packet bytes. */
export function decodeFrame(pkt: Packet, frame: Frame, number: number): void {
  pkt.reset(frame, number);
  let proto: Protocol | null = frameProto;
  while (proto !== null) proto = proto.decode(pkt);
}

const byName = new Map<string, FieldDef>();
const ownerOf = new Map<FieldDef, Protocol>();
const protoByName = new Map<string, Protocol>();
for (const p of protocols) {
  protoByName.set(p.name, p);
  for (const f of p.fields) {
    byName.set(f.name, f);
    ownerOf.set(f, p);
  }
}

// Wireshark's IPv4 and IPv6 dissectors both add ip.version: the frame layer answers for every IP header.
registerField(frameProto, ipVersionAnyLayer);
// eth.padding, too, is shown by Ethernet, VLAN tags and cooked headers alike.
registerField(frameProto, ethPadding);

/** The protocol whose layers carry `f`. */
export function fieldProtocol(f: FieldDef): Protocol {
  return ownerOf.get(f)!;
}

/** Every protocol and every field, each field with the protocol whose layers carry it, in registration order. */
export function glossary(): { protocols: Protocol[]; fields: [FieldDef, Protocol][] } {
  return { protocols: [...protoByName.values()], fields: [...ownerOf.entries()] };
}

/** Every field name synack knows (for suggestions and help). */
export function allFieldNames(): string[] {
  return [...byName.keys()];
}

/** Looks a field up by its Wireshark name. */
export function fieldByName(name: string): FieldDef | undefined {
  return byName.get(name);
}

export function protocolByName(name: string): Protocol | undefined {
  return protoByName.get(name);
}

/** Registers fields computed outside decode/ (analysis, frame metadata) under their names. */
export function registerField(proto: Protocol, f: FieldDef): void {
  byName.set(f.name, f);
  ownerOf.set(f, proto);
  if (!protoByName.has(proto.name)) protoByName.set(proto.name, proto);
}
