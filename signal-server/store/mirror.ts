/**
 * Values the SQLite store would otherwise read from the database on every message (a user's name,
 * how many messages wait for or from them, how many they keep), held in memory. A value is read
 * from the database the first time it is asked for, then kept in step by the store's own changes.
 * The store clears every mirror whenever a change is undone (a job or a transaction rolled back),
 * so a mirror never holds what the database does not; cleared values are read again when asked.
 */
export class Mirror<K, V> {
  readonly #values = new Map<K, V>();
  readonly #read: (key: K) => V | undefined;

  /** `read` answers the database's value, or undefined when there is none (which is not held). */
  constructor(read: (key: K) => V | undefined) {
    this.#read = read;
  }

  get(key: K): V | undefined {
    const held = this.#values.get(key);
    if (held !== undefined) return held;
    const read = this.#read(key);
    if (read !== undefined) this.#values.set(key, read);
    return read;
  }

  set(key: K, value: V): void {
    this.#values.set(key, value);
  }

  /** The value held for `key`, without reading the database when none is. */
  held(key: K): V | undefined {
    return this.#values.get(key);
  }

  clear(): void {
    this.#values.clear();
  }
}

/** A count per key, mirrored as above; every key has one (zero when nothing is counted). */
export class CountMirror<K> {
  readonly #mirror: Mirror<K, number>;

  constructor(read: (key: K) => number) {
    this.#mirror = new Mirror(read);
  }

  get(key: K): number {
    return this.#mirror.get(key) ?? 0;
  }

  set(key: K, value: number): void {
    this.#mirror.set(key, value);
  }

  /** Adds to a held count; one not held is read, with the change, from the database. */
  add(key: K, delta: number): void {
    const held = this.#mirror.held(key);
    if (held !== undefined) this.#mirror.set(key, held + delta);
  }

  clear(): void {
    this.#mirror.clear();
  }
}

/**
 * A count for every key, all read from the database in one query the first time any is asked for
 * (and again after a clear): for counts no index answers key by key. A key the read did not name
 * counts zero. Until read, changes are left to the read, which sees them in the database.
 */
export class CountTable<K> {
  #counts: Map<K, number> | null = null;
  readonly #readAll: () => Iterable<readonly [K, number]>;

  constructor(readAll: () => Iterable<readonly [K, number]>) {
    this.#readAll = readAll;
  }

  get(key: K): number {
    this.#counts ??= new Map(this.#readAll());
    return this.#counts.get(key) ?? 0;
  }

  add(key: K, delta: number): void {
    if (this.#counts === null) return;
    const counted = (this.#counts.get(key) ?? 0) + delta;
    if (counted === 0) this.#counts.delete(key);
    else this.#counts.set(key, counted);
  }

  clear(): void {
    this.#counts = null;
  }
}
