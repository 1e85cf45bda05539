/**
 * An independent oracle for classic pcap: pcap-parser (the reader the
 * original design named) on every microsecond pcap file of the corpus it can
 * read, record for record: times, lengths and the bytes themselves.
 */
import { createHash } from 'node:crypto';
import { closeSync, openSync, readSync } from 'node:fs';
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { allCaptureFiles, HAVE_CORPUS } from '../helpers/paths';
import { readFile } from './helpers';

interface PcapParserPacket {
  header: { timestampSeconds: number; timestampMicroseconds: number; capturedLength: number; originalLength: number };
  data: Buffer;
}
interface PcapParserEmitter {
  on(event: 'packet', cb: (p: PcapParserPacket) => void): void;
  on(event: 'end', cb: () => void): void;
  on(event: 'error', cb: (e: Error) => void): void;
}
const pcapParser = createRequire(__filename)('pcap-parser') as { parse(path: string): PcapParserEmitter };

/** Files pcap-parser understands: microsecond magic, version 2.4, and a link type without a pseudo-header to strip. */
function suitable(path: string): boolean {
  const fd = openSync(path, 'r');
  const h = Buffer.alloc(24);
  const n = readSync(fd, h, 0, 24, 0);
  closeSync(fd);
  if (n < 24) return false;
  const magic = h.readUInt32BE(0);
  const le = magic === 0xd4c3b2a1;
  if (!le && magic !== 0xa1b2c3d4) return false;
  const major = le ? h.readUInt16LE(4) : h.readUInt16BE(4);
  const minor = le ? h.readUInt16LE(6) : h.readUInt16BE(6);
  const linkType = (le ? h.readUInt32LE(20) : h.readUInt32BE(20)) & 0xffff;
  return major === 2 && minor === 4 && ![123, 139, 144, 177, 196, 201, 204, 209].includes(linkType);
}

function withPcapParser(path: string): Promise<string[]> {
  return new Promise((resolve, reject) => {
    const rows: string[] = [];
    const p = pcapParser.parse(path);
    p.on('packet', (pkt) => {
      const h = pkt.header;
      // synack keeps wiretap's 32-bit arithmetic for a fraction beyond a second (usec * 1000 in a C int).
      rows.push(`${h.timestampSeconds} ${Math.imul(h.timestampMicroseconds, 1000)} ${h.capturedLength} ${h.originalLength} ${createHash('sha1').update(pkt.data).digest('hex')}`);
    });
    p.on('end', () => resolve(rows));
    p.on('error', reject);
  });
}

describe('classic pcap against pcap-parser', () => {
  it('every record agrees: seconds, fraction, lengths, bytes', async () => {
    const files = allCaptureFiles().filter((f) => /\.pcap$/.test(f) && suitable(f));
    // The corpus's 600 and more, or the microsecond pcaps of captures/ on a clean clone.
    expect(files.length).toBeGreaterThan(HAVE_CORPUS ? 600 : 10);
    for (const file of files) {
      const expected = await withPcapParser(file);
      const r = await readFile(file);
      expect(r.error, file).toBeNull();
      const got = r.frames.map((f) => `${f.tsSec} ${f.tsNsec} ${f.capLen} ${f.origLen} ${createHash('sha1').update(f.data.subarray(f.offset, f.offset + f.capLen)).digest('hex')}`);
      expect(got, file).toEqual(expected);
    }
  });
});
