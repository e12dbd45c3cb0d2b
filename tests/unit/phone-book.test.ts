import { describe, expect, it } from 'vitest';
import type { UserPresence } from '../../common/protocol.js';
import { PhoneBook } from '../../signal-server/phone-book.js';

/** A phone book over `people` people, recording what each phone is told. */
function phoneBook(limit: number, people: { size: number }) {
  const told: [string, unknown][] = [];
  const book = new PhoneBook({ limit, maxResults: 50, searchesPerSecond: 5 }, {
    size: () => people.size,
    partiesOf: () => [],
    tell: (key, frame) => told.push([key, JSON.parse(frame.toString()).body]),
  });
  return { book, told };
}

const online = (name: string): [string, UserPresence] => [name.toLowerCase(), { name, state: 'online' }];

describe('PhoneBook', () => {
  it('keeps one watch list a phone: a new one replaces it, and leaving takes it', () => {
    const { book } = phoneBook(1, { size: 10 });
    expect(book.registered('dee')).toEqual({ searched: true, size: 10 });
    book.watch('dee', ['ann', 'bob']);
    book.watch('dee', ['cyd']);
    expect(book.watching).toEqual({ phones: 1, watched: 1 });
    book.watch('eve', ['cyd', 'ann']);
    expect(book.watching).toEqual({ phones: 2, watched: 2 });
    book.left('dee');
    book.left('eve');
    expect(book.watching).toEqual({ phones: 0, watched: 0 });
  });

  it('a change reaches listed phones whole, and each watcher only what it watches', () => {
    const people = { size: 2 };
    const { book, told } = phoneBook(2, people);
    expect(book.registered('ann')).toBeNull();
    people.size = 3;
    book.registered('dee');
    book.watch('dee', ['bob']);
    book.deliver(new Map([online('Bob'), online('Cyd')]));
    expect(told).toEqual([
      ['ann', { event: 'presence', users: [], phoneBook: { searched: true, size: 3 } }],
      ['dee', { event: 'presence', users: [{ name: 'Bob', state: 'online' }] }],
    ]);
  });
});
