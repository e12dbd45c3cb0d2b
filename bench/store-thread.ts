/**
 * The host's real SQLite store (sqlite-store.ts) on a worker thread of its own, for the stored floor
 * relay of bench:messages (bare-mail-relay.ts): what a host would cost if only the frames and the
 * store were on its event loop's path, and the store's work off it. Calls made in one turn (or in
 * one batch period) go to the thread together, in one message; the thread answers a batch once its
 * messages are on disk.
 */
import { Worker } from 'node:worker_threads';

export type StoreCall =
  | { readonly kind: 'user'; readonly name: string }
  /** `id`: the relay's own id of the message, which the recipient's receipt will name. */
  | { readonly kind: 'message'; readonly id: string; readonly from: string; readonly to: string; readonly text: string }
  | { readonly kind: 'delivered'; readonly recipient: string; readonly ids: readonly string[] };

export type ToStoreThread = { readonly kind: 'batch'; readonly number: number; readonly calls: readonly StoreCall[] } | { readonly kind: 'close' };

export type FromStoreThread =
  /** Every message of batch `number` is kept on disk. */
  | { readonly kind: 'kept'; readonly number: number }
  | { readonly kind: 'failed'; readonly error: string }
  | { readonly kind: 'closed' };

const WORKER = new URL('./store-thread-worker.ts', import.meta.url).href;
/** The worker is TypeScript: tsx loads it, as it loads the rest of the bench. */
const LOAD_WORKER = `import('tsx/esm/api').then(({ tsImport }) => tsImport(${JSON.stringify(WORKER)}, ${JSON.stringify(WORKER)}))`;

export class StoreThread {
  readonly #worker: Worker;
  readonly #batchMs: number;
  #calls: StoreCall[] = [];
  #whenKept: (() => void)[] = [];
  readonly #batches = new Map<number, (() => void)[]>();
  #number = 0;
  #closed: (() => void) | null = null;

  /**
   * Opens the store in `dir` on a new thread. Calls go to it every `batchMs`, or each turn with 0.
   * A failure of the store there is thrown here, uncaught: the bench stops.
   */
  constructor(dir: string, batchMs = 0) {
    if (!Number.isFinite(batchMs) || batchMs < 0) throw new RangeError(`batchMs must be 0 or more, not ${batchMs}`);
    this.#batchMs = batchMs;
    this.#worker = new Worker(LOAD_WORKER, { eval: true, workerData: { dir } });
    this.#worker.on('error', (error) => {
      throw error;
    });
    this.#worker.on('message', (answer: FromStoreThread) => {
      switch (answer.kind) {
        case 'kept':
          for (const kept of this.#batches.get(answer.number) ?? []) kept();
          this.#batches.delete(answer.number);
          return;
        case 'failed':
          throw new Error(`the store thread failed: ${answer.error}`);
        case 'closed':
          this.#closed?.();
          return;
      }
    });
  }

  user(name: string): void {
    this.#call({ kind: 'user', name });
  }

  /** Keeps a message; `whenKept` runs once it is on disk. */
  message(call: Omit<Extract<StoreCall, { kind: 'message' }>, 'kind'>, whenKept: () => void): void {
    this.#call({ kind: 'message', ...call });
    this.#whenKept.push(whenKept);
  }

  delivered(recipient: string, ids: readonly string[]): void {
    this.#call({ kind: 'delivered', recipient, ids });
  }

  /** Sends what is waiting, lets the store finish and close, and ends the thread. */
  async close(): Promise<void> {
    this.#send();
    const closed = new Promise<void>((resolve) => (this.#closed = resolve));
    this.#post({ kind: 'close' });
    await closed;
    await this.#worker.terminate();
  }

  #call(call: StoreCall): void {
    if (this.#calls.length === 0) {
      if (this.#batchMs > 0) setTimeout(() => this.#send(), this.#batchMs);
      else setImmediate(() => this.#send());
    }
    this.#calls.push(call);
  }

  #send(): void {
    if (this.#calls.length === 0) return;
    this.#number += 1;
    this.#batches.set(this.#number, this.#whenKept);
    this.#post({ kind: 'batch', number: this.#number, calls: this.#calls });
    this.#calls = [];
    this.#whenKept = [];
  }

  #post(message: ToStoreThread): void {
    this.#worker.postMessage(message);
  }
}
