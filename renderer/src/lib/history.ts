/**
 * Call history: incoming, outgoing and missed calls with their time and duration, kept in a
 * Storage (localStorage in the app) across restarts, newest first, at most 100. Missed calls
 * count as unseen until the user looks at the list. A corrupt store is set aside, never fatal.
 */
/** `elsewhere`: a ring group rang this phone and another member took the call. */
export type CallKind = 'incoming' | 'outgoing' | 'missed' | 'elsewhere';

export interface HistoryEntry {
  id: string;
  peer: string;
  kind: CallKind;
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

export const HISTORY_KEY = 'leanphone.history.v1';
const MAX_ENTRIES = 100;

function isEntry(v: unknown): v is HistoryEntry {
  if (typeof v !== 'object' || v === null) return false;
  const e = v as Record<string, unknown>;
  return (
    typeof e.id === 'string' &&
    typeof e.peer === 'string' &&
    (e.kind === 'incoming' || e.kind === 'outgoing' || e.kind === 'missed' || e.kind === 'elsewhere') &&
    typeof e.video === 'boolean' &&
    typeof e.at === 'number' &&
    typeof e.seconds === 'number' &&
    typeof e.unseen === 'boolean'
  );
}

export class CallHistory {
  readonly #storage: StorageLike;
  #entries: HistoryEntry[];

  constructor(storage: StorageLike) {
    this.#storage = storage;
    this.#entries = CallHistory.#load(storage);
  }

  static #load(storage: StorageLike): HistoryEntry[] {
    const text = storage.getItem(HISTORY_KEY);
    if (text === null) return [];
    try {
      const parsed: unknown = JSON.parse(text);
      if (Array.isArray(parsed)) return parsed.filter(isEntry).slice(0, MAX_ENTRIES);
    } catch {
      // fall through: keep the unreadable text aside and start empty
    }
    storage.setItem(`${HISTORY_KEY}.corrupt`, text);
    return [];
  }

  get entries(): readonly HistoryEntry[] {
    return this.#entries;
  }

  get unseenMissed(): number {
    return this.#entries.filter((e) => e.kind === 'missed' && e.unseen).length;
  }

  add(entry: Omit<HistoryEntry, 'unseen'>): void {
    const full: HistoryEntry = { ...entry, unseen: entry.kind === 'missed' };
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
      this.#storage.setItem(HISTORY_KEY, JSON.stringify(this.#entries));
    } catch {
      // Storage full or blocked: the history lives on in memory for this session.
    }
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
