/**
 * This machine's IPv4 addresses that others on the LAN can reach: non-internal, deduplicated,
 * private ranges first and link-local (169.254/16) last. Plain function over os.networkInterfaces().
 */
import { networkInterfaces, type NetworkInterfaceInfo } from 'node:os';

export type InterfaceTable = NodeJS.Dict<NetworkInterfaceInfo[]>;

export function lanAddresses(table: InterfaceTable = networkInterfaces()): string[] {
  const found = new Set<string>();
  for (const entries of Object.values(table)) {
    for (const entry of entries ?? []) {
      if (entry.family === 'IPv4' && !entry.internal) found.add(entry.address);
    }
  }
  return [...found].sort((a, b) => rank(a) - rank(b) || compareIp(a, b));
}

function rank(address: string): number {
  if (/^(10\.|192\.168\.|172\.(1[6-9]|2\d|3[01])\.)/.test(address)) return 0;
  if (address.startsWith('169.254.')) return 2;
  return 1;
}

function compareIp(a: string, b: string): number {
  const pa = a.split('.').map(Number);
  const pb = b.split('.').map(Number);
  for (let i = 0; i < 4; i += 1) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}
