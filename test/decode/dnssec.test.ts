/**
 * DNSSEC record data (RFC 4034, RFC 5155, RFC 7344) and tshark's Undecoded
 * note, against tshark 4.0. The corpus holds RRSIG records only
 * (dnssec.pcap, edns-opts.pcap: compared in test/output/verbose-tree.test.ts
 * and cell by cell in the differential test), so DNSKEY, DS, NSEC, NSEC3 and
 * the rest come from messages built here with the values of real zones: the
 * root's KSK-2017 and its key tag, com.'s DS and NSEC3 records, the root
 * zone's NSEC chain, BIND's private signing-state type 65534.
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { dns } from '../../src/decode/dns';
import { udpFrame, writePcap } from '../analysis/craft';
import { save } from '../capture/craft';
import { CLI, CORPUS, HAVE_CORPUS } from '../helpers/paths';
import { HAVE_TSHARK, oracleText } from '../oracle/tshark';
import { decode, frameOf, problem, readEveryField, values } from './frames';

const hex16 = (v: number): string => v.toString(16).padStart(4, '0');
const hex32 = (v: number): string => (v >>> 0).toString(16).padStart(8, '0');
const hex8 = (v: number): string => v.toString(16).padStart(2, '0');
const b64 = (s: string): string => Buffer.from(s, 'base64').toString('hex');
/** `n` bytes that look like key or signature material (deterministic). */
const material = (n: number, seed: number): string => {
  let s = '';
  let x = seed;
  for (let i = 0; i < n; i++) {
    x = (x * 1103515245 + 12345) >>> 0;
    s += hex8(x >>> 24);
  }
  return s;
};

/** A domain name in wire format (RFC 1035 3.1). */
function name(n: string): string {
  if (n === '.') return '00';
  return n.replace(/\.$/, '').split('.').map((l) => hex8(l.length) + Buffer.from(l, 'latin1').toString('hex')).join('') + '00';
}
/** RFC 4648 section 7 (base32, extended hex alphabet) decoded: how RFC 5155 zone files write hashed owner names. */
function unbase32hex(s: string): string {
  const alphabet = '0123456789abcdefghijklmnopqrstuv';
  let bits = '';
  for (const c of s.toLowerCase()) bits += alphabet.indexOf(c).toString(2).padStart(5, '0');
  let out = '';
  for (let i = 0; i + 8 <= bits.length; i += 8) out += hex8(parseInt(bits.slice(i, i + 8), 2));
  return out;
}
/** RFC 4034 4.1.2 type bit maps of `types`. */
function bitmaps(types: number[]): string {
  let out = '';
  for (const w of [...new Set(types.map((t) => t >> 8))].sort((a, b) => a - b)) {
    const bytes: number[] = [];
    for (const t of types.filter((x) => x >> 8 === w)) {
      const i = (t & 255) >> 3;
      while (bytes.length <= i) bytes.push(0);
      bytes[i] |= 0x80 >> (t & 7);
    }
    out += hex8(w) + hex8(bytes.length) + bytes.map(hex8).join('');
  }
  return out;
}
const rr = (owner: string, type: number, ttl: number, rdata: string): string => name(owner) + hex16(type) + '0001' + hex32(ttl) + hex16(rdata.length / 2) + rdata;
/** RRSIG (RFC 4034 3.1) over `covered`, times as seconds since 1970. */
const rrsig = (covered: number, alg: number, labels: number, ttl: number, exp: number, inc: number, tag: number, signer: string, sig: string): string =>
  hex16(covered) + hex8(alg) + hex8(labels) + hex32(ttl) + hex32(exp) + hex32(inc) + hex16(tag) + name(signer) + sig;
const ds = (tag: number, alg: number, digestType: number, digest: string): string => hex16(tag) + hex8(alg) + hex8(digestType) + digest;
const dnskey = (flags: number, alg: number, key: string): string => hex16(flags) + '03' + hex8(alg) + key;
const nsec3 = (flags: number, iterations: number, salt: string, next: string, types: number[]): string =>
  '01' + hex8(flags) + hex16(iterations) + hex8(salt.length / 2) + salt + hex8(unbase32hex(next).length / 2) + unbase32hex(next) + bitmaps(types);
/** EDNS0 OPT with the DO bit (RFC 3225): the resolver asks for DNSSEC records. */
const OPT_DO = '00' + '0029' + '1000' + '00' + '00' + '8000' + '0000';

/** A DNS message: header, one question, then answer, authority and additional records. */
function message(id: number, flags: number, q: [string, number], an: string[], ns: string[], ar: string[]): string {
  return hex16(id) + hex16(flags) + '0001' + hex16(an.length) + hex16(ns.length) + hex16(ar.length) + name(q[0]) + hex16(q[1]) + '0001' + [...an, ...ns, ...ar].join('');
}

const RESOLVER = { ip: '192.0.2.10', port: 40123 };
const SERVER = { ip: '198.41.0.4', port: 53 };
const T = { A: 1, NS: 2, SOA: 6, SIG: 24, AAAA: 28, DS: 43, SSHFP: 44, RRSIG: 46, NSEC: 47, DNSKEY: 48, NSEC3: 50, NSEC3PARAM: 51, CDS: 59, CDNSKEY: 60, URI: 256, CAA: 257 };
const EXP = Date.UTC(2024, 0, 11, 0, 0, 0) / 1000;
const INC = Date.UTC(2023, 11, 21, 0, 0, 0) / 1000;

/** The root zone's KSK-2017 (key tag 20326, RFC 4034 appendix B), as the root's DNSKEY RRset carries it. */
const KSK_2017 = b64(
  'AwEAAaz/tAm8yTn4Mfeh5eyI96WSVexTBAvkMgJzkKTOiW1vkIbzxeF3+/4RgWOq7HrxRixHlFlExOLAJr5emLvN7SWXgnLh4+B5xQlNVz8Og8kvArMtNROxVQuCaSnIDdD5' +
    'LKyWbRd2n9WGe2R8PzgCmr3EgVLrjyBxWezF0jLHwVN8efS3rCj/EWgvIWgb9tarpVUDK/b58Da+sqqls3eNbuv7pr+eoZG+SrDK6nWeL3c6H5Apxz7LjVc1uTIdsIXxuOLYA4/' +
    'ilBmSVIzuDWfdRUfhHdY6+cn8HFRm+2hM8AnXGXws9555KrUB5qihylGa8subX2Nn6UwNR1AkUTV74bU=',
);

/** The exchanges of a validating resolver, each query with EDNS DO, each answer signed. */
function exchanges(): string[] {
  const out: string[] = [];
  const ask = (id: number, q: [string, number]): void => {
    out.push(message(id, 0x0100, q, [], [], [OPT_DO]));
  };
  // . DNSKEY: the KSK (SEP bit), a ZSK, a revoked key (RFC 5011), signed by the KSK.
  ask(0x1001, ['.', T.DNSKEY]);
  out.push(
    message(0x1001, 0x8500, ['.', T.DNSKEY], [
      rr('.', T.DNSKEY, 172800, dnskey(257, 8, KSK_2017)),
      rr('.', T.DNSKEY, 172800, dnskey(256, 8, '030100' + '01' + material(256, 7))),
      rr('.', T.DNSKEY, 172800, dnskey(0x0181, 13, material(64, 9))),
      rr('.', T.RRSIG, 172800, rrsig(T.DNSKEY, 8, 0, 172800, EXP, INC, 20326, '.', material(256, 11))),
    ], [], [OPT_DO]),
  );
  // com. DS (SHA-256 of com.'s KSK), signed by the root's ZSK; a CDS and CDNSKEY asking for deletion (RFC 8078 4).
  ask(0x1002, ['com.', T.DS]);
  out.push(
    message(0x1002, 0x8500, ['com.', T.DS], [
      rr('com.', T.DS, 86400, ds(19718, 13, 2, '8acbb0cd28f41250a80a491389424d341522d946b0da0c0291f2d3d771d7805a')),
      rr('com.', T.DS, 86400, ds(30909, 8, 4, material(48, 13))),
      rr('com.', T.RRSIG, 86400, rrsig(T.DS, 8, 1, 86400, EXP, INC, 46780, '.', material(256, 17))),
      rr('com.', T.CDS, 3600, ds(0, 0, 0, '00')),
      rr('com.', T.CDNSKEY, 3600, dnskey(0, 0, '00')),
    ], [], [OPT_DO]),
  );
  // A name the root does not have: NXDOMAIN with the SOA and the NSEC records that prove it (RFC 4035 3.1.3.2).
  ask(0x1003, ['nonexistent.', T.A]);
  out.push(
    message(0x1003, 0x8503, ['nonexistent.', T.A], [], [
      rr('.', T.SOA, 86400, name('a.root-servers.net.') + name('nstld.verisign-grs.com.') + hex32(2023122100) + hex32(1800) + hex32(900) + hex32(604800) + hex32(86400)),
      rr('.', T.RRSIG, 86400, rrsig(T.SOA, 8, 0, 86400, EXP, INC, 46780, '.', material(256, 19))),
      rr('newco.', T.NSEC, 86400, name('news.') + bitmaps([T.NS, T.DS, T.RRSIG, T.NSEC])),
      rr('newco.', T.RRSIG, 86400, rrsig(T.NSEC, 8, 1, 86400, EXP, INC, 46780, '.', material(256, 23))),
      rr('.', T.NSEC, 86400, name('aaa.') + bitmaps([T.NS, T.SOA, T.RRSIG, T.NSEC, T.DNSKEY, T.CAA])),
    ], [OPT_DO]),
  );
  // Under com.: NSEC3 (RFC 5155, opt-out) and the zone's NSEC3PARAM.
  ask(0x1004, ['nonexistent.com.', T.A]);
  out.push(
    message(0x1004, 0x8103, ['nonexistent.com.', T.A], [], [
      rr('CK0POJMG874LJREF7EFN8430QVIT8BSM.com.', T.NSEC3, 86400, nsec3(1, 0, '', 'CK0Q3UDG8CEKKAE7RUKPGCT1DVSSH8LL', [T.NS, T.SOA, T.RRSIG, T.DNSKEY, T.NSEC3PARAM])),
      rr('CK0POJMG874LJREF7EFN8430QVIT8BSM.com.', T.RRSIG, 86400, rrsig(T.NSEC3, 13, 2, 86400, EXP, INC, 4534, 'com.', material(64, 29))),
      rr('3RL2Q58205687C8I9KC9MV46DGHCNS45.com.', T.NSEC3, 86400, nsec3(0, 10, 'aabbccdd', '3RL3UDG8CEKKAE7RUKPGCT1DVSSH8LL0', [T.A, T.AAAA, T.URI])),
    ], [OPT_DO]),
  );
  ask(0x1005, ['com.', T.NSEC3PARAM]);
  out.push(message(0x1005, 0x8500, ['com.', T.NSEC3PARAM], [rr('com.', T.NSEC3PARAM, 0, '01000000' + '00'), rr('com.', T.NSEC3PARAM, 0, '0100000a04aabbccdd')], [], []));
  // SSHFP (RFC 4255), an old SIG (RFC 2535, dissected as RRSIG), a URI (RFC 7553) and BIND's private type 65534,
  // which tshark 4.0 has no dissector for, and a record of the same kind with no data.
  ask(0x1006, ['host.example.', T.SSHFP]);
  out.push(
    message(0x1006, 0x8580, ['host.example.', T.SSHFP], [
      rr('host.example.', T.SSHFP, 3600, '0402' + material(32, 31)),
      rr('host.example.', T.SIG, 3600, rrsig(T.SSHFP, 5, 2, 3600, EXP, INC, 12345, 'example.', material(40, 37))),
      rr('_http._tcp.example.', T.URI, 3600, hex16(10) + hex16(1) + Buffer.from('https://www.example.com/').toString('hex')),
      rr('example.', 65534, 0, '0d4f660000'),
      rr('example.', 65534, 0, ''),
    ], [], []),
  );
  return out;
}

/** A capture of `messages`, one a second, each a UDP datagram between the resolver and the server (`fromServer`). */
function capture(fileName: string, messages: readonly string[], fromServer: (i: number) => boolean): string {
  const path = save(fileName, new Uint8Array(0));
  writePcap(path, messages.map((m, i) => ({ sec: 1703116800 + i, nsec: 0, bytes: datagram(m, fromServer(i)) })));
  return path;
}
const datagram = (m: string, fromServer: boolean): Uint8Array => (fromServer ? udpFrame(SERVER, RESOLVER, Buffer.from(m, 'hex')) : udpFrame(RESOLVER, SERVER, Buffer.from(m, 'hex')));
const hexOf = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex');

/** The exchanges as a capture: queries and answers alternate. */
const dnssecCapture = (): string => capture('dnssec-records.pcap', exchanges(), (i) => i % 2 === 1);

/** Responses whose last record's data ends early: each is malformed where tshark stops with an exception. */
const BROKEN: readonly [string, string, number, string][] = [
  ['RRSIG without its key tag', 'dns.rrsig.key_tag', T.RRSIG, rrsig(T.A, 8, 2, 3600, EXP, INC, 1, '.', '').slice(0, 32)],
  ['RRSIG whose signer runs past the data', 'dns.rrsig.signers_name', T.RRSIG, rrsig(T.A, 8, 2, 3600, EXP, INC, 1, 'example.', '').slice(0, 42)],
  ['DNSKEY of three bytes', 'dns.dnskey.algorithm', T.DNSKEY, '010103'],
  ['DS of three bytes', 'dns.ds.digest_type', T.DS, '4f6608'],
  ['NSEC whose window runs past the data', 'dns.resp.type', T.NSEC, '00' + '0005' + '40'],
  ['NSEC whose window has no length', 'dns.resp.type', T.NSEC, name('a.') + '00'],
  ['NSEC3 whose salt runs past the data', 'dns.nsec3.salt_value', T.NSEC3, '01000000' + '08' + 'aabb'],
  ['NSEC3 whose hash runs past the data', 'dns.nsec3.hash_value', T.NSEC3, '01000000' + '00' + '14' + 'aabb'],
  ['NSEC3PARAM without its salt length', 'dns.nsec3.salt_length', T.NSEC3PARAM, '01000000'],
  ['SSHFP of one byte', 'dns.sshfp.fingerprint.type', T.SSHFP, '04'],
];
const brokenMessage = (type: number, rdata: string): string => message(0x2000 + type, 0x8500, ['example.', type], [rr('example.', type, 60, rdata)], [], []);

const brokenCapture = (): string => capture('dnssec-broken.pcap', BROKEN.map(([, , type, rdata]) => brokenMessage(type, rdata)), () => true);

/** The lines of every DNS section of -V, but for the request/response pairing (another test's). */
function dnsLines(text: string): string[] {
  const out: string[] = [];
  let inside = false;
  for (const l of text.split('\n')) {
    if (!l.startsWith(' ')) inside = l.startsWith('Domain Name System');
    if (inside && l.trim() !== '' && !/^ +\[(Response In|Request In|Time|Unsolicited): /.test(l)) out.push(l);
  }
  return out;
}

const synack = (args: string[]): string => spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', maxBuffer: 1 << 28 }).stdout;

/** Every DNSSEC field this decoder has, and the fields they change (the bit map's types are dns.resp.type occurrences). */
const FIELDS = [
  'dns.resp.type', 'dns.resp.len', 'dns.rrsig.type_covered', 'dns.rrsig.algorithm', 'dns.rrsig.labels', 'dns.rrsig.original_ttl',
  'dns.rrsig.signature_expiration', 'dns.rrsig.signature_inception', 'dns.rrsig.key_tag', 'dns.rrsig.signers_name', 'dns.rrsig.signature',
  'dns.dnskey.flags', 'dns.dnskey.flags.zone_key', 'dns.dnskey.flags.key_revoked', 'dns.dnskey.flags.secure_entry_point',
  'dns.dnskey.flags.reserved', 'dns.dnskey.protocol', 'dns.dnskey.algorithm', 'dns.dnskey.key_id', 'dns.dnskey.public_key', 'dns.ds.key_id',
  'dns.ds.algorithm', 'dns.ds.digest_type', 'dns.ds.digest', 'dns.nsec.next_domain_name', 'dns.nsec3.algo', 'dns.nsec3.flags',
  'dns.nsec3.flags.opt_out', 'dns.nsec3.iterations', 'dns.nsec3.salt_length', 'dns.nsec3.salt_value', 'dns.nsec3.hash_length',
  'dns.nsec3.hash_value', 'dns.sshfp.algorithm', 'dns.sshfp.fingerprint.type', 'dns.sshfp.fingerprint', 'dns.undecoded.type', 'dns.data',
];
const fieldArgs = (fields: readonly string[]): string[] => ['-T', 'fields', '-E', 'occurrence=a', ...fields.flatMap((f) => ['-e', f])];

describe('DNSSEC record data', () => {
  const frames = exchanges().map((m, i) => frameOf(hexOf(datagram(m, i % 2 === 1))));

  it('the root KSK-2017\'s key tag is 20326 (RFC 4034 appendix B), the revoked key is flagged, com.\'s DS is read as published', () => {
    const keys = decode(frames[1]);
    expect(problem(keys)).toEqual({ kind: 'none' });
    expect(values(keys, 'dns.dnskey.key_id')[0]).toBe('20326');
    expect(values(keys, 'dns.dnskey.flags.secure_entry_point')).toEqual(['1', '0', '1']);
    expect(values(keys, 'dns.dnskey.flags.key_revoked')).toEqual(['0', '0', '1']);
    expect(values(keys, 'dns.rrsig.key_tag')).toEqual(['20326']);
    const dsAnswer = decode(frames[3]);
    expect(values(dsAnswer, 'dns.ds.key_id')).toEqual(['0x4d06', '0x78bd', '0x0000']);
    expect(values(dsAnswer, 'dns.ds.digest')[0]).toBe('8acbb0cd28f41250a80a491389424d341522d946b0da0c0291f2d3d771d7805a');
  });

  it('NSEC3 hashed owner names in base32hex (RFC 5155 3.3) and the types each bit map lists, after their record\'s own type', () => {
    const nx = decode(frames[7]);
    expect(values(nx, 'dns.nsec3.hash_value')).toEqual(['ck0q3udg8cekkae7rukpgct1dvssh8ll', '3rl3udg8cekkae7rukpgct1dvssh8ll0']);
    expect(values(nx, 'dns.resp.type')).toEqual(['50', '2', '6', '46', '48', '51', '46', '50', '1', '28', '256', '41']);
    expect(values(decode(frames[5]), 'dns.nsec.next_domain_name')).toEqual(['news', 'aaa']);
  });

  it('a record whose data ends before one of its fields is malformed at that field, every field before it still read', () => {
    for (const [what, field, type, rdata] of BROKEN) {
      const pkt = decode(frameOf(hexOf(datagram(brokenMessage(type, rdata), true))));
      expect(problem(pkt), what).toEqual({ kind: 'malformed', layer: 'dns', field });
      readEveryField(pkt);
      dns.tree!(pkt, pkt.layerCount - 1);
    }
  });

  it('cut by the capture at every length: truncated, never a value read past the capture, every record captured whole still read', () => {
    const hex = hexOf(datagram(exchanges()[5], true));
    const full = decode(frameOf(hex));
    const wholeTypes = values(full, 'dns.resp.type');
    for (let cap = 42; cap < hex.length / 2; cap++) {
      const pkt = decode(frameOf(hex, { capLen: cap }));
      expect(problem(pkt).kind, `capLen ${cap}`).toBe('truncated');
      readEveryField(pkt);
      dns.tree!(pkt, pkt.layerCount - 1);
      const types = values(pkt, 'dns.resp.type');
      expect(types).toEqual(wholeTypes.slice(0, types.length));
    }
  });
});

describe.skipIf(!HAVE_TSHARK)('DNSSEC record data against tshark 4.0', () => {
  it('-V: every line of every DNS section (DNSKEY flags and key tags, DS, RRSIG times in UTC, NSEC and NSEC3 bit maps, NSEC3PARAM, CDS, CDNSKEY, SSHFP, SIG, the Undecoded note)', () => {
    const file = dnssecCapture();
    const ours = dnsLines(synack(['-r', file, '-V']));
    expect(ours.filter((l) => /RR type in bit map: /.test(l)).length).toBeGreaterThan(15);
    expect(ours).toEqual(dnsLines(oracleText(file, ['-V']).stdout));
  });

  it('-T fields: every DNSSEC field, cell for cell; -T json and -z expert too', () => {
    const file = dnssecCapture();
    const args = fieldArgs(FIELDS);
    const ours = synack(['-r', file, ...args]);
    expect(ours.split('\n')[1]).toContain('20326');
    expect(ours).toBe(oracleText(file, args).stdout);
    // synack's -T json: an object a line, numbers as numbers, an array only for a repeated field (README); tshark quotes every value.
    const json = ['-T', 'json', ...FIELDS.flatMap((f) => ['-e', f])];
    const ourLayers = synack(['-r', file, ...json])
      .split('\n')
      .filter((l) => l !== '')
      .map((l) => Object.fromEntries(Object.entries(JSON.parse(l) as Record<string, unknown>).map(([k, v]) => [k, (Array.isArray(v) ? v : [v]).map(String)])));
    const theirLayers = (JSON.parse(oracleText(file, json).stdout) as { _source: { layers: Record<string, string[]> } }[]).map((p) => p._source.layers);
    expect(ourLayers).toEqual(theirLayers);
    expect(synack(['-r', file, '-q', '-z', 'expert'])).toBe(oracleText(file, ['-q', '-z', 'expert']).stdout);
  });

  it.skipIf(!HAVE_CORPUS)('-z expert on dns-uri.pcap: the URI record\'s Undecoded note, counted as tshark counts it', { tags: ['corpus'] }, () => {
    const file = join(CORPUS, 'tcpdump', 'dns-uri.pcap');
    const ours = synack(['-r', file, '-q', '-z', 'expert']);
    expect(ours).toContain('Dissector for DNS Type (256) code not implemented');
    expect(ours).toBe(oracleText(file, ['-q', '-z', 'expert']).stdout);
  });

  it('the summary line: an NSEC\'s next name, and after NSEC3PARAM its owner\'s name, as tshark 4.0\'s Info column has them', () => {
    for (const file of [dnssecCapture(), brokenCapture()]) {
      const info = ['-T', 'fields', '-e', '_ws.col.Info'];
      const ours = synack(['-r', file, ...info]);
      expect(ours).toBe(oracleText(file, info).stdout);
      expect(ours).toMatch(/NSEC3PARAM com NSEC3PARAM com|NSEC3PARAM example NSEC3PARAM example/);
    }
  });

  it('-Y: times compare as times, bit map types as types', () => {
    const file = dnssecCapture();
    for (const filter of [
      'dns.rrsig.signature_expiration > "2024-01-01"',
      'dns.rrsig.signature_inception < "2023-12-01 00:00:00"',
      'dns.resp.type == 257',
      'dns.dnskey.key_id == 20326',
      'dns.dnskey.flags.key_revoked',
      'dns.nsec3.flags.opt_out == 1',
      'dns.undecoded.type',
      'dns.ds.digest_type == 4',
    ]) {
      expect(synack(['-r', file, '-Y', filter]), filter).toBe(oracleText(file, ['-Y', filter]).stdout);
    }
  });

  it('data that ends early: tshark\'s lines and fields before its exception, the same malformed records', () => {
    const file = brokenCapture();
    expect(dnsLines(synack(['-r', file, '-V']))).toEqual(dnsLines(oracleText(file, ['-V']).stdout));
    const args = fieldArgs([...FIELDS, 'frame.number']);
    expect(synack(['-r', file, ...args])).toBe(oracleText(file, args).stdout);
    const malformed = oracleText(file, ['-T', 'fields', '-e', '_ws.malformed']).stdout.split('\n').filter((l) => l !== '');
    expect(malformed.length).toBe(BROKEN.length);
    expect(malformed.every((l) => l !== '')).toBe(true);
  });

  it('the Undecoded note on exactly the types tshark 4.0 has no dissector for (every type 0-299 and the high ones in use)', () => {
    const types = [...Array.from({ length: 300 }, (_, t) => t), 32768, 32769, 65280, 65281, 65282, 65422, 65521, 65534, 65535];
    const file = capture('dns-every-type.pcap', types.map((t) => message(t, 0x8500, ['example.', t], [rr('example.', t, 60, '0102')], [], [])), () => true);
    const args = fieldArgs(['dns.resp.type', 'dns.undecoded.type', 'dns.data']);
    const ours = synack(['-r', file, ...args]);
    expect(ours.split('\n').filter((l) => l.endsWith('\t1\t0102')).length).toBeGreaterThan(200);
    expect(ours).toBe(oracleText(file, args).stdout);
  });
});
