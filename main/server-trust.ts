/**
 * Which TLS certificates the window may accept. Before it connects to a wss:// server, main reads
 * the certificate that server presents and checks it against the pins (or this machine's own hosted
 * server); Chromium's certificate check then accepts exactly the fingerprint approved here for that
 * host, and refuses any other, even one Chromium itself would trust.
 */
import { fingerprintOf } from '../node-lib/certificate.js';
import { fetchFingerprint as readFingerprint, type CertificatePins } from './certificate-pins.js';

export type TrustResult = { ok: true } | { ok: false; warning: string };

/** Chromium's answers for setCertificateVerifyProc: accept, refuse, or keep its own verdict. */
export const ACCEPT = 0;
export const REJECT = -2;
export const USE_CHROMIUM_VERDICT = -3;
export type VerifyVerdict = typeof ACCEPT | typeof REJECT | typeof USE_CHROMIUM_VERDICT;

export interface ServerTrustOptions {
  pins: CertificatePins;
  /** The fingerprint mDNS advertised for host:port, if the server was found that way. */
  discovered: (host: string, port: number) => string | null;
  /** This machine's hosted server's fingerprint while it runs. */
  ownFingerprint: () => string | null;
  fetchFingerprint?: (host: string, port: number) => Promise<string>;
}

export class ServerTrust {
  readonly #options: ServerTrustOptions;
  /**
   * The approved fingerprint per host. Chromium's check names the host but not the port, so a host
   * holds one approval only, for the port the window was last approved to reach: approving
   * host:port replaces what another port of that host had, and its certificate is no pass here.
   */
  readonly #approved = new Map<string, string>();

  constructor(options: ServerTrustOptions) {
    this.#options = options;
  }

  /** Decides whether the window may connect to `url`; a refusal carries the warning to show. */
  async approve(url: string): Promise<TrustResult> {
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      return { ok: false, warning: `Not a server address: ${url.slice(0, 200)}` };
    }
    if (parsed.protocol === 'ws:') return { ok: true };
    if (parsed.protocol !== 'wss:') return { ok: false, warning: 'A server address starts with ws:// or wss://' };
    const host = bareHost(parsed.hostname);
    const port = Number(parsed.port || 443);
    let presented: string;
    try {
      presented = await (this.#options.fetchFingerprint ?? readFingerprint)(host, port);
    } catch (error) {
      return { ok: false, warning: error instanceof Error ? error.message : String(error) };
    }
    if (presented !== this.#options.ownFingerprint()) {
      const verdict = await this.#options.pins.check(host, port, presented, this.#options.discovered(host, port));
      if (verdict.kind === 'mismatch') return { ok: false, warning: verdict.warning };
    }
    this.#approved.set(host, presented);
    return { ok: true };
  }

  /**
   * For setCertificateVerifyProc. A host the window was approved to reach passes with exactly the
   * approved certificate and with no other, whatever Chromium thinks of it; any other host keeps
   * Chromium's verdict (the network guard lets the window reach no other host anyway).
   */
  verify(hostname: string, certificatePem: string): VerifyVerdict {
    const approved = this.#approved.get(bareHost(hostname));
    if (approved === undefined) return USE_CHROMIUM_VERDICT;
    let fingerprint: string;
    try {
      fingerprint = fingerprintOf(certificatePem);
    } catch {
      return REJECT;
    }
    return fingerprint === approved ? ACCEPT : REJECT;
  }
}

const bareHost = (hostname: string): string => hostname.replace(/^\[(.*)\]$/, '$1').toLowerCase();
