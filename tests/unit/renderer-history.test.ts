/**
 * Call history kept in a Storage: newest first, missed calls unseen until looked at, at most
 * 100 entries, a corrupt store set aside instead of crashing.
 */
import { describe, expect, it } from 'vitest';
import { CallHistory, formatDuration, HISTORY_KEY, type StorageLike } from '../../renderer/src/lib/history.js';

class MemoryStorage implements StorageLike {
  readonly items = new Map<string, string>();
  getItem(key: string): string | null {
    return this.items.get(key) ?? null;
  }
  setItem(key: string, value: string): void {
    this.items.set(key, value);
  }
}

const call = (id: string, kind: 'incoming' | 'outgoing' | 'missed', seconds = 0) => ({ id, peer: 'Bob', kind, video: false, at: 1_700_000_000_000, seconds });

describe('CallHistory', () => {
  it('keeps calls across restarts, newest first', () => {
    const storage = new MemoryStorage();
    const history = new CallHistory(storage);
    history.add(call('a', 'outgoing', 65));
    history.add(call('b', 'incoming', 3));
    const reopened = new CallHistory(storage);
    expect(reopened.entries.map((e) => e.id)).toEqual(['b', 'a']);
    expect(reopened.entries[1]).toMatchObject({ kind: 'outgoing', seconds: 65, unseen: false });
  });

  it('counts missed calls until they are seen', () => {
    const storage = new MemoryStorage();
    const history = new CallHistory(storage);
    history.add(call('a', 'missed'));
    history.add(call('b', 'missed'));
    history.add(call('c', 'incoming', 10));
    expect(history.unseenMissed).toBe(2);
    history.markSeen();
    expect(history.unseenMissed).toBe(0);
    expect(new CallHistory(storage).unseenMissed).toBe(0);
  });

  it('keeps at most 100 calls', () => {
    const history = new CallHistory(new MemoryStorage());
    for (let i = 0; i < 120; i += 1) history.add(call(`c${i}`, 'outgoing'));
    expect(history.entries).toHaveLength(100);
    expect(history.entries[0]?.id).toBe('c119');
  });

  it('sets a corrupt store aside and starts empty; drops malformed entries', () => {
    const storage = new MemoryStorage();
    storage.setItem(HISTORY_KEY, '{not json');
    expect(new CallHistory(storage).entries).toEqual([]);
    expect(storage.getItem(`${HISTORY_KEY}.corrupt`)).toBe('{not json');
    storage.setItem(HISTORY_KEY, JSON.stringify([{ id: 1 }, { ...call('ok', 'missed'), unseen: true }]));
    expect(new CallHistory(storage).entries.map((e) => e.id)).toEqual(['ok']);
  });

  it('clear empties it', () => {
    const history = new CallHistory(new MemoryStorage());
    history.add(call('a', 'missed'));
    history.clear();
    expect(history.entries).toEqual([]);
  });
});

describe('formatDuration', () => {
  it('reads as m:ss or h:mm:ss', () => {
    expect(formatDuration(0)).toBe('0:00');
    expect(formatDuration(65)).toBe('1:05');
    expect(formatDuration(3723)).toBe('1:02:03');
    expect(formatDuration(-5)).toBe('0:00');
  });
});
