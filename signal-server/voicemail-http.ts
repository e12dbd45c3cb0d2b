/**
 * Voicemail over HTTP on the signalling origin. `POST /voicemail` takes one recording with an
 * upload ticket; `GET` and `DELETE /voicemail/ID` play (marking it heard) and remove one with a
 * mailbox ticket, only the recipient's own. Tickets come over the WebSocket (VOICEMAIL) and travel in
 * `Authorization: Bearer`, never in a URL. Errors are JSON `{ "error": CODE }` with a stable code.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { MESSAGE_ID_PATTERN, VOICEMAIL_PATH } from '../common/protocol.js';
import type { HostRecords } from './host-records.js';
import type { Logger } from './log.js';
import type { UserKey } from './name-key.js';
import { missingCase } from './missing-case.js';
import type { Refusal, VoicemailFormat, VoicemailId } from './store/host-store.js';
import { storeKey } from './directory.js';

export const DURATION_HEADER = 'x-voicemail-duration-ms';

export type VoicemailError =
  | 'no-ticket'
  | 'wrong-method'
  | 'bad-format'
  | 'bad-duration'
  | 'too-big'
  | 'not-found'
  | 'mailbox-full'
  | 'too-many-unheard'
  | 'unknown-user'
  | 'store-failed';

const STATUS: Readonly<Record<VoicemailError, number>> = {
  'no-ticket': 401,
  'wrong-method': 405,
  'bad-format': 415,
  'bad-duration': 400,
  'too-big': 413,
  'not-found': 404,
  'mailbox-full': 409,
  'too-many-unheard': 429,
  'unknown-user': 404,
  'store-failed': 500,
};

const CONTENT_TYPES: Readonly<Record<VoicemailFormat, string>> = { webm: 'audio/webm', ogg: 'audio/ogg' };

/** True when `path` is voicemail's, whatever the method. */
export const isVoicemailPath = (path: string): boolean => path === VOICEMAIL_PATH || path.startsWith(`${VOICEMAIL_PATH}/`);

export async function handleVoicemail(records: HostRecords, logger: Logger, request: IncomingMessage, response: ServerResponse): Promise<void> {
  response.setHeader('cache-control', 'no-store');
  const path = new URL(request.url ?? '/', 'http://localhost').pathname;
  const ticket = bearer(request);
  const now = Date.now();
  if (path === VOICEMAIL_PATH) {
    if (request.method !== 'POST') return fail(response, 'wrong-method', { allow: 'POST', ...UNREAD });
    const grant = ticket === null ? null : records.tickets.redeem(ticket, 'upload', now);
    if (grant === null || grant.purpose !== 'upload') return fail(response, 'no-ticket', UNREAD);
    return upload(records, logger, grant.from, grant.to, request, response);
  }
  const id = path.slice(VOICEMAIL_PATH.length + 1);
  if (request.method !== 'GET' && request.method !== 'DELETE') return fail(response, 'wrong-method', { allow: 'GET, DELETE' });
  const grant = ticket === null ? null : records.tickets.redeem(ticket, 'mailbox', now);
  if (grant === null || grant.purpose !== 'mailbox') return fail(response, 'no-ticket');
  if (!MESSAGE_ID_PATTERN.test(id)) return fail(response, 'not-found');
  const owner = storeKey(grant.owner);
  const voicemail = id as VoicemailId;
  if (request.method === 'DELETE') {
    if (!(await records.store.deleteVoicemail(owner, voicemail))) return fail(response, 'not-found');
    response.writeHead(204).end();
    return;
  }
  const info = await records.store.markVoicemailHeard(owner, voicemail);
  const audio = info && (await records.store.voicemailAudio(owner, voicemail));
  if (!info || !audio) return fail(response, 'not-found');
  response.writeHead(200, { 'content-type': CONTENT_TYPES[info.format], 'content-length': audio.byteLength });
  response.end(audio);
}

async function upload(
  records: HostRecords,
  logger: Logger,
  from: UserKey,
  to: UserKey,
  request: IncomingMessage,
  response: ServerResponse,
): Promise<void> {
  const { maxVoicemailBytes, maxVoicemailMs } = records.storeLimits;
  const format = formatOf(request.headers['content-type']);
  if (format === null) return fail(response, 'bad-format', UNREAD);
  const durationText = request.headers[DURATION_HEADER];
  const durationMs = typeof durationText === 'string' && /^\d{1,9}$/.test(durationText) ? Number(durationText) : 0;
  if (durationMs < 1 || durationMs > maxVoicemailMs) return fail(response, 'bad-duration', UNREAD);
  const declared = Number(request.headers['content-length'] ?? 0);
  if (declared > maxVoicemailBytes) return fail(response, 'too-big', UNREAD);
  const audio = await readCapped(request, maxVoicemailBytes);
  if (audio === null) return fail(response, 'too-big', UNREAD);
  const outcome = await records.store.storeVoicemail({ from: storeKey(from), to: storeKey(to), format, durationMs, audio });
  if (outcome.kind === 'refused') return fail(response, uploadRefusal(outcome.reason));
  response.writeHead(201, { 'content-type': 'application/json' });
  response.end(JSON.stringify({ id: outcome.value.id }));
  logger.log('info', 'voicemail', { from: outcome.value.from.name, to: outcome.value.to.name, durationMs, bytes: audio.byteLength });
  records.mailbox.background('voicemail-summary-failed', records.mailbox.summarise(to));
}

function uploadRefusal(reason: Refusal): VoicemailError {
  switch (reason) {
    case 'mailbox-full':
      return 'mailbox-full';
    case 'too-many-unheard':
      return 'too-many-unheard';
    case 'bad-recording':
      return 'too-big';
    case 'unknown-sender':
    case 'unknown-recipient':
      return 'unknown-user';
    case 'bad-text':
    case 'recipient-full':
    case 'sender-full':
    case 'store-busy':
    case 'directory-full':
      return 'store-failed';
    default:
      return missingCase(reason);
  }
}

/** The body, or null once it grows past `max` bytes (the rest is not read). */
function readCapped(request: IncomingMessage, max: number): Promise<Uint8Array | null> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    request.on('data', (chunk: Buffer) => {
      size += chunk.byteLength;
      if (size > max) {
        request.removeAllListeners('data');
        request.pause();
        resolve(null);
        return;
      }
      chunks.push(chunk);
    });
    request.once('end', () => resolve(new Uint8Array(Buffer.concat(chunks))));
    request.once('error', reject);
  });
}

function formatOf(contentType: string | undefined): VoicemailFormat | null {
  const type = contentType?.split(';')[0]?.trim().toLowerCase();
  if (type === CONTENT_TYPES.webm) return 'webm';
  if (type === CONTENT_TYPES.ogg) return 'ogg';
  return null;
}

function bearer(request: IncomingMessage): string | null {
  const match = /^Bearer ([A-Za-z0-9_-]{16,128})$/.exec(request.headers.authorization ?? '');
  return match?.[1] ?? null;
}

/** An upload refused before its body was read: the connection closes after the answer rather than take the body in. */
const UNREAD = { connection: 'close' } as const;

function fail(response: ServerResponse, error: VoicemailError, headers: Record<string, string> = {}): void {
  response.writeHead(STATUS[error], { 'content-type': 'application/json', ...headers });
  response.end(JSON.stringify({ error }));
}
