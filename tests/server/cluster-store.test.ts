/** The directory, messages and voicemail on a cluster: one store in the nodes' Redis, every node's mirror in step. */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { exited } from '../support/exited.js';
import type { TestClient } from './client.js';
import { useCluster } from './cluster-harness.js';
import { http, json, message, nextMessage, nextNotify, presenceOf, receipt } from './mail-harness.js';

const cluster = useCluster();

const welcomeOf = async (url: string, name: string) => {
  const client = await cluster.connect(url);
  const welcome = await client.request({ method: 'REGISTER', body: { name } });
  return { client, welcome };
};
const recording = Buffer.from('OggS fake opus pages, left through one node and played through another');

describe('messages across nodes', () => {
  it('go live to a recipient on another node, and its receipts come back to the sender', async () => {
    const [a, b] = await cluster.three();
    const ada = await cluster.register(a!.url, 'Ada');
    const bob = await cluster.register(b!.url, 'Bob');
    // As a person would: Ada writes once her phone book shows Bob.
    await presenceOf(ada, 'Bob', 'online');
    const sent = await ada.request(message('bob', '<i>hi</i> from node a'));
    expect(sent).toMatchObject({ status: 200, body: { id: expect.any(String), sentAt: expect.any(Number) } });
    const id = sent.body.id as string;
    expect(await nextMessage(bob)).toEqual({
      method: 'MESSAGE',
      cseq: expect.any(Number),
      from: 'Ada',
      to: 'Bob',
      body: { id, text: '<i>hi</i> from node a', sentAt: sent.body.sentAt },
    });
    receipt(bob, 'delivered', [id]);
    expect((await nextNotify(ada, 'receipt')).body).toEqual({ event: 'receipt', state: 'delivered', ids: [id], at: expect.any(Number) });
    receipt(bob, 'read', [id]);
    expect((await nextNotify(ada, 'receipt')).body).toEqual({ event: 'receipt', state: 'read', ids: [id], at: expect.any(Number) });
  }, 20_000); // the first test of the file starts the nodes' Redis client too

  it('wait for an offline recipient, and reach it, oldest first, when it registers on any node', async () => {
    const [a, b, c] = await cluster.three();
    const bob = await cluster.register(b!.url, 'Bob');
    await bob.close(1000);
    // Node a never saw Bob: it knows him from node b, through the cluster.
    const ada = await cluster.register(a!.url, 'Ada');
    await expect.poll(async () => (await ada.request(message('Bob', 'first'))).status).toBe(200);
    expect(await ada.request(message('Bob', 'second'))).toMatchObject({ status: 200 });
    const back = await cluster.connect(c!.url);
    expect(await back.request({ method: 'REGISTER', body: { name: 'Bob' } })).toMatchObject({ status: 200 });
    expect((await nextMessage(back)).body.text).toBe('first');
    expect((await nextMessage(back)).body.text).toBe('second');
    expect((await nextNotify(back, 'message-summary')).body.unread).toEqual([{ name: 'Ada', count: 2 }]);
  });

  it("never lets a stranger on another node mark or learn another's messages", async () => {
    const [a, b, c] = await cluster.three();
    const ada = await cluster.register(a!.url, 'Ada');
    const bob = await cluster.register(b!.url, 'Bob');
    const mallory = await cluster.register(c!.url, 'Mallory');
    await presenceOf(ada, 'Bob', 'online');
    const id = (await ada.request(message('Bob', 'for Bob only'))).body.id as string;
    await nextMessage(bob);
    receipt(mallory, 'read', [id]);
    receipt(mallory, 'delivered', [id]);
    // Bob's own report is the first and only receipt Ada hears.
    receipt(bob, 'delivered', [id]);
    expect((await nextNotify(ada, 'receipt')).body).toMatchObject({ state: 'delivered', ids: [id] });
    await bob.close(1000);
    const again = await cluster.connect(c!.url);
    await expect.poll(async () => (await again.request({ method: 'REGISTER', body: { name: 'Bob' } })).status).toBe(200);
    expect((await nextNotify(again, 'message-summary')).body.unread).toEqual([{ name: 'Ada', count: 1 }]);
    await ada.assertQuiet({ allowPresence: true });
  });
});

describe('a Redis that comes back empty', () => {
  it('is given back the online users by their nodes, so their messages are kept again', async () => {
    const [a, b] = await cluster.three();
    const ada = await cluster.register(a!.url, 'Ada');
    const bob = await cluster.register(b!.url, 'Bob');
    await cluster.redis.kill();
    await cluster.redis.restart();
    // Until the nodes are back the store answers 500; then Ada and Bob are known to it again.
    await expect.poll(async () => (await ada.request(message('Bob', 'after the outage'))).status, { timeout: 10_000 }).toBe(200);
    expect((await nextMessage(bob)).body.text).toBe('after the outage');
  }, 20_000);
});

describe('the directory across nodes', () => {
  it('shows a name seen on one node, offline with its last seen, in every node\'s phone book, and refuses its look-alikes there', async () => {
    const [a, b, c] = await cluster.three();
    const alice = await cluster.register(a!.url, 'Alice');
    const watcher = await cluster.register(b!.url, 'Watcher');
    await alice.close(1000);
    const gone = await presenceOf(watcher, 'Alice', 'offline');
    expect(gone).toEqual({ name: 'Alice', state: 'offline', lastSeen: expect.any(Number) });
    const { welcome } = await welcomeOf(c!.url, 'Carol');
    expect(welcome.body.users).toContainEqual({ name: 'Alice', state: 'offline', lastSeen: expect.any(Number) });
    const impostor = await cluster.connect(b!.url);
    expect(await impostor.request({ method: 'REGISTER', body: { name: 'AIice' } })).toMatchObject({ status: 409, reason: 'Name taken' });
  });

  it('forgets a name on every node when one node forgets it', async () => {
    const [a, b, c] = await cluster.three();
    const bob = await cluster.register(b!.url, 'Bob');
    await bob.close(1000);
    const ada = await cluster.register(a!.url, 'Ada');
    await expect.poll(async () => (await ada.request(message('Bob', 'kept for Bob'))).status).toBe(200);
    expect(await b!.forget('bob')).toEqual({ user: { key: 'bob', name: 'Bob' }, messages: 1, voicemails: 0 });
    await expect.poll(async () => (await ada.request(message('Bob', 'still there?'))).status).toBe(404);
    const { welcome } = await welcomeOf(c!.url, 'Carol');
    expect(welcome.body.users).toEqual([{ name: 'Ada', state: 'online' }]);
  });

  it('--forget NAME with --redis removes a name from the cluster while its nodes run', async () => {
    const [a, b] = await cluster.three();
    const bob = await cluster.register(b!.url, 'Bob');
    await bob.close(1000);
    const ada = await cluster.register(a!.url, 'Ada');
    await expect.poll(async () => (await ada.request(message('Bob', 'kept for Bob'))).status).toBe(200);
    const cli = fileURLToPath(new URL('../../signal-server/cli.ts', import.meta.url));
    const forget = (name: string) =>
      exited(spawn(process.execPath, ['--import', 'tsx', cli, '--forget', name, '--redis', cluster.redis.url], { stdio: ['ignore', 'pipe', 'pipe'] }));
    expect(await forget('BOB')).toEqual({ code: 0, stdout: 'Forgot Bob: 1 messages and 0 voicemails removed.\n', stderr: '' });
    await expect.poll(async () => (await ada.request(message('Bob', 'still there?'))).status).toBe(404);
    expect(await forget('Bob')).toMatchObject({ code: 1, stderr: `leanphone serve: Bob is not in the directory in ${cluster.redis.url}\n` });
  }, 30_000);
});

describe('voicemail across nodes', () => {
  it('left through one node is played by its recipient through another, and by nobody else', async () => {
    const [a, b, c] = await cluster.three();
    const ada = await cluster.register(a!.url, 'Ada');
    const bob = await cluster.register(b!.url, 'Bob');
    const mallory = await cluster.register(c!.url, 'Mallory');
    await presenceOf(ada, 'Bob', 'online');
    const upload = await ada.request({ method: 'VOICEMAIL', to: 'Bob', body: { ticket: 'upload' } });
    expect(upload).toMatchObject({ status: 200 });
    const stored = await http(
      a!.port,
      'POST',
      '/voicemail',
      { authorization: `Bearer ${upload.body.ticket}`, 'content-type': 'audio/ogg; codecs=opus', 'x-voicemail-duration-ms': '4200' },
      recording,
    );
    expect(stored.status).toBe(201);
    const id = json(stored).id as string;
    expect((await bob.next((f) => f.method === 'NOTIFY' && f.body?.event === 'message-summary' && f.body.voicemails.length > 0)).body.voicemails).toEqual([
      { id, from: 'Ada', durationMs: 4200, createdAt: expect.any(Number), heard: false },
    ]);

    const mallorys = (await mallory.request({ method: 'VOICEMAIL', body: { ticket: 'mailbox' } })).body.ticket as string;
    expect((await http(c!.port, 'GET', `/voicemail/${id}`, { authorization: `Bearer ${mallorys}` })).status).toBe(404);
    expect((await http(c!.port, 'DELETE', `/voicemail/${id}`, { authorization: `Bearer ${mallorys}` })).status).toBe(404);
    // A ticket is its node's: on another node it opens nothing.
    expect((await http(b!.port, 'GET', `/voicemail/${id}`, { authorization: `Bearer ${mallorys}` })).status).toBe(401);

    const bobs = (await bob.request({ method: 'VOICEMAIL', body: { ticket: 'mailbox' } })).body.ticket as string;
    const played = await http(b!.port, 'GET', `/voicemail/${id}`, { authorization: `Bearer ${bobs}` });
    expect(played.status).toBe(200);
    expect(played.body.equals(recording)).toBe(true);
  });
});
