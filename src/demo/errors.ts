/**
 * Socket failures as the one line a learner sees: what happened, where, and
 * what to do about it. No stack traces: these are expected outcomes of a
 * network program, not bugs.
 */

/** One line for a failed listen()/bind(). */
export function listenFailure(e: unknown, where: string, proto: 'tcp' | 'udp'): string {
  const code = (e as NodeJS.ErrnoException).code;
  switch (code) {
    case 'EADDRINUSE':
      return `cannot listen on ${where} (${proto}): the port is in use by another program (pick another with --port, or --port 0 for any free one)`;
    case 'EACCES':
      return `cannot listen on ${where} (${proto}): ports below 1024 need root (pick one above 1023 with --port)`;
    case 'EADDRNOTAVAIL':
      return `cannot listen on ${where} (${proto}): this machine has no such address (use --host 127.0.0.1 or ::1)`;
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return `cannot listen on ${where} (${proto}): the host name does not resolve`;
    default:
      return `cannot listen on ${where} (${proto}): ${message(e)}`;
  }
}

/** One line for a failed connect(). */
export function connectFailure(e: unknown, where: string): string {
  const code = (e as NodeJS.ErrnoException).code;
  switch (code) {
    case 'ECONNREFUSED':
      return `${where} refused the connection: no TCP server listens there (start 'synack chat server' first, or check --host and --port; a server started with --udp takes only --udp clients)`;
    case 'ETIMEDOUT':
      return `${where} did not answer the SYN (no route, or a firewall drops it)`;
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
      return `${where} is unreachable from here (no route)`;
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return `cannot connect to ${where}: the host name does not resolve`;
    case 'EADDRNOTAVAIL':
      return `cannot connect to ${where}: not a usable address`;
    default:
      return `cannot connect to ${where}: ${message(e)}`;
  }
}

/** One line for a connection that failed after it was set up. */
export function connectionFailure(e: unknown, peer: string): string {
  const code = (e as NodeJS.ErrnoException).code;
  switch (code) {
    case 'ECONNRESET':
      return `${peer} reset the connection`;
    case 'EPIPE':
      return `${peer} is gone: the connection was closed while we were still sending`;
    case 'ETIMEDOUT':
      return `${peer} stopped answering (the connection timed out)`;
    case 'ECONNREFUSED':
      // A connected UDP socket learns of an ICMP port unreachable this way.
      return `${peer} refused the datagram: no UDP server listens there (ICMP port unreachable; a server takes --udp clients only when started with --udp itself)`;
    default:
      return `the connection to ${peer} failed: ${message(e)}`;
  }
}

function message(e: unknown): string {
  const err = e as NodeJS.ErrnoException;
  if (typeof err?.code === 'string' && typeof err.syscall === 'string') return `${err.syscall} failed with ${err.code}`;
  return err instanceof Error ? err.message : String(e);
}
