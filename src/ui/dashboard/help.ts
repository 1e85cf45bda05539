/**
 * The help screen (`?`): every key, what the views show, and what the
 * colours mean. The one list of keys the help screen and the README show;
 * screen.ts's onKey handles each (the headless tests press them).
 */
import { ROW_CLASS_MEANING } from './row-class';
import { ROW_STYLE } from './style';

export const KEYS: readonly [string, string][] = [
  ['↑ ↓  j k', 'move the selection (or scroll)'],
  ['PgUp PgDn', 'a page up or down'],
  ['g  Home', 'first line'],
  ['G', 'last line'],
  ['End', 'last line, and keep following new packets'],
  ['Tab  S-Tab', 'next / previous pane'],
  ['Enter', 'packet or connection: open its ladder and stream; ladder line: show that packet; detail: expand'],
  ['→ ←', 'detail tree: expand / collapse'],
  ['1  p', 'packets: list, detail tree, bytes'],
  ['2  c', 'connections: every TCP connection and UDP conversation, with the selected one\'s ladder'],
  ['3  l', 'ladder and stream of the open connection'],
  ['4  a', 'ARP: requests and replies, the IP-to-MAC table, subnets'],
  ['Esc', 'back (or cancel the filter being typed)'],
  ['/', 'display filter (Wireshark syntax): green while valid, red with the error while not; Enter applies'],
  ['Space', 'pause / resume the screen (capture goes on)'],
  ['?  h', 'this help'],
  ['q  Ctrl-C', 'quit'],
  ['mouse', 'click selects, the wheel scrolls'],
];

export const HELP_LINES: readonly string[] = [
  '{bold}Keys{/}',
  ...KEYS.map(([k, what]) => `  {light-cyan-fg}${k.padEnd(12)}{/} ${what}`),
  '',
  '{bold}Packet colours{/}',
  ...ROW_CLASS_MEANING.map(([cls, meaning]) => `  ${ROW_STYLE[cls]} example {/} ${meaning}`),
  '',
  '{bold}Connections table{/}',
  '  State: each side\'s RFC 9293 state (client/server); History and Conn: Zeek\'s letters and conn_state;',
  '  HS RTT: SYN to the ACK of the SYN-ACK; Find: frames with analysis findings; Stuck: segments that',
  '  carried several messages (coalesced: the "sticky packets" of the lessons).',
  '',
  '{bold}Ladder{/}: client left, server right; one arrow per segment with flags, relative seq/ack, length and',
  '  the time since the previous segment; the handshake and the teardown are bracketed and named.',
  '{bold}Stream{/}: the bytes of both directions in order; a block per segment, ▏ where a message starts,',
  '  colours alternating per message; the programs\' own send() and recv() calls when the demo knows them.',
];
