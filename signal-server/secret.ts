/** New secrets (resume tokens), comparing a given secret with the right one in constant time, and hashing one to store it. */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

export const newToken = (): string => randomBytes(24).toString('base64url');

/** Compares digests, so neither the time taken nor an early length check tells how close `given` came. */
export function sameSecret(given: string, secret: string): boolean {
  return timingSafeEqual(digest(given), digest(secret));
}

const digest = (text: string): Buffer => createHash('sha256').update(text).digest();

/** The SHA-256 of `secret`, hex: what a shared store keeps instead of the secret. */
export const secretHash = (secret: string): string => digest(secret).toString('hex');
