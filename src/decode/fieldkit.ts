/**
 * Constructors for the common field shapes, so every protocol file declares
 * its fields as a table of one-liners (Wireshark's hf arrays) and every
 * getter does the same bounds check: a field that was not captured is absent.
 */
import type { Packet } from './packet';
import { Base, FieldType, type FieldDef, type FieldValue } from './protocol';

interface FixedOptions {
  base?: Base;
  /** Bit mask within the field's bytes; the value is shifted down by the mask's trailing zeros. */
  mask?: number;
  names?: ReadonlyMap<number, string>;
  /** Hex digits when printed in hex (default: 2 per byte, or the mask's width). */
  width?: number;
}

function trailingZeros(mask: number): number {
  let n = 0;
  while (n < 32 && ((mask >>> n) & 1) === 0) n++;
  return n;
}

/** Big-endian unsigned integer of 1, 2, 3 or 4 bytes at `offset` from the layer start. */
export function uint(name: string, label: string, offset: number, length: 1 | 2 | 3 | 4, opts: FixedOptions = {}): FieldDef {
  const mask = opts.mask;
  const shift = mask === undefined ? 0 : trailingZeros(mask);
  return {
    name,
    label,
    type: FieldType.Uint,
    base: opts.base ?? Base.Dec,
    width: opts.width ?? length * 2,
    names: opts.names,
    offset,
    length,
    mask,
    get(pkt: Packet, li: number, k: number): FieldValue | undefined {
      if (k !== 0) return undefined;
      const o = pkt.layerStart[li] + offset;
      if (o + length > pkt.capLen) return undefined;
      let v: number;
      switch (length) {
        case 1: v = pkt.u8(o); break;
        case 2: v = pkt.u16(o); break;
        case 3: v = (pkt.u8(o) << 16) | pkt.u16(o + 1); break;
        default: v = pkt.u32(o);
      }
      return mask === undefined ? v : ((v & mask) >>> 0) >>> shift;
    },
  };
}

/** A single bit (or any mask) shown as a boolean flag: 1 / 0. */
export function flag(name: string, label: string, offset: number, length: 1 | 2 | 4, mask: number): FieldDef {
  const u = uint(name, label, offset, length, { mask });
  return { ...u, type: FieldType.Bool, get: (pkt, li, k) => { const v = u.get(pkt, li, k); return v === undefined ? undefined : (v as number) !== 0 ? 1 : 0; } };
}

/** An address of `type` (Ipv4, Ipv6, Ether) at a fixed offset: the value is its frame-relative offset. */
export function address(name: string, label: string, type: FieldType.Ipv4 | FieldType.Ipv6 | FieldType.Ether, offset: number): FieldDef {
  const length = type === FieldType.Ipv4 ? 4 : type === FieldType.Ipv6 ? 16 : 6;
  return {
    name,
    label,
    type,
    offset,
    length,
    get(pkt: Packet, li: number, k: number): FieldValue | undefined {
      if (k !== 0) return undefined;
      const o = pkt.layerStart[li] + offset;
      return o + length <= pkt.capLen ? o : undefined;
    },
  };
}

/** A field that is present on both sides (ip.addr = ip.src then ip.dst), as Wireshark's. */
export function either(name: string, label: string, first: FieldDef, second: FieldDef): FieldDef {
  return {
    name,
    label,
    type: first.type,
    base: first.base,
    width: first.width,
    names: first.names,
    get(pkt, li, k) {
      if (k === 0) return first.get(pkt, li, 0);
      if (k === 1) return second.get(pkt, li, 0);
      return undefined;
    },
    span(pkt, li, k) {
      const f = k === 0 ? first : second;
      return f.offset === undefined ? undefined : { offset: pkt.layerStart[li] + f.offset, length: f.length ?? 0 };
    },
  };
}

/** A field computed from the layer (no fixed place in the bytes, or a derived value). */
export function computed(name: string, label: string, type: FieldType, get: FieldDef['get'], opts: FixedOptions = {}): FieldDef {
  return { name, label, type, base: opts.base, width: opts.width, names: opts.names, get };
}
