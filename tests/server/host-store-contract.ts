/**
 * The HostStore contract as tests, run against each store (host-store.test.ts: SQLite,
 * redis-store.test.ts: Redis): what a user of the directory, messages and voicemail may rely on.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { ownerHash } from '../../signal-server/owner-key.js';
import {
  userRef,
  type HostStore,
  type MessageId,
  type StoredMessage,
  type StoreLimits,
  type UserRef,
  type VoicemailFormat,
  type VoicemailId,
} from '../../signal-server/store/host-store.js';

/** A store and the ids of the recordings it holds, sorted (files on disk, or keys in Redis). */
export interface OpenedStore {
  readonly store: HostStore;
  recordings(): Promise<string[]>;
}

/** Opens a new, empty store with these limits and this clock. */
export type StoreMaker = (limits: Partial<StoreLimits>, now: () => number) => Promise<OpenedStore>;

export const alice = userRef('Alice');
export const bob = userRef('Bob');
export const carol = userRef('Carol');
export const mallory = userRef('Mallory');

/** The clock every store under test reads; tests move it. */
export const clock = { now: 1_000_000 };

export async function send(store: HostStore, from: UserRef, to: UserRef, text: string): Promise<StoredMessage> {
  clock.now += 1;
  const outcome = await store.storeMessage(from.key, to.key, text);
  if (outcome.kind !== 'stored') throw new Error(`refused: ${outcome.reason}`);
  return outcome.value;
}

export const texts = (messages: readonly StoredMessage[]): string[] => messages.map((message) => message.text);

export async function leaveVoicemail(
  store: HostStore,
  from: UserRef,
  to: UserRef,
  audio = new Uint8Array([1, 2, 3]),
  format: VoicemailFormat = 'webm',
): Promise<VoicemailId> {
  clock.now += 1;
  const outcome = await store.storeVoicemail({ from: from.key, to: to.key, format, durationMs: 1_500, audio });
  if (outcome.kind !== 'stored') throw new Error(`refused: ${outcome.reason}`);
  return outcome.value.id;
}

export function describeHostStore(make: StoreMaker): void {
  const open: HostStore[] = [];
  afterEach(async () => {
    await Promise.all(open.splice(0).map((store) => store.close()));
  });

  /** A new store with these users in its directory. */
  async function opened(users: readonly UserRef[], limits: Partial<StoreLimits> = {}): Promise<OpenedStore> {
    const made = await make(limits, () => clock.now);
    open.push(made.store);
    for (const user of users) await made.store.sawUser(user);
    return made;
  }

  const storeWith = async (users: readonly UserRef[], limits: Partial<StoreLimits> = {}): Promise<HostStore> => (await opened(users, limits)).store;

  describe('directory', () => {
    it('keeps everyone who registered with first and last seen, under the name as last written', async () => {
      const store = await storeWith([]);
      clock.now = 5_000;
      expect(await store.sawUser(bob)).toEqual({ kind: 'stored', value: { user: bob, firstSeen: 5_000, lastSeen: 5_000, owner: null } });
      await store.sawUser(alice);
      clock.now = 9_000;
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
      clock.now += 10;
      expect(await store.sawUser(alice)).toMatchObject({ kind: 'stored', value: { lastSeen: clock.now } });
      expect((await store.directory()).map((entry) => entry.user.name)).toEqual(['Alice', 'Bob']);
    });
  });

  describe('messages', () => {
    it('keeps messages for their recipient, oldest first, and answers sent, delivered and read', async () => {
      const store = await storeWith([alice, bob, carol]);
      const first = await send(store, alice, bob, 'one');
      const second = await send(store, carol, bob, 'two');
      const third = await send(store, alice, bob, 'three');
      expect(first).toMatchObject({ from: alice, to: bob, text: 'one', sentAt: clock.now - 2, state: { kind: 'sent' } });

      const pending = await store.pendingFor(bob.key);
      expect(texts(pending)).toEqual(['one', 'two', 'three']);
      expect(pending[1]).toEqual(second);
      expect(await store.pendingFor(alice.key)).toEqual([]);
      expect(await store.unreadCounts(bob.key)).toEqual([
        { from: alice, count: 2 },
        { from: carol, count: 1 },
      ]);

      clock.now = 2_000_000;
      expect(await store.markDelivered(bob.key, [first.id, second.id, first.id])).toEqual([
        { id: first.id, from: alice.key, to: bob.key, state: { kind: 'delivered', deliveredAt: 2_000_000 } },
        { id: second.id, from: carol.key, to: bob.key, state: { kind: 'delivered', deliveredAt: 2_000_000 } },
      ]);
      expect(await store.markDelivered(bob.key, [first.id])).toEqual([]); // already delivered: no second receipt
      expect(texts(await store.pendingFor(bob.key))).toEqual(['three']);

      clock.now = 3_000_000;
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
      expect(whole[1]?.state).toEqual({ kind: 'delivered', deliveredAt: clock.now });
      expect(texts(await store.conversation(bob.key, alice.key, 2))).toEqual(['hi Alice', 'lunch?']);
      expect(texts(await store.conversation(alice.key, bob.key, 2, reply.id))).toEqual(['hi Bob']);
      // A page one side wrote alone, the other's older messages just past it.
      await send(store, alice, bob, 'one');
      const two = await send(store, alice, bob, 'two');
      expect(texts(await store.conversation(bob.key, alice.key, 2))).toEqual(['one', 'two']);
      expect(texts(await store.conversation(bob.key, alice.key, 3, two.id))).toEqual(['hi Alice', 'lunch?', 'one']);
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

    it('keeps a message from and to users seen in calls made before it, not yet answered', async () => {
      const store = await storeWith([alice]);
      const seen = store.sawUser(bob);
      const kept = store.storeMessage(bob.key, alice.key, 'from a newcomer');
      const sent = store.storeMessage(alice.key, bob.key, 'to a newcomer');
      expect(await seen).toMatchObject({ kind: 'stored' });
      expect(await kept).toMatchObject({ kind: 'stored', value: { from: bob, text: 'from a newcomer' } });
      expect(await sent).toMatchObject({ kind: 'stored', value: { to: bob, text: 'to a newcomer' } });
    });

    it('tells a kept message to `committed` before it answers, and a refused one never', async () => {
      const store = await storeWith([alice, bob]);
      const events: string[] = [];
      const kept = store.storeMessage(alice.key, bob.key, 'hello', (message) => events.push(`committed ${message.text} to ${message.to.name}`));
      const refused = store.storeMessage(alice.key, carol.key, 'to nobody', () => events.push('committed to nobody'));
      const outcomes = await Promise.all([kept.then((outcome) => (events.push('answered'), outcome)), refused]);
      expect(events).toEqual(['committed hello to Bob', 'answered']);
      expect(outcomes[0]).toMatchObject({ kind: 'stored', value: { text: 'hello' } });
      expect(outcomes[1]).toEqual({ kind: 'refused', reason: 'unknown-recipient' });
    });

    it('answers calls made over many turns in the order made, though each turn reaches the disk on its own', async () => {
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

  describe('voicemail', () => {
    it('keeps the recording, lists it newest first, plays, marks heard and deletes it', async () => {
      const { store, recordings } = await opened([alice, bob, carol]);
      const audio = new Uint8Array(5_000).fill(7);
      clock.now = 7_000_000;
      const first = await store.storeVoicemail({ from: alice.key, to: bob.key, format: 'ogg', durationMs: 4_200, audio });
      expect(first).toEqual({
        kind: 'stored',
        value: { id: expect.any(String), from: alice, to: bob, format: 'ogg', durationMs: 4_200, bytes: 5_000, createdAt: 7_000_000, heardAt: null },
      });
      const firstId = (first.kind === 'stored' ? first.value.id : '') as VoicemailId;
      const second = await leaveVoicemail(store, carol, bob);

      expect(await recordings()).toEqual([firstId, second].sort());
      expect((await store.voicemailsFor(bob.key)).map((voicemail) => voicemail.id)).toEqual([second, firstId]);
      expect(await store.voicemailAudio(bob.key, firstId)).toEqual(audio);

      clock.now = 8_000_000;
      expect(await store.markVoicemailHeard(bob.key, firstId)).toMatchObject({ id: firstId, heardAt: 8_000_000 });
      clock.now = 9_000_000;
      expect(await store.markVoicemailHeard(bob.key, firstId)).toMatchObject({ heardAt: 8_000_000 });

      expect(await store.deleteVoicemail(bob.key, firstId)).toBe(true);
      expect(await store.deleteVoicemail(bob.key, firstId)).toBe(false);
      expect(await store.voicemailAudio(bob.key, firstId)).toBeNull();
      expect(await recordings()).toEqual([second]);
      expect((await store.voicemailsFor(bob.key)).map((voicemail) => voicemail.id)).toEqual([second]);
    });

    it('refuses bad recordings and full mailboxes, leaving no recording behind', async () => {
      const { store, recordings } = await opened([alice, bob, carol, mallory], {
        maxVoicemailBytes: 100,
        maxVoicemailMs: 60_000,
        maxVoicemailsPerRecipient: 2,
        maxUnheardVoicemailsPerSender: 1,
      });
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
      expect(await recordings()).toHaveLength(3);
    });
  });

  describe('forget', () => {
    it("removes a user with every message and voicemail to or from them; a new user of that name starts afresh", async () => {
      const { store, recordings } = await opened([alice, bob, carol]);
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
      expect(await recordings()).toEqual([carolsOwn]);
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
}
