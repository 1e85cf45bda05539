/**
 * Helpers for decoder tests: a frame from the hex of a real packet, the
 * decoded layers, a field's values printed as `-T fields` prints them, and
 * the problem as one comparable value (etherparse-style exact errors).
 */
import { newFrame, type Frame } from '../../src/capture/frame';
import { decodeFrame, fieldByName, fieldProtocol } from '../../src/decode/index';
import { Packet, ProblemKind } from '../../src/decode/packet';
import { writeValue } from '../../src/output/fields';
import { OutBuf } from '../../src/output/outbuf';

export const LINKTYPE_ETHERNET = 1;

/** A frame holding the bytes of `hex`; `capLen` cuts it as a snapshot length would (origLen stays). */
export function frameOf(hex: string, opts: { linkType?: number; capLen?: number; origLen?: number } = {}): Frame {
  const bytes = Uint8Array.from(Buffer.from(hex.replace(/\s+/g, ''), 'hex'));
  const f = newFrame();
  f.data = bytes;
  f.linkType = opts.linkType ?? LINKTYPE_ETHERNET;
  f.origLen = opts.origLen ?? bytes.length;
  f.capLen = Math.min(opts.capLen ?? bytes.length, bytes.length);
  return f;
}

/** The bytes of `hex` with `edit` applied (frame-relative offsets), as hex again. */
export function patched(hex: string, edit: (b: Uint8Array) => void): string {
  const b = Uint8Array.from(Buffer.from(hex.replace(/\s+/g, ''), 'hex'));
  edit(b);
  return Buffer.from(b).toString('hex');
}

export function decode(frame: Frame, number = 1): Packet {
  const pkt = new Packet();
  decodeFrame(pkt, frame, number);
  return pkt;
}

/** Protocol names of the layers, outermost first ('frame', 'eth', 'ip', 'tcp' ...). */
export function layers(pkt: Packet): string[] {
  const out: string[] = [];
  for (let i = 0; i < pkt.layerCount; i++) out.push(pkt.layerProto[i].name);
  return out;
}

/** Every occurrence of field `name` in the frame, each printed as tshark's -T fields prints it. */
export function values(pkt: Packet, name: string): string[] {
  const def = fieldByName(name);
  if (def === undefined) throw new Error(`no field ${name}`);
  const proto = fieldProtocol(def);
  const out: string[] = [];
  const buf = new OutBuf(-1, 256);
  for (let li = 0; li < pkt.layerCount; li++) {
    if (pkt.layerProto[li] !== proto) continue;
    for (let k = 0; ; k++) {
      const v = def.get(pkt, li, k);
      if (v === undefined) break;
      buf.clear();
      writeValue(buf, pkt, def, v, li, k);
      out.push(buf.text());
    }
  }
  return out;
}

/** The first value of `name`, or undefined. */
export function value(pkt: Packet, name: string): string | undefined {
  return values(pkt, name)[0];
}

export type ProblemView =
  | { kind: 'none' }
  | { kind: 'truncated'; layer: string; needed: number; available: number }
  | { kind: 'malformed'; layer: string; field: string };

/** The frame's problem, in a form tests compare exactly. */
export function problem(pkt: Packet): ProblemView {
  if (pkt.problem === ProblemKind.None) return { kind: 'none' };
  const layer = pkt.layerProto[pkt.problemLayer].name;
  if (pkt.problem === ProblemKind.Truncated) return { kind: 'truncated', layer, needed: pkt.problemNeeded, available: pkt.problemAvailable };
  return { kind: 'malformed', layer, field: pkt.problemField };
}

/** Calls every getter of every field on every layer (all occurrences up to a bound): none may throw. */
export function readEveryField(pkt: Packet): number {
  let n = 0;
  for (let li = 0; li < pkt.layerCount; li++) {
    const proto = pkt.layerProto[li];
    for (const def of proto.fields) {
      for (let k = 0; k < 64; k++) {
        const v = def.get(pkt, li, k);
        if (v === undefined) break;
        // A value is a finite number or a string; NaN would mean a read past the frame's bytes.
        if (typeof v === 'number' ? !Number.isFinite(v) : typeof v !== 'string') {
          throw new Error(`${def.name} occurrence ${k} of layer ${li} is ${String(v)}`);
        }
        n++;
        def.span?.(pkt, li, k);
        def.size?.(pkt, li, k);
      }
    }
    proto.tree?.(pkt, li);
  }
  return n;
}
