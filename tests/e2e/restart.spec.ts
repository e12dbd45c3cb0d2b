/**
 * A signalling server restart in the middle of a video call: the media, which never passes
 * through the server, keeps flowing, and both phones register again by themselves.
 */
import { connectAll, expect, test } from './fixtures.js';
import { expectRemoteVideoPlaying } from './media.js';
import { establishCall } from './phone.js';

test('a server restart mid-call leaves the media flowing and both phones registered again', async ({ openPhone, server }) => {
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
  await expect(ada.entry('Bob')).toBeVisible();
  await expect(bob.entry('Ada')).toBeVisible();
  // The presence feed of the new server reaches both: a change on one side shows on the other.
  await bob.setDoNotDisturb(true);
  await expect(ada.entry('Bob')).toHaveAccessibleName(/do not disturb|dnd/i);
  await expect(ada.page.getByText('Reconnecting…')).toBeHidden();

  await ada.expectInCallWith(bob);
  await bob.expectInCallWith(ada);
  await expectRemoteVideoPlaying(ada);
  await expectRemoteVideoPlaying(bob);

  // Hanging up still ends the call for the one who hangs up, though the new server never saw it
  // begin (it answers the BYE 481).
  await ada.button('Hang up').click();
  await expect(ada.button('Hang up')).toBeHidden();
});
