/**
 * The words a user reads for each phase of a call and for each way a call ends. Plain text
 * only: names are rendered as text by the UI, never as markup. Every text is fixed here: no
 * reason phrase or error text a far end could choose is ever shown.
 */
import { missingCase } from '../lib/missing-case.js';
import { partyText } from '../lib/sip-party.js';
import type { FailureReason, Transfer } from './transfer.js';
import type { CallState, Outcome } from './types.js';

/** The status line for a call in progress, or '' when there is no call. */
export function phaseText(state: CallState): string {
  switch (state.phase) {
    case 'idle':
      return '';
    case 'preparing':
    case 'inviting':
      return `Calling ${partyText(state.dialog.peer)}…`;
    case 'ringback':
      return `Calling ${partyText(state.dialog.peer)}… Ringing…`;
    case 'cancelling':
      return 'Cancelling…';
    case 'ringing': {
      const { referredBy, group } = state.dialog;
      const peer = partyText(state.dialog.peer);
      if (group !== undefined) return `${peer} calling ${group}…`;
      const caller = referredBy === undefined ? peer : `${peer} (transferred by ${referredBy})`;
      return state.media.video ? `${caller} is video calling…` : `${caller} is calling…`;
    }
    case 'answering':
      return 'Connecting…';
    case 'active':
      return `In call with ${partyText(state.dialog.peer)}`;
    default:
      return missingCase(state);
  }
}

/**
 * The message shown once a call has ended; null when nothing is worth saying. `offline`: the phone
 * book shows the peer offline (a host that keeps a directory answers 480 for them, not 404).
 */
export function outcomeText(who: string, outcome: Outcome, offline = false): string | null {
  const peer = partyText(who);
  switch (outcome.kind) {
    case 'hangup':
      return 'Call ended';
    case 'cancelled':
      return 'Call cancelled';
    case 'missed':
      return `Missed call from ${peer}`;
    case 'declined':
      return 'Call declined';
    case 'superseded':
    case 'replaced':
    case 'unlinked':
      return null;
    case 'answeredElsewhere':
      return 'Answered elsewhere';
    case 'transferred':
      return `${peer} was transferred to ${outcome.to}`;
    case 'failed':
      return outcome.cause === 'network' ? 'Call failed: network' : 'Call failed: the media could not be set up';
    case 'rejected':
      return rejectionText(peer, outcome.status, offline);
    default:
      return missingCase(outcome);
  }
}

function rejectionText(peer: string, status: number, offline: boolean): string {
  switch (status) {
    case 400:
      return 'Call failed: the server refused the call';
    case 404:
      // Nobody of that name is signed in now: on a LAN phone, someone who has gone offline.
      return `${peer} is offline`;
    case 408:
      return 'No answer';
    case 480:
      return offline ? `${peer} is offline` : `${peer} is unavailable`;
    case 486:
    case 600:
      return `${peer} is busy`;
    case 603:
      return `${peer} declined the call`;
    case 487:
      return 'Call cancelled';
    case 488:
      return `Call failed: ${peer} cannot take this kind of call`;
    case 503:
      return 'Call failed: the server is busy';
    default:
      if (status >= 600) return `${peer} cannot take the call (error ${status})`;
      if (status >= 500) return `Call failed: server error (${status})`;
      return `Call failed (error ${status})`;
  }
}

/** The status line of a transfer under way or failed, or '' when there is nothing to say. */
export function transferText(transfer: Transfer): string {
  switch (transfer.kind) {
    case 'none':
    case 'consulting':
    case 'referred':
      return '';
    case 'pending':
    case 'completing':
      return `Transferring ${transfer.peer} to ${transfer.target}…`;
    case 'failed':
      return `Transfer failed: ${failureText(transfer.peer, transfer.target, transfer.why)}`;
    default:
      return missingCase(transfer);
  }
}

function failureText(peer: string, target: string, why: FailureReason): string {
  switch (why) {
    case 'busy':
      return `${target} is busy`;
    case 'declined':
      return `${target} declined`;
    case 'noAnswer':
      return `${target} did not answer`;
    case 'unavailable':
      return `${target} is unavailable`;
    case 'hungUp':
      return `${target} hung up`;
    case 'refused':
      return `${peer} could not be transferred`;
    case 'failed':
      return `the call to ${target} failed`;
    default:
      return missingCase(why);
  }
}
