/**
 * The thread of ThreadedStore (store-thread.ts): the SQLite store, opened in the folder it is given.
 * A batch's calls are made in one turn, so the store keeps them in one transaction; their answers go
 * back together once settled, each turn.
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { Logger } from '../log.js';
import { openSqliteStore, type SqliteHostStore } from './sqlite-store.js';
import { errorOnWire, type Answer, type FromStoreThread, type StoreCall, type ThreadOptions, type ToStoreThread } from './store-thread.js';

if (!parentPort) throw new Error('store-thread-worker.ts runs as a worker thread');
const port = parentPort;
const post = (message: FromStoreThread): void => port.postMessage(message);

const options = workerData as ThreadOptions;
/** The time of the batch being made: the event loop's clock when it sent it. */
let batchNow = Date.now();
const logger: Logger = {
  log: (level, event, fields) => post({ kind: 'log', level, event, fields }),
};

function call(store: SqliteHostStore, { method, args }: StoreCall): Promise<unknown> {
  switch (method) {
    case 'snapshot':
      return Promise.all([store.directory(), store.waitingMessages()]).then(([directory, waiting]) => ({ directory, waiting }));
    case 'keepMessage':
      return store.keepMessage(...args).then((outcome) => (outcome.kind === 'stored' ? null : outcome.reason));
    case 'markDelivered':
      return store.markDelivered(...args).then((receipts) => receipts[0]?.state.deliveredAt ?? batchNow);
    default:
      return (store[method] as (...given: readonly unknown[]) => Promise<unknown>)(...args);
  }
}

/** Answers settled this turn, posted together at its end. */
let answers: Answer[] = [];
function answer(settled: Answer): void {
  if (answers.length === 0) setImmediate(postAnswers);
  answers.push(settled);
}

function postAnswers(): void {
  post({ kind: 'answers', answers });
  answers = [];
}

async function serve(): Promise<void> {
  let store: SqliteHostStore;
  try {
    store = await openSqliteStore({ dir: options.dir, limits: options.limits, logger, now: () => batchNow });
  } catch (error) {
    post({ kind: 'open-failed', error: errorOnWire(error) });
    return;
  }
  post({ kind: 'opened' });
  port.on('message', (message: ToStoreThread) => {
    if (message.kind === 'close') {
      // After the answers of its last calls, which go at the end of this turn.
      void store.close().then(() => setImmediate(() => post({ kind: 'closed' })));
      return;
    }
    batchNow = message.now;
    for (const made of message.calls) {
      call(store, made).then(
        (value) => answer({ seq: made.seq, ok: true, value }),
        (error: unknown) => answer({ seq: made.seq, ok: false, error: errorOnWire(error) }),
      );
    }
  });
}

void serve();
