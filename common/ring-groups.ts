/**
 * A ring group as the host writes it, `NAME=MEMBER,MEMBER`: reading one and checking its names.
 * Shared by the server's command line, the desktop app's settings and its hosting panel; the
 * server checks the whole set (clashes by look-alike key) when it starts.
 */
import { nameProblem, normalizeName } from './protocol.js';

export interface RingGroupDefinition {
  name: string;
  members: string[];
}

export type CheckedRingGroup = { ok: true; group: RingGroupDefinition } | { ok: false; problem: string };

/** Reads `NAME=MEMBER,MEMBER` (spaces around names are ignored). */
export function parseRingGroup(text: string): CheckedRingGroup {
  const equals = text.indexOf('=');
  if (equals < 0) return { ok: false, problem: `must look like NAME=MEMBER,MEMBER, not "${text}"` };
  const members = text.slice(equals + 1).trim();
  return checkRingGroup(text.slice(0, equals), members === '' ? [] : members.split(','));
}

/** Reads the hosting panel's text: one group a line, blank lines skipped. */
export function parseRingGroupLines(text: string): { ok: true; groups: RingGroupDefinition[] } | { ok: false; problem: string } {
  const groups: RingGroupDefinition[] = [];
  const lines = text.split('\n');
  for (const [index, line] of lines.entries()) {
    if (line.trim() === '') continue;
    const parsed = parseRingGroup(line.trim());
    if (!parsed.ok) return { ok: false, problem: `Line ${index + 1}: ${parsed.problem}` };
    groups.push(parsed.group);
  }
  return { ok: true, groups };
}

/** The text form parseRingGroupLines reads back. */
export const formatRingGroups = (groups: readonly RingGroupDefinition[]): string =>
  groups.map((group) => `${group.name}=${group.members.join(',')}`).join('\n');

/** Normalises a group's name and members; says what is wrong when one is not a valid name or there are none. */
export function checkRingGroup(rawName: string, rawMembers: readonly string[]): CheckedRingGroup {
  const name = normalizeName(rawName);
  const problem = nameProblem(name);
  if (problem) return { ok: false, problem: `"${rawName.trim()}=${rawMembers.join(',')}": ${problem}` };
  if (rawMembers.length === 0) return { ok: false, problem: `${name}: list at least one member after =` };
  const members: string[] = [];
  for (const raw of rawMembers) {
    const member = normalizeName(raw);
    const memberProblem = nameProblem(member);
    if (memberProblem) return { ok: false, problem: `${name}: member "${raw.trim()}": ${memberProblem}` };
    members.push(member);
  }
  return { ok: true, group: { name, members } };
}
