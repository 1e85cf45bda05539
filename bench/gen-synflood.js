#!/usr/bin/env node
'use strict';
/**
 * Writes a SYN flood: N SYNs from distinct source addresses and ports to one
 * server, none answered (a million half-open connections). The analysis must
 * process it in bounded memory, evicting idle connections and counting them.
 *
 *   node bench/gen-synflood.js --syns 1000000 --out bench/out/synflood-1m.pcap
 *
 * Classic pcap, Ethernet/IPv4/TCP, 1 microsecond apart; reproducible.
 */
const fs = require('node:fs');

const FRAME = 14 + 20 + 20;

function generate({ out, syns }) {
  const fd = fs.openSync(out, 'w');
  const header = Buffer.alloc(24);
  header.writeUInt32LE(0xa1b2c3d4, 0);
  header.writeUInt16LE(2, 4);
  header.writeUInt16LE(4, 6);
  header.writeUInt32LE(262144, 16);
  header.writeUInt32LE(1, 20);
  fs.writeSync(fd, header);
  const per = 16 + FRAME;
  const batch = 65536;
  const buf = Buffer.alloc(per * batch);
  let written = 0;
  const start = 1_700_000_000;
  while (written < syns) {
    const n = Math.min(batch, syns - written);
    for (let i = 0; i < n; i++) {
      const k = written + i;
      const o = i * per;
      const usec = k;
      buf.writeUInt32LE(start + Math.floor(usec / 1e6), o);
      buf.writeUInt32LE(usec % 1e6, o + 4);
      buf.writeUInt32LE(FRAME, o + 8);
      buf.writeUInt32LE(FRAME, o + 12);
      const f = o + 16;
      // Ethernet: server MAC, client MAC, IPv4.
      buf.fill(0, f, f + FRAME);
      buf[f + 5] = 1;
      buf[f + 11] = 2;
      buf[f + 12] = 0x08;
      // IPv4: 10.x.y.z (distinct per SYN) -> 192.0.2.1.
      const ip = f + 14;
      buf[ip] = 0x45;
      buf.writeUInt16BE(40, ip + 2);
      buf.writeUInt16BE(k & 0xffff, ip + 4);
      buf[ip + 8] = 64;
      buf[ip + 9] = 6;
      buf[ip + 12] = 10;
      buf[ip + 13] = (k >>> 16) & 255;
      buf[ip + 14] = (k >>> 8) & 255;
      buf[ip + 15] = k & 255;
      buf[ip + 16] = 192;
      buf[ip + 17] = 0;
      buf[ip + 18] = 2;
      buf[ip + 19] = 1;
      // TCP SYN from a high port to 80.
      const t = ip + 20;
      buf.writeUInt16BE(1024 + (k % 60000), t);
      buf.writeUInt16BE(80, t + 2);
      buf.writeUInt32BE((Math.imul(k, 0x9e3779b1) >>> 0), t + 4);
      buf[t + 12] = 0x50;
      buf[t + 13] = 0x02;
      buf.writeUInt16BE(64240, t + 14);
    }
    fs.writeSync(fd, buf, 0, n * per);
    written += n;
  }
  fs.closeSync(fd);
  return written;
}

module.exports = { generate };

if (require.main === module) {
  const arg = (name, dflt) => {
    const i = process.argv.indexOf(`--${name}`);
    return i < 0 ? dflt : process.argv[i + 1];
  };
  const n = generate({ out: arg('out', 'synflood.pcap'), syns: Number(arg('syns', '1000000')) });
  process.stdout.write(`${n} SYNs\n`);
}
