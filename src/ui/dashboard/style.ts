/**
 * Colours, as blessed tags: one table for the packet list's row classes
 * (Wireshark's default colouring, adapted to 16 terminal colours) and one
 * for the tones the view models use. Content is drawn as `open + text + {/}`.
 */
import type { Line, Span, Tone } from './ladder';
import { RowClass } from './row-class';
import { escapeTags, fit, textWidth } from './text';

export const ROW_STYLE: Readonly<Record<number, string>> = {
  [RowClass.Plain]: '',
  [RowClass.Tcp]: '',
  [RowClass.SynFin]: '{black-fg}{white-bg}',
  [RowClass.Rst]: '{light-yellow-fg}{red-bg}',
  [RowClass.Finding]: '{light-red-fg}{bold}',
  [RowClass.Coalesced]: '{light-green-fg}',
  [RowClass.Udp]: '{light-cyan-fg}',
  [RowClass.Arp]: '{yellow-fg}',
  [RowClass.Icmp]: '{light-magenta-fg}',
  [RowClass.Broken]: '{black-fg}{yellow-bg}',
};

export const TONE_STYLE: Readonly<Record<Tone, string>> = {
  plain: '',
  head: '{bold}',
  axis: '{gray-fg}',
  c2s: '{light-cyan-fg}',
  s2c: '{light-magenta-fg}',
  synfin: '{light-white-fg}{bold}',
  rst: '{light-red-fg}{bold}',
  finding: '{light-red-fg}',
  bracket: '{light-green-fg}',
  time: '{gray-fg}',
  msgs: '{light-yellow-fg}',
  dim: '{gray-fg}',
  app: '{light-blue-fg}{bold}',
  msgA: '{cyan-fg}',
  msgB: '{yellow-fg}',
  mark: '{light-white-fg}{bold}',
};

/** One styled span; `text` is escaped here (view models sanitise captured bytes; braces are blessed's). */
export function styled(style: string, text: string): string {
  if (text === '') return '';
  return style === '' ? escapeTags(text) : `${style}${escapeTags(text)}{/}`;
}

/** A view-model line as tagged text, cut to `width` cells; `selected` draws it inverted across the width. */
export function lineText(line: Line, width: number, selected: boolean): string {
  let out = '';
  let used = 0;
  for (const sp of line.spans) {
    if (used >= width) break;
    let t = sp.text;
    const w = textWidth(t);
    if (used + w > width) t = fit(t, width - used);
    out += spanText(sp, t, selected);
    used += textWidth(t);
  }
  if (used < width) out += selected ? `{inverse}${' '.repeat(width - used)}{/}` : ' '.repeat(width - used);
  return out;
}

function spanText(sp: Span, text: string, selected: boolean): string {
  const style = TONE_STYLE[sp.tone] + (selected ? '{inverse}' : '');
  return styled(style, text);
}
