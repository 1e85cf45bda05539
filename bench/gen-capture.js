#!/usr/bin/env node
'use strict';
/**
 * Writes a realistic, reproducible Ethernet/IPv4/TCP capture for the
 * benchmarks: many client connections to a few servers, each with a
 * three-way handshake, request/response exchanges of varied sizes (mostly
 * small, chat- and API-like, some bulk responses cut into MSS segments),
 * delayed and duplicate ACKs, a few retransmissions, and FIN or RST
 * teardowns. Checksums are correct; time advances in microseconds.
 *
 *   node bench/gen-capture.js --frames 2000000 --out bench/out/tcp-2m.pcap
 *   node bench/gen-capture.js --bytes 4e9 --out bench/out/tcp-4g.pcap
 *
 * A .pcapng name writes pcapng (nanosecond time stamps). The same seed gives
 * the same bytes, so results compare across runs and machines.
 */
const path = require('node:path');
const { openWriter } = require('../dist/capture/writer');
const { newFrame } = require('../dist/capture/frame');

/** Bumped whenever the traffic model changes, so cached fixtures are regenerated. */
const MODEL_VERSION = 1;

function mulberry32(seed) {
  let a = seed >>> 0;
  return function next() {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const MSS = 1448;
const ETH = 14;
const IP = 20;
const FLAG_FIN = 0x01;
const FLAG_SYN = 0x02;
const FLAG_RST = 0x04;
const FLAG_PSH = 0x08;
const FLAG_ACK = 0x10;

class Generator {
  constructor(writer, seed) {
    this.writer = writer;
    this.rand = mulberry32(seed);
    this.frame = newFrame();
    this.frame.linkType = 1;
    this.buf = Buffer.alloc(ETH + IP + 60 + MSS);
    this.frame.data = this.buf;
    // Chat- and API-like payload text: words and newlines, sliced at random offsets.
    const words = ['hello', 'ok', 'GET', '/api/v1/items', 'HTTP/1.1', '200', 'json', 'user', 'message', 'sticky', 'packet', 'ping', 'pong', '{"id":42}', 'bye'];
    let text = '';
    while (text.length < 1 << 16) text += words[Math.floor(this.rand() * words.length)] + (this.rand() < 0.15 ? '\n' : ' ');
    this.text = Buffer.from(text, 'latin1');
    this.usec = 0;
    this.sec = 1700000000;
    this.frames = 0;
    this.bytes = 24;
    this.ipId = 1;
    this.nextPort = 32768;
    this.nextClient = 0;
  }

  /** Exponential gaps averaging 20 us: about 50 k frames a second. */
  tick() {
    this.usec += Math.max(1, Math.round(-Math.log(1 - this.rand()) * 20));
    if (this.usec >= 1000000) {
      this.sec += Math.floor(this.usec / 1000000);
      this.usec %= 1000000;
    }
  }

  newConnection() {
    const c = this.nextClient++;
    const port = this.nextPort;
    this.nextPort = this.nextPort >= 60999 ? 32768 : this.nextPort + 1;
    return {
      client: (10 << 24) | (1 << 16) | ((c >> 8) & 0xff) << 8 | ((c & 0xff) || 1),
      server: (10 << 24) | (0 << 16) | (0 << 8) | (1 + (c % 4)),
      cport: port,
      sport: [4242, 7777, 5555, 6543][c % 4],
      cseq: Math.floor(this.rand() * 4294967296),
      sseq: Math.floor(this.rand() * 4294967296),
      rounds: 1 + Math.floor(this.rand() * 24),
      phase: 0,
      pending: [],
    };
  }

  /** A payload size: mostly small messages, some medium, some full segments. */
  messageSize() {
    const r = this.rand();
    if (r < 0.7) return 1 + Math.floor(this.rand() * 120);
    if (r < 0.9) return 120 + Math.floor(this.rand() * 880);
    return MSS * (1 + Math.floor(this.rand() * 6)) + Math.floor(this.rand() * MSS);
  }

  /** Emits one TCP segment. `fromClient` chooses the direction. */
  segment(k, fromClient, flags, payloadLen) {
    if (this.frames >= this.maxFrames) return;
    this.tick();
    const b = this.buf;
    const syn = (flags & FLAG_SYN) !== 0;
    const tcpHdr = syn ? 40 : 32;
    const src = fromClient ? k.client : k.server;
    const dst = fromClient ? k.server : k.client;
    // Ethernet: MACs derived from the addresses.
    b.writeUInt16BE(0x0200, 0);
    b.writeUInt32BE(dst >>> 0, 2);
    b.writeUInt16BE(0x0200, 6);
    b.writeUInt32BE(src >>> 0, 8);
    b.writeUInt16BE(0x0800, 12);
    // IPv4
    const total = IP + tcpHdr + payloadLen;
    b[14] = 0x45;
    b[15] = 0;
    b.writeUInt16BE(total, 16);
    b.writeUInt16BE(this.ipId++ & 0xffff, 18);
    b.writeUInt16BE(0x4000, 20);
    b[22] = 64;
    b[23] = 6;
    b.writeUInt16BE(0, 24);
    b.writeUInt32BE(src >>> 0, 26);
    b.writeUInt32BE(dst >>> 0, 30);
    b.writeUInt16BE(checksum(b, 14, 34, 0), 24);
    // TCP
    const t = 34;
    b.writeUInt16BE(fromClient ? k.cport : k.sport, t);
    b.writeUInt16BE(fromClient ? k.sport : k.cport, t + 2);
    b.writeUInt32BE((fromClient ? k.cseq : k.sseq) >>> 0, t + 4);
    b.writeUInt32BE((flags & FLAG_ACK) !== 0 ? (fromClient ? k.sseq : k.cseq) >>> 0 : 0, t + 8);
    b[t + 12] = (tcpHdr / 4) << 4;
    b[t + 13] = flags;
    b.writeUInt16BE(syn ? 64240 : 502, t + 14);
    b.writeUInt16BE(0, t + 16);
    b.writeUInt16BE(0, t + 18);
    const tsval = (this.sec * 1000 + Math.floor(this.usec / 1000)) >>> 0;
    let o = t + 20;
    if (syn) {
      // MSS, SACK permitted, timestamps, NOP, window scale: what Linux sends.
      b.writeUInt32BE(0x020405b4, o);
      b.writeUInt16BE(0x0402, o + 4);
      b[o + 6] = 8;
      b[o + 7] = 10;
      b.writeUInt32BE(tsval, o + 8);
      b.writeUInt32BE(0, o + 12);
      b.writeUInt32BE(0x01030307, o + 16);
      o += 20;
    } else {
      b.writeUInt16BE(0x0101, o);
      b[o + 2] = 8;
      b[o + 3] = 10;
      b.writeUInt32BE(tsval, o + 4);
      b.writeUInt32BE((tsval - 1) >>> 0, o + 8);
      o += 12;
    }
    if (payloadLen > 0) {
      const from = Math.floor(this.rand() * (this.text.length - payloadLen));
      this.text.copy(b, o, from, from + payloadLen);
    }
    const end = o + payloadLen;
    // Pseudo-header: addresses, protocol, TCP length.
    let sum = ((src >>> 16) & 0xffff) + (src & 0xffff) + ((dst >>> 16) & 0xffff) + (dst & 0xffff) + 6 + (tcpHdr + payloadLen);
    b.writeUInt16BE(checksum(b, t, end, sum), t + 16);
    const f = this.frame;
    f.tsSec = this.sec;
    f.tsNsec = this.usec * 1000;
    f.capLen = end;
    f.origLen = end;
    f.offset = 0;
    this.writer.write(f);
    this.frames++;
    this.bytes += 16 + end;
    if (fromClient) k.cseq = (k.cseq + payloadLen + (syn || (flags & FLAG_FIN) !== 0 ? 1 : 0)) >>> 0;
    else k.sseq = (k.sseq + payloadLen + (syn || (flags & FLAG_FIN) !== 0 ? 1 : 0)) >>> 0;
  }

  /** Sends `size` bytes in MSS segments, ACKed every second segment by the peer. */
  send(k, fromClient, size) {
    let left = size;
    let unacked = 0;
    while (left > 0) {
      const n = Math.min(left, MSS);
      left -= n;
      if (this.rand() < 0.01) {
        // A retransmission: the same segment again, seq unchanged.
        const saved = fromClient ? k.cseq : k.sseq;
        this.segment(k, fromClient, FLAG_ACK | FLAG_PSH, n);
        if (fromClient) k.cseq = saved;
        else k.sseq = saved;
      }
      this.segment(k, fromClient, FLAG_ACK | (left === 0 ? FLAG_PSH : 0), n);
      if (++unacked === 2 || left === 0) {
        this.segment(k, !fromClient, FLAG_ACK, 0);
        if (this.rand() < 0.01) this.segment(k, !fromClient, FLAG_ACK, 0); // duplicate ACK
        unacked = 0;
      }
    }
  }

  /** Advances connection `k` by one step; returns false when it is over. */
  step(k) {
    switch (k.phase) {
      case 0:
        this.segment(k, true, FLAG_SYN, 0);
        this.segment(k, false, FLAG_SYN | FLAG_ACK, 0);
        this.segment(k, true, FLAG_ACK, 0);
        k.phase = 1;
        return true;
      case 1:
        this.send(k, true, this.messageSize());
        if (this.rand() < 0.8) this.send(k, false, this.messageSize());
        if (--k.rounds === 0) k.phase = 2;
        return true;
      default:
        if (this.rand() < 0.85) {
          this.segment(k, true, FLAG_FIN | FLAG_ACK, 0);
          this.segment(k, false, FLAG_ACK, 0);
          this.segment(k, false, FLAG_FIN | FLAG_ACK, 0);
          this.segment(k, true, FLAG_ACK, 0);
        } else {
          this.segment(k, this.rand() < 0.5, FLAG_RST | FLAG_ACK, 0);
        }
        return false;
    }
  }

  run(maxFrames, maxBytes) {
    this.maxFrames = maxFrames;
    const active = [];
    for (let i = 0; i < 256; i++) active.push(this.newConnection());
    while (this.frames < maxFrames && this.bytes < maxBytes) {
      const i = Math.floor(this.rand() * active.length);
      if (!this.step(active[i])) active[i] = this.newConnection();
    }
  }
}

/** RFC 1071 one's-complement sum of b[start, end), plus `sum`. */
function checksum(b, start, end, sum) {
  let i = start;
  for (; i + 1 < end; i += 2) sum += (b[i] << 8) | b[i + 1];
  if (i < end) sum += b[i] << 8;
  while (sum > 0xffff) sum = (sum & 0xffff) + Math.floor(sum / 65536);
  return ~sum & 0xffff;
}

/**
 * Generates `out` unless it exists. Frames stop at `frames` or once the file
 * reaches `bytes`, whichever comes first. Returns the frame count.
 */
function generate({ out, frames = Infinity, bytes = Infinity, seed = 20240601 }) {
  const writer = openWriter(out, { nanosecond: false });
  const g = new Generator(writer, seed);
  g.run(frames, bytes);
  writer.close();
  return g.frames;
}

function main(argv) {
  const args = { frames: Infinity, bytes: Infinity, out: '' };
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--frames') args.frames = Number(argv[++i]);
    else if (argv[i] === '--bytes') args.bytes = Number(argv[++i]);
    else if (argv[i] === '--out') args.out = argv[++i];
    else if (argv[i] === '--seed') args.seed = Number(argv[++i]);
  }
  if (args.out === '' || (args.frames === Infinity && args.bytes === Infinity)) {
    process.stderr.write('usage: node bench/gen-capture.js (--frames N | --bytes N) --out FILE.pcap[ng] [--seed S]\n');
    process.exit(2);
  }
  const t0 = Date.now();
  const n = generate(args);
  process.stderr.write(`${path.basename(args.out)}: ${n} frames in ${((Date.now() - t0) / 1000).toFixed(1)} s\n`);
}

module.exports = { generate, MODEL_VERSION };
if (require.main === module) main(process.argv.slice(2));
