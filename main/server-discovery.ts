/**
 * The LeanPhone hosts this machine sees on the LAN, kept current from an mDNS browser and handed
 * to the window. It also answers which fingerprint discovery advertised for a host, for pinning.
 */
import type { DiscoveredServer, Unsubscribe } from '../common/bridge.js';
import type { Discovery } from '../node-lib/discovery.js';

export type Browse = (onChange: (servers: DiscoveredServer[]) => void) => Discovery;

export class ServerDiscovery {
  readonly #browse: Browse;
  #browser: Discovery | null = null;
  #servers: DiscoveredServer[] = [];
  readonly #listeners = new Set<(servers: DiscoveredServer[]) => void>();

  constructor(browse: Browse) {
    this.#browse = browse;
  }

  get servers(): DiscoveredServer[] {
    return structuredClone(this.#servers);
  }

  start(): void {
    this.#browser ??= this.#browse((servers) => {
      this.#servers = servers;
      for (const listener of this.#listeners) listener(this.servers);
    });
  }

  async stop(): Promise<void> {
    const browser = this.#browser;
    this.#browser = null;
    await browser?.stop();
  }

  onChange(listener: (servers: DiscoveredServer[]) => void): Unsubscribe {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** The certificate fingerprint a host advertised for host:port, or null. */
  fingerprintFor(host: string, port: number): string | null {
    const server = this.#servers.find((found) => found.port === port && (found.addresses.includes(host) || found.host === host));
    return server?.fingerprint ?? null;
  }
}
