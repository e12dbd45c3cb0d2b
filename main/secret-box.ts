/**
 * Seals the secrets of the settings file (the passcode, TURN credentials) with the operating
 * system's key store, through Electron's safeStorage: the Keychain on macOS, DPAPI on Windows,
 * libsecret or KWallet on Linux. A copy of the file then gives nothing away off this account. Where Linux has
 * no key store, Chromium falls back to a key built into every copy of it ('basic_text'), which
 * hides nothing: there is no box then, and the file keeps them in plain text, as before.
 */

/** Seals text for this user on this machine; `open` throws for what it did not seal. */
export interface SecretBox {
  seal(plain: string): string;
  open(sealed: string): string;
}

/** The part of Electron's safeStorage the box uses. */
export interface SafeStorageApi {
  isEncryptionAvailable(): boolean;
  getSelectedStorageBackend(): string;
  encryptString(plain: string): Buffer;
  decryptString(encrypted: Buffer): string;
}

/** The system's box, or null where it has no key store worth the name. Call after app 'ready'. */
export function systemSecretBox(storage: SafeStorageApi, platform: NodeJS.Platform): SecretBox | null {
  if (!storage.isEncryptionAvailable()) return null;
  if (platform === 'linux' && storage.getSelectedStorageBackend() === 'basic_text') return null;
  return {
    seal: (plain) => storage.encryptString(plain).toString('base64'),
    open: (sealed) => storage.decryptString(Buffer.from(sealed, 'base64')),
  };
}
