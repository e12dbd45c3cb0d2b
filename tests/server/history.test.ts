import { describe, expect, it } from 'vitest';
import { MAX_FRAME_BYTES } from '../../common/protocol.js';
import { useServer } from './harness.js';
import { message, nextMessage, useDataDirs } from './mail-harness.js';
import type { Frame, TestClient } from './client.js';

const harness = useServer();
const dataDir = useDataDirs();

const history = (to: string, body: Record<string, unknown> = {}) => ({ method: 'HISTORY', to, body });
const texts = (answer: Frame): string[] => answer.body.messages.map((entry: { text: string }) => entry.text);

/** Ada sends Bob (offline) `count` messages "1".."count"; answers their ids, oldest first. */
async function sendMany(ada: TestClient, count: number, text = (n: number) => String(n)): Promise<string[]> {
  const ids: string[] = [];
  for (let n = 1; n <= count; n += 1) ids.push((await ada.request(message('Bob', text(n)))).body.id as string);
  return ids;
}

describe('conversation history', () => {
  it('gives either party the latest messages both ways, oldest first, with their states', async () => {
    const server = await harness.start({ dataDir: await dataDir() });
    const ada = await harness.register(server.url, 'Ada');
    await (await harness.register(server.url, 'Bob')).close(1000);
    const [one, two] = await sendMany(ada, 2, (n) => (n === 1 ? 'one' : 'two'));
    const bob = await harness.register(server.url, 'Bob');
    await nextMessage(bob);
    await nextMessage(bob);
    bob.send({ method: 'NOTIFY', cseq: bob.nextCseq(), body: { event: 'receipt', state: 'delivered', ids: [one, two] } });
    bob.send({ method: 'NOTIFY', cseq: bob.nextCseq(), body: { event: 'receipt', state: 'read', ids: [one] } });
    await ada.next((f) => f.body?.event === 'receipt' && f.body.state === 'read');
    const three = (await bob.request(message('ada', 'three'))).body;

    // Ada signs in elsewhere (a reload): her phone knows nothing, the host tells her.
    await ada.close(1000);
    const again = await harness.register(server.url, 'Ada');
    const answer = await again.request(history('bob'));
    expect(answer).toMatchObject({ status: 200, method: 'HISTORY' });
    expect(answer.body).toEqual({
      messages: [
        { id: one, from: 'Ada', to: 'Bob', text: 'one', sentAt: expect.any(Number), state: 'read' },
        { id: two, from: 'Ada', to: 'Bob', text: 'two', sentAt: expect.any(Number), state: 'delivered' },
        { id: three.id, from: 'Bob', to: 'Ada', text: 'three', sentAt: three.sentAt, state: 'sent' },
      ],
      more: false,
    });
    // Asking changes nothing: Bob is told of no receipt, and Bob sees the same from his side.
    expect((await bob.request(history('Ada'))).body).toEqual(answer.body);
    await bob.assertQuiet({ allowPresence: true });
  });

  it('caps a page at the host page size however many are asked for, and pages back by the oldest id', async () => {
    const server = await harness.start({ dataDir: await dataDir(), historyPageSize: 5 });
    const ada = await harness.register(server.url, 'Ada');
    await (await harness.register(server.url, 'Bob')).close(1000);
    const ids = await sendMany(ada, 12);

    const latest = await ada.request(history('Bob', { limit: 200 }));
    expect(latest.body.more).toBe(true);
    expect(texts(latest)).toEqual(['8', '9', '10', '11', '12']);
    const earlier = await ada.request(history('Bob', { before: ids[7] }));
    expect([texts(earlier), earlier.body.more]).toEqual([['3', '4', '5', '6', '7'], true]);
    const first = await ada.request(history('Bob', { before: ids[2], limit: 3 }));
    expect([texts(first), first.body.more]).toEqual([['1', '2'], false]);
    const fewer = await ada.request(history('Bob', { limit: 2 }));
    expect([texts(fewer), fewer.body.more]).toEqual([['11', '12'], true]);
  });

  it('caps a page at 50 by default', async () => {
    const server = await harness.start({ dataDir: await dataDir() });
    const ada = await harness.register(server.url, 'Ada');
    await (await harness.register(server.url, 'Bob')).close(1000);
    await sendMany(ada, 53);
    const latest = await ada.request(history('Bob', { limit: 200 }));
    expect(latest.body.messages).toHaveLength(50);
    expect([texts(latest)[0], latest.body.more]).toEqual(['4', true]);
  });

  it('keeps a page inside one frame: long messages make shorter pages', async () => {
    const server = await harness.start({ dataDir: await dataDir(), storeLimits: { maxMessageBytes: 20_000 } });
    const ada = await harness.register(server.url, 'Ada');
    await (await harness.register(server.url, 'Bob')).close(1000);
    await sendMany(ada, 6, (n) => `${n}${'é'.repeat(9_000)}`);
    const frames: string[] = [];
    ada.ws.on('message', (data: Buffer) => frames.push(data.toString()));
    const latest = await ada.request(history('Bob'));
    expect(latest.body.more).toBe(true);
    expect(latest.body.messages.length).toBeGreaterThan(0);
    expect(latest.body.messages.length).toBeLessThan(6);
    expect(latest.body.messages.at(-1).text.startsWith('6')).toBe(true);
    const sizes = frames.filter((frame) => frame.includes('"HISTORY"')).map((frame) => Buffer.byteLength(frame));
    expect(sizes.length).toBe(1);
    expect(sizes[0]).toBeLessThanOrEqual(MAX_FRAME_BYTES);
  });

  it("gives a stranger nothing of another pair's messages, even with a real id", async () => {
    const server = await harness.start({ dataDir: await dataDir() });
    const ada = await harness.register(server.url, 'Ada');
    const mallory = await harness.register(server.url, 'Mallory');
    await (await harness.register(server.url, 'Bob')).close(1000);
    const [secret] = await sendMany(ada, 1, () => 'for Bob only');
    const mine = (await mallory.request(message('Bob', 'hello Bob'))).body.id as string;

    // Her own conversation with each of them holds only her own message.
    expect((await mallory.request(history('Bob'))).body).toEqual({
      messages: [{ id: mine, from: 'Mallory', to: 'Bob', text: 'hello Bob', sentAt: expect.any(Number), state: 'sent' }],
      more: false,
    });
    expect((await mallory.request(history('Ada'))).body).toEqual({ messages: [], more: false });
    expect((await mallory.request(history('Bob', { before: secret }))).body).toEqual({ messages: [], more: false });
    expect((await mallory.request(history('Ada', { before: secret }))).body).toEqual({ messages: [], more: false });
    expect(JSON.stringify(mallory.received)).not.toContain('for Bob only');
    // The honest pair still sees it.
    expect(texts(await ada.request(history('Bob')))).toEqual(['for Bob only']);
  });

  it('answers a bad request with a clear status and nothing else', async () => {
    const server = await harness.start({ dataDir: await dataDir() });
    const ada = await harness.register(server.url, 'Ada');
    expect(await ada.request(history('Nobody'))).toMatchObject({ status: 404, method: 'HISTORY' });
    expect(await ada.request(history('ADA'))).toMatchObject({ status: 400, reason: 'to: ask about someone else' });
    expect(await ada.request(history('Bob', { limit: 0 }))).toMatchObject({ status: 400 });
    expect(await ada.request(history('Bob', { limit: 201 }))).toMatchObject({ status: 400 });
    expect(await ada.request(history('Bob', { before: 'no' }))).toMatchObject({ status: 400 });
    expect(await ada.request({ method: 'HISTORY', body: {} })).toMatchObject({ status: 400, reason: 'to: is required' });
    const plain = await harness.start();
    const bob = await harness.register(plain.url, 'Bob');
    await harness.register(plain.url, 'Carol');
    expect(await bob.request(history('Carol'))).toMatchObject({ status: 501 });
  });
});
