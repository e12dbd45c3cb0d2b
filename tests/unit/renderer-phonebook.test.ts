/**
 * The phone book: a full list at registration, then NOTIFY changes only; 'offline' removes,
 * the own entry is never listed, search is case-insensitive, order is by name.
 */
import { describe, expect, it } from 'vitest';
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
      { name: 'Bob', state: 'online' },
      { name: 'cy', state: 'dnd' },
    ]);
  });

  it('applies changes: new users, new states, offline removes; my own entry is ignored', () => {
    const book = new PhoneBook('Ada');
    book.reset([{ name: 'Bob', state: 'online' }]);
    book.apply([
      { name: 'Bob', state: 'busy' },
      { name: 'Dee', state: 'online' },
      { name: 'Ada', state: 'busy' },
    ]);
    expect(book.list().map((e) => `${e.name}:${e.state}`)).toEqual(['Bob:busy', 'Dee:online']);
    book.apply([{ name: 'bob', state: 'offline' }]);
    expect(book.list().map((e) => e.name)).toEqual(['Dee']);
    expect(book.get('DEE')).toEqual({ name: 'Dee', state: 'online' });
  });

  it('a later full list replaces what was there', () => {
    const book = new PhoneBook('Ada');
    book.reset([{ name: 'Bob', state: 'online' }]);
    book.reset([{ name: 'Cy', state: 'online' }]);
    expect(book.list().map((e) => e.name)).toEqual(['Cy']);
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
  it('lists someone gone offline with lastSeen among people, not among those online; offline without it removes', () => {
    const book = new PhoneBook('Ada');
    book.reset([{ name: 'Bob', state: 'online' }, { name: 'Cy', state: 'offline', lastSeen: 5 }]);
    expect(book.people()).toEqual([{ name: 'Bob', state: 'online' }, { name: 'Cy', state: 'offline', lastSeen: 5 }]);
    expect(book.list()).toEqual([{ name: 'Bob', state: 'online' }]);
    book.apply([{ name: 'Bob', state: 'offline', lastSeen: 9 }, { name: 'Cy', state: 'offline' }]);
    expect(book.people()).toEqual([{ name: 'Bob', state: 'offline', lastSeen: 9 }]);
    expect(book.get('bob')).toEqual({ name: 'Bob', state: 'offline', lastSeen: 9 });
  });
});
