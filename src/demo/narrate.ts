/**
 * The demo's events as lines for a terminal: the step's narration, and the
 * programs' own send()/recv() calls in the words of the lessons. Text from
 * the peer is captured data and goes through sanitize().
 */
import { sanitize } from '../output/sanitize';
import type { DemoEvent } from './demo';

const SHOWN = 40;

function quoted(text: string | undefined, bytes: number | undefined): string {
  if (text === undefined) return '';
  const cut = text.length > SHOWN ? text.slice(0, SHOWN) : text;
  const more = text.length > SHOWN || (bytes !== undefined && Buffer.byteLength(text) < bytes) ? '...' : '';
  return ` "${sanitize(cut)}${more}"`;
}

/** One line for an event, or null for events not worth a line of text. */
export function describeEvent(e: DemoEvent): string | null {
  if (e.op === 'step') return `== ${e.step}: ${e.text}`;
  const who = `${e.side} ${e.proto}`;
  switch (e.op) {
    case 'send':
      return `   ${who} send(${e.bytes} bytes)${quoted(e.text, e.bytes)}${e.corked ? ' (corked)' : ''}`;
    case 'recv': {
      const n = e.messages ?? 0;
      const stuck = e.proto === 'tcp' && n > 1 ? `: ${n} messages in one read` : '';
      return `   ${who} recv() returned ${e.bytes} bytes${quoted(e.text, e.bytes)}${stuck}`;
    }
    case 'listen':
      return `   ${who} listening on ${e.local}`;
    case 'connect':
      return `   ${who} connected ${e.local} -> ${e.remote}`;
    case 'accept':
      return `   ${who} accept() -> ${e.remote}`;
    case 'shutdown':
      return `   ${who} shutdown(SHUT_WR): our FIN, still reading`;
    case 'eof':
      return `   ${who} recv() returned 0: the peer closed its sending side`;
    case 'close':
      return `   ${who} close(): our FIN`;
    case 'reset':
    case 'error':
      return `   ${who} ${sanitize(e.note ?? e.op)}`;
  }
}
