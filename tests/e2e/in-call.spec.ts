/**
 * What happens inside a call, seen from the far end: mute silences the audio it receives, camera
 * off stills the video, hold stops both, undoing each brings the media back, and a callee whose
 * page closes ends the caller's call.
 */
import { connectAll, expect, test } from './fixtures.js';
import { expectRemoteAudioSilent, expectRemoteAudioSounding, expectRemoteVideoPlaying, expectRemoteVideoStill } from './media.js';
import { establishCall } from './phone.js';

test('mute, camera off and hold are heard and seen at the far end, and undoing them brings the media back', async ({ openPhone }) => {
  const ada = await openPhone('Ada');
  const bob = await openPhone('Bob');
  await connectAll(ada, bob);
  await establishCall(ada, bob, 'video');
  await expectRemoteAudioSounding(bob);
  await expectRemoteVideoPlaying(bob);

  const mute = ada.button('Mute');
  await expect(mute).toHaveAttribute('aria-pressed', 'false');
  await mute.click();
  await expect(mute).toHaveAttribute('aria-pressed', 'true');
  await expectRemoteAudioSilent(bob);
  await expectRemoteVideoPlaying(bob);
  await mute.click();
  await expect(mute).toHaveAttribute('aria-pressed', 'false');
  await expectRemoteAudioSounding(bob);

  const camera = ada.button('Camera');
  await expect(camera).toHaveAttribute('aria-pressed', 'true');
  await camera.click();
  await expect(camera).toHaveAttribute('aria-pressed', 'false');
  await expectRemoteVideoStill(bob);
  await expectRemoteAudioSounding(bob);
  await camera.click();
  await expect(camera).toHaveAttribute('aria-pressed', 'true');
  await expectRemoteVideoPlaying(bob);

  const hold = ada.button('Hold');
  await hold.click();
  await expect(hold).toHaveAttribute('aria-pressed', 'true');
  await expect(bob.status, 'the far end is told').toContainText(/on hold/i);
  await expectRemoteVideoStill(bob);
  await expectRemoteAudioSilent(bob);
  await expectRemoteVideoStill(ada);

  await hold.click();
  await expect(hold).toHaveAttribute('aria-pressed', 'false');
  await expect(bob.status).not.toContainText(/on hold/i);
  await expectRemoteVideoPlaying(bob);
  await expectRemoteAudioSounding(bob);
  await expectRemoteVideoPlaying(ada);
});

test.describe('with a short grace period', () => {
  test.use({ serverOptions: { graceMs: 1_000 } });

  test("a callee whose page closes mid-call ends the caller's call", async ({ openPhone }) => {
    const ada = await openPhone('Ada');
    const bob = await openPhone('Bob');
    await connectAll(ada, bob);
    await establishCall(ada, bob, 'voice');

    await bob.page.close();
    await ada.expectCallEnded('Call ended');
    await expect(ada.entry('Bob')).toHaveAccessibleName('Bob, offline');
  });
});
