/**
 * Names stay their owner's: a host with a directory keeps the hash of the owner key a phone sent
 * with its first REGISTER of a name, and refuses that name to anyone without the key, so nobody
 * can register as an offline person to read what is kept for them.
 */
import { describe, expect, it } from 'vitest';
import { useServer } from './harness.js';
import { message, useDataDirs } from './mail-harness.js';

const harness = useServer();
const dataDir = useDataDirs();

const ALICE_KEY = 'alice-key-0123456789abcdefghijklmnopqrstu';
const THIEF_KEY = 'thief-key-0123456789abcdefghijklmnopqrstu';
const BELONGS = { status: 409, reason: 'That name belongs to someone else on this host', method: 'REGISTER' };

const register = (name: string, ownerKey?: string) => ({ method: 'REGISTER', body: { name, ...(ownerKey ? { ownerKey } : {}) } });

/** Alice registers with her key and leaves; Ada leaves her a message. */
async function aliceAwayWithMail(url: string) {
  const alice = await harness.register(url, 'Alice', { ownerKey: ALICE_KEY });
  const ada = await harness.register(url, 'Ada');
  await alice.close(1000);
  await ada.next((f) => f.body?.event === 'presence' && f.body.users.some((u: { name: string; state: string }) => u.name === 'Alice' && u.state === 'offline'));
  expect(await ada.request(message('Alice', 'the door code is 4711'))).toMatchObject({ status: 200 });
  return ada;
}

describe('names and who owns them', () => {
  it('refuses an offline name to a thief with no key or another key (409), who gets none of its messages; the owner gets them', async () => {
    const server = await harness.start({ dataDir: await dataDir() });
    await aliceAwayWithMail(server.url);

    const thief = await harness.connect(server.url);
    expect(await thief.request(register('Alice'))).toMatchObject(BELONGS);
    expect(await thief.request(register('ALICE', THIEF_KEY))).toMatchObject(BELONGS);
    expect(thief.unread((f) => f.method === 'MESSAGE' || f.method === 'NOTIFY')).toEqual([]);

    const owner = await harness.connect(server.url);
    expect(await owner.request(register('alice', ALICE_KEY))).toMatchObject({ status: 200, body: { name: 'alice' } });
    expect(await owner.next((f) => f.method === 'MESSAGE' && f.status === undefined)).toMatchObject({
      from: 'Ada',
      body: { text: 'the door code is 4711' },
    });
  });

  it('keeps the owner across a restart on the same data folder', async () => {
    const dir = await dataDir();
    const first = await harness.start({ dataDir: dir });
    await aliceAwayWithMail(first.url);
    await first.close();

    const second = await harness.start({ dataDir: dir });
    const thief = await harness.connect(second.url);
    expect(await thief.request(register('Alice', THIEF_KEY))).toMatchObject(BELONGS);
    const owner = await harness.connect(second.url);
    expect(await owner.request(register('Alice', ALICE_KEY))).toMatchObject({ status: 200 });
  });

  it('frees the name on forget: anyone may take it, and the old key no longer opens it', async () => {
    const server = await harness.start({ dataDir: await dataDir() });
    await aliceAwayWithMail(server.url);
    expect(await server.forget('Alice')).toMatchObject({ user: { name: 'Alice' }, messages: 1 });

    const newcomer = await harness.register(server.url, 'Alice', { ownerKey: THIEF_KEY });
    expect(newcomer.unread((f) => f.method === 'MESSAGE')).toEqual([]);
    await newcomer.close(1000);
    const former = await harness.connect(server.url);
    expect(await former.request(register('Alice', ALICE_KEY))).toMatchObject(BELONGS);
  });

  it('still lets a resume token take back a held registration without the key', async () => {
    const server = await harness.start({ dataDir: await dataDir(), graceMs: 5_000 });
    const alice = await harness.register(server.url, 'Alice', { ownerKey: ALICE_KEY });
    await alice.drop();
    const back = await harness.connect(server.url);
    expect(await back.request({ method: 'REGISTER', body: { name: 'Alice', resume: alice.resume } })).toMatchObject({ status: 200, body: { resumed: true } });
  });

  it('lets the first key claim a name registered without one, and holds it from then on', async () => {
    const server = await harness.start({ dataDir: await dataDir() });
    await (await harness.register(server.url, 'Bob')).close(1000);
    const keyless = await harness.register(server.url, 'Bob');
    await keyless.close(1000);
    await (await harness.register(server.url, 'Bob', { ownerKey: ALICE_KEY })).close(1000);
    const late = await harness.connect(server.url);
    expect(await late.request(register('Bob'))).toMatchObject(BELONGS);
  });

  it('refuses an owner key that is not 32 to 128 characters of A-Z a-z 0-9 _ - (400)', async () => {
    const server = await harness.start({ dataDir: await dataDir() });
    const client = await harness.connect(server.url);
    expect(await client.request(register('Carol', 'short'))).toMatchObject({ status: 400, method: 'REGISTER' });
    expect(await client.request(register('Carol', `${'x'.repeat(40)}!`))).toMatchObject({ status: 400 });
    expect(await client.request(register('Carol', 'c'.repeat(43)))).toMatchObject({ status: 200 });
  });
});
