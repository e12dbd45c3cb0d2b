/**
 * Who owns a name on a host with a directory: the SHA-256 of the owner key its phone sent first.
 * The host keeps only the hash, and compares a key given later with it in constant time.
 */
import { createHash, timingSafeEqual } from 'node:crypto';

/** Hex SHA-256 of an owner key: what the directory stores beside the name. */
export type OwnerHash = string & { readonly brand: 'OwnerHash' };

export const ownerHash = (ownerKey: string): OwnerHash => createHash('sha256').update(ownerKey).digest('hex') as OwnerHash;

/** True when `ownerKey` is the key whose hash is `owner`; false when no key was given. */
export function holdsKey(ownerKey: string | undefined, owner: OwnerHash): boolean {
  if (ownerKey === undefined) return false;
  return timingSafeEqual(Buffer.from(ownerHash(ownerKey), 'hex'), Buffer.from(owner, 'hex'));
}
