/**
 * The signalling server for `npm run bench:call`, alone in a child process so that the benchmark's
 * own Playwright traffic never delays it. Reports its port over IPC; stops when the parent goes.
 */
import { fork } from 'node:child_process';
import { startSignalServer } from '../signal-server/server.js';

export interface ServerChild {
  port: number;
  stop(): Promise<void>;
}

/** Starts this file as a child (through tsx) serving `staticDir` on a free loopback port. */
export function startServerChild(staticDir: string): Promise<ServerChild> {
  const child = fork(new URL(import.meta.url).pathname, ['--child', staticDir], { execArgv: ['--import', 'tsx'], stdio: 'inherit' });
  return new Promise((done, fail) => {
    child.once('error', fail);
    child.once('exit', (code) => fail(new Error(`the server child exited with ${code} before listening`)));
    child.once('message', (message: { port: number }) => {
      child.removeAllListeners('exit');
      done({
        port: message.port,
        stop: () =>
          new Promise<void>((stopped) => {
            child.once('exit', () => stopped());
            child.disconnect();
          }),
      });
    });
  });
}

/** Every call of a benchmark comes from a few pages on 127.0.0.1: the anti-bombing limits would refuse the run. */
export const ROOMY_LIMITS = { callsPerMinute: 1_000_000, callBurst: 1_000_000, registrationsPerMinute: 1_000_000, registrationBurst: 1_000_000 };

if (process.argv[2] === '--child') {
  const server = await startSignalServer({ port: 0, host: '127.0.0.1', staticDir: process.argv[3] ?? null, ...ROOMY_LIMITS });
  process.send?.({ port: server.port });
  process.once('disconnect', () => {
    void server.close().then(() => process.exit(0));
  });
}
