/**
 * "Host a LAN phone system": runs the embedded signalling server in this process (never a child
 * copy), reports where others reach it, and stops it cleanly on toggle or quit. Toggles are
 * serialised, so a quick on/off/on never leaves two servers or a dangling port.
 */
import type { HostingState, Unsubscribe } from '../common/bridge.js';
import type { RingGroupDefinition } from '../common/ring-groups.js';
import { lanAddresses } from '../node-lib/addresses.js';
import type { TlsIdentity } from '../node-lib/certificate.js';
import type { Advertisement, Discovery } from '../node-lib/discovery.js';
import type { RunningSignalServer, SignalServerOptions } from '../signal-server/options.js';
import type { Forgotten } from '../signal-server/store/host-store.js';
import { qrSvg } from './qr.js';

export type StartSignalServer = (options: SignalServerOptions) => Promise<RunningSignalServer>;

export interface HostingOptions {
  start: StartSignalServer;
  /** The browser phone's build, served at `/` for joiners without the app. */
  staticDir?: string | null;
  /** Interface to listen on; the whole LAN by default. */
  host?: string;
  addresses?: () => string[];
  /** The host's kept certificate (made on first use): browser joiners need https for camera and microphone. */
  identity: () => Promise<TlsIdentity>;
  /** Announces the running server on the LAN (DNS-SD over mDNS). */
  advertise: (ad: Advertisement) => Discovery;
  /** The instance name joiners see, e.g. "LeanPhone on office-mac". */
  name: string;
  /**
   * Origins of the app's own page (app://leanphone, and the vite dev server in development): the
   * hosted server lets them open a socket beside its own pages.
   */
  appOrigins?: readonly string[];
  /** Extra options for the server (logger, passcode, timers, limits). */
  serverOptions?: Omit<SignalServerOptions, 'port' | 'host' | 'staticDir' | 'tls'>;
}

export class HostingService {
  readonly #options: HostingOptions;
  #server: RunningSignalServer | null = null;
  /** The ring groups the running server was started with. */
  #ringGroups: readonly RingGroupDefinition[] = [];
  #advertisement: Discovery | null = null;
  #state: HostingState = { running: false, error: null };
  #queue: Promise<unknown> = Promise.resolve();
  readonly #listeners = new Set<(state: HostingState) => void>();

  constructor(options: HostingOptions) {
    this.#options = options;
  }

  get state(): HostingState {
    return structuredClone(this.#state);
  }

  onChange(listener: (state: HostingState) => void): Unsubscribe {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Starts (on the given port, with these ring groups; restarting if either changed) or stops; answers the state once that is done. */
  set(enabled: boolean, port: number, ringGroups: readonly RingGroupDefinition[] = []): Promise<HostingState> {
    return this.#serialise(() => (enabled ? this.#start(port, ringGroups) : this.#stop())).then(() => this.state);
  }

  /**
   * Removes `name` from the running server's directory with its messages and voicemail (the hosting
   * panel's "Forget"); null when the directory does not hold it. Refused while not hosting: the
   * store is only open while the server runs.
   */
  forget(name: string): Promise<Forgotten | null> {
    return this.#serialise(async () => {
      if (this.#server === null) throw new Error('Not hosting: start the LAN phone system to forget a name');
      return this.#server.forget(name);
    });
  }

  /** Stops the server if it runs; for quitting. */
  close(): Promise<HostingState> {
    return this.#serialise(() => this.#stop()).then(() => this.state);
  }

  #serialise<T>(task: () => Promise<T>): Promise<T> {
    const run = this.#queue.then(task);
    this.#queue = run.catch(() => undefined);
    return run;
  }

  async #start(port: number, ringGroups: readonly RingGroupDefinition[]): Promise<void> {
    if (this.#server && this.#server.port === port && JSON.stringify(ringGroups) === JSON.stringify(this.#ringGroups)) return;
    if (this.#server) await this.#stop();
    this.#ringGroups = ringGroups;
    let identity: TlsIdentity;
    try {
      identity = await this.#options.identity();
      this.#server = await this.#options.start({
        ...this.#options.serverOptions,
        allowedOrigins: [...(this.#options.serverOptions?.allowedOrigins ?? []), ...(this.#options.appOrigins ?? [])],
        port,
        host: this.#options.host ?? '0.0.0.0',
        staticDir: this.#options.staticDir ?? null,
        tls: identity,
        ringGroups: [...ringGroups],
      });
    } catch (error) {
      this.#publish({ running: false, error: describeStartError(error, port) });
      return;
    }
    const server = this.#server;
    this.#advertisement = this.#options.advertise({
      name: this.#options.name,
      port: server.port,
      tls: true,
      passcode: this.#options.serverOptions?.passcode !== undefined,
      fingerprint: identity.fingerprint,
    });
    const addresses = (this.#options.addresses ?? lanAddresses)();
    const joinUrls = addresses.map((address) => `https://${address}:${server.port}/`);
    this.#publish({
      running: true,
      port: server.port,
      addresses,
      url: server.url,
      joinUrls,
      fingerprint: identity.fingerprint,
      qrSvg: joinUrls[0] === undefined ? null : await qrSvg(joinUrls[0]),
    });
  }

  async #stop(): Promise<void> {
    const server = this.#server;
    const advertisement = this.#advertisement;
    this.#server = null;
    this.#advertisement = null;
    await Promise.all([advertisement?.stop(), server?.close()]);
    if (this.#state.running || this.#state.error !== null) this.#publish({ running: false, error: null });
  }

  #publish(state: HostingState): void {
    this.#state = state;
    for (const listener of this.#listeners) listener(this.state);
  }
}

function describeStartError(error: unknown, port: number): string {
  const code = (error as NodeJS.ErrnoException | null)?.code;
  if (code === 'EADDRINUSE') return `Port ${port} is already in use on this machine; choose another port.`;
  if (code === 'EACCES') return `Not allowed to listen on port ${port}; choose a port above 1024.`;
  return `Could not start the LAN phone system: ${error instanceof Error ? error.message : String(error)}`;
}
