/**
 * The fields the differential tests compare with tshark 4.0. tshark runs once
 * per capture with all of them (its start-up dominates: ~0.2 s a file), and
 * the result is cached; each area lists its own fields here.
 */

/** Capture layer (frame metadata). */
export const FRAME_FIELDS = ['frame.number', 'frame.time_epoch', 'frame.len', 'frame.cap_len', 'frame.interface_id'];

/** Decoders. */
export const DECODE_FIELDS: string[] = [];

/** Analysis (tcp.stream, relative sequence numbers, tcp.analysis.*). */
export const ANALYSIS_FIELDS: string[] = [];

export const ORACLE_FIELDS: readonly string[] = [...new Set([...FRAME_FIELDS, ...DECODE_FIELDS, ...ANALYSIS_FIELDS])];
