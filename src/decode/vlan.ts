/**
 * IEEE 802.1Q VLAN tags (ethertype 0x8100, and 0x9100 as older Q-in-Q
 * gear uses it) and the IEEE 802.1ad service tag (0x88a8), stacked in any
 * number. Wireshark names the two differently: `vlan.*` for 802.1Q and
 * `ieee8021ad.*` (type field `ieee8021ah.etype`) for the 802.1ad tag, so
 * they are two protocols here too.
 *
 *   0               2               4
 *   |pri|d|   id    |  type/length  |
 */
import { etherTypes, fallback } from './dispatch';
import { AUX_CHAIN, AUX_ETHERTYPE, ETHERTYPE_NAMES, LLC_FOLLOWS, MAX_8023_LENGTH, trailerField, trailerNodes } from './ethernet';
import { uint } from './fieldkit';
import type { Packet } from './packet';
import { Base, type FieldDef, type Protocol, type TreeNode } from './protocol';
import { add, drawsNoExpert, fieldNode } from './treekit';

export const TAG_LEN = 4;

const PRIORITY_NAMES: ReadonlyMap<number, string> = new Map([
  [0, 'Best Effort (default)'],
  [1, 'Background'],
  [2, 'Excellent Effort'],
  [3, 'Critical Applications'],
  [4, 'Video, < 100ms latency and jitter'],
  [5, 'Voice, < 10ms latency and jitter'],
  [6, 'Internetwork Control'],
  [7, 'Network Control'],
]);

/** The type field, when it is one (above 1500): otherwise the tag carries an 802.3 length. */
function typeOrLength(name: string, label: string, wantType: boolean): FieldDef {
  const base = wantType ? uint(name, label, 2, 2, { base: Base.Hex, names: ETHERTYPE_NAMES }) : uint(name, label, 2, 2);
  return {
    ...base,
    get(pkt, li, k) {
      const v = base.get(pkt, li, k);
      if (v === undefined) return undefined;
      return (v as number) > MAX_8023_LENGTH === wantType ? v : undefined;
    },
  };
}

/** Decodes one tag of either kind: the same four bytes, under `proto` (`lenField` names its length field). */
function decodeTag(pkt: Packet, proto: Protocol, lenField: string): Protocol | null {
  const start = pkt.cursor;
  const li = pkt.push(proto, start, start + TAG_LEN, pkt.limit);
  if (li < 0) return null;
  if (pkt.limit - start < TAG_LEN || pkt.avail(start) < TAG_LEN) {
    if (pkt.limit - start < TAG_LEN) pkt.malformed(proto.name, 'frame ends inside the 4-byte VLAN tag');
    else pkt.truncated(TAG_LEN, pkt.avail(start));
    return null;
  }
  const t = pkt.u16(start + 2);
  pkt.cursor = start + TAG_LEN;
  if (t > MAX_8023_LENGTH) {
    pkt.layerAux[li] = AUX_CHAIN | AUX_ETHERTYPE;
    return etherTypes.get(t) ?? fallback.data;
  }
  // A length, as in an 802.3 frame: an LLC header follows, then padding.
  pkt.layerAux[li] = AUX_CHAIN;
  if (pkt.cursor + t > pkt.limit) pkt.malformed(lenField, 'length field goes past the end of the frame');
  else pkt.limit = pkt.cursor + t;
  return etherTypes.get(LLC_FOLLOWS) ?? fallback.data;
}

const priority = uint('vlan.priority', 'Priority', 0, 2, { mask: 0xe000, names: PRIORITY_NAMES });
const dei = uint('vlan.dei', 'DEI', 0, 2, { mask: 0x1000 });
const id = uint('vlan.id', 'ID', 0, 2, { mask: 0x0fff });
const etype = typeOrLength('vlan.etype', 'Type', true);
const len = typeOrLength('vlan.len', 'Length', false);
const vlanTrailer = trailerField('vlan.trailer');

export const vlan: Protocol = {
  name: 'vlan',
  label: '802.1Q Virtual LAN',
  short: 'VLAN',
  mayExpert: drawsNoExpert,
  fields: [priority, dei, id, etype, len, vlanTrailer],
  decode(pkt: Packet): Protocol | null {
    return decodeTag(pkt, vlan, 'vlan.len');
  },
  tree(pkt: Packet, li: number): TreeNode[] {
    const out: TreeNode[] = [];
    for (const f of [priority, dei, id, etype, len]) add(out, fieldNode(pkt, li, f));
    out.push(...trailerNodes(pkt, li, vlanTrailer));
    return out;
  },
};

const adPriority = uint('ieee8021ad.priority', 'Priority', 0, 2, { mask: 0xe000 });
const adDei = uint('ieee8021ad.dei', 'DEI', 0, 2, { mask: 0x1000 });
const adId = uint('ieee8021ad.id', 'ID', 0, 2, { mask: 0x0fff });
const adEtype = typeOrLength('ieee8021ah.etype', 'Type', true);

export const ieee8021ad: Protocol = {
  name: 'ieee8021ad',
  label: 'IEEE 802.1ad',
  short: 'IEEE 802.1AD',
  mayExpert: drawsNoExpert,
  fields: [adPriority, adDei, adId, adEtype],
  decode(pkt: Packet): Protocol | null {
    return decodeTag(pkt, ieee8021ad, 'ieee8021ad.len');
  },
  tree(pkt: Packet, li: number): TreeNode[] {
    const out: TreeNode[] = [];
    for (const f of [adPriority, adDei, adId, adEtype]) add(out, fieldNode(pkt, li, f));
    return out;
  },
};
