/**
 * Two browser phones on two nodes of a cluster (a real redis-server, each node serving the build):
 * a video call across the nodes, frames decoded both ways, and hung up.
 */
import { connectAll, expect, test, TestServer } from './fixtures.js';
import { expectRemoteVideoPlaying } from './media.js';
import { RedisProcess } from '../server/redis-process.js';

let redis: RedisProcess;
test.beforeAll(async () => {
  redis = await RedisProcess.start();
});
test.afterAll(() => redis.kill());

// The fixture's server is node a; the test starts node b beside it.
test.use({ serverOptions: async ({}, use) => use({ redis: redis.url, nodeId: 'a' }) });

test('a video call between phones on two nodes plays video both ways', async ({ openPhone, server }) => {
  const b = await TestServer.start({ redis: redis.url, nodeId: 'b' });
  try {
    const ada = await openPhone('Ada');
    const bob = await openPhone('Bob');
    await bob.page.goto(`http://127.0.0.1:${b.port}/`);
    await connectAll(ada, bob);
    expect(await server.health()).toMatchObject({ users: 1 });
    expect(await b.health()).toMatchObject({ users: 1 });

    await ada.call(bob, 'video');
    await bob.expectRinging();
    await bob.button('Answer with video').click();
    await ada.expectInCallWith(bob);
    await bob.expectInCallWith(ada);
    await expectRemoteVideoPlaying(ada);
    await expectRemoteVideoPlaying(bob);

    await bob.button('Hang up').click();
    await bob.expectCallEnded('Call ended');
    await ada.expectCallEnded('Call ended');
  } finally {
    await b.close();
  }
});
