/**
 * ARP (RFC 826), and RARP / InARP, which share its layout. Addresses have
 * the sizes the header declares; Ethernet + IPv4 (6 and 4 bytes) get typed
 * fields (arp.src.hw_mac, arp.src.proto_ipv4), anything else is bytes, as in
 * Wireshark's packet-arp.c. Gratuitous ARP (sender IP = target IP, RFC 5227
 * section 3), ARP probes (request from 0.0.0.0 with a zero target MAC, RFC
 * 5227 section 2.1.1) and announcements are recognised the way Wireshark does.
 *
 *   0       2       4    5    6       8
 *   | htype | ptype |hlen|plen|  op   | sha (hlen) | spa (plen) | tha (hlen) | tpa (plen)
 */
import { computed, uint } from './fieldkit';
import type { Packet } from './packet';
import { Base, FieldType, type FieldDef, type Protocol, type TreeNode } from './protocol';
import { ETHERTYPE_NAMES } from './ethernet';
import { add, drawsNoExpert, fieldNode, ipv4Text, macText } from './treekit';

export const FIXED_LEN = 8;

export const OPCODE_NAMES: ReadonlyMap<number, string> = new Map([
  [1, 'request'],
  [2, 'reply'],
  [3, 'reverse request'],
  [4, 'reverse reply'],
  [5, 'DRARP-Request'],
  [6, 'DRARP-Reply'],
  [7, 'DRARP-Error'],
  [8, 'inverse request'],
  [9, 'inverse reply'],
  [10, 'ARP-NAK'],
]);
const HW_NAMES: ReadonlyMap<number, string> = new Map([
  [1, 'Ethernet'],
  [6, 'IEEE 802'],
  [15, 'Frame Relay'],
  [16, 'ATM'],
  [20, 'Serial Line'],
  [32, 'InfiniBand'],
]);

const OP_REQUEST = 1;
const OP_REPLY = 2;

function hlen(pkt: Packet, li: number): number {
  return pkt.u8(pkt.layerStart[li] + 4);
}
function plen(pkt: Packet, li: number): number {
  return pkt.u8(pkt.layerStart[li] + 5);
}
/**
 * The fixed header was captured and the addresses fit in the frame (layerAux
 * 1). Wireshark sets the ARP length from the address sizes first and adds no
 * address field when that runs past the frame.
 */
function headerCaptured(pkt: Packet, li: number): boolean {
  return pkt.layerAux[li] === 1 && pkt.layerStart[li] + FIXED_LEN <= pkt.capLen;
}

/** Ethernet-style hardware (Ethernet, IEEE 802) with 6-byte addresses: ARP_HW_IS_ETHER. */
function hwIsEther(pkt: Packet, li: number): boolean {
  const t = pkt.u16(pkt.layerStart[li]);
  return (t === 1 || t === 6) && hlen(pkt, li) === 6;
}
/** IPv4 (or AX.25's IP PID) with 4-byte addresses: ARP_PRO_IS_IPv4. */
function protoIsIpv4(pkt: Packet, li: number): boolean {
  const t = pkt.u16(pkt.layerStart[li] + 2);
  return (t === 0x0800 || t === 0xcc) && plen(pkt, li) === 4;
}

type Which = 'sha' | 'spa' | 'tha' | 'tpa';

/** Frame-relative offset of an address (the header must be captured). */
function addrOffset(pkt: Packet, li: number, which: Which): number {
  const h = hlen(pkt, li);
  const p = plen(pkt, li);
  const base = pkt.layerStart[li] + FIXED_LEN;
  switch (which) {
    case 'sha':
      return base;
    case 'spa':
      return base + h;
    case 'tha':
      return base + h + p;
    default:
      return base + 2 * h + p;
  }
}

function addrLength(pkt: Packet, li: number, which: Which): number {
  return which === 'sha' || which === 'tha' ? hlen(pkt, li) : plen(pkt, li);
}

/** An address field: `typed` says whether this field (typed or bytes) is the one Wireshark would use. */
function addrField(name: string, label: string, which: Which, type: FieldType, typed: (pkt: Packet, li: number) => boolean): FieldDef {
  return {
    name,
    label,
    type,
    get(pkt, li, k) {
      if (k !== 0 || !headerCaptured(pkt, li) || !typed(pkt, li)) return undefined;
      const n = addrLength(pkt, li, which);
      if (n === 0) return undefined;
      // DRARP-Error replaces the target protocol address with an error status.
      if (which === 'tpa' && pkt.u16(pkt.layerStart[li] + 6) === 7) return undefined;
      const o = addrOffset(pkt, li, which);
      return o + n <= pkt.capLen ? o : undefined;
    },
    size: (pkt, li) => addrLength(pkt, li, which),
    span: (pkt, li) => (headerCaptured(pkt, li) ? { offset: addrOffset(pkt, li, which), length: addrLength(pkt, li, which) } : undefined),
  };
}

const notEther = (pkt: Packet, li: number): boolean => !hwIsEther(pkt, li);
const notIpv4 = (pkt: Packet, li: number): boolean => !protoIsIpv4(pkt, li);

const srcHwMac = addrField('arp.src.hw_mac', 'Sender MAC address', 'sha', FieldType.Ether, hwIsEther);
const srcHw = addrField('arp.src.hw', 'Sender hardware address', 'sha', FieldType.Bytes, notEther);
const srcIpv4 = addrField('arp.src.proto_ipv4', 'Sender IP address', 'spa', FieldType.Ipv4, protoIsIpv4);
const srcProto = addrField('arp.src.proto', 'Sender protocol address', 'spa', FieldType.Bytes, notIpv4);
const dstHwMac = addrField('arp.dst.hw_mac', 'Target MAC address', 'tha', FieldType.Ether, hwIsEther);
const dstHw = addrField('arp.dst.hw', 'Target hardware address', 'tha', FieldType.Bytes, notEther);
const dstIpv4 = addrField('arp.dst.proto_ipv4', 'Target IP address', 'tpa', FieldType.Ipv4, protoIsIpv4);
const dstProto = addrField('arp.dst.proto', 'Target protocol address', 'tpa', FieldType.Bytes, notIpv4);

/** The whole message was captured (Wireshark's checks would throw otherwise and add nothing). */
export function complete(pkt: Packet, li: number): boolean {
  return headerCaptured(pkt, li) && pkt.layerEnd[li] <= pkt.capLen;
}

function bytesEqual(pkt: Packet, a: number, b: number, n: number): boolean {
  for (let i = 0; i < n; i++) if (pkt.u8(a + i) !== pkt.u8(b + i)) return false;
  return true;
}

function zeros(pkt: Packet, off: number, n: number): boolean {
  for (let i = 0; i < n; i++) if (pkt.u8(off + i) !== 0) return false;
  return true;
}

/** 0 plain, 1 gratuitous, 2 gratuitous announcement, 3 probe. */
export function arpKind(pkt: Packet, li: number): number {
  if (!complete(pkt, li)) return 0;
  const op = pkt.u16(pkt.layerStart[li] + 6);
  if (op !== OP_REQUEST && op !== OP_REPLY) return 0;
  const p = plen(pkt, li);
  const tha = addrOffset(pkt, li, 'tha');
  // Wireshark compares six bytes of target hardware address whatever hlen says.
  const thaZero = tha + 6 <= pkt.capLen && zeros(pkt, tha, 6);
  if (bytesEqual(pkt, addrOffset(pkt, li, 'spa'), addrOffset(pkt, li, 'tpa'), p)) {
    return op === OP_REQUEST && thaZero ? 2 : 1;
  }
  const spa = addrOffset(pkt, li, 'spa');
  if (op === OP_REQUEST && thaZero && spa + 4 <= pkt.capLen && zeros(pkt, spa, 4)) return 3;
  return 0;
}

const isGratuitous = computed('arp.isgratuitous', 'Is gratuitous', FieldType.Bool, (pkt, li, k) => {
  const kind = k === 0 ? arpKind(pkt, li) : 0;
  return kind === 1 || kind === 2 ? 1 : undefined;
});
const isProbe = computed('arp.isprobe', 'Is probe', FieldType.Bool, (pkt, li, k) => (k === 0 && arpKind(pkt, li) === 3 ? 1 : undefined));
const isAnnouncement = computed('arp.isannouncement', 'Is announcement', FieldType.Bool, (pkt, li, k) =>
  k === 0 && arpKind(pkt, li) === 2 ? 1 : undefined,
);

const hwType = uint('arp.hw.type', 'Hardware type', 0, 2, { names: HW_NAMES });
const protoType = uint('arp.proto.type', 'Protocol type', 2, 2, { base: Base.Hex, names: ETHERTYPE_NAMES });
const hwSize = uint('arp.hw.size', 'Hardware size', 4, 1);
const protoSize = uint('arp.proto.size', 'Protocol size', 5, 1);
const opcode = uint('arp.opcode', 'Opcode', 6, 2, { names: OPCODE_NAMES });

export const arp: Protocol = {
  name: 'arp',
  label: 'Address Resolution Protocol',
  short: 'ARP/RARP',
  mayExpert: drawsNoExpert,
  fields: [hwType, protoType, hwSize, protoSize, opcode, isGratuitous, isProbe, isAnnouncement, srcHwMac, srcHw, srcIpv4, srcProto, dstHwMac, dstHw, dstIpv4, dstProto],
  decode(pkt: Packet): Protocol | null {
    const start = pkt.cursor;
    const declared = pkt.limit - start;
    const li = pkt.push(arp, start, start + FIXED_LEN, pkt.limit);
    if (li < 0) return null;
    const avail = pkt.avail(start);
    if (declared < FIXED_LEN || avail < FIXED_LEN) {
      if (declared < FIXED_LEN) pkt.malformed('arp', 'fewer than 8 bytes for the ARP header');
      else pkt.truncated(FIXED_LEN, avail);
      return null;
    }
    // The message is exactly as long as its addresses: what follows is link padding.
    const total = FIXED_LEN + 2 * (pkt.u8(start + 4) + pkt.u8(start + 5));
    pkt.layerPayload[li] = start + total;
    if (total > declared) {
      pkt.layerEnd[li] = pkt.limit;
      pkt.malformed('arp.hw.size', 'addresses run past the end of the frame');
      return null;
    }
    pkt.layerEnd[li] = start + total;
    pkt.layerAux[li] = 1;
    if (avail < total) pkt.truncated(total, avail);
    pkt.cursor = start + total;
    pkt.limit = start + total;
    return null;
  },
  tree(pkt: Packet, li: number): TreeNode[] {
    const out: TreeNode[] = [];
    for (const f of [hwType, protoType, hwSize, protoSize, opcode]) add(out, fieldNode(pkt, li, f));
    const kind = arpKind(pkt, li);
    if (kind === 1 || kind === 2) out.push({ text: '[Is gratuitous: True]', field: 'arp.isgratuitous', offset: pkt.layerStart[li], length: 0 });
    if (kind === 3) out.push({ text: '[Is probe: True]', field: 'arp.isprobe', offset: pkt.layerStart[li], length: 0 });
    if (kind === 2) out.push({ text: '[Is announcement: True]', field: 'arp.isannouncement', offset: pkt.layerStart[li], length: 0 });
    for (const f of [srcHwMac, srcHw, srcIpv4, srcProto, dstHwMac, dstHw, dstIpv4, dstProto]) add(out, fieldNode(pkt, li, f));
    return out;
  },
};

/** The summary line's info text, as Wireshark writes it ('Who has 10.0.0.2? Tell 10.0.0.1'). */
export function arpInfo(pkt: Packet, li: number): string {
  if (!complete(pkt, li)) return 'ARP';
  const op = pkt.u16(pkt.layerStart[li] + 6);
  const ip = (w: Which): string =>
    protoIsIpv4(pkt, li) ? ipv4Text(pkt, addrOffset(pkt, li, w)) : macText(pkt, addrOffset(pkt, li, w), addrLength(pkt, li, w));
  const hw = (w: Which): string => macText(pkt, addrOffset(pkt, li, w), addrLength(pkt, li, w));
  const kind = arpKind(pkt, li);
  switch (op) {
    case OP_REQUEST:
      if (kind === 2) return `ARP Announcement for ${ip('tpa')}`;
      if (kind === 1) return `Gratuitous ARP for ${ip('tpa')} (Request)`;
      if (kind === 3) return `Who has ${ip('tpa')}? (ARP Probe)`;
      return `Who has ${ip('tpa')}? Tell ${ip('spa')}`;
    case OP_REPLY:
      if (kind === 1) return `Gratuitous ARP for ${ip('spa')} (Reply)`;
      return `${ip('spa')} is at ${hw('sha')}`;
    case 3:
    case 8:
      return `Who is ${hw('tha')}? Tell ${hw('sha')}`;
    case 4:
      return `${hw('tha')} is at ${ip('tpa')}`;
    case 9:
      return `${hw('sha')} is at ${ip('spa')}`;
    default:
      return `Unknown ARP opcode 0x${op.toString(16).padStart(4, '0')}`;
  }
}

