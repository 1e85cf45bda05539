/**
 * The shape every protocol file has (smoltcp's wire/ modules, Wireshark's
 * field tables): a Protocol with its filter name, a `decode` that checks
 * lengths once and dispatches through a table, and a table of fields named as
 * Wireshark names them, each able to say where it lies in the frame.
 */
import type { Packet } from './packet';

/** How a field's value is represented and printed (tshark's FT_* types). */
export enum FieldType {
  /** Presence only (a protocol or a text label). */
  None = 0,
  /** Unsigned integer; printed per `base`. */
  Uint = 1,
  Int = 2,
  /** Printed 1 / 0 by tshark 4.0 -T fields. */
  Bool = 3,
  Double = 4,
  /** Value is the frame-relative offset of 4 address bytes. */
  Ipv4 = 5,
  /** Value is the frame-relative offset of 16 address bytes. */
  Ipv6 = 6,
  /** Value is the frame-relative offset of 6 MAC bytes. */
  Ether = 7,
  /** Value is the frame-relative offset of the bytes; `size()` gives their count. */
  Bytes = 8,
  /** Value is a JS string (from packet bytes: sanitise before printing). */
  String = 9,
  /**
   * Value is a signed count of nanoseconds (exact up to 104 days), printed as
   * seconds with 9 decimals; or, for a field with `nanos()`, whole seconds
   * with `nanos()` the nanoseconds of the same sign, as Wireshark's nstime.
   */
  RelTime = 10,
  /** A frame number (tshark FT_FRAMENUM). */
  FrameNum = 11,
  /** Value is an unsigned integer printed as IPv4 dotted quad (addresses computed, not read). */
  Ipv4Value = 12,
  /** Value is whole seconds since the epoch; `nanos()` gives the fraction (a double loses nanoseconds). */
  AbsTime = 13,
}

export enum Base {
  Dec = 0,
  Hex = 1,
  /** Shown as "decimal (0xhex)" in the tree; printed decimal by -T fields. */
  DecHex = 2,
  HexDec = 3,
  Oct = 4,
  /** An AbsTime printed as a date in UTC (Wireshark's ABSOLUTE_TIME_UTC), not as epoch seconds. */
  Utc = 5,
}

export type FieldValue = number | string;

export interface FieldDef {
  /** Wireshark display-filter name: 'tcp.srcport'. */
  readonly name: string;
  /** Display name as Wireshark's detail tree shows it: 'Source Port'. */
  readonly label: string;
  readonly type: FieldType;
  /** Integer display base (tshark prints hex fields as 0x with `width` digits). */
  readonly base?: Base;
  /** Hex digits when printed in hex: tshark uses the field's bit width / 4. */
  readonly width?: number;
  /** Names for values, for the tree and summaries ('IPv4' for 0x0800). */
  readonly names?: ReadonlyMap<number, string>;
  /** Where the field lies, relative to its layer's start, when fixed. Drives hex highlighting. */
  readonly offset?: number;
  readonly length?: number;
  /** For bit fields: the mask within `length` bytes (Wireshark's bitmask). */
  readonly mask?: number;
  /** A flag's words in the tree, set then clear (Wireshark's true_false_string); "Set" / "Not set" without. */
  readonly flagWords?: readonly [string, string];
  /**
   * Value of occurrence `k` (0, 1, ...) of this field in layer `li`, or
   * undefined when there is no such occurrence (absent, beyond the capture).
   * Single-valued fields answer only k = 0. Must not allocate for numeric and
   * address types: this runs per packet for -T fields and filters.
   */
  get(pkt: Packet, li: number, k: number): FieldValue | undefined;
  /** Frame-relative offset and length of occurrence k, for fields not at a fixed offset. */
  span?(pkt: Packet, li: number, k: number): { offset: number; length: number } | undefined;
  /** Byte count of a Bytes value. */
  size?(pkt: Packet, li: number, k: number): number;
  /** Nanoseconds within the second of an AbsTime value, or beside the seconds of a RelTime one. */
  nanos?(pkt: Packet, li: number, k: number): number;
}

/** A node of the detail tree (built only for the frame on screen: allocation is fine). */
export interface TreeNode {
  /** 'Source Port: 54606' as Wireshark shows it. Built from packet bytes: sanitise before display. */
  text: string;
  /** The field this line shows, when it is one. */
  field?: string;
  /** Frame-relative bytes this line covers (highlighted in the hex view). */
  offset: number;
  length: number;
  children?: TreeNode[];
  /** Set on an expert item's line (`_ws.expert`): what -z expert counts. */
  expert?: ExpertInfo;
}

/** Wireshark's expert severities (PI_CHAT ... PI_ERROR), as its tree writes them. */
export type ExpertSeverity = 'Comment' | 'Chat' | 'Note' | 'Warning' | 'Error';

/** One expert item: severity, group ('Sequence', 'Malformed', ...) and message, as Wireshark's. */
export interface ExpertInfo {
  readonly severity: ExpertSeverity;
  readonly group: string;
  readonly message: string;
  /** The protocol it is counted under, when not the layer drawing it (a frame's closing Malformed line). */
  readonly protocol?: string;
}

export interface Protocol {
  /** Wireshark filter name: 'eth', 'ip', 'tcp'. Also a field of its own (presence). */
  readonly name: string;
  /** Wireshark's short name: 'TCP', 'IPv4', 'ARP/RARP' (the Protocol column of -z expert). */
  readonly short: string;
  /** 'Transmission Control Protocol' */
  readonly label: string;
  readonly fields: readonly FieldDef[];
  /**
   * Decodes the header at `pkt.cursor`, whose bytes end (as the parent
   * declared) at `pkt.limit`. Checks lengths once at entry; pushes its layer
   * even when the header is cut short (fields that were captured stay
   * readable), records a truncated or malformed problem, and never throws on
   * packet bytes. Sets `pkt.cursor` / `pkt.limit` for the next layer and
   * returns the next protocol from a dispatch table, or null to stop.
   */
  decode(pkt: Packet): Protocol | null;
  /** Detail tree of layer `li`; the default lists `fields` with their values. */
  tree?(pkt: Packet, li: number): TreeNode[];
  /**
   * Whether `tree(pkt, li)` may draw an expert item. false is a promise that
   * it draws none: `-z expert` then skips the layer's tree (most frames have
   * no item, and drawing every tree made it 3x slower than tshark). Answer
   * from the same functions tree() gates its items on (TCP's tcpExperts
   * bits), so the two cannot disagree; true when unsure costs only time.
   * Absent: the tree is always drawn. Runs per frame: must not allocate when
   * it answers false. test/output/expert.test.ts checks the promise on every
   * frame of every capture (the full tree's items against the skipping one's).
   */
  mayExpert?(pkt: Packet, li: number): boolean;
}
