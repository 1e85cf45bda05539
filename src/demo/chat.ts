/**
 * The lessons' chat program (../shared/seeds/): a server on 127.0.0.1 that
 * accepts a client and answers it, "bye" ending the conversation on either
 * side; a UDP variant. One engine serves `synack chat`, the scripted demo and
 * the tests; a person (readline) or a script drives it through `say()`.
 *
 * Reading is done in paused mode: each `socket.read()` takes everything that
 * arrived since the last read, as the lessons' `recv()` takes what waits in
 * the kernel's buffer. A prompt reader therefore sees one read per segment,
 * and a slow reader (`readDelay`) sees several segments come out of one read:
 * the "sticky packets" of the lessons, produced without touching the wire.
 */
import * as dgram from 'node:dgram';
import type { EventEmitter } from 'node:events';
import * as net from 'node:net';
import { connectFailure, connectionFailure, listenFailure } from './errors';
import { cannotFrame, frameMessage, MessageReader, type Framing } from './framing';
import { endpoint, now, traceText, type Side, type TraceEvent, type TraceOp, type TraceSink } from './trace';

export interface ChatOptions {
  host: string;
  port: number;
  udp: boolean;
  framing: Framing;
  /** server: answer each message with it in upper case */
  echo: 'none' | 'upper';
  /** server: talk to every client at once instead of one after another */
  multi: boolean;
  /** bursts go out under socket.cork(): one writev, so one segment */
  cork: boolean;
  /** TCP_NODELAY: no Nagle delay for small segments */
  nodelay: boolean;
  /** end the conversation with a reset instead of a FIN */
  rst: boolean;
  /** end the conversation with shutdown(SHUT_WR): our FIN, then keep reading */
  halfClose: boolean;
  /** read at most once every this many ms (0: read as soon as data arrives) */
  readDelay: number;
}

export const DEFAULT_CHAT_OPTIONS: ChatOptions = {
  host: '127.0.0.1',
  port: 8080,
  udp: false,
  framing: 'lines',
  echo: 'none',
  multi: false,
  cork: false,
  nodelay: false,
  rst: false,
  halfClose: false,
  readDelay: 0,
};

/** What the chat program shows its person. Every string from the peer is untrusted: sanitise it. */
export interface ChatHooks {
  /** A whole message arrived from `from`. */
  message?(from: string, data: Buffer): void;
  /** The program tells its person what happens (accepts, ends, mechanisms). */
  info?(text: string): void;
  /** Something failed: one line, ready to print after "synack: ". */
  problem?(text: string): void;
  trace?: TraceSink;
}

/** A failure to start (listen, connect), with the one line to show. */
export class ChatError extends Error {
  override name = 'ChatError';
}

/** The message a person types to end a conversation, as in the lessons. */
export const BYE = 'bye';

/** The longest UDP payload over IPv4 (65535 - 20 - 8); IPv6 allows 65527 on loopback, we keep one bound. */
export const MAX_DATAGRAM = 65507;

function emit(hooks: ChatHooks, side: Side, proto: 'tcp' | 'udp', conn: number, op: TraceOp, extra: Partial<TraceEvent>): void {
  if (hooks.trace === undefined) return;
  const [tsSec, tsNsec] = now();
  hooks.trace({ tsSec, tsNsec, side, proto, conn, op, ...extra });
}

/** Why a TCP conversation ended. */
export type EndKind = 'fin' | 'half-close' | 'reset-by-us' | 'reset-by-peer' | 'failed';

/**
 * One TCP connection, on either side. It frames outgoing messages, cuts the
 * incoming stream into messages, and carries out the chosen way of ending.
 */
export class TcpConversation {
  readonly local: string;
  readonly remote: string;
  /** Resolves when the socket is closed, with how it ended. */
  readonly done: Promise<EndKind>;
  messagesIn = 0;
  messagesOut = 0;
  private readonly reader: MessageReader;
  private ending = false;
  private heardBye = false;
  private peerEnded = false;
  private endKind: EndKind = 'fin';
  private nextReadAt = 0;
  private readTimer: NodeJS.Timeout | undefined;
  private resolveDone!: (k: EndKind) => void;

  constructor(
    readonly side: Side,
    readonly conn: number,
    readonly socket: net.Socket,
    private readonly opts: ChatOptions,
    private readonly hooks: ChatHooks,
  ) {
    this.local = endpoint(socket.localAddress, socket.localPort);
    this.remote = endpoint(socket.remoteAddress, socket.remotePort);
    this.reader = new MessageReader(opts.framing);
    this.done = new Promise((r) => (this.resolveDone = r));
    if (opts.nodelay) socket.setNoDelay(true);
    if (opts.readDelay > 0) this.nextReadAt = Date.now() + opts.readDelay;
    socket.on('readable', () => this.onReadable());
    socket.on('end', () => this.onEnd());
    socket.on('error', (e) => this.onError(e));
    socket.on('close', () => {
      if (this.readTimer !== undefined) clearTimeout(this.readTimer);
      this.resolveDone(this.endKind);
    });
  }

  private t(op: TraceOp, extra: Partial<TraceEvent> = {}): void {
    emit(this.hooks, this.side, 'tcp', this.conn, op, { local: this.local, remote: this.remote, ...extra });
  }

  /** Sends one message; false (and a problem line) when the framing cannot carry it. */
  send(text: string | Buffer, corked = false): boolean {
    if (this.ending || this.socket.destroyed || !this.socket.writable) {
      this.hooks.problem?.(`not sent: the connection to ${this.remote} is closing`);
      return false;
    }
    const data = typeof text === 'string' ? Buffer.from(text, 'utf8') : text;
    const why = cannotFrame(this.opts.framing, data);
    if (why !== null) {
      this.hooks.problem?.(why);
      return false;
    }
    const wire = frameMessage(this.opts.framing, data);
    this.t('send', { bytes: wire.length, text: traceText(wire), ...(corked ? { corked: true } : {}) });
    this.socket.write(wire);
    this.messagesOut++;
    return true;
  }

  /**
   * `n` short messages in one tick. Corked, Node keeps the writes and hands
   * them to the kernel in one writev at uncork: one segment. Uncorked, each
   * write reaches the kernel at once; on loopback the ACK of the first is back
   * before the second is written, so Nagle has nothing to hold and each
   * usually leaves as its own segment.
   */
  burst(messages: readonly string[], cork = this.opts.cork): void {
    if (cork) this.socket.cork();
    for (const m of messages) this.send(m, cork);
    if (cork) process.nextTick(() => this.socket.uncork());
  }

  /** Reads nothing for `ms`, so what arrives meanwhile comes out of one read. */
  holdReads(ms: number): void {
    this.nextReadAt = Math.max(this.nextReadAt, Date.now() + ms);
  }

  /** Ends the conversation the chosen way: "bye" and a FIN, "bye" and a reset, or a half-close. */
  finish(): void {
    if (this.ending || this.socket.destroyed) return;
    if (this.opts.halfClose) {
      this.ending = true;
      this.endKind = 'half-close';
      this.hooks.info?.(`half-close: shutdown(SHUT_WR) sends our FIN; still reading what ${this.remote} sends`);
      this.t('shutdown');
      this.socket.end();
      return;
    }
    this.send(BYE);
    this.closeOurSide();
  }

  /** Closes now: our FIN (or reset with --rst), no "bye". */
  closeOurSide(): void {
    if (this.socket.destroyed) return;
    this.ending = true;
    if (this.opts.rst) {
      this.endKind = 'reset-by-us';
      this.t('reset', { note: 'we reset the connection (--rst)' });
      this.socket.resetAndDestroy();
      return;
    }
    if (!this.socket.writableEnded) {
      this.t('close');
      this.socket.end();
    }
  }

  private onReadable(): void {
    if (this.opts.readDelay > 0 || this.nextReadAt > 0) {
      const wait = this.nextReadAt - Date.now();
      if (wait > 0) {
        if (this.readTimer === undefined) {
          this.readTimer = setTimeout(() => {
            this.readTimer = undefined;
            this.onReadable();
          }, wait);
        }
        return;
      }
    }
    let chunk: Buffer | null;
    while ((chunk = this.socket.read() as Buffer | null) !== null) {
      this.receive(chunk);
      if (this.opts.readDelay > 0) {
        this.nextReadAt = Date.now() + this.opts.readDelay;
        if (this.socket.readableLength > 0) this.onReadable();
        return;
      }
    }
  }

  private receive(chunk: Buffer): void {
    const got = this.reader.push(chunk);
    this.t('recv', { bytes: chunk.length, text: traceText(chunk), messages: got.messages.length });
    for (const m of got.messages) {
      this.messagesIn++;
      this.hooks.message?.(this.remote, m);
      if (m.length === BYE.length && m.toString('latin1') === BYE) {
        this.heardBye = true;
        this.hooks.info?.(`${this.remote} said bye`);
        this.closeOurSide();
        return;
      }
      if (this.side === 'server' && this.opts.echo === 'upper' && !this.ending) this.send(m.toString('utf8').toUpperCase());
    }
    if (got.error !== undefined) {
      this.hooks.problem?.(`${got.error}; closing the connection to ${this.remote}`);
      this.endKind = 'failed';
      this.closeOurSide();
    }
  }

  private onEnd(): void {
    this.peerEnded = true;
    this.t('eof');
    if (this.reader.pendingBytes > 0) {
      this.hooks.problem?.(`${this.remote} closed the connection in the middle of a message (${this.reader.describePending()})`);
      this.endKind = 'failed';
    }
    if (this.ending || this.heardBye) {
      // The FIN that answers ours (or follows their "bye"): the teardown completes.
      if (!this.socket.writableEnded && !this.socket.destroyed) this.closeOurSide();
      return;
    }
    // The peer shut down its sending side without "bye": a half-close. The
    // connection still carries data our way to them, so the server says
    // goodbye with a summary before its own FIN: data after a FIN.
    this.hooks.info?.(`${this.remote} half-closed the connection (FIN without "bye"): it can still receive`);
    if (this.side === 'server' && this.endKind !== 'failed') {
      this.endKind = 'half-close';
      this.send(`you sent ${this.messagesIn} message${this.messagesIn === 1 ? '' : 's'}; ${BYE}`);
    }
    this.closeOurSide();
  }

  private onError(e: Error): void {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ECONNRESET') {
      this.endKind = 'reset-by-peer';
      const pending = this.reader.pendingBytes > 0 ? ` in the middle of a message (${this.reader.describePending()})` : '';
      this.t('reset', { note: `${this.remote} reset the connection${pending}` });
      if (this.heardBye || this.peerEnded) this.hooks.info?.(`${this.remote} reset the connection${pending}`);
      else this.hooks.problem?.(connectionFailure(e, this.remote) + pending);
      return;
    }
    this.endKind = 'failed';
    const line = connectionFailure(e, this.remote);
    this.t('error', { note: line });
    this.hooks.problem?.(line);
  }
}

/** What the TCP and UDP chat servers share: their options and hooks, their address, and binding it. */
abstract class ChatServer {
  /** host:port, with the real port once bound (port 0 lets the kernel choose). */
  protected where = '';

  constructor(
    protected readonly opts: ChatOptions,
    protected readonly hooks: ChatHooks,
  ) {}

  get endpoint(): string {
    return this.where;
  }

  /**
   * Binds `socket` (a TCP listener or a UDP socket) through `bind`. A failure
   * to bind rejects with the one line listenFailure gives; once bound, later
   * errors go to `onError`, the trace says listen, and the port resolves.
   */
  protected bindTo(
    proto: 'tcp' | 'udp',
    socket: Pick<EventEmitter, 'once' | 'on' | 'removeAllListeners'>,
    bind: (bound: () => void) => void,
    boundPort: () => number,
    onError: (e: Error) => void,
  ): Promise<number> {
    this.where = endpoint(this.opts.host, this.opts.port);
    return new Promise((resolve, reject) => {
      socket.once('error', (e: Error) => reject(new ChatError(listenFailure(e, this.where, proto))));
      bind(() => {
        socket.removeAllListeners('error');
        socket.on('error', onError);
        const port = boundPort();
        this.where = endpoint(this.opts.host, port);
        emit(this.hooks, 'server', proto, 0, 'listen', { local: this.where });
        resolve(port);
      });
    });
  }
}

/**
 * A TCP chat server. Without `multi` it talks to one client at a time: later
 * clients complete their handshake (the kernel accepts them into the backlog,
 * as in the lessons) and wait, unread, until the conversation before them ends.
 */
export class TcpChatServer extends ChatServer {
  private server: net.Server | undefined;
  private readonly active = new Set<TcpConversation>();
  private readonly waiting: { socket: net.Socket; conn: number }[] = [];
  private readonly starters: ((c: TcpConversation) => void)[] = [];
  private conns = 0;

  /** Listens; resolves with the port (useful with port 0). Rejects with a ChatError. */
  listen(): Promise<number> {
    const server = net.createServer({ allowHalfOpen: true, pauseOnConnect: true });
    this.server = server;
    server.on('connection', (s) => this.onConnection(s));
    return this.bindTo(
      'tcp',
      server,
      (bound) => server.listen({ host: this.opts.host, port: this.opts.port, exclusive: true }, bound),
      () => (server.address() as net.AddressInfo).port,
      (e) => this.hooks.problem?.(listenFailure(e, this.where, 'tcp')),
    );
  }

  /** The conversations in progress (one, without --multi). */
  get conversations(): readonly TcpConversation[] {
    return [...this.active];
  }

  /** Resolves when the next conversation begins. */
  nextConversation(): Promise<TcpConversation> {
    return new Promise((r) => this.starters.push(r));
  }

  /** The server's person typed a line: it goes to every conversation; "bye" ends them. */
  say(text: string): void {
    if (this.active.size === 0) {
      this.hooks.info?.('nobody is connected yet; the line was not sent');
      return;
    }
    for (const c of this.active) {
      if (text === BYE) c.finish();
      else c.send(text);
    }
  }

  private onConnection(socket: net.Socket): void {
    const conn = ++this.conns;
    const peer = endpoint(socket.remoteAddress, socket.remotePort);
    emit(this.hooks, 'server', 'tcp', conn, 'accept', { local: endpoint(socket.localAddress, socket.localPort), remote: peer });
    if (this.opts.multi || this.active.size === 0) {
      this.begin(socket, conn);
      return;
    }
    // Not read until its turn (pauseOnConnect): its data waits in the kernel,
    // as it would for a Python server busy in another conversation.
    this.hooks.info?.(`${peer} connected (the kernel completed its handshake); it waits until the current conversation ends`);
    this.waiting.push({ socket, conn });
  }

  private begin(socket: net.Socket, conn: number): void {
    const c = new TcpConversation('server', conn, socket, this.opts, this.hooks);
    this.active.add(c);
    this.hooks.info?.(`${c.remote} connected`);
    for (const r of this.starters.splice(0)) r(c);
    void c.done.then(() => {
      this.active.delete(c);
      this.hooks.info?.(`the conversation with ${c.remote} is over`);
      const next = this.waiting.shift();
      if (next !== undefined && this.server !== undefined) this.begin(next.socket, next.conn);
    });
  }

  /** Stops listening and closes every connection (FIN, or reset with --rst). */
  async close(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    for (const w of this.waiting.splice(0)) w.socket.destroy();
    const ends = [...this.active].map((c) => {
      c.closeOurSide();
      return c.done;
    });
    if (server !== undefined) await new Promise<void>((r) => server.close(() => r()));
    // A peer that never answers our FIN must not keep the program alive.
    await Promise.race([Promise.all(ends), new Promise((r) => setTimeout(r, 1000).unref())]);
    for (const c of this.active) c.socket.destroy();
  }
}

/** A TCP chat client. */
export class TcpChatClient {
  conversation: TcpConversation | undefined;

  constructor(
    private readonly opts: ChatOptions,
    private readonly hooks: ChatHooks,
  ) {}

  /** Connects (the handshake); rejects with a ChatError whose message is the line to show. */
  connect(): Promise<TcpConversation> {
    const where = endpoint(this.opts.host, this.opts.port);
    return new Promise((resolve, reject) => {
      const socket = net.connect({ host: this.opts.host, port: this.opts.port, allowHalfOpen: true });
      socket.pause();
      const fail = (e: Error): void => {
        emit(this.hooks, 'client', 'tcp', 1, 'error', { remote: where, note: connectFailure(e, where) });
        reject(new ChatError(connectFailure(e, where)));
      };
      socket.once('error', fail);
      socket.once('connect', () => {
        socket.removeListener('error', fail);
        const c = new TcpConversation('client', 1, socket, this.opts, this.hooks);
        emit(this.hooks, 'client', 'tcp', 1, 'connect', { local: c.local, remote: c.remote });
        this.conversation = c;
        resolve(c);
      });
    });
  }
}

/** The `n` short messages of a burst. */
export function burstMessages(n: number, prefix = 'msg'): string[] {
  return Array.from({ length: n }, (_, i) => `${prefix} ${i + 1}`);
}

// ---------------------------------------------------------------------------
// UDP: no connection, no handshake, no teardown; each datagram is one message
// and one recvfrom(), whatever the sender's timing.

function udpFamily(host: string): 'udp4' | 'udp6' {
  return net.isIPv6(host) ? 'udp6' : 'udp4';
}

function checkDatagram(data: Buffer): string | null {
  return data.length > MAX_DATAGRAM ? `a message of ${data.length} bytes is longer than a UDP datagram can carry (${MAX_DATAGRAM} bytes); not sent` : null;
}

/** A UDP chat server: answers whoever wrote last. */
export class UdpChatServer extends ChatServer {
  private socket: dgram.Socket | undefined;
  private readonly peers = new Map<string, number>();
  private peersSeen = 0;
  private last: { address: string; port: number; name: string } | undefined;

  /** Binds; resolves with the port (useful with port 0). Rejects with a ChatError. */
  listen(): Promise<number> {
    const socket = dgram.createSocket({ type: udpFamily(this.opts.host) });
    this.socket = socket;
    // No datagram arrives before the bind: listening for them first changes nothing.
    socket.on('message', (msg, rinfo) => this.onMessage(msg, rinfo));
    return this.bindTo(
      'udp',
      socket,
      (bound) => socket.bind({ address: this.opts.host, port: this.opts.port, exclusive: true }, bound),
      () => socket.address().port,
      (e) => this.hooks.problem?.(connectionFailure(e, this.last?.name ?? this.where)),
    );
  }

  private peerNumber(name: string): number {
    let n = this.peers.get(name);
    if (n === undefined) {
      // Bounded: a UDP server hears from anyone; forget the oldest.
      if (this.peers.size >= 1024) this.peers.delete(this.peers.keys().next().value as string);
      n = ++this.peersSeen;
      this.peers.set(name, n);
    }
    return n;
  }

  private onMessage(msg: Buffer, rinfo: dgram.RemoteInfo): void {
    const name = endpoint(rinfo.address, rinfo.port);
    const conn = this.peerNumber(name);
    this.last = { address: rinfo.address, port: rinfo.port, name };
    emit(this.hooks, 'server', 'udp', conn, 'recv', { local: this.where, remote: name, bytes: msg.length, text: traceText(msg), messages: 1 });
    this.hooks.message?.(name, msg);
    if (msg.toString('latin1') === BYE) {
      this.hooks.info?.(`${name} said bye`);
      this.last = undefined;
      return;
    }
    if (this.opts.echo === 'upper') this.sendTo(this.last, Buffer.from(msg.toString('utf8').toUpperCase(), 'utf8'));
  }

  private sendTo(to: { address: string; port: number; name: string }, data: Buffer): void {
    const why = checkDatagram(data);
    if (why !== null) {
      this.hooks.problem?.(why);
      return;
    }
    emit(this.hooks, 'server', 'udp', this.peerNumber(to.name), 'send', { local: this.where, remote: to.name, bytes: data.length, text: traceText(data) });
    this.socket?.send(data, to.port, to.address);
  }

  /** The server's person typed a line: it goes to whoever wrote last. */
  say(text: string): void {
    if (this.last === undefined) {
      this.hooks.info?.('nobody has written yet; the line was not sent');
      return;
    }
    const to = this.last;
    this.sendTo(to, Buffer.from(text, 'utf8'));
    if (text === BYE) this.last = undefined;
  }

  async close(): Promise<void> {
    const s = this.socket;
    this.socket = undefined;
    if (s !== undefined) await new Promise<void>((r) => s.close(() => r()));
  }
}

/** A UDP chat client: a connected UDP socket, so an ICMP port unreachable comes back as ECONNREFUSED. */
export class UdpChatClient {
  private socket: dgram.Socket | undefined;
  private local = '';
  private remote = '';
  private resolveDone!: () => void;
  /** Resolves when the client stops: "bye" either way, or the server refused. */
  readonly done: Promise<void> = new Promise((r) => (this.resolveDone = r));

  constructor(
    private readonly opts: ChatOptions,
    private readonly hooks: ChatHooks,
  ) {}

  connect(): Promise<void> {
    this.remote = endpoint(this.opts.host, this.opts.port);
    const socket = dgram.createSocket({ type: udpFamily(this.opts.host) });
    this.socket = socket;
    return new Promise((resolve, reject) => {
      socket.once('error', (e) => reject(new ChatError(connectFailure(e, this.remote))));
      socket.connect(this.opts.port, this.opts.host, () => {
        socket.removeAllListeners('error');
        const a = socket.address();
        this.local = endpoint(a.address, a.port);
        emit(this.hooks, 'client', 'udp', 1, 'connect', { local: this.local, remote: this.remote });
        socket.on('message', (msg) => this.onMessage(msg));
        socket.on('error', (e) => {
          const line = connectionFailure(e, this.remote);
          emit(this.hooks, 'client', 'udp', 1, 'error', { local: this.local, remote: this.remote, note: line });
          this.hooks.problem?.(line);
          void this.close();
        });
        resolve();
      });
    });
  }

  private onMessage(msg: Buffer): void {
    emit(this.hooks, 'client', 'udp', 1, 'recv', { local: this.local, remote: this.remote, bytes: msg.length, text: traceText(msg), messages: 1 });
    this.hooks.message?.(this.remote, msg);
    if (msg.toString('latin1') === BYE) {
      this.hooks.info?.(`${this.remote} said bye`);
      void this.close();
    }
  }

  /** Sends one datagram; an empty line is an empty datagram, which UDP carries as a message of its own. */
  send(text: string | Buffer): boolean {
    const data = typeof text === 'string' ? Buffer.from(text, 'utf8') : text;
    const why = checkDatagram(data);
    if (why !== null) {
      this.hooks.problem?.(why);
      return false;
    }
    if (this.socket === undefined) return false;
    emit(this.hooks, 'client', 'udp', 1, 'send', { local: this.local, remote: this.remote, bytes: data.length, text: traceText(data) });
    this.socket.send(data);
    return true;
  }

  burst(messages: readonly string[]): void {
    for (const m of messages) this.send(m);
  }

  /** "bye", then close the socket (nothing goes on the wire for that: UDP has no teardown). */
  finish(): void {
    if (this.socket === undefined) return;
    this.send(BYE);
    // Let the datagram leave before the socket goes.
    setImmediate(() => void this.close());
  }

  async close(): Promise<void> {
    const s = this.socket;
    this.socket = undefined;
    if (s !== undefined) await new Promise<void>((r) => s.close(() => r()));
    this.resolveDone();
  }
}
