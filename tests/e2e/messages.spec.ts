/**
 * Messages and voicemail by role, on a host that keeps them (a data folder per test): a message
 * to someone offline reaches them when they sign in and its sender sees it read; hundreds waiting
 * do too, without the phone outrunning the host's flood limit; a voicemail left after a call got
 * no answer is played by its callee.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Locator, WebSocketRoute } from '@playwright/test';
import WebSocket from 'ws';
import { SIGNAL_PATH, SUBPROTOCOL } from '../../common/protocol.js';
import type { SignalServerOptions } from '../../signal-server/options.js';
import { expectNoSeriousViolationsEitherScheme } from './axe.js';
import { connectAll, expect, test } from './fixtures.js';
import type { Phone } from './phone.js';
import { shootEveryWay } from './screenshots.js';

/** A host keeping its store in a data folder of its own for the test, with `options` besides. */
const hostWithData =
  (options: SignalServerOptions) =>
  async ({}, use: (options: SignalServerOptions) => Promise<void>): Promise<void> => {
    const dataDir = await mkdtemp(join(tmpdir(), 'leanphone-e2e-mail-'));
    await use({ dataDir, ...options });
    await rm(dataDir, { recursive: true, force: true });
  };

test.use({ serverOptions: hostWithData({ ringTimeoutMs: 1_500 }) });


test('a message to someone offline reaches them at sign-in, shown as text, and its sender sees it read', async ({ openPhone }) => {
  const ada = await openPhone('Ada');
  const bob = await openPhone('Bob');
  await connectAll(ada, bob);
  await bob.button('Sign out').click();
  await expect(ada.entry('Bob')).toHaveAccessibleName(/^Bob, offline/);

  await ada.entry('Bob').getByRole('button', { name: 'Message', exact: true }).click();
  const toBob = ada.conversation('Bob');
  await toBob.getByRole('textbox', { name: 'Message', exact: true }).fill('<b>hi</b> Bob');
  await toBob.getByRole('button', { name: 'Send', exact: true }).click();
  const mine = toBob.getByRole('log').getByRole('listitem');
  await expect(mine).toHaveCount(1);
  await expect(mine).toContainText('Sent');
  await expect(toBob.getByRole('textbox', { name: 'Message', exact: true })).toHaveValue('');

  await bob.connect();
  await expect(bob.entry('Ada')).toHaveAccessibleName('Ada, online, 1 unread');
  await expect(bob.page).toHaveTitle(/^\(1\) /);
  await expect(mine).toContainText('Delivered');

  await bob.entry('Ada').getByRole('button', { name: 'Message', exact: true }).click();
  const fromAda = bob.conversation('Ada');
  await expect(fromAda.getByRole('log').getByRole('listitem')).toHaveText(/^<b>hi<\/b> Bob/);
  await expect(fromAda.locator('b')).toHaveCount(0);
  await expect(mine).toContainText('Read');
  await expect(bob.page).not.toHaveTitle(/^\(/);
  await fromAda.getByRole('button', { name: 'Close', exact: true }).click();
  await expect(bob.entry('Ada')).toHaveAccessibleName('Ada, online');
});

/** A phone without a page: a `ws` client registered as `name`, keeping every frame it hears. */
async function socketPhone(pageUrl: string, name: string): Promise<{ socket: WebSocket; heard: Record<string, any>[] }> {
  const socket = new WebSocket(new URL(SIGNAL_PATH, pageUrl.replace(/^http/, 'ws')), [SUBPROTOCOL]);
  const heard: Record<string, any>[] = [];
  socket.on('message', (data: Buffer) => heard.push(JSON.parse(data.toString()) as Record<string, any>));
  await new Promise((open, fail) => socket.once('open', open).once('error', fail));
  socket.send(JSON.stringify({ method: 'REGISTER', cseq: 1, body: { name } }));
  await expect.poll(() => heard.some((frame) => frame.cseq === 1 && frame.status === 200), { message: `${name} registers` }).toBe(true);
  return { socket, heard };
}

test('a phone signing in to 300 waiting messages keeps its connection, and every sender sees theirs delivered', async ({ openPhone, server }) => {
  const bob = await openPhone('Bob');
  await bob.connect();
  await bob.button('Sign out').click();
  await expect(bob.nameBox).toBeVisible();

  // Three senders of 100 each: each stays under the host's burst of 200 frames.
  const senders = await Promise.all([0, 1, 2].map((index) => socketPhone(server.pageUrl, `Sender ${index}`)));
  const sentIds = await Promise.all(
    senders.map(async ({ socket, heard }) => {
      for (let cseq = 2; cseq < 102; cseq += 1) socket.send(JSON.stringify({ method: 'MESSAGE', cseq, to: 'Bob', body: { text: `note ${cseq}` } }));
      const answered = () => heard.filter((frame) => frame.method === 'MESSAGE' && frame.status === 200);
      await expect.poll(() => answered().length).toBe(100);
      return answered().map((frame) => frame.body.id as string);
    }),
  );

  const closed: string[] = [];
  const receiptFrames: string[] = [];
  bob.page.on('websocket', (socket) => {
    socket.on('close', () => closed.push(socket.url()));
    socket.on('framesent', (frame) => (String(frame.payload).includes('"receipt"') ? receiptFrames.push(String(frame.payload)) : undefined));
  });
  await bob.connect();
  for (const index of [0, 1, 2]) await expect(bob.entry(`Sender ${index}`)).toHaveAccessibleName(`Sender ${index}, online, 100 unread`);
  const deliveredTo = (heard: Record<string, any>[]): string[] =>
    [...new Set(heard.filter((frame) => frame.method === 'NOTIFY' && frame.body?.state === 'delivered').flatMap((frame) => frame.body.ids as string[]))].sort();
  for (const [index, { heard }] of senders.entries()) {
    await expect.poll(() => deliveredTo(heard), { message: `Sender ${index} hears each of theirs delivered` }).toEqual([...(sentIds[index] ?? [])].sort());
  }
  expect(closed, 'the host never closed the phone for flooding').toEqual([]);
  expect(receiptFrames.length, 'receipts go out a few to a frame').toBeLessThanOrEqual(6);
  for (const { socket } of senders) socket.close();
});

test('after a reload the conversation shows the earlier messages both ways, with their states', async ({ openPhone }) => {
  const ada = await openPhone('Ada');
  const bob = await openPhone('Bob');
  await connectAll(ada, bob);
  await ada.entry('Bob').getByRole('button', { name: 'Message', exact: true }).click();
  const toBob = ada.conversation('Bob');
  await toBob.getByRole('textbox', { name: 'Message', exact: true }).fill('are you there?');
  await toBob.getByRole('button', { name: 'Send', exact: true }).click();
  await expect(toBob.getByRole('log')).toContainText('Delivered');
  await bob.entry('Ada').getByRole('button', { name: 'Message', exact: true }).click();
  const fromAda = bob.conversation('Ada');
  await fromAda.getByRole('textbox', { name: 'Message', exact: true }).fill('yes, here');
  await fromAda.getByRole('button', { name: 'Send', exact: true }).click();
  await expect(toBob.getByRole('log')).toContainText('yes, here');
  await expect(toBob.getByRole('log')).toContainText('Read');

  await ada.page.reload();
  await expect(ada.entry('Bob')).toHaveAccessibleName(/^Bob, online/);
  await ada.entry('Bob').getByRole('button', { name: 'Message', exact: true }).click();
  const lines = ada.conversation('Bob').getByRole('log').getByRole('listitem');
  await expect(lines).toHaveCount(2);
  await expect(lines.nth(0)).toContainText('are you there?');
  await expect(lines.nth(0)).toContainText('Read');
  await expect(lines.nth(1)).toContainText('yes, here');
});

test('calling someone offline says they are offline and offers to leave them a message', async ({ openPhone }) => {
  const ada = await openPhone('Ada');
  const bob = await openPhone('Bob');
  await connectAll(ada, bob);
  await bob.button('Sign out').click();
  await expect(ada.entry('Bob')).toHaveAccessibleName(/^Bob, offline/);
  await ada.call(bob);
  await ada.expectCallEnded('Bob is offline');
  const offer = ada.voicemailOffer('Bob');
  await expect(offer.getByRole('button', { name: 'Leave a message', exact: true })).toBeVisible();
});

test('calling someone on do not disturb says they are unavailable and offers to leave them a message', async ({ openPhone }) => {
  const ada = await openPhone('Ada');
  const bob = await openPhone('Bob');
  await connectAll(ada, bob);
  await bob.doNotDisturb.click();
  await expect(ada.entry('Bob')).toHaveAccessibleName(/^Bob, do not disturb/i);
  await ada.call(bob);
  await ada.expectCallEnded('Bob is unavailable');
  await expect(ada.voicemailOffer('Bob').getByRole('button', { name: 'Leave a message', exact: true })).toBeVisible();
  await expect(bob.button('Answer'), 'nothing rang at Bob').toHaveCount(0);
});

test('a message whose "sent" was lost with the connection shows once, delivered, after the phone reconnects', async ({ openPhone }) => {
  const ada = await openPhone('Ada');
  const bob = await openPhone('Bob');
  // Ada's signalling passes through the test, which drops her connection just as the host answers
  // her message: the host has kept it, and the phone never hears so on that connection.
  let dropAtSent = false;
  await ada.page.routeWebSocket(/\/signal$/, (page: WebSocketRoute) => {
    const upstream = page.connectToServer();
    page.onMessage((frame) => upstream.send(frame));
    upstream.onMessage((frame) => {
      const message = JSON.parse(String(frame)) as { method?: string; status?: number };
      if (dropAtSent && message.method === 'MESSAGE' && message.status === 200) {
        dropAtSent = false;
        void page.close({ code: 1011, reason: 'dropped by the test' });
        return;
      }
      page.send(frame);
    });
  });
  await connectAll(ada, bob);
  const toBob = await ada.openConversation('Bob');
  dropAtSent = true;
  await toBob.getByRole('textbox', { name: 'Message', exact: true }).fill('did this arrive?');
  await toBob.getByRole('button', { name: 'Send', exact: true }).click();
  await expect(ada.header).toContainText('Reconnecting');
  const lines = toBob.getByRole('log').getByRole('listitem');
  await expect(lines.first()).toContainText('Delivered');
  await expect(lines).toHaveCount(1);
  await expect(lines.first()).toContainText('did this arrive?');
});

test('a message written while the phone reconnects goes once it is back, and shows delivered', async ({ openPhone }) => {
  const ada = await openPhone('Ada');
  const bob = await openPhone('Bob');
  // Ada's signalling passes through the test, which drops her connection and holds her next
  // sign-in back until she has written to Bob.
  let latest: WebSocketRoute | null = null;
  let holding = false;
  const held: (() => void)[] = [];
  await ada.page.routeWebSocket(/\/signal$/, (page: WebSocketRoute) => {
    const upstream = page.connectToServer();
    page.onMessage((frame) => (holding ? held.push(() => upstream.send(frame)) : upstream.send(frame)));
    upstream.onMessage((frame) => page.send(frame));
    latest = page;
  });
  await connectAll(ada, bob);
  const toBob = await ada.openConversation('Bob');
  holding = true;
  await (latest as WebSocketRoute | null)?.close({ code: 1011, reason: 'dropped by the test' });
  await expect(ada.header).toContainText('Reconnecting');
  await toBob.getByRole('textbox', { name: 'Message', exact: true }).fill('written while away');
  await toBob.getByRole('button', { name: 'Send', exact: true }).click();
  const lines = toBob.getByRole('log').getByRole('listitem');
  await expect(lines.first()).toContainText('Sending');
  holding = false;
  for (const send of held.splice(0)) send();
  await expect(lines.first()).toContainText('Delivered');
  await expect(lines).toHaveCount(1);
  await expect(bob.entry('Ada')).toHaveAccessibleName('Ada, online, 1 unread');
});

test.describe('on a host that keeps one message waiting for each person', () => {
  test.use({ serverOptions: hostWithData({ storeLimits: { maxUndeliveredPerRecipient: 1 } }) });

  test('a message refused for a full mailbox is sent again with one click once there is room', async ({ openPhone }) => {
    const ada = await openPhone('Ada');
    const bob = await openPhone('Bob');
    await connectAll(ada, bob);
    await bob.button('Sign out').click();
    const toBob = await ada.openConversation('Bob');
    const box = toBob.getByRole('textbox', { name: 'Message', exact: true });
    for (const text of ['one', 'two']) {
      await box.fill(text);
      await toBob.getByRole('button', { name: 'Send', exact: true }).click();
    }
    const refused = toBob.getByRole('log').getByRole('listitem').filter({ hasText: 'two' });
    await expect(refused).toContainText('Not sent: their mailbox is full');
    await expectNoSeriousViolationsEitherScheme(ada, 'a conversation with a failed message');
    await shootEveryWay(ada, 'conversation-failed');

    await bob.connect();
    await expect(toBob.getByRole('log').getByRole('listitem').filter({ hasText: 'one' })).toContainText('Delivered');
    await refused.getByRole('button', { name: 'Send again', exact: true }).click();
    await expect(refused).toContainText('Delivered');
    await expect(refused.getByRole('button', { name: 'Send again', exact: true })).toHaveCount(0);
    await expect(toBob.getByRole('log').getByRole('listitem')).toHaveCount(2);
  });
});

test('the message box holds the host limit: its size is shown near it, too long is said, and Send stays off', async ({ openPhone }) => {
  const ada = await openPhone('Ada');
  const bob = await openPhone('Bob');
  await connectAll(ada, bob);
  await ada.entry('Bob').getByRole('button', { name: 'Message', exact: true }).click();
  const toBob = ada.conversation('Bob');
  const box = toBob.getByRole('textbox', { name: 'Message', exact: true });
  await box.fill('a short one');
  await expect(toBob, 'no count far from the limit').not.toContainText('bytes');
  await box.fill('é'.repeat(1700));
  await expect(box).toHaveAccessibleDescription('3400 of 4096 bytes');
  await box.fill('é'.repeat(2049));
  await expect(toBob).toContainText('Too long: 4098 of 4096 bytes');
  await expect(toBob.getByRole('button', { name: 'Send', exact: true })).toBeDisabled();
});

test('a voicemail left after no answer is played by the callee', async ({ openPhone }) => {
  const ada = await openPhone('Ada');
  const bob = await openPhone('Bob');
  await connectAll(ada, bob);

  await ada.call(bob);
  await bob.expectRinging();
  await ada.expectCallEnded('No answer');
  const offer = ada.voicemailOffer('Bob');
  await offer.getByRole('button', { name: 'Leave a message', exact: true }).click();
  await expect(offer.getByRole('timer')).toHaveText('0:02', { timeout: 10_000 });
  await ada.sendVoicemail('Bob');

  await bob.expectNewVoicemailFrom('Ada');
  const recent = bob.recentCalls;
  const voicemail = recent.getByRole('listitem', { name: /^Voicemail from Ada/ });
  await voicemail.getByRole('button', { name: 'Play', exact: true }).click();
  const audio = voicemail.locator('audio');
  await expect.poll(() => audio.evaluate((element: HTMLAudioElement) => element.currentTime), { timeout: 10_000 }).toBeGreaterThan(0.3);
  const played = await audio.evaluate((element: HTMLAudioElement) => ({ duration: element.duration, time: element.currentTime, paused: element.paused }));
  expect(played.duration).toBeGreaterThan(0);
  await expect.poll(() => audio.evaluate((element: HTMLAudioElement) => element.currentTime)).toBeGreaterThan(played.time);
  console.log(`voicemail played: duration ${played.duration} s`);
  await expect(recent).not.toContainText('new voicemail');
  await expect(voicemail).toHaveAccessibleName('Voicemail from Ada');

  await voicemail.getByRole('button', { name: 'Delete', exact: true }).click();
  await expect(recent.getByRole('list', { name: 'Voicemail' })).toHaveCount(0);
});
