/**
 * Durability of the real host process: `npm run serve -- --data-dir DIR`, with and without
 * --store-thread, is killed with SIGKILL in the middle of a message storm to someone offline,
 * several times; every message whose sender was answered 200 ("sent") reaches the recipient at
 * their next sign-in, once, and the database opens cleanly at its schema version after each kill.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { storeDir } from '../../signal-server/server.js';
import { inspectDatabase, MIGRATIONS } from '../../signal-server/store/sqlite-file.js';
import { TestClient, type Frame } from './client.js';

/** Messages on their way at once. */
const IN_FLIGHT = 32;
/**
 * Messages sent the moment the kill is given, so that it lands mid-storm. Those on their way before
 * may all be answered by then (one commit answers every message it holds at once), and even these
 * may be if this process waits for a core between sending them and the kill.
 */
const SENT_AS_KILLED = 8;
/**
 * Per round, how many "sent" answers before the kill. Each round, with those still on their way and
 * those sent as it is killed, stays inside the flood burst (200), and all together under the
 * sender's waiting cap (500).
 */
const KILL_AFTER = [20, 80, 140];

const children: ChildProcess[] = [];
const dirs: string[] = [];
afterEach(async () => {
  for (const child of children.splice(0)) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  await Promise.all(dirs.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
});

async function tempDir(prefix: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  dirs.push(dir);
  return dir;
}

/** Starts the CLI host on a free loopback port with `dataDir`; resolves with its ws:// URL once it listens. */
async function serve(dataDir: string, configHome: string, extra: readonly string[]): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'signal-server/cli.ts', '--port', '0', '--host', '127.0.0.1', '--data-dir', dataDir, ...extra], {
    stdio: ['ignore', 'pipe', 'inherit'],
    env: { ...process.env, XDG_CONFIG_HOME: configHome },
  });
  children.push(child);
  let stdout = '';
  const port = await new Promise<string>((resolve, reject) => {
    child.once('exit', (code, signal) => reject(new Error(`exited with ${code ?? signal}: ${stdout}`)));
    child.stdout!.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      const match = /listening on 127\.0\.0\.1:(\d+)/.exec(stdout);
      if (match) resolve(match[1]!);
    });
  });
  return { child, url: `ws://127.0.0.1:${port}/signal` };
}

/**
 * Ada sends Bob numbered messages, IN_FLIGHT at a time, until `killAfter` are answered "sent"; then
 * SENT_AS_KILLED more, and the host is killed. Answers every message answered "sent" before the
 * socket went down (id to text), and how many it sent that were not.
 */
async function stormAndKill(host: { child: ChildProcess; url: string }, round: number, killAfter: number): Promise<{ told: Map<string, string>; unanswered: number }> {
  const ada = await TestClient.register(host.url, 'Ada');
  const told = new Map<string, string>();
  const texts = new Map<number, string>();
  let next = 0;
  const sendOne = (): void => {
    next += 1;
    const text = `round ${round} message ${next}`;
    const cseq = ada.nextCseq();
    texts.set(cseq, text);
    ada.send({ method: 'MESSAGE', cseq, to: 'Bob', body: { text } });
  };
  const killed = once(host.child, 'exit');
  ada.ws.on('message', (data: Buffer) => {
    const frame = JSON.parse(data.toString()) as Frame;
    if (frame.method !== 'MESSAGE' || frame.status === undefined) return;
    expect(frame.status, JSON.stringify(frame)).toBe(200);
    told.set(frame.body.id as string, texts.get(frame.cseq as number)!);
    if (told.size === killAfter) {
      for (let n = 0; n < SENT_AS_KILLED; n += 1) sendOne();
      host.child.kill('SIGKILL');
    } else if (told.size < killAfter) sendOne();
  });
  for (let n = 0; n < IN_FLIGHT; n += 1) sendOne();
  const [, signal] = await killed;
  expect(signal).toBe('SIGKILL');
  await ada.closed;
  return { told, unanswered: next - told.size };
}

describe.each([
  ['its store on the event loop', []],
  ['its store on a thread (--store-thread)', ['--store-thread']],
])('the host process killed mid-storm, %s', (_, extra: readonly string[]) => {
  it('delivers every message it answered "sent", once each, and its database opens cleanly after each kill', async () => {
    const dataDir = await tempDir('leanphone-durable-');
    const configHome = await tempDir('leanphone-durable-config-');
    const first = await serve(dataDir, configHome, extra);
    // Bob is in the directory, and offline: everything for him is kept.
    await (await TestClient.register(first.url, 'Bob')).close(1000);

    const told = new Map<string, string>();
    let unanswered = 0;
    let host = first;
    for (const [round, killAfter] of KILL_AFTER.entries()) {
      const killed = await stormAndKill(host, round, killAfter);
      for (const [id, text] of killed.told) told.set(id, text);
      unanswered += killed.unanswered;
      expect(inspectDatabase(storeDir(dataDir))).toMatchObject({
        schemaVersion: MIGRATIONS.length,
        migrations: MIGRATIONS.map((_, index) => ({ version: index + 1 })),
        integrity: 'ok',
      });
      host = await serve(dataDir, configHome, extra);
    }

    // Bob signs in: his waiting messages come first, then the message summary.
    const bob = await TestClient.register(host.url, 'Bob');
    const summary = await bob.next((frame) => frame.method === 'NOTIFY' && frame.body?.event === 'message-summary', 20_000);
    const delivered = bob.received.filter((frame) => frame.method === 'MESSAGE' && frame.status === undefined);
    const ids = delivered.map((frame) => frame.body.id as string);
    expect(new Set(ids).size, 'no message twice').toBe(ids.length);
    // Each text was sent once: two ids for one text would be a message kept twice.
    const texts = delivered.map((frame) => frame.body.text as string);
    expect(new Set(texts).size, 'no message kept twice').toBe(texts.length);
    // The kills landed mid-storm: messages were still on their way, unanswered.
    expect(unanswered).toBeGreaterThan(0);
    const arrived = new Map(delivered.map((frame) => [frame.body.id as string, frame.body.text as string]));
    const lost = [...told].filter(([id, text]) => arrived.get(id) !== text);
    expect(lost, `${told.size} answered "sent"`).toEqual([]);
    expect(told.size).toBeGreaterThanOrEqual(KILL_AFTER.reduce((sum, count) => sum + count, 0));
    expect(summary.body.unread).toEqual([{ name: 'Ada', count: ids.length }]);
    await bob.close(1000);
    host.child.kill('SIGTERM');
    await once(host.child, 'exit');
    // Four starts of the CLI under tsx: slow on a loaded machine.
  }, 240_000);
});
