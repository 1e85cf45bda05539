/**
 * The help screen (`?`): every key, what the views show, and what the
 * colours mean. The one list of keys the help screen and the README show;
 * screen.ts's onKey handles each (the headless tests press them).
 */
import { ROW_CLASS_MEANING } from './row-class';
import { ROW_STYLE } from './style';
import { escapeTags, textWidth, wrap } from './text';

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

/**
 * One entry of the help: a (tagged) lead of `leadWidth` cells, then plain
 * text wrapped with its next lines indented by `indent` (under the text
 * itself unless said otherwise).
 */
interface Entry {
  lead: string;
  leadWidth: number;
  text: string;
  indent?: number;
}

const heading = (t: string): Entry => ({ lead: `{bold}${t}{/}`, leadWidth: t.length, text: '' });
const para = (t: string): Entry => ({ lead: '  ', leadWidth: 2, text: t, indent: 2 });
const titled = (t: string, text: string): Entry => ({ lead: `{bold}${t}{/}: `, leadWidth: t.length + 2, text, indent: 2 });
const blank: Entry = { lead: '', leadWidth: 0, text: '' };
const KEY_COL = 12;

const ENTRIES: readonly Entry[] = [
  heading('Keys'),
  ...KEYS.map(([k, what]): Entry => ({ lead: `  {light-cyan-fg}${k.padEnd(KEY_COL)}{/} `, leadWidth: KEY_COL + 3, text: what })),
  blank,
  heading('Packet colours'),
  ...ROW_CLASS_MEANING.map(([cls, meaning]): Entry => ({ lead: `  ${ROW_STYLE[cls]} example {/} `, leadWidth: 12, text: meaning })),
  blank,
  heading('Connections table'),
  para(
    "State: each side's RFC 9293 state (client/server); History and Conn: Zeek's letters and conn_state; " +
      'HS RTT: SYN to the ACK of the SYN-ACK; Find: frames with analysis findings; Stuck: segments that ' +
      'carried several messages (coalesced: the "sticky packets" of the lessons).',
  ),
  titled(
    'Ladder',
    'client left, server right; one arrow per segment with flags, relative seq/ack, length and the time ' +
      'since the previous segment; the handshake and the teardown are bracketed and named.',
  ),
  titled(
    'Stream',
    'the bytes of both directions in order; a block per segment, ▏ where a message starts, colours ' +
      "alternating per message; the programs' own send() and recv() calls when the demo knows them.",
  ),
];

/** The box is no wider than the widest key or colour line; the paragraphs wrap to it. */
export const HELP_WIDTH = Math.max(...ENTRIES.filter((e) => e.indent === undefined).map((e) => e.leadWidth + textWidth(e.text)));

/**
 * The help as tagged lines of at most `width` cells: a key's or a colour's
 * meaning wraps under itself (not under the key), so no line is ever cut
 * at the box's edge whatever the terminal's width.
 */
export function helpLines(width: number): string[] {
  const out: string[] = [];
  for (const e of ENTRIES) {
    if (e.text === '') {
      out.push(e.lead);
      continue;
    }
    const indent = e.indent ?? e.leadWidth;
    fill(e.text, Math.max(8, width - e.leadWidth), Math.max(8, width - indent)).forEach((l, i) =>
      out.push((i === 0 ? e.lead : ' '.repeat(indent)) + escapeTags(l)),
    );
  }
  return out;
}

/** Each entry as plain text, as a person reads it whatever the wrapping (the tests look for each, whole). */
export function helpTexts(): string[] {
  return ENTRIES.map((e) => `${e.lead.replace(/\{[^}]*\}/g, '')}${e.text}`.replace(/\s+/g, ' ').trim()).filter((t) => t !== '');
}

/** `text` filled at spaces into lines of `first` cells, then `next` cells (wrap() cuts a word longer than that). */
function fill(text: string, first: number, next: number): string[] {
  const out: string[] = [];
  let line = '';
  for (const word of text.split(' ')) {
    const room = out.length === 0 ? first : next;
    if (line !== '' && textWidth(line) + 1 + textWidth(word) > room) {
      out.push(line);
      line = word;
    } else line = line === '' ? word : `${line} ${word}`;
  }
  out.push(line);
  return out.flatMap((l, i) => wrap(l, i === 0 ? first : next, Infinity));
}
