/**
 * Zero-config discovery: a host advertises `_leanphone._tcp` over multicast DNS with a TXT record
 * (protocol version, TLS, passcode, certificate fingerprint); clients browse for it.
 */
import { Bonjour, type Service } from 'bonjour-service';
import type { DiscoveredServer } from '../common/bridge.js';
import { PROTOCOL_VERSION, SIGNAL_PATH } from '../common/protocol.js';

export type { DiscoveredServer } from '../common/bridge.js';

export const SERVICE_TYPE = 'leanphone';

export interface Advertisement {
  /** Instance name people see, e.g. "LeanPhone on office-mac". */
  name: string;
  port: number;
  tls: boolean;
  passcode: boolean;
  fingerprint: string | null;
}


/** multicast-dns socket options: which interface to use, mainly for tests on isolated networks. */
export interface MdnsOptions {
  interface?: string;
}

export interface Discovery {
  stop(): Promise<void>;
}

/** multicast-dns binds to the interface address when given one, and then hears no multicast. */
const socketOptions = (mdns: MdnsOptions): object => (mdns.interface ? { ...mdns, bind: '0.0.0.0' } : {});

export function advertise(ad: Advertisement, mdns: MdnsOptions = {}): Discovery {
  const bonjour = new Bonjour(socketOptions(mdns));
  bonjour.publish({
    name: ad.name,
    type: SERVICE_TYPE,
    port: ad.port,
    disableIPv6: true,
    txt: {
      v: String(PROTOCOL_VERSION),
      tls: ad.tls ? '1' : '0',
      pass: ad.passcode ? '1' : '0',
      fp: ad.fingerprint ?? '',
    },
  });
  return { stop: () => new Promise((done) => bonjour.unpublishAll(() => bonjour.destroy(() => done()))) };
}

/** Watches for hosts; `onChange` gets the whole current list each time it changes. */
export function browse(onChange: (servers: DiscoveredServer[]) => void, mdns: MdnsOptions = {}): Discovery {
  const bonjour = new Bonjour(socketOptions(mdns));
  const found = new Map<string, DiscoveredServer>();
  const browser = bonjour.find({ type: SERVICE_TYPE });
  browser.on('up', (service: Service) => {
    const server = describeService(service);
    if (server === null) return;
    found.set(service.fqdn, server);
    onChange([...found.values()]);
  });
  browser.on('down', (service: Service) => {
    if (found.delete(service.fqdn)) onChange([...found.values()]);
  });
  return {
    stop: () =>
      new Promise((done) => {
        browser.stop();
        bonjour.destroy(() => done());
      }),
  };
}

/** Reads an answer; null for one that is not a usable LeanPhone host. */
export function describeService(service: Service): DiscoveredServer | null {
  const txt = (service.txt ?? {}) as Record<string, unknown>;
  const version = Number(txt.v);
  const addresses = (service.addresses ?? []).filter((address) => /^\d+\.\d+\.\d+\.\d+$/.test(address));
  // The address the answer came from is one the browser can reach; a multi-homed host lists others too.
  const referer = service.referer?.address;
  const address = referer !== undefined && addresses.includes(referer) ? referer : (addresses[0] ?? referer);
  if (version !== PROTOCOL_VERSION || address === undefined || !Number.isInteger(service.port)) return null;
  const tls = txt.tls === '1';
  const fingerprint = typeof txt.fp === 'string' && /^([0-9A-F]{2}:){31}[0-9A-F]{2}$/.test(txt.fp) ? txt.fp : null;
  return {
    name: String(service.name).slice(0, 64),
    host: String(service.host),
    port: service.port,
    addresses,
    url: `${tls ? 'wss' : 'ws'}://${address}:${service.port}${SIGNAL_PATH}`,
    version,
    tls,
    passcode: txt.pass === '1',
    fingerprint,
  };
}
