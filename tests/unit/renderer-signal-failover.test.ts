/**
 * The renderer's signalling client in a cluster (a real redis-server and real nodes, real `ws`
 * sockets): when its node dies it fails over by itself to a node the REGISTER 200 named, with its
 * resume token, and keeps its name and its call.
 */
import { describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import type { Message, RegisteredBody } from '../../common/protocol.js';
import { SignalClient, type SocketLike } from '../../renderer/src/net/signal-client.js';
import { useCluster } from '../server/cluster-harness.js';
import type { TestClient } from '../server/client.js';
import { answer, invite, newCallId, offer } from '../server/harness.js';

const cluster = useCluster();
const FAST = { clusterHeartbeatMs: 100, clusterNodeTtlMs: 600, graceMs: 300 };

describe('failing over to another node', () => {
  it('its node killed, the phone resumes on a node it was told of: same name, the call goes on', async () => {
    const [a, b] = await Promise.all([cluster.node('a', FAST), cluster.node('b', FAST)]);
    const bob = await cluster.register(b.url, 'Bob');
    const registrations: RegisteredBody[] = [];
    const messages: Message[] = [];
    const tried: string[] = [];
    const waiters: (() => void)[] = [];
    const wake = () => waiters.splice(0).forEach((w) => w());
    const until = async (check: () => boolean): Promise<void> => {
      while (!check()) await new Promise<void>((resolve) => waiters.push(resolve));
    };
    const client = new SignalClient({
      server: a.url,
      name: 'Ada',
      passcode: '',
      random: () => 0,
      createSocket: (url, protocol) => (tried.push(url), new WebSocket(url, protocol) as unknown as SocketLike),
      onRegistered: (body) => (registrations.push(body), wake()),
      onMessage: (m) => (messages.push(m), wake()),
    });
    try {
      // The node learns of b from a heartbeat: until then its 200 may name no other node.
      client.start();
      await until(() => registrations.length === 1);
      while (!registrations.at(-1)!.nodes?.includes(b.url)) {
        client.stop();
        client.start();
        const seen = registrations.length;
        await until(() => registrations.length > seen);
      }
      await bob.nextPresence('Bob');
      const callId = await callFromBob(bob, client, messages, until);

      const before = registrations.length;
      await a.close();
      await until(() => registrations.length > before);
      expect(registrations.at(-1)).toMatchObject({ name: 'Ada', resumed: true });
      expect(tried.at(-1)).toBe(b.url);

      client.send({ method: 'INFO', cseq: 5, callId, body: { candidate: null } });
      expect(await bob.nextRequest('INFO')).toMatchObject({ from: 'Ada', cseq: 5, callId });
      bob.send({ method: 'INFO', cseq: 2, callId, body: { candidate: null } });
      await until(() => messages.some((m) => !('status' in m) && m.method === 'INFO' && m.cseq === 2));
    } finally {
      client.stop();
    }
  });
});

/** Bob calls Ada (the call homed on Bob's node); Ada's client answers it. */
async function callFromBob(bob: TestClient, client: SignalClient, messages: Message[], until: (check: () => boolean) => Promise<void>): Promise<string> {
  const callId = newCallId();
  bob.send(invite(callId, 'Ada', { body: offer }));
  await until(() => messages.some((m) => !('status' in m) && m.method === 'INVITE' && m.callId === callId));
  client.send({ status: 200, reason: 'OK', method: 'INVITE', cseq: 1, callId, body: { sdp: { type: 'answer', sdp: answer.sdp.sdp } } });
  await bob.next((f) => f.callId === callId && f.status === 200);
  bob.send({ method: 'ACK', cseq: 1, callId });
  return callId;
}
