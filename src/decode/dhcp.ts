/**
 * DHCP (RFC 2131) and the BOOTP message it rides in (RFC 951), with the
 * options of RFC 2132 that a learner meets: message type, server identifier,
 * requested address, lease times, mask, router, DNS servers, host name.
 *
 *   0   1     2    3    4      8     10     12      16      20      24      28        44      108     236     240
 *   |op |htype|hlen|hops| xid  | secs|flags |ciaddr |yiaddr |siaddr |giaddr | chaddr  | sname | file  |cookie | options
 *
 * decode() checks the fixed part and walks the options once (code, length)
 * so an option that runs past the message is reported; values are read by
 * the getters. Options of other codes are shown by number and length.
 */
import { computed, flag, uint, address } from './fieldkit';
import { OccurrenceCursor, OffsetIndex } from './offsets';
import { locatedUint, nthKept, type Locate } from './optionkit';
import type { Packet } from './packet';
import { Base, FieldType, type FieldDef, type Protocol, type TreeNode } from './protocol';
import { add, drawsNoExpert, fieldNode, flagNode, hexText, ipv4Text, macText } from './treekit';

/** op .. file: the BOOTP header without the vendor area (RFC 951). */
export const BOOTP_FIXED_LEN = 236;
/** The magic cookie 99.130.83.99 (RFC 2131 section 3) that starts the options. */
export const OPTIONS_START = 240;
const MAGIC_COOKIE = 0x63825363;

export const OPT_PAD = 0;
export const OPT_MESSAGE_TYPE = 53;
export const OPT_END = 255;

export const DHCP_MESSAGE_TYPES = new Map<number, string>([
  [1, 'Discover'], [2, 'Offer'], [3, 'Request'], [4, 'Decline'], [5, 'ACK'], [6, 'NAK'], [7, 'Release'], [8, 'Inform'],
  [9, 'Force Renew'], [10, 'Lease query'], [11, 'Lease Unassigned'], [12, 'Lease Unknown'], [13, 'Lease Active'],
  [14, 'Bulk Lease Query'], [15, 'Lease Query Done'], [16, 'Active LeaseQuery'], [17, 'Lease Query Status'], [18, 'TLS'],
]);

const OPTION_NAMES = new Map<number, string>([
  [0, 'Padding'], [1, 'Subnet Mask'], [2, 'Time Offset'], [3, 'Router'], [6, 'Domain Name Server'], [12, 'Host Name'],
  [15, 'Domain Name'], [28, 'Broadcast Address'], [42, 'Network Time Protocol Servers'], [43, 'Vendor-Specific Information'],
  [50, 'Requested IP Address'], [51, 'IP Address Lease Time'], [52, 'Option Overload'], [53, 'DHCP Message Type'],
  [54, 'DHCP Server Identifier'], [55, 'Parameter Request List'], [56, 'Message'], [57, 'Maximum DHCP Message Size'],
  [58, 'Renewal Time Value'], [59, 'Rebinding Time Value'], [60, 'Vendor class identifier'], [61, 'Client identifier'],
  [81, 'Client Fully Qualified Domain Name'], [82, 'Agent Information Option'], [255, 'End'],
]);

export function dhcpOptionName(code: number): string {
  return OPTION_NAMES.get(code) ?? 'Unknown';
}

/** layerAux bits set by decode(). */
const AUX_HEADER = 1;
/** A cookie follows the BOOTP header: options follow (a DHCP message, not plain BOOTP). */
const AUX_COOKIE = 2;

function hasCookie(pkt: Packet, li: number): boolean {
  return (pkt.layerAux[li] & AUX_COOKIE) !== 0;
}

/**
 * tshark 4.0 reads the option area (for the message type) before it shows
 * any BOOTP field: when the capture ends before the options, it shows none
 * (tcpdump's bootp_asan-2.pcap). The header fields follow the same rule.
 */
function needsHeader(def: FieldDef): FieldDef {
  return { ...def, get: (pkt, li, k) => ((pkt.layerAux[li] & AUX_HEADER) !== 0 ? def.get(pkt, li, k) : undefined) };
}

/** Option 61 (RFC 2132 9.14) holding a hardware type and a MAC: tshark shows both as dhcp.hw.* again. */
function clientIdMac(pkt: Packet, li: number, k: number): number {
  const o = nthKept(pkt, li, k, clientIds, isEthernetClientId);
  return o < 0 ? -1 : o + 2;
}
const clientIds: Locate = (pkt, li, k) => dhcpOption(pkt, li, 61, k);
const isEthernetClientId = (pkt: Packet, o: number): boolean => pkt.u8(o + 1) === 7 && pkt.u8(o + 2) === 1;

function messageEnd(pkt: Packet, li: number): number {
  const e = pkt.layerEnd[li];
  return e < pkt.capLen ? e : pkt.capLen;
}

/** Offsets of the options, PAD excluded, END included (a 64 KiB message can hold 30,000). */
const options = new OffsetIndex((pkt, li, index) => {
  if (!hasCookie(pkt, li)) return;
  const end = messageEnd(pkt, li);
  let o = pkt.layerStart[li] + OPTIONS_START;
  while (o < end) {
    const c = pkt.u8(o);
    if (c === OPT_PAD) {
      o++;
      continue;
    }
    // An option whose length runs past the message ends the walk (decode() reported it).
    if (c !== OPT_END && (o + 2 > end || o + 2 + pkt.u8(o + 1) > end)) return;
    index.add(o);
    if (c === OPT_END) return;
    o += 2 + pkt.u8(o + 1);
  }
});

/** Where the last dhcpOption call found its occurrence, so occurrence k + 1 continues from there. */
const optionCursor = new OccurrenceCursor();

/**
 * Frame-relative offset of occurrence k of option `code` (-1: any code, PAD
 * excluded as Wireshark shows none), or -1. END stops the walk; an option
 * whose length runs past the message stops it too.
 */
export function dhcpOption(pkt: Packet, li: number, code: number, k: number): number {
  const idx = options.of(pkt, li);
  let seen = 0;
  let i = 0;
  const at = optionCursor.resume(idx, code, k);
  if (at >= 0) {
    if (optionCursor.lastK === k) return idx.offsets[at];
    seen = optionCursor.lastK + 1;
    i = at + 1;
  }
  for (; i < idx.count; i++) {
    const o = idx.offsets[i];
    if (code !== -1 && pkt.u8(o) !== code) continue;
    if (seen === k) {
      optionCursor.found(idx, code, k, i);
      return o;
    }
    seen++;
  }
  return -1;
}

/** Offset of the first byte after the END option (the padding), or -1. */
function afterEnd(pkt: Packet, li: number): number {
  const o = dhcpOption(pkt, li, OPT_END, 0);
  return o < 0 ? -1 : o + 1;
}

/** A value inside option `code`: `size`-byte items (0 = the whole value), occurrence k over all items of all such options. */
function optionItem(name: string, label: string, code: number, type: FieldType, size: 0 | 1 | 2 | 4, base?: Base): FieldDef {
  // Items are asked for in order (k = 0, 1, 2 ...): continue from the option that held item k - 1.
  const cursor = { generation: -1, k: -1, i: 0, first: 0 };
  const locate = (pkt: Packet, li: number, k: number): number => {
    let i = 0;
    let left = k;
    const generation = options.of(pkt, li).generation;
    if (cursor.generation === generation && cursor.k >= 0 && cursor.k <= k) {
      i = cursor.i;
      left = k - cursor.first;
    }
    for (; ; i++) {
      const o = dhcpOption(pkt, li, code, i);
      if (o < 0) return -1;
      const n = size === 0 ? 1 : Math.floor(pkt.u8(o + 1) / size);
      if (left < n) {
        cursor.generation = generation;
        cursor.k = k;
        cursor.i = i;
        cursor.first = k - left;
        return size === 0 ? o : o + 2 + left * size;
      }
      left -= n;
    }
  };
  return {
    name,
    label,
    type,
    base,
    get: (pkt, li, k) => {
      const at = locate(pkt, li, k);
      if (at < 0) return undefined;
      // Strings (RFC 2132 3.14 host name ...): may carry a trailing NUL, which Wireshark drops.
      if (size === 0) return textBeforeNul(pkt, at + 2, pkt.u8(at + 1));
      if (type === FieldType.Ipv4) return at;
      return size === 1 ? pkt.u8(at) : size === 2 ? pkt.u16(at) : pkt.u32(at);
    },
    span: (pkt, li, k) => {
      const at = locate(pkt, li, k);
      if (at < 0) return undefined;
      return size === 0 ? { offset: at + 2, length: pkt.u8(at + 1) } : { offset: at, length: size };
    },
  };
}

/** An IPv4 address option whose length must be exactly 4 (RFC 2132). */
function singleAddress(name: string, label: string, code: number): FieldDef {
  const def = optionItem(name, label, code, FieldType.Ipv4, 4);
  return {
    ...def,
    get: (pkt, li, k) => {
      const o = dhcpOption(pkt, li, code, k);
      return o >= 0 && pkt.u8(o + 1) === 4 ? o + 2 : undefined;
    },
  };
}

/** A 32-bit option whose length must be exactly 4 (lease times). */
function single32(name: string, label: string, code: number): FieldDef {
  return locatedUint(name, label, (pkt, li, k) => {
    const o = dhcpOption(pkt, li, code, k);
    return o >= 0 && pkt.u8(o + 1) === 4 ? o : -1;
  }, 2, 4);
}

/** A fixed BOOTP string (sname, file): absent when its first byte is NUL ("not given"). */
function bootpString(name: string, label: string, offset: number, size: number): FieldDef {
  return {
    name,
    label,
    type: FieldType.String,
    offset,
    length: size,
    get: (pkt, li, k) => {
      const o = pkt.layerStart[li] + offset;
      if (k !== 0 || o + size > pkt.capLen || pkt.u8(o) === 0) return undefined;
      return textBeforeNul(pkt, o, size);
    },
  };
}

/** The `len` bytes at `o` as Latin-1 text, up to the first NUL. */
function textBeforeNul(pkt: Packet, o: number, len: number): string {
  let s = '';
  for (let i = 0; i < len; i++) {
    const b = pkt.u8(o + i);
    if (b === 0) break;
    s += String.fromCharCode(b);
  }
  return s;
}

const isEthernetHw = (pkt: Packet, li: number): boolean => pkt.u8(pkt.layerStart[li] + 1) === 1 && pkt.u8(pkt.layerStart[li] + 2) === 6;

const macAddr: FieldDef = {
  ...address('dhcp.hw.mac_addr', 'Client MAC address', FieldType.Ether, 28),
  get: (pkt, li, k) => {
    const o = pkt.layerStart[li] + 28;
    const inHeader = o + 16 <= pkt.capLen && isEthernetHw(pkt, li);
    if (k === 0 && inHeader) return o;
    const c = clientIdMac(pkt, li, inHeader ? k - 1 : k);
    return c < 0 ? undefined : c + 1;
  },
};

const hwTypeHeader = uint('dhcp.hw.type', 'Hardware type', 1, 1, { base: Base.Hex, names: new Map([[1, 'Ethernet']]) });
const hwType: FieldDef = {
  ...hwTypeHeader,
  get: (pkt, li, k) => {
    if (k === 0) return hwTypeHeader.get(pkt, li, 0);
    const c = clientIdMac(pkt, li, k - 1);
    return c < 0 ? undefined : pkt.u8(c);
  },
};

const addrPadding: FieldDef = {
  name: 'dhcp.hw.addr_padding',
  label: 'Client hardware address padding',
  type: FieldType.Bytes,
  offset: 34,
  length: 10,
  get: (pkt, li, k) => {
    const o = pkt.layerStart[li] + 34;
    return k === 0 && o + 10 <= pkt.capLen && isEthernetHw(pkt, li) ? o : undefined;
  },
};

const anyOption: Locate = (pkt, li, k) => dhcpOption(pkt, li, -1, k);

// tshark 4.0 shows the END option's type as 0 (its tree item carries no value).
const optionType = locatedUint('dhcp.option.type', 'Option', anyOption, 0, 1, { map: (c) => (c === OPT_END ? 0 : c) });

/** Every option but END (the last one the walk lists) has a length byte. */
const hasLengthByte = (pkt: Packet, o: number): boolean => pkt.u8(o) !== OPT_END;
const optionLength = locatedUint('dhcp.option.length', 'Length', (pkt, li, k) => nthKept(pkt, li, k, anyOption, hasLengthByte), 1, 1);

const messageType: FieldDef = {
  name: 'dhcp.option.dhcp',
  label: 'DHCP',
  type: FieldType.Uint,
  base: Base.Dec,
  names: DHCP_MESSAGE_TYPES,
  get: (pkt, li, k) => {
    const o = dhcpOption(pkt, li, OPT_MESSAGE_TYPE, k);
    return o >= 0 && pkt.u8(o + 1) === 1 ? pkt.u8(o + 2) : undefined;
  },
};

const optionEnd = computed('dhcp.option.end', 'Option End', FieldType.Uint, (pkt, li, k) => (dhcpOption(pkt, li, OPT_END, k) >= 0 ? OPT_END : undefined));

const padding: FieldDef = {
  name: 'dhcp.option.padding',
  label: 'Padding',
  type: FieldType.Bytes,
  get: (pkt, li, k) => {
    const p = afterEnd(pkt, li);
    return k === 0 && p >= 0 && p < messageEnd(pkt, li) ? p : undefined;
  },
  size: (pkt, li) => messageEnd(pkt, li) - afterEnd(pkt, li),
};

const cookie: FieldDef = {
  ...address('dhcp.cookie', 'Magic cookie', FieldType.Ipv4, 236),
  get: (pkt: Packet, li: number, k: number) => (k === 0 && hasCookie(pkt, li) ? pkt.layerStart[li] + 236 : undefined),
};

const op = uint('dhcp.type', 'Message type', 0, 1, { names: new Map([[1, 'Boot Request'], [2, 'Boot Reply']]) });
const xid = uint('dhcp.id', 'Transaction ID', 4, 4, { base: Base.Hex });

const fields: FieldDef[] = [
  op,
  hwType,
  uint('dhcp.hw.len', 'Hardware address length', 2, 1),
  uint('dhcp.hops', 'Hops', 3, 1),
  xid,
  uint('dhcp.secs', 'Seconds elapsed', 8, 2),
  uint('dhcp.flags', 'Bootp flags', 10, 2, { base: Base.Hex }),
  flag('dhcp.flags.bc', 'Broadcast flag', 10, 2, 0x8000),
  uint('dhcp.flags.reserved', 'Reserved flags', 10, 2, { base: Base.Hex, mask: 0x7fff, width: 4 }),
  address('dhcp.ip.client', 'Client IP address', FieldType.Ipv4, 12),
  address('dhcp.ip.your', 'Your (client) IP address', FieldType.Ipv4, 16),
  address('dhcp.ip.server', 'Next server IP address', FieldType.Ipv4, 20),
  address('dhcp.ip.relay', 'Relay agent IP address', FieldType.Ipv4, 24),
  macAddr,
  addrPadding,
  bootpString('dhcp.server', 'Server host name', 44, 64),
  bootpString('dhcp.file', 'Boot file name', 108, 128),
  cookie,
  optionType,
  optionLength,
  messageType,
  singleAddress('dhcp.option.subnet_mask', 'Subnet Mask', 1),
  optionItem('dhcp.option.router', 'Router', 3, FieldType.Ipv4, 4),
  optionItem('dhcp.option.domain_name_server', 'Domain Name Server', 6, FieldType.Ipv4, 4),
  optionItem('dhcp.option.hostname', 'Host Name', 12, FieldType.String, 0),
  optionItem('dhcp.option.domain_name', 'Domain Name', 15, FieldType.String, 0),
  singleAddress('dhcp.option.broadcast_address', 'Broadcast Address', 28),
  singleAddress('dhcp.option.requested_ip_address', 'Requested IP Address', 50),
  single32('dhcp.option.ip_address_lease_time', 'IP Address Lease Time', 51),
  singleAddress('dhcp.option.dhcp_server_id', 'DHCP Server Identifier', 54),
  optionItem('dhcp.option.request_list_item', 'Parameter Request List Item', 55, FieldType.Uint, 1, Base.Dec),
  optionItem('dhcp.option.dhcp_max_message_size', 'Maximum DHCP Message Size', 57, FieldType.Uint, 2, Base.Dec),
  single32('dhcp.option.renewal_time_value', 'Renewal Time Value', 58),
  single32('dhcp.option.rebinding_time_value', 'Rebinding Time Value', 59),
  optionItem('dhcp.option.vendor_class_id', 'Vendor class identifier', 60, FieldType.String, 0),
  optionEnd,
  padding,
].map(needsHeader);

/** The DHCP message type (option 53), or -1 for a plain BOOTP message. */
export function dhcpMessageType(pkt: Packet, li: number): number {
  const v = messageType.get(pkt, li, 0);
  return v === undefined ? -1 : (v as number);
}

// ---- detail tree ----

function optionNode(pkt: Packet, o: number): TreeNode {
  const c = pkt.u8(o);
  if (c === OPT_END) return { text: 'Option: (255) End', field: 'dhcp.option.type', offset: o, length: 1, children: [{ text: 'Option End: 255', field: 'dhcp.option.end', offset: o, length: 1 }] };
  const len = pkt.u8(o + 1);
  const at = o + 2;
  const children: TreeNode[] = [{ text: `Length: ${len}`, field: 'dhcp.option.length', offset: o + 1, length: 1 }];
  let suffix = '';
  const name = dhcpOptionName(c);
  if (c === OPT_MESSAGE_TYPE && len === 1) {
    const t = DHCP_MESSAGE_TYPES.get(pkt.u8(at)) ?? 'Unknown';
    suffix = ` (${t})`;
    children.push({ text: `DHCP: ${t} (${pkt.u8(at)})`, field: 'dhcp.option.dhcp', offset: at, length: 1 });
  } else if ((c === 1 || c === 28 || c === 50 || c === 54) && len === 4) {
    suffix = ` (${ipv4Text(pkt, at)})`;
    children.push({ text: `${name}: ${ipv4Text(pkt, at)}`, offset: at, length: 4 });
  } else if ((c === 3 || c === 6) && len % 4 === 0) {
    for (let i = 0; i < len; i += 4) children.push({ text: `${name}: ${ipv4Text(pkt, at + i)}`, offset: at + i, length: 4 });
  } else if ((c === 51 || c === 58 || c === 59) && len === 4) {
    const v = pkt.u32(at);
    children.push({ text: `${name}: (${v}s)`, offset: at, length: 4 });
  } else if (c === 55) {
    for (let i = 0; i < len; i++) {
      const item = pkt.u8(at + i);
      children.push({ text: `Parameter Request List Item: (${item}) ${dhcpOptionName(item)}`, field: 'dhcp.option.request_list_item', offset: at + i, length: 1 });
    }
  } else if (c === 12 || c === 15 || c === 60) {
    let s = '';
    for (let i = 0; i < len; i++) s += String.fromCharCode(pkt.u8(at + i));
    children.push({ text: `${name}: ${s}`, offset: at, length: len });
  } else if (len > 0) {
    children.push({ text: `Value: ${hexText(pkt, at, len)}`, offset: at, length: len });
  }
  return { text: `Option: (${c}) ${name}${suffix}`, field: 'dhcp.option.type', offset: o, length: 2 + len, children };
}

function tree(pkt: Packet, li: number): TreeNode[] {
  const out: TreeNode[] = [];
  const start = pkt.layerStart[li];
  for (const d of fields.slice(0, 7)) add(out, fieldNode(pkt, li, d));
  const last = out[out.length - 1];
  if (last !== undefined && last.field === 'dhcp.flags') {
    last.children = [];
    add(last.children, flagNode(pkt, li, fields[7]));
    add(last.children, fieldNode(pkt, li, fields[8]));
  }
  for (const d of fields.slice(9, 13)) add(out, fieldNode(pkt, li, d));
  if (start + 44 <= pkt.capLen) {
    if (isEthernetHw(pkt, li)) {
      out.push({ text: `Client MAC address: ${macText(pkt, start + 28)}`, field: 'dhcp.hw.mac_addr', offset: start + 28, length: 6 });
      out.push({ text: `Client hardware address padding: ${hexText(pkt, start + 34, 10)}`, field: 'dhcp.hw.addr_padding', offset: start + 34, length: 10 });
    } else {
      out.push({ text: `Client hardware address: ${hexText(pkt, start + 28, Math.min(pkt.u8(start + 2), 16))}`, field: 'dhcp.hw.addr', offset: start + 28, length: 16 });
    }
  }
  for (const [def, absent, at, size] of [[fields[15], 'Server host name not given', 44, 64], [fields[16], 'Boot file name not given', 108, 128]] as const) {
    if (start + at + size > pkt.capLen) continue;
    const n = fieldNode(pkt, li, def);
    out.push(n ?? { text: absent, offset: start + at, length: size });
  }
  if (hasCookie(pkt, li)) {
    out.push({ text: 'Magic cookie: DHCP', field: 'dhcp.cookie', offset: start + 236, length: 4 });
    for (let i = 0; ; i++) {
      const o = dhcpOption(pkt, li, -1, i);
      if (o < 0) break;
      out.push(optionNode(pkt, o));
    }
    const p = afterEnd(pkt, li);
    const end = messageEnd(pkt, li);
    if (p >= 0 && p < end) out.push({ text: `Padding: ${hexText(pkt, p, end - p)}`, field: 'dhcp.option.padding', offset: p, length: end - p });
  }
  return out;
}

export const dhcp: Protocol = {
  name: 'dhcp',
  label: 'Dynamic Host Configuration Protocol',
  short: 'DHCP',
  mayExpert: drawsNoExpert,
  fields,
  decode(pkt: Packet): Protocol | null {
    const start = pkt.cursor;
    const end = pkt.limit;
    const declared = end - start;
    const li = pkt.push(dhcp, start, start + BOOTP_FIXED_LEN, end);
    if (li < 0) return null;
    const avail = pkt.avail(start);
    if (declared < BOOTP_FIXED_LEN) {
      pkt.malformed('dhcp', 'fewer than 236 bytes for the BOOTP header');
      return null;
    }
    const need = declared >= OPTIONS_START ? OPTIONS_START : BOOTP_FIXED_LEN;
    if (avail < need) {
      pkt.truncated(need, avail);
      return null;
    }
    pkt.layerAux[li] = AUX_HEADER;
    if (need < OPTIONS_START || pkt.u32(start + BOOTP_FIXED_LEN) !== MAGIC_COOKIE) return null;
    pkt.layerAux[li] = AUX_HEADER | AUX_COOKIE;
    pkt.layerPayload[li] = start + OPTIONS_START;
    // Walk the options once: the first that does not fit is the problem.
    const capEnd = end < pkt.capLen ? end : pkt.capLen;
    let o = start + OPTIONS_START;
    while (o < end) {
      if (o >= capEnd) {
        pkt.truncated(o - start + 1, capEnd - start);
        return null;
      }
      const c = pkt.u8(o);
      if (c === OPT_END) return null;
      if (c === OPT_PAD) {
        o++;
        continue;
      }
      if (o + 2 > end) {
        pkt.malformed('dhcp.option.length', 'option length byte past the end of the message');
        return null;
      }
      if (o + 2 > capEnd) {
        pkt.truncated(o + 2 - start, capEnd - start);
        return null;
      }
      const next = o + 2 + pkt.u8(o + 1);
      if (next > end) {
        pkt.malformed('dhcp.option.length', 'option runs past the end of the message');
        return null;
      }
      if (next > capEnd) {
        pkt.truncated(next - start, capEnd - start);
        return null;
      }
      o = next;
    }
    return null;
  },
  tree,
};
