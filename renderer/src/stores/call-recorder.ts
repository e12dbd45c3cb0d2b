/**
 * What the phone keeps and tells of its calls: the alert (notification) while a call rings, when
 * each call was answered, and an entry in the history when it ends (its direction, outcome, who
 * ended it, and its length). One record per call, forgotten when the call ends.
 */
import type { LeanPhoneBridge } from '../../../common/bridge.js';
import type { CallOutcome, HistoryEntry } from '../lib/history.js';
import { missingCase } from '../lib/missing-case.js';
import { partyText } from '../lib/sip-party.js';
import type { Outcome } from '../sip/types.js';

export type CallAlerts = Pick<LeanPhoneBridge, 'alertIncomingCall' | 'clearIncomingCall'>;

export interface HistorySink {
  add(entry: Omit<HistoryEntry, 'unseen'>): void;
}

interface CallRecord {
  video: boolean;
  at: number;
  connectedAt: number | null;
}

export class CallRecorder {
  readonly #alerts: CallAlerts;
  readonly #history: HistorySink;
  readonly #now: () => number;
  readonly #records = new Map<string, CallRecord>();

  constructor(alerts: CallAlerts, history: HistorySink, now: () => number = Date.now) {
    this.#alerts = alerts;
    this.#history = history;
    this.#now = now;
  }

  placed(callId: string, video: boolean): void {
    this.#records.set(callId, { video, at: this.#now(), connectedAt: null });
  }

  /** A call rings here: the system is told (a notification when the window is hidden). */
  incoming(callId: string, from: string, video: boolean): void {
    this.#records.set(callId, { video, at: this.#now(), connectedAt: null });
    this.#alerts.alertIncomingCall({ callId, from: partyText(from), video });
  }

  connected(callId: string): void {
    const record = this.#records.get(callId);
    if (record) record.connectedAt = this.#now();
    this.#alerts.clearIncomingCall(callId);
  }

  /** When the call was answered; null before (or for a call this phone does not know). */
  connectedAt(callId: string): number | null {
    return this.#records.get(callId)?.connectedAt ?? null;
  }

  ended(callId: string, peer: string, outgoing: boolean, outcome: Outcome): void {
    this.#alerts.clearIncomingCall(callId);
    const record = this.#records.get(callId);
    this.#records.delete(callId);
    // A superseded call gave way to the peer's call to us, which is recorded in its place.
    const ending = record && endingOf(outcome, record.connectedAt !== null);
    if (!record || !ending) return;
    const seconds = record.connectedAt === null ? 0 : Math.round((this.#now() - record.connectedAt) / 1000);
    const direction = outgoing ? 'outgoing' : 'incoming';
    this.#history.add({ id: callId, peer, direction, ...ending, video: record.video, at: record.at, seconds });
  }
}

type Ending = Pick<HistoryEntry, 'outcome' | 'endedBy'>;

/** The history's words for how a call ended; null for a call recorded in its place (glare). */
function endingOf(outcome: Outcome, answered: boolean): Ending | null {
  switch (outcome.kind) {
    case 'hangup':
      return { outcome: 'answered', endedBy: outcome.by === 'local' ? 'me' : 'peer' };
    case 'transferred':
      return { outcome: 'answered', endedBy: 'me' };
    case 'replaced':
      return answered ? { outcome: 'answered', endedBy: 'peer' } : { outcome: 'cancelled', endedBy: null };
    case 'cancelled':
    case 'missed':
    case 'declined':
    case 'answeredElsewhere':
      return { outcome: outcome.kind, endedBy: null };
    case 'failed':
      return { outcome: 'failed', endedBy: null };
    case 'rejected':
      return { outcome: rejectionOutcome(outcome.status), endedBy: null };
    case 'superseded':
    case 'unlinked':
      return null;
    default:
      return missingCase(outcome);
  }
}

/** A final answer to our INVITE; 404 is "nobody of that name is signed in now". */
function rejectionOutcome(status: number): CallOutcome {
  if (status === 603 || status === 600) return 'declined';
  if (status === 486) return 'busy';
  if (status === 480 || status === 404) return 'unavailable';
  if (status === 408) return 'noAnswer';
  if (status === 487) return 'cancelled';
  return 'failed';
}
