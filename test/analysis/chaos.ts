/**
 * Random TCP conversations for differential testing: handshakes of every
 * kind, data with loss, reordering, retransmissions (timely, fast, spurious),
 * duplicate ACKs, keep-alives, zero windows and probes, window updates and
 * full windows, SACK, half-closes, resets, port reuse. Deterministic per
 * seed. Not a TCP implementation: it only has to produce the segment
 * patterns Wireshark's analysis rules look at, so tshark can judge them.
 */
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from '../helpers/paths';
import { Conversation, writePcap, type CraftedFrame, type Endpoint, type TcpOpts } from './craft';

export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface Side {
  from: 'c' | 's';
  isn: number;
  /** next sequence number to send */
  nxt: number;
  /** highest byte acknowledged by the peer */
  una: number;
  /** what this side acknowledges of the peer */
  rcv: number;
  win: number;
  ws: number | undefined;
  ts: number;
  sent: { seq: number; len: number; flags: string }[];
}

export function chaosConversation(seed: number, client: Endpoint, server: Endpoint, startSec = 1_700_000_000): CraftedFrame[] {
  const r = rng(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)];
  const chance = (p: number): boolean => r() < p;
  const conv = new Conversation(client, server, startSec);
  const useTs = chance(0.5);
  const mk = (from: 'c' | 's'): Side => ({ from, isn: Math.floor(r() * 2 ** 32), nxt: 0, una: 0, rcv: 0, win: pick([65535, 29200, 8192, 1024, 500]), ws: chance(0.6) ? pick([0, 2, 7, 10]) : undefined, ts: Math.floor(r() * 1e9), sent: [] });
  const c = mk('c');
  const s = mk('s');
  const peer = (x: Side): Side => (x === c ? s : c);
  const wait = (): void => {
    conv.wait(pick([1, 5, 30, 200, 1000, 2500, 4000, 15000, 25000, 60000, 300000]) * (0.5 + r()));
  };
  const opts = (x: Side, syn: boolean, sack?: [number, number][]): TcpOpts | undefined => {
    const o: TcpOpts = {};
    if (syn) {
      o.mss = 1460;
      if (x.ws !== undefined) o.ws = x.ws;
      o.sackPerm = true;
    }
    if (useTs) o.ts = [x.ts++, 0];
    if (sack !== undefined) o.sack = sack;
    return Object.keys(o).length === 0 ? undefined : o;
  };
  const send = (x: Side, flags: string, seq: number, len: number, win = x.win, sack?: [number, number][]): void => {
    const hasAck = flags.includes('A');
    conv.tcp(x.from, { flags, seq, ack: hasAck ? x.rcv : 0, win, data: len, opts: opts(x, flags.includes('S'), sack) });
  };

  // Handshake.
  const hs = pick(['normal', 'normal', 'normal', 'synretrans', 'midstream', 'refused', 'unanswered', 'simultaneous', 'synack-first', 'noscale']);
  if (hs === 'noscale') s.ws = undefined;
  c.nxt = c.isn;
  s.nxt = s.isn;
  if (hs === 'midstream') {
    c.nxt = (c.isn + 1) >>> 0;
    s.nxt = (s.isn + 1) >>> 0;
    c.rcv = s.nxt;
    s.rcv = c.nxt;
  } else if (hs === 'synack-first') {
    c.nxt = (c.isn + 1) >>> 0;
    s.rcv = c.nxt;
    send(s, 'SA', s.isn, 0);
    s.nxt = (s.isn + 1) >>> 0;
    c.rcv = s.nxt;
    wait();
    send(c, 'A', c.nxt, 0);
  } else {
    send(c, 'S', c.isn, 0);
    wait();
    if (hs === 'synretrans') {
      send(c, 'S', c.isn, 0);
      wait();
    }
    if (hs === 'unanswered') {
      send(c, 'S', c.isn, 0);
      return conv.frames;
    }
    s.rcv = (c.isn + 1) >>> 0;
    if (hs === 'refused') {
      conv.tcp('s', { flags: 'RA', seq: 0, ack: s.rcv, win: 0 });
      return conv.frames;
    }
    if (hs === 'simultaneous') {
      send(s, 'S', s.isn, 0);
      wait();
      c.rcv = (s.isn + 1) >>> 0;
      send(c, 'SA', c.isn, 0);
      wait();
    }
    c.rcv = (s.isn + 1) >>> 0;
    send(s, 'SA', s.isn, 0);
    wait();
    c.nxt = (c.isn + 1) >>> 0;
    s.nxt = (s.isn + 1) >>> 0;
    send(c, 'A', c.nxt, 0);
  }
  c.una = c.nxt;
  s.una = s.nxt;

  const dropped: { x: Side; seq: number; len: number }[] = [];
  const steps = 5 + Math.floor(r() * 40);
  for (let i = 0; i < steps; i++) {
    wait();
    const x = chance(0.6) ? c : s;
    const y = peer(x);
    const action = pick(['data', 'data', 'data', 'ack', 'ack', 'drop', 'resend', 'dupacks', 'spurious', 'keepalive', 'zerowin', 'winupdate', 'fill', 'sack', 'reorder', 'bigack']);
    switch (action) {
      case 'data': {
        const len = pick([1, 2, 10, 100, 536, 1448, 1460]);
        send(x, chance(0.5) ? 'PA' : 'A', x.nxt, len);
        x.sent.push({ seq: x.nxt, len, flags: 'PA' });
        x.nxt = (x.nxt + len) >>> 0;
        break;
      }
      case 'ack': {
        // y acknowledges everything x sent (or part of it).
        y.rcv = chance(0.8) ? x.nxt : x.sent.length > 0 ? (x.sent[x.sent.length - 1].seq >>> 0) : x.nxt;
        x.una = y.rcv;
        if (chance(0.2)) y.win = pick([0, 1000, 65535, 8192]);
        send(y, 'A', y.nxt, 0);
        break;
      }
      case 'drop': {
        const len = pick([10, 100, 1460]);
        dropped.push({ x, seq: x.nxt, len });
        x.nxt = (x.nxt + len) >>> 0;
        break;
      }
      case 'resend': {
        const d = dropped.shift();
        if (d !== undefined) send(d.x, 'PA', d.seq, d.len);
        else if (x.sent.length > 0) {
          const old = pick(x.sent);
          send(x, 'PA', old.seq, old.len);
        }
        break;
      }
      case 'dupacks': {
        const n = 2 + Math.floor(r() * 3);
        for (let k = 0; k < n; k++) {
          send(y, 'A', y.nxt, 0);
          conv.wait(pick([100, 1000, 5000]));
        }
        if (chance(0.7) && x.sent.length > 0) {
          conv.wait(pick([500, 3000, 30000]));
          const old = x.sent.find((q) => (q.seq >>> 0) === y.rcv) ?? x.sent[x.sent.length - 1];
          send(x, 'PA', old.seq, old.len);
        }
        break;
      }
      case 'spurious': {
        if (x.sent.length > 0) {
          y.rcv = x.nxt;
          send(y, 'A', y.nxt, 0);
          conv.wait(pick([100, 5000]));
          const old = x.sent[0];
          send(x, 'PA', old.seq, old.len);
        }
        break;
      }
      case 'keepalive': {
        const one = chance(0.5);
        send(x, 'A', (x.nxt - 1) >>> 0, one ? 1 : 0);
        conv.wait(pick([50, 500]));
        if (chance(0.7)) send(y, 'A', y.nxt, 0);
        break;
      }
      case 'zerowin': {
        y.rcv = x.nxt;
        send(y, 'A', y.nxt, 0, 0);
        conv.wait(pick([100, 200000]));
        send(x, 'A', x.nxt, 1);
        if (chance(0.6)) {
          conv.wait(pick([100, 1000]));
          send(y, 'A', y.nxt, 0, 0);
        }
        if (chance(0.5)) {
          conv.wait(1000);
          send(y, 'A', y.nxt, 0, y.win);
        } else {
          x.sent.push({ seq: x.nxt, len: 1, flags: 'A' });
          x.nxt = (x.nxt + 1) >>> 0;
        }
        break;
      }
      case 'winupdate': {
        y.win = pick([1000, 30000, 65535]);
        send(y, 'A', y.nxt, 0);
        break;
      }
      case 'fill': {
        // Send exactly to the edge of y's advertised window (unscaled view).
        const scale = y.ws !== undefined && x.ws !== undefined ? y.ws : 0;
        const edge = (y.rcv + (y.win << scale)) >>> 0;
        const len = (edge - x.nxt) >>> 0;
        if (len > 0 && len <= 3000) {
          send(x, 'PA', x.nxt, len);
          x.sent.push({ seq: x.nxt, len, flags: 'PA' });
          x.nxt = (x.nxt + len) >>> 0;
        }
        break;
      }
      case 'sack': {
        if (x.sent.length >= 2) {
          const a = x.sent[x.sent.length - 1];
          send(y, 'A', y.nxt, 0, y.win, [[a.seq, (a.seq + a.len) >>> 0]]);
        }
        break;
      }
      case 'reorder': {
        const l1 = pick([10, 100]);
        const l2 = pick([10, 100]);
        send(x, 'PA', (x.nxt + l1) >>> 0, l2);
        conv.wait(pick([100, 2000, 10000]));
        send(x, 'PA', x.nxt, l1);
        x.sent.push({ seq: x.nxt, len: l1 + l2, flags: 'PA' });
        x.nxt = (x.nxt + l1 + l2) >>> 0;
        break;
      }
      case 'bigack': {
        // Acknowledge bytes never seen (lost before the capture point).
        y.rcv = (x.nxt + 100) >>> 0;
        x.nxt = y.rcv;
        send(y, 'A', y.nxt, 0);
        break;
      }
    }
  }

  wait();
  const td = pick(['four', 'three', 'simul', 'rst', 'none', 'halfclose', 'rstafterfin', 'reuse']);
  const x = chance(0.6) ? c : s;
  const y = peer(x);
  if (td === 'rst') {
    send(x, 'RA', x.nxt, 0, 0);
  } else if (td !== 'none') {
    send(x, 'FA', x.nxt, 0);
    x.nxt = (x.nxt + 1) >>> 0;
    wait();
    if (td === 'simul') {
      send(y, 'FA', y.nxt, 0);
      y.nxt = (y.nxt + 1) >>> 0;
      y.rcv = x.nxt;
      x.rcv = y.nxt;
      wait();
      send(x, 'A', x.nxt, 0);
      send(y, 'A', y.nxt, 0);
    } else {
      y.rcv = x.nxt;
      if (td === 'halfclose') {
        send(y, 'PA', y.nxt, 20);
        y.nxt = (y.nxt + 20) >>> 0;
        x.rcv = y.nxt;
        wait();
        send(x, 'A', x.nxt, 0);
      }
      if (td === 'rstafterfin') {
        send(y, 'RA', y.nxt, 0, 0);
      } else {
        if (td !== 'three') {
          send(y, 'A', y.nxt, 0);
          wait();
        }
        send(y, 'FA', y.nxt, 0);
        y.nxt = (y.nxt + 1) >>> 0;
        x.rcv = y.nxt;
        wait();
        send(x, 'A', x.nxt, 0);
      }
    }
    if (td === 'reuse') {
      wait();
      const isn = chance(0.7) ? Math.floor(r() * 2 ** 32) : c.isn;
      conv.tcp('c', { flags: 'S', seq: isn, win: 65535, opts: { mss: 1460 } });
      wait();
      conv.tcp('s', { flags: 'SA', seq: chance(0.5) ? s.isn : (s.isn + 12345) >>> 0, ack: (isn + 1) >>> 0, win: 65535, opts: { mss: 1460 } });
      wait();
      conv.tcp('c', { flags: 'A', seq: (isn + 1) >>> 0, ack: 0, win: 65535 });
    }
  }
  return conv.frames;
}

/** Many chaos conversations, interleaved in time, as one capture. */
export function chaosCapture(seed: number, conversations: number): CraftedFrame[] {
  const r = rng(seed);
  const all: CraftedFrame[] = [];
  for (let i = 0; i < conversations; i++) {
    const v6 = r() < 0.2;
    const client: Endpoint = { ip: v6 ? `2001:db8::${(i % 200) + 1}` : `10.0.${i % 250}.${1 + (i % 7)}`, port: 20000 + Math.floor(r() * 40000) };
    const server: Endpoint = { ip: v6 ? '2001:db8::ffff' : '10.9.9.9', port: r() < 0.5 ? 80 : 5000 + (i % 3) };
    const start = 1_700_000_000 + Math.floor(r() * 5);
    all.push(...chaosConversation(seed * 7919 + i, client, server, start));
  }
  // Interleave by time; a stable sort keeps each conversation's own order.
  return all.map((f, i) => ({ f, i })).sort((a, b) => a.f.sec - b.f.sec || a.f.nsec - b.f.nsec || a.i - b.i).map((x) => x.f);
}

/** The eight chaos captures the differential tests read: regenerated deterministically (the oracle caches tshark's view by content). */
export function chaosFiles(): string[] {
  const dir = join(ROOT, 'node_modules', '.cache', 'synack-chaos');
  mkdirSync(dir, { recursive: true });
  const files: string[] = [];
  for (let seed = 1; seed <= 8; seed++) {
    const f = join(dir, `chaos-${seed}.pcap`);
    if (!existsSync(f)) writePcap(f, chaosCapture(seed, 40));
    files.push(f);
  }
  return files;
}
