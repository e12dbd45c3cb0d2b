/**
 * Which web pages may open a signalling socket (against cross-site WebSocket hijacking): the
 * server's own pages, at every address and name of this machine it listens on with its scheme and
 * port; the desktop app; origins the operator names; and native clients, which send no Origin.
 */
import { hostname as machineName, networkInterfaces } from 'node:os';
import type { InterfaceTable } from '../node-lib/addresses.js';

/** The desktop window's page (main/app-protocol.ts serves it); it may join any LeanPhone server. */
export const DESKTOP_APP_ORIGIN = 'app://leanphone';

export interface OriginPolicyConfig {
  /** The address the server listens on, as `server.address()` reports it. */
  host: string;
  port: number;
  tls: boolean;
  /** More origins to accept (`--allow-origin`), already checked with `normaliseOrigin`. */
  allowed: readonly string[];
  interfaces?: () => InterfaceTable;
  hostname?: string;
}

export class OriginPolicy {
  readonly #config: OriginPolicyConfig;
  readonly #fixed: ReadonlySet<string>;

  constructor(config: OriginPolicyConfig) {
    this.#config = config;
    const name = (config.hostname ?? machineName()).toLowerCase().replace(/\.local$/, '');
    const names = name === '' ? [] : [name, `${name}.local`];
    const own = names.map((host) => this.#ownOrigin(host)).filter((origin) => origin !== null);
    this.#fixed = new Set([DESKTOP_APP_ORIGIN, ...config.allowed, ...own]);
  }

  /** True for no Origin at all (a native client) and for an origin on the list. */
  allows(origin: string | undefined): boolean {
    if (origin === undefined) return true;
    const normal = normaliseOrigin(origin);
    if (normal === null) return false;
    return this.#fixed.has(normal) || this.#listeningHosts().some((host) => this.#ownOrigin(host) === normal);
  }

  /**
   * The addresses it listens on, read afresh (a LAN address may change while it runs), and
   * `localhost` when loopback is among them.
   */
  #listeningHosts(): string[] {
    const { host } = this.#config;
    const wildcard = host === '0.0.0.0' || host === '::';
    const addresses = wildcard ? interfaceAddresses((this.#config.interfaces ?? networkInterfaces)(), host === '::') : [host];
    const loopback = addresses.some((address) => address.startsWith('127.') || address === '::1');
    return loopback ? [...addresses, 'localhost'] : addresses;
  }

  /** Where this server's own page is at `host`; null for a name no URL can hold. */
  #ownOrigin(host: string): string | null {
    const scheme = this.#config.tls ? 'https' : 'http';
    return normaliseOrigin(`${scheme}://${host.includes(':') ? `[${host}]` : host}:${this.#config.port}`);
  }
}

/** Every address of this machine: IPv4 only, or IPv4 and IPv6 for a dual-stack listener. */
function interfaceAddresses(table: InterfaceTable, ipv6: boolean): string[] {
  const addresses: string[] = [];
  for (const entries of Object.values(table)) {
    for (const entry of entries ?? []) {
      // Link-local IPv6 needs a zone, which no page origin carries.
      if (entry.family === 'IPv4' || (ipv6 && entry.family === 'IPv6' && entry.scopeid === 0)) addresses.push(entry.address);
    }
  }
  return addresses;
}

/**
 * An origin as browsers serialise it (`scheme://host[:port]`, default port dropped, host in lower
 * case), or null when `text` is not one: a path, credentials, `null`, a bare host.
 */
export function normaliseOrigin(text: string): string | null {
  const match = /^([a-z][a-z0-9+.-]*):\/\/([^/?#\s@]+)$/i.exec(text.trim());
  if (!match) return null;
  const scheme = match[1]!.toLowerCase();
  if (scheme !== 'http' && scheme !== 'https') return `${scheme}://${match[2]!.toLowerCase()}`;
  try {
    return new URL(`${scheme}://${match[2]}`).origin;
  } catch {
    return null;
  }
}
