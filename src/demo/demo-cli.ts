/** (stub: the chat demo fills this in) */
export async function run(_argv: string[]): Promise<void> {
  process.stderr.write('synack: not implemented yet\n');
  process.exitCode = 2;
}
