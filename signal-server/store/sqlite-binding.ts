/**
 * The SQLite binding behind the few calls the store makes, so that its SQL runs the same on either:
 * better-sqlite3 (native SQLite, about twice as fast) wherever its build loads, node-sqlite3-wasm
 * (SQLite in WebAssembly, nothing to build) elsewhere: under an Electron it was not rebuilt for.
 * Both read and write the same file format.
 */
import { createRequire } from 'node:module';
import type BetterSqlite3 from 'better-sqlite3';
import wasm, { type BindValues, type Database as WasmDatabase } from 'node-sqlite3-wasm';

export type SqlValue = number | bigint | string | Uint8Array | null;
export type Row = Readonly<Record<string, SqlValue>>;
/** Values for `?` in order, or for named parameters, keyed as the SQL names them (`:k`). */
export type Params = readonly SqlValue[] | Readonly<Record<`:${string}`, SqlValue>>;

export interface Statement {
  /** Runs it to its end, dropping any rows it returns. */
  run(params?: Params): void;
  all(params?: Params): Row[];
  finalize(): void;
}

export interface Connection {
  readonly binding: BindingName;
  readonly inTransaction: boolean;
  /** Runs one or more statements that take no parameters. */
  exec(sql: string): void;
  prepare(sql: string): Statement;
  close(): void;
}

export const BINDINGS = ['better-sqlite3', 'node-sqlite3-wasm'] as const;
export type BindingName = (typeof BINDINGS)[number];

/** The binding a store opens with, and why it is not the native one when it is not. */
export type BindingChoice = { readonly name: 'better-sqlite3' } | { readonly name: 'node-sqlite3-wasm'; readonly nativeUnavailable: string };

type NativeConstructor = typeof BetterSqlite3;

/**
 * better-sqlite3 when `load` gives a build that opens a database, else node-sqlite3-wasm. Its
 * JavaScript loads anywhere; its compiled part only under the Node (or Electron) it was built for,
 * and only on first use, so a database is opened in memory to find out.
 */
export function chooseBinding(load: () => unknown = loadNative): BindingChoice {
  try {
    const Native = load() as NativeConstructor;
    new Native(':memory:').close();
    return { name: 'better-sqlite3' };
  } catch (error) {
    return { name: 'node-sqlite3-wasm', nativeUnavailable: firstLine(error) };
  }
}

let preferred: BindingChoice | undefined;

/** chooseBinding's answer for this process, found once. */
export function preferredBinding(): BindingChoice {
  preferred ??= chooseBinding();
  return preferred;
}

export function openConnection(path: string, binding: BindingName): Connection {
  return binding === 'better-sqlite3' ? new NativeConnection(path) : new WasmConnection(path);
}

function loadNative(): unknown {
  return createRequire(import.meta.url)('better-sqlite3');
}

const firstLine = (error: unknown): string => String(error instanceof Error ? error.message : error).split('\n')[0] ?? '';

class NativeConnection implements Connection {
  readonly binding = 'better-sqlite3';
  readonly #db: BetterSqlite3.Database;

  constructor(path: string) {
    const Native = loadNative() as NativeConstructor;
    this.#db = new Native(path);
  }

  get inTransaction(): boolean {
    return this.#db.inTransaction;
  }

  exec(sql: string): void {
    this.#db.exec(sql);
  }

  prepare(sql: string): Statement {
    const statement = this.#db.prepare<unknown[], Row>(sql);
    return {
      // better-sqlite3 refuses run() for a statement that returns rows, and all() for one that does not.
      run: (params) => void (statement.reader ? statement.all(...nativeParams(params)) : statement.run(...nativeParams(params))),
      all: (params) => (statement.reader ? statement.all(...nativeParams(params)) : (statement.run(...nativeParams(params)), [])),
      // Its statements are freed with the connection.
      finalize: () => undefined,
    };
  }

  close(): void {
    this.#db.close();
  }
}

/** better-sqlite3 names a named parameter's value without the SQL's `:`. */
function nativeParams(params: Params | undefined): unknown[] {
  if (params === undefined) return [];
  if (Array.isArray(params)) return [params];
  const named: Record<string, SqlValue> = {};
  for (const [name, value] of Object.entries(params)) named[name.slice(1)] = value as SqlValue;
  return [named];
}

class WasmConnection implements Connection {
  readonly binding = 'node-sqlite3-wasm';
  readonly #db: WasmDatabase;

  constructor(path: string) {
    this.#db = new wasm.Database(path);
  }

  get inTransaction(): boolean {
    return this.#db.inTransaction;
  }

  exec(sql: string): void {
    this.#db.exec(sql);
  }

  prepare(sql: string): Statement {
    const statement = this.#db.prepare(sql);
    return {
      run: (params) => void statement.run(params as BindValues),
      // Rows are flat unless `expand` is asked for, which is never.
      all: (params) => statement.all(params as BindValues) as Row[],
      finalize: () => statement.finalize(),
    };
  }

  close(): void {
    this.#db.close();
  }
}
