/** Starts a real server on an ephemeral loopback port per test and closes it, and its clients, after. */
import { afterEach } from 'vitest';
import type { ClientOptions } from 'ws';
import { startSignalServer, type SignalServerOptions } from '../../signal-server/server.js';
import { TestClient } from './client.js';

export function useServer() {
  const servers: { close(): Promise<void> }[] = [];
  const clients: TestClient[] = [];
  afterEach(async () => {
    await Promise.all(clients.splice(0).map((client) => client.drop()));
    await Promise.all(servers.splice(0).map((server) => server.close()));
  });
  return {
    async start(options: SignalServerOptions = {}) {
      const server = await startSignalServer({ port: 0, host: '127.0.0.1', presenceFlushMs: 5, ...options });
      servers.push(server);
      return server;
    },
    async connect(url: string, protocols?: string[], options?: ClientOptions) {
      const client = await TestClient.connect(url, protocols, options);
      clients.push(client);
      return client;
    },
    async register(url: string, name: string, extra: Record<string, unknown> = {}, options?: ClientOptions) {
      const client = await TestClient.register(url, name, extra, options);
      clients.push(client);
      return client;
    },
  };
}

export const offer = { sdp: { type: 'offer', sdp: 'v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\n' }, media: { audio: true, video: true } };
export const answer = { sdp: { type: 'answer', sdp: 'v=0\r\no=- 2 2 IN IP4 127.0.0.1\r\n' } };

let nextId = 0;
export const newCallId = (): string => `call-${process.pid}-${(nextId += 1)}-abcdef`;

/** A new call's INVITE (cseq 1, an audio and video offer). */
export const invite = (callId: string, to: string, extra: Record<string, unknown> = {}) => ({
  method: 'INVITE',
  cseq: 1,
  callId,
  to,
  body: offer,
  ...extra,
});

/** Sets up Ada calling Bob through 100, the relayed INVITE and 180. */
export async function ring(ada: TestClient, bob: TestClient, callId = newCallId()) {
  ada.send(invite(callId, 'Bob', { from: 'Mallory' }));
  const trying = await ada.nextResponse(100, 'INVITE');
  const incoming = await bob.nextRequest('INVITE');
  bob.send({ status: 180, reason: 'Ringing', method: 'INVITE', cseq: 1, callId });
  await ada.nextResponse(180);
  return { callId, trying, incoming };
}

/** Rings as above, then answers 200 and confirms with ACK. */
export async function connectCall(ada: TestClient, bob: TestClient) {
  const { callId } = await ring(ada, bob);
  bob.send({ status: 200, reason: 'OK', method: 'INVITE', cseq: 1, callId, body: answer });
  await ada.nextResponse(200, 'INVITE');
  ada.send({ method: 'ACK', cseq: 1, callId });
  await bob.nextRequest('ACK');
  return callId;
}

/**
 * `caller` calls `callee` (registered as `to`): 100, the INVITE, 180, then 200 with the answer and
 * ACK. `body` is the INVITE's; answers the call id.
 */
export async function answeredCall(caller: TestClient, callee: TestClient, to: string, body: Record<string, unknown> = offer): Promise<string> {
  const callId = newCallId();
  caller.send(invite(callId, to, { body }));
  await caller.next((f) => f.callId === callId && f.status === 100);
  await callee.next((f) => f.method === 'INVITE' && f.callId === callId && f.status === undefined);
  callee.send({ status: 180, reason: 'Ringing', method: 'INVITE', cseq: 1, callId });
  await caller.next((f) => f.callId === callId && f.status === 180);
  callee.send({ status: 200, reason: 'OK', method: 'INVITE', cseq: 1, callId, body: answer });
  await caller.next((f) => f.callId === callId && f.status === 200);
  caller.send({ method: 'ACK', cseq: 1, callId });
  await callee.next((f) => f.method === 'ACK' && f.callId === callId);
  return callId;
}
