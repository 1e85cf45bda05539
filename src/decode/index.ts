/**
 * The decoder registry: the one place that binds numbers (link types,
 * ethertypes, IP protocols, ports) to protocol files, and the entry point
 * that turns a frame into layers.
 */
import type { Frame } from '../capture/frame';
import { data } from './data';
import { etherTypes, fallback, ipProtocols, linkTypes } from './dispatch';
import { ethernet } from './ethernet';
import { frame as frameProto } from './frame';
import { ipv4 } from './ipv4';
import { ipv6 } from './ipv6';
import { tcp } from './tcp';
import { udp } from './udp';
import { Packet } from './packet';
import type { FieldDef, Protocol } from './protocol';

export { Packet };

/** Every protocol synack decodes, in the order the detail tree and field lists show them. */
export const protocols: readonly Protocol[] = [frameProto, ethernet, ipv4, ipv6, tcp, udp, data];

fallback.data = data;
linkTypes.set(1, ethernet);
etherTypes.set(0x0800, ipv4);
etherTypes.set(0x86dd, ipv6);
ipProtocols[6] = tcp;
ipProtocols[17] = udp;

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

/** The protocol whose layers carry `f`. */
export function fieldProtocol(f: FieldDef): Protocol {
  return ownerOf.get(f)!;
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
