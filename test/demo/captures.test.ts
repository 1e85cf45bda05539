/**
 * captures/README.md tells people which frames to look at. These tests hold
 * the recordings to those words: the wire facts as tshark 4.0 reads them
 * (the cached oracle), the stream facts as synack's analysis finds them, and
 * the programs' own send()/recv() traces recorded beside the bursts.
 * Re-recording (captures/record.sh) may shift frame numbers: update the
 * README and these together.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readDemoEvents } from '../../src/demo/replay';
import type { TraceEvent } from '../../src/demo/trace';
import { CLIENT, SERVER } from '../../src/analysis/index';
import { CAPTURES } from '../helpers/paths';
import { HAVE_TSHARK, oracle } from '../oracle/tshark';
import { analyse } from './pipeline';

const file = (name: string): string => join(CAPTURES, name);

/** tshark's value of `field` in frame `n` (1-based). */
function wire(name: string, n: number, field: string): string {
  const rows = oracle(file(name)).rows;
  return rows[n - 1].get(field) ?? '';
}

function flags(name: string, ...frames: number[]): string[] {
  return frames.map((n) => wire(name, n, 'tcp.flags.str').replace(/·/g, ''));
}

const MSG_FIELDS = ['frame.number', 'tcp.srcport', 'tcp.len', 'synack.msgs_in_segment', 'synack.coalesced', 'synack.msg_split', 'synack.after_fin'];

function trace(name: string): TraceEvent[] {
  return readFileSync(file(name), 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as TraceEvent);
}

describe.skipIf(!HAVE_TSHARK)('captures/README.md, the wire (tshark 4.0)', () => {
  it('tcp-chat: handshake in 1-3, "hello" in 4, the client\'s FIN first in 12', () => {
    expect(flags('tcp-chat.pcap', 1, 2, 3)).toEqual(['S', 'AS', 'A']);
    expect(Buffer.from(wire('tcp-chat.pcap', 4, 'tcp.payload').replace(/:/g, ''), 'hex').toString()).toBe('hello\n');
    expect(wire('tcp-chat.pcap', 11, 'tcp.len')).toBe('4');
    expect(flags('tcp-chat.pcap', 12, 13, 14)).toEqual(['AF', 'AF', 'A']);
    expect(wire('tcp-chat.pcap', 12, 'tcp.dstport')).toBe('8080');
  });

  it('tcp-chat-v6: over ::1 with MSS 65476, the server\'s FIN first', () => {
    expect(wire('tcp-chat-v6.pcap', 1, 'ipv6.src')).toBe('::1');
    expect(wire('tcp-chat-v6.pcap', 1, 'tcp.options.mss_val')).toBe('65476');
    expect(flags('tcp-chat-v6.pcap', 12, 13, 14)).toEqual(['AF', 'AF', 'A']);
    expect(wire('tcp-chat-v6.pcap', 12, 'tcp.srcport')).toBe('8080');
  });

  it('tcp-chat-ns and tcp-chat-any: the same conversation, but the server\'s FIN first in 12 (it ACKs "bye")', () => {
    for (const name of ['tcp-chat-ns.pcap', 'tcp-chat-any.pcap']) {
      expect(Buffer.from(wire(name, 11, 'tcp.payload').replace(/:/g, ''), 'hex').toString()).toBe('bye\n');
      expect(flags(name, 12, 13, 14)).toEqual(['AF', 'AF', 'A']);
      expect([12, 13, 14].map((n) => wire(name, n, 'tcp.srcport'))).toEqual(['8080', wire(name, 1, 'tcp.srcport'), '8080']);
      expect(wire(name, 12, 'tcp.ack')).toBe('24');
    }
    expect([wire('tcp-chat-any.pcap', 1, 'sll.ifindex'), wire('tcp-chat-any.pcap', 1, 'sll.hatype')]).toEqual(['1', '772']);
  });

  it('tcp-chat-ns is a nanosecond pcap, tcp-chat-any is Linux cooked v2, chat-demo is pcapng', () => {
    expect(readFileSync(file('tcp-chat-ns.pcap')).readUInt32LE(0)).toBe(0xa1b23c4d);
    expect(wire('tcp-chat-ns.pcap', 2, 'frame.time_epoch')).toMatch(/\.\d{9}$/);
    expect(readFileSync(file('tcp-chat-any.pcap')).readUInt32LE(20)).toBe(276);
    expect(wire('tcp-chat-any.pcap', 1, 'frame.protocols')).toBe('sll:ethertype:ip:tcp');
    expect(readFileSync(file('chat-demo.pcapng')).readUInt32LE(0)).toBe(0x0a0d0d0a);
  });

  it('bursts: corked in one segment (30 bytes; 35 with length framing), uncorked in five', () => {
    expect(wire('burst-cork.pcap', 4, 'tcp.len')).toBe('30');
    expect(wire('burst-cork-length.pcap', 4, 'tcp.payload').replace(/:/g, '').slice(0, 14)).toBe('00056d73672031');
    expect(wire('burst-cork-length.pcap', 4, 'tcp.len')).toBe('35');
    for (const name of ['burst-plain.pcap', 'burst-slow-reader.pcap']) {
      expect([4, 6, 8, 10, 12].map((n) => wire(name, n, 'tcp.len'))).toEqual(['6', '6', '6', '6', '6']);
    }
  });

  it('split: MSS 1460, six segments of 1448 bytes and the last 1313', () => {
    expect(wire('split.pcap', 1, 'tcp.options.mss_val')).toBe('1460');
    expect([4, 6, 8, 10, 12, 14, 16].map((n) => wire('split.pcap', n, 'tcp.len'))).toEqual(['1448', '1448', '1448', '1448', '1448', '1448', '1313']);
  });

  it('refused, reset, half-close', () => {
    expect(oracle(file('refused.pcap')).rows).toHaveLength(2);
    expect(flags('refused.pcap', 1, 2)).toEqual(['S', 'AR']);
    expect(flags('reset.pcap', 8, 9)).toEqual(['AP', 'AR']);
    expect(oracle(file('reset.pcap')).rows.some((r) => r.get('tcp.flags.fin') === '1')).toBe(false);
    expect(flags('half-close.pcap', 11, 12, 14)).toEqual(['AF', 'AP', 'AF']);
    expect(wire('half-close.pcap', 12, 'tcp.len')).toBe('25');
  });

  it('udp-chat: datagrams 1-4 from the client, 9 and 10 empty, 11 "bye"', () => {
    expect([1, 2, 3, 4].map((n) => wire('udp-chat.pcap', n, 'udp.dstport'))).toEqual(['8080', '8080', '8080', '8080']);
    expect([9, 10, 11].map((n) => wire('udp-chat.pcap', n, 'udp.length'))).toEqual(['8', '8', '11']);
  });

  it('udp-closed: the datagram "hello" to port 8081 in 1, answered by ICMP port unreachable quoting it in 2', () => {
    expect(oracle(file('udp-closed.pcap')).rows).toHaveLength(2);
    expect(Buffer.from(wire('udp-closed.pcap', 1, 'udp.payload').replace(/:/g, ''), 'hex').toString()).toBe('hello');
    expect(wire('udp-closed.pcap', 1, 'udp.dstport')).toBe('8081');
    expect([wire('udp-closed.pcap', 2, 'icmp.type'), wire('udp-closed.pcap', 2, 'icmp.code')]).toEqual(['3', '3']);
    expect(wire('udp-closed.pcap', 2, 'udp.dstport')).toBe('8081');
  });

  it('arp-ping: ARP request and reply, two pings, three unanswered requests for .99', () => {
    expect([1, 2].map((n) => wire('arp-ping.pcap', n, 'arp.opcode'))).toEqual(['1', '2']);
    expect(wire('arp-ping.pcap', 1, 'eth.dst')).toBe('ff:ff:ff:ff:ff:ff');
    expect([3, 4, 5, 6].map((n) => wire('arp-ping.pcap', n, 'icmp.type'))).toEqual(['8', '0', '8', '0']);
    expect([7, 8, 9].map((n) => wire('arp-ping.pcap', n, 'arp.dst.proto_ipv4'))).toEqual(['192.168.1.99', '192.168.1.99', '192.168.1.99']);
    expect(oracle(file('arp-ping.pcap')).rows).toHaveLength(9);
  });

  it('chat-demo: the corked burst in 11, the slow-reader burst in 18-20, UDP in 28-35, the RST in 50, data after a FIN in 59', () => {
    const d = 'chat-demo.pcapng';
    expect(wire(d, 11, 'tcp.len')).toBe('14');
    expect([18, 19, 20].map((n) => wire(d, n, 'tcp.len'))).toEqual(['4', '4', '6']);
    expect([34, 35].map((n) => wire(d, n, 'udp.length'))).toEqual(['8', '8']);
    expect(flags(d, 36, 37, 40, 41, 50, 58, 59)).toEqual(['AP', 'AF', 'S', 'AR', 'AR', 'AF', 'AP']);
    // The refused connection goes to the port the demo found closed, not to 8081.
    expect(wire(d, 40, 'tcp.dstport')).toBe('36873');
  });
});

describe('captures/README.md, the streams (synack analysis)', () => {
  it('burst-cork: one segment carrying five messages; with --framing length too', async () => {
    for (const [name, framing] of [
      ['burst-cork.pcap', 'lines'],
      ['burst-cork-length.pcap', 'length2'],
    ]) {
      const a = await analyse(file(name), MSG_FIELDS, framing);
      expect(a.rows[3].get('synack.msgs_in_segment')).toBe('5');
      expect(a.rows[3].get('synack.coalesced')).toBe('1');
    }
  });

  it('burst-plain and burst-slow-reader: five segments of one message each', async () => {
    for (const name of ['burst-plain.pcap', 'burst-slow-reader.pcap']) {
      const a = await analyse(file(name), MSG_FIELDS, 'lines');
      const data = a.rows.filter((r) => r.get('tcp.srcport') !== '8080' && r.get('tcp.len') !== '0');
      expect(data.map((r) => r.get('synack.msgs_in_segment'))).toEqual(['1', '1', '1', '1', '1', '1']);
    }
  });

  it('split: one message over seven segments', async () => {
    const a = await analyse(file('split.pcap'), MSG_FIELDS, 'lines');
    expect([4, 6, 8, 10, 12, 14, 16].map((n) => a.rows[n - 1].get('synack.msg_split'))).toEqual(['1', '1', '1', '1', '1', '1', '1']);
    expect(a.rows[17].get('synack.msg_split')).toBe('0');
  });

  it('handshake and teardown kinds', async () => {
    const kind = async (name: string): Promise<string[]> => (await analyse(file(name), MSG_FIELDS, 'lines')).connections.map((c) => `${c.handshake}/${c.teardown}`);
    expect(await kind('refused.pcap')).toEqual(['refused/reset']);
    expect(await kind('reset.pcap')).toEqual(['normal/reset']);
    expect(await kind('half-close.pcap')).toEqual(['normal/half-close']);
    const demo = await analyse(file('chat-demo.pcapng'), MSG_FIELDS, 'lines');
    expect(demo.connections.slice(1).map((c) => `${c.handshake}/${c.teardown}`)).toEqual(['refused/reset', 'normal/reset', 'normal/half-close']);
    expect(demo.rows[10].get('synack.msgs_in_segment')).toBe('3');
    expect(demo.rows[58].get('synack.after_fin')).toBe('1');
  });

  it('who closed first, as -z conn says: the client in tcp-chat, the server in -v6, -ns and -any', async () => {
    const closer = async (name: string): Promise<string> => {
      const c = (await analyse(file(name), MSG_FIELDS, 'lines')).connections[0];
      return c.activeCloser === CLIENT ? 'client' : c.activeCloser === SERVER ? 'server' : 'none';
    };
    expect(await closer('tcp-chat.pcap')).toBe('client');
    for (const name of ['tcp-chat-v6.pcap', 'tcp-chat-ns.pcap', 'tcp-chat-any.pcap']) expect(await closer(name), name).toBe('server');
  });

  it('the bursts\' servers ran without --echo: nothing flows to the client', async () => {
    for (const name of ['burst-cork.pcap', 'burst-cork-length.pcap', 'burst-plain.pcap', 'burst-slow-reader.pcap', 'split.pcap']) {
      const a = await analyse(file(name), MSG_FIELDS, 'lines');
      expect(a.rows.filter((r) => r.get('tcp.srcport') === '8080' && r.get('tcp.len') !== '0'), name).toHaveLength(0);
    }
  });

  it('the chats end in three segments: the passive closer\'s FIN carries the ACK of the first FIN', async () => {
    // tcp-chat frames 12-14 and chat-demo frames 37-39 on the wire: FIN; FIN+ACK
    // acknowledging it; ACK. src/analysis/tcp.ts calls that 'three-way'.
    expect(flags('tcp-chat.pcap', 12, 13, 14)).toEqual(['AF', 'AF', 'A']);
    expect(wire('tcp-chat.pcap', 13, 'tcp.ack_raw')).toBe(String((Number(wire('tcp-chat.pcap', 12, 'tcp.seq_raw')) + 1) >>> 0));
    for (const name of ['tcp-chat.pcap', 'chat-demo.pcapng']) {
      const a = await analyse(file(name), MSG_FIELDS, 'lines');
      expect(`${a.connections[0].handshake}/${a.connections[0].teardown}`).toBe('normal/three-way');
    }
  });
});

describe('captures/*.trace.jsonl: what the programs saw', () => {
  it('burst-cork: five corked send()s, one recv() of five messages', () => {
    const t = trace('burst-cork.trace.jsonl');
    expect(t.filter((e) => e.side === 'client' && e.op === 'send' && e.corked)).toHaveLength(5);
    expect(t.filter((e) => e.side === 'server' && e.op === 'recv').map((e) => e.messages)).toEqual([5, 1]);
  });

  it('burst-slow-reader: five segments on the wire, still one recv() of five messages', () => {
    const t = trace('burst-slow-reader.trace.jsonl');
    expect(t.filter((e) => e.side === 'server' && e.op === 'recv').map((e) => e.messages)).toEqual([5, 1]);
  });

  it('chat-demo: the narration and both programs, in time order', () => {
    const t = readDemoEvents(file('chat-demo.trace.jsonl'));
    for (let i = 1; i < t.length; i++) expect(t[i].tsSec * 1e9 + t[i].tsNsec).toBeGreaterThanOrEqual(t[i - 1].tsSec * 1e9 + t[i - 1].tsNsec);
    expect(t.filter((e) => e.op === 'step')).toHaveLength(12);
  });
});
