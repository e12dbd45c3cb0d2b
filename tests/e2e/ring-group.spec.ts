/**
 * A ring group between browser phones: Ada calls "sales" (Bob and Carol). Both ring, naming Ada and
 * the group; Bob answers; Carol's phone stops ringing and says "Answered elsewhere"; video flows
 * between Ada and Bob; Carol's Recent calls holds no missed call. Driven by roles and names only.
 */
import { connectAll, expect, test } from './fixtures.js';
import { expectRemoteVideoPlaying } from './media.js';

test.use({ serverOptions: { ringGroups: [{ name: 'sales', members: ['Bob', 'Carol'] }] } });

test('a call to a ring group rings every member; the first to answer takes it, the other sees "Answered elsewhere"', async ({ openPhone }) => {
  const ada = await openPhone('Ada');
  const bob = await openPhone('Bob');
  const carol = await openPhone('Carol');
  await connectAll(ada, bob, carol);

  const sales = ada.phoneBook.getByRole('listitem', { name: 'sales', exact: true });
  await expect(sales).toContainText('Bob online');
  await expect(sales).toContainText('Carol online');
  await sales.getByRole('button', { name: 'Video call', exact: true }).click();

  await expect(ada.status).toContainText('Calling sales… Ringing…');
  for (const member of [bob, carol]) {
    await member.expectRinging();
    await expect(member.status).toContainText('Ada calling sales…');
  }
  await bob.button('Answer with video').click();

  await ada.expectInCallWith(bob);
  await bob.expectInCallWith(ada);
  await carol.expectCallEnded('Answered elsewhere');
  await expectRemoteVideoPlaying(ada);
  await expectRemoteVideoPlaying(bob);

  await expect(carol.page.getByText(/\d+ missed/), 'a call answered elsewhere is not a missed call').toHaveCount(0);
  await expect(carol.page).toHaveTitle('LeanPhone');
  await carol.page.getByText('Recent calls').click();
  await expect(carol.page.getByRole('list', { name: 'Call history' }).getByRole('listitem')).toHaveText([/Ada\s*Incoming video · Answered elsewhere/]);
});
