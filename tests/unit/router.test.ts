import { describe, expect, it } from 'vitest';
import { DEFAULT_FLOOD_LIMITS, FloodGuard } from '../../signal-server/rate-limit.js';
import { LocalRouter, type Connection } from '../../signal-server/router.js';

function connection() {
  const sent: string[] = [];
  const closes: [number, string][] = [];
  const conn: Connection = {
    link: { send: (frame) => sent.push(String(frame)), close: (code, reason) => closes.push([code, reason]) },
    remote: '127.0.0.1',
    flood: new FloodGuard(DEFAULT_FLOOD_LIMITS, 0),
    user: null,
    claiming: false,
    registerTimer: null,
  };
  return { conn, sent, closes };
}

const info = (cseq: number) => ({ method: 'INFO', cseq, callId: 'call-abcdefgh', body: { candidate: null } }) as const;

describe('LocalRouter', () => {
  it('stamps from and to as registered, whatever `to` the sender wrote', () => {
    const router = new LocalRouter({ graceMs: 60_000, held: { maxMessages: 8, maxBytes: 4096 } }, () => {});
    const ada = connection();
    const bob = connection();
    router.attach('ada', 'Ada', ada.conn);
    router.attach('bob', 'Bob "B"', bob.conn);
    router.deliver('bob', 'ada', { ...info(2), to: 'bOB', from: 'Mallory' });
    expect(bob.sent.map((frame) => JSON.parse(frame))).toEqual([{ ...info(2), from: 'Ada', to: 'Bob "B"' }]);
    expect(bob.conn.user).toBe('bob');
    router.stop();
  });

  it('holds frames for a detached user, the newest that fit, and releases them in order on the next attach', () => {
    const lost: string[] = [];
    const router = new LocalRouter({ graceMs: 60_000, held: { maxMessages: 2, maxBytes: 4096 } }, (key) => lost.push(key));
    const ada = connection();
    const bob = connection();
    router.attach('ada', 'Ada', ada.conn);
    router.attach('bob', 'Bob', bob.conn);
    expect(router.detach('bob', ada.conn), 'not its connection').toBe(false);
    expect(router.detach('bob', bob.conn)).toBe(true);
    expect(router.isConnected('bob')).toBe(false);
    for (const cseq of [2, 3, 4]) router.deliver('bob', 'ada', info(cseq));
    const back = connection();
    router.attach('bob', 'Bob', back.conn);
    expect(router.releaseHeld('bob')).toBe(2);
    expect(back.sent.map((frame) => JSON.parse(frame).cseq)).toEqual([3, 4]);
    expect(router.releaseHeld('bob')).toBe(0);
    expect(lost).toEqual([]);
    router.stop();
  });

  it('closes the connection a user had with 4001 when another attaches for it, and frees it', () => {
    const router = new LocalRouter({ graceMs: 60_000, held: { maxMessages: 8, maxBytes: 4096 } }, () => {});
    const first = connection();
    const second = connection();
    router.attach('bob', 'Bob', first.conn);
    router.attach('bob', 'Bob', second.conn);
    expect(first.closes).toEqual([[4001, 'Replaced']]);
    expect(first.conn.user).toBeNull();
    expect(router.detach('bob', first.conn)).toBe(false);
    expect(router.isConnected('bob')).toBe(true);
    router.stop();
  });

  it('tells its grace listener when a detached user stays away, and not once the user is dropped', async () => {
    const lost: string[] = [];
    const router = new LocalRouter({ graceMs: 1, held: { maxMessages: 8, maxBytes: 4096 } }, (key) => lost.push(key));
    const ada = connection();
    const bob = connection();
    router.attach('ada', 'Ada', ada.conn);
    router.attach('bob', 'Bob', bob.conn);
    router.detach('ada', ada.conn);
    router.detach('bob', bob.conn);
    router.drop('bob');
    await new Promise<void>((resolve) => {
      const check = () => (lost.length > 0 ? resolve() : setImmediate(check));
      check();
    });
    expect(lost).toEqual(['ada']);
    router.stop();
  });
});
