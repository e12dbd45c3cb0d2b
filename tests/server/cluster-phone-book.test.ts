/** A cluster's phone book is one: its limit counts every node's users, and SEARCH on one node finds and watches users of another. */
import { describe, expect, it } from 'vitest';
import type { Frame } from './client.js';
import { useCluster } from './cluster-harness.js';

const cluster = useCluster();

const isPresence = (frame: Frame): boolean => frame.method === 'NOTIFY' && frame.status === undefined && frame.body?.event === 'presence';

describe('phone book search across nodes', () => {
  it('a search on node b finds a user of node a, then hears its presence change, and no one else is sent', async () => {
    const [a, b, c] = await cluster.three({ phoneBookLimit: 2 });
    const bob = await cluster.register(b!.url, 'Bob');
    const ann = await cluster.register(a!.url, 'Ann');
    const cyd = await cluster.register(c!.url, 'Cyd');
    // Node b counts the other nodes' users: Bob, listed, is told once the three of them are past the limit.
    const told = await bob.next((frame) => isPresence(frame) && frame.body.phoneBook !== undefined);
    expect(told.body).toEqual({ event: 'presence', users: [], phoneBook: { searched: true, size: 3 } });
    const dee = await cluster.connect(b!.url);
    const welcome = await dee.request({ method: 'REGISTER', body: { name: 'Dee' } });
    expect(welcome.body).toMatchObject({ users: [], phoneBook: { searched: true, size: 4 } });
    const found = await dee.request({ method: 'SEARCH', body: { query: 'an' } });
    expect(found.body).toEqual({ users: [{ name: 'Ann', state: 'online' }], more: false });
    await cyd.request({ method: 'PUBLISH', body: { state: 'dnd' } });
    await ann.request({ method: 'PUBLISH', body: { state: 'dnd' } });
    const heard = await dee.next((frame) => isPresence(frame) && frame.body.users.some((user: Frame) => user.name === 'Ann'));
    expect(heard).toEqual({ method: 'NOTIFY', cseq: expect.any(Number), body: { event: 'presence', users: [{ name: 'Ann', state: 'dnd' }] } });
    expect(dee.received.filter(isPresence)).toEqual([heard]);
  });
});
