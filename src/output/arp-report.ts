/**
 * `-z arp`: what the ARP exchange showed: each request with its reply and
 * response time (or unanswered), gratuitous ARP and probes, the IP-to-MAC
 * table, and the conflicts (two hardware addresses claiming one IP address).
 */
import { ARP_MAX_ADDRESSES, ipv4Text, type ArpTracker } from '../analysis/index';
import type { OutBuf } from './outbuf';

export function writeArpReport(out: OutBuf, arp: ArpTracker, json: boolean): void {
  if (json) {
    out.ascii(
      JSON.stringify({
        arp: {
          requests: arp.requests,
          replies: arp.replies,
          gratuitous: arp.gratuitous,
          probes: arp.probes,
          unsolicited_replies: arp.unsolicitedReplies,
          exchanges: arp.requestLog.map((r) => ({
            request_frame: r.frame,
            sender: ipv4Text(r.senderIp),
            target: ipv4Text(r.targetIp),
            reply_frame: r.replyFrame || null,
            response_ms: r.replyFrame === 0 ? null : r.responseNs / 1e6,
          })),
          table: [...arp.table.values()].map((b) => ({ ip: ipv4Text(b.ip), mac: b.mac, first_frame: b.firstFrame, last_frame: b.lastFrame })),
          conflicts: arp.conflicts.map((c) => ({ ip: ipv4Text(c.ip), previous_mac: c.previousMac, mac: c.mac, previous_frame: c.previousFrame, frame: c.frame })),
          // What the bounded lists and tables left out (arp.ts: memory stays bounded under an ARP flood).
          requests_not_listed: arp.requestsDropped,
          requests_forgotten: arp.requestsForgotten,
          conflicts_not_listed: arp.conflictsDropped,
          addresses_not_learnt: arp.addressesNotLearnt,
          duplicate_check_addresses_not_learnt: arp.claimsNotLearnt,
        },
      }),
    );
    out.byte(10);
    return;
  }
  const bar = '================================================================================\n';
  out.ascii(bar);
  out.ascii('ARP (synack)\n');
  out.ascii(`${arp.requests} requests, ${arp.replies} replies, ${arp.gratuitous} gratuitous, ${arp.probes} probes, ${arp.unsolicitedReplies} unsolicited replies\n`);
  out.ascii('Requests:\n');
  for (const r of arp.requestLog) {
    const who = `who has ${ipv4Text(r.targetIp)}? tell ${ipv4Text(r.senderIp)}`;
    out.ascii(r.replyFrame === 0 ? `  frame ${r.frame}: ${who}: unanswered\n` : `  frame ${r.frame}: ${who}: answered in frame ${r.replyFrame} after ${(r.responseNs / 1e6).toFixed(3)} ms\n`);
  }
  if (arp.requestsDropped > 0) out.ascii(`  (${arp.requestsDropped} more requests not listed)\n`);
  out.ascii('IP to MAC:\n');
  const table = [...arp.table.values()].sort((a, b) => a.ip - b.ip);
  for (const b of table) out.ascii(`  ${ipv4Text(b.ip).padEnd(15)} ${b.mac}  (frames ${b.firstFrame}-${b.lastFrame})\n`);
  if (arp.conflicts.length > 0) {
    out.ascii('Conflicts (two hardware addresses claim one IP address):\n');
    for (const c of arp.conflicts) out.ascii(`  ${ipv4Text(c.ip)}: ${c.previousMac} (frame ${c.previousFrame}) then ${c.mac} (frame ${c.frame})\n`);
    if (arp.conflictsDropped > 0) out.ascii(`  (${arp.conflictsDropped} more conflicts not listed)\n`);
  }
  for (const line of arpLimitLines(arp)) out.ascii(line + '\n');
  out.ascii(bar);
}

/** What ARP's bounds left out, beyond the lists' own "more not listed" lines (empty when nothing). */
export function arpLimitLines(arp: ArpTracker): string[] {
  const lines: string[] = [];
  if (arp.requestsForgotten > 0) lines.push(`${arp.requestsForgotten} unanswered requests stopped waiting for a reply (only the newest ${arp.maxPending} wait): a later reply to one counts as unsolicited`);
  if (arp.addressesNotLearnt > 0) lines.push(`${arp.addressesNotLearnt} claims of addresses not learnt: the IP-to-MAC table is full (${ARP_MAX_ADDRESSES} addresses)`);
  if (arp.claimsNotLearnt > 0) lines.push(`${arp.claimsNotLearnt} claims of addresses not checked for duplicates: tshark's duplicate table is full (${ARP_MAX_ADDRESSES} addresses)`);
  return lines;
}
