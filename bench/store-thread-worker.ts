/**
 * The thread of StoreThread (store-thread.ts): the host's SQLite store, opened in the folder it is
 * given. A batch's calls are made in one turn, so the store keeps them in one transaction.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { userKey, userRef, type MessageId } from '../signal-server/store/host-store.js';
import { openSqliteStore } from '../signal-server/store/sqlite-store.js';
import type { FromStoreThread, StoreCall, ToStoreThread } from './store-thread.js';

const port = parentPort;
if (!port) throw new Error('store-thread-worker.ts runs as a worker thread');
const answer = (message: FromStoreThread): void => port.postMessage(message);
const failed = (error: unknown): void => answer({ kind: 'failed', error: String(error) });

const opening = openSqliteStore({ dir: (workerData as { dir: string }).dir });
/** The store's id of each message by the relay's, from its commit until its receipt. */
const storeIds = new Map<string, MessageId>();

function callStore(store: Awaited<typeof opening>, call: StoreCall): Promise<unknown> | null {
  switch (call.kind) {
    case 'user':
      store.sawUser(userRef(call.name)).catch(failed);
      return null;
    case 'message':
      return store
        .storeMessage(userKey(call.from), userKey(call.to), call.text, (kept) => storeIds.set(call.id, kept.id))
        .then((outcome) => {
          if (outcome.kind === 'refused') throw new Error(`message refused: ${outcome.reason}`);
        });
    case 'delivered': {
      const ids = call.ids.flatMap((id) => {
        const storeId = storeIds.get(id);
        storeIds.delete(id);
        return storeId === undefined ? [] : [storeId];
      });
      store.markDelivered(userKey(call.recipient), ids).catch(failed);
      return null;
    }
  }
}

port.on('message', (message: ToStoreThread) => {
  // Handlers of one promise run in the order they were added, so batches reach the store in order.
  void opening.then(async (store) => {
    if (message.kind === 'close') {
      await store.close();
      answer({ kind: 'closed' });
      return;
    }
    const kept = message.calls.map((call) => callStore(store, call));
    await Promise.all(kept);
    answer({ kind: 'kept', number: message.number });
  }).catch(failed);
});
