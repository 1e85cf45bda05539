/**
 * Least privilege, as tcpdump's -Z: capturing needs root (or CAP_NET_RAW),
 * parsing hostile packets does not. Once the capture handle and the -w file
 * are open, a root process becomes the -Z user, or the user who ran sudo.
 * Open descriptors keep working after the switch: that is what lets capture
 * continue.
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import { CaptureError } from './frame';

interface Account {
  name: string;
  uid: number;
  gid: number;
}

/** getpwnam from /etc/passwd, then `id` (for NSS accounts: LDAP, systemd-homed). */
function lookup(user: string): Account | null {
  try {
    for (const line of fs.readFileSync('/etc/passwd', 'utf8').split('\n')) {
      const f = line.split(':');
      if (f.length >= 4 && (f[0] === user || f[2] === user)) return { name: f[0], uid: Number(f[2]), gid: Number(f[3]) };
    }
  } catch {
    // no /etc/passwd: ask id
  }
  try {
    const uid = Number(execFileSync('id', ['-u', user], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim());
    const gid = Number(execFileSync('id', ['-g', user], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim());
    const name = execFileSync('id', ['-un', user], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    if (Number.isInteger(uid) && Number.isInteger(gid)) return { name, uid, gid };
  } catch {
    // unknown user
  }
  return null;
}

/**
 * Gives up root when running as root and either `user` (-Z) is given or the
 * process was started through sudo. `ownFds` (the -w file) are handed to the
 * new owner first, so the user can keep and delete what was saved. Returns
 * the name switched to, or '' when nothing changed. Throws CaptureError.
 */
export function dropPrivileges(user: string | undefined, ownFds: readonly number[]): string {
  if (typeof process.getuid !== 'function' || process.getuid() !== 0) return '';
  let target: Account | null;
  if (user !== undefined) {
    target = lookup(user);
    if (target === null) throw new CaptureError('no such user', `-Z ${user}`);
  } else {
    const uid = process.env.SUDO_UID;
    const gid = process.env.SUDO_GID;
    if (uid === undefined || gid === undefined || !/^\d+$/.test(uid) || !/^\d+$/.test(gid)) return '';
    target = { name: process.env.SUDO_USER ?? uid, uid: Number(uid), gid: Number(gid) };
  }
  if (target.uid === 0) return '';
  for (const fd of ownFds) {
    try {
      fs.fchownSync(fd, target.uid, target.gid);
    } catch {
      // standard output or a file system without owners: keep going
    }
  }
  try {
    // Supplementary groups first (root's would otherwise survive), then group, then user.
    const initgroups = (process as { initgroups?: (user: string, group: number) => void }).initgroups;
    if (initgroups !== undefined && lookup(target.name) !== null) initgroups.call(process, target.name, target.gid);
    else if (typeof process.setgroups === 'function') process.setgroups([target.gid]);
    process.setgid!(target.gid);
    process.setuid!(target.uid);
  } catch (e) {
    throw new CaptureError(`cannot switch to user ${target.name}: ${(e as Error).message}`, user !== undefined ? `-Z ${user}` : 'sudo');
  }
  if (process.getuid() !== target.uid || process.geteuid!() !== target.uid) {
    throw new CaptureError(`still running as uid ${process.geteuid!()} after switching to ${target.name}`, 'privileges');
  }
  return target.name;
}
