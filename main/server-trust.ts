/**
 * Which TLS certificates the window may accept. Before it connects to a wss:// server, main reads
 * the certificate that server presents and checks it against the pins (or this machine's own hosted
 * server); Chromium's certificate check then accepts exactly the fingerprints approved here.
 */
import { fingerprintOf } from '../signal-server/certificate.js';
import { fetchFingerprint as readFingerprint, type CertificatePins } from './certificate-pins.js';

export type TrustResult = { ok: true } | { ok: false; warning: string };

/** Chromium's answers for setCertificateVerifyProc: accept, refuse, or keep its own verdict. */
export const ACCEPT = 0;
export const USE_CHROMIUM_VERDICT = -3;
export type VerifyVerdict = typeof ACCEPT | typeof USE_CHROMIUM_VERDICT;

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
  /** Approved fingerprints per host name, as Chromium names the host in its check. */
  readonly #approved = new Map<string, Set<string>>();

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
    const host = parsed.hostname.replace(/^\[(.*)\]$/, '$1');
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
    const approved = this.#approved.get(host) ?? new Set();
    approved.add(presented);
    this.#approved.set(host, approved);
    return { ok: true };
  }

  /** For setCertificateVerifyProc: accept an approved certificate, otherwise leave Chromium's verdict. */
  verify(hostname: string, certificatePem: string, verificationResult: string): VerifyVerdict {
    if (verificationResult === 'net::OK') return USE_CHROMIUM_VERDICT;
    let fingerprint: string;
    try {
      fingerprint = fingerprintOf(certificatePem);
    } catch {
      return USE_CHROMIUM_VERDICT;
    }
    const host = hostname.replace(/^\[(.*)\]$/, '$1');
    return this.#approved.get(host)?.has(fingerprint) ? ACCEPT : USE_CHROMIUM_VERDICT;
  }
}
