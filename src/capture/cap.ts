/**
 * The `cap` module (libpcap), an optional dependency loaded only when asked
 * for, so everything else works where libpcap is missing. The capture
 * process (live-child.ts) opens its handle here; `-D` lists interfaces here.
 *
 * cap opens the handle in immediate mode (no batching: a packet is handed
 * over as soon as the kernel has it) and calls back once per packet with
 * only its captured length: no time stamp and no length on the wire. The
 * capture process stamps frames itself; the length on the wire is recovered
 * from the IP header when libpcap's fixed 65535-byte snapshot length cut a
 * frame (`wireLength`).
 */
import { createRequire } from 'node:module';
import { CaptureError } from './frame';

/** cap hard-codes pcap_set_snaplen(65535). */
export const CAP_SNAPLEN = 65535;
/** Kernel buffer for bursts (tcpdump's default is 2 MiB). */
const KERNEL_BUFFER = 8 << 20;

interface CapDevice {
  name: string;
  description?: string;
  addresses: { addr?: string; netmask?: string }[];
  flags?: string;
}

export interface CapHandle {
  open(device: string, filter: string, bufSize: number, buffer: Buffer): string;
  close(): boolean;
  on(event: 'packet', listener: (nbytes: number, truncated: boolean) => void): void;
  removeAllListeners(event: string): void;
}

interface CapModule {
  Cap: { new (): CapHandle; deviceList(): CapDevice[] };
}

let capModule: CapModule | null = null;

/** Loads cap, or explains in one line what to install. */
function loadCap(): CapModule {
  if (capModule !== null) return capModule;
  try {
    // createRequire keeps the optional module out of the type graph and the start-up path.
    capModule = createRequire(__filename)('cap') as CapModule;
    return capModule;
  } catch (e) {
    const why = (e as Error).message.split('\n')[0];
    throw new CaptureError(
      `the optional 'cap' module, built against libpcap, is not available (${why}): install libpcap (Debian/Ubuntu: sudo apt-get install libpcap-dev), then run 'npm rebuild cap'`,
      'live capture',
    );
  }
}

/** LINKTYPE_* for what cap's open() returns (it names a few DLTs, numbers the rest). */
function linkTypeOf(name: string): number {
  switch (name) {
    case 'ETHERNET':
      return 1;
    case 'NULL':
      return 0;
    case 'IEEE802_11_RADIO':
      return 127;
    case 'LINKTYPE_LINUX_SLL':
      return 113;
    case 'RAW':
      return 101;
  }
  const m = /Unknown linktype (\d+)/.exec(name);
  if (m === null) return -1;
  const dlt = Number(m[1]);
  // DLT_RAW is 12 or 14 depending on the BSD it came from; LINKTYPE_RAW is 101.
  return dlt === 12 || dlt === 14 ? 101 : dlt;
}

/**
 * Where the IP header starts for the link types live capture produces, so a
 * frame cut by the snapshot length can still report its length on the wire.
 */
export function wireLength(linkType: number, b: Buffer, capLen: number): number {
  let ip: number;
  let proto: number;
  switch (linkType) {
    case 1: // Ethernet
      ip = 14;
      proto = capLen >= 14 ? b.readUInt16BE(12) : 0;
      break;
    case 113: // Linux cooked v1
      ip = 16;
      proto = capLen >= 16 ? b.readUInt16BE(14) : 0;
      break;
    case 276: // Linux cooked v2
      ip = 20;
      proto = capLen >= 20 ? b.readUInt16BE(0) : 0;
      break;
    case 101: // raw IP
      ip = 0;
      proto = capLen >= 1 ? ((b[0] >> 4) === 6 ? 0x86dd : 0x0800) : 0;
      break;
    default:
      return capLen;
  }
  if (proto === 0x0800 && capLen >= ip + 4) {
    const total = b.readUInt16BE(ip + 2);
    return total === 0 ? capLen : Math.max(capLen, ip + total);
  }
  if (proto === 0x86dd && capLen >= ip + 6) return Math.max(capLen, ip + 40 + b.readUInt16BE(ip + 4));
  return capLen;
}

/** Handles whose open() failed: cap leaves them half-open, and its destructor must never run on them. */
const failedHandles: CapHandle[] = [];

/** Prefix length of a netmask ('255.255.255.0' -> 24, 'ffff:ffff::' -> 32). */
function prefixLength(mask: string | undefined): string {
  if (mask === undefined) return '';
  let bits = 0;
  if (mask.includes(':')) {
    for (const group of mask.split(':')) if (group !== '') bits += (parseInt(group, 16) >>> 0).toString(2).replace(/0/g, '').length;
  } else {
    for (const part of mask.split('.')) bits += (Number(part) >>> 0).toString(2).replace(/0/g, '').length;
  }
  return `/${bits}`;
}

function deviceList(cap: CapModule): CapDevice[] | null {
  try {
    return cap.Cap.deviceList();
  } catch {
    return null;
  }
}

/** An open capture handle: cap writes each packet into `buffer`, then emits 'packet'. */
export interface OpenedCap {
  handle: CapHandle;
  buffer: Buffer;
  linkType: number;
}

/** Opens `device` with a BPF `filter`. Throws CaptureError with the one line the user needs. */
export function openCap(device: string, filter: string): OpenedCap {
  const cap = loadCap();
  const devices = deviceList(cap);
  if (devices !== null && !devices.some((d) => d.name === device)) {
    const names = devices.map((d) => d.name).join(', ');
    throw new CaptureError(`no such interface; the interfaces are: ${names} (synack -D lists their addresses)`, device);
  }
  const buffer = Buffer.alloc(CAP_SNAPLEN);
  const handle = new cap.Cap();
  let linkName: string;
  try {
    linkName = handle.open(device, filter, KERNEL_BUFFER, buffer);
  } catch (e) {
    failedHandles.push(handle);
    throw explainOpenFailure(cap, device, filter, (e as Error).message);
  }
  const linkType = linkTypeOf(linkName);
  if (linkType < 0) {
    handle.close();
    throw new CaptureError(`cap reports a link type synack cannot map: ${linkName}`, device);
  }
  return { handle, buffer, linkType };
}

function isPermissionError(message: string): boolean {
  return /operation not permitted|permission denied|you don't have permission|CAP_NET_RAW/i.test(message);
}

function explainOpenFailure(cap: CapModule, device: string, filter: string, message: string): CaptureError {
  if (isPermissionError(message)) {
    return new CaptureError(
      `capturing needs root, or these capabilities for node: sudo setcap cap_net_raw,cap_net_admin+eip "$(readlink -f "$(command -v node)")" (libpcap: ${message})`,
      device,
    );
  }
  if (filter !== '') {
    // Was it the filter? The device opens without one only if so. (cap reports
    // both failures the same way; libpcap's message is what the user needs.)
    const probe = new cap.Cap();
    try {
      probe.open(device, '', 1 << 16, Buffer.alloc(64));
      probe.close();
      return new CaptureError(`capture filter '${filter}': ${message}`, device);
    } catch {
      failedHandles.push(probe);
    }
  }
  return new CaptureError(`cannot capture: ${message}`, device);
}

/** `-D`: the capture interfaces and their addresses, numbered as tcpdump -D numbers them. */
export async function listInterfaces(): Promise<number> {
  let cap: CapModule;
  try {
    cap = loadCap();
  } catch (e) {
    process.stderr.write(`${(e as CaptureError).toString()}\n`);
    return 2;
  }
  const devices = deviceList(cap);
  if (devices === null) {
    process.stderr.write('synack: -D: libpcap could not list the interfaces\n');
    return 2;
  }
  const lines = devices.map((d, i) => {
    const notes: string[] = [];
    if (d.flags === 'PCAP_IF_LOOPBACK') notes.push('loopback');
    if (d.description !== undefined) notes.push(d.description);
    const addrs = d.addresses.filter((a) => a.addr !== undefined).map((a) => `${a.addr}${prefixLength(a.netmask)}`);
    return `${i + 1}. ${d.name}${notes.length > 0 ? ` (${notes.join(', ')})` : ''}${addrs.length > 0 ? `  ${addrs.join(' ')}` : ''}`;
  });
  process.stdout.write(lines.join('\n') + '\n');
  return 0;
}
