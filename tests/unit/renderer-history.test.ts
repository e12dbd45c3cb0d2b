/**
 * Call history kept in a Storage per signed-in name: newest first, each call with its outcome and
 * who ended it, missed calls unseen until looked at, at most 100 entries, a corrupt store set
 * aside instead of crashing, and the old history of the whole browser dropped.
 */
import { describe, expect, it } from 'vitest';
import { CallHistory, formatDuration, historyKey, LEGACY_HISTORY_KEY, outcomeText, type CallOutcome, type HistoryEntry, type KeptStorage } from '../../renderer/src/lib/history.js';

class MemoryStorage implements KeptStorage {
  readonly items = new Map<string, string>();
  getItem(key: string): string | null {
    return this.items.get(key) ?? null;
  }
  setItem(key: string, value: string): void {
    this.items.set(key, value);
  }
  removeItem(key: string): void {
    this.items.delete(key);
  }
}

const call = (id: string, outcome: CallOutcome, seconds = 0, direction: 'incoming' | 'outgoing' = 'incoming'): Omit<HistoryEntry, 'unseen'> => ({
  id,
  peer: 'Bob',
  direction,
  outcome,
  endedBy: null,
  video: false,
  at: 1_700_000_000_000,
  seconds,
});

describe('CallHistory', () => {
  it('keeps calls across restarts, newest first', () => {
    const storage = new MemoryStorage();
    const history = new CallHistory(storage, 'Ada');
    history.add(call('a', 'answered', 65, 'outgoing'));
    history.add(call('b', 'declined', 0));
    const reopened = new CallHistory(storage, 'Ada');
    expect(reopened.entries.map((e) => e.id)).toEqual(['b', 'a']);
    expect(reopened.entries[1]).toMatchObject({ direction: 'outgoing', outcome: 'answered', seconds: 65, unseen: false });
  });

  it('belongs to the signed-in name, whatever its case: another name never sees it', () => {
    const storage = new MemoryStorage();
    new CallHistory(storage, 'Ada').add(call('a', 'missed'));
    expect(new CallHistory(storage, 'Cy').entries).toEqual([]);
    expect(new CallHistory(storage, 'ADA').entries.map((e) => e.id)).toEqual(['a']);
  });

  it('drops the history the whole browser shared before it was kept per name', () => {
    const storage = new MemoryStorage();
    storage.setItem(LEGACY_HISTORY_KEY, JSON.stringify([{ id: 'old', peer: 'Eve', kind: 'missed', video: false, at: 1, seconds: 0, unseen: true }]));
    expect(new CallHistory(storage, 'Ada').entries).toEqual([]);
    expect(storage.getItem(LEGACY_HISTORY_KEY)).toBeNull();
  });

  it('counts missed calls, those missed while busy or in do not disturb too, until they are seen', () => {
    const storage = new MemoryStorage();
    const history = new CallHistory(storage, 'Ada');
    history.add(call('a', 'missed'));
    history.add(call('b', 'missedBusy'));
    history.add(call('c', 'missedDnd'));
    history.add(call('d', 'answered', 10));
    expect(history.unseenMissed).toBe(3);
    history.markSeen();
    expect(history.unseenMissed).toBe(0);
    expect(new CallHistory(storage, 'Ada').unseenMissed).toBe(0);
  });

  it('keeps at most 100 calls', () => {
    const history = new CallHistory(new MemoryStorage(), 'Ada');
    for (let i = 0; i < 120; i += 1) history.add(call(`c${i}`, 'answered'));
    expect(history.entries).toHaveLength(100);
    expect(history.entries[0]?.id).toBe('c119');
  });

  it('sets a corrupt store aside and starts empty; drops malformed entries', () => {
    const storage = new MemoryStorage();
    const key = historyKey('Ada');
    storage.setItem(key, '{not json');
    expect(new CallHistory(storage, 'Ada').entries).toEqual([]);
    expect(storage.getItem(`${key}.corrupt`)).toBe('{not json');
    storage.setItem(key, JSON.stringify([{ id: 1 }, { ...call('bad', 'missed'), outcome: 'exploded' }, { ...call('ok', 'missed'), unseen: true }]));
    expect(new CallHistory(storage, 'Ada').entries.map((e) => e.id)).toEqual(['ok']);
  });

  it('clear empties it', () => {
    const history = new CallHistory(new MemoryStorage(), 'Ada');
    history.add(call('a', 'missed'));
    history.clear();
    expect(history.entries).toEqual([]);
  });
});

describe('outcomeText', () => {
  it('says how each call ended and who ended it', () => {
    const text = (outcome: CallOutcome, direction: 'incoming' | 'outgoing', endedBy: HistoryEntry['endedBy'] = null) =>
      outcomeText({ ...call('x', outcome, 0, direction), endedBy, peer: 'Bob' });
    expect(text('answered', 'outgoing', 'me')).toBe('Answered, you hung up');
    expect(text('answered', 'incoming', 'peer')).toBe('Answered, Bob hung up');
    expect(text('declined', 'incoming')).toBe('You declined');
    expect(text('declined', 'outgoing')).toBe('Bob declined');
    expect(text('cancelled', 'outgoing')).toBe('Cancelled');
    expect(text('missed', 'incoming')).toBe('Missed');
    expect(text('noAnswer', 'outgoing')).toBe('No answer');
    expect(text('busy', 'outgoing')).toBe('Busy');
    expect(text('unavailable', 'outgoing')).toBe('Unavailable');
    expect(text('answeredElsewhere', 'incoming')).toBe('Answered elsewhere');
    expect(text('failed', 'outgoing')).toBe('Failed');
    expect(text('missedBusy', 'incoming')).toBe('Missed while busy');
    expect(text('missedDnd', 'incoming')).toBe('Missed (do not disturb)');
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
