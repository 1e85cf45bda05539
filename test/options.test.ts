import { describe, expect, it } from 'vitest';
import { parseOptions, UsageError } from '../src/options';

describe('parseOptions', () => {
  it('parses tshark-style options, attached or separate', () => {
    const o = parseOptions(['-r', 'x.pcap', '-Tfields', '-e', 'ip.src', '-eip.dst', '-E', 'header=y', '-c5']);
    expect(o.read).toBe('x.pcap');
    expect(o.outputType).toBe('fields');
    expect(o.fields).toEqual(['ip.src', 'ip.dst']);
    expect(o.fieldsOptions.header).toBe(true);
    expect(o.count).toBe(5);
  });

  it('keeps trailing words for a tcpdump-style capture filter', () => {
    const o = parseOptions(['-i', 'lo', 'tcp', 'port', '8080']);
    expect(o.rest).toEqual(['tcp', 'port', '8080']);
  });

  it('takes tshark\'s -P, -l and -n (-n changes nothing: synack never resolves names)', () => {
    const o = parseOptions(['-r', 'x.pcap', '-w', 'y.pcap', '-P', '-l', '-n']);
    expect([o.printWithWrite, o.lineBuffered]).toEqual([true, true]);
    expect(parseOptions(['-r', 'x.pcap', '-n'])).toEqual(parseOptions(['-r', 'x.pcap']));
  });

  it('rejects unknown options and bad counts with a usage error', () => {
    expect(() => parseOptions(['--nope'])).toThrow(UsageError);
    expect(() => parseOptions(['-c', '0'])).toThrow(/positive/);
    expect(() => parseOptions(['-r'])).toThrow(/needs FILE/);
  });
});
