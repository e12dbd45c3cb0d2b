/**
 * A phone book past `phoneBookLimit` is searched, not listed: REGISTER 200 says so, SEARCH answers
 * matching people and makes them the phone's watch list, and a presence change reaches only the
 * phones watching that user (or in a call with them). Within the limit nothing changes.
 */
import { describe, expect, it } from 'vitest';
import type { Frame, TestClient } from './client.js';
import { invite, newCallId, useServer } from './harness.js';
import { useDataDirs } from './mail-harness.js';

const harness = useServer();
const dataDir = useDataDirs();

const isPresence = (frame: Frame): boolean => frame.method === 'NOTIFY' && frame.status === undefined && frame.body?.event === 'presence';
const presenceFrames = (client: TestClient): Frame[] => client.received.filter(isPresence);
const notify = (users: Frame[]): Frame => ({ method: 'NOTIFY', cseq: expect.any(Number), body: { event: 'presence', users } });
/** Waits for the presence NOTIFY that tells of `name`. */
const heard = (client: TestClient, name: string): Promise<Frame> =>
  client.next((frame) => isPresence(frame) && (frame.body.users as Frame[]).some((user) => user.name === name));

async function registerAll(url: string, names: string[]): Promise<TestClient[]> {
  const clients: TestClient[] = [];
  for (const name of names) clients.push(await harness.register(url, name));
  return clients;
}

describe('a phone book within the limit', () => {
  it('is listed whole and every change is broadcast, as without a limit', async () => {
    const server = await harness.start({ phoneBookLimit: 3 });
    const [ann] = await registerAll(server.url, ['Ann', 'Bob']);
    const cyd = await harness.connect(server.url);
    const welcome = await cyd.request({ method: 'REGISTER', body: { name: 'Cyd' } });
    expect(welcome.body.users).toEqual([
      { name: 'Ann', state: 'online' },
      { name: 'Bob', state: 'online' },
    ]);
    expect(welcome.body).not.toHaveProperty('phoneBook');
    await heard(ann!, 'Cyd');
  });
});

describe('a phone book past the limit', () => {
  it('REGISTER 200 lists no one and says the book is searched, with its size', async () => {
    const server = await harness.start({ phoneBookLimit: 3 });
    await registerAll(server.url, ['Ann', 'Bob', 'Cyd']);
    const dee = await harness.connect(server.url);
    const welcome = await dee.request({ method: 'REGISTER', body: { name: 'Dee' } });
    expect(welcome.status).toBe(200);
    expect(welcome.body.users).toEqual([]);
    expect(welcome.body.phoneBook).toEqual({ searched: true, size: 4 });
  });

  it("counts the directory's offline people, and SEARCH finds them with when they were last seen", async () => {
    const server = await harness.start({ phoneBookLimit: 3, dataDir: await dataDir() });
    const [ann, bob, cyd] = await registerAll(server.url, ['Ann', 'Bob', 'Cyd']);
    await ann!.close();
    await bob!.close();
    await cyd!.next((frame) => isPresence(frame) && (frame.body.users as Frame[]).some((user) => user.name === 'Bob' && user.state === 'offline'));
    const dee = await harness.connect(server.url);
    expect((await dee.request({ method: 'REGISTER', body: { name: 'Dee' } })).body).toMatchObject({ users: [], phoneBook: { searched: true, size: 4 } });
    const found = await dee.request({ method: 'SEARCH', body: { query: 'an' } });
    expect(found.body).toEqual({ users: [{ name: 'Ann', state: 'offline', lastSeen: expect.any(Number) }], more: false });
    const eve = await harness.connect(server.url);
    expect((await eve.request({ method: 'REGISTER', body: { name: 'Eve' } })).body.phoneBook).toEqual({ searched: true, size: 5 });
  });

  it('SEARCH answers people with a word starting with the query, any case, with presence; more when the cap cut it', async () => {
    const server = await harness.start({ phoneBookLimit: 3, maxSearchResults: 2 });
    const [, , , dee] = await registerAll(server.url, ['Ann Bowman', 'Bob', 'bobby', 'Dee', 'Rob']);
    const capped = await dee!.request({ method: 'SEARCH', body: { query: 'BO' } });
    expect(capped).toMatchObject({ status: 200, method: 'SEARCH' });
    expect(capped.body).toEqual({ users: [{ name: 'Ann Bowman', state: 'online' }, { name: 'Bob', state: 'online' }], more: true });
    const narrower = await dee!.request({ method: 'SEARCH', body: { query: 'bobb' } });
    expect(narrower.body).toEqual({ users: [{ name: 'bobby', state: 'online' }], more: false });
    // "ob" starts no word: Bob and Rob are not found by a middle of a word; nor is the searcher itself.
    expect((await dee!.request({ method: 'SEARCH', body: { query: 'ob' } })).body).toEqual({ users: [], more: false });
    expect((await dee!.request({ method: 'SEARCH', body: { query: 'dee' } })).body).toEqual({ users: [], more: false });
  });

  it('finds a name at every letter typed of a word, and by a spelling that looks the same', async () => {
    const server = await harness.start({ phoneBookLimit: 1 });
    const [, dee] = await registerAll(server.url, ['Bern Clay', 'Dee']);
    // Names and queries are compared by look-alike keys (m is keyed as rn): typing a name as it is
    // spelt finds it at every letter, and so does a spelling that looks the same.
    for (const query of ['b', 'be', 'ber', 'bern', 'c', 'cl', 'cla', 'BERN C', 'bem']) {
      const answer = await dee!.request({ method: 'SEARCH', body: { query } });
      expect(answer.body, `${query}: ${answer.status} ${answer.reason}`).toEqual({ users: [{ name: 'Bern Clay', state: 'online' }], more: false });
    }
  });

  it("sends a searching phone only the changes of the people it found: another's change is not sent", async () => {
    const server = await harness.start({ phoneBookLimit: 3 });
    const [, bob, , carl, dee] = await registerAll(server.url, ['Ann', 'Bob', 'Bobby', 'Carl', 'Dee']);
    const found = await dee!.request({ method: 'SEARCH', body: { query: 'bo' } });
    expect(found.body.users).toEqual([{ name: 'Bob', state: 'online' }, { name: 'Bobby', state: 'online' }]);
    await carl!.request({ method: 'PUBLISH', body: { state: 'dnd' } });
    await bob!.request({ method: 'PUBLISH', body: { state: 'dnd' } });
    await heard(dee!, 'Bob');
    expect(presenceFrames(dee!)).toEqual([notify([{ name: 'Bob', state: 'dnd' }])]);
  });

  it('a new SEARCH replaces the watch list: the people of the last one are no longer heard', async () => {
    const server = await harness.start({ phoneBookLimit: 3 });
    const [ann, bob, , dee] = await registerAll(server.url, ['Ann', 'Bob', 'Cyd', 'Dee']);
    await dee!.request({ method: 'SEARCH', body: { query: 'bob' } });
    await dee!.request({ method: 'SEARCH', body: { query: 'ann' } });
    await bob!.request({ method: 'PUBLISH', body: { state: 'dnd' } });
    await ann!.request({ method: 'PUBLISH', body: { state: 'dnd' } });
    await heard(dee!, 'Ann');
    expect(presenceFrames(dee!)).toEqual([notify([{ name: 'Ann', state: 'dnd' }])]);
    // An empty query watches no one.
    expect((await dee!.request({ method: 'SEARCH', body: { query: '' } })).body).toEqual({ users: [], more: false });
    await ann!.request({ method: 'PUBLISH', body: { state: 'online' } });
    await dee!.request({ method: 'SEARCH', body: { query: 'bob' } });
    await bob!.request({ method: 'PUBLISH', body: { state: 'online' } });
    await heard(dee!, 'Bob');
    expect(presenceFrames(dee!)).toEqual([notify([{ name: 'Ann', state: 'dnd' }]), notify([{ name: 'Bob', state: 'online' }])]);
  });

  it('the parties to a call hear each other whatever they searched', async () => {
    const server = await harness.start({ phoneBookLimit: 3 });
    const [, , cyd, dee] = await registerAll(server.url, ['Ann', 'Bob', 'Cyd', 'Dee']);
    dee!.send(invite(newCallId(), 'Cyd'));
    await cyd!.nextRequest('INVITE');
    expect(await heard(dee!, 'Cyd')).toEqual(notify([{ name: 'Cyd', state: 'busy' }]));
    expect(await heard(cyd!, 'Dee')).toEqual(notify([{ name: 'Dee', state: 'busy' }]));
  });

  it('hostile queries get 400 and change nothing: the watch list stays', async () => {
    const server = await harness.start({ phoneBookLimit: 3 });
    const [ann, bob, , dee] = await registerAll(server.url, ['Ann', 'Bob', 'Cyd', 'Dee']);
    await dee!.request({ method: 'SEARCH', body: { query: 'bob' } });
    const hostile: [unknown, string][] = [
      ['b'.repeat(10_000), 'body.query: query is longer than 32 characters'],
      ['b'.repeat(33), 'body.query: query is longer than 32 characters'],
      ['bo\u0000', "body.query: query may hold only letters, digits, spaces and . _ - '"],
      ['<img src=x onerror=alert(1)>', "body.query: query may hold only letters, digits, spaces and . _ - '"],
      ['a\u200bnn', 'body.query: query may not hold invisible characters'],
      [42, expect.stringMatching(/^body\.query: /)],
    ];
    for (const [query, reason] of hostile) {
      const refused = await dee!.request({ method: 'SEARCH', body: { query } });
      expect({ status: refused.status, reason: refused.reason, body: refused.body }).toEqual({ status: 400, reason, body: undefined });
    }
    await ann!.request({ method: 'PUBLISH', body: { state: 'dnd' } });
    await bob!.request({ method: 'PUBLISH', body: { state: 'dnd' } });
    await heard(dee!, 'Bob');
    expect(presenceFrames(dee!)).toEqual([notify([{ name: 'Bob', state: 'dnd' }])]);
  });

  it('phones listed when the book outgrows the limit are told once, and from then on hear only whom they search', async () => {
    const server = await harness.start({ phoneBookLimit: 3 });
    const [ann, , cyd] = await registerAll(server.url, ['Ann', 'Bob', 'Cyd']);
    await heard(ann!, 'Cyd');
    const listedFrames = presenceFrames(ann!).length;
    const [dee] = await registerAll(server.url, ['Dee']);
    const told = await ann!.next((frame) => isPresence(frame) && frame.body.phoneBook !== undefined);
    expect(told).toEqual({ method: 'NOTIFY', cseq: expect.any(Number), body: { event: 'presence', users: [], phoneBook: { searched: true, size: 4 } } });
    await registerAll(server.url, ['Eve']);
    await cyd!.request({ method: 'PUBLISH', body: { state: 'dnd' } });
    expect((await ann!.request({ method: 'SEARCH', body: { query: 'dee' } })).body.users).toEqual([{ name: 'Dee', state: 'online' }]);
    await dee!.request({ method: 'PUBLISH', body: { state: 'dnd' } });
    await heard(ann!, 'Dee');
    expect(presenceFrames(ann!).slice(listedFrames)).toEqual([told, notify([{ name: 'Dee', state: 'dnd' }])]);
  });

  it('a phone that leaves takes its watch list: registered again it hears no one until it searches', async () => {
    const server = await harness.start({ phoneBookLimit: 3 });
    const [ann, bob, , dee] = await registerAll(server.url, ['Ann', 'Bob', 'Cyd', 'Dee']);
    await dee!.request({ method: 'SEARCH', body: { query: 'bob' } });
    await ann!.request({ method: 'SEARCH', body: { query: 'dee' } });
    await dee!.close();
    expect(await heard(ann!, 'Dee')).toEqual(notify([{ name: 'Dee', state: 'offline' }]));
    const [again] = await registerAll(server.url, ['Dee']);
    await again!.request({ method: 'SEARCH', body: { query: 'ann' } });
    await bob!.request({ method: 'PUBLISH', body: { state: 'dnd' } });
    await ann!.request({ method: 'PUBLISH', body: { state: 'dnd' } });
    await heard(again!, 'Ann');
    expect(presenceFrames(again!)).toEqual([notify([{ name: 'Ann', state: 'dnd' }])]);
  });

  it('SEARCH is rate-limited per phone: past the burst it gets 503 and the watch list stays', async () => {
    const server = await harness.start({ phoneBookLimit: 3, searchesPerSecond: 1 });
    const [ann, bob, , dee] = await registerAll(server.url, ['Ann', 'Bob', 'Cyd', 'Dee']);
    expect((await dee!.request({ method: 'SEARCH', body: { query: 'ann' } })).status).toBe(200);
    expect((await dee!.request({ method: 'SEARCH', body: { query: 'bob' } })).status).toBe(200);
    const refused = await dee!.request({ method: 'SEARCH', body: { query: 'ann' } });
    expect({ status: refused.status, reason: refused.reason, body: refused.body }).toEqual({ status: 503, reason: 'Too many searches: try again in 1 s', body: undefined });
    await ann!.request({ method: 'PUBLISH', body: { state: 'dnd' } });
    await bob!.request({ method: 'PUBLISH', body: { state: 'dnd' } });
    await heard(dee!, 'Bob');
    expect(presenceFrames(dee!)).toEqual([notify([{ name: 'Bob', state: 'dnd' }])]);
  });
});
