/**
 * The capture layer's contract: what every source (pcap, pcapng, stdin, live)
 * delivers, and how a source reports that it ended.
 *
 * Sources reuse one Frame object and, where they can, one buffer: a frame is
 * valid only during the sink call that receives it. Copying every frame would
 * cost more than reading it (a subarray alone is ~100 ns in V8), so a consumer
 * that keeps a frame past the call copies it with `copyFrame`. Live capture
 * follows the same rule: its frames come from the capture process's stream
 * (live.ts), read into the stream reader's one buffer.
 */

/**
 * One captured frame. `data[offset, offset + capLen)` are its bytes. For the
 * few link types whose records start with a pseudo-header (SunATM, IrDA,
 * LAPD, ...: capture/limits.ts) those bytes lie just before `offset` and are
 * not counted in capLen / origLen, as in wiretap and tshark.
 */
export interface Frame {
  /** Timestamp, whole seconds since the epoch. Two integers: a double loses nanoseconds. */
  tsSec: number;
  /**
   * Timestamp, nanoseconds within the second: 0..999,999,999 in every sane
   * file. A damaged classic pcap record can hold a larger or (after wiretap's
   * 32-bit arithmetic) negative value; it is kept as wiretap keeps it, so the
   * printed time matches tshark's.
   */
  tsNsec: number;
  /** False when the record carries no time at all (pcapng simple packet blocks): tshark prints no time. */
  hasTime: boolean;
  /** Bytes captured (what `data` holds for this frame). */
  capLen: number;
  /** Length on the wire; larger than capLen when the snapshot length cut the frame. */
  origLen: number;
  /** LINKTYPE_* value (https://www.tcpdump.org/linktypes.html), FCS bits already removed. */
  linkType: number;
  /** pcapng interface index within its section (as tshark shows it); -1 where the format has no interfaces (classic pcap, live). */
  interfaceId: number;
  /** The pcapng interface and section the frame came from (null where the format has none). */
  iface: FrameInterface | null;
  /**
   * Bytes of frame check sequence at the end of `data`, when the capture says
   * (pcap link-type FCS bits, pcapng if_fcslen); -1 when it does not say
   * (wiretap's convention: Ethernet then assumes no FCS).
   */
  fcsLen: number;
  /** Byte offset of this frame's record in its file or stream (error messages, random access). */
  recordOffset: number;
  data: Uint8Array;
  offset: number;
  /**
   * pcapng: the packet block's options lie at `data[optStart, optEnd)`, in the
   * byte order of `iface.littleEndian`; optStart === optEnd (0) when the block
   * has none (most) or the format has no options. The parser checks their
   * lengths and decodes nothing: packet comments are read only when asked
   * (capture/packet-options.ts), so a frame costs no allocation for them.
   */
  optStart: number;
  optEnd: number;
}

/** Receives each frame. The frame (and its buffer) may be reused after the call returns. */
/** What a pcapng file says about an interface, for the frame tree and frame.interface_* fields. */
export interface FrameInterface {
  /** if_name, or null when the block has none. */
  readonly name: string | null;
  /** if_description, or null. */
  readonly description: string | null;
  /** 1-based number of the section (SHB) that describes the interface. */
  readonly section: number;
  /** The section's byte order, in which its packet blocks' options are read. */
  readonly littleEndian: boolean;
}

export type FrameSink = (frame: Frame) => void;

/** Why a source stopped delivering frames. */
export type SourceEnd =
  | { readonly kind: 'eof' }
  | { readonly kind: 'stopped' }
  | { readonly kind: 'error'; readonly error: CaptureError };

/**
 * Bad input, or a capture that could not start. `toString()` is the one line the
 * user sees: what, and where (file, byte offset, frame number).
 */
export class CaptureError extends Error {
  constructor(
    message: string,
    /** file name, '-' for stdin, or the interface name */
    readonly source: string,
    /** byte offset in the file or stream where the damage starts, when known */
    readonly byteOffset?: number,
    /** number (1-based) of the frame that could not be read, when known */
    readonly frameNumber?: number,
  ) {
    super(message);
    this.name = 'CaptureError';
  }

  override toString(): string {
    const where: string[] = [this.source];
    if (this.byteOffset !== undefined) where.push(`byte offset ${this.byteOffset}`);
    if (this.frameNumber !== undefined) where.push(`frame ${this.frameNumber}`);
    return `synack: ${where.join(', ')}: ${this.message}`;
  }
}

export type SourceKind = 'file' | 'stdin' | 'live';

/** One interface for every way frames come in. */
export interface PacketSource {
  readonly kind: SourceKind;
  /** What the user named: the file path, '-', or the interface. */
  readonly name: string;
  /**
   * Delivers frames in order until the input ends, is damaged, or `stop()` is
   * called. Never rejects for bad input: damage resolves with `{kind: 'error'}`
   * after every good frame before it was delivered.
   */
  run(sink: FrameSink): Promise<SourceEnd>;
  /** Stops delivery as soon as possible; `run` then resolves with `{kind: 'stopped'}`. */
  stop(): void;
  /** How far reading has got: bytes consumed, and the file's size (-1 for streams and live capture). */
  progress(): Progress;
  /**
   * The link type frames will most likely have, once known (the pcap header's,
   * the first pcapng interface's, the live handle's), or -1. Writers use it for
   * an empty capture.
   */
  readonly linkType: number;
  /** True once the input is known to carry nanosecond time stamps (nanosecond pcap, pcapng finer than 1 us). */
  readonly nanosecond: boolean;
  /**
   * Files and streams: the byte order they were written in (the pcap header's, or
   * the pcapng section's of the frame being delivered, when read in a sink call).
   * Capture filters need it: DLT_NULL's header is in the writer's order. Absent live.
   */
  readonly littleEndian?: boolean;
  /** The snapshot length the input declares (pcap header, first pcapng interface), once known; 0 when unknown or not set. */
  readonly snapLen?: number;
}

export interface Progress {
  bytes: number;
  total: number;
}

/** Copies a frame so it can be kept after the sink call; its packet options (comments) come along, after its bytes. */
export function copyFrame(f: Frame): Frame {
  const optLen = f.optEnd > f.optStart ? f.optEnd - f.optStart : 0;
  let bytes: Uint8Array;
  if (optLen === 0) {
    // Not f.data.slice(): sources hand over Buffers, whose slice() is a view of the reused buffer, not a copy.
    bytes = Uint8Array.prototype.slice.call(f.data, f.offset, f.offset + f.capLen);
  } else {
    bytes = new Uint8Array(f.capLen + optLen);
    bytes.set(f.data.subarray(f.offset, f.offset + f.capLen));
    bytes.set(f.data.subarray(f.optStart, f.optEnd), f.capLen);
  }
  return {
    tsSec: f.tsSec,
    tsNsec: f.tsNsec,
    hasTime: f.hasTime,
    capLen: f.capLen,
    origLen: f.origLen,
    linkType: f.linkType,
    interfaceId: f.interfaceId,
    iface: f.iface,
    fcsLen: f.fcsLen,
    recordOffset: f.recordOffset,
    data: bytes,
    offset: 0,
    optStart: optLen === 0 ? 0 : f.capLen,
    optEnd: optLen === 0 ? 0 : f.capLen + optLen,
  };
}

/** A fresh, empty frame for sources to reuse. */
export function newFrame(): Frame {
  return {
    tsSec: 0,
    tsNsec: 0,
    hasTime: true,
    capLen: 0,
    origLen: 0,
    linkType: 0,
    interfaceId: -1,
    iface: null,
    fcsLen: -1,
    recordOffset: 0,
    data: EMPTY,
    offset: 0,
    optStart: 0,
    optEnd: 0,
  };
}

const EMPTY = new Uint8Array(0);
