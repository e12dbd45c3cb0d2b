/**
 * A host in a message storm, for the durability test: stores messages from one sender to ten
 * recipients with many calls waiting at once, and prints each message's id only after its
 * storeMessage call resolved (the moment a sender would be told "sent"). Runs until killed.
 * Usage: node --import tsx tests/server/store-storm.ts DIR BINDING
 */
import { userRef } from '../../signal-server/store/host-store.js';
import { BINDINGS, type BindingName } from '../../signal-server/store/sqlite-binding.js';
import { openSqliteStore } from '../../signal-server/store/sqlite-store.js';

export const STORM_SENDER = userRef('Storm');
export const STORM_RECIPIENTS = Array.from({ length: 10 }, (_, index) => userRef(`Listener ${index}`));
const IN_FLIGHT = 64;

async function storm(dir: string, binding: BindingName): Promise<void> {
  const store = await openSqliteStore({
    dir,
    binding,
    limits: { maxUndeliveredPerRecipient: 1_000_000, maxUndeliveredPerSender: 1_000_000 },
  });
  for (const user of [STORM_SENDER, ...STORM_RECIPIENTS]) await store.sawUser(user);
  process.stdout.write('ready\n');
  let sent = 0;
  const sender = async (): Promise<never> => {
    for (;;) {
      sent += 1;
      const to = STORM_RECIPIENTS[sent % STORM_RECIPIENTS.length] ?? STORM_SENDER;
      const outcome = await store.storeMessage(STORM_SENDER.key, to.key, `storm message ${sent}`);
      if (outcome.kind !== 'stored') throw new Error(`refused: ${outcome.reason}`);
      process.stdout.write(`${outcome.value.id}\n`);
    }
  };
  await Promise.all(Array.from({ length: IN_FLIGHT }, sender));
}

if (process.argv[1]?.endsWith('store-storm.ts')) {
  const [dir, binding] = process.argv.slice(2);
  const known = BINDINGS.find((name) => name === binding);
  if (dir === undefined || known === undefined) throw new Error(`usage: store-storm.ts DIR ${BINDINGS.join('|')}`);
  await storm(dir, known);
}
