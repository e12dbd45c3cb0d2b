/**
 * Plain HTTP on the signalling port: `/healthz` and the browser phone's static build. Paths are
 * resolved inside the build folder only; every answer carries the browser phone's security headers.
 */
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { extname, join, normalize, sep } from 'node:path';

const CONTENT_TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json',
  '.webmanifest': 'application/manifest+json',
};

/** The browser phone talks only to the server it came from. */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "connect-src 'self'",
  "media-src 'self' blob: mediastream:",
  "img-src 'self' data:",
  "object-src 'none'",
  "base-uri 'none'",
  "frame-ancestors 'none'",
  "form-action 'none'",
].join('; ');

const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'content-security-policy': CONTENT_SECURITY_POLICY,
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'permissions-policy': 'camera=(self), microphone=(self), speaker-selection=(self)',
  'cross-origin-opener-policy': 'same-origin',
};

export interface HttpContext {
  staticDir: string | null;
  health: () => object;
}

export function setSecurityHeaders(response: ServerResponse): void {
  for (const [header, value] of Object.entries(SECURITY_HEADERS)) response.setHeader(header, value);
}

export async function handleHttp(context: HttpContext, request: IncomingMessage, response: ServerResponse): Promise<void> {
  setSecurityHeaders(response);
  if (request.method !== 'GET' && request.method !== 'HEAD') {
    respond(response, 405, 'Method Not Allowed\n', { allow: 'GET, HEAD' });
    return;
  }
  const path = new URL(request.url ?? '/', 'http://localhost').pathname;
  if (path === '/healthz') {
    respond(response, 200, JSON.stringify(context.health()), { 'content-type': 'application/json', 'cache-control': 'no-store' });
    return;
  }
  const file = context.staticDir === null ? null : await findStatic(context.staticDir, path);
  if (file === null) {
    respond(response, 404, 'Not Found\n');
    return;
  }
  response.writeHead(200, {
    'content-type': CONTENT_TYPES[extname(file.path)] ?? 'application/octet-stream',
    'content-length': file.size,
    'cache-control': path.startsWith('/assets/') ? 'public, max-age=31536000, immutable' : 'no-cache',
  });
  if (request.method === 'HEAD') response.end();
  else createReadStream(file.path).on('error', () => response.destroy()).pipe(response);
}

async function findStatic(root: string, urlPath: string): Promise<{ path: string; size: number } | null> {
  let decoded: string;
  try {
    decoded = decodeURIComponent(urlPath);
  } catch {
    return null;
  }
  if (decoded.includes('\0')) return null;
  const relative = normalize(decoded === '/' ? '/index.html' : decoded);
  const path = join(root, relative);
  if (path !== root && !path.startsWith(root.endsWith(sep) ? root : root + sep)) return null;
  try {
    const info = await stat(path);
    return info.isFile() ? { path, size: info.size } : null;
  } catch {
    return null;
  }
}

function respond(response: ServerResponse, status: number, body: string, headers: Record<string, string> = {}): void {
  response.writeHead(status, { 'content-type': 'text/plain; charset=utf-8', ...headers });
  response.end(body);
}
