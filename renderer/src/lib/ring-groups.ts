/**
 * The phone book's ring groups: each group the server lists (fixed while connected), with each
 * member's presence as the phone book knows it: offline when not registered, `you` for this phone.
 * Pure; the store recomputes it whenever the phone book changes.
 */
import { nameKey, type PresenceState, type RingGroupEntry } from '../../../common/protocol.js';
import type { PhoneBook } from './phonebook.js';

export type MemberState = PresenceState | 'you';

export interface GroupEntry {
  name: string;
  members: { name: string; state: MemberState }[];
}

/** Every group, sorted by name. */
export function ringGroupEntries(groups: readonly RingGroupEntry[], book: PhoneBook, self: string): GroupEntry[] {
  return groups
    .map((group) => ({ name: group.name, members: group.members.map((member) => memberEntry(member, book, self)) }))
    .sort((a, b) => a.name.localeCompare(b.name, undefined, { sensitivity: 'base' }));
}

function memberEntry(member: string, book: PhoneBook, self: string): GroupEntry['members'][number] {
  if (nameKey(member) === nameKey(self)) return { name: self, state: 'you' };
  const entry = book.get(member);
  return entry ? { name: entry.name, state: entry.state } : { name: member, state: 'offline' };
}
