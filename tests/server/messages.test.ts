import { describe, expect, it } from 'vitest';
import { invite, newCallId, useServer } from './harness.js';
import { message, nextMessage, nextNotify, presenceOf, useDataDirs } from './mail-harness.js';
import type { TestClient } from './client.js';

const harness = useServer();
const dataDir = useDataDirs();

describe('directory', () => {
  it('lists everyone who registered, offline people with when they were last seen', async () => {
    const server = await harness.start({ dataDir: await dataDir() });
    const ada = await harness.register(server.url, 'Ada');
    const bob = await harness.register(server.url, 'Bob');
    const before = Date.now();
    await bob.close(1000);
    const gone = await presenceOf(ada, 'Bob', 'offline');
    expect(gone).toEqual({ name: 'Bob', state: 'offline', lastSeen: expect.any(Number) });
    expect(gone!.lastSeen).toBeGreaterThanOrEqual(before);

    const carol = await harness.connect(server.url);
    const welcome = await carol.request({ method: 'REGISTER', body: { name: 'Carol' } });
    expect(welcome.body.users).toEqual([{ name: 'Ada', state: 'online' }, { name: 'Bob', state: 'offline', lastSeen: gone!.lastSeen }]);
  });

  it('refuses a look-alike of an offline name (409), and takes the name back in another case', async () => {
    const server = await harness.start({ dataDir: await dataDir() });
    const alice = await harness.register(server.url, 'Alice');
    await alice.close(1000);
    const impostor = await harness.connect(server.url);
    expect(await impostor.request({ method: 'REGISTER', body: { name: 'AIice' } })).toMatchObject({ status: 409, reason: 'Name taken' });
    const back = await harness.connect(server.url);
    expect(await back.request({ method: 'REGISTER', body: { name: 'ALICE' } })).toMatchObject({ status: 200, body: { name: 'ALICE' } });
  });

  it('tells a registering phone the longest message it keeps, and says nothing of it without a data folder', async () => {
    const keeping = await harness.start({ dataDir: await dataDir(), storeLimits: { maxMessageBytes: 321 } });
    const ada = await harness.connect(keeping.url);
    expect(await ada.request({ method: 'REGISTER', body: { name: 'Ada' } })).toMatchObject({ status: 200, body: { maxMessageBytes: 321 } });
    const plain = await harness.start();
    const bob = await harness.connect(plain.url);
    expect((await bob.request({ method: 'REGISTER', body: { name: 'Bob' } })).body).not.toHaveProperty('maxMessageBytes');
  });

  it('answers a call to someone offline in the directory 480 "NAME is offline", an unknown name 404, and rings no one', async () => {
    const server = await harness.start({ dataDir: await dataDir() });
    const ada = await harness.register(server.url, 'Ada');
    await (await harness.register(server.url, 'Bob')).close(1000);
    await presenceOf(ada, 'Bob', 'offline');
    const toBob = newCallId();
    expect(await ada.request(invite(toBob, 'bob'))).toEqual({ status: 480, reason: 'Bob is offline', method: 'INVITE', cseq: 1, callId: toBob });
    const toNobody = newCallId();
    expect(await ada.request(invite(toNobody, 'Nobody'))).toEqual({ status: 404, reason: 'Not Found', method: 'INVITE', cseq: 1, callId: toNobody });
    // Positive control: Bob back online is rung as ever.
    const bob = await harness.register(server.url, 'Bob');
    ada.send(invite(newCallId(), 'Bob'));
    await ada.nextResponse(100, 'INVITE');
    expect(await bob.nextRequest('INVITE')).toMatchObject({ from: 'Ada' });
  });

  it('keeps no directory without a data folder: offline means gone, MESSAGE gets 501', async () => {
    const server = await harness.start();
    const ada = await harness.register(server.url, 'Ada');
    const bob = await harness.register(server.url, 'Bob');
    await bob.close(1000);
    expect(await presenceOf(ada, 'Bob', 'offline')).toEqual({ name: 'Bob', state: 'offline' });
    expect(await ada.request(message('Bob', 'hi'))).toMatchObject({ status: 501 });
    expect(await ada.request(invite(newCallId(), 'Bob'))).toMatchObject({ status: 404, reason: 'Not Found' });
  });
});

describe('messages', () => {
  it('delivers live, answers the sender 200 with the id, and relays delivered and read receipts', async () => {
    const server = await harness.start({ dataDir: await dataDir() });
    const ada = await harness.register(server.url, 'Ada');
    const bob = await harness.register(server.url, 'Bob');
    const sent = await ada.request(message('bob', '<b>hi</b> Bob', { from: 'Mallory' }));
    expect(sent).toMatchObject({ status: 200, method: 'MESSAGE', body: { id: expect.any(String), sentAt: expect.any(Number) } });
    const id = sent.body.id as string;
    expect(await nextMessage(bob)).toEqual({
      method: 'MESSAGE',
      cseq: expect.any(Number),
      from: 'Ada',
      to: 'Bob',
      body: { id, text: '<b>hi</b> Bob', sentAt: sent.body.sentAt },
    });

    bob.send({ method: 'NOTIFY', cseq: bob.nextCseq(), body: { event: 'receipt', state: 'delivered', ids: [id] } });
    expect(await nextNotify(ada, 'receipt')).toEqual({
      method: 'NOTIFY',
      cseq: expect.any(Number),
      from: 'Bob',
      body: { event: 'receipt', state: 'delivered', ids: [id], at: expect.any(Number) },
    });
    bob.send({ method: 'NOTIFY', cseq: bob.nextCseq(), body: { event: 'receipt', state: 'read', ids: [id] } });
    expect(await nextNotify(ada, 'receipt')).toMatchObject({ from: 'Bob', body: { state: 'read', ids: [id] } });
  });

  it('keeps messages for an offline user and delivers them on sign-in, oldest first, with unread counts and one receipt per sender', async () => {
    const server = await harness.start({ dataDir: await dataDir() });
    const ada = await harness.register(server.url, 'Ada');
    const carol = await harness.register(server.url, 'Carol');
    await (await harness.register(server.url, 'Bob')).close(1000);
    const ids: string[] = [];
    for (const text of ['one', 'two', 'three']) ids.push((await ada.request(message('Bob', text))).body.id);
    ids.push((await carol.request(message('Bob', 'four'))).body.id);

    const bob = await harness.register(server.url, 'Bob');
    const arrived = [await nextMessage(bob), await nextMessage(bob), await nextMessage(bob), await nextMessage(bob)];
    expect(arrived.map((frame) => [frame.from, frame.body.text, frame.body.id])).toEqual([
      ['Ada', 'one', ids[0]],
      ['Ada', 'two', ids[1]],
      ['Ada', 'three', ids[2]],
      ['Carol', 'four', ids[3]],
    ]);
    const summary = await nextNotify(bob, 'message-summary');
    expect(summary.body).toEqual({ event: 'message-summary', unread: expect.arrayContaining([{ name: 'Ada', count: 3 }, { name: 'Carol', count: 1 }]), voicemails: [] });
    expect(summary.body.unread).toHaveLength(2);

    // One report for all four: each sender hears of its own, in one receipt, in the order reported.
    bob.send({ method: 'NOTIFY', cseq: bob.nextCseq(), body: { event: 'receipt', state: 'delivered', ids } });
    expect(await nextNotify(ada, 'receipt')).toMatchObject({ from: 'Bob', body: { state: 'delivered', ids: ids.slice(0, 3) } });
    expect(await nextNotify(carol, 'receipt')).toMatchObject({ from: 'Bob', body: { state: 'delivered', ids: [ids[3]] } });
  });

  it('answers each limit with a clear status and keeps nothing', async () => {
    const server = await harness.start({
      dataDir: await dataDir(),
      storeLimits: { maxMessageBytes: 10, maxUndeliveredPerRecipient: 2, maxUndeliveredPerSender: 3 },
    });
    const ada = await harness.register(server.url, 'Ada');
    await (await harness.register(server.url, 'Bob')).close(1000);
    await (await harness.register(server.url, 'Carol')).close(1000);
    expect(await ada.request(message('Bob', 'x'.repeat(11)))).toMatchObject({ status: 400, reason: 'text: at most 10 bytes (UTF-8)' });
    expect(await ada.request(message('Bob', 'é'.repeat(6)))).toMatchObject({ status: 400 }); // 12 bytes in UTF-8
    expect(await ada.request(message('Bob', ''))).toMatchObject({ status: 400, reason: 'body.text: text is empty' });
    expect(await ada.request(message('Bob', 'a\u0007'))).toMatchObject({ status: 400 });
    expect(await ada.request(message('Nobody', 'hi'))).toMatchObject({ status: 404 });
    expect(await ada.request(message('Ada', 'hi'))).toMatchObject({ status: 400, reason: 'to: message someone else' });
    expect(await ada.request(message('Bob', 'one'))).toMatchObject({ status: 200 });
    expect(await ada.request(message('Bob', 'two\nlines'))).toMatchObject({ status: 200 });
    expect(await ada.request(message('Bob', 'three'))).toMatchObject({ status: 480, reason: 'Their mailbox is full' });
    expect(await ada.request(message('Carol', 'one'))).toMatchObject({ status: 200 });
    expect(await ada.request(message('Carol', 'two'))).toMatchObject({ status: 503, reason: 'Too many of your messages are waiting' });

    const bob = await harness.register(server.url, 'Bob');
    expect([(await nextMessage(bob)).body.text, (await nextMessage(bob)).body.text]).toEqual(['one', 'two\nlines']);
    await bob.assertQuiet({ allowPresence: true });
  });

  it('never lets a stranger read or mark another user\'s messages', async () => {
    const server = await harness.start({ dataDir: await dataDir() });
    const ada = await harness.register(server.url, 'Ada');
    const mallory = await harness.register(server.url, 'Mallory');
    await (await harness.register(server.url, 'Bob')).close(1000);
    const id = (await ada.request(message('Bob', 'for Bob only'))).body.id as string;

    // Mallory guesses the id: marking it read or delivered changes nothing and tells Ada nothing.
    mallory.send({ method: 'NOTIFY', cseq: mallory.nextCseq(), body: { event: 'receipt', state: 'read', ids: [id] } });
    mallory.send({ method: 'NOTIFY', cseq: mallory.nextCseq(), body: { event: 'receipt', state: 'delivered', ids: [id] } });
    await mallory.assertQuiet({ allowPresence: true });
    await ada.assertQuiet({ allowPresence: true });

    // Bob still gets it, unread; Mallory never saw it.
    const bob = await harness.register(server.url, 'Bob');
    expect(await nextMessage(bob)).toMatchObject({ from: 'Ada', body: { id, text: 'for Bob only' } });
    expect((await nextNotify(bob, 'message-summary')).body.unread).toEqual([{ name: 'Ada', count: 1 }]);
    // Awaited, not looked up: under load a registration's summary may come after all the above.
    expect((await nextNotify(mallory, 'message-summary')).body).toEqual({ event: 'message-summary', unread: [], voicemails: [] });
    expect(mallory.received.filter((frame) => frame.method === 'MESSAGE')).toEqual([]);
  });

  it('refuses a malformed receipt with 400 and changes nothing', async () => {
    const server = await harness.start({ dataDir: await dataDir() });
    const ada = await harness.register(server.url, 'Ada');
    ada.send({ method: 'NOTIFY', cseq: 7, body: { event: 'receipt', state: 'seen', ids: ['abcdefgh'] } });
    expect(await ada.next((f) => f.status === 400 && f.cseq === 7)).toMatchObject({ method: 'NOTIFY' });
    ada.send({ method: 'NOTIFY', cseq: 8, body: { event: 'receipt', state: 'read', ids: Array.from({ length: 201 }, (_, i) => `message-${i}`) } });
    expect(await ada.next((f) => f.status === 400 && f.cseq === 8)).toMatchObject({ method: 'NOTIFY' });
  });
});

describe('forget and restart', () => {
  it('forgets a name while running: its messages go, phone books drop it, a message to it gets 404', async () => {
    const server = await harness.start({ dataDir: await dataDir() });
    const ada = await harness.register(server.url, 'Ada');
    await (await harness.register(server.url, 'Bob')).close(1000);
    await presenceOf(ada, 'Bob', 'offline');
    await ada.request(message('Bob', 'one'));
    await ada.request(message('Bob', 'two'));
    expect(await server.forget('BOB')).toEqual({ user: { key: 'bob', name: 'Bob' }, messages: 2, voicemails: 0 });
    expect(await presenceOf(ada, 'Bob', 'offline')).toEqual({ name: 'Bob', state: 'offline' });
    expect(await ada.request(message('Bob', 'three'))).toMatchObject({ status: 404 });
    expect(await server.forget('Bob')).toBeNull();
    // The name is free again, and nothing waits for whoever takes it.
    const newBob = await harness.register(server.url, 'Bob');
    expect(await nextNotify(newBob, 'message-summary')).toMatchObject({ body: { unread: [], voicemails: [] } });
    expect(newBob.unread((f) => f.method === 'MESSAGE')).toEqual([]);
  });

  it('keeps the directory and waiting messages across a restart on the same data folder', async () => {
    const dir = await dataDir();
    const first = await harness.start({ dataDir: dir });
    const ada = await harness.register(first.url, 'Ada');
    await (await harness.register(first.url, 'Bob')).close(1000);
    const id = (await ada.request(message('Bob', 'see you tomorrow'))).body.id as string;
    await first.close();

    const second = await harness.start({ dataDir: dir });
    const carol = await harness.connect(second.url);
    const welcome = await carol.request({ method: 'REGISTER', body: { name: 'Carol' } });
    expect(welcome.body.users).toEqual([
      { name: 'Ada', state: 'offline', lastSeen: expect.any(Number) },
      { name: 'Bob', state: 'offline', lastSeen: expect.any(Number) },
    ]);
    const bob = await harness.register(second.url, 'Bob');
    expect(await nextMessage(bob)).toMatchObject({ from: 'Ada', to: 'Bob', body: { id, text: 'see you tomorrow' } });
  });

  it('refuses a second server on the same data folder', async () => {
    const dir = await dataDir();
    await harness.start({ dataDir: dir });
    await expect(harness.start({ dataDir: dir })).rejects.toThrow(/in use/);
  });
});
