/**
 * The host's TLS identity: a self-signed certificate made on first run and kept in a folder, or
 * one the operator gives. Clients pin its SHA-256 fingerprint, so it must stay the same across runs.
 */
import { X509Certificate } from 'node:crypto';
import { mkdir, readFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { generate } from 'selfsigned';
import { writeFileAtomically } from './atomic-file.js';

export interface TlsIdentity {
  cert: string;
  key: string;
  /** SHA-256 of the certificate, upper-case hex pairs joined by colons (as browsers show it). */
  fingerprint: string;
}

const CERT_FILE = 'leanphone-cert.pem';
const KEY_FILE = 'leanphone-key.pem';

export const fingerprintOf = (certPem: string): string => new X509Certificate(certPem).fingerprint256;

export async function readIdentity(certPath: string, keyPath: string): Promise<TlsIdentity> {
  const [cert, key] = await Promise.all([readFile(certPath, 'utf8'), readFile(keyPath, 'utf8')]);
  return { cert, key, fingerprint: fingerprintOf(cert) };
}

/** The identity kept in `dir`, made there first if it is missing. `addresses` go into subjectAltName. */
export async function loadOrCreateIdentity(dir: string, addresses: readonly string[]): Promise<TlsIdentity> {
  try {
    return await readIdentity(join(dir, CERT_FILE), join(dir, KEY_FILE));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  const host = hostname();
  const notAfter = new Date();
  notAfter.setDate(notAfter.getDate() + 825);
  const made = await generate([{ name: 'commonName', value: `LeanPhone on ${host}` }], {
    keyType: 'ec',
    curve: 'P-256',
    algorithm: 'sha256',
    notAfterDate: notAfter,
    extensions: [
      { name: 'basicConstraints', cA: false },
      { name: 'keyUsage', digitalSignature: true, keyEncipherment: true },
      { name: 'extKeyUsage', serverAuth: true },
      {
        name: 'subjectAltName',
        altNames: [
          ...[...new Set([host, `${host}.local`, 'localhost'])].map((value) => ({ type: 2 as const, value })),
          ...[...new Set(['127.0.0.1', ...addresses])].map((ip) => ({ type: 7 as const, ip })),
        ],
      },
    ],
  });
  await mkdir(dir, { recursive: true });
  await writeFileAtomically(join(dir, KEY_FILE), made.private, 0o600);
  await writeFileAtomically(join(dir, CERT_FILE), made.cert, 0o644);
  return { cert: made.cert, key: made.private, fingerprint: fingerprintOf(made.cert) };
}
