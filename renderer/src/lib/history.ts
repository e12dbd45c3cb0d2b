/**
 * Call history, one per signed-in name (another name never sees it): each call with its direction,
 * outcome, who ended it, time and length, kept in a Storage (localStorage in the app) across
 * restarts, newest first, at most 100. Missed calls count as unseen until the user looks at the
 * list. A corrupt store is set aside, never fatal; the old history shared by the whole browser is dropped.
 */
import { nameKey } from '../../../common/protocol.js';
import { missingCase } from './missing-case.js';

/**
 * How a call ended. `declined`: by this phone on an incoming call, by the peer on an outgoing one.
 * `missedBusy` / `missedDnd`: the server refused the call for this phone (full, or do not disturb) and said so.
 */
export const CALL_OUTCOMES = [
  'answered',
  'declined',
  'cancelled',
  'missed',
  'noAnswer',
  'busy',
  'unavailable',
  'answeredElsewhere',
  'failed',
  'missedBusy',
  'missedDnd',
] as const;
export type CallOutcome = (typeof CALL_OUTCOMES)[number];

export interface HistoryEntry {
  id: string;
  peer: string;
  direction: 'incoming' | 'outgoing';
  outcome: CallOutcome;
  /** Who ended an answered call; null when nobody did (it failed) or it was never answered. */
  endedBy: 'me' | 'peer' | null;
  video: boolean;
  /** When the call started ringing, ms since the epoch. */
  at: number;
  /** Seconds talked; 0 when never answered. */
  seconds: number;
  /** For a missed call: the user has not seen it yet. */
  unseen: boolean;
}

export interface StorageLike {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
}

export interface KeptStorage extends StorageLike {
  removeItem(key: string): void;
}

/** Where the history lived when the whole browser shared one; dropped, since it mixed everyone's calls. */
export const LEGACY_HISTORY_KEY = 'leanphone.history.v1';
export const historyKey = (owner: string): string => `leanphone.history.v2:${nameKey(owner)}`;
const MAX_ENTRIES = 100;
const MISSED: ReadonlySet<CallOutcome> = new Set(['missed', 'missedBusy', 'missedDnd']);

export const isMissed = (entry: Pick<HistoryEntry, 'outcome'>): boolean => MISSED.has(entry.outcome);

function isEntry(v: unknown): v is HistoryEntry {
  if (typeof v !== 'object' || v === null) return false;
  const e = v as Record<string, unknown>;
  return (
    typeof e.id === 'string' &&
    typeof e.peer === 'string' &&
    (e.direction === 'incoming' || e.direction === 'outgoing') &&
    (CALL_OUTCOMES as readonly unknown[]).includes(e.outcome) &&
    (e.endedBy === 'me' || e.endedBy === 'peer' || e.endedBy === null) &&
    typeof e.video === 'boolean' &&
    typeof e.at === 'number' &&
    typeof e.seconds === 'number' &&
    typeof e.unseen === 'boolean'
  );
}

export class CallHistory {
  readonly #storage: KeptStorage;
  readonly #key: string;
  #entries: HistoryEntry[];

  constructor(storage: KeptStorage, owner: string) {
    this.#storage = storage;
    this.#key = historyKey(owner);
    storage.removeItem(LEGACY_HISTORY_KEY);
    this.#entries = this.#load();
  }

  #load(): HistoryEntry[] {
    const text = this.#storage.getItem(this.#key);
    if (text === null) return [];
    try {
      const parsed: unknown = JSON.parse(text);
      if (Array.isArray(parsed)) return parsed.filter(isEntry).slice(0, MAX_ENTRIES);
    } catch {
      // fall through: keep the unreadable text aside and start empty
    }
    this.#storage.setItem(`${this.#key}.corrupt`, text);
    return [];
  }

  get entries(): readonly HistoryEntry[] {
    return this.#entries;
  }

  get unseenMissed(): number {
    return this.#entries.filter((e) => e.unseen).length;
  }

  add(entry: Omit<HistoryEntry, 'unseen'>): void {
    const full: HistoryEntry = { ...entry, unseen: isMissed(entry) };
    this.#entries = [full, ...this.#entries.filter((e) => e.id !== entry.id)].slice(0, MAX_ENTRIES);
    this.#save();
  }

  markSeen(): void {
    if (this.unseenMissed === 0) return;
    this.#entries = this.#entries.map((e) => (e.unseen ? { ...e, unseen: false } : e));
    this.#save();
  }

  clear(): void {
    this.#entries = [];
    this.#save();
  }

  #save(): void {
    try {
      this.#storage.setItem(this.#key, JSON.stringify(this.#entries));
    } catch {
      // Storage full or blocked: the history lives on in memory for this session.
    }
  }
}

/** How the call ended, in words: "Answered, Bob hung up", "You declined", "Missed while busy". */
export function outcomeText(entry: Pick<HistoryEntry, 'peer' | 'direction' | 'outcome' | 'endedBy'>): string {
  switch (entry.outcome) {
    case 'answered':
      if (entry.endedBy === null) return 'Answered';
      return `Answered, ${entry.endedBy === 'me' ? 'you' : entry.peer} hung up`;
    case 'declined':
      return entry.direction === 'incoming' ? 'You declined' : `${entry.peer} declined`;
    case 'cancelled':
      return 'Cancelled';
    case 'missed':
      return 'Missed';
    case 'noAnswer':
      return 'No answer';
    case 'busy':
      return 'Busy';
    case 'unavailable':
      return 'Unavailable';
    case 'answeredElsewhere':
      return 'Answered elsewhere';
    case 'failed':
      return 'Failed';
    case 'missedBusy':
      return 'Missed while busy';
    case 'missedDnd':
      return 'Missed (do not disturb)';
    default:
      return missingCase(entry.outcome);
  }
}

/** "3:07" or "1:02:03" */
export function formatDuration(totalSeconds: number): string {
  const s = Math.max(0, Math.floor(totalSeconds));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = String(s % 60).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${sec}` : `${m}:${sec}`;
}
