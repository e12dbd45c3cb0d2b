/**
 * What the hosting tests give HostingService: a real certificate made once in a temp folder, and
 * a recorder in place of the mDNS announcement (real discovery runs in tests/netns, where
 * multicast cannot leave the test's own network).
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DiscoveredServer } from '../../common/bridge.js';
import { CertificatePins } from '../../main/certificate-pins.js';
import type { HostingOptions } from '../../main/hosting.js';
import { ServerDiscovery } from '../../main/server-discovery.js';
import { ServerTrust } from '../../main/server-trust.js';
import { loadOrCreateIdentity, type TlsIdentity } from '../../node-lib/certificate.js';
import type { Advertisement } from '../../node-lib/discovery.js';
import { startSignalServer } from '../../signal-server/server.js';

const identityDir = mkdtempSync(join(tmpdir(), 'leanphone-hosting-'));
let identity: Promise<TlsIdentity> | null = null;
export const testIdentity = (): Promise<TlsIdentity> => (identity ??= loadOrCreateIdentity(identityDir, []));

export interface AnnouncementLog {
  ad: Advertisement;
  live: boolean;
}

export function hostingOptions(overrides: Partial<HostingOptions> = {}): HostingOptions & { announcements: AnnouncementLog[] } {
  const announcements: AnnouncementLog[] = [];
  return {
    start: startSignalServer,
    host: '127.0.0.1',
    identity: testIdentity,
    name: 'LeanPhone on test-host',
    advertise: (ad) => {
      const entry = { ad, live: true };
      announcements.push(entry);
      return {
        stop: async () => {
          entry.live = false;
        },
      };
    },
    ...overrides,
    announcements,
  };
}

export const HOSTING_ON_EXAMPLE = {
  running: true as const,
  port: 9000,
  addresses: ['192.168.1.5'],
  url: 'wss://127.0.0.1:9000/signal',
  joinUrls: ['https://192.168.1.5:9000/'],
  fingerprint: 'AB:'.repeat(31) + 'AB',
  qrSvg: null,
};

/**
 * Discovery and trust for a controller under test: a real ServerTrust with pins in `dir`, and a
 * discovery whose mDNS browser is replaced by `announce`, which plays the network's answers.
 */
export async function discoveryAndTrust(dir: string) {
  let announce: (servers: DiscoveredServer[]) => void = () => undefined;
  const discovery = new ServerDiscovery((onChange) => {
    announce = onChange;
    return { stop: async () => undefined };
  });
  const trust = new ServerTrust({
    pins: await CertificatePins.open(join(dir, 'pins')),
    discovered: (host, port) => discovery.fingerprintFor(host, port),
    ownFingerprint: () => null,
  });
  return { discovery, trust, announce: (servers: DiscoveredServer[]) => announce(servers) };
}
