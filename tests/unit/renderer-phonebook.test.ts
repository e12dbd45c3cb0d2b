/**
 * The phone book: a full list at registration, then NOTIFY changes only; someone who goes offline
 * stays, shown offline, and so do people seen before; favourites come first, then order is by name;
 * the own entry is never listed, search is case-insensitive. What the phone remembers is per user.
 */
import { describe, expect, it } from 'vitest';
import { MAX_REMEMBERED, PeopleMemory, peopleKey } from '../../renderer/src/lib/people-memory.js';
import { PhoneBook } from '../../renderer/src/lib/phonebook.js';

describe('PhoneBook', () => {
  it('lists everyone else from the full list, sorted, without me', () => {
    const book = new PhoneBook('Ada');
    book.reset([
      { name: 'cy', state: 'dnd' },
      { name: 'Bob', state: 'online' },
      { name: 'ADA', state: 'online' },
    ]);
    expect(book.list()).toEqual([
      { name: 'Bob', state: 'online', favourite: false },
      { name: 'cy', state: 'dnd', favourite: false },
    ]);
  });

  it('applies changes: new users, new states, offline stays shown offline; my own entry is ignored', () => {
    const book = new PhoneBook('Ada');
    book.reset([{ name: 'Bob', state: 'online' }]);
    book.apply([
      { name: 'Bob', state: 'busy' },
      { name: 'Dee', state: 'online' },
      { name: 'Ada', state: 'busy' },
    ]);
    expect(book.list().map((e) => `${e.name}:${e.state}`)).toEqual(['Bob:busy', 'Dee:online']);
    book.apply([{ name: 'bob', state: 'offline' }]);
    expect(book.list().map((e) => `${e.name}:${e.state}`)).toEqual(['Bob:offline', 'Dee:online']);
    expect(book.get('DEE')).toEqual({ name: 'Dee', state: 'online', favourite: false });
  });

  it('a later full list replaces the presence there was: those not in it are offline', () => {
    const book = new PhoneBook('Ada');
    book.reset([{ name: 'Bob', state: 'online' }]);
    book.reset([{ name: 'Cy', state: 'online' }]);
    expect(book.list().map((e) => `${e.name}:${e.state}`)).toEqual(['Bob:offline', 'Cy:online']);
  });

  it('lists people seen before as offline, and an offline entry from the server with when it was last seen', () => {
    const book = new PhoneBook('Ada', { known: ['Eve', 'Bob', 'ada'], favourites: [] });
    book.reset([{ name: 'Bob', state: 'online' }, { name: 'Fay', state: 'offline', lastSeen: 1_700_000_000_000 }]);
    expect(book.list()).toEqual([
      { name: 'Bob', state: 'online', favourite: false },
      { name: 'Eve', state: 'offline', favourite: false },
      { name: 'Fay', state: 'offline', favourite: false, lastSeen: 1_700_000_000_000 },
    ]);
    expect(book.known).toEqual(['Bob', 'Eve', 'Fay']);
  });

  it('pins favourites on top, and forgets a favourite taken back', () => {
    const book = new PhoneBook('Ada', { known: [], favourites: ['cy'] });
    book.reset([{ name: 'Bob', state: 'online' }, { name: 'Cy', state: 'online' }, { name: 'Dee', state: 'online' }]);
    expect(book.list().map((e) => e.name)).toEqual(['Cy', 'Bob', 'Dee']);
    book.setFavourite('dee', true);
    book.setFavourite('Cy', false);
    expect(book.list().map((e) => `${e.name}${e.favourite ? '*' : ''}`)).toEqual(['Dee*', 'Bob', 'Cy']);
    expect(book.favourites).toEqual(['Dee']);
  });
});

describe('PeopleMemory', () => {
  const storage = () => {
    const items = new Map<string, string>();
    return { items, getItem: (k: string) => items.get(k) ?? null, setItem: (k: string, v: string) => void items.set(k, v) };
  };

  it('keeps who was seen and the favourites per user, across restarts, bounded', () => {
    const kept = storage();
    const ada = new PeopleMemory(kept, 'Ada');
    ada.save({ known: ['Bob', 'Cy'], favourites: ['Cy'] });
    expect(new PeopleMemory(kept, 'ADA').load()).toEqual({ known: ['Bob', 'Cy'], favourites: ['Cy'] });
    expect(new PeopleMemory(kept, 'Eve').load()).toEqual({ known: [], favourites: [] });
    ada.save({ known: Array.from({ length: 500 }, (_, i) => `P${i}`), favourites: [] });
    expect(ada.load().known).toHaveLength(MAX_REMEMBERED);
  });

  it('reads a corrupt or hostile store as empty', () => {
    const kept = storage();
    const ada = new PeopleMemory(kept, 'Ada');
    kept.setItem(peopleKey('Ada'), '{nope');
    expect(ada.load()).toEqual({ known: [], favourites: [] });
    kept.setItem(peopleKey('Ada'), JSON.stringify({ known: ['Bob', 7, null], favourites: 'Bob' }));
    expect(ada.load()).toEqual({ known: ['Bob'], favourites: [] });
  });

  it('search matches any part of a name, ignoring case and spaces around the query', () => {
    const book = new PhoneBook('Ada');
    book.reset([
      { name: "O'Brien-Smith Jr.", state: 'online' },
      { name: 'Bob', state: 'online' },
      { name: 'Élodie', state: 'online' },
    ]);
    expect(book.list('  smith ').map((e) => e.name)).toEqual(["O'Brien-Smith Jr."]);
    expect(book.list('ÉLO').map((e) => e.name)).toEqual(['Élodie']);
    expect(book.list('zzz')).toEqual([]);
  });
});

describe('offline people a host keeps', () => {
  it('lists someone the host lists offline with when they were last seen, and keeps it when they leave', () => {
    const book = new PhoneBook('Ada');
    book.reset([{ name: 'Bob', state: 'online' }, { name: 'Cy', state: 'offline', lastSeen: 5 }]);
    expect(book.list()).toEqual([
      { name: 'Bob', state: 'online', favourite: false },
      { name: 'Cy', state: 'offline', favourite: false, lastSeen: 5 },
    ]);
    book.apply([{ name: 'Bob', state: 'offline', lastSeen: 9 }]);
    expect(book.get('bob')).toEqual({ name: 'Bob', state: 'offline', favourite: false, lastSeen: 9 });
  });
});
