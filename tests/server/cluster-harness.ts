/** A real redis-server and three real nodes joined to it, per test, all on loopback; closed after each test. */
import { afterAll, afterEach, beforeAll } from 'vitest';
import { startSignalServer, type RunningSignalServer, type SignalServerOptions } from '../../signal-server/server.js';
import { TestClient } from './client.js';
import { RedisProcess } from './redis-process.js';

export function useCluster() {
  let redis: RedisProcess;
  const nodes: RunningSignalServer[] = [];
  const clients: TestClient[] = [];
  beforeAll(async () => {
    redis = await RedisProcess.start();
  });
  afterAll(() => redis.kill());
  afterEach(async () => {
    await Promise.all(clients.splice(0).map((client) => client.drop()));
    await Promise.all(nodes.splice(0).map((node) => node.close()));
    // A fresh Redis for each test: nothing of one test is seen by the next.
    await redis.kill();
    await redis.restart();
  });
  return {
    get redis(): RedisProcess {
      return redis;
    },
    async node(nodeId: string, options: SignalServerOptions = {}): Promise<RunningSignalServer> {
      const node = await startSignalServer({ port: 0, host: '127.0.0.1', presenceFlushMs: 5, redis: redis.url, nodeId, ...options });
      nodes.push(node);
      return node;
    },
    /** Three nodes a, b and c. */
    async three(options: SignalServerOptions = {}): Promise<RunningSignalServer[]> {
      return Promise.all(['a', 'b', 'c'].map((id) => this.node(id, options)));
    },
    async connect(url: string): Promise<TestClient> {
      const client = await TestClient.connect(url);
      clients.push(client);
      return client;
    },
    async register(url: string, name: string, extra: Record<string, unknown> = {}) {
      const client = await TestClient.register(url, name, extra);
      clients.push(client);
      return client;
    },
  };
}
