import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, statSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, rm, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import {
  StoreError,
  userRef,
  type HostStore,
  type MessageId,
  type StoredMessage,
  type StoreLimits,
  type UserRef,
  type VoicemailFormat,
  type VoicemailId,
} from '../../signal-server/store/host-store.js';
import { ownerHash } from '../../signal-server/owner-key.js';
import { closeDatabase, inspectDatabase, MIGRATIONS, openDatabase } from '../../signal-server/store/sqlite-file.js';
import { openSqliteStore } from '../../signal-server/store/sqlite-store.js';
import { STORM_RECIPIENTS } from './store-storm.js';

const alice = userRef('Alice');
const bob = userRef('Bob');
const carol = userRef('Carol');
const mallory = userRef('Mallory');

let clock = 1_000_000;
const dirs: string[] = [];
const open: HostStore[] = [];

async function freshDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'leanphone-store-'));
  dirs.push(dir);
  return join(dir, 'store');
}

async function openStore(dir: string, limits: Partial<StoreLimits> = {}, migrations?: readonly string[]): Promise<HostStore> {
  const store = await openSqliteStore({ dir, limits, now: () => clock, ...(migrations ? { migrations } : {}) });
  open.push(store);
  return store;
}

/** A store in a new folder with these users in its directory. */
async function storeWith(users: readonly UserRef[], limits: Partial<StoreLimits> = {}): Promise<HostStore> {
  const store = await openStore(await freshDir(), limits);
  for (const user of users) await store.sawUser(user);
  return store;
}

async function send(store: HostStore, from: UserRef, to: UserRef, text: string): Promise<StoredMessage> {
  clock += 1;
  const outcome = await store.storeMessage(from.key, to.key, text);
  if (outcome.kind !== 'stored') throw new Error(`refused: ${outcome.reason}`);
  return outcome.value;
}

const texts = (messages: readonly StoredMessage[]): string[] => messages.map((message) => message.text);

afterEach(async () => {
  await Promise.all(open.splice(0).map((store) => store.close()));
  await Promise.all(dirs.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
});

describe('directory', () => {
  it('keeps everyone who registered with first and last seen, under the name as last written', async () => {
    const store = await storeWith([]);
    clock = 5_000;
    expect(await store.sawUser(bob)).toEqual({ kind: 'stored', value: { user: bob, firstSeen: 5_000, lastSeen: 5_000, owner: null } });
    await store.sawUser(alice);
    clock = 9_000;
    const bobInCapitals = userRef('BOB');
    expect(bobInCapitals.key).toBe(bob.key);
    await store.sawUser(bobInCapitals);
    expect(await store.directory()).toEqual([
      { user: alice, firstSeen: 5_000, lastSeen: 5_000, owner: null },
      { user: { key: bob.key, name: 'BOB' }, firstSeen: 5_000, lastSeen: 9_000, owner: null },
    ]);
  });

  it('keeps the first owner hash a name is seen with, and never replaces it', async () => {
    const store = await storeWith([bob]);
    const first = ownerHash('first-key-0123456789abcdefghijklmnopqrstuv');
    expect(await store.sawUser(alice, first)).toMatchObject({ kind: 'stored', value: { owner: first } });
    expect(await store.sawUser(bob, first)).toMatchObject({ kind: 'stored', value: { owner: first } });
    expect(await store.sawUser(alice, ownerHash('other-key-0123456789abcdefghijklmnopqrstuv'))).toMatchObject({ value: { owner: first } });
    expect(await store.sawUser(alice)).toMatchObject({ value: { owner: first } });
    expect((await store.directory()).map((entry) => entry.owner)).toEqual([first, first]);
    await store.forget(alice.key);
    expect(await store.sawUser(alice)).toMatchObject({ value: { owner: null } });
  });

  it('refuses a new name past maxDirectoryUsers, and still stamps those it knows', async () => {
    const store = await storeWith([alice, bob], { maxDirectoryUsers: 2 });
    expect(await store.sawUser(carol)).toEqual({ kind: 'refused', reason: 'directory-full' });
    clock += 10;
    expect(await store.sawUser(alice)).toMatchObject({ kind: 'stored', value: { lastSeen: clock } });
    expect((await store.directory()).map((entry) => entry.user.name)).toEqual(['Alice', 'Bob']);
  });
});

describe('messages', () => {
  it('keeps messages for their recipient, oldest first, and answers sent, delivered and read', async () => {
    const store = await storeWith([alice, bob, carol]);
    const first = await send(store, alice, bob, 'one');
    const second = await send(store, carol, bob, 'two');
    const third = await send(store, alice, bob, 'three');
    expect(first).toMatchObject({ from: alice, to: bob, text: 'one', sentAt: clock - 2, state: { kind: 'sent' } });

    const pending = await store.pendingFor(bob.key);
    expect(texts(pending)).toEqual(['one', 'two', 'three']);
    expect(pending[1]).toEqual(second);
    expect(await store.pendingFor(alice.key)).toEqual([]);
    expect(await store.unreadCounts(bob.key)).toEqual([
      { from: alice, count: 2 },
      { from: carol, count: 1 },
    ]);

    clock = 2_000_000;
    expect(await store.markDelivered(bob.key, [first.id, second.id, first.id])).toEqual([
      { id: first.id, from: alice.key, to: bob.key, state: { kind: 'delivered', deliveredAt: 2_000_000 } },
      { id: second.id, from: carol.key, to: bob.key, state: { kind: 'delivered', deliveredAt: 2_000_000 } },
    ]);
    expect(await store.markDelivered(bob.key, [first.id])).toEqual([]); // already delivered: no second receipt
    expect(texts(await store.pendingFor(bob.key))).toEqual(['three']);

    clock = 3_000_000;
    // Read straight from sent counts as delivered too.
    expect(await store.markRead(bob.key, [first.id, third.id])).toEqual([
      { id: first.id, from: alice.key, to: bob.key, state: { kind: 'read', deliveredAt: 2_000_000, readAt: 3_000_000 } },
      { id: third.id, from: alice.key, to: bob.key, state: { kind: 'read', deliveredAt: 3_000_000, readAt: 3_000_000 } },
    ]);
    expect(await store.markRead(bob.key, [first.id])).toEqual([]);
    expect(await store.pendingFor(bob.key)).toEqual([]);
    expect(await store.unreadCounts(bob.key)).toEqual([{ from: carol, count: 1 }]);
  });

  it('shows a conversation both ways, oldest first, a page at a time', async () => {
    const store = await storeWith([alice, bob, carol]);
    await send(store, alice, bob, 'hi Bob');
    await send(store, carol, bob, 'not in it');
    const reply = await send(store, bob, alice, 'hi Alice');
    await send(store, alice, bob, 'lunch?');
    await store.markDelivered(alice.key, [reply.id]);

    const whole = await store.conversation(alice.key, bob.key, 10);
    expect(texts(whole)).toEqual(['hi Bob', 'hi Alice', 'lunch?']);
    expect(whole[1]?.state).toEqual({ kind: 'delivered', deliveredAt: clock });
    expect(texts(await store.conversation(bob.key, alice.key, 2))).toEqual(['hi Alice', 'lunch?']);
    expect(texts(await store.conversation(alice.key, bob.key, 2, reply.id))).toEqual(['hi Bob']);
    await expect(store.conversation(alice.key, bob.key, 0)).rejects.toThrow(RangeError);
    await expect(store.conversation(alice.key, bob.key, 201)).rejects.toThrow(RangeError);
  });

  it('refuses empty, oversized and misaddressed messages and stores nothing for them', async () => {
    const store = await storeWith([alice, bob], { maxMessageBytes: 10 });
    await expect(store.storeMessage(alice.key, bob.key, '')).resolves.toEqual({ kind: 'refused', reason: 'bad-text' });
    // Bytes, not characters: six two-byte letters are 12 bytes.
    await expect(store.storeMessage(alice.key, bob.key, 'éééééé')).resolves.toEqual({ kind: 'refused', reason: 'bad-text' });
    await expect(store.storeMessage(alice.key, carol.key, 'hello')).resolves.toEqual({ kind: 'refused', reason: 'unknown-recipient' });
    await expect(store.storeMessage(carol.key, bob.key, 'hello')).resolves.toEqual({ kind: 'refused', reason: 'unknown-sender' });
    expect(await store.pendingFor(bob.key)).toEqual([]);
    await send(store, alice, bob, 'ééééé'); // 10 bytes: the limit itself is fine
    expect(texts(await store.pendingFor(bob.key))).toEqual(['ééééé']);
  });

  it('holds at most maxUndeliveredPerRecipient for one recipient, from anyone, until some are delivered', async () => {
    const store = await storeWith([alice, bob, carol], { maxUndeliveredPerRecipient: 3 });
    const first = await send(store, alice, bob, '1');
    await send(store, carol, bob, '2');
    await send(store, alice, bob, '3');
    await expect(store.storeMessage(carol.key, bob.key, '4')).resolves.toEqual({ kind: 'refused', reason: 'recipient-full' });
    await send(store, bob, carol, 'others still get theirs');
    await store.markDelivered(bob.key, [first.id]);
    await send(store, carol, bob, '4');
    expect(texts(await store.pendingFor(bob.key))).toEqual(['2', '3', '4']);
  });

  it('lets one sender have at most maxUndeliveredPerSender waiting, to everyone together', async () => {
    const store = await storeWith([alice, bob, carol, mallory], { maxUndeliveredPerSender: 2 });
    await send(store, mallory, alice, 'spam 1');
    const toBob = await send(store, mallory, bob, 'spam 2');
    await expect(store.storeMessage(mallory.key, carol.key, 'spam 3')).resolves.toEqual({ kind: 'refused', reason: 'sender-full' });
    await send(store, alice, carol, 'an honest sender is not held up');
    await store.markRead(bob.key, [toBob.id]);
    await send(store, mallory, carol, 'spam 3');
    expect(texts(await store.pendingFor(carol.key))).toEqual(['an honest sender is not held up', 'spam 3']);
  });

  it('keeps maxKeptMessagesPerRecipient delivered messages per recipient, dropping the oldest, never a waiting one', async () => {
    const store = await storeWith([alice, bob], { maxKeptMessagesPerRecipient: 3 });
    const sent = [];
    for (const text of ['a', 'b', 'c', 'd', 'e']) sent.push(await send(store, alice, bob, text));
    await store.markDelivered(bob.key, sent.slice(0, 4).map((message) => message.id));
    expect(texts(await store.conversation(bob.key, alice.key, 10))).toEqual(['b', 'c', 'd', 'e']);
    await store.markRead(bob.key, [sent[4]?.id as MessageId]);
    expect(texts(await store.conversation(bob.key, alice.key, 10))).toEqual(['c', 'd', 'e']);
  });

  it('answers calls in the order made, so a read sees the writes asked for before it', async () => {
    const store = await storeWith([alice, bob]);
    const stored = store.storeMessage(alice.key, bob.key, 'same turn');
    const pending = store.pendingFor(bob.key);
    expect(texts(await pending)).toEqual(['same turn']);
    expect(await stored).toMatchObject({ kind: 'stored' });
  });

  it('answers calls made over many turns in the order made, though each turn is synced to disk on its own', async () => {
    const store = await storeWith([alice, bob], { maxUndeliveredPerRecipient: 1_000, maxUndeliveredPerSender: 1_000 });
    const answered: number[] = [];
    const calls: Promise<unknown>[] = [];
    for (let turn = 0; turn < 40; turn += 1) {
      for (let index = turn * 5; index < turn * 5 + 5; index += 1) {
        calls.push(store.storeMessage(alice.key, bob.key, `message ${index}`).then(() => answered.push(index)));
      }
      await new Promise((resolve) => setImmediate(resolve));
    }
    await Promise.all(calls);
    expect(answered).toEqual(Array.from({ length: 200 }, (_, index) => index));
    expect(texts(await store.pendingFor(bob.key))).toEqual(answered.map((index) => `message ${index}`));
  });
});

describe('a stranger', () => {
  it("cannot read, mark, page through or delete another user's messages and voicemail", async () => {
    const store = await storeWith([alice, bob, mallory]);
    const message = await send(store, alice, bob, 'for Bob only');
    const voicemail = await leaveVoicemail(store, alice, bob);

    expect(await store.pendingFor(mallory.key)).toEqual([]);
    expect(await store.conversation(mallory.key, bob.key, 10)).toEqual([]);
    expect(await store.conversation(mallory.key, alice.key, 10)).toEqual([]);
    expect(await store.conversation(mallory.key, bob.key, 10, message.id)).toEqual([]);
    expect(await store.unreadCounts(mallory.key)).toEqual([]);
    expect(await store.markDelivered(mallory.key, [message.id])).toEqual([]);
    expect(await store.markRead(mallory.key, [message.id])).toEqual([]);
    expect(await store.voicemailsFor(mallory.key)).toEqual([]);
    expect(await store.voicemailAudio(mallory.key, voicemail)).toBeNull();
    expect(await store.markVoicemailHeard(mallory.key, voicemail)).toBeNull();
    expect(await store.deleteVoicemail(mallory.key, voicemail)).toBe(false);
    // The sender cannot either: only the recipient marks, fetches and deletes.
    expect(await store.markRead(alice.key, [message.id])).toEqual([]);
    expect(await store.voicemailAudio(alice.key, voicemail)).toBeNull();
    expect(await store.deleteVoicemail(alice.key, voicemail)).toBe(false);

    // Nothing changed for Bob, who can do all of it.
    expect(await store.pendingFor(bob.key)).toEqual([message]);
    expect(await store.voicemailsFor(bob.key)).toMatchObject([{ id: voicemail, heardAt: null }]);
    expect(await store.voicemailAudio(bob.key, voicemail)).toEqual(new Uint8Array([1, 2, 3]));
    expect(await store.markRead(bob.key, [message.id])).toHaveLength(1);
    expect(await store.deleteVoicemail(bob.key, voicemail)).toBe(true);
  });
});

async function leaveVoicemail(
  store: HostStore,
  from: UserRef,
  to: UserRef,
  audio = new Uint8Array([1, 2, 3]),
  format: VoicemailFormat = 'webm',
): Promise<VoicemailId> {
  clock += 1;
  const outcome = await store.storeVoicemail({ from: from.key, to: to.key, format, durationMs: 1_500, audio });
  if (outcome.kind !== 'stored') throw new Error(`refused: ${outcome.reason}`);
  return outcome.value.id;
}

const recordings = async (dir: string): Promise<string[]> => (await readdir(join(dir, 'voicemail'))).sort();

describe('voicemail', () => {
  it('keeps the recording in a private file, lists it newest first, plays, marks heard and deletes it', async () => {
    const dir = await freshDir();
    const store = await openStore(dir);
    for (const user of [alice, bob, carol]) await store.sawUser(user);
    const audio = new Uint8Array(5_000).fill(7);
    clock = 7_000_000;
    const first = await store.storeVoicemail({ from: alice.key, to: bob.key, format: 'ogg', durationMs: 4_200, audio });
    expect(first).toEqual({
      kind: 'stored',
      value: { id: expect.any(String), from: alice, to: bob, format: 'ogg', durationMs: 4_200, bytes: 5_000, createdAt: 7_000_000, heardAt: null },
    });
    const firstId = (first.kind === 'stored' ? first.value.id : '') as VoicemailId;
    const second = await leaveVoicemail(store, carol, bob);

    expect(await recordings(dir)).toEqual([`${firstId}.ogg`, `${second}.webm`].sort());
    expect(statSync(join(dir, 'voicemail', `${firstId}.ogg`)).mode & 0o777).toBe(0o600);
    expect(statSync(dir).mode & 0o777).toBe(0o700);
    expect((await store.voicemailsFor(bob.key)).map((voicemail) => voicemail.id)).toEqual([second, firstId]);
    expect(await store.voicemailAudio(bob.key, firstId)).toEqual(audio);

    clock = 8_000_000;
    expect(await store.markVoicemailHeard(bob.key, firstId)).toMatchObject({ id: firstId, heardAt: 8_000_000 });
    clock = 9_000_000;
    expect(await store.markVoicemailHeard(bob.key, firstId)).toMatchObject({ heardAt: 8_000_000 });

    expect(await store.deleteVoicemail(bob.key, firstId)).toBe(true);
    expect(await store.deleteVoicemail(bob.key, firstId)).toBe(false);
    expect(await store.voicemailAudio(bob.key, firstId)).toBeNull();
    expect(await recordings(dir)).toEqual([`${second}.webm`]);
    expect((await store.voicemailsFor(bob.key)).map((voicemail) => voicemail.id)).toEqual([second]);
  });

  it('refuses bad recordings and full mailboxes, leaving no file behind', async () => {
    const dir = await freshDir();
    const store = await openStore(dir, {
      maxVoicemailBytes: 100,
      maxVoicemailMs: 60_000,
      maxVoicemailsPerRecipient: 2,
      maxUnheardVoicemailsPerSender: 1,
    });
    for (const user of [alice, bob, carol, mallory]) await store.sawUser(user);
    const base = { from: alice.key, to: bob.key, format: 'webm', durationMs: 1_000, audio: new Uint8Array(10) } as const;
    for (const bad of [
      { audio: new Uint8Array(0) },
      { audio: new Uint8Array(101) },
      { durationMs: 0 },
      { durationMs: 60_001 },
      { durationMs: 1.5 },
      { format: 'mp3' as VoicemailFormat },
    ]) {
      expect(await store.storeVoicemail({ ...base, ...bad }), JSON.stringify(bad)).toEqual({ kind: 'refused', reason: 'bad-recording' });
    }
    expect(await store.storeVoicemail({ ...base, to: mallory.key, from: userRef('Nobody').key })).toEqual({ kind: 'refused', reason: 'unknown-sender' });

    const kept = await leaveVoicemail(store, alice, bob);
    expect(await store.storeVoicemail(base)).toEqual({ kind: 'refused', reason: 'too-many-unheard' });
    await leaveVoicemail(store, carol, mallory); // another caller is not held up
    await store.markVoicemailHeard(bob.key, kept);
    await leaveVoicemail(store, alice, bob);
    expect(await store.storeVoicemail({ ...base, from: mallory.key })).toEqual({ kind: 'refused', reason: 'mailbox-full' });
    expect(await recordings(dir)).toHaveLength(3);
  });

  it('on opening, removes recordings no voicemail names and voicemails whose recording is gone', async () => {
    const dir = await freshDir();
    let store = await openStore(dir);
    for (const user of [alice, bob]) await store.sawUser(user);
    const lost = await leaveVoicemail(store, alice, bob);
    const kept = await leaveVoicemail(store, alice, bob);
    await store.close();
    await unlink(join(dir, 'voicemail', `${lost}.webm`));
    await writeFile(join(dir, 'voicemail', 'orphan.webm'), 'left by a crash');
    await writeFile(join(dir, 'voicemail', `.${kept}.webm.123.abcd.tmp`), 'half written');

    store = await openStore(dir);
    expect((await store.voicemailsFor(bob.key)).map((voicemail) => voicemail.id)).toEqual([kept]);
    expect(await recordings(dir)).toEqual([`${kept}.webm`]);
  });
});

describe('forget', () => {
  it("removes a user with every message and voicemail to or from them; a new user of that name starts afresh", async () => {
    const dir = await freshDir();
    const store = await openStore(dir);
    for (const user of [alice, bob, carol]) await store.sawUser(user);
    await send(store, alice, bob, 'to Bob');
    await send(store, bob, alice, 'from Bob');
    const untouched = await send(store, alice, carol, 'Alice to Carol');
    await leaveVoicemail(store, alice, bob);
    await leaveVoicemail(store, bob, carol);
    const carolsOwn = await leaveVoicemail(store, alice, carol);

    expect(await store.forget(bob.key)).toEqual({ user: bob, messages: 2, voicemails: 2 });
    expect(await store.forget(bob.key)).toBeNull();
    expect((await store.directory()).map((entry) => entry.user.name)).toEqual(['Alice', 'Carol']);
    expect(await store.pendingFor(alice.key)).toEqual([]);
    expect(await store.pendingFor(carol.key)).toEqual([untouched]);
    expect((await store.voicemailsFor(carol.key)).map((voicemail) => voicemail.id)).toEqual([carolsOwn]);
    expect(await recordings(dir)).toEqual([`${carolsOwn}.webm`]);
    await expect(store.storeMessage(bob.key, alice.key, 'still here?')).resolves.toEqual({ kind: 'refused', reason: 'unknown-sender' });

    await store.sawUser(userRef('bob'));
    expect(await store.pendingFor(bob.key)).toEqual([]);
    expect(await store.conversation(bob.key, alice.key, 10)).toEqual([]);
    expect(await store.voicemailsFor(bob.key)).toEqual([]);
  });

  it("gives the forgotten user's correspondents back the history room their messages took", async () => {
    const store = await storeWith([alice, bob, carol], { maxKeptMessagesPerRecipient: 3 });
    const delivered = [await send(store, alice, bob, 'a1'), await send(store, carol, bob, 'c1'), await send(store, carol, bob, 'c2')];
    await store.markDelivered(bob.key, delivered.map((message) => message.id));
    await store.forget(carol.key);
    const more = [await send(store, alice, bob, 'a2'), await send(store, alice, bob, 'a3')];
    await store.markDelivered(bob.key, more.map((message) => message.id));
    expect(texts(await store.conversation(bob.key, alice.key, 10))).toEqual(['a1', 'a2', 'a3']);
  });
});

describe('the database file', () => {
  it('is created at the current schema version in an empty folder, and reopened without migrating again', async () => {
    const dir = await freshDir();
    clock = 42_000;
    let store = await openStore(dir);
    await store.sawUser(alice);
    await send(store, alice, alice, 'a note to self');
    await store.close();
    const created = inspectDatabase(dir);
    expect(created).toEqual({
      schemaVersion: MIGRATIONS.length,
      migrations: MIGRATIONS.map((_, index) => ({ version: index + 1, appliedAt: 42_000 })),
      integrity: 'ok',
    });

    clock = 99_000;
    store = await openStore(dir);
    expect(texts(await store.pendingFor(alice.key))).toEqual(['a note to self']);
    await store.close();
    expect(inspectDatabase(dir).migrations).toEqual(created.migrations);
  });

  it('upgrades an older schema in place, keeping what it holds, and refuses to open a newer one', async () => {
    const dir = await freshDir();
    let store = await openStore(dir);
    await store.sawUser(alice);
    await send(store, alice, alice, 'kept across the upgrade');
    await store.close();

    const upgraded = [...MIGRATIONS, 'CREATE TABLE contacts (key TEXT PRIMARY KEY) STRICT'];
    store = await openStore(dir, {}, upgraded);
    expect(texts(await store.pendingFor(alice.key))).toEqual(['kept across the upgrade']);
    await store.close();
    expect(inspectDatabase(dir, upgraded)).toMatchObject({ schemaVersion: upgraded.length, integrity: 'ok' });

    const refusal = openSqliteStore({ dir });
    await expect(refusal).rejects.toThrow(StoreError);
    await expect(refusal).rejects.toMatchObject({ code: 'newer-schema' });
    // Refusing left the folder free and the database as it was.
    expect(inspectDatabase(dir, upgraded)).toMatchObject({ schemaVersion: upgraded.length, integrity: 'ok' });
  });

  it('migrates a version 1 database to owner hashes: its names unclaimed until a key claims them', async () => {
    const dir = await freshDir();
    // A database as the first release left it: today's store cannot write that schema, so by hand.
    const old = openDatabase(dir, () => 1_000, MIGRATIONS.slice(0, 1));
    old.run('INSERT INTO users (key, name, first_seen, last_seen) VALUES (?, ?, 1000, 2000)', [alice.key, alice.name]);
    old.run("INSERT INTO messages (id, from_key, to_key, text, sent_at) VALUES ('m-0000001', ?, ?, 'from before owners', 1500)", [alice.key, alice.key]);
    closeDatabase(old, dir);

    clock = 77_000;
    const store = await openStore(dir);
    expect(await store.directory()).toEqual([{ user: alice, firstSeen: 1_000, lastSeen: 2_000, owner: null }]);
    expect(texts(await store.pendingFor(alice.key))).toEqual(['from before owners']);
    const owner = ownerHash('alice-key-0123456789abcdefghijklmnopqrstu');
    expect(await store.sawUser(alice, owner)).toMatchObject({ value: { owner } });
    await store.close();
    expect(inspectDatabase(dir)).toEqual({
      schemaVersion: 2,
      migrations: [{ version: 1, appliedAt: 1_000 }, { version: 2, appliedAt: 77_000 }],
      integrity: 'ok',
    });
  });

  it('belongs to one store at a time: a second open is refused while the first works on', async () => {
    const dir = await freshDir();
    const store = await openStore(dir);
    await expect(openSqliteStore({ dir })).rejects.toMatchObject({ code: 'in-use' });
    await store.sawUser(alice);
    await send(store, alice, alice, 'still mine');
    await store.close();
    const again = await openStore(dir);
    expect(texts(await again.pendingFor(alice.key))).toEqual(['still mine']);
  });

  it('is taken over from a process that died holding it', async () => {
    const dir = await freshDir();
    const store = await openStore(dir);
    await store.sawUser(alice);
    await store.close();
    const dead = spawn(process.execPath, ['-e', '']);
    await once(dead, 'exit');
    await writeFile(join(dir, 'host.db.owner'), String(dead.pid));
    await mkdir(join(dir, 'host.db.lock'));
    const reopened = await openStore(dir);
    expect((await reopened.directory()).map((entry) => entry.user)).toEqual([alice]);
  });

  it('finishes the calls made before close, and refuses those made after', async () => {
    const dir = await freshDir();
    const store = await openStore(dir);
    await store.sawUser(alice);
    const last = store.storeMessage(alice.key, alice.key, 'made before close');
    await store.close();
    expect(await last).toMatchObject({ kind: 'stored' });
    await expect(store.pendingFor(alice.key)).rejects.toMatchObject({ code: 'closed' });
    await expect(store.storeMessage(alice.key, alice.key, 'too late')).rejects.toMatchObject({ code: 'closed' });
    const reopened = await openStore(dir);
    expect(texts(await reopened.pendingFor(alice.key))).toEqual(['made before close']);
  });
});

const STORM_SCRIPT = fileURLToPath(new URL('./store-storm.ts', import.meta.url));
const DISK_FULL_SCRIPT = fileURLToPath(new URL('./store-disk-full.ts', import.meta.url));

describe('a full disk', () => {
  it('fails the turn that did not fit, and stores the next one once there is room', async () => {
    const dir = await freshDir();
    // 8 MiB per file (bash counts 1 KiB blocks): the WAL cannot take 300 messages of 60 kB in one commit.
    const child = spawn('bash', ['-c', 'ulimit -f 8192 && exec "$0" --import tsx "$1" "$2"', process.execPath, DISK_FULL_SCRIPT, dir], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let output = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
    const [code] = await once(child, 'close');
    expect(code).toBe(0);
    expect(JSON.parse(output)).toEqual({
      big: [expect.stringMatching(/^failed: .*(disk I\/O error|database or disk is full)/)],
      small: ['stored'],
      kept: ['a small one'.length],
    });
    expect(inspectDatabase(dir).integrity).toBe('ok');
  }, 60_000);
});

/** Starts the storm host and resolves once it has printed `count` ids, with the ids it printed. */
function stormUntil(child: ChildProcess, count: number): Promise<string[]> {
  return new Promise((resolve, reject) => {
    const ids: string[] = [];
    let partial = '';
    child.stdout?.setEncoding('utf8');
    child.stdout?.on('data', (chunk: string) => {
      const lines = (partial + chunk).split('\n');
      partial = lines.pop() ?? ''; // an id is only counted once its whole line arrived
      for (const line of lines) if (line !== 'ready') ids.push(line);
      if (ids.length >= count) resolve(ids);
    });
    child.once('exit', (code) => reject(new Error(`the storm ended by itself (${code})`)));
  });
}

describe('durability', () => {
  it('loses no message a sender was told was sent when the host is killed mid-storm, and opens cleanly after', async () => {
    const dir = await freshDir();
    const told = new Set<string>();
    for (const killAfter of [50, 700, 2_500]) {
      const child = spawn(process.execPath, ['--import', 'tsx', STORM_SCRIPT, dir], { stdio: ['ignore', 'pipe', 'inherit'] });
      const ids = await stormUntil(child, killAfter);
      const exited = once(child, 'close');
      child.kill('SIGKILL');
      const [, signal] = await exited;
      expect(signal).toBe('SIGKILL');
      // Ids that arrived between reaching the count and the kill were told too.
      for (const id of ids) told.add(id);

      expect(inspectDatabase(dir).integrity).toBe('ok');
      const store = await openStore(dir);
      const kept = new Set<string>();
      for (const recipient of STORM_RECIPIENTS) for (const message of await store.pendingFor(recipient.key)) kept.add(message.id);
      await store.close();
      const lost = [...told].filter((id) => !kept.has(id));
      expect(lost, `killed after ${ids.length} ids`).toEqual([]);
      expect(kept.size).toBeGreaterThanOrEqual(told.size);
    }
  }, 120_000);
});
