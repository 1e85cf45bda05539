/**
 * IEEE 802.2 LLC, after an 802.3 length field (Ethernet or a VLAN tag) or an
 * SLL header whose protocol says 802.2. With DSAP = SSAP = 0xAA a SNAP
 * header follows (RFC 1042): an OUI, and with OUI 0 an ethertype, which is
 * how IP and ARP travel over 802.3 and 802.11.
 *
 *   0      1      2             3|4
 *   | dsap | ssap | control (1 or 2) | [SNAP: oui(3) pid(2)] payload
 */
import { etherTypes, fallback } from './dispatch';
import { computed, uint } from './fieldkit';
import type { Packet } from './packet';
import { Base, FieldType, type FieldDef, type Protocol, type TreeNode } from './protocol';
import { add, drawsNoExpert, fieldNode, hex0x } from './treekit';

export const MIN_HEADER_LEN = 3;
export const SNAP_LEN = 5;
const SAP_SNAP = 0xaa;

/** layerAux: control field length (1 or 2) in the low bits, SNAP present in bit 4. */
const AUX_SNAP = 4;

const SAP_NAMES: ReadonlyMap<number, string> = new Map([
  [0x00, 'NULL LSAP'],
  [0x06, 'TCP/IP'],
  [0x42, 'Spanning Tree BPDU'],
  [0xaa, 'SNAP'],
  [0xe0, 'NetWare'],
  [0xf0, 'NetBIOS'],
  [0xfe, 'ISO Network Layer'],
  [0xff, 'Global LSAP'],
]);

/** Control field length: U-format frames (low two bits 11) have one byte, I and S frames two (802.2 clause 5.2). */
function controlLength(c: number): number {
  return (c & 3) === 3 ? 1 : 2;
}

function ctlLen(pkt: Packet, li: number): number {
  return pkt.layerAux[li] & 3;
}

function snapAt(pkt: Packet, li: number, rel: number, n: 2 | 3): number | undefined {
  if ((pkt.layerAux[li] & AUX_SNAP) === 0) return undefined;
  const o = pkt.layerStart[li] + 2 + ctlLen(pkt, li) + rel;
  if (o + n > pkt.capLen) return undefined;
  return n === 2 ? pkt.u16(o) : (pkt.u8(o) << 16) | pkt.u16(o + 1);
}

const dsap = uint('llc.dsap', 'DSAP', 0, 1, { base: Base.Hex, names: SAP_NAMES });
const ssap = uint('llc.ssap', 'SSAP', 1, 1, { base: Base.Hex, names: SAP_NAMES });
const control: FieldDef = {
  ...uint('llc.control', 'Control field', 2, 2, { base: Base.Hex, width: 4 }),
  get(pkt, li, k) {
    if (k !== 0) return undefined;
    const o = pkt.layerStart[li] + 2;
    const n = ctlLen(pkt, li);
    if (n === 0 || o + n > pkt.capLen) return undefined;
    // Wireshark shows 2-byte (I/S) control fields little-endian, as 802.2 transmits them.
    return n === 1 ? pkt.u8(o) : pkt.u16le(o);
  },
  span: (pkt, li) => ({ offset: pkt.layerStart[li] + 2, length: ctlLen(pkt, li) }),
};
/**
 * OUIs whose PID is an ethertype (RFC 1042's 0, Cisco's "90-compatible"
 * 0x0000f8, Apple's AppleTalk 0x080007): shown as llc.type and dispatched.
 */
function ouiCarriesEthertype(oui: number): boolean {
  return oui === 0 || oui === 0x0000f8 || oui === 0x080007;
}
/** OUIs for which Wireshark has a PID field of their own (llc.cisco_pid ...), so no llc.pid. */
const OWN_PID_OUIS = new Set([0x00000c, 0x000081, 0x0001e8, 0x00005e, 0x001958, 0x0017f2, 0x004096, 0x00e02b, 0x00e052, 0x080009]);

const oui = computed('llc.oui', 'Organization Code', FieldType.Uint, (pkt, li, k) => (k === 0 ? snapAt(pkt, li, 0, 3) : undefined));
const type = computed(
  'llc.type',
  'Type',
  FieldType.Uint,
  (pkt, li, k) => {
    const o = k === 0 ? snapAt(pkt, li, 0, 3) : undefined;
    return o !== undefined && ouiCarriesEthertype(o) ? snapAt(pkt, li, 3, 2) : undefined;
  },
  { base: Base.Hex, width: 4 },
);
const pid = computed(
  'llc.pid',
  'PID',
  FieldType.Uint,
  (pkt, li, k) => {
    const o = k === 0 ? snapAt(pkt, li, 0, 3) : undefined;
    return o === undefined || ouiCarriesEthertype(o) || OWN_PID_OUIS.has(o) ? undefined : snapAt(pkt, li, 3, 2);
  },
  { base: Base.Hex, width: 4 },
);

function snapSpan(pkt: Packet, li: number, rel: number, n: number): { offset: number; length: number } {
  return { offset: pkt.layerStart[li] + 2 + ctlLen(pkt, li) + rel, length: n };
}

export const llc: Protocol = {
  name: 'llc',
  label: 'Logical-Link Control',
  short: 'LLC',
  mayExpert: drawsNoExpert,
  fields: [
    dsap,
    ssap,
    control,
    { ...oui, span: (pkt, li) => snapSpan(pkt, li, 0, 3) },
    { ...type, span: (pkt, li) => snapSpan(pkt, li, 3, 2) },
    { ...pid, span: (pkt, li) => snapSpan(pkt, li, 3, 2) },
  ],
  decode(pkt: Packet): Protocol | null {
    const start = pkt.cursor;
    const declared = pkt.limit - start;
    const li = pkt.push(llc, start, start + MIN_HEADER_LEN, pkt.limit);
    if (li < 0) return null;
    const avail = pkt.avail(start);
    if (declared < MIN_HEADER_LEN || avail < MIN_HEADER_LEN) {
      if (declared < MIN_HEADER_LEN) pkt.malformed('llc', 'fewer than 3 bytes for the LLC header');
      else pkt.truncated(MIN_HEADER_LEN, avail);
      return null;
    }
    const n = controlLength(pkt.u8(start + 2));
    const snap = pkt.u8(start) === SAP_SNAP && pkt.u8(start + 1) === SAP_SNAP;
    const hlen = 2 + n + (snap ? SNAP_LEN : 0);
    pkt.layerAux[li] = n | (snap ? AUX_SNAP : 0);
    pkt.layerPayload[li] = start + hlen;
    if (declared < hlen) {
      pkt.malformed('llc', 'header longer than the frame');
      return null;
    }
    if (avail < hlen) {
      pkt.truncated(hlen, avail);
      return null;
    }
    pkt.cursor = start + hlen;
    if (pkt.cursor >= pkt.limit) return null;
    // SNAP with OUI 0 (RFC 1042) carries an ethertype; other OUIs and plain SAPs are shown as data.
    const o = snap ? snapAt(pkt, li, 0, 3) : undefined;
    if (o !== undefined && ouiCarriesEthertype(o)) return etherTypes.get(pkt.u16(start + 2 + n + 3)) ?? fallback.data;
    return fallback.data;
  },
  tree(pkt: Packet, li: number): TreeNode[] {
    const out: TreeNode[] = [];
    add(out, fieldNode(pkt, li, dsap));
    add(out, fieldNode(pkt, li, ssap));
    const c = control.get(pkt, li, 0);
    if (c !== undefined) {
      const n = ctlLen(pkt, li);
      out.push({ text: `Control field: ${hex0x(c as number, n * 2)}`, field: 'llc.control', offset: pkt.layerStart[li] + 2, length: n });
    }
    const o = snapAt(pkt, li, 0, 3);
    if (o !== undefined) {
      out.push({ text: `Organization Code: ${hex0x(o, 6)}`, field: 'llc.oui', ...snapSpan(pkt, li, 0, 3) });
      const t = snapAt(pkt, li, 3, 2);
      if (t !== undefined) out.push({ text: `${o === 0 ? 'Type' : 'PID'}: ${hex0x(t, 4)}`, field: o === 0 ? 'llc.type' : 'llc.pid', ...snapSpan(pkt, li, 3, 2) });
    }
    return out;
  },
};
