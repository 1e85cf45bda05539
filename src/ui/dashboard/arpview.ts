/**
 * The ARP view: requests paired with their replies (and the time the reply
 * took), the IP-to-MAC table the exchange built, conflicts, and, for live
 * capture, the lesson on subnets: an address is on the interface's own link
 * when address AND netmask equals the interface's address AND netmask, and
 * only then is it ARPed for directly; anything else goes to the gateway.
 */
import { readFileSync } from 'node:fs';
import * as os from 'node:os';
import { ipv4Text } from '../../analysis/index';
import { durationText } from './conn-snapshot';
import type { Line } from './ladder';
import { arpLimitLines } from '../../output/arp-report';
import type { CaptureModel } from './model';

export interface IfaceAddress {
  address: number;
  netmask: number;
  prefix: number;
}

export interface LinkInfo {
  iface: string;
  addresses: IfaceAddress[];
  /** Default gateway through this interface (0: none). */
  gateway: number;
}

export function parseIpv4(s: string): number {
  const p = s.split('.').map(Number);
  return ((p[0] << 24) | (p[1] << 16) | (p[2] << 8) | p[3]) >>> 0;
}

/** The interface's IPv4 addresses and masks, and its default gateway from /proc/net/route (Linux). */
export function linkInfo(iface: string): LinkInfo | null {
  const list = os.networkInterfaces()[iface];
  if (list === undefined) return null;
  const addresses: IfaceAddress[] = [];
  for (const a of list) {
    if (a.family !== 'IPv4') continue;
    const mask = parseIpv4(a.netmask);
    addresses.push({ address: parseIpv4(a.address), netmask: mask, prefix: (~mask >>> 0) === 0 ? 32 : Math.clz32(~mask >>> 0) });
  }
  let gateway = 0;
  try {
    for (const line of readFileSync('/proc/net/route', 'utf8').split('\n').slice(1)) {
      const f = line.trim().split(/\s+/);
      // Destination 00000000 is the default route; fields are little-endian hex.
      if (f.length > 2 && f[0] === iface && f[1] === '00000000') {
        const g = parseInt(f[2], 16);
        gateway = (((g & 255) << 24) | (((g >>> 8) & 255) << 16) | (((g >>> 16) & 255) << 8) | ((g >>> 24) & 255)) >>> 0;
      }
    }
  } catch {
    // no /proc (not Linux): the gateway stays unknown
  }
  return { iface, addresses, gateway };
}

/** Which of the interface's subnets `ip` is on (ip AND mask == address AND mask), or null: via the gateway. */
export function onLink(ip: number, link: LinkInfo): IfaceAddress | null {
  for (const a of link.addresses) if (((ip & a.netmask) >>> 0) === ((a.address & a.netmask) >>> 0)) return a;
  return null;
}

function pad(s: string, w: number): string {
  return s.length >= w ? s : s + ' '.repeat(w - s.length);
}

export function buildArpView(model: CaptureModel, link: LinkInfo | null): Line[] {
  const arp = model.analyzer.arp;
  const lines: Line[] = [];
  const head = (t: string): void => void lines.push({ spans: [{ text: t, tone: 'head' }] });
  head(`ARP: ${arp.requests} requests, ${arp.replies} replies, ${arp.gratuitous} gratuitous, ${arp.unsolicitedReplies} unsolicited replies`);
  lines.push({ spans: [{ text: '' , tone: 'plain' }] });
  head('Requests and their replies');
  if (arp.requestLog.length === 0) lines.push({ spans: [{ text: '  none yet', tone: 'dim' }] });
  for (const r of arp.requestLog) {
    const q = `  #${r.frame} who has ${ipv4Text(r.targetIp)}? tell ${ipv4Text(r.senderIp)} (${r.senderMac})`;
    const a = r.replyFrame !== 0 ? `  → #${r.replyFrame} answered in ${durationText(r.responseNs)}` : '  → no reply';
    lines.push({ frame: r.frame, spans: [{ text: pad(q, 60), tone: 'plain' }, { text: a, tone: r.replyFrame !== 0 ? 'c2s' : 'finding' }] });
  }
  if (arp.requestsDropped > 0) lines.push({ spans: [{ text: `  ... ${arp.requestsDropped} more requests not kept`, tone: 'dim' }] });
  lines.push({ spans: [{ text: '', tone: 'plain' }] });
  head('IP-to-MAC table');
  if (arp.table.size === 0) lines.push({ spans: [{ text: '  empty', tone: 'dim' }] });
  for (const b of arp.table.values()) {
    const where = link === null ? '' : subnetText(b.ip, link);
    lines.push({ frame: b.lastFrame, spans: [{ text: `  ${pad(ipv4Text(b.ip), 16)} is at ${b.mac}  (frames #${b.firstFrame}..#${b.lastFrame})`, tone: 'plain' }, { text: where, tone: 'dim' }] });
  }
  for (const c of arp.conflicts) {
    lines.push({ frame: c.frame, spans: [{ text: `  conflict: ${ipv4Text(c.ip)} was at ${c.previousMac} (#${c.previousFrame}), now claimed by ${c.mac} (#${c.frame})`, tone: 'rst' }] });
  }
  if (arp.conflictsDropped > 0) lines.push({ spans: [{ text: `  ... ${arp.conflictsDropped} more conflicts not kept`, tone: 'dim' }] });
  for (const text of arpLimitLines(arp)) lines.push({ spans: [{ text: `  ${text}`, tone: 'dim' }] });
  lines.push({ spans: [{ text: '', tone: 'plain' }] });
  if (link === null) {
    lines.push({ spans: [{ text: 'Subnets: shown for live capture on an interface (its address AND netmask decide what is ARPed for directly).', tone: 'dim' }] });
    return lines;
  }
  head(`Interface ${link.iface}: who is on the link, who is behind the gateway`);
  for (const a of link.addresses) {
    const net = (a.address & a.netmask) >>> 0;
    lines.push({ spans: [{ text: `  ${ipv4Text(a.address)} AND ${ipv4Text(a.netmask)} = ${ipv4Text(net)}/${a.prefix}: addresses in ${ipv4Text(net)}/${a.prefix} are on the link (ARP for them)`, tone: 'plain' }] });
  }
  lines.push({ spans: [{ text: link.gateway !== 0 ? `  everything else goes to the gateway ${ipv4Text(link.gateway)} (ARP for the gateway only)` : '  no default gateway on this interface: other addresses are unreachable through it', tone: 'plain' }] });
  const seen = new Set<number>();
  for (const b of arp.table.values()) seen.add(b.ip);
  // Addresses the connections talk to (live ones, as analysis holds them: snapshots keep text only), bounded.
  for (const c of model.analyzer.tcp.connections()) {
    if (seen.size >= 64) break;
    if (c.family !== 4) continue;
    seen.add(c.a0);
    seen.add(c.b0);
  }
  for (const ip of seen) lines.push({ spans: [{ text: `  ${pad(ipv4Text(ip), 16)}${subnetText(ip, link)}`, tone: 'plain' }] });
  return lines;
}

function subnetText(ip: number, link: LinkInfo): string {
  const a = onLink(ip, link);
  if (a !== null) return `  on the link (${ipv4Text(ip)} AND ${ipv4Text(a.netmask)} = ${ipv4Text((ip & a.netmask) >>> 0)})`;
  return link.gateway !== 0 ? `  via the gateway ${ipv4Text(link.gateway)}` : '  not on this link';
}
