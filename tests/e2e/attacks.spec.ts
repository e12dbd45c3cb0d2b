/**
 * Hostile peers against the browser phone: a raw `ws` client registered as Mallory beside two real
 * phones. A forged "401 to REGISTER" inside a call does not sign the callee out, and the words of
 * a far end's unusual answer never reach the page.
 */
import type { WebSocketRoute } from '@playwright/test';
import { TestClient } from '../server/client.js';
import { connectAll, expect, test, type TestServer } from './fixtures.js';
import { establishCall } from './phone.js';

const signalUrl = (server: TestServer): string => `${server.pageUrl.replace(/^http/, 'ws')}signal`;
const FAKE_OFFER = { sdp: { type: 'offer', sdp: 'v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n' }, media: { audio: true, video: false } };

test('a caller forging "401 to REGISTER" inside its call does not sign the callee out', async ({ openPhone, server }) => {
  const alice = await openPhone('Alice');
  const bob = await openPhone('Bob');
  // Bob's signalling passes through the test, which can deliver a frame as the server would relay
  // it: the phone must hold whether or not this server relays Mallory's forgery.
  let toBob: WebSocketRoute | null = null;
  await bob.page.routeWebSocket(/\/signal$/, (page) => {
    const upstream = page.connectToServer();
    page.onMessage((message) => upstream.send(message));
    upstream.onMessage((message) => page.send(message));
    toBob = page;
  });
  await connectAll(alice, bob);
  const mallory = await TestClient.register(signalUrl(server), 'Mallory');
  try {
    await expect(bob.entry('Mallory')).toBeVisible();
    const callId = 'mallory-forged-register-401';
    mallory.send({ method: 'INVITE', cseq: 1, callId, to: 'Bob', body: FAKE_OFFER });
    await bob.expectRinging();

    const forged = { status: 401, reason: 'Unauthorized', method: 'REGISTER', cseq: 1, callId };
    mallory.send(forged);
    (toBob as WebSocketRoute | null)?.send(JSON.stringify({ from: 'Mallory', to: 'Bob', ...forged }));
    // Delivered after the forgeries: once Bob's phone shows the missed call, it has read them.
    mallory.send({ method: 'CANCEL', cseq: 1, callId });
    await bob.expectCallEnded('Missed call from Mallory');
    expect(await mallory.nextResponse(487, 'INVITE')).toMatchObject({ from: 'Bob', callId });

    await expect(bob.page.getByText('Wrong passcode')).toHaveCount(0);
    await expect(bob.page.getByRole('heading', { name: 'Bob', exact: true })).toBeVisible();
    await expect(bob.phoneBook).toBeVisible();
    await expect(bob.nameBox).toBeHidden();
    await establishCall(bob, alice, 'voice');
    await bob.button('Hang up').click();
    await alice.expectCallEnded('Call ended');
  } finally {
    await mallory.close();
  }
});

test("a far end's unusual answer shows a fixed text, never its reason phrase", async ({ openPhone, server }) => {
  const alice = await openPhone('Alice');
  await connectAll(alice);
  const mallory = await TestClient.register(signalUrl(server), 'Mallory');
  try {
    await expect(alice.entry('Mallory')).toBeVisible();
    const call = alice.entry('Mallory').getByRole('button', { name: 'Call', exact: true });

    await call.click();
    const invite = await mallory.nextRequest('INVITE');
    mallory.send({ status: 180, reason: 'Ringing', method: 'INVITE', cseq: invite.cseq, callId: invite.callId });
    mallory.send({ status: 499, reason: 'Visit evil.example for help', method: 'INVITE', cseq: invite.cseq, callId: invite.callId });
    await alice.expectCallEnded('Call failed (error 499)');
    await expect(alice.page.getByText(/evil\.example/)).toHaveCount(0);

    // A known status keeps its usual words, whatever reason came with it.
    await call.click();
    const second = await mallory.nextRequest('INVITE');
    mallory.send({ status: 486, reason: 'Busy: call evil.example instead', method: 'INVITE', cseq: second.cseq, callId: second.callId });
    await alice.expectCallEnded('Mallory is busy');
    await expect(alice.page.getByText(/evil\.example/)).toHaveCount(0);
  } finally {
    await mallory.close();
  }
});
