/**
 * What the option lists of IPv4, IPv6, TCP and DHCP share: a walk step for
 * the RFC 791 option layout, "occurrence k among the options that qualify",
 * and the field shape "a number at a fixed place inside each option found".
 * Each protocol keeps its own walk (their quirks differ: where the list
 * ends, what an END or EOL means to tshark); these are the pieces that were
 * the same in every file.
 */
import type { Packet } from './packet';
import { Base, FieldType, type FieldDef, type FieldValue } from './protocol';

/** Frame-relative offset of occurrence `k` of something in layer `li` (an option, a header), or -1. */
export type Locate = (pkt: Packet, li: number, k: number) => number;

/**
 * Occurrence `k` among the places `locate` finds (0, 1, 2 ... until -1) that
 * `keep` accepts, or -1: the options that carry a length byte, those of the
 * length the RFC requires. Walks from the first each time; the lists it
 * serves are short (a TCP or IPv4 header holds at most 40 option bytes) or
 * their `locate` resumes in O(1) (DHCP's OccurrenceCursor).
 */
export function nthKept(pkt: Packet, li: number, k: number, locate: Locate, keep: (pkt: Packet, o: number) => boolean): number {
  let seen = 0;
  for (let i = 0; ; i++) {
    const o = locate(pkt, li, i);
    if (o < 0) return -1;
    if (!keep(pkt, o)) continue;
    if (seen === k) return o;
    seen++;
  }
}

/**
 * Total length of the option at frame-relative `o` in the layout IPv4 (RFC
 * 791 section 3.1) and TCP (RFC 9293 section 3.1) share: kinds 0 (end of
 * list) and 1 (no-operation) are one byte, any other kind is followed by a
 * length that counts the kind and length bytes too. -1 when that length byte
 * is not in the header (ending at `end`) or not captured, or the length is
 * under 2 or runs past the header: the walk cannot go on.
 */
export function kindLengthOption(pkt: Packet, o: number, end: number): number {
  if (pkt.u8(o) <= 1) return 1;
  if (o + 1 >= end || o + 1 >= pkt.capLen) return -1;
  const len = pkt.u8(o + 1);
  return len < 2 || o + len > end ? -1 : len;
}

interface LocatedOptions {
  base?: Base;
  names?: ReadonlyMap<number, string>;
  width?: number;
  /** The value shown from the number read (a window scale's multiplier from its shift count, an IP version from its byte). */
  map?: (v: number, pkt: Packet, li: number) => number;
}

/**
 * A big-endian unsigned integer of `length` bytes, `at` bytes after each
 * place `locate` finds: occurrence k of the field is read from occurrence k
 * of the place (an option's kind at 0, its length at 1, a value after them),
 * absent where there is none. The caller's `locate` decides what was
 * captured and well-formed enough to read.
 */
export function locatedUint(name: string, label: string, locate: Locate, at: number, length: 1 | 2 | 4, opts: LocatedOptions = {}): FieldDef {
  const map = opts.map;
  return {
    name,
    label,
    type: FieldType.Uint,
    base: opts.base ?? Base.Dec,
    width: opts.width,
    names: opts.names,
    get(pkt: Packet, li: number, k: number): FieldValue | undefined {
      const o = locate(pkt, li, k);
      if (o < 0) return undefined;
      const v = length === 1 ? pkt.u8(o + at) : length === 2 ? pkt.u16(o + at) : pkt.u32(o + at);
      return map === undefined ? v : map(v, pkt, li);
    },
    span(pkt: Packet, li: number, k: number) {
      const o = locate(pkt, li, k);
      return o < 0 ? undefined : { offset: o + at, length };
    },
  };
}
