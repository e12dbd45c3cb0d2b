/**
 * A signalling server restart in the middle of a video call: the media, which never passes
 * through the server, keeps flowing, and both phones register again by themselves.
 */
import { connectAll, expect, test } from './fixtures.js';
import { expectRemoteVideoPlaying } from './media.js';
import { establishCall } from './phone.js';

test('a server restart mid-call leaves the media flowing and both phones registered again', async ({ openPhone, server }) => {
  test.slow(); // two reconnections with backoff, and a call, on a shared machine
  const ada = await openPhone('Ada');
  const bob = await openPhone('Bob');
  await connectAll(ada, bob);
  await establishCall(ada, bob, 'video');
  await expectRemoteVideoPlaying(ada);

  await server.restart(async () => {
    await expect(ada.page.getByText('Reconnecting…')).toBeVisible();
    await expect(bob.page.getByText('Reconnecting…')).toBeVisible();
    await expectRemoteVideoPlaying(bob);
  });
  await expect.poll(async () => (await server.health()).users, { message: 'both phones registered with the new server', timeout: 30_000 }).toBe(2);
  await expect(ada.page.getByText('Reconnecting…')).toBeHidden();
  // Each phone tells the new server it is in a call, so each shows the other in one.
  await expect(ada.entry('Bob')).toHaveAccessibleName(/in a call/);
  await expect(bob.entry('Ada')).toHaveAccessibleName(/in a call/);

  await ada.expectInCallWith(bob);
  await bob.expectInCallWith(ada);
  await expectRemoteVideoPlaying(ada);
  await expectRemoteVideoPlaying(bob);

  // Hanging up ends the call on both phones at once, though the new server never saw it begin
  // (it answers the BYE 481).
  await ada.button('Hang up').click();
  await expect(ada.button('Hang up')).toBeHidden();
  await expect(bob.button('Hang up'), 'the far end is not left in the call').toBeHidden({ timeout: 1_500 });
  await bob.expectCallEnded('Call ended');
  await expect(ada.entry('Bob')).toHaveAccessibleName(/online/);
  await expect(bob.entry('Ada')).toHaveAccessibleName(/online/);

  // The presence feed of the new server reaches both: a change on one side shows on the other.
  await bob.setDoNotDisturb(true);
  await expect(ada.entry('Bob')).toHaveAccessibleName(/do not disturb|dnd/i);
});

test('calling while the server is down says so at once, and calling works once it is back', async ({ openPhone, server }) => {
  test.slow(); // two reconnections with backoff, and a call, on a shared machine
  const ada = await openPhone('Ada');
  const bob = await openPhone('Bob');
  await connectAll(ada, bob);
  await server.restart(async () => {
    await expect(ada.page.getByText('Reconnecting…')).toBeVisible();
    await expect(ada.status).toHaveText('Not connected to the server');
    await expect(ada.entry('Bob').getByRole('button', { name: 'Call', exact: true })).toBeDisabled();
  });
  await expect(ada.page.getByText('Reconnecting…')).toBeHidden({ timeout: 30_000 });
  await expect(ada.status).toHaveText('');
  // Ada may be back before Bob: until he is, the phone book lists him as seen before, offline,
  // and calling him would offer a message instead of ringing.
  await expect(ada.entry('Bob')).toHaveAccessibleName(/online/, { timeout: 30_000 });
  await ada.call(bob);
  await bob.expectRinging();
});
