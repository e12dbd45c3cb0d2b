/** The renderer's check of a searched phone book's frames: REGISTER 200 and NOTIFY saying so, and SEARCH's 200. */
import { describe, expect, it } from 'vitest';
import { checkIncoming } from '../../renderer/src/net/validate.js';

const check = (value: unknown) => checkIncoming(JSON.stringify(value));
const registered = (phoneBook: unknown) => ({
  method: 'REGISTER',
  cseq: 1,
  status: 200,
  reason: 'OK',
  body: { name: 'Ada', resume: 'r', resumed: false, users: [], iceServers: [], phoneBook },
});

describe('checkIncoming, searched phone book', () => {
  it('accepts what a host past its limit sends', () => {
    for (const frame of [
      registered({ searched: true, size: 30_000 }),
      { method: 'NOTIFY', cseq: 2, body: { event: 'presence', users: [], phoneBook: { searched: true, size: 1001 } } },
      { method: 'SEARCH', cseq: 3, status: 200, reason: 'OK', body: { users: [{ name: 'Bob', state: 'online' }], more: false } },
      { method: 'SEARCH', cseq: 4, status: 400, reason: 'body.query: query is longer than 32 characters' },
    ]) {
      expect(check(frame)).toMatchObject({ ok: true });
    }
  });

  it('drops malformed ones, and a SEARCH from the server', () => {
    expect(check(registered({ searched: 'yes', size: 3 }))).toEqual({ ok: false, reason: 'phoneBook must say searched and its size' });
    expect(check({ method: 'NOTIFY', cseq: 2, body: { event: 'presence', users: [], phoneBook: { searched: true } } })).toEqual({
      ok: false,
      reason: 'phoneBook must say searched and its size',
    });
    expect(check({ method: 'SEARCH', cseq: 3, status: 200, reason: 'OK', body: { users: [] } })).toEqual({ ok: false, reason: 'SEARCH 200 needs body.users and body.more' });
    expect(check({ method: 'SEARCH', cseq: 3, status: 200, reason: 'OK', body: { users: [{ name: 'Bob' }], more: false } })).toEqual({ ok: false, reason: 'users holds a bad entry' });
    expect(check({ method: 'SEARCH', cseq: 3, callId: 'abcdefgh12', body: { query: 'bo' } })).toEqual({ ok: false, reason: 'SEARCH is sent only by phones' });
  });
});
