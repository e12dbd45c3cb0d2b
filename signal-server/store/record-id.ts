/**
 * The ids of stored messages and voicemails: 32 hex digits, the time in milliseconds, then 80
 * random bits. Unguessable, and in creation order, so new ids go at the end of an index.
 */
import { randomFillSync } from 'node:crypto';

const RANDOM_BYTES = 10;
/** Random bytes for the next 256 ids, drawn at once: a message's id then costs one string. */
const pool = Buffer.alloc(RANDOM_BYTES * 256);
let drawn = pool.length;

export function newRecordId(): string {
  if (drawn === pool.length) {
    randomFillSync(pool);
    drawn = 0;
  }
  const random = pool.toString('hex', drawn, drawn + RANDOM_BYTES);
  drawn += RANDOM_BYTES;
  return Date.now().toString(16).padStart(12, '0') + random;
}
