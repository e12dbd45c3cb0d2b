/**
 * Screenshots of every screen for a person to inspect, in test-results/screenshots/ (CI keeps
 * them as artifacts; git does not): each in light and dark, on a 1280x800 desktop and a 390x844
 * phone, which never scrolls sideways. Connect, phone book, settings and recent calls, ringing,
 * calling, voice and video calls, both dialogs, call waiting, calls on hold and a conference.
 */
import { connectAll, expect, test } from './fixtures.js';
import { expectRemoteVideoPlaying } from './media.js';
import { establishCall, startsWithName } from './phone.js';
import { shootEveryWay } from './screenshots.js';

test('connect, phone book, settings and recent calls, ringing, calling, a voice and a video call, both dialogs', async ({ openPhone }) => {
  test.setTimeout(180_000);
  const ada = await openPhone('Ada');
  const bob = await openPhone('Bob');
  await expect(bob.nameBox).toBeVisible();
  await shootEveryWay(bob, 'connect');
  await connectAll(ada, bob);
  await shootEveryWay(bob, 'phone-book');

  await ada.call(bob, 'video');
  await bob.expectRinging();
  await shootEveryWay(bob, 'ringing');
  await shootEveryWay(ada, 'calling');
  await ada.button('Cancel').click();
  await bob.expectCallEnded('Missed call from Ada');
  for (const section of ['Recent calls', 'Devices', 'STUN and TURN servers']) await bob.page.getByText(section, { exact: true }).click();
  await expect(bob.page.getByRole('list', { name: 'Call history' }).getByRole('listitem')).toHaveCount(1);
  await shootEveryWay(bob, 'settings-and-recent-calls');

  await establishCall(ada, bob, 'voice');
  await shootEveryWay(bob, 'voice-call');
  await expect(bob.button('Hang up'), 'Hang up is on screen at 390 px').toBeInViewport();
  await bob.button('Hang up').click();
  await ada.expectCallEnded('Call ended');

  await establishCall(ada, bob, 'video');
  await expectRemoteVideoPlaying(bob);
  await shootEveryWay(bob, 'video-call');
  await ada.button('Camera').click();
  await expect(bob.page.getByText('Camera off', { exact: true })).toBeVisible();
  await shootEveryWay(bob, 'video-call-camera-off');

  await bob.button('Transfer').click();
  await expect(bob.page.getByRole('dialog', { name: 'Transfer', exact: true })).toBeVisible();
  await shootEveryWay(bob, 'transfer-dialog');
  await bob.page.keyboard.press('Escape');
  await bob.button('Add person').click();
  await expect(bob.page.getByRole('dialog', { name: 'Add person', exact: true })).toBeVisible();
  await shootEveryWay(bob, 'add-person-dialog');
});

test('call waiting, then a call on hold, then a conference', async ({ openPhone }) => {
  test.setTimeout(180_000);
  const ada = await openPhone('Ada');
  const bob = await openPhone('Bob');
  const cy = await openPhone('Cy');
  await connectAll(ada, bob, cy);
  await ada.call(bob, 'video');
  await bob.button('Answer with video').click();
  await bob.expectInCallWith(ada);
  await expectRemoteVideoPlaying(bob);

  await cy.call(bob, 'video');
  const waiting = bob.page.getByRole('region', { name: 'Call waiting', exact: true });
  await expect(waiting).toBeVisible();
  await shootEveryWay(bob, 'call-waiting');

  await waiting.getByRole('button', { name: 'Answer with video', exact: true }).click();
  await bob.expectInCallWith(cy);
  await expect(ada.status).toContainText('Bob put you on hold');
  await expectRemoteVideoPlaying(bob);
  await shootEveryWay(bob, 'calls-on-hold');
  await shootEveryWay(ada, 'put-on-hold');
  await bob.page.setViewportSize({ width: 390, height: 844 });
  await expect(bob.page.getByRole('button', { name: 'Resume Ada' }), 'Resume is on screen at 390 px').toBeInViewport();

  await bob.page.getByRole('button', { name: 'Hang up Ada' }).click();
  await ada.expectCallEnded('Call ended');
  await bob.page.setViewportSize({ width: 1280, height: 800 });
  await bob.button('Add person').click();
  const dialog = bob.page.getByRole('dialog', { name: 'Add person', exact: true });
  await dialog.getByRole('listitem', { name: startsWithName('Ada') }).getByRole('button', { name: 'Add', exact: true }).click();
  await ada.button('Answer').click();
  await expect(bob.status).toHaveText('In conference with Ada and Cy', { timeout: 30_000 });
  await shootEveryWay(bob, 'conference');
});
