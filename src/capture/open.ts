/**
 * Chooses the source the options name: a file, standard input, or a live
 * interface. (Stub: the capture layer fills this in.)
 */
import { CaptureError, type PacketSource } from './frame';
import type { Options } from '../options';

export async function openSource(opts: Options): Promise<PacketSource> {
  throw new CaptureError('reading captures is not implemented yet', opts.read ?? opts.iface ?? '?');
}
