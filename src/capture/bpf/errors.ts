/** Why an expression cannot be compiled: one line, and where in the expression. */
export class BpfError extends Error {
  constructor(
    message: string,
    /** 0-based column in the expression where the problem starts. */
    readonly column: number,
  ) {
    super(message);
    this.name = 'BpfError';
  }
}
