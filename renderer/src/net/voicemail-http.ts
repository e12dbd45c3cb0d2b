/**
 * Voicemail over HTTP on the signalling server's origin (PROTOCOL.md, Messages and voicemail):
 * upload a recording, fetch one's own for playing, delete it. Every request carries a ticket in
 * its Authorization header, never in the URL.
 */
import { VOICEMAIL_PATH } from '../../../common/protocol.js';
import { signalUrl } from './signal-client.js';

/** The containers the host takes, as MediaRecorder names them (Chromium records WebM, Firefox Ogg). */
export const RECORDING_TYPES = [
  { mimeType: 'audio/webm;codecs=opus', contentType: 'audio/webm' },
  { mimeType: 'audio/ogg;codecs=opus', contentType: 'audio/ogg' },
] as const;

/** http(s)://host:port of the signalling server `server` names; null when it names none. */
export function httpOrigin(server: string): string | null {
  const url = signalUrl(server);
  if (url === null) return null;
  const parsed = new URL(url);
  return `${parsed.protocol === 'wss:' ? 'https:' : 'http:'}//${parsed.host}`;
}

const ERROR_TEXT: Readonly<Record<string, string>> = {
  'no-ticket': 'The host did not accept this phone’s ticket',
  'bad-duration': 'The recording is too long',
  'too-big': 'The recording is too big',
  'bad-format': 'The host does not take this recording’s format',
  'mailbox-full': 'Their voicemail is full',
  'too-many-unheard': 'You have left too many voicemails not yet heard',
  'not-found': 'That voicemail is gone',
};

async function failure(response: Response): Promise<Error> {
  const body = (await response.json().catch(() => ({}))) as { error?: unknown };
  const text = typeof body.error === 'string' ? ERROR_TEXT[body.error] : undefined;
  return new Error(text ?? `The host answered ${response.status}`);
}

export async function uploadVoicemail(origin: string, ticket: string, audio: Blob, contentType: string, durationMs: number): Promise<void> {
  const response = await fetch(`${origin}${VOICEMAIL_PATH}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${ticket}`, 'content-type': contentType, 'x-voicemail-duration-ms': String(durationMs) },
    body: audio,
  });
  if (response.status !== 201) throw await failure(response);
}

/** The recording as a Blob (GET also marks it heard). */
export async function fetchVoicemail(origin: string, ticket: string, id: string): Promise<Blob> {
  const response = await fetch(`${origin}${VOICEMAIL_PATH}/${encodeURIComponent(id)}`, { headers: { authorization: `Bearer ${ticket}` } });
  if (response.status !== 200) throw await failure(response);
  return response.blob();
}

export async function deleteVoicemail(origin: string, ticket: string, id: string): Promise<void> {
  const response = await fetch(`${origin}${VOICEMAIL_PATH}/${encodeURIComponent(id)}`, { method: 'DELETE', headers: { authorization: `Bearer ${ticket}` } });
  if (response.status !== 204) throw await failure(response);
}
