import { describe, expect, it } from 'vitest';
import type { SignalServerOptions } from '../../signal-server/options.js';
import type { TestClient } from './client.js';
import { useServer } from './harness.js';
import { http, json, useDataDirs } from './mail-harness.js';

const harness = useServer();
const dataDir = useDataDirs();

const recording = Buffer.from('OggS fake opus pages, as a page would record them');

async function setUp(options: SignalServerOptions = {}) {
  const server = await harness.start({ dataDir: await dataDir(), ...options });
  const ada = await harness.register(server.url, 'Ada');
  const bob = await harness.register(server.url, 'Bob');
  const mallory = await harness.register(server.url, 'Mallory');
  return { server, ada, bob, mallory };
}

const uploadTicket = async (client: TestClient, to: string) => {
  const answer = await client.request({ method: 'VOICEMAIL', to, body: { ticket: 'upload' } });
  expect(answer).toMatchObject({ status: 200, body: { ticket: expect.any(String), expiresAt: expect.any(Number) } });
  return answer.body.ticket as string;
};
const mailboxTicket = async (client: TestClient) => (await client.request({ method: 'VOICEMAIL', body: { ticket: 'mailbox' } })).body.ticket as string;

const upload = (port: number, ticket: string | null, body: Buffer | Buffer[] = recording, headers: Record<string, string> = {}) =>
  http(
    port,
    'POST',
    '/voicemail',
    {
      ...(ticket === null ? {} : { authorization: `Bearer ${ticket}` }),
      'content-type': 'audio/ogg; codecs=opus',
      'x-voicemail-duration-ms': '4200',
      ...headers,
    },
    body,
  );
const fetchVoicemail = (port: number, ticket: string, id: string, method = 'GET') => http(port, method, `/voicemail/${id}`, { authorization: `Bearer ${ticket}` });
const nextSummary = (client: TestClient) => client.next((f) => f.method === 'NOTIFY' && f.body?.event === 'message-summary' && f.body.voicemails.length > 0);

describe('voicemail', () => {
  it('takes an upload with a ticket, tells the callee, and lets only the callee play and delete it', async () => {
    const { server, ada, bob } = await setUp();
    const ticket = await uploadTicket(ada, 'bob');
    const stored = await upload(server.port, ticket);
    expect(stored.status).toBe(201);
    const id = json(stored).id as string;

    expect((await nextSummary(bob)).body).toEqual({
      event: 'message-summary',
      unread: [],
      voicemails: [{ id, from: 'Ada', durationMs: 4200, createdAt: expect.any(Number), heard: false }],
    });
    const mailbox = await mailboxTicket(bob);
    const played = await fetchVoicemail(server.port, mailbox, id);
    expect(played.status).toBe(200);
    expect(played.headers['content-type']).toBe('audio/ogg');
    expect(played.headers['cache-control']).toBe('no-store');
    expect(played.body.equals(recording)).toBe(true);
    expect((await fetchVoicemail(server.port, mailbox, id, 'DELETE')).status).toBe(204);
    expect((await fetchVoicemail(server.port, mailbox, id)).status).toBe(404);
  });

  it('never lets a stranger, or the caller, play or delete someone else\'s voicemail', async () => {
    const { server, ada, bob, mallory } = await setUp();
    const id = json(await upload(server.port, await uploadTicket(ada, 'Bob'))).id as string;

    for (const outsider of [mallory, ada]) {
      const ticket = await mailboxTicket(outsider);
      expect((await fetchVoicemail(server.port, ticket, id)).status).toBe(404);
      expect((await fetchVoicemail(server.port, ticket, id, 'DELETE')).status).toBe(404);
    }
    // An upload ticket, no ticket, or a ticket in the URL opens nothing.
    const upload2 = await uploadTicket(mallory, 'Bob');
    expect((await fetchVoicemail(server.port, upload2, id)).status).toBe(401);
    expect((await http(server.port, 'GET', `/voicemail/${id}`, {})).status).toBe(401);
    const mallorys = await mailboxTicket(mallory);
    expect((await http(server.port, 'GET', `/voicemail/${id}?ticket=${mallorys}`, {})).status).toBe(401);
    // Nor does the WebSocket: Mallory's summary lists nothing of Bob's.
    expect(mallory.received.filter((f) => f.body?.event === 'message-summary').flatMap((f) => f.body.voicemails)).toEqual([]);

    // Positive control: it is all still there for Bob.
    const played = await fetchVoicemail(server.port, await mailboxTicket(bob), id);
    expect(played.status).toBe(200);
    expect(played.body.equals(recording)).toBe(true);
  });

  it('spends an upload ticket on use and refuses uploads without a good one', async () => {
    const { server, ada } = await setUp();
    const ticket = await uploadTicket(ada, 'Bob');
    expect((await upload(server.port, null)).status).toBe(401);
    expect((await upload(server.port, await mailboxTicket(ada))).status).toBe(401);
    expect((await upload(server.port, ticket)).status).toBe(201);
    expect(json(await upload(server.port, ticket))).toEqual({ error: 'no-ticket' });
    expect((await http(server.port, 'PUT', '/voicemail', {})).status).toBe(405);
    expect(await ada.request({ method: 'VOICEMAIL', to: 'Nobody', body: { ticket: 'upload' } })).toMatchObject({ status: 404 });
    expect(await ada.request({ method: 'VOICEMAIL', body: { ticket: 'upload' } })).toMatchObject({ status: 400 });
  });

  it('caps the size, the duration and the format of a recording', async () => {
    const { server, ada, bob } = await setUp({ storeLimits: { maxVoicemailBytes: 1000, maxVoicemailMs: 60_000 }, voicemailBurst: 10 });
    const tooBig = Buffer.alloc(1001, 1);
    expect(json(await upload(server.port, await uploadTicket(ada, 'Bob'), tooBig))).toEqual({ error: 'too-big' });
    // Without a Content-Length (chunked), the server stops reading at the cap.
    const chunks = Array.from({ length: 20 }, () => Buffer.alloc(100, 2));
    expect((await upload(server.port, await uploadTicket(ada, 'Bob'), chunks)).status).toBe(413);
    expect((await upload(server.port, await uploadTicket(ada, 'Bob'), recording, { 'x-voicemail-duration-ms': '60001' })).status).toBe(400);
    expect((await upload(server.port, await uploadTicket(ada, 'Bob'), recording, { 'x-voicemail-duration-ms': '0' })).status).toBe(400);
    expect((await upload(server.port, await uploadTicket(ada, 'Bob'), recording, { 'content-type': 'audio/wav' })).status).toBe(415);
    // At the caps exactly, it is kept.
    const atCap = await upload(server.port, await uploadTicket(ada, 'Bob'), Buffer.alloc(1000, 3), { 'content-type': 'audio/webm', 'x-voicemail-duration-ms': '60000' });
    expect(atCap.status).toBe(201);
    expect((await nextSummary(bob)).body.voicemails).toEqual([expect.objectContaining({ id: json(atCap).id, durationMs: 60000 })]);
  });

  it('rations voicemails per caller (503 on the ticket), others unaffected', async () => {
    const { ada, mallory } = await setUp({ voicemailBurst: 2, voicemailsPerMinute: 1 });
    await uploadTicket(mallory, 'Bob');
    await uploadTicket(mallory, 'Bob');
    expect(await mallory.request({ method: 'VOICEMAIL', to: 'Bob', body: { ticket: 'upload' } })).toMatchObject({
      status: 503,
      reason: expect.stringMatching(/^Too many voicemails: try again in \d+ s$/),
    });
    await uploadTicket(ada, 'Bob');
  });

  it('keeps voicemail across a restart, and forgets it with its recipient', async () => {
    const dir = await dataDir();
    const first = await harness.start({ dataDir: dir });
    const ada = await harness.register(first.url, 'Ada');
    await (await harness.register(first.url, 'Bob')).close(1000);
    const id = json(await upload(first.port, await uploadTicket(ada, 'Bob'))).id as string;
    await first.close();

    const second = await harness.start({ dataDir: dir });
    const bob = await harness.register(second.url, 'Bob');
    expect((await nextSummary(bob)).body.voicemails).toEqual([expect.objectContaining({ id, from: 'Ada' })]);
    expect((await fetchVoicemail(second.port, await mailboxTicket(bob), id)).body.equals(recording)).toBe(true);
    const mailbox = await mailboxTicket(bob);
    await bob.close(1000);
    expect(await second.forget('Bob')).toMatchObject({ voicemails: 1 });
    expect((await fetchVoicemail(second.port, mailbox, id)).status).toBe(401);
  });

  it('has no voicemail without a data folder', async () => {
    const server = await harness.start();
    const ada = await harness.register(server.url, 'Ada');
    expect(await ada.request({ method: 'VOICEMAIL', body: { ticket: 'mailbox' } })).toMatchObject({ status: 501 });
    expect((await http(server.port, 'POST', '/voicemail', {}, recording)).status).toBe(405);
  });
});
