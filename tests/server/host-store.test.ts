import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, statSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { StoreError, type HostStore, type MessageId, type StoreLimits, type VoicemailId } from '../../signal-server/store/host-store.js';
import { ownerHash } from '../../signal-server/owner-key.js';
import { BINDINGS, type BindingName } from '../../signal-server/store/sqlite-binding.js';
import { closeDatabase, inspectDatabase as inspectWith, MIGRATIONS, openDatabase, query } from '../../signal-server/store/sqlite-file.js';
import { BUSY_COMMIT_CALLS, CHECKPOINT_CHANGES, openSqliteStore } from '../../signal-server/store/sqlite-store.js';
import { alice, bob, carol, clock, describeHostStore, leaveVoicemail, send, texts } from './host-store-contract.js';
import { STORM_RECIPIENTS } from './store-storm.js';

const dirs: string[] = [];
const open: HostStore[] = [];

async function freshDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'leanphone-store-'));
  dirs.push(dir);
  return join(dir, 'store');
}

async function openWith(binding: BindingName, dir: string, limits: Partial<StoreLimits> = {}, migrations?: readonly string[]): Promise<HostStore> {
  const store = await openSqliteStore({ dir, limits, now: () => clock.now, binding, ...(migrations ? { migrations } : {}) });
  open.push(store);
  return store;
}

const recordings = async (dir: string): Promise<string[]> => (await readdir(join(dir, 'voicemail'))).sort();

afterEach(async () => {
  await Promise.all(open.splice(0).map((store) => store.close()));
  await Promise.all(dirs.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
});

const STORM_SCRIPT = fileURLToPath(new URL('./store-storm.ts', import.meta.url));
const DISK_FULL_SCRIPT = fileURLToPath(new URL('./store-disk-full.ts', import.meta.url));

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

describe.each(BINDINGS)('on %s', (binding) => {
  /** The other binding, which must open what this one leaves. */
  const other = BINDINGS.find((name) => name !== binding) as BindingName;
  const openStore = (dir: string, limits: Partial<StoreLimits> = {}, migrations?: readonly string[]): Promise<HostStore> =>
    openWith(binding, dir, limits, migrations);
  const inspectDatabase = (dir: string, migrations?: readonly string[]) => inspectWith(dir, migrations, binding);

  describe('the SQLite store keeps the contract', () => {
    describeHostStore(async (limits, now) => {
      const dir = await freshDir();
      const store = await openSqliteStore({ dir, limits, now, binding });
      const ids = async (): Promise<string[]> => (await recordings(dir)).map((file) => file.replace(/\.(webm|ogg)$/, '')).sort();
      return { store, recordings: ids };
    });
  });

  describe('voicemail files', () => {
    it('keeps each recording in a private file named by its id, removed when the voicemail is deleted', async () => {
      const dir = await freshDir();
      const store = await openStore(dir);
      for (const user of [alice, bob, carol]) await store.sawUser(user);
      const first = await leaveVoicemail(store, alice, bob, new Uint8Array(5_000).fill(7), 'ogg');
      const second: VoicemailId = await leaveVoicemail(store, carol, bob);
      expect(await recordings(dir)).toEqual([`${first}.ogg`, `${second}.webm`].sort());
      expect(statSync(join(dir, 'voicemail', `${first}.ogg`)).mode & 0o777).toBe(0o600);
      expect(statSync(dir).mode & 0o777).toBe(0o700);
      expect(await store.deleteVoicemail(bob.key, first)).toBe(true);
      expect(await recordings(dir)).toEqual([`${second}.webm`]);
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

  describe('the database file', () => {
    it('is created at the current schema version in an empty folder, and reopened without migrating again', async () => {
      const dir = await freshDir();
      clock.now = 42_000;
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

      clock.now = 99_000;
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

      const refusal = openSqliteStore({ dir, binding });
      await expect(refusal).rejects.toThrow(StoreError);
      await expect(refusal).rejects.toMatchObject({ code: 'newer-schema' });
      // Refusing left the folder free and the database as it was.
      expect(inspectDatabase(dir, upgraded)).toMatchObject({ schemaVersion: upgraded.length, integrity: 'ok' });
    });

    it('migrates a version 1 database to owner hashes: its names unclaimed until a key claims them', async () => {
      const dir = await freshDir();
      // A database as the first release left it: today's store cannot write that schema, so by hand.
      const old = openDatabase(dir, () => 1_000, MIGRATIONS.slice(0, 1), binding);
      query(old, 'INSERT INTO users (key, name, first_seen, last_seen) VALUES (?, ?, 1000, 2000)', [alice.key, alice.name]);
      query(old, "INSERT INTO messages (id, from_key, to_key, text, sent_at) VALUES ('m-0000001', ?, ?, 'from before owners', 1500)", [alice.key, alice.key]);
      closeDatabase(old, dir);

      clock.now = 77_000;
      const store = await openStore(dir);
      expect(await store.directory()).toEqual([{ user: alice, firstSeen: 1_000, lastSeen: 2_000, owner: null }]);
      expect(texts(await store.pendingFor(alice.key))).toEqual(['from before owners']);
      const owner = ownerHash('alice-key-0123456789abcdefghijklmnopqrstu');
      expect(await store.sawUser(alice, owner)).toMatchObject({ value: { owner } });
      await store.close();
      expect(inspectDatabase(dir)).toEqual({
        schemaVersion: MIGRATIONS.length,
        migrations: [{ version: 1, appliedAt: 1_000 }, ...MIGRATIONS.slice(1).map((_, index) => ({ version: index + 2, appliedAt: 77_000 }))],
        integrity: 'ok',
      });
    });

    it('migrates a version 2 database: the history and waiting messages it holds still count toward the limits', async () => {
      const dir = await freshDir();
      const old = openDatabase(dir, () => 1_000, MIGRATIONS.slice(0, 2), binding);
      for (const user of [alice, bob]) query(old, 'INSERT INTO users (key, name, first_seen, last_seen, kept) VALUES (?, ?, 1000, 1000, 0)', [user.key, user.name]);
      const insert = "INSERT INTO messages (id, from_key, to_key, text, sent_at, delivered_at) VALUES (?, ?, ?, ?, 1000, ?)";
      // Bob keeps two delivered messages (the old column miscounting them as none) and has one waiting.
      query(old, insert, ['m-1', alice.key, bob.key, 'old 1', 1_100]);
      query(old, insert, ['m-2', alice.key, bob.key, 'old 2', 1_100]);
      query(old, insert, ['m-3', alice.key, bob.key, 'waiting', null]);
      closeDatabase(old, dir);

      const store = await openStore(dir, { maxKeptMessagesPerRecipient: 2, maxUndeliveredPerRecipient: 2 });
      const more = await send(store, alice, bob, 'new');
      await expect(store.storeMessage(alice.key, bob.key, 'one too many')).resolves.toEqual({ kind: 'refused', reason: 'recipient-full' });
      await store.markDelivered(bob.key, ['m-3', more.id] as MessageId[]);
      expect(texts(await store.conversation(bob.key, alice.key, 10))).toEqual(['waiting', 'new']);
      await store.close();
      expect(inspectDatabase(dir)).toMatchObject({ schemaVersion: MIGRATIONS.length, integrity: 'ok' });
    });

    it('is opened by the other binding with everything it holds, and opens what that one left', async () => {
      const dir = await freshDir();
      const first = await openStore(dir);
      for (const user of [alice, bob]) await first.sawUser(user);
      const read = await send(first, alice, bob, 'written by one');
      await first.markRead(bob.key, [read.id]);
      await leaveVoicemail(first, alice, bob);
      await first.close();

      const second = await openWith(other, dir);
      expect(await second.conversation(bob.key, alice.key, 10)).toMatchObject([{ text: 'written by one', state: { kind: 'read' } }]);
      await send(second, bob, alice, 'answered by the other');
      await second.close();

      const third = await openStore(dir);
      expect(texts(await third.pendingFor(alice.key))).toEqual(['answered by the other']);
      expect(await third.voicemailsFor(bob.key)).toHaveLength(1);
    });

    it('counts what it kept before a restart toward the limits after it', async () => {
      const dir = await freshDir();
      const limits = { maxKeptMessagesPerRecipient: 2, maxUndeliveredPerRecipient: 2 };
      const before = await openStore(dir, limits);
      for (const user of [alice, bob]) await before.sawUser(user);
      const delivered = [await send(before, alice, bob, 'a'), await send(before, alice, bob, 'b')];
      await before.markDelivered(bob.key, delivered.map((message) => message.id));
      const waiting = [await send(before, alice, bob, 'c'), await send(before, alice, bob, 'd')];
      await before.close();

      const after = await openStore(dir, limits);
      await expect(after.storeMessage(alice.key, bob.key, 'e')).resolves.toEqual({ kind: 'refused', reason: 'recipient-full' });
      await after.markDelivered(bob.key, [waiting[0]?.id as MessageId]);
      expect(texts(await after.conversation(bob.key, alice.key, 10))).toEqual(['b', 'c', 'd']);
    });

    it("counts a sender's waiting messages from before a restart toward their limit, and each delivery after it", async () => {
      const dir = await freshDir();
      const limits = { maxUndeliveredPerSender: 2 };
      const before = await openStore(dir, limits);
      for (const user of [alice, bob, carol]) await before.sawUser(user);
      const toBob = await send(before, alice, bob, 'one');
      const toCarol = await send(before, alice, carol, 'two');
      await before.close();

      const after = await openStore(dir, limits);
      await expect(after.storeMessage(alice.key, carol.key, 'three')).resolves.toEqual({ kind: 'refused', reason: 'sender-full' });
      await after.markDelivered(bob.key, [toBob.id]);
      await expect(after.storeMessage(alice.key, carol.key, 'three')).resolves.toMatchObject({ kind: 'stored' });
      await expect(after.storeMessage(alice.key, bob.key, 'four')).resolves.toEqual({ kind: 'refused', reason: 'sender-full' });
      await after.close();

      // Delivered before anything asked for the count: the count, read after, sees it.
      const again = await openStore(dir, limits);
      await again.markDelivered(carol.key, [toCarol.id]);
      await expect(again.storeMessage(alice.key, bob.key, 'four')).resolves.toMatchObject({ kind: 'stored' });
      await expect(again.storeMessage(alice.key, bob.key, 'five')).resolves.toEqual({ kind: 'refused', reason: 'sender-full' });
    });

    it('belongs to one store at a time: a second open is refused while the first works on', async () => {
      const dir = await freshDir();
      const store = await openStore(dir);
      await expect(openSqliteStore({ dir, binding })).rejects.toMatchObject({ code: 'in-use' });
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

  describe('a message', () => {
    it('is decided when asked for and goes live at once; its row is written with the rest of the turn', async () => {
      const store = await openStore(await freshDir());
      for (const user of [alice, bob]) await store.sawUser(user);
      let live: string | undefined;
      const kept = store.storeMessage(alice.key, bob.key, 'at once', (message) => (live = message.text));
      expect(live, 'heard before the call returned').toBe('at once');
      expect(await kept).toMatchObject({ kind: 'stored', value: { text: 'at once', to: bob } });
      expect(texts(await store.pendingFor(bob.key))).toEqual(['at once']);
    });

    it('waits for a change to the directory asked for before it: to a user forgotten first, it is refused and never goes live', async () => {
      const store = await openStore(await freshDir());
      for (const user of [alice, bob]) await store.sawUser(user);
      const heard: string[] = [];
      const forgotten = store.forget(bob.key);
      const late = store.storeMessage(alice.key, bob.key, 'after the forget', (message) => heard.push(message.text));
      expect(await late).toEqual({ kind: 'refused', reason: 'unknown-recipient' });
      expect(await forgotten).toMatchObject({ user: bob });
      expect(heard).toEqual([]);
    });

    it('counts a delivery reported in the same turn as still waiting: the place it frees is taken from the next turn on', async () => {
      const store = await openStore(await freshDir(), { maxUndeliveredPerSender: 1 });
      for (const user of [alice, bob]) await store.sawUser(user);
      const first = await send(store, alice, bob, 'first');
      const delivered = store.markDelivered(bob.key, [first.id]);
      expect(await store.storeMessage(alice.key, bob.key, 'same turn')).toEqual({ kind: 'refused', reason: 'sender-full' });
      expect(await delivered).toHaveLength(1);
      expect(await store.storeMessage(alice.key, bob.key, 'next turn')).toMatchObject({ kind: 'stored' });
    });
  });

  describe('group commit', () => {
    // Far longer than a commit and its sync take, so that a wait for the spacing stands out.
    const SPACING_MS = 1_000;
    async function spacedStore(): Promise<HostStore> {
      const limits = { maxUndeliveredPerRecipient: 10_000, maxUndeliveredPerSender: 10_000 };
      const store = await openSqliteStore({ dir: await freshDir(), limits, now: () => clock.now, binding, commitSpacingMs: SPACING_MS });
      open.push(store);
      for (const user of [alice, bob]) await store.sawUser(user);
      return store;
    }
    const answeredAfter = async (call: Promise<unknown>): Promise<number> => {
      const asked = performance.now();
      await call;
      return performance.now() - asked;
    };

    it('answers calls that wait on each other at once while the store is quiet', async () => {
      const store = await spacedStore();
      const started = performance.now();
      for (let i = 0; i < 5; i++) await send(store, alice, bob, `one at a time ${i}`);
      expect(performance.now() - started).toBeLessThan(SPACING_MS / 2);
    });

    it("holds a busy store's next calls for the spacing, then is quiet again", async () => {
      const store = await spacedStore();
      // One turn of BUSY_COMMIT_CALLS calls: a busy commit.
      await Promise.all(Array.from({ length: BUSY_COMMIT_CALLS }, (_, i) => send(store, alice, bob, `busy ${i}`)));
      const first = answeredAfter(store.storeMessage(alice.key, bob.key, 'held 1'));
      await new Promise((resolve) => setImmediate(resolve));
      const second = answeredAfter(store.storeMessage(alice.key, bob.key, 'held 2'));
      // Allowing half the spacing for the busy commit's own sync, before its calls were answered.
      expect(await first).toBeGreaterThan(SPACING_MS / 2);
      expect(await second).toBeGreaterThan(SPACING_MS / 2);
      // That commit held two calls: the store is quiet, and the next call commits at once.
      expect(await answeredAfter(store.pendingFor(bob.key))).toBeLessThan(SPACING_MS / 2);
      expect(texts(await store.pendingFor(bob.key))).toEqual([...Array.from({ length: BUSY_COMMIT_CALLS }, (_, i) => `busy ${i}`), 'held 1', 'held 2']);
    });
  });

  describe('checkpoints', () => {
    it("let calls run while host.db syncs: a message goes live then, and is answered once committed after that sync", async () => {
      const dir = await freshDir();
      let release: () => void = () => {};
      let holding = false;
      const held = new Promise<void>((resolve) => (release = resolve));
      const limits = { maxUndeliveredPerRecipient: 10_000, maxUndeliveredPerSender: 10_000 };
      const store = await openSqliteStore({ dir, limits, now: () => clock.now, binding, beforeDatabaseSync: () => (holding ? held : Promise.resolve()) });
      open.push(store);
      for (const user of [alice, bob]) await store.sawUser(user);
      holding = true;
      // One turn of CHECKPOINT_CHANGES messages: a checkpoint follows its commit, and its sync of host.db is held.
      const storm = await Promise.all(Array.from({ length: CHECKPOINT_CHANGES }, (_, i) => store.storeMessage(alice.key, bob.key, `storm ${i}`)));
      expect(storm.filter((outcome) => outcome.kind === 'stored')).toHaveLength(CHECKPOINT_CHANGES);
      const walSalt = async (): Promise<string> => (await readFile(join(dir, 'host.db-wal'))).subarray(16, 24).toString('hex');
      const saltBefore = await walSalt();

      let answered = false;
      const live = new Promise<string>((resolve) => {
        void store.storeMessage(alice.key, bob.key, 'during the sync', (message) => resolve(message.text)).then(() => (answered = true));
      });
      expect(await live).toBe('during the sync');
      expect(answered, 'answered only once committed, after host.db is synced').toBe(false);
      expect(await walSalt(), 'nothing reached the WAL: it has not started over').toBe(saltBefore);

      release();
      await expect(store.pendingFor(bob.key)).resolves.toHaveLength(CHECKPOINT_CHANGES + 1);
      expect(answered).toBe(true);
      expect(await walSalt(), 'the commit after the sync started the WAL over').not.toBe(saltBefore);
    });

    it('keep the WAL small while thousands of messages pass, and close leaves them all in the database file alone', async () => {
      const dir = await freshDir();
      const store = await openStore(dir);
      for (const user of [alice, bob]) await store.sawUser(user);
      const wal = join(dir, 'host.db-wal');
      let largestWal = 0;
      for (let turn = 0; turn < 80; turn++) {
        // 100 messages a turn, as many senders would: one transaction each turn.
        const sent = await Promise.all(Array.from({ length: 100 }, (_, i) => send(store, alice, bob, `message ${turn * 100 + i} ${'x'.repeat(200)}`)));
        await store.markDelivered(bob.key, sent.map((message) => message.id));
        largestWal = Math.max(largestWal, statSync(wal).size);
      }
      // Unchecked, these 8,000 messages of 200-odd bytes grow the WAL to 14 MB.
      expect(largestWal).toBeLessThan(4 * 1024 * 1024);
      await store.close();
      expect(existsSync(wal), 'the WAL is gone: everything is in host.db').toBe(false);
      expect(inspectDatabase(dir).integrity).toBe('ok');
      const reopened = await openStore(dir);
      expect(await reopened.conversation(bob.key, alice.key, 1)).toMatchObject([{ text: expect.stringMatching(/^message 7999 /) }]);
    });
  });

  describe('a full disk', () => {
    // 8 MiB per file (bash counts 1 KiB blocks): the WAL cannot take 300 messages of 60 kB in one
    // commit. 700 overflow SQLite's page cache before the commit: a message's own write fails, and
    // SQLite rolls the whole transaction back under the rest of the turn.
    it.each([
      ['at its commit', 300],
      ['midway, its transaction rolled back', 700],
    ])('fails the turn that did not fit (%s), and stores the next one once there is room', async (_when, count) => {
      const dir = await freshDir();
      const child = spawn('bash', ['-c', 'ulimit -f 8192 && exec "$0" --import tsx "$1" "$2" "$3" "$4"', process.execPath, DISK_FULL_SCRIPT, dir, String(count), binding], {
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

  describe('durability', () => {
    it('loses no message a sender was told was sent when the host is killed mid-storm, and opens cleanly after', async () => {
      const dir = await freshDir();
      const told = new Set<string>();
      for (const killAfter of [50, 700, 2_500]) {
        const child = spawn(process.execPath, ['--import', 'tsx', STORM_SCRIPT, dir, binding], { stdio: ['ignore', 'pipe', 'inherit'] });
        const ids = await stormUntil(child, killAfter);
        const exited = once(child, 'close');
        child.kill('SIGKILL');
        const [, signal] = await exited;
        expect(signal).toBe('SIGKILL');
        // Ids that arrived between reaching the count and the kill were told too.
        for (const id of ids) told.add(id);

        // Recovered by the other binding: a folder is the same whichever one the host runs on.
        expect(inspectWith(dir, MIGRATIONS, other).integrity).toBe('ok');
        const store = await openWith(other, dir);
        const kept = new Set<string>();
        for (const recipient of STORM_RECIPIENTS) for (const message of await store.pendingFor(recipient.key)) kept.add(message.id);
        await store.close();
        const lost = [...told].filter((id) => !kept.has(id));
        expect(lost, `killed after ${ids.length} ids`).toEqual([]);
        expect(kept.size).toBeGreaterThanOrEqual(told.size);
      }
    }, 120_000);
  });
});
