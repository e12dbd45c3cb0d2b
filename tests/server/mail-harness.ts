/**
 * A data folder per test for servers that keep a directory, messages and voicemail; the frames of
 * messaging a test sends and waits for; and HTTP helpers for voicemail.
 */
import { request as httpRequest } from 'node:http';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach } from 'vitest';
import type { TestClient } from './client.js';

export function useDataDirs() {
  const dirs: string[] = [];
  afterEach(async () => {
    await Promise.all(dirs.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
  });
  return async (): Promise<string> => {
    const dir = await mkdtemp(join(tmpdir(), 'leanphone-mail-'));
    dirs.push(dir);
    return dir;
  };
}

export interface HttpAnswer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

/** One HTTP request to the server on `port`; `body` as a Buffer is sent with its length, as chunks without one and never ended. */
export function http(port: number, method: string, path: string, headers: Record<string, string>, body?: Buffer | Buffer[]): Promise<HttpAnswer> {
  return new Promise((resolve, reject) => {
    const request = httpRequest({ host: '127.0.0.1', port, method, path, headers, agent: false }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () => {
        resolve({ status: response.statusCode ?? 0, headers: response.headers, body: Buffer.concat(chunks) });
        request.destroy();
      });
    });
    // A server that refuses an upload closes the connection while the body is still going out.
    request.on('error', (error: NodeJS.ErrnoException) => (error.code === 'EPIPE' || error.code === 'ECONNRESET' ? undefined : reject(error)));
    if (Array.isArray(body)) {
      // Chunks without an end: the answer must come while the body is still open, as it does for an
      // endless upload, so the server cannot be waiting for all of it.
      for (const chunk of body) request.write(chunk);
    } else request.end(body);
  });
}

export const json = (answer: HttpAnswer): Record<string, unknown> => JSON.parse(answer.body.toString()) as Record<string, unknown>;

export const message = (to: string, text: string, extra: Record<string, unknown> = {}) => ({ method: 'MESSAGE', to, body: { text }, ...extra });
export const nextMessage = (client: TestClient) => client.next((f) => f.method === 'MESSAGE' && f.status === undefined);
export const nextNotify = (client: TestClient, event: string) => client.next((f) => f.method === 'NOTIFY' && f.body?.event === event);
export const receipt = (client: TestClient, state: string, ids: string[]) =>
  client.send({ method: 'NOTIFY', cseq: client.nextCseq(), body: { event: 'receipt', state, ids } });

/** The entry for `name` in the next presence NOTIFY that shows it `state`. */
export async function presenceOf(client: TestClient, name: string, state: string) {
  const notify = await client.next((f) => f.body?.event === 'presence' && f.body.users.some((u: { name: string; state: string }) => u.name === name && u.state === state));
  return notify.body.users.find((u: { name: string }) => u.name === name);
}
