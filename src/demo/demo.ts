/**
 * The scripted demo behind `synack demo` / `npm start`: a chat server and a
 * client in this process, on loopback, playing the lessons' points one after
 * another, each announced by a `step` event before it happens:
 *
 *   handshake -> chat -> burst under cork (3 writes, 1 segment, 1 read) ->
 *   burst to a slow reader (3 writes, 3 segments, 1 read) -> the same over
 *   UDP (3 datagrams, 3 reads) and an empty datagram -> bye and FIN teardown
 *
 * then, every `interval` ms until stop(): a refused connection, a reset, a
 * half-close, a plain chat, round and round.
 *
 * API for the dashboard (data only, nothing printed):
 *   const demo = new ChatDemo({ ... });
 *   demo.onEvent((e) => ...);          // DemoEvent: steps and every send()/recv()
 *   await demo.listen();               // servers bound; demo.captureFilter is now valid
 *   ... open the live capture with demo.captureFilter ...
 *   await demo.run();                  // resolves after stop() (or after one round with once: true)
 *   await demo.stop();
 */
import * as net from 'node:net';
import {
  ChatError,
  DEFAULT_CHAT_OPTIONS,
  TcpChatClient,
  TcpChatServer,
  UdpChatClient,
  UdpChatServer,
  type ChatHooks,
  type ChatOptions,
  type TcpConversation,
} from './chat';
import { endpoint, now, type TraceEvent } from './trace';

export type DemoStepName =
  | 'listen'
  | 'handshake'
  | 'chat'
  | 'burst-cork'
  | 'burst-slow-reader'
  | 'udp'
  | 'udp-empty'
  | 'teardown'
  | 'refused'
  | 'reset'
  | 'half-close'
  | 'end';

/** What the demo is about to show, and why: the narration beside the packets. */
export interface DemoStep {
  op: 'step';
  tsSec: number;
  tsNsec: number;
  step: DemoStepName;
  /** One or two sentences for the person watching. */
  text: string;
  /** How the step makes TCP coalesce, when it does: the mechanism, named. */
  mechanism?: 'cork' | 'slow-reader';
  /** Messages the step's burst sends (for "N writes, one segment"). */
  messages?: number;
  /** The connection the step concerns, once known: client and server endpoints. */
  client?: string;
  server?: string;
  proto?: 'tcp' | 'udp';
}

/** One line of the demo's event stream (and of captures/chat-demo.trace.jsonl). */
export type DemoEvent = DemoStep | TraceEvent;

export interface DemoOptions {
  host: string;
  /** Port for the TCP and the UDP server (the same number: one BPF 'port' covers both); 0 picks a free one. */
  port: number;
  /** ms between steps: time for a person to read each one. */
  pace: number;
  /** ms between the extra connections after the first conversation. */
  interval: number;
  /** Stop after the scripted conversation and one of each extra connection (recording, tests). */
  once: boolean;
}

export const DEFAULT_DEMO_OPTIONS: DemoOptions = { host: '127.0.0.1', port: 0, pace: 800, interval: 3000, once: false };

/** The three messages of each burst. */
export const BURST = ['one', 'two', 'three'];


export class ChatDemo {
  readonly opts: DemoOptions;
  /** The TCP and UDP servers' port, after listen(). */
  port = 0;
  /** A port where nothing listens, for the refused connection. */
  closedPort = 0;
  private readonly listeners: ((e: DemoEvent) => void)[] = [];
  private tcpServer: TcpChatServer | undefined;
  private udpServer: UdpChatServer | undefined;
  private readonly clients = new Set<{ close(): void }>();
  private stopped = false;
  private wake: (() => void) | undefined;
  private readonly problems: string[] = [];

  constructor(opts: Partial<DemoOptions> = {}) {
    this.opts = { ...DEFAULT_DEMO_OPTIONS, ...opts };
  }

  onEvent(listener: (e: DemoEvent) => void): void {
    this.listeners.push(listener);
  }

  /** Everything that went wrong, one line each (a demo run should have none). */
  get failures(): readonly string[] {
    return this.problems;
  }

  /** libpcap syntax for exactly the demo's traffic. */
  get captureFilter(): string {
    return `port ${this.port} or port ${this.closedPort}`;
  }

  private emit(e: DemoEvent): void {
    for (const l of this.listeners) l(e);
  }

  private hooks(): ChatHooks {
    return {
      trace: (e) => this.emit(e),
      problem: (text) => this.problems.push(text),
    };
  }

  private chatOptions(extra: Partial<ChatOptions> = {}): ChatOptions {
    return { ...DEFAULT_CHAT_OPTIONS, host: this.opts.host, port: this.port, echo: 'upper', multi: true, ...extra };
  }

  /** Step fields for a connection about to be made: the server's end is known, the client's is not yet. */
  private serverSide(proto: 'tcp' | 'udp' = 'tcp'): Partial<DemoStep> {
    return { proto, server: endpoint(this.opts.host, this.port) };
  }

  private step(step: DemoStepName, text: string, extra: Partial<DemoStep> = {}): void {
    const [tsSec, tsNsec] = now();
    this.emit({ op: 'step', tsSec, tsNsec, step, text, ...extra });
  }

  /** Binds the TCP and UDP servers (same port number) and finds a closed port. Rejects with a ChatError. */
  async listen(): Promise<void> {
    // TCP and UDP ports are separate namespaces; a free TCP port is almost
    // always free for UDP too, but try a few in case it is not.
    for (let attempt = 0; ; attempt++) {
      const tcp = new TcpChatServer({ ...this.chatOptions(), port: this.opts.port }, this.hooks());
      const port = await tcp.listen();
      const udp = new UdpChatServer({ ...this.chatOptions(), port, udp: true }, this.hooks());
      try {
        await udp.listen();
      } catch (e) {
        await tcp.close();
        if (this.opts.port !== 0 || attempt >= 5) throw e;
        continue;
      }
      this.tcpServer = tcp;
      this.udpServer = udp;
      this.port = port;
      break;
    }
    this.closedPort = await closedPort(this.opts.host);
  }

  /** Plays the script; with `once`, one round of the extra connections, else until stop(). */
  async run(): Promise<void> {
    if (this.tcpServer === undefined) await this.listen();
    const p = this.opts.pace;
    const where = endpoint(this.opts.host, this.port);
    this.step('listen', `A chat server listens on ${where} (TCP) and a UDP one on the same port number, as in the lessons.`);
    await this.pause(Math.min(p, 200));
    if (!this.stopped) await this.conversation();
    const rounds: (() => Promise<void>)[] = [() => this.refused(), () => this.reset(), () => this.halfClose(), () => this.plainChat()];
    for (let i = 0; !this.stopped; i++) {
      if (this.opts.once && i >= 3) break;
      await this.pause(this.opts.once ? p : this.opts.interval);
      if (this.stopped) break;
      await rounds[i % rounds.length]();
    }
    this.step('end', 'The demo is over.');
  }

  /** Stops the script, closes every socket. Safe to call more than once. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.wake?.();
    for (const c of this.clients) c.close();
    this.clients.clear();
    const tcp = this.tcpServer;
    const udp = this.udpServer;
    this.tcpServer = undefined;
    this.udpServer = undefined;
    await Promise.all([tcp?.close(), udp?.close()]);
  }

  private pause(ms: number): Promise<void> {
    if (this.stopped) return Promise.resolve();
    return new Promise((r) => {
      const t = setTimeout(done, ms);
      function done(): void {
        clearTimeout(t);
        r();
      }
      this.wake = done;
    });
  }

  private async connect(extra: Partial<ChatOptions> = {}): Promise<{ client: TcpConversation; server: TcpConversation } | undefined> {
    if (this.tcpServer === undefined) return undefined;
    const accepted = this.tcpServer.nextConversation();
    const client = await new TcpChatClient(this.chatOptions(extra), this.hooks()).connect();
    const entry = { close: () => client.socket.destroy() };
    this.clients.add(entry);
    void client.done.then(() => this.clients.delete(entry));
    const server = await accepted;
    return { client, server };
  }

  /** The main conversation: handshake, chat, both bursts, UDP beside it, teardown. */
  private async conversation(): Promise<void> {
    const p = this.opts.pace;
    this.step('handshake', 'The client connects: SYN, SYN/ACK, ACK, the three-way handshake. Only then can either side send.', this.serverSide());
    const pair = await this.connect();
    if (pair === undefined) return;
    const { client, server } = pair;
    const ends = { client: client.local, server: client.remote, proto: 'tcp' as const };
    await this.pause(p);
    if (this.stopped) return;

    this.step('chat', 'The client says hello; the server answers with the message in upper case. Each send() is one segment, each answered by an ACK.', ends);
    client.send('hello');
    await this.pause(p);
    client.send('how are you?');
    await this.pause(p);
    if (this.stopped) return;

    this.step(
      'burst-cork',
      `Three messages in one tick under socket.cork(): three send() calls, handed to the kernel in one writev, so one segment and one recv() at the server. TCP is a byte stream: the messages stick together, and only the newline framing tells them apart.`,
      { ...ends, mechanism: 'cork', messages: BURST.length },
    );
    client.burst(BURST, true);
    await this.pause(p * 1.5);
    if (this.stopped) return;

    const hold = Math.max(200, Math.round(p / 2));
    this.step(
      'burst-slow-reader',
      `The same three messages without cork, to a server that waits ${hold} ms before reading. With TCP_NODELAY set, Nagle holds nothing back: three segments on the wire this time, yet still one recv(), because all three wait in the receive buffer. Sticky packets need no coalescing on the wire.`,
      { ...ends, mechanism: 'slow-reader', messages: BURST.length },
    );
    // Without TCP_NODELAY the outcome on the wire would depend on the
    // server's delayed ACK: after the chat it is in interactive (pingpong)
    // mode, the ACK of "one" waits, and Nagle sends "two" and "three" together.
    client.socket.setNoDelay(true);
    server.holdReads(hold);
    client.burst(BURST, false);
    client.socket.setNoDelay(false);
    await this.pause(hold + p);
    if (this.stopped) return;

    await this.udpExchange();
    if (this.stopped) return;

    this.step('teardown', 'The client says bye and closes: its FIN, the ACK, the server\'s FIN, the last ACK. Four segments (or three, when the server\'s FIN rides on its ACK).', ends);
    client.finish();
    await Promise.race([client.done, this.pause(p * 2)]);
  }

  private async udpExchange(): Promise<void> {
    const p = this.opts.pace;
    this.step(
      'udp',
      'The same three messages over UDP, beside the TCP connection: three datagrams, three recvfrom() calls. UDP keeps message boundaries; there is no handshake and no teardown.',
      { ...this.serverSide('udp'), messages: BURST.length },
    );
    const udp = new UdpChatClient(this.chatOptions({ udp: true }), this.hooks());
    try {
      await udp.connect();
    } catch (e) {
      this.problems.push(e instanceof Error ? e.message : String(e));
      return;
    }
    const entry = { close: () => void udp.close() };
    this.clients.add(entry);
    udp.burst(BURST);
    await this.pause(p);
    this.step('udp-empty', 'An empty datagram: a message of zero bytes, which UDP delivers as one recvfrom() returning 0. (In TCP, recv() returning 0 means the peer closed.)', this.serverSide('udp'));
    udp.send('');
    await this.pause(p);
    await udp.close();
    this.clients.delete(entry);
  }

  private async refused(): Promise<void> {
    this.step('refused', `A client connects to port ${this.closedPort}, where nothing listens: the SYN is answered by RST/ACK, and connect() fails with ECONNREFUSED.`, {
      proto: 'tcp',
      server: endpoint(this.opts.host, this.closedPort),
    });
    try {
      await new TcpChatClient(this.chatOptions({ port: this.closedPort }), { trace: (e) => this.emit(e) }).connect();
      this.problems.push(`port ${this.closedPort} was expected to refuse, but something listens there`);
    } catch (e) {
      if (!(e instanceof ChatError)) throw e;
    }
  }

  private async reset(): Promise<void> {
    this.step('reset', 'A new connection says hello and bye, then ends with a reset instead of a FIN (SO_LINGER 0): one RST, no four-way teardown; anything still unsent or unread would be lost.', this.serverSide());
    await this.shortConversation({ rst: true }, 'hello', this.opts.pace);
  }

  private async halfClose(): Promise<void> {
    this.step(
      'half-close',
      'A new connection says hello, then shuts down its sending side (shutdown(SHUT_WR)): its FIN goes out, but it keeps reading, and the server still sends a last message before its own FIN.',
      this.serverSide(),
    );
    await this.shortConversation({ halfClose: true }, 'hello', this.opts.pace * 2);
  }

  private async plainChat(): Promise<void> {
    this.step('chat', 'Another client: handshake, hello, bye, FIN teardown.', this.serverSide());
    await this.shortConversation({}, 'hello again', this.opts.pace * 2);
  }

  /** One of the extra connections: connect, say `text`, then end the way `extra` chooses; wait at most `wait` ms for the close. */
  private async shortConversation(extra: Partial<ChatOptions>, text: string, wait: number): Promise<void> {
    const pair = await this.connect(extra);
    if (pair === undefined) return;
    pair.client.send(text);
    await this.pause(this.opts.pace / 2);
    pair.client.finish();
    await Promise.race([pair.client.done, this.pause(wait)]);
  }
}

/** A port where nothing listens: bound by the kernel's choice, then released. */
function closedPort(host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen({ host, port: 0 }, () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

