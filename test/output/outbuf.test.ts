import { describe, expect, it } from 'vitest';
import { formatAddress } from '../../src/analysis/flowtable';
import { Packet } from '../../src/decode/packet';
import { ipv6Text } from '../../src/decode/treekit';
import { OutBuf } from '../../src/output/outbuf';
import { sanitize } from '../../src/output/sanitize';

function fmt(f: (o: OutBuf) => void): string {
  const o = new OutBuf(-1, 8);
  f(o);
  return o.text();
}

describe('OutBuf', () => {
  it('formats numbers as tshark prints them', () => {
    expect(fmt((o) => o.uint(0))).toBe('0');
    expect(fmt((o) => o.uint(4294967295))).toBe('4294967295');
    expect(fmt((o) => o.uint(2 ** 40))).toBe(String(2 ** 40));
    expect(fmt((o) => o.int(-17))).toBe('-17');
    expect(fmt((o) => o.hex0x(2, 4))).toBe('0x0002');
    expect(fmt((o) => o.secNanos(1795247224, 614540000))).toBe('1795247224.614540000');
    expect(fmt((o) => o.nanosAsSeconds(17000))).toBe('0.000017000');
    expect(fmt((o) => o.nanosAsSeconds(-1000))).toBe('-0.000001000');
  });

  it('formats addresses', () => {
    const v4 = new Uint8Array([127, 0, 0, 1]);
    expect(fmt((o) => o.ipv4(v4, 0))).toBe('127.0.0.1');
    const v6 = new Uint8Array(16);
    v6[15] = 1;
    expect(fmt((o) => o.ipv6(v6, 0))).toBe('::1');
    const fe80 = Uint8Array.from([0xfe, 0x80, 0, 0, 0, 0, 0, 0, 0x02, 0x11, 0x22, 0xff, 0xfe, 0x33, 0x44, 0x55]);
    expect(fmt((o) => o.ipv6(fe80, 0))).toBe('fe80::211:22ff:fe33:4455');
    expect(fmt((o) => o.ipv6(new Uint8Array(16), 0))).toBe('::');
    // glibc's inet_ntop (which tshark uses) on the cases RFC 5952 and the embedded IPv4 forms decide;
    // the fields writer, the detail tree and the connection tables share the rule and must print each the same.
    const NTOP: [string, string][] = [
      ['00000000000000000000000000000002', '::2'],
      ['00000000000000000000ffff01020304', '::ffff:1.2.3.4'],
      ['00000000000000000000ffff00000000', '::ffff:0.0.0.0'],
      ['00000000000000000000000001020304', '::1.2.3.4'],
      ['00000000000000000000000000000102', '::102'],
      ['0000000000000000ffff000001020304', '::ffff:0:102:304'],
      ['00000000000000000000fffe01020304', '::fffe:102:304'],
      ['00010000000000000000000000000000', '1::'],
      ['00010000000000010000000000000001', '1:0:0:1::1'],
      ['00010000000000010000000000010001', '1::1:0:0:1:1'],
      ['00000000000100000000000000000000', '0:0:1::'],
      ['00000000000000000000000100000000', '::1:0:0'],
      ['00010002000300000005000600070008', '1:2:3:0:5:6:7:8'],
    ];
    const pkt = new Packet();
    for (const [hex, text] of NTOP) {
      pkt.data = Buffer.from(hex, 'hex');
      expect(fmt((o) => o.ipv6(pkt.data, 0))).toBe(text);
      expect(ipv6Text(pkt, 0)).toBe(text);
      // The connection tables (-z conv, -z conn, the dashboard) format from the flow key's words.
      const w = [0, 4, 8, 12].map((i) => Buffer.from(hex, 'hex').readUInt32BE(i) | 0);
      expect(formatAddress(6, w[0], w[1], w[2], w[3])).toBe(text);
    }
    const mac = Uint8Array.from([0, 0x1b, 0x21, 0xab, 0xcd, 0xef]);
    expect(fmt((o) => o.colonHex(mac, 0, 6))).toBe('00:1b:21:ab:cd:ef');
  });

  it('escapes control characters from packets', () => {
    expect(fmt((o) => o.text8('a\x1b[31mb\x07\n'))).toBe('a\\x1b[31mb\\x07\\n');
    expect(sanitize('ok')).toBe('ok');
    expect(sanitize('\x1b]0;title\x07')).toBe('\\x1b]0;title\\x07');
    expect(sanitize('\u009b31m')).toBe('\\x9b31m');
  });
});
