import { describe, expect, it } from 'vitest';
import type { PresenceState } from '../../common/protocol.js';
import { nameKeys } from '../../signal-server/name-key.js';
import { LocalRegistry } from '../../signal-server/registry.js';

function registry() {
  const changes: string[] = [];
  const users = new LocalRegistry((_key, name, state: PresenceState) => changes.push(`${name}:${state}`));
  return { users, changes };
}

describe('LocalRegistry', () => {
  it('finds a user by its caseless key and by look-alike spellings, and by nothing else', () => {
    const { users } = registry();
    users.add('Alice', nameKeys('Alice'));
    expect(users.find(nameKeys('ALICE'))).toBe('alice');
    expect(users.find(nameKeys('AIice'))).toBe('alice'); // capital I for l
    expect(users.find(nameKeys('Alicia'))).toBeUndefined();
  });

  it('tells of each visible presence change once: busy hides dnd, and the published state returns after', () => {
    const { users, changes } = registry();
    users.add('Ada', nameKeys('Ada'));
    users.publish('ada', 'dnd', false);
    users.setBusy('ada', true);
    users.publish('ada', 'online', false); // hidden by busy
    users.setBusy('ada', false);
    users.publish('ada', 'online', false); // no change
    users.remove('ada', 'Peer left');
    users.setBusy('ada', true); // gone: nothing
    expect(changes).toEqual(['Ada:online', 'Ada:dnd', 'Ada:busy', 'Ada:online', 'Ada:offline']);
  });

  it('matches only the current resume token, and a renewed token replaces it', () => {
    const { users } = registry();
    const first = users.add('Ada', nameKeys('Ada'));
    expect(users.resumeMatches('ada', first)).toBe(true);
    const second = users.renewResume('ada');
    expect(second).not.toBe(first);
    expect(users.resumeMatches('ada', first)).toBe(false);
    expect(users.resumeMatches('ada', second)).toBe(true);
    expect(users.resumeMatches('bob', second)).toBe(false);
  });

  it('lists everyone else with their visible state, and hands out snapshots, not its records', () => {
    const { users } = registry();
    users.add('Ada', nameKeys('Ada'));
    users.add('Bob', nameKeys('Bob'));
    users.setBusy('bob', true);
    const book = (): unknown[] => users.presenceTextsExcept('ada').map((text) => JSON.parse(text));
    expect(book()).toEqual([{ name: 'Bob', state: 'busy' }]);
    const snapshot = users.get('bob')!;
    users.setBusy('bob', false);
    expect(snapshot.busy).toBe(true);
    expect(users.get('bob')?.busy).toBe(false);
    expect(book(), "the book's texts follow each change").toEqual([{ name: 'Bob', state: 'online' }]);
    users.remove('bob', 'Peer left');
    users.add('Bob', nameKeys('Bob'));
    users.publish('bob', 'dnd', false);
    expect(book()).toEqual([{ name: 'Bob', state: 'dnd' }]);
  });
});
