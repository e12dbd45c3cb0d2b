/**
 * What one client address may hold and do: TCP connections of any kind (checked as each arrives),
 * open sockets and sockets not yet registered (checked at the handshake), registered names, and
 * registrations over time (a token bucket). Counts exist only while non-zero, buckets only until
 * refilled, so nothing here grows with past traffic.
 */
import { clientAddress } from './remote-address.js';
import { TokenBucket } from './token-bucket.js';

/** Connections one address may hold beside its sockets: a browser's page loads and voicemail over HTTP. */
export const HTTP_CONNECTIONS_PER_ADDRESS = 32;

export interface AddressLimitsConfig {
  /** WebSockets; TCP connections of any kind may number HTTP_CONNECTIONS_PER_ADDRESS more. */
  maxSockets: number;
  maxUnregistered: number;
  maxNames: number;
  registrationsPerMinute: number;
  registrationBurst: number;
}

export type SocketRefusal = 'Too many connections from your address' | 'Too many unregistered connections from your address';

export type RegistrationRefusal =
  | { status: 403; reason: 'Too many names from your address' }
  | { status: 503; reason: `Too many registrations from your address: try again in ${number} s` };

/** Buckets kept at most; past it the least recently used (nearly refilled) goes first. */
const MAX_BUCKETS = 100_000;

export class AddressLimits {
  readonly #config: AddressLimitsConfig;
  readonly #connections = new Map<string, number>();
  readonly #sockets = new Map<string, number>();
  readonly #unregistered = new Map<string, number>();
  readonly #names = new Map<string, number>();
  /** Name key to the address that registered it. */
  readonly #nameOwners = new Map<string, string>();
  /** Least recently used first. */
  readonly #buckets = new Map<string, TokenBucket>();

  constructor(config: AddressLimitsConfig) {
    this.#config = config;
  }

  /**
   * A TCP connection from `remote` arrived, before any request on it: false when the address holds
   * its share already (the connection is to be dropped); otherwise it counts until `connectionClosed`.
   */
  acceptConnection(remote: string): boolean {
    const address = clientAddress(remote);
    if (count(this.#connections, address) >= this.#config.maxSockets + HTTP_CONNECTIONS_PER_ADDRESS) return false;
    add(this.#connections, address, 1);
    return true;
  }

  connectionClosed(remote: string): void {
    add(this.#connections, clientAddress(remote), -1);
  }

  /** At the handshake: why one more socket from `remote` is refused, or null. */
  refuseSocket(remote: string): SocketRefusal | null {
    const address = clientAddress(remote);
    if (count(this.#sockets, address) >= this.#config.maxSockets) return 'Too many connections from your address';
    if (count(this.#unregistered, address) >= this.#config.maxUnregistered) return 'Too many unregistered connections from your address';
    return null;
  }

  opened(remote: string): void {
    const address = clientAddress(remote);
    add(this.#sockets, address, 1);
    add(this.#unregistered, address, 1);
  }

  /** The socket registered (or resumed) a name: it no longer counts as unregistered. */
  registered(remote: string): void {
    add(this.#unregistered, clientAddress(remote), -1);
  }

  closed(remote: string, registered: boolean): void {
    const address = clientAddress(remote);
    add(this.#sockets, address, -1);
    if (!registered) add(this.#unregistered, address, -1);
  }

  /**
   * Before a REGISTER is granted: why `remote` may not, or null, in which case one registration is
   * counted against it. `newName` is false for a resume, which takes no further name.
   */
  refuseRegistration(remote: string, newName: boolean, now: number): RegistrationRefusal | null {
    const address = clientAddress(remote);
    if (newName && count(this.#names, address) >= this.#config.maxNames) return { status: 403, reason: 'Too many names from your address' };
    const bucket = this.#buckets.get(address) ?? new TokenBucket(this.#config.registrationBurst, this.#config.registrationsPerMinute / 60, now);
    if (!bucket.take(now)) {
      const seconds = Math.ceil(bucket.msUntilToken() / 1000);
      return { status: 503, reason: `Too many registrations from your address: try again in ${seconds} s` };
    }
    this.#buckets.delete(address);
    this.#buckets.set(address, bucket);
    this.#forgetRefilled(now);
    return null;
  }

  nameTaken(key: string, remote: string): void {
    const address = clientAddress(remote);
    this.#nameOwners.set(key, address);
    add(this.#names, address, 1);
  }

  nameReleased(key: string): void {
    const address = this.#nameOwners.get(key);
    if (address === undefined) return;
    this.#nameOwners.delete(key);
    add(this.#names, address, -1);
  }

  /** Drops buckets that are full again, oldest first, and the oldest beyond MAX_BUCKETS. */
  #forgetRefilled(now: number): void {
    for (const [address, bucket] of this.#buckets) {
      if (!bucket.isFull(now) && this.#buckets.size <= MAX_BUCKETS) return;
      this.#buckets.delete(address);
    }
  }
}

const count = (counts: ReadonlyMap<string, number>, address: string): number => counts.get(address) ?? 0;

function add(counts: Map<string, number>, address: string, delta: number): void {
  const next = count(counts, address) + delta;
  if (next > 0) counts.set(address, next);
  else counts.delete(address);
}
