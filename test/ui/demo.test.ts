/**
 * `synack demo` in the dashboard, replaying captures/chat-demo.pcapng at its
 * recorded pace (the path taken where live capture is impossible): the
 * reason and the command that would make it live are on screen, the
 * conversation's connection is selected by itself with its handshake, then the coalesced burst beside the
 * programs' own send() and recv() calls, and the UDP exchange beside it.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { openDemoSession } from '../../src/demo/session';
import { defaultOptions } from '../../src/options';
import { runDemoDashboard } from '../../src/ui/dashboard/index';
import type { Dashboard } from '../../src/ui/dashboard/screen';
import { CAPTURES } from '../helpers/paths';
import { HeadlessTerm } from './term';

it.skipIf(!existsSync(join(CAPTURES, 'chat-demo.pcapng')))('replays the demo with the reason on screen, selects the conversation, shows the handshake, the burst and UDP', async () => {
  const session = await openDemoSession({ replay: true });
  const t = new HeadlessTerm(160, 50);
  let dash: Dashboard | undefined;
  const exit = runDemoDashboard(session, defaultOptions(), { io: t.io, onStart: (d) => (dash = d) });
  expect(await t.waitFor((x) => x.text().includes('To watch it live: sudo'), 10000)).toBe(true);
  expect(t.text()).toContain('replay was asked for (--replay): replaying captures/chat-demo.pcapng');
  // The handshake's ladder, bracketed: the connection is selected by itself (no key pressed).
  expect(await t.waitFor((x) => /╰ +#3 │─+ ACK seq=1 ack=1 len=0/.test(x.text()), 10000)).toBe(true);
  expect(t.text()).toMatch(/╭─ 3-way handshake, RTT 0\.\d{3} ms/);
  // The corked burst: three send()s, one segment of three messages, one recv() (frame 11 of the recording).
  expect(await t.waitFor((x) => x.text().includes('3 messages in one read'), 15000)).toBe(true);
  const lines = t.lines();
  expect(lines.some((l) => /#11 client → server 14 bytes: 3 messages in one segment \(coalesced\)/.test(l))).toBe(true);
  expect(lines.some((l) => /▏one↵▏two↵▏three↵/.test(l))).toBe(true);
  expect(lines.some((l) => /#11 │─+ PSH,ACK .*len=14 ─+▶│ .* 3 msgs/.test(l))).toBe(true);
  // UDP beside it: three datagrams, each one message.
  expect(await t.waitFor((x) => x.text().includes('UDP beside it') && /datagram of 5 bytes: one message/.test(x.text()), 15000)).toBe(true);
  dash!.quit();
  expect(await exit).toBe(0);
}, 60_000);
