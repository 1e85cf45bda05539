/**
 * ARP (RFC 826) over Ethernet and IPv4: requests paired with their replies
 * and the response time, unanswered requests, gratuitous ARP (RFC 5227
 * announcements and probes), the IP-to-MAC table the exchange builds, and a
 * warning when two hardware addresses claim one IP address (a conflict: a
 * misconfiguration or ARP spoofing).
 */
import { complete as arpComplete } from '../decode/arp';
import type { Packet } from '../decode/packet';
import { macText } from '../decode/treekit';
import { nsBetween } from './seq';

export const ARP_REQUEST = 1;
export const ARP_REPLY = 2;

/** A request waiting for its reply. */
export interface ArpRequest {
  frame: number;
  sec: number;
  nsec: number;
  /** Who asks (its IPv4 as an unsigned number) and for which address. */
  senderIp: number;
  targetIp: number;
  senderMac: string;
  replyFrame: number;
  responseNs: number;
}

export interface ArpBinding {
  ip: number;
  mac: string;
  firstFrame: number;
  lastFrame: number;
}

export interface ArpConflict {
  ip: number;
  /** The MAC the table had, and the one that now claims the address. */
  previousMac: string;
  mac: string;
  previousFrame: number;
  frame: number;
}

/** What the tracker found for the ARP layer of the current frame (reused). */
export class ArpNote {
  frame = 0;
  layer = -1;
  /** Reply: the frame of the request it answers (0: unsolicited). */
  requestFrame = 0;
  responseNs = 0;
  gratuitous = false;
  /** ARP probe (RFC 5227: sender IP 0.0.0.0). */
  probe = false;
  /** This frame claims an IP address another MAC held: the frame of that binding. */
  conflictFrame = 0;
  /**
   * tshark's duplicate-address finding (packet-arp.c), the sender's or else
   * the target's: the address, the frame and whole seconds since its first
   * claimant was last seen, and tshark's line (built only when found).
   */
  duplicate = false;
  duplicateIp = 0;
  duplicateFrame = 0;
  duplicateSeconds = 0;
  duplicateText = '';
}

/** An IPv4 address's claimant in tshark's duplicate check: its MAC (48 bits as a number), latest frame and second. */
interface Claim {
  mac: number;
  frame: number;
  sec: number;
}

/**
 * Addresses each table learns: an ARP flood of made-up addresses must not
 * grow memory without bound (tshark's table does). Beyond, new addresses are
 * not learnt; those already known are still checked.
 */
export const ARP_MAX_ADDRESSES = 1 << 20;
/**
 * Requests waiting for a reply, at most (the newest). A request never answered
 * would otherwise wait forever: a flood of requests for made-up addresses
 * must not grow memory. A reply to an older request counts as unsolicited.
 */
const MAX_PENDING = 1 << 16;

export class ArpTracker {
  requests = 0;
  replies = 0;
  gratuitous = 0;
  probes = 0;
  /** Replies that answered no request seen. */
  unsolicitedReplies = 0;
  /** Requests in order, answered or not (bounded). */
  readonly requestLog: ArpRequest[] = [];
  /** Requests not kept in `requestLog` because it was full. */
  requestsDropped = 0;
  /** Unanswered requests no longer waited for: MAX_PENDING newer ones came after them. */
  requestsForgotten = 0;
  /** Conflicts not kept in `conflicts` because it was full (still counted). */
  conflictsDropped = 0;
  /** Addresses not learnt because the table held ARP_MAX_ADDRESSES already. */
  addressesNotLearnt = 0;
  /** The same for tshark's duplicate-address table (those addresses are not checked for duplicates). */
  claimsNotLearnt = 0;
  /** IPv4 (as a number) to the MAC that last claimed it. */
  readonly table = new Map<number, ArpBinding>();
  readonly conflicts: ArpConflict[] = [];
  readonly note = new ArpNote();
  /** Pending requests by sender IP, then target IP. */
  private readonly pending = new Map<number, Map<number, ArpRequest>>();
  /**
   * tshark's own table for "Duplicate IP address configured": unlike `table`
   * it keeps the first MAC of an address until that MAC shows again, and
   * learns target addresses of replies too.
   */
  private readonly claims = new Map<number, Claim>();
  /** The newest requests in arrival order (a ring): the oldest leaves `pending` when a new one needs its slot. */
  private readonly pendingRing: (ArpRequest | undefined)[] = [];
  private pendingNext = 0;

  constructor(
    /** Requests and conflicts listed, at most (the rest are counted). */
    private readonly maxLog = 100_000,
    readonly maxPending = MAX_PENDING,
  ) {}

  /** The ARP layer `li` of the current frame. */
  packet(pkt: Packet, li: number): ArpNote | null {
    const s = pkt.layerStart[li];
    if (pkt.capLen - s < 28) return null;
    // Ethernet (1) hardware, IPv4 protocol, 6- and 4-byte addresses only.
    if (pkt.u16(s + 2) !== 0x0800 || pkt.u8(s + 4) !== 6 || pkt.u8(s + 5) !== 4) return null;
    const op = pkt.u16(s + 6);
    const sha = s + 8;
    const spa = pkt.u32(s + 14);
    const tha = s + 18;
    const tpa = pkt.u32(s + 24);
    const n = this.note;
    n.frame = pkt.number;
    n.layer = li;
    n.requestFrame = 0;
    n.responseNs = 0;
    n.probe = spa === 0 && op === ARP_REQUEST;
    // Gratuitous: the sender announces its own address (RFC 5227 section 3: announcement, or a reply to itself).
    n.gratuitous = spa === tpa && spa !== 0;
    n.conflictFrame = 0;
    n.duplicate = false;
    // tshark checks requests and replies with Ethernet or IEEE 802 hardware (ARP_HW_IS_ETHER), and only whole messages.
    const hw = pkt.u16(s);
    if ((op === ARP_REQUEST || op === ARP_REPLY) && (hw === 1 || hw === 6) && arpComplete(pkt, li)) {
      this.checkDuplicate(pkt, sha, spa);
      // A request's target hardware address means nothing (RFC 826): not learnt; nor after the sender's finding.
      if (op !== ARP_REQUEST && !n.duplicate) this.checkDuplicate(pkt, tha, tpa);
    }
    const sec = pkt.frame.tsSec;
    const nsec = pkt.frame.tsNsec;
    if (n.gratuitous) this.gratuitous++;
    if (n.probe) this.probes++;

    if (op === ARP_REQUEST) {
      this.requests++;
      if (!n.gratuitous) {
        const r: ArpRequest = { frame: pkt.number, sec, nsec, senderIp: spa, targetIp: tpa, senderMac: macText(pkt, sha), replyFrame: 0, responseNs: 0 };
        this.forgetOldest();
        let byTarget = this.pending.get(spa);
        if (byTarget === undefined) this.pending.set(spa, (byTarget = new Map()));
        byTarget.set(tpa, r);
        this.pendingRing[this.pendingNext] = r;
        this.pendingNext = (this.pendingNext + 1) % this.maxPending;
        if (this.requestLog.length < this.maxLog) this.requestLog.push(r);
        else this.requestsDropped++;
      }
    } else if (op === ARP_REPLY) {
      this.replies++;
      // The reply's sender is the request's target; its target is the asker.
      const byTarget = this.pending.get(tpa);
      const r = byTarget?.get(spa);
      if (r !== undefined) {
        byTarget!.delete(spa);
        if (byTarget!.size === 0) this.pending.delete(tpa);
        r.replyFrame = pkt.number;
        r.responseNs = nsBetween(sec, nsec, r.sec, r.nsec);
        n.requestFrame = r.frame;
        n.responseNs = r.responseNs;
      } else if (!n.gratuitous) {
        this.unsolicitedReplies++;
      }
    }

    if (spa !== 0) {
      const m = macText(pkt, sha);
      const b = this.table.get(spa);
      if (b === undefined) {
        if (this.table.size < ARP_MAX_ADDRESSES) this.table.set(spa, { ip: spa, mac: m, firstFrame: pkt.number, lastFrame: pkt.number });
        else this.addressesNotLearnt++;
      } else if (b.mac !== m) {
        n.conflictFrame = b.lastFrame;
        // Two MACs taking turns on one address (ARP spoofing does) would otherwise grow the list without end.
        if (this.conflicts.length < this.maxLog) this.conflicts.push({ ip: spa, previousMac: b.mac, mac: m, previousFrame: b.lastFrame, frame: pkt.number });
        else this.conflictsDropped++;
        b.mac = m;
        b.firstFrame = pkt.number;
        b.lastFrame = pkt.number;
      } else {
        b.lastFrame = pkt.number;
      }
    }
    return n;
  }

  /**
   * tshark's check_for_duplicate_addresses: an address claimed by a unicast,
   * non-zero MAC other than the one that claimed it first is a duplicate
   * (the table keeps the first MAC); the same MAC refreshes the entry.
   */
  private checkDuplicate(pkt: Packet, macAt: number, ip: number): void {
    const m = pkt.u16(macAt) * 0x100000000 + pkt.u32(macAt + 2);
    if ((pkt.u8(macAt) & 1) !== 0 || m === 0 || ip === 0) return;
    const c = this.claims.get(ip);
    if (c === undefined) {
      if (this.claims.size < ARP_MAX_ADDRESSES) this.claims.set(ip, { mac: m, frame: pkt.number, sec: pkt.frame.tsSec });
      else this.claimsNotLearnt++;
      return;
    }
    // The sender's check of this very frame already entered the address.
    if (pkt.number <= c.frame) return;
    if (c.mac === m) {
      c.frame = pkt.number;
      c.sec = pkt.frame.tsSec;
      return;
    }
    const n = this.note;
    n.duplicate = true;
    n.duplicateIp = ip;
    n.duplicateFrame = c.frame;
    // guint32 arithmetic on whole seconds, as tshark's.
    n.duplicateSeconds = (pkt.frame.tsSec - c.sec) >>> 0;
    n.duplicateText = `Duplicate IP address detected for ${ipv4Text(ip)} (${macText(pkt, macAt)}) - also in use by ${macOf(c.mac)} (frame ${c.frame})`;
  }

  /** Makes room in the ring for a new request: the one in its slot stops waiting, if nothing answered or replaced it. */
  private forgetOldest(): void {
    const old = this.pendingRing[this.pendingNext];
    if (old === undefined || old.replyFrame !== 0) return;
    const byTarget = this.pending.get(old.senderIp);
    if (byTarget === undefined || byTarget.get(old.targetIp) !== old) return;
    byTarget.delete(old.targetIp);
    if (byTarget.size === 0) this.pending.delete(old.senderIp);
    this.requestsForgotten++;
  }

  /** Requests waiting for a reply now. */
  get pendingCount(): number {
    let n = 0;
    for (const m of this.pending.values()) n += m.size;
    return n;
  }

  /** Requests never answered in the capture. */
  unanswered(): ArpRequest[] {
    return this.requestLog.filter((r) => r.replyFrame === 0);
  }
}

const HEX = '0123456789abcdef';

/** A MAC held as a 48-bit number, as tshark prints it. */
function macOf(m: number): string {
  let s = '';
  for (let i = 5; i >= 0; i--) {
    const b = Math.floor(m / 2 ** (8 * i)) & 255;
    s += (i < 5 ? ':' : '') + HEX[b >> 4] + HEX[b & 15];
  }
  return s;
}

/** Dotted quad of an IPv4 address held as a number. */
export function ipv4Text(v: number): string {
  return `${v >>> 24}.${(v >>> 16) & 255}.${(v >>> 8) & 255}.${v & 255}`;
}
