export function rejectsAll(_insns: Int32Array): boolean {
  return false;
}
