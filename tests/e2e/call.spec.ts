/**
 * Calls between browser phones on one server: video both ways, hanging up from either side, and
 * each way a call can fail to start (declined, cancelled, busy, unavailable, no answer).
 * Call waiting itself is in call-waiting.spec.ts.
 */
import { connectAll, expect, test } from './fixtures.js';
import { expectRemoteAudioSounding, expectRemoteVideoPlaying } from './media.js';
import { establishCall } from './phone.js';

test('a video call plays video both ways, and the caller hangs up', async ({ openPhone }) => {
  const ada = await openPhone('Ada');
  const bob = await openPhone('Bob');
  await connectAll(ada, bob);

  await ada.call(bob, 'video');
  // "Calling Bob…" gives way to "Ringing…" as soon as Bob's phone rings.
  await expect(ada.status).toContainText(/Calling Bob|Ringing/);
  await expect(ada.button('Cancel')).toBeVisible();
  await bob.expectRinging();
  await expect(bob.status, 'the callee sees who is calling').toContainText('Ada');
  await bob.button('Answer with video').click();
  await ada.expectInCallWith(bob);
  await bob.expectInCallWith(ada);

  await expectRemoteVideoPlaying(ada);
  await expectRemoteVideoPlaying(bob);
  await expect(ada.localVideo).toBeVisible();
  await expect(bob.localVideo).toBeVisible();
  await expect(ada.entry('Bob'), 'presence shows the call').toHaveAccessibleName(/busy|in a call/i);

  await ada.button('Hang up').click();
  await ada.expectCallEnded('Call ended');
  await bob.expectCallEnded('Call ended');
  await expect(ada.entry('Bob')).toHaveAccessibleName(/online/i);
  await expect(bob.entry('Ada')).toHaveAccessibleName(/online/i);
});

test('the callee hangs up a voice call', async ({ openPhone }) => {
  const ada = await openPhone('Ada');
  const bob = await openPhone('Bob');
  await connectAll(ada, bob);
  await establishCall(ada, bob, 'voice');

  await bob.button('Hang up').click();
  await bob.expectCallEnded('Call ended');
  await ada.expectCallEnded('Call ended');
  // Both can call again at once.
  await establishCall(bob, ada, 'voice');
});

test('a voice call is heard at both ends', async ({ openPhone }) => {
  const ada = await openPhone('Ada');
  const bob = await openPhone('Bob');
  await connectAll(ada, bob);
  await establishCall(ada, bob, 'voice');
  await expectRemoteAudioSounding(ada);
  await expectRemoteAudioSounding(bob);
});

test('a declined call tells the caller so', async ({ openPhone }) => {
  const ada = await openPhone('Ada');
  const bob = await openPhone('Bob');
  await connectAll(ada, bob);

  await ada.call(bob);
  await bob.expectRinging();
  await bob.button('Decline').click();
  await ada.expectCallEnded('Bob declined the call');
  await bob.expectCallEnded('Call declined');
});

test('a caller who cancels stops the ringing at the callee', async ({ openPhone }) => {
  const ada = await openPhone('Ada');
  const bob = await openPhone('Bob');
  await connectAll(ada, bob);

  await ada.call(bob);
  await bob.expectRinging();
  await ada.button('Cancel').click();
  await bob.expectCallEnded('Missed call from Ada');
  await ada.expectCallEnded('Call cancelled');
  await expect(ada.entry('Bob')).toHaveAccessibleName(/online/i);
});

test('calling someone whose phone is full says they are busy, without disturbing their calls', async ({ openPhone }) => {
  const ada = await openPhone('Ada');
  const bob = await openPhone('Bob');
  const cy = await openPhone('Cy');
  const dee = await openPhone('Dee');
  await connectAll(ada, bob, cy, dee);
  await establishCall(ada, bob, 'voice');
  await expect(dee.entry('Ada')).toHaveAccessibleName(/busy|in a call/i);
  // A call in progress and one waiting: the phone takes no third.
  await cy.call(ada);
  const waiting = ada.page.getByRole('region', { name: 'Call waiting', exact: true });
  await expect(waiting).toContainText('Cy is calling');

  await dee.call(ada);
  await dee.expectCallEnded('Ada is busy');
  await ada.expectInCallWith(bob);
  await bob.expectInCallWith(ada);
  await expect(waiting).toContainText('Cy is calling');
  await expect(waiting).not.toContainText('Dee');
});

test('calling someone in do-not-disturb says they are unavailable', async ({ openPhone }) => {
  const ada = await openPhone('Ada');
  const bob = await openPhone('Bob');
  await connectAll(ada, bob);
  await bob.setDoNotDisturb(true);
  await expect(ada.entry('Bob')).toHaveAccessibleName(/dnd|do not disturb/i);

  await ada.call(bob);
  await ada.expectCallEnded('Bob is unavailable');
  await expect(bob.button('Answer')).toBeHidden();
});

test.describe('with a short ring timeout', () => {
  test.use({ serverOptions: { ringTimeoutMs: 1_500 } });

  test('a call nobody answers ends with "No answer" on both sides', async ({ openPhone }) => {
    const ada = await openPhone('Ada');
    const bob = await openPhone('Bob');
    await connectAll(ada, bob);

    await ada.call(bob);
    await bob.expectRinging();
    await ada.expectCallEnded('No answer');
    await bob.expectCallEnded('Missed call from Ada');
  });
});
