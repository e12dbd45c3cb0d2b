/**
 * The message and voicemail screens, each shot (screenshots.ts says where and how) and scanned by
 * axe-core in light and dark: the phone book with an unread count, a conversation from both sides
 * with its states, the offer to leave a message after no answer, the recording, and the voicemail
 * waiting in Recent calls.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Locator } from '@playwright/test';
import { expectNoSeriousViolationsEitherScheme } from './axe.js';
import { connectAll, expect, test } from './fixtures.js';
import type { Phone } from './phone.js';
import { shootEveryWay } from './screenshots.js';

test.use({
  serverOptions: async ({}, use) => {
    const dataDir = await mkdtemp(join(tmpdir(), 'leanphone-e2e-mail-screens-'));
    await use({ dataDir, ringTimeoutMs: 1_500 });
    await rm(dataDir, { recursive: true, force: true });
  },
});

/** A link pasted whole: one word far wider than a 390 px phone. */
const LONG_WORD = `https://intranet.example/handbook/${'section-'.repeat(12)}end`;

/** A person looks at the screen, and axe-core scans it. */
async function inspect(phone: Phone, screen: string): Promise<void> {
  await shootEveryWay(phone, screen);
  await expectNoSeriousViolationsEitherScheme(phone, screen);
}

async function send(dialog: Locator, text: string): Promise<void> {
  await dialog.getByRole('textbox', { name: 'Message', exact: true }).fill(text);
  await dialog.getByRole('button', { name: 'Send', exact: true }).click();
}

/** The conversation's messages wrap inside it, however long a word: nothing scrolls sideways. */
async function expectWrapped(dialog: Locator): Promise<void> {
  const overflow = await dialog.getByRole('log').evaluate((log) => log.scrollWidth - log.clientWidth);
  expect(overflow, 'horizontal overflow of the conversation in px').toBeLessThanOrEqual(0);
}

test('messages: the phone book with an unread count, a conversation from both sides; voicemail: the offer, the recording, the list; each looked at and scanned', async ({ openPhone }) => {
  test.setTimeout(180_000);
  const ada = await openPhone('Ada');
  const bob = await openPhone('Bob');
  await connectAll(ada, bob);

  const toBob = await ada.openConversation('Bob');
  await send(toBob, 'Are we still on for the 3 o’clock stand-up?');
  await send(toBob, `The notes are here: ${LONG_WORD}`);
  await expect(toBob.getByRole('log').getByRole('listitem')).toHaveCount(2);
  await expect(bob.entry('Ada')).toHaveAccessibleName('Ada, online, 2 unread');
  await inspect(bob, 'phone-book-unread');

  const fromAda = await bob.openConversation('Ada');
  await expect(fromAda.getByRole('log').getByRole('listitem')).toHaveCount(2);
  await send(fromAda, 'Yes, see you there.');
  await expect(toBob.getByRole('log')).toContainText('Yes, see you there.');
  await expect(toBob.getByRole('log').getByRole('listitem').nth(1)).toContainText('Read');
  await inspect(bob, 'conversation');
  await inspect(ada, 'conversation-read');
  for (const [phone, dialog] of [[ada, toBob], [bob, fromAda]] as const) {
    await phone.page.setViewportSize({ width: 390, height: 844 });
    await expectWrapped(dialog);
    await phone.page.setViewportSize({ width: 1280, height: 800 });
    await dialog.getByRole('button', { name: 'Close', exact: true }).click();
  }

  await ada.call(bob);
  await bob.expectRinging();
  await ada.expectCallEnded('No answer');
  const offer = ada.voicemailOffer('Bob');
  await expect(offer.getByRole('button', { name: 'Leave a message', exact: true })).toBeVisible();
  await inspect(ada, 'voicemail-offer');
  await offer.getByRole('button', { name: 'Leave a message', exact: true }).click();
  await expect(offer.getByRole('timer')).toHaveText('0:01', { timeout: 10_000 });
  await inspect(ada, 'voicemail-recording');
  await ada.sendVoicemail('Bob');
  await bob.expectNewVoicemailFrom('Ada');
  await inspect(bob, 'voicemail-waiting');
});
