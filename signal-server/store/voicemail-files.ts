/**
 * The voicemail recordings: one file each in the store's `voicemail/` folder, named by voicemail
 * id and format. The database says which exist; a file is written before its row and removed after
 * it, so after a crash `reconcile` only ever finds extra files to remove.
 */
import { mkdir, readdir, readFile, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomically } from '../../node-lib/atomic-file.js';
import type { VoicemailFormat, VoicemailId } from './host-store.js';
import { syncFolder } from './sqlite-file.js';

export interface Recording {
  readonly id: VoicemailId;
  readonly format: VoicemailFormat;
}

const fileName = (recording: Recording): string => `${recording.id}.${recording.format}`;

export class VoicemailFiles {
  readonly #dir: string;

  private constructor(dir: string) {
    this.#dir = dir;
  }

  static async open(dir: string): Promise<VoicemailFiles> {
    await mkdir(dir, { recursive: true, mode: 0o700 });
    return new VoicemailFiles(dir);
  }

  async write(recording: Recording, audio: Uint8Array): Promise<void> {
    await writeFileAtomically(join(this.#dir, fileName(recording)), audio, 0o600);
    syncFolder(this.#dir);
  }

  /** The recording's bytes, or null if its file is gone. */
  async read(recording: Recording): Promise<Uint8Array | null> {
    try {
      const bytes = await readFile(join(this.#dir, fileName(recording)));
      return new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw error;
    }
  }

  async remove(recording: Recording): Promise<void> {
    await unlink(join(this.#dir, fileName(recording))).catch((error: NodeJS.ErrnoException) => {
      if (error.code !== 'ENOENT') throw error;
    });
  }

  /** Removes every file that is not one of `kept` (left by a crash); answers the recordings whose file is missing. */
  async reconcile(kept: readonly Recording[]): Promise<{ removedFiles: number; missing: Recording[] }> {
    const present = new Set(await readdir(this.#dir));
    const expected = new Set(kept.map(fileName));
    const extra = [...present].filter((name) => !expected.has(name));
    await Promise.all(extra.map((name) => unlink(join(this.#dir, name))));
    return { removedFiles: extra.length, missing: kept.filter((recording) => !present.has(fileName(recording))) };
  }
}
