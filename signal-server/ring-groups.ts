/**
 * The host's ring groups, fixed for the server's life: each a name no user may register (keyed as
 * users are, see name-key.ts) and the members an INVITE to it rings. The set is checked whole when
 * it is made: names valid, no two groups alike, no member twice, no group a member of one.
 */
import { checkRingGroup, type RingGroupDefinition } from '../common/ring-groups.js';
import type { RingGroupEntry } from '../common/protocol.js';
import { nameKeys, type NameKeys, type UserKey } from './name-key.js';

export interface RingGroup {
  /** Its key in the users' name space: the callee of its dialogs while they fork. No user holds it. */
  readonly key: UserKey;
  readonly name: string;
  /** Each member as the host wrote it, with the keys that find it among registered users. */
  readonly members: readonly { readonly name: string; readonly keys: NameKeys }[];
}

export class RingGroups {
  readonly #byCaseless = new Map<UserKey, RingGroup>();
  readonly #bySkeleton = new Map<string, RingGroup>();
  /** What the REGISTER 200 lists, made once. */
  readonly listing: RingGroupEntry[];

  /** Throws an Error saying which group is wrong and why. */
  constructor(definitions: readonly RingGroupDefinition[] = []) {
    const groups = definitions.map(checked);
    for (const group of groups) {
      const keys = nameKeys(group.name);
      const clash = this.find(keys);
      if (clash) throw new Error(`ring group "${group.name}": its name is taken by the ring group "${clash.name}"`);
      const entry: RingGroup = { key: keys.caseless, name: group.name, members: memberKeys(group) };
      this.#byCaseless.set(keys.caseless, entry);
      this.#bySkeleton.set(keys.skeleton, entry);
    }
    for (const group of this.#byCaseless.values()) {
      const nested = group.members.find((member) => this.find(member.keys));
      if (nested) throw new Error(`ring group "${group.name}": member "${nested.name}" is a ring group`);
    }
    this.listing = groups.map(({ name, members }) => ({ name, members }));
  }

  /** The group with this name or one that looks like it. */
  find(keys: NameKeys): RingGroup | undefined {
    return this.#byCaseless.get(keys.caseless) ?? this.#bySkeleton.get(keys.skeleton);
  }
}

function checked(definition: RingGroupDefinition): RingGroupDefinition {
  const result = checkRingGroup(definition.name, definition.members);
  if (!result.ok) throw new Error(`ring group ${result.problem}`);
  return result.group;
}

function memberKeys(group: RingGroupDefinition): RingGroup['members'] {
  const members: { name: string; keys: NameKeys }[] = [];
  for (const name of group.members) {
    const keys = nameKeys(name);
    const twice = members.find((member) => member.keys.caseless === keys.caseless || member.keys.skeleton === keys.skeleton);
    if (twice) throw new Error(`ring group "${group.name}": lists "${name}" twice`);
    members.push({ name, keys });
  }
  return members;
}
