/**
 * What Escape does to the calls: declines a ringing call first, else cancels the call being
 * placed or hangs up the call in progress. The caller lets a modal dialog take Escape first.
 */
import { missingCase } from '../lib/missing-case.js';
import type { CallView } from '../stores/call.svelte.js';

export type EscapeAction = { kind: 'decline' | 'cancel' | 'hangup'; callId: string } | null;

export function escapeAction(calls: readonly CallView[], shown: CallView | null): EscapeAction {
  const ringing = calls.find((call) => call.state.phase === 'ringing');
  if (ringing) return { kind: 'decline', callId: ringing.callId };
  if (!shown || shown.held) return null;
  const phase = shown.state.phase;
  switch (phase) {
    case 'preparing':
    case 'inviting':
    case 'ringback':
      return { kind: 'cancel', callId: shown.callId };
    case 'answering':
    case 'active':
      return { kind: 'hangup', callId: shown.callId };
    case 'ringing':
    case 'cancelling':
      return null;
    default:
      return missingCase(phase);
  }
}
