/** A data folder per test for servers that keep a directory, messages and voicemail, and HTTP helpers for voicemail. */
import { request as httpRequest } from 'node:http';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach } from 'vitest';

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
