/**
 * Waiting on loopback conversations in tests: bounded, so a broken feature
 * fails with what it was waiting for instead of hanging the suite.
 */
import * as net from 'node:net';

/** Polls `cond` until it holds; throws after `ms` naming what never happened. */
export async function until(what: string, cond: () => boolean, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

/** A TCP port on 127.0.0.1 that was free a moment ago (nothing listens: a connection is refused). */
export function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}
