/**
 * Options of pcapng packet blocks (pcapng 4.3 and 3.5: code, length, value
 * padded to 4, in the section's byte order): checked where the parser meets
 * them, read only when asked. A frame records where its block's options lie
 * (Frame.optStart / optEnd); its packet comments (opt_comment, code 1, any
 * number of them: Wireshark writes one per note) are found here when a field,
 * the tree or a writer wants them, so reading a capture allocates nothing for
 * options, and a block without any costs one subtraction.
 */
import type { Frame } from './frame';

const OPT_END = 0;
/** opt_comment (pcapng 3.5): the writer writes packet comments back with it. */
export const OPT_COMMENT = 1;
const EPB_FLAGS = 2;
const EPB_DROPCOUNT = 4;
const EPB_PACKETID = 5;
const EPB_QUEUE = 6;
const EPB_VERDICT = 7;
/** epb_verdict's first byte: the verdict's type (pcapng 4.3.1); TC and XDP verdicts are 8-byte values. */
const VERDICT_TC = 1;
const VERDICT_XDP = 2;

function pad4(n: number): number {
  return (n + 3) & ~3;
}

function u16(b: Uint8Array, p: number, le: boolean): number {
  return le ? b[p] | (b[p + 1] << 8) : (b[p] << 8) | b[p + 1];
}

/**
 * Why tshark 4.0 refuses the options at `b[start, end)` of a packet block, or
 * null when it reads them. wiretap's pcapng_process_options stops the file at
 * an option (padding included) that runs past the block, and its packet block
 * handler at a standard option of a length it cannot hold; everything after
 * opt_endofopt is ignored. Unknown options are skipped whatever their length,
 * and so is an empty epb_hash (4.0.17 reads it; later versions refuse it).
 */
export function packetOptionsProblem(b: Uint8Array, start: number, end: number, le: boolean): string | null {
  let o = start;
  while (o < end) {
    if (end - o < 4) return `its options end with ${end - o} bytes, too few for an option header`;
    const code = u16(b, o, le);
    const len = u16(b, o + 2, le);
    const v = o + 4;
    if (pad4(len) > end - v) return `its option ${code} claims ${len} bytes, more than the ${end - v} left in the block`;
    if (code === OPT_END) return null;
    const need = lengthNeeded(code, len, len > 0 ? b[v] : -1);
    if (need !== null) return `its option ${code} (${OPTION_NAMES[code - EPB_FLAGS] ?? 'custom'}) is ${len} bytes long; it must be ${need}`;
    o = v + pad4(len);
  }
  return null;
}

const OPTION_NAMES = ['epb_flags', 'epb_hash', 'epb_dropcount', 'epb_packetid', 'epb_queue', 'epb_verdict'];

/** The length a standard option needs, when `len` is one wiretap 4.0 refuses; null otherwise. */
function lengthNeeded(code: number, len: number, first: number): string | null {
  switch (code) {
    case EPB_FLAGS:
    case EPB_QUEUE:
      return len !== 4 ? '4' : null;
    case EPB_DROPCOUNT:
    case EPB_PACKETID:
      return len !== 8 ? '8' : null;
    case EPB_VERDICT:
      if (len < 1) return 'at least 1';
      return (first === VERDICT_TC || first === VERDICT_XDP) && len !== 9 ? `9 for a verdict of type ${first}` : null;
    // Custom options (pcapng 3.5.1) start with a 4-byte Private Enterprise Number.
    case 2988:
    case 2989:
    case 19372:
    case 19373:
      return len < 4 ? 'at least 4' : null;
    default:
      return null;
  }
}

/** Where findComment() found its comment: the value's offset in the frame's `data`, and its length. */
export const foundComment = { start: 0, length: 0 };

/**
 * Finds the frame's `k`-th packet comment (0-based) and sets `foundComment`;
 * false when the frame has fewer. Its bytes end at the first NUL, as wiretap
 * keeps comments as C strings (a NUL-padded comment shows without its NULs,
 * and text after a NUL is not shown).
 */
export function findComment(f: Frame, k: number): boolean {
  // Written so that a frame built without the option members (undefined) has no comments either.
  if (!(f.optStart < f.optEnd) || f.iface === null) return false;
  const b = f.data;
  const le = f.iface.littleEndian;
  const end = f.optEnd;
  let n = 0;
  for (let o = f.optStart; o + 4 <= end; ) {
    const code = u16(b, o, le);
    const len = u16(b, o + 2, le);
    const v = o + 4;
    if (code === OPT_END || v + len > end) return false;
    if (code === OPT_COMMENT && n++ === k) {
      let l = 0;
      while (l < len && b[v + l] !== 0) l++;
      foundComment.start = v;
      foundComment.length = l;
      return true;
    }
    o = v + pad4(len);
  }
  return false;
}

/** How many packet comments the frame has (0 for every frame but a pcapng one with comments). */
export function commentCount(f: Frame): number {
  let n = 0;
  while (findComment(f, n)) n++;
  return n;
}

/**
 * The frame's `k`-th packet comment as text, or undefined. UTF-8, as pcapng
 * says; bytes that are not (a comment written by another tool) become U+FFFD,
 * which every printer escapes, as it escapes control characters: a comment
 * reaches the terminal only through the sanitising writers.
 */
export function commentText(f: Frame, k: number): string | undefined {
  if (!findComment(f, k)) return undefined;
  const b = f.data;
  return Buffer.from(b.buffer, b.byteOffset + foundComment.start, foundComment.length).toString('utf8');
}
