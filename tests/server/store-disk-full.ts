/**
 * A host whose disk fills up, for the host-store test: run under `ulimit -f` so that one big turn
 * of COUNT messages cannot be written. Prints one JSON line: what became of that turn, of a small
 * message sent after it, and what a reopened store holds.
 * Usage: node --import tsx tests/server/store-disk-full.ts DIR COUNT BINDING
 */
import { userRef } from '../../signal-server/store/host-store.js';
import { BINDINGS, type BindingName } from '../../signal-server/store/sqlite-binding.js';
import { openSqliteStore } from '../../signal-server/store/sqlite-store.js';

const from = userRef('Sender');
const to = userRef('Recipient');
const BIG = 'x'.repeat(60_000);

const outcome = (settled: PromiseSettledResult<{ kind: string }>): string =>
  settled.status === 'fulfilled' ? settled.value.kind : `failed: ${String(settled.reason)}`;

async function fill(dir: string, count: number, binding: BindingName): Promise<void> {
  // Room for exactly the big turn: were its failed messages still counted as waiting, the small one would be refused.
  const limits = { maxMessageBytes: BIG.length, maxUndeliveredPerRecipient: count, maxUndeliveredPerSender: count };
  let store = await openSqliteStore({ dir, limits, binding });
  await store.sawUser(from);
  await store.sawUser(to);
  const big = await Promise.allSettled(Array.from({ length: count }, () => store.storeMessage(from.key, to.key, BIG)));
  const small = await Promise.allSettled([store.storeMessage(from.key, to.key, 'a small one')]);
  await store.close();
  store = await openSqliteStore({ dir, limits, binding });
  const kept = (await store.pendingFor(to.key)).map((message) => message.text.length);
  await store.close();
  process.stdout.write(`${JSON.stringify({ big: [...new Set(big.map(outcome))], small: small.map(outcome), kept })}\n`);
}

const [dir, count, binding] = process.argv.slice(2);
const known = BINDINGS.find((name) => name === binding);
if (dir === undefined || !Number.isSafeInteger(Number(count)) || known === undefined) {
  throw new Error(`usage: store-disk-full.ts DIR COUNT ${BINDINGS.join('|')}`);
}
await fill(dir, Number(count), known);
