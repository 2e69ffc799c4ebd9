/**
 * The silent drop (notebook 08, section 3): packets of an idle kept-alive connection vanish on the wire, as behind a
 * middlebox that forgot the flow: no FIN, no RST, no ACK. It needs a private network namespace (`unshare -n`, then
 * `ip link set lo up`) so the drop rule can never touch the machine's traffic, and nftables to drop the connection's
 * packets (`nft add table inet lab; nft add chain inet lab out { type filter hook output priority 0; }; nft add rule
 * inet lab out tcp dport P drop`). A stall (the race target's idleClose 'stall') is a different thing: the kernel still
 * ACKs, so TCP sees a live peer; only a drop leaves TCP retransmitting into nothing.
 *
 * This file says whether the drop can run here, tried for real and never assumed; where it cannot, the notebook
 * measures the stall only and prints the reason.
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

export interface SilentDropSupport {
  available: boolean;
  /** Why not, or how: printed by the notebook. */
  reason: string;
  unshare: string | null;
  nft: string | null;
  ip: string | null;
}

const SEARCH_DIRS = ['/usr/sbin', '/sbin', '/usr/bin', '/bin'];

function findBin(name: string): string | null {
  for (const dir of (process.env['PATH'] ?? '').split(':').concat(SEARCH_DIRS)) {
    if (dir && fs.existsSync(path.join(dir, name))) return path.join(dir, name);
  }
  return null;
}

/** Probe timeout: creating a namespace and a table takes milliseconds; seconds mean something hangs. */
const PROBE_TIMEOUT_MS = 5000;

/**
 * Can a connection's packets be dropped here? Needs Linux, root, unshare, ip and nft, and an nftables table that can
 * be created inside a fresh network namespace (the probe does exactly that, and the namespace dies with the probe).
 */
export function silentDropSupport(): SilentDropSupport {
  const unshare = findBin('unshare');
  const nft = findBin('nft');
  const ip = findBin('ip');
  const no = (reason: string): SilentDropSupport => ({ available: false, reason, unshare, nft, ip });
  if (process.platform !== 'linux') return no(`network namespaces are Linux-only (platform ${process.platform})`);
  if (typeof process.getuid === 'function' && process.getuid() !== 0)
    return no('not root: cannot create a network namespace or load nftables rules');
  if (!unshare) return no('unshare not found (util-linux)');
  if (!ip) return no('ip not found (iproute2)');
  if (!nft) return no("nft not found: install Debian's nftables package (as root) to drop packets on the wire");
  try {
    execFileSync(
      unshare,
      ['--net', 'sh', '-c', `"${ip}" link set lo up && "${nft}" add table inet casebook_probe && "${nft}" list tables`],
      { stdio: ['ignore', 'pipe', 'pipe'], timeout: PROBE_TIMEOUT_MS },
    );
  } catch (error) {
    return no(`unshare -n with an nftables table failed: ${(error as Error).message.split('\n')[0]}`);
  }
  return {
    available: true,
    reason: 'target and client run in a private network namespace; nft drops the connection on its port',
    unshare,
    nft,
    ip,
  };
}
