/**
 * A four-person conference between browser phones: Ada calls Bob, adds Cy, then Dee, each from
 * the "Add person" dialog. Every page lists the three others in "Participants" and decodes video
 * from each of them; Dee leaves and the other three keep talking, frames rising. By roles only.
 */
import type { Locator } from '@playwright/test';
import { connectAll, expect, test } from './fixtures.js';
import { expectFramesRising } from './media.js';
import { establishCall, startsWithName, type Phone } from './phone.js';

// Four phones, each encoding and decoding three videos, on a small shared machine.
test.setTimeout(240_000);
const SMALL = { camera: { width: 320, height: 240, frameRate: 15 } };
const SLOW = 30_000;

const participants = (phone: Phone): Locator => phone.page.getByRole('list', { name: 'Participants', exact: true });
const participant = (phone: Phone, other: Phone): Locator => participants(phone).getByRole('listitem', { name: other.name, exact: true });

/** `phone` opens Add person and adds `person`, who answers with video. */
async function addPerson(phone: Phone, person: Phone): Promise<void> {
  await phone.button('Add person').click();
  const dialog = phone.page.getByRole('dialog', { name: 'Add person', exact: true });
  await dialog.getByRole('listitem', { name: startsWithName(person.name) }).getByRole('button', { name: 'Add', exact: true }).click();
  await expect(dialog).toBeHidden();
  await expect(person.button('Answer with video')).toBeVisible({ timeout: SLOW });
  await person.button('Answer with video').click();
}

/** Each phone lists exactly the others, and shows video frames rising from every one of them. */
async function expectMesh(phones: Phone[]): Promise<void> {
  for (const phone of phones) {
    const others = phones.filter((other) => other !== phone);
    await expect(participants(phone).getByRole('listitem'), `${phone.name} lists the others`).toHaveCount(others.length, { timeout: SLOW });
    for (const other of others) await expect(participant(phone, other)).toBeVisible();
  }
  // All at once: each check waits for frames over time, and these videos play side by side.
  const views = phones.flatMap((phone) => phones.filter((other) => other !== phone).map((other) => ({ phone, other })));
  await Promise.all(
    views.map(({ phone, other }) => expectFramesRising(participant(phone, other).getByTestId('participant-video'), `${phone.name} sees ${other.name}`, SLOW)),
  );
}

test('four people in a conference see each other; one leaves and the other three go on', async ({ openPhone }) => {
  const ada = await openPhone('Ada', SMALL);
  const bob = await openPhone('Bob', SMALL);
  const cy = await openPhone('Cy', SMALL);
  const dee = await openPhone('Dee', SMALL);
  await connectAll(ada, bob, cy, dee);
  await establishCall(ada, bob, 'video');

  await addPerson(ada, cy);
  await expect(ada.status).toHaveText('In conference with Bob and Cy', { timeout: SLOW });
  await expect(bob.status, 'Bob is linked with Cy by the server\'s introduction').toHaveText('In conference with Ada and Cy', { timeout: SLOW });
  await expect(cy.status).toHaveText('In conference with Ada and Bob', { timeout: SLOW });

  // Anyone in it may add: Cy adds Dee.
  await addPerson(cy, dee);
  await expectMesh([ada, bob, cy, dee]);
  await expect(dee.status).toHaveText('In conference with Ada, Bob and Cy');
  const width = await participant(ada, dee).getByTestId('participant-video').evaluate((video: HTMLVideoElement) => video.videoWidth);
  expect(width, 'the cameras send the small picture asked for').toBeLessThanOrEqual(320);
  await ada.page.screenshot({ path: 'test-results/screenshots/conference.png', fullPage: true });

  // Four with video is full.
  await ada.button('Add person').click();
  const dialog = ada.page.getByRole('dialog', { name: 'Add person', exact: true });
  await expect(dialog).toContainText('The conference is full: at most 4 people.');
  await dialog.getByRole('button', { name: 'Close', exact: true }).click();

  await dee.button('Leave').click();
  await dee.expectCallEnded('Call ended');
  await expectMesh([ada, bob, cy]);
  await expect(participant(ada, dee)).toHaveCount(0);
  await expect(bob.status).toHaveText('In conference with Ada and Cy');
});
