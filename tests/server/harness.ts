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
