/**
 * The link types the compiler knows, and where their headers put things
 * (gencode.c's init_linktype). A LINKTYPE_* value from a file is mapped to
 * the DLT_* value gencode.c switches on first (pcap-common.c's
 * linktype_to_dlt: LINKTYPE_RAW 101 is DLT_RAW, 12 on Linux, 14 on OpenBSD).
 */

export const DLT_NULL = 0;
export const DLT_EN10MB = 1;
export const DLT_SLIP = 8;
export const DLT_PPP = 9;
export const DLT_RAW = 12;
export const DLT_PPP_SERIAL = 50;
export const DLT_C_HDLC = 104;
export const DLT_LOOP = 108;
export const DLT_LINUX_SLL = 113;
export const DLT_IPV4 = 228;
export const DLT_IPV6 = 229;
export const DLT_LINUX_SLL2 = 276;

export interface LinkLayout {
  readonly dlt: number;
  /** pcap_datalink_val_to_description's wording, for error messages. */
  readonly description: string;
  /** Offset of the protocol-type field, or -1 where the header has none (off_linktype). */
  readonly offLinkType: number;
  /** Where the link-layer payload starts (off_linkpl). */
  readonly offLinkPl: number;
  /** Offset of an OSI network header inside the payload, past an 802.2 LLC header (off_nl_nosnap). */
  readonly offNlNoSnap: number;
}

const LAYOUTS = new Map<number, LinkLayout>([
  [DLT_NULL, { dlt: DLT_NULL, description: 'BSD loopback', offLinkType: 0, offLinkPl: 4, offNlNoSnap: 0 }],
  // 802.3 frames carry a 3-byte LLC header before an OSI packet.
  [DLT_EN10MB, { dlt: DLT_EN10MB, description: 'Ethernet', offLinkType: 12, offLinkPl: 14, offNlNoSnap: 3 }],
  [DLT_SLIP, { dlt: DLT_SLIP, description: 'SLIP', offLinkType: -1, offLinkPl: 16, offNlNoSnap: 0 }],
  [DLT_PPP, { dlt: DLT_PPP, description: 'PPP', offLinkType: 2, offLinkPl: 4, offNlNoSnap: 0 }],
  [DLT_RAW, { dlt: DLT_RAW, description: 'Raw IP', offLinkType: -1, offLinkPl: 0, offNlNoSnap: 0 }],
  [DLT_PPP_SERIAL, { dlt: DLT_PPP_SERIAL, description: 'PPP over serial', offLinkType: 2, offLinkPl: 4, offNlNoSnap: 0 }],
  [DLT_C_HDLC, { dlt: DLT_C_HDLC, description: 'Cisco HDLC', offLinkType: 2, offLinkPl: 4, offNlNoSnap: 0 }],
  [DLT_LOOP, { dlt: DLT_LOOP, description: 'OpenBSD loopback', offLinkType: 0, offLinkPl: 4, offNlNoSnap: 0 }],
  [DLT_LINUX_SLL, { dlt: DLT_LINUX_SLL, description: 'Linux cooked v1', offLinkType: 14, offLinkPl: 16, offNlNoSnap: 0 }],
  [DLT_IPV4, { dlt: DLT_IPV4, description: 'Raw IPv4', offLinkType: -1, offLinkPl: 0, offNlNoSnap: 0 }],
  [DLT_IPV6, { dlt: DLT_IPV6, description: 'Raw IPv6', offLinkType: -1, offLinkPl: 0, offNlNoSnap: 0 }],
  [DLT_LINUX_SLL2, { dlt: DLT_LINUX_SLL2, description: 'Linux cooked v2', offLinkType: 0, offLinkPl: 20, offNlNoSnap: 0 }],
]);

/** LINKTYPE_RAW, and DLT_RAW as OpenBSD numbers it (both mean raw IP in a file). */
const LINKTYPE_RAW = 101;
const DLT_RAW_OPENBSD = 14;

/** The layout for a file's LINKTYPE_* value, or null when this compiler does not handle it. */
export function linkLayout(linkType: number): LinkLayout | null {
  const dlt = linkType === LINKTYPE_RAW || linkType === DLT_RAW_OPENBSD ? DLT_RAW : linkType;
  return LAYOUTS.get(dlt) ?? null;
}

/** Link types compileFilter accepts, for messages and tests. */
export const SUPPORTED_LINKTYPES: readonly number[] = [0, 1, 8, 9, 12, 14, 50, 101, 104, 108, 113, 228, 229, 276];
