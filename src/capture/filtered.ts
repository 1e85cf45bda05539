/**
 * A capture filter on a file or standard input, as `tcpdump -r F 'tcp port
 * 8080'` applies one: libpcap's language, compiled by bpf/ to classic BPF
 * and run on each frame's bytes before anything else sees it
 * (pcap_offline_filter). A frame that does not match never exists for the
 * rest of synack: it is not numbered, counted by -c, analysed or saved by
 * -w, exactly as with the same filter on a live capture. Live capture keeps
 * libpcap's own filter, in the kernel.
 */
import { BpfError, bpfMatch, compileFilter, type BpfProgram } from './bpf/index';
import { DLT_NULL as LINKTYPE_NULL } from './bpf/linktype';
import { CaptureError, type Frame, type FrameSink, type PacketSource, type Progress, type SourceEnd } from './frame';

/**
 * Checks `expr` before any frame is read, when the link type is not known yet: an error only when
 * no common link type accepts it (a syntax error, an unknown name). A filter only some link types
 * can express (`ether host` on Linux cooked frames, `inbound` on Ethernet) is judged at the first
 * frame of a type, by FilteredSource.
 */
export function checkCaptureFilter(expr: string): string | null {
  let first: BpfError | null = null;
  for (const linkType of COMMON_LINK_TYPES) {
    try {
      compileFilter(expr, linkType);
      return null;
    } catch (e) {
      if (!(e instanceof BpfError)) throw e;
      first ??= e;
    }
  }
  return filterError(expr, first!);
}

/** Ethernet, Linux cooked v1 and v2, raw IP, BSD loopback. */
const COMMON_LINK_TYPES = [1, 113, 276, 101, 0];

/** Module-local: the per-frame test then reads a constant V8 folds, not an `exports` load. */
const DLT_NULL = LINKTYPE_NULL;

/** The programs' key for DLT_NULL written big-endian: no link type is negative. */
const DLT_NULL_BIG_ENDIAN = -1;

/** The pcapng section a frame came from (0: a format without sections). */
function sectionOf(frame: Frame): number {
  return frame.iface === null ? 0 : frame.iface.section;
}

function filterError(expr: string, e: BpfError, linkType?: number): string {
  const on = linkType === undefined ? '' : ` on link type ${linkType}`;
  // A generated filter can be thousands of terms long: the line names its start.
  const shown = expr.length > 120 ? `${expr.slice(0, 100)}…` : expr;
  return `capture filter '${shown}'${on}: ${e.message} (column ${e.column + 1})`;
}

export class FilteredSource implements PacketSource {
  readonly kind: PacketSource['kind'];
  readonly name: string;
  /** The program of each link type met so far (a pcapng file may hold several), DLT_NULL once per byte order. */
  private readonly programs = new Map<number, BpfProgram>();
  private lastType = -1;
  private lastSection = 0;
  private last: BpfProgram | null = null;

  constructor(
    private readonly inner: PacketSource,
    readonly expression: string,
  ) {
    this.kind = inner.kind;
    this.name = inner.name;
  }

  get linkType(): number {
    return this.inner.linkType;
  }

  get nanosecond(): boolean {
    return this.inner.nanosecond;
  }

  get snapLen(): number | undefined {
    return this.inner.snapLen;
  }

  get littleEndian(): boolean | undefined {
    return this.inner.littleEndian;
  }

  progress(): Progress {
    return this.inner.progress();
  }

  stop(): void {
    this.inner.stop();
  }

  async run(sink: FrameSink): Promise<SourceEnd> {
    let refused: CaptureError | null = null;
    const end = await this.inner.run((frame) => {
      if (refused !== null) return;
      let p = this.last;
      // A pcapng section sets its own byte order: DLT_NULL's program may change with it.
      if (frame.linkType !== this.lastType || (frame.linkType === DLT_NULL && sectionOf(frame) !== this.lastSection)) {
        try {
          p = this.program(frame.linkType);
        } catch (e) {
          if (!(e instanceof BpfError)) throw e;
          // A filter this link type cannot express: the frames before were filtered, the rest cannot be.
          refused = new CaptureError(`${filterError(this.expression, e, frame.linkType)}; reading stopped at this frame`, this.name, frame.recordOffset);
          this.inner.stop();
          return;
        }
        this.last = p;
        this.lastType = frame.linkType;
        this.lastSection = sectionOf(frame);
      }
      if (bpfMatch(p!, frame.data, frame.offset, frame.capLen, frame.origLen)) sink(frame);
    });
    return refused !== null ? { kind: 'error', error: refused } : end;
  }

  private program(linkType: number): BpfProgram {
    // DLT_NULL's AF_ word is in the writing host's byte order, and libpcap compares it in the file's
    // (gen_loopback_linktype swaps it when pcap_is_swapped(); pcapng: the section's, since libpcap
    // refuses a file whose sections differ). DLT_LOOP's is always in network order.
    const bigEndianNull = linkType === DLT_NULL && this.inner.littleEndian === false;
    const key = bigEndianNull ? DLT_NULL_BIG_ENDIAN : linkType;
    let p = this.programs.get(key);
    if (p === undefined) {
      p = compileFilter(this.expression, linkType, { bigEndianNull });
      this.programs.set(key, p);
    }
    return p;
  }
}
