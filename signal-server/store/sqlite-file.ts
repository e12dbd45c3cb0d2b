/**
 * Opens the host's SQLite file (sqlite-binding.ts): claims its folder for this process, sets the
 * journal up for durability, and brings the schema to the current version. Only the store's
 * modules import this; no SQL lives outside signal-server/store/.
 */
import { chmodSync, closeSync, fsync, fsyncSync, mkdirSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { StoreError } from './host-store.js';
import { openConnection, preferredBinding, type BindingName, type Connection, type Params, type Row } from './sqlite-binding.js';

export const DATABASE_FILE = 'host.db';

/**
 * Schema changes, in order: entry i takes the database from version i to i + 1 (PRAGMA
 * user_version), inside one transaction with its row in `migrations`. Append; never edit one
 * that has shipped.
 */
export const MIGRATIONS: readonly string[] = [
  `CREATE TABLE migrations (version INTEGER PRIMARY KEY, applied_at INTEGER NOT NULL) STRICT;
   CREATE TABLE users (
     key TEXT PRIMARY KEY,
     name TEXT NOT NULL,
     first_seen INTEGER NOT NULL,
     last_seen INTEGER NOT NULL,
     -- delivered messages to this user: trimmed to maxKeptMessagesPerRecipient
     kept INTEGER NOT NULL DEFAULT 0
   ) STRICT, WITHOUT ROWID;
   CREATE TABLE messages (
     seq INTEGER PRIMARY KEY,
     id TEXT NOT NULL UNIQUE,
     from_key TEXT NOT NULL REFERENCES users (key) ON DELETE CASCADE,
     to_key TEXT NOT NULL REFERENCES users (key) ON DELETE CASCADE,
     text TEXT NOT NULL,
     sent_at INTEGER NOT NULL,
     delivered_at INTEGER,
     read_at INTEGER,
     CHECK (read_at IS NULL OR delivered_at IS NOT NULL)
   ) STRICT;
   CREATE INDEX messages_to ON messages (to_key, seq);
   CREATE INDEX messages_from ON messages (from_key, to_key, seq);
   CREATE INDEX messages_waiting ON messages (to_key, seq) WHERE delivered_at IS NULL;
   CREATE INDEX messages_waiting_from ON messages (from_key) WHERE delivered_at IS NULL;
   CREATE INDEX messages_unread ON messages (to_key, from_key) WHERE read_at IS NULL;
   CREATE TABLE voicemails (
     seq INTEGER PRIMARY KEY,
     id TEXT NOT NULL UNIQUE,
     from_key TEXT NOT NULL REFERENCES users (key) ON DELETE CASCADE,
     to_key TEXT NOT NULL REFERENCES users (key) ON DELETE CASCADE,
     format TEXT NOT NULL CHECK (format IN ('webm', 'ogg')),
     duration_ms INTEGER NOT NULL,
     bytes INTEGER NOT NULL,
     created_at INTEGER NOT NULL,
     heard_at INTEGER
   ) STRICT;
   CREATE INDEX voicemails_to ON voicemails (to_key, seq);
   CREATE INDEX voicemails_from ON voicemails (from_key) WHERE heard_at IS NULL;`,
  // The hex SHA-256 of the owner key a name was first registered with (owner-key.ts).
  `ALTER TABLE users ADD COLUMN owner_hash TEXT;`,
  // Kept messages are counted in memory (sqlite-store.ts), no longer in a column written on every delivery.
  `ALTER TABLE users DROP COLUMN kept;`,
  // Every message went into both and every delivery came out of the first, a quarter of the store's
  // work a message (BENCHMARKS.md, "Two indexes fewer"). A sender's waiting messages are counted
  // once, from messages_waiting, and a recipient's unread ones from messages_to (sqlite-store.ts).
  `DROP INDEX messages_waiting_from;
   DROP INDEX messages_unread;`,
  // One index a recipient, where a message went into two at random places: its history in order
  // (the trim, the counts), and with whom and whether read, so that a registration's unread counts
  // and a conversation's page read the index alone, never the rows (BENCHMARKS.md, "One index a
  // recipient"). A sender's messages are found by a scan of the table, as only --forget needs them.
  `DROP INDEX messages_from;
   DROP INDEX messages_to;
   CREATE INDEX messages_inbox ON messages (to_key, seq, from_key, read_at);`,
];

/**
 * Opens (creating if need be) the database in `dir`, which this process then owns until
 * `closeDatabase`. Refuses with StoreError 'in-use' while another live process owns it.
 *
 * node-sqlite3-wasm's VFS has no shared memory, so WAL needs locking_mode=EXCLUSIVE (the wal-index
 * then lives in this process's heap); better-sqlite3 runs the same way, so that either binding
 * opens what the other left. The one connection is the only one anyway. node-sqlite3-wasm's lock
 * is a `host.db.lock` folder that a killed process leaves behind, so ownership is decided by our
 * own pid file first, and a lock found without a live owner is removed.
 */
export function openDatabase(
  dir: string,
  now: () => number,
  migrations: readonly string[] = MIGRATIONS,
  binding: BindingName = preferredBinding().name,
): Connection {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  chmodSync(dir, 0o700);
  const path = join(dir, DATABASE_FILE);
  claimFolder(path);
  let db: Connection | null = null;
  try {
    db = openConnection(path, binding);
    db.exec('PRAGMA locking_mode = EXCLUSIVE');
    const mode = text(first(db, 'PRAGMA journal_mode = WAL'), 'journal_mode');
    if (mode !== 'wal') throw new Error(`SQLite would not use WAL (journal_mode is ${mode})`);
    // SQLite never waits for the disk itself: a sync here would hold the event loop, and every
    // call and message with it. The store syncs off the loop instead (DiskSync): the WAL after each
    // commit, before it answers, and the database file after each checkpoint, which it runs itself
    // (checkpoint below) and before which no transaction may start.
    db.exec('PRAGMA synchronous = OFF');
    db.exec('PRAGMA wal_autocheckpoint = 0');
    db.exec('PRAGMA foreign_keys = ON');
    // 16 MiB of pages held in memory (the default is 2 MiB), so hot indexes are not read back from disk.
    db.exec('PRAGMA cache_size = -16384');
    migrate(db, migrations, now);
    // New files (the database, its WAL) survive a power cut only once their folder entry is on disk.
    syncFolder(dir);
    return db;
  } catch (error) {
    db?.close();
    releaseFolder(path);
    if (error instanceof Error && /database is locked/.test(error.message)) {
      throw new StoreError('in-use', `${dir} is in use by another process`);
    }
    throw error;
  }
}

/**
 * One file's fsync, on libuv's thread pool: what was written to it is on disk once `sync` resolves.
 * The store keeps one for the WAL and one for the database file.
 */
export class DiskSync {
  readonly #fd: number;

  private constructor(fd: number) {
    this.#fd = fd;
  }

  /** Opens `name` in `dir` (creating it empty if SQLite has not yet) and makes its name durable. */
  static open(dir: string, name: string): DiskSync {
    // Append mode: it never writes, but Windows flushes only a handle that may.
    const fd = openSync(join(dir, name), 'a', 0o600);
    syncFolder(dir);
    return new DiskSync(fd);
  }

  sync(): Promise<void> {
    return new Promise((resolve, reject) => fsync(this.#fd, (error) => (error ? reject(error) : resolve())));
  }

  close(): void {
    closeSync(this.#fd);
  }
}

/**
 * Copies the WAL's frames into the database file, without syncing it: the caller syncs the WAL
 * before (the frames must be on disk before the pages they replace are overwritten) and the
 * database file after, before the next transaction, whose first write starts the WAL over.
 */
export function checkpoint(db: Connection): void {
  db.exec('PRAGMA wal_checkpoint(PASSIVE)');
}

export interface DatabaseReport {
  schemaVersion: number;
  migrations: { version: number; appliedAt: number }[];
  /** PRAGMA integrity_check's answer: 'ok', or what is wrong. */
  integrity: string;
}

/** Opens the database in `dir` as the host would (recovering it after a crash), reports on it, and closes it. */
export function inspectDatabase(dir: string, migrations: readonly string[] = MIGRATIONS, binding?: BindingName): DatabaseReport {
  const db = openDatabase(dir, Date.now, migrations, binding);
  try {
    return {
      schemaVersion: integer(first(db, 'PRAGMA user_version'), 'user_version'),
      migrations: query(db, 'SELECT version, applied_at FROM migrations ORDER BY version').map((applied) => ({
        version: integer(applied, 'version'),
        appliedAt: integer(applied, 'applied_at'),
      })),
      integrity: query(db, 'PRAGMA integrity_check').map((line) => text(line, 'integrity_check')).join('\n'),
    };
  } finally {
    closeDatabase(db, dir);
  }
}

/** Closes `db` with everything in its database file, on disk: closing removes the WAL. */
export function closeDatabase(db: Connection, dir: string): void {
  try {
    syncFile(join(dir, `${DATABASE_FILE}-wal`));
    checkpoint(db);
    syncFile(join(dir, DATABASE_FILE));
  } finally {
    db.close();
    releaseFolder(join(dir, DATABASE_FILE));
  }
}

/** Syncs the file at `path`, if there is one. */
function syncFile(path: string): void {
  let fd: number;
  try {
    fd = openSync(path, 'r+');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw error;
  }
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

export function syncFolder(dir: string): void {
  const fd = openSync(dir, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

function migrate(db: Connection, migrations: readonly string[], now: () => number): void {
  const version = integer(first(db, 'PRAGMA user_version'), 'user_version');
  if (version > migrations.length) {
    throw new StoreError('newer-schema', `the store is at schema version ${version}; this LeanPhone knows up to ${migrations.length}`);
  }
  for (let next = version + 1; next <= migrations.length; next += 1) {
    db.exec('BEGIN');
    try {
      db.exec(migrations[next - 1] ?? '');
      query(db, 'INSERT INTO migrations (version, applied_at) VALUES (?, ?)', [next, now()]);
      db.exec(`PRAGMA user_version = ${next}`);
      db.exec('COMMIT');
    } catch (error) {
      if (db.inTransaction) db.exec('ROLLBACK');
      throw error;
    }
  }
}

/** Takes `host.db.owner` for this process, or refuses while the process named in it is alive. */
function claimFolder(path: string): void {
  const owner = `${path}.owner`;
  for (let attempt = 0; attempt < 2; attempt += 1) {
    try {
      writeFileSync(owner, String(process.pid), { flag: 'wx', mode: 0o600 });
      // Whoever held the database lock before us had no owner file left, so it is gone.
      rmSync(`${path}.lock`, { recursive: true, force: true });
      return;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const pid = Number(readFileSync(owner, 'utf8'));
      // An empty file is an owner still writing its pid, or one killed between the two: not ours to take.
      if (!Number.isSafeInteger(pid) || pid <= 0 || isAlive(pid)) {
        throw new StoreError('in-use', `${path} is in use by process ${pid || '(unknown)'}; if no LeanPhone host is running, delete ${owner}`);
      }
      rmSync(owner, { force: true });
    }
  }
  throw new StoreError('in-use', `${path} is being opened by another process`);
}

function releaseFolder(path: string): void {
  rmSync(`${path}.owner`, { force: true });
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Every row `sql` returns, by a statement used once. */
export function query(db: Connection, sql: string, params?: Params): Row[] {
  const statement = db.prepare(sql);
  try {
    return statement.all(params);
  } finally {
    statement.finalize();
  }
}

export const first = (db: Connection, sql: string, params?: Params): Row | null => query(db, sql, params)[0] ?? null;

export function integer(result: Row | null, column: string): number {
  const value = result?.[column];
  if (typeof value !== 'number' || !Number.isSafeInteger(value)) throw new Error(`column ${column} is not an integer`);
  return value;
}

export function text(result: Row | null, column: string): string {
  const value = result?.[column];
  if (typeof value !== 'string') throw new Error(`column ${column} is not text`);
  return value;
}

export function integerOrNull(result: Row | null, column: string): number | null {
  return result?.[column] === null ? null : integer(result, column);
}
