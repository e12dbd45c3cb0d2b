/**
 * What the phone keeps and tells of its calls: the alert (notification) while a call rings, when
 * each call was answered, and an entry in the history when it ends (outgoing, incoming, missed, or
 * answered elsewhere in a ring group, with its length). One record per call, forgotten when the call ends.
 */
import type { LeanPhoneBridge } from '../../../common/bridge.js';
import type { HistoryEntry } from '../lib/history.js';
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
    if (!record || outcome.kind === 'superseded') return;
    const answered = record.connectedAt !== null;
    const kind = outgoing ? 'outgoing' : outcome.kind === 'answeredElsewhere' ? 'elsewhere' : answered || outcome.kind === 'declined' ? 'incoming' : 'missed';
    const seconds = record.connectedAt === null ? 0 : Math.round((this.#now() - record.connectedAt) / 1000);
    this.#history.add({ id: callId, peer, kind, video: record.video, at: record.at, seconds });
  }
}
