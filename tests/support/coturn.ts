/**
 * A real coturn (`turnserver`) on 127.0.0.1 for tests: a free port, a random `use-auth-secret`
 * secret, its pid file, log and database in a private temp folder. Ready once it answers a STUN
 * Binding request; `stop()` ends it and removes the folder. A missing coturn is an error, not a skip.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes, randomInt } from 'node:crypto';
import { createSocket } from 'node:dgram';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const TURNSERVER = process.env.TURNSERVER_PATH ?? '/usr/bin/turnserver';
export const TURN_REALM = 'leanphone.test';

export interface Coturn {
  readonly port: number;
  /** coturn's static-auth-secret, shared with the signalling server. */
  readonly secret: string;
  /** `turn:127.0.0.1:PORT?transport=udp` */
  readonly url: string;
  /** The log so far, for failure messages. */
  log(): Promise<string>;
  stop(): Promise<void>;
}

/** `port` and `secret` start it again where an earlier one was, as a relay coming back would. */
export async function startCoturn(options: { readyTimeoutMs?: number; port?: number; secret?: string } = {}): Promise<Coturn> {
  if (!existsSync(TURNSERVER)) {
    throw new Error(`coturn is not installed: ${TURNSERVER} is missing (apt-get install coturn; .ci/run installs it)`);
  }
  const dir = await mkdtemp(join(tmpdir(), 'leanphone-coturn-'));
  const port = options.port ?? (await freePort());
  const secret = options.secret ?? randomBytes(24).toString('hex');
  const logFile = join(dir, 'turn.log');
  const child = spawn(
    TURNSERVER,
    [
      '-n', // no configuration file: every setting is on this line
      `--listening-ip=127.0.0.1`,
      `--listening-port=${port}`,
      `--relay-ip=127.0.0.1`,
      `--realm=${TURN_REALM}`,
      '--use-auth-secret',
      `--static-auth-secret=${secret}`,
      '--allow-loopback-peers',
      '--no-tls',
      '--no-dtls',
      '--no-cli',
      `--pidfile=${join(dir, 'turn.pid')}`,
      `--log-file=${logFile}`,
      '--simple-log',
      '--no-stdout-log',
      `--userdb=${join(dir, 'turndb')}`,
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-4_000);
  });
  const log = async (): Promise<string> => {
    const text = await readFile(logFile, 'utf8').catch(() => '');
    return `${text}${stderr}`.slice(-4_000);
  };
  const stop = async (): Promise<void> => {
    await endProcess(child);
    await rm(dir, { recursive: true, force: true });
  };
  try {
    await waitUntilAnswering(child, port, options.readyTimeoutMs ?? 10_000);
  } catch (error) {
    const text = await log();
    await stop();
    throw new Error(`coturn did not start: ${(error as Error).message}\n--- coturn log ---\n${text}`);
  }
  return { port, secret, url: `turn:127.0.0.1:${port}?transport=udp`, log, stop };
}

/**
 * Ports for coturn come from below Linux's ephemeral range (32768 and up): a port the OS handed out
 * there and we found free can be taken again, before coturn binds it, by any socket bound to port 0
 * (the browser's WebRTC sockets, say), as happened in CI. Nothing is handed out from here.
 */
const PORTS = { from: 20_000, to: 32_767 } as const;

/** A port free for both TCP and UDP on 127.0.0.1 (coturn listens on both), outside the ephemeral range. */
async function freePort(): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt += 1) {
    const port = PORTS.from + randomInt(PORTS.to - PORTS.from + 1);
    if ((await tcpFree(port)) && (await udpFree(port))) return port;
  }
  throw new Error(`no port from ${PORTS.from} to ${PORTS.to} free for both TCP and UDP on 127.0.0.1`);
}

function tcpFree(port: number): Promise<boolean> {
  const server = createServer();
  return new Promise((done) => {
    server.once('error', () => done(false));
    server.listen(port, '127.0.0.1', () => server.close(() => done(true)));
  });
}

function udpFree(port: number): Promise<boolean> {
  const socket = createSocket('udp4');
  return new Promise((done) => {
    socket.once('error', () => done(false));
    socket.bind(port, '127.0.0.1', () => socket.close(() => done(true)));
  });
}

/** Sends STUN Binding requests (RFC 5389) every 100 ms until one is answered, coturn exits, or time runs out. */
function waitUntilAnswering(child: ChildProcess, port: number, timeoutMs: number): Promise<void> {
  const socket = createSocket('udp4');
  const transaction = randomBytes(12);
  const request = Buffer.concat([Buffer.from([0x00, 0x01, 0x00, 0x00, 0x21, 0x12, 0xa4, 0x42]), transaction]);
  return new Promise<void>((resolve, reject) => {
    let finished = false;
    const finish = (error?: Error) => {
      if (finished) return;
      finished = true;
      clearInterval(probe);
      clearTimeout(deadline);
      child.off('exit', onExit);
      socket.close();
      if (error) reject(error);
      else resolve();
    };
    const onExit = (code: number | null, signal: string | null) => finish(new Error(`turnserver exited (code ${code}, signal ${signal})`));
    child.once('exit', onExit);
    child.once('error', (error) => finish(error));
    socket.on('message', (reply) => {
      // A Binding success response (0x0101) carrying our transaction id.
      if (reply.length >= 20 && reply.readUInt16BE(0) === 0x0101 && reply.subarray(8, 20).equals(transaction)) finish();
    });
    const send = () => socket.send(request, port, '127.0.0.1');
    const probe = setInterval(send, 100);
    const deadline = setTimeout(() => finish(new Error(`no STUN answer on 127.0.0.1:${port} within ${timeoutMs} ms`)), timeoutMs);
    send();
  });
}

function endProcess(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise<void>((done) => {
    const force = setTimeout(() => child.kill('SIGKILL'), 3_000);
    child.once('exit', () => {
      clearTimeout(force);
      done();
    });
    child.kill('SIGTERM');
  });
}
