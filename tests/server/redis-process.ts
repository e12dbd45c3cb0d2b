/**
 * A real redis-server on a free loopback port for one test file, with nothing saved to disk (or,
 * given a folder, an append-only file synced on every write). Start awaits its "Ready to accept
 * connections" line; it can be killed and started again on the same port.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';

export class RedisProcess {
  readonly port: number;
  readonly #aofDir: string | null;
  #child: ChildProcess | null = null;

  private constructor(port: number, aofDir: string | null) {
    this.port = port;
    this.#aofDir = aofDir;
  }

  /** `aofDir`: keep an append-only file there, with `appendfsync always`. */
  static async start(aofDir: string | null = null): Promise<RedisProcess> {
    const redis = new RedisProcess(await freePort(), aofDir);
    await redis.restart();
    return redis;
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  /** Starts it (again) on its port, and resolves once it accepts connections. */
  restart(): Promise<void> {
    const persistence = this.#aofDir === null ? ['--appendonly', 'no'] : ['--appendonly', 'yes', '--appendfsync', 'always', '--dir', this.#aofDir];
    const child = spawn('redis-server', ['--port', String(this.port), '--bind', '127.0.0.1', '--save', '', ...persistence], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.#child = child;
    return new Promise((resolve, reject) => {
      let output = '';
      child.stdout!.on('data', (chunk: Buffer) => {
        output += chunk.toString();
        if (output.includes('Ready to accept connections')) resolve();
      });
      child.once('exit', (code) => reject(new Error(`redis-server exited (${code}): ${output.slice(-500)}`)));
    });
  }

  /** Kills it at once (no shutdown save), and resolves once it has exited. */
  kill(): Promise<void> {
    const child = this.#child;
    this.#child = null;
    if (!child || child.exitCode !== null) return Promise.resolve();
    return new Promise((resolve) => {
      child.once('exit', () => resolve());
      child.kill('SIGKILL');
    });
  }
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}
