/**
 * The ids of stored messages and voicemails: 32 hex digits, the time in milliseconds, then 80
 * random bits. Unguessable, and in creation order, so new ids go at the end of an index.
 */
import { randomUUID } from 'node:crypto';

export function newRecordId(): string {
  const random = randomUUID().replaceAll('-', ''); // digit 12 is the UUID version, not random
  return Date.now().toString(16).padStart(12, '0') + random.slice(0, 12) + random.slice(13, 21);
}
