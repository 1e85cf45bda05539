/**
 * The chat engine's server and client against each other on loopback, in
 * this process: the conversation each option produces, as both programs saw
 * it (messages, and their own send()/recv() trace).
 */
import * as net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import {
  burstMessages,
  ChatError,
  DEFAULT_CHAT_OPTIONS,
  TcpChatClient,
  TcpChatServer,
  UdpChatClient,
  UdpChatServer,
  type ChatHooks,
  type ChatOptions,
} from '../../src/demo/chat';
import type { TraceEvent } from '../../src/demo/trace';
import { freePort, until } from './loopback';

/** What one side saw. */
class Seen implements ChatHooks {
  readonly messages: string[] = [];
  readonly from: string[] = [];
  readonly infos: string[] = [];
  readonly problems: string[] = [];
  readonly events: TraceEvent[] = [];
  message = (from: string, data: Buffer): void => {
    this.messages.push(data.toString('utf8'));
    this.from.push(from);
  };
  info = (t: string): void => void this.infos.push(t);
  problem = (t: string): void => void this.problems.push(t);
  trace = (e: TraceEvent): void => void this.events.push(e);
  ops(op: string): TraceEvent[] {
    return this.events.filter((e) => e.op === op);
  }
}

const closers: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of closers.splice(0).reverse()) await c();
});

function opts(extra: Partial<ChatOptions> = {}): ChatOptions {
  return { ...DEFAULT_CHAT_OPTIONS, port: 0, ...extra };
}

async function tcpServer(extra: Partial<ChatOptions> = {}): Promise<{ server: TcpChatServer; port: number; seen: Seen }> {
  const seen = new Seen();
  const server = new TcpChatServer(opts(extra), seen);
  const port = await server.listen();
  closers.push(() => server.close());
  return { server, port, seen };
}

async function tcpClient(port: number, extra: Partial<ChatOptions> = {}) {
  const seen = new Seen();
  const conv = await new TcpChatClient(opts({ port, ...extra }), seen).connect();
  closers.push(() => void conv.socket.destroy());
  return { conv, seen };
}

describe('tcp chat', () => {
  it('echo upper: the server answers each message in upper case; bye from the client ends it with FINs', async () => {
    const { port, seen: s } = await tcpServer({ echo: 'upper' });
    const { conv, seen: c } = await tcpClient(port);
    conv.send('hello');
    await until('HELLO', () => c.messages.length === 1);
    conv.send('how are you?');
    await until('the second answer', () => c.messages.length === 2);
    conv.finish();
    expect(await conv.done).toBe('fin');
    expect(s.messages).toEqual(['hello', 'how are you?', 'bye']);
    expect(c.messages).toEqual(['HELLO', 'HOW ARE YOU?']);
    expect(s.from[0]).toBe(conv.local);
    expect(c.ops('send').map((e) => e.text)).toEqual(['hello\n', 'how are you?\n', 'bye\n']);
    expect(c.ops('close')).toHaveLength(1);
    expect(c.ops('eof')).toHaveLength(1);
    expect(s.infos).toContain(`${conv.local} said bye`);
    expect([...s.problems, ...c.problems]).toEqual([]);
  });

  it('over IPv6 (--host ::1): the same conversation, endpoints in brackets', async () => {
    const { port, seen: s } = await tcpServer({ host: '::1', echo: 'upper' });
    const { conv, seen: c } = await tcpClient(port, { host: '::1' });
    expect(conv.remote).toBe(`[::1]:${port}`);
    conv.send('hello');
    await until('HELLO', () => c.messages.length === 1);
    conv.finish();
    expect(await conv.done).toBe('fin');
    expect(s.messages).toEqual(['hello', 'bye']);
    expect(c.messages).toEqual(['HELLO']);
  });

  it('bye from the server ends the conversation too', async () => {
    const { server, port, seen: s } = await tcpServer();
    const { conv, seen: c } = await tcpClient(port);
    await until('the server to take the connection', () => server.conversations.length === 1);
    server.say('nice to meet you');
    server.say('bye');
    expect(await conv.done).toBe('fin');
    expect(c.messages).toEqual(['nice to meet you', 'bye']);
    expect(c.infos).toContain(`${conv.remote} said bye`);
    expect(s.ops('close')).toHaveLength(1);
  });

  it('burst under cork: five send()s, one recv() of five messages at the server', async () => {
    const { port, seen: s } = await tcpServer();
    const { conv, seen: c } = await tcpClient(port, { cork: true });
    conv.burst(burstMessages(5));
    await until('five messages', () => s.messages.length === 5);
    const sends = c.ops('send');
    expect(sends).toHaveLength(5);
    expect(sends.every((e) => e.corked === true)).toBe(true);
    const reads = s.ops('recv');
    expect(reads).toHaveLength(1);
    expect(reads[0]).toMatchObject({ bytes: 30, messages: 5, text: 'msg 1\nmsg 2\nmsg 3\nmsg 4\nmsg 5\n' });
  });

  it('slow reader: an uncorked burst still comes out of one recv()', async () => {
    const { port, seen: s } = await tcpServer({ readDelay: 200 });
    const { conv, seen: c } = await tcpClient(port);
    conv.burst(burstMessages(4));
    await until('four messages', () => s.messages.length === 4);
    expect(c.ops('send').some((e) => e.corked)).toBe(false);
    expect(s.ops('recv')).toHaveLength(1);
    expect(s.ops('recv')[0].messages).toBe(4);
  });

  it('raw framing, as in the lessons: the burst arrives stuck together as one message', async () => {
    const { port, seen: s } = await tcpServer({ readDelay: 200, framing: 'none' });
    const { conv } = await tcpClient(port, { framing: 'none' });
    conv.burst(['one', 'two', 'three']);
    await until('one read', () => s.messages.length === 1);
    expect(s.messages).toEqual(['onetwothree']);
  });

  it('length framing: a 2-byte length before each message, messages whole', async () => {
    const { port, seen: s } = await tcpServer({ framing: 'length', echo: 'upper' });
    const { conv, seen: c } = await tcpClient(port, { framing: 'length', cork: true });
    conv.burst(['a', 'bb', 'line\nwith a newline']);
    await until('three answers', () => c.messages.length === 3);
    expect(s.messages).toEqual(['a', 'bb', 'line\nwith a newline']);
    expect(c.messages).toEqual(['A', 'BB', 'LINE\nWITH A NEWLINE']);
    expect(c.ops('send').map((e) => e.bytes)).toEqual([3, 4, 21]);
    expect(s.ops('recv')[0]).toMatchObject({ bytes: 28, messages: 3 });
  });

  it('--rst: bye, then a reset instead of a FIN', async () => {
    const { server, port, seen: s } = await tcpServer();
    const accepted = server.nextConversation();
    const { conv, seen: c } = await tcpClient(port, { rst: true });
    const sc = await accepted;
    conv.send('hello');
    await until('hello', () => s.messages.length === 1);
    conv.finish();
    expect(await conv.done).toBe('reset-by-us');
    await sc.done;
    expect(c.ops('reset')).toHaveLength(1);
    expect(c.ops('close')).toHaveLength(0);
    expect(s.messages).toEqual(['hello', 'bye']);
  });

  it('--half-close: the client shuts down its sending side and still reads what the server sends after its FIN', async () => {
    const { server, port, seen: s } = await tcpServer({ echo: 'upper' });
    const accepted = server.nextConversation();
    const { conv, seen: c } = await tcpClient(port, { halfClose: true });
    const sc = await accepted;
    conv.send('hello');
    await until('HELLO', () => c.messages.length === 1);
    conv.finish();
    expect(await conv.done).toBe('half-close');
    expect(await sc.done).toBe('half-close');
    expect(c.messages).toEqual(['HELLO', 'you sent 1 message; bye']);
    const order = c.events.map((e) => e.op);
    expect(order.indexOf('shutdown')).toBeLessThan(order.lastIndexOf('recv'));
    expect(s.infos.some((i) => i.includes('half-closed'))).toBe(true);
    expect([...s.problems, ...c.problems]).toEqual([]);
  });

  it('one client after another: the second waits, unread, until the first says bye', async () => {
    const { port, seen: s } = await tcpServer();
    const a = await tcpClient(port);
    a.conv.send('first');
    await until('first', () => s.messages.length === 1);
    const b = await tcpClient(port);
    b.conv.send('second');
    await new Promise((r) => setTimeout(r, 100));
    expect(s.messages).toEqual(['first']);
    expect(s.infos.some((i) => i.includes('waits until the current conversation ends'))).toBe(true);
    a.conv.finish();
    await until('second', () => s.messages.includes('second'));
    expect(s.messages).toEqual(['first', 'bye', 'second']);
  });

  it('--multi: both clients are served at once', async () => {
    const { port, seen: s } = await tcpServer({ multi: true });
    const a = await tcpClient(port);
    a.conv.send('first');
    await until('first', () => s.messages.length === 1);
    const b = await tcpClient(port);
    b.conv.send('second');
    await until('second', () => s.messages.length === 2);
    expect(s.messages).toEqual(['first', 'second']);
  });

  it('--nodelay sets TCP_NODELAY on the socket', async () => {
    const { port } = await tcpServer();
    const { conv } = await tcpClient(port, { nodelay: true });
    const { conv: plain } = await tcpClient(port);
    // Node 20 remembers the setting under a symbol of net.Socket (there is no getsockopt).
    const flag = (sock: net.Socket): unknown => {
      const key = Object.getOwnPropertySymbols(sock).find((k) => k.description === 'kSetNoDelay');
      return key === undefined ? undefined : (sock as unknown as Record<symbol, unknown>)[key];
    };
    expect(flag(conv.socket)).toBe(true);
    expect(flag(plain.socket)).not.toBe(true);
  });
});

describe('tcp chat: bad input, one line each', () => {
  it('a port in use', async () => {
    const { port } = await tcpServer();
    const second = new TcpChatServer(opts({ port }), new Seen());
    await expect(second.listen()).rejects.toThrow(
      new ChatError(`cannot listen on 127.0.0.1:${port} (tcp): the port is in use by another program (pick another with --port, or --port 0 for any free one)`),
    );
  });

  it('a host that refuses', async () => {
    const free = await freePort();
    const c = new TcpChatClient(opts({ port: free }), new Seen());
    await expect(c.connect()).rejects.toThrow(
      `127.0.0.1:${free} refused the connection: no TCP server listens there (start 'synack chat server' first, or check --host and --port; a server started with --udp takes only --udp clients)`,
    );
  });

  it('a peer that disappears in the middle of a message', async () => {
    const port = await rawServer((sock) => sock.end(Buffer.from([0, 10, 0x61, 0x62, 0x63])));
    const { conv, seen } = await tcpClient(port, { framing: 'length' });
    expect(await conv.done).toBe('failed');
    expect(seen.problems).toEqual([`${conv.remote} closed the connection in the middle of a message (3 of 10 bytes of a message received)`]);
  });

  it('a peer that resets in the middle of a message', async () => {
    const port = await rawServer((sock) => {
      sock.write('half a li');
      setTimeout(() => sock.resetAndDestroy(), 50);
    });
    const { conv, seen } = await tcpClient(port);
    expect(await conv.done).toBe('reset-by-peer');
    expect(seen.problems).toEqual([`${conv.remote} reset the connection in the middle of a message (9 bytes of a line without its newline received)`]);
  });

  it('a message longer than the framing allows is not sent', async () => {
    const { port, seen: s } = await tcpServer({ framing: 'length' });
    const { conv, seen: c } = await tcpClient(port, { framing: 'length' });
    expect(conv.send('x'.repeat(70000))).toBe(false);
    expect(c.problems).toEqual(['a message of 70000 bytes is longer than --framing length allows (65535 bytes: its 2-byte length prefix); not sent']);
    expect(c.ops('send')).toHaveLength(0);
    conv.send('ok');
    await until('ok', () => s.messages.length === 1);
    expect(s.messages).toEqual(['ok']);
  });

  it('a peer whose line never ends is cut off at the limit', async () => {
    const port = await rawServer((sock) => sock.write(Buffer.alloc(70000, 0x61)));
    const { conv, seen } = await tcpClient(port);
    expect(await conv.done).toBe('failed');
    expect(seen.problems[0]).toBe(
      `the peer sent more than 65535 bytes without a newline (the line limit of --framing lines); closing the connection to ${conv.remote}`,
    );
  });
});

describe('udp chat', () => {
  it('every datagram is one message and one recvfrom(), even in a burst; an empty datagram is a message', async () => {
    const s = new Seen();
    const server = new UdpChatServer(opts({ udp: true, echo: 'upper' }), s);
    const port = await server.listen();
    closers.push(() => server.close());
    const c = new Seen();
    const client = new UdpChatClient(opts({ udp: true, port }), c);
    await client.connect();
    closers.push(() => client.close());
    client.burst(['one', 'two', 'three']);
    await until('three answers', () => c.messages.length === 3);
    client.send('');
    await until('the empty answer', () => c.messages.length === 4);
    client.finish();
    await client.done;
    await until('bye', () => s.messages.length === 5);
    expect(s.messages).toEqual(['one', 'two', 'three', '', 'bye']);
    expect(c.messages).toEqual(['ONE', 'TWO', 'THREE', '']);
    expect(s.ops('recv').map((e) => [e.bytes, e.messages])).toEqual([
      [3, 1],
      [3, 1],
      [5, 1],
      [0, 1],
      [3, 1],
    ]);
    expect(s.infos.some((i) => i.endsWith('said bye'))).toBe(true);
  });

  it('a UDP port where nothing listens: the ICMP port unreachable comes back as one line', async () => {
    const free = await freePort();
    const c = new Seen();
    const client = new UdpChatClient(opts({ udp: true, port: free }), c);
    await client.connect();
    client.send('anyone?');
    await client.done;
    expect(c.problems).toEqual([`127.0.0.1:${free} refused the datagram: no UDP server listens there (ICMP port unreachable; a server takes --udp clients only when started with --udp itself)`]);
  });

  it('a datagram too big for UDP is not sent', async () => {
    const client = new UdpChatClient(opts({ udp: true, port: await freePort() }), new Seen());
    const c = new Seen();
    const big = new UdpChatClient(opts({ udp: true, port: 9 }), c);
    await big.connect();
    closers.push(() => big.close(), () => client.close());
    expect(big.send('x'.repeat(70000))).toBe(false);
    expect(c.problems).toEqual(['a message of 70000 bytes is longer than a UDP datagram can carry (65507 bytes); not sent']);
  });
});

/** A misbehaving peer: does `onConnection` to each client. */
function rawServer(onConnection: (s: net.Socket) => void): Promise<number> {
  return new Promise((resolve) => {
    const s = net.createServer(onConnection).listen(0, '127.0.0.1', () => resolve((s.address() as net.AddressInfo).port));
    closers.push(() => new Promise<void>((r) => s.close(() => r())));
  });
}
