/**
 * The phone's owner key per (server, name): 32 random bytes made the first time the name is used
 * on that server, kept in a Storage (localStorage, in the browser and the desktop app alike) and
 * sent with every REGISTER, so the host keeps the name this phone's (PROTOCOL.md, REGISTER).
 */
import { OWNER_KEY_PATTERN } from '../../../common/protocol.js';
import { signalUrl } from '../net/signal-client.js';

export const OWNER_KEYS_KEY = 'leanphone.ownerKeys';

export interface KeyStorage {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
}

/** This phone's key for `name` on `server`, made and stored now if it has none. */
export function ownerKeyFor(storage: KeyStorage, server: string, name: string): string {
  const keys = readKeys(storage);
  const slot = `${signalUrl(server) ?? server.trim()} ${name.normalize('NFC').toLowerCase()}`;
  const known = keys[slot];
  if (known !== undefined) return known;
  const made = newOwnerKey();
  storage.setItem(OWNER_KEYS_KEY, JSON.stringify({ ...keys, [slot]: made }));
  return made;
}

function newOwnerKey(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(32));
  return btoa(String.fromCharCode(...bytes)).replaceAll('+', '-').replaceAll('/', '_').replace(/=+$/, '');
}

/** The stored keys that are well formed; anything else in the stored value is dropped. */
function readKeys(storage: KeyStorage): Record<string, string> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(storage.getItem(OWNER_KEYS_KEY) ?? '{}');
  } catch {
    return {};
  }
  if (typeof parsed !== 'object' || parsed === null) return {};
  return Object.fromEntries(Object.entries(parsed).filter((entry): entry is [string, string] => typeof entry[1] === 'string' && OWNER_KEY_PATTERN.test(entry[1])));
}
