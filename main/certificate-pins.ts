/**
 * Certificate pinning for the desktop app's wss connections: one SHA-256 fingerprint per host:port,
 * kept in pins.json (written atomically). A pin is made on first connect, or when the certificate
 * matches what discovery advertised; once made, a different certificate is refused, whatever discovery says.
 */
import { isIP } from 'node:net';
import { mkdir, readFile, rename } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomically } from '../node-lib/atomic-file.js';
import { connect } from 'node:tls';

export const PINS_FILE = 'pins.json';

/** Upper-case hex pairs joined by colons, as node's fingerprint256 and browsers show it. */
const FINGERPRINT = /^([0-9A-F]{2}:){31}[0-9A-F]{2}$/;

export type PinVerdict =
  /** The certificate is the pinned one. */
  | { kind: 'trusted'; fingerprint: string }
  /** No pin yet: this certificate is now pinned. */
  | { kind: 'pin-now'; fingerprint: string; because: 'first-connect' | 'discovery' }
  /** Refuse: the certificate is not the one pinned (or not the one discovery advertised). */
  | { kind: 'mismatch'; expected: string; presented: string; against: 'pin' | 'discovery'; warning: string };

export class PinError extends Error {
  override readonly name = 'PinError';
}

/**
 * Accepts `AB:CD:...` in any case, or Electron's `sha256/<base64>`; returns upper-case colon hex.
 * Throws PinError for anything else.
 */
export function normalizeFingerprint(input: string): string {
  const text = input.trim();
  if (text.startsWith('sha256/')) {
    const bytes = Buffer.from(text.slice('sha256/'.length), 'base64');
    if (bytes.length === 32 && bytes.toString('base64') === text.slice('sha256/'.length)) {
      return [...bytes].map((byte) => byte.toString(16).padStart(2, '0').toUpperCase()).join(':');
    }
  } else if (FINGERPRINT.test(text.toUpperCase())) {
    return text.toUpperCase();
  }
  throw new PinError(`Not a SHA-256 certificate fingerprint: ${JSON.stringify(input.slice(0, 120))}`);
}

/** `host:port` with the host lower-cased and IPv6 in brackets; throws PinError for a bad host or port. */
export function pinKey(host: string, port: number): string {
  const bare = host.trim().replace(/^\[(.*)\]$/, '$1').toLowerCase();
  if (!Number.isInteger(port) || port < 1 || port > 65_535) throw new PinError(`Not a port: ${port}`);
  if (isIP(bare) === 6) return `[${bare}]:${port}`;
  if (isIP(bare) === 4 || /^(?=.{1,253}$)[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*\.?$/.test(bare)) {
    return `${bare}:${port}`;
  }
  throw new PinError(`Not a host name or address: ${JSON.stringify(host.slice(0, 120))}`);
}

export function mismatchWarning(key: string, expected: string, presented: string, against: 'pin' | 'discovery'): string {
  const expectation =
    against === 'pin' ? `LeanPhone remembered this certificate from an earlier connection: ${expected}` : `Discovery on the network advertised this certificate: ${expected}`;
  return [
    `The server at ${key} presented a different certificate, so LeanPhone did not connect.`,
    expectation,
    `The server now presents: ${presented}`,
    'Someone on the network may be pretending to be that server. If the host really made a new certificate, ask its owner to confirm the new fingerprint before you trust it.',
  ].join('\n');
}

export interface PinStoreOptions {
  now?: () => Date;
  warn?: (message: string) => void;
}

export class CertificatePins {
  readonly #dir: string;
  readonly #file: string;
  #pins: Record<string, string>;
  #writes: Promise<unknown> = Promise.resolve();

  private constructor(dir: string, pins: Record<string, string>) {
    this.#dir = dir;
    this.#file = join(dir, PINS_FILE);
    this.#pins = pins;
  }

  /**
   * Reads dir/pins.json; missing means no pins; a corrupt file is moved aside with a warning.
   * Pins keyed by a host without a port (an older form) are dropped with a warning: nothing says
   * which port's server they were made for, so those servers are pinned again on their next connect.
   */
  static async open(dir: string, options: PinStoreOptions = {}): Promise<CertificatePins> {
    await mkdir(dir, { recursive: true });
    const file = join(dir, PINS_FILE);
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return new CertificatePins(dir, {});
      throw error;
    }
    const warn = options.warn ?? ((message: string) => console.warn(message));
    const parsed = parsePins(text);
    if (parsed !== null) {
      const store = new CertificatePins(dir, parsed.pins);
      if (parsed.portless.length > 0) {
        await store.#save(parsed.pins);
        warn(`certificate pins: dropped ${parsed.portless.length} pins without a port (${parsed.portless.join(', ')}); those servers will be pinned again on their next connect.`);
      }
      return store;
    }
    const stamp = (options.now ?? (() => new Date()))().toISOString().replace(/[:.]/g, '-');
    const aside = join(dir, `pins.corrupt-${stamp}.json`);
    await rename(file, aside);
    warn(`certificate pins: ${file} was not valid; kept it as ${aside}. Servers will be pinned again on their next connect.`);
    return new CertificatePins(dir, {});
  }

  /** The pinned fingerprint for host:port, or null. */
  pinned(host: string, port: number): string | null {
    return this.#pins[pinKey(host, port)] ?? null;
  }

  /**
   * Decides on the certificate `presented` at host:port, recording a pin when it is 'pin-now'.
   * `discovered` is the fingerprint from the host's mDNS TXT record, if it was found that way.
   * Bad input throws PinError and changes nothing.
   */
  async check(host: string, port: number, presented: string, discovered: string | null = null): Promise<PinVerdict> {
    const key = pinKey(host, port);
    const seen = normalizeFingerprint(presented);
    const advertised = discovered === null ? null : normalizeFingerprint(discovered);
    return this.#serialised(async () => {
      const pinned = this.#pins[key];
      if (pinned !== undefined) {
        if (pinned === seen) return { kind: 'trusted', fingerprint: seen };
        return { kind: 'mismatch', expected: pinned, presented: seen, against: 'pin', warning: mismatchWarning(key, pinned, seen, 'pin') };
      }
      if (advertised !== null && advertised !== seen) {
        return { kind: 'mismatch', expected: advertised, presented: seen, against: 'discovery', warning: mismatchWarning(key, advertised, seen, 'discovery') };
      }
      await this.#save({ ...this.#pins, [key]: seen });
      return { kind: 'pin-now', fingerprint: seen, because: advertised === null ? 'first-connect' : 'discovery' };
    });
  }

  /** Drops the pin for host:port, after the user confirmed a new certificate out of band. */
  async forget(host: string, port: number): Promise<void> {
    const key = pinKey(host, port);
    await this.#serialised(async () => {
      if (!(key in this.#pins)) return;
      const rest = { ...this.#pins };
      delete rest[key];
      await this.#save(rest);
    });
  }

  #serialised<T>(work: () => Promise<T>): Promise<T> {
    const run = this.#writes.then(work);
    this.#writes = run.catch(() => undefined);
    return run;
  }

  async #save(pins: Record<string, string>): Promise<void> {
    await writeFileAtomically(this.#file, `${JSON.stringify({ version: 1, pins }, null, 2)}\n`);
    this.#pins = pins;
  }
}

/** The pins by host:port, and the host-only keys left out; null when the file is not a pins file. */
function parsePins(text: string): { pins: Record<string, string>; portless: string[] } | null {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    return null;
  }
  if (typeof data !== 'object' || data === null || (data as { version?: unknown }).version !== 1) return null;
  const pins = (data as { pins?: unknown }).pins;
  if (typeof pins !== 'object' || pins === null || Array.isArray(pins)) return null;
  const entries = Object.entries(pins);
  if (!entries.every(([key, value]) => typeof value === 'string' && FINGERPRINT.test(value) && key.length <= 300)) return null;
  const kept: Record<string, string> = {};
  const portless: string[] = [];
  for (const [key, value] of entries) {
    const kind = keyKind(key);
    if (kind === null) return null;
    if (kind === 'host') portless.push(key);
    else kept[key] = value as string;
  }
  return { pins: kept, portless };
}

/** 'host:port' for a key as pinKey writes it, 'host' for a bare host name or address, else null. */
function keyKind(key: string): 'host:port' | 'host' | null {
  const canonical = (host: string, port: number): string | null => {
    try {
      return pinKey(host, port);
    } catch {
      return null;
    }
  };
  const split = /^(.+):(\d{1,5})$/.exec(key);
  if (split && canonical(split[1] ?? '', Number(split[2])) === key) return 'host:port';
  return canonical(key, 443) === null ? null : 'host';
}

/**
 * The SHA-256 fingerprint of the certificate a TLS server at host:port presents. The certificate
 * is not verified here (it is self-signed): the caller decides with CertificatePins.check.
 */
export function fetchFingerprint(host: string, port: number, options: { timeoutMs?: number } = {}): Promise<string> {
  const bare = host.replace(/^\[(.*)\]$/, '$1');
  return new Promise<string>((resolve, reject) => {
    const socket = connect({ host: bare, port, rejectUnauthorized: false, ...(isIP(bare) === 0 ? { servername: bare } : {}) });
    const fail = (why: string) => {
      socket.destroy();
      reject(new PinError(`Could not read the certificate of ${bare}:${port}: ${why}`));
    };
    socket.setTimeout(options.timeoutMs ?? 5_000, () => fail('no TLS answer in time'));
    socket.once('error', (error) => fail(error.message));
    socket.once('secureConnect', () => {
      const fingerprint = socket.getPeerCertificate().fingerprint256;
      socket.end();
      if (typeof fingerprint === 'string' && FINGERPRINT.test(fingerprint)) resolve(fingerprint);
      else fail('the server presented no certificate');
    });
  });
}
