/**
 * Call waiting between browser phones: Cy calls Bob while Ada and Bob talk. Bob answers Cy (Ada is
 * put on hold), resumes Ada (Cy is put on hold), then hangs up the held call; the video of the
 * pair that talks keeps flowing. Driven by roles and names only.
 */
import { connectAll, expect, test } from './fixtures.js';
import { expectRemoteVideoPlaying, expectRemoteVideoStill } from './media.js';
import { establishCall, startsWithName, type Phone } from './phone.js';

const waitingRegion = (phone: Phone) => phone.page.getByRole('region', { name: 'Call waiting', exact: true });
const heldList = (phone: Phone) => phone.page.getByRole('list', { name: 'Calls on hold', exact: true });
const heldCall = (phone: Phone, peer: Phone) => heldList(phone).getByRole('listitem', { name: startsWithName(peer.name) });

test('a second caller waits, is answered with the call on hold, and the two calls switch and end', async ({ openPhone }) => {
  const ada = await openPhone('Ada');
  const bob = await openPhone('Bob');
  const cy = await openPhone('Cy');
  await connectAll(ada, bob, cy);
  await establishCall(ada, bob, 'video');
  await expectRemoteVideoPlaying(bob);

  await cy.call(bob, 'video');
  await expect(cy.status).toContainText('Calling Bob… Ringing…');
  const waiting = waitingRegion(bob);
  await expect(waiting).toContainText('Cy is video calling');
  await expect(waiting.getByRole('button', { name: 'Decline', exact: true })).toBeVisible();
  await expect(bob.status, 'the call goes on while Cy waits, and the status says who waits').toHaveText('In call with Ada · Cy is video calling…');
  await expect(ada.status).toContainText('In call with Bob');

  await waiting.getByRole('button', { name: 'Answer with video', exact: true }).click();
  await expect(ada.status, 'answering Cy puts Ada on hold').toContainText('Bob put you on hold');
  await bob.expectInCallWith(cy);
  await cy.expectInCallWith(bob);
  await expect(waiting).toBeHidden();
  await expect(heldCall(bob, ada)).toHaveAccessibleName('Ada, on hold');
  await expectRemoteVideoPlaying(cy);
  await expectRemoteVideoPlaying(bob);
  await expectRemoteVideoStill(ada);

  await heldCall(bob, ada).getByRole('button', { name: 'Resume' }).click();
  await expect(cy.status, 'resuming Ada puts Cy on hold').toContainText('Bob put you on hold');
  await bob.expectInCallWith(ada);
  await expect(ada.status).toContainText('In call with Bob');
  await expect(heldCall(bob, cy)).toHaveAccessibleName('Cy, on hold');
  await expect(heldCall(bob, ada)).toHaveCount(0);
  await expectRemoteVideoPlaying(ada);
  await expectRemoteVideoPlaying(bob);

  await heldCall(bob, cy).getByRole('button', { name: 'Hang up' }).click();
  await cy.expectCallEnded('Call ended');
  await expect(heldList(bob)).toBeHidden();
  await bob.expectInCallWith(ada);
  await ada.expectInCallWith(bob);
  await expectRemoteVideoPlaying(ada);
  await expectRemoteVideoPlaying(bob);
});

test('a waiting call declined leaves the call as it was; a caller who gives up leaves a missed call', async ({ openPhone }) => {
  const ada = await openPhone('Ada');
  const bob = await openPhone('Bob');
  const cy = await openPhone('Cy');
  await connectAll(ada, bob, cy);
  await establishCall(ada, bob, 'voice');

  await cy.call(bob);
  await waitingRegion(bob).getByRole('button', { name: 'Decline', exact: true }).click();
  await cy.expectCallEnded('Bob declined the call');
  await expect(waitingRegion(bob)).toBeHidden();
  await bob.expectInCallWith(ada);

  await cy.call(bob);
  await expect(waitingRegion(bob)).toContainText('Cy is calling');
  await cy.button('Cancel').click();
  await cy.expectCallEnded('Call cancelled');
  await expect(waitingRegion(bob)).toBeHidden();
  await bob.expectInCallWith(ada);
  await expect(bob.page.getByText('1 missed')).toBeVisible();
});
