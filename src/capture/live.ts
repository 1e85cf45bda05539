/** Live capture through `cap` (stub: the capture layer fills this in). */
export async function listInterfaces(): Promise<number> {
  process.stderr.write('synack: -D is not implemented yet\n');
  return 2;
}
