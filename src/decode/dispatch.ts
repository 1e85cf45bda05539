/**
 * Dispatch tables (gopacket's LayerType maps): a parent looks up the number it
 * read (link type, ethertype, IP protocol, port) and never names its child.
 * `decode/index.ts` is the one place that fills them.
 */
import type { Protocol } from './protocol';

/** By LINKTYPE_* value. */
export const linkTypes = new Map<number, Protocol>();
/** By ethertype (Ethernet II, VLAN tags, Linux cooked protocol field). */
export const etherTypes = new Map<number, Protocol>();
/** By IPv4 protocol / IPv6 next header (upper-layer protocols only). */
export const ipProtocols: (Protocol | undefined)[] = new Array(256);
/** By UDP port (either side; the lower port is tried first, as Wireshark does). */
export const udpPorts = new Map<number, Protocol>();
/** By TCP port. */
export const tcpPorts = new Map<number, Protocol>();

/** Payload nothing claimed: shown as Wireshark's `data` protocol, never dropped. */
export const fallback: { data: Protocol | null } = { data: null };
