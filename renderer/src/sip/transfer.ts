/**
 * The phone's one transfer at a time: as the transferrer (blind: hold and REFER at once; attended:
 * a consult call to the target first), or as the transferee (calling the target and reporting
 * back). Its own small state, driven by the coordinator: the user's actions, the transfer signals
 * of the calls and how the calls it watches ended go in; what those calls should do next comes out,
 * as asks the coordinator carries out. Pure. The target's side is one rule: `replacedCall`.
 *
 *   transferrer  none -(Transfer: hold X, REFER)-> pending -(report 200: leave X)-> none
 *                none -(Ask first: hold X, call Y)-> consulting -(Complete: REFER replacing Y)-> completing -(200)-> none
 *                consulting -(Cancel: hang up Y, resume X)-> none
 *                pending | completing | consulting -(refused, failure reported, Y lost)-> failed -(X resumed)-> none
 *   transferee   none -(REFER: 202, hold X quietly, call the target as Z, report 100)-> referred
 *                referred -(Z rings: report 180)-> referred -(Z answered: report 200 | Z failed: report it, unhold X)-> none
 */
import type { Message, Request } from '../../../common/protocol.js';
import { missingCase } from '../lib/missing-case.js';
import type { PhoneCall } from './coordinator.js';
import { reply, sameName } from './machine.js';
import type { Effect, LocalEvent, Outcome, TransferSignal } from './types.js';

/** Why a transfer failed, in words the user reads (messages.ts). */
export type FailureReason = 'busy' | 'declined' | 'noAnswer' | 'unavailable' | 'hungUp' | 'refused' | 'failed';

/** `call` is the call being transferred (X), `peer` its far end, `target` who it goes to. */
export type Transfer =
  | { kind: 'none' }
  /** Transferrer, blind: REFER sent; waiting for its answer and the peer's reports. */
  | { kind: 'pending'; call: string; peer: string; target: string }
  /** Transferrer, attended: X on hold while we call the target in `consult` (Y). */
  | { kind: 'consulting'; call: string; peer: string; target: string; consult: string }
  /** Transferrer, attended: REFER replacing Y sent. */
  | { kind: 'completing'; call: string; peer: string; target: string; consult: string }
  /** Transferrer: it did not work; X stays on hold until the user resumes it. */
  | { kind: 'failed'; call: string; peer: string; target: string; why: FailureReason }
  /** Transferee: `referrer` asked us to call `target`; we do, in `placed` (Z). `unhold`: we held X for it. */
  | { kind: 'referred'; call: string; referrer: string; target: string; placed: string; reported: number; unhold: boolean };

export const noTransfer: Transfer = { kind: 'none' };

/** What the user does: transfer `callId` to `to` blind, or ask `to` first in a new call `consultId`. */
export type TransferAction =
  | { type: 'transfer'; callId: string; to: string }
  | { type: 'consult'; callId: string; consultId: string; to: string; video: boolean }
  | { type: 'completeTransfer' }
  | { type: 'cancelTransfer' };

/** What the calls should do next. `quietHold` holds or frees a call's media without a re-INVITE. */
export type TransferAsk =
  | { do: 'hold' | 'resume' | 'hangup'; callId: string }
  | { do: 'quietHold'; callId: string; held: boolean }
  | { do: 'tell'; callId: string; event: Extract<LocalEvent, { type: 'refer' | 'notifyRefer' | 'handOff' }> }
  /** A call beside the others; `referral`: the call whose REFER it follows. */
  | { do: 'place'; callId: string; to: string; video: boolean; referral: string | null }
  | { do: 'send'; message: Message }
  | { do: 'warn'; message: string };

export interface TransferStep {
  transfer: Transfer;
  asks: TransferAsk[];
}

const TRANSFER_ACTIONS: ReadonlySet<string> = new Set<TransferAction['type']>(['transfer', 'consult', 'completeTransfer', 'cancelTransfer']);
export const isTransferAction = (input: { type: string }): input is TransferAction => TRANSFER_ACTIONS.has(input.type);

const find = (calls: readonly PhoneCall[], callId: string): PhoneCall | undefined => calls.find((call) => call.state.dialog.callId === callId);
const stay = (transfer: Transfer): TransferStep => ({ transfer, asks: [] });
const ignored = (transfer: Transfer, message: string): TransferStep => ({ transfer, asks: [{ do: 'warn', message }] });
const tell = (callId: string, event: Extract<TransferAsk, { do: 'tell' }>['event']): TransferAsk => ({ do: 'tell', callId, event });
const report = (callId: string, status: number): TransferAsk => tell(callId, { type: 'notifyRefer', status });

/** A user's action. */
export function act(transfer: Transfer, calls: readonly PhoneCall[], action: TransferAction): TransferStep {
  switch (action.type) {
    case 'transfer': {
      const call = transferable(transfer, calls, action.callId, action.to);
      if (!call) return ignored(transfer, 'Ignored a transfer of a call that cannot be transferred now');
      const pending: Transfer = { kind: 'pending', call: action.callId, peer: call.state.dialog.peer, target: action.to };
      return { transfer: pending, asks: [...holdFirst(call), tell(action.callId, { type: 'refer', target: action.to })] };
    }
    case 'consult': {
      const call = transferable(transfer, calls, action.callId, action.to);
      // The consult call is one more call: only beside the call being transferred.
      if (!call || calls.length > 1) return ignored(transfer, 'Ignored asking first while the phone cannot place a consult call');
      const { callId, consultId, to, video } = action;
      return {
        transfer: { kind: 'consulting', call: callId, peer: call.state.dialog.peer, target: to, consult: consultId },
        asks: [...holdFirst(call), { do: 'place', callId: consultId, to, video, referral: null }],
      };
    }
    case 'completeTransfer':
      if (transfer.kind !== 'consulting' || find(calls, transfer.consult)?.state.phase !== 'active') {
        return ignored(transfer, 'Ignored completing a transfer with no answered consult call');
      }
      return { transfer: { ...transfer, kind: 'completing' }, asks: [tell(transfer.call, { type: 'refer', target: transfer.target, replaces: transfer.consult })] };
    case 'cancelTransfer': {
      if (transfer.kind !== 'consulting') return ignored(transfer, 'Ignored cancelling a transfer that is not consulting');
      const resume: TransferAsk[] = find(calls, transfer.call)?.held ? [{ do: 'resume', callId: transfer.call }] : [];
      return { transfer: noTransfer, asks: [{ do: 'hangup', callId: transfer.consult }, ...resume] };
    }
    default:
      return missingCase(action);
  }
}

/** What the calls said (their transfer signals) and how the calls it watches ended, in one step of the phone. */
export function follow(transfer: Transfer, calls: readonly PhoneCall[], effects: readonly { type: string }[], newCallId: () => string): TransferStep {
  let step = stay(transfer);
  for (const effect of effects) {
    if (!isSignal(effect)) continue;
    const next = signal(step.transfer, calls, effect, newCallId);
    step = { transfer: next.transfer, asks: [...step.asks, ...next.asks] };
  }
  const watched = watch(step.transfer, calls, endings(effects));
  return { transfer: watched.transfer, asks: [...step.asks, ...watched.asks] };
}

/**
 * The target's rule: the call an INVITE replaces, when the server stamped it so (attended transfer)
 * and it is our answered call with whoever referred the caller. That INVITE is answered at once.
 */
export function replacedCall(calls: readonly PhoneCall[], invite: Extract<Request, { method: 'INVITE' }>): PhoneCall | undefined {
  const { replaces, referredBy } = invite.body;
  if (replaces === undefined || referredBy === undefined) return undefined;
  const call = find(calls, replaces);
  return call?.state.phase === 'active' && sameName(call.state.dialog.peer, referredBy) ? call : undefined;
}

/** The call, if it may be transferred to `to` now: answered, to someone else, no other transfer under way. */
function transferable(transfer: Transfer, calls: readonly PhoneCall[], callId: string, to: string): PhoneCall | undefined {
  if (transfer.kind !== 'none' && transfer.kind !== 'failed') return undefined;
  const call = find(calls, callId);
  return call?.state.phase === 'active' && !sameName(call.state.dialog.peer, to) ? call : undefined;
}

const holdFirst = (call: PhoneCall): TransferAsk[] => (call.held ? [] : [{ do: 'hold', callId: call.state.dialog.callId }]);

const isSignal = (effect: { type: string }): effect is TransferSignal =>
  effect.type === 'referred' || effect.type === 'referAnswered' || effect.type === 'referProgress';

function endings(effects: readonly { type: string }[]): ReadonlyMap<string, Outcome> {
  const ended = new Map<string, Outcome>();
  for (const effect of effects) {
    if (effect.type === 'ended') {
      const { callId, outcome } = effect as Extract<Effect, { type: 'ended' }>;
      ended.set(callId, outcome);
    }
  }
  return ended;
}

function signal(transfer: Transfer, calls: readonly PhoneCall[], signal: TransferSignal, newCallId: () => string): TransferStep {
  switch (signal.type) {
    case 'referred':
      return referred(transfer, calls, signal, newCallId);
    case 'referAnswered':
      if (!referring(transfer, signal.callId)) return stay(transfer);
      return signal.status < 300 ? stay(transfer) : fail(transfer, signal.status === 404 || signal.status === 480 ? 'unavailable' : 'refused');
    case 'referProgress':
      if (!referring(transfer, signal.callId)) return ignored(transfer, 'Ignored a transfer report for no transfer of ours');
      if (signal.status < 200) return stay(transfer);
      if (signal.status < 300) return { transfer: noTransfer, asks: [tell(transfer.call, { type: 'handOff', to: transfer.target })] };
      return fail(transfer, failure(signal.status));
    default:
      return missingCase(signal);
  }
}

/** The transferee's answer to a REFER: take it only for an answered call that is the phone's only call. */
function referred(transfer: Transfer, calls: readonly PhoneCall[], signal: Extract<TransferSignal, { type: 'referred' }>, newCallId: () => string): TransferStep {
  const { callId, cseq, target, referredBy } = signal;
  const answer = (status: number): TransferAsk => ({ do: 'send', message: reply({ method: 'REFER', cseq, callId }, status) });
  const call = find(calls, callId);
  if (transfer.kind !== 'none' || call?.state.phase !== 'active' || calls.length > 1) return { transfer, asks: [answer(603)] };
  const placed = newCallId();
  // The referrer holds X already: holding it here too only makes the call to the target the phone's active one.
  const hold: TransferAsk[] = call.held ? [] : [{ do: 'quietHold', callId, held: true }];
  return {
    transfer: { kind: 'referred', call: callId, referrer: referredBy, target, placed, reported: 100, unhold: !call.held },
    asks: [answer(202), ...hold, { do: 'place', callId: placed, to: target, video: call.state.dialog.video, referral: callId }, report(callId, 100)],
  };
}

/** What became of the calls the transfer watches. */
function watch(transfer: Transfer, calls: readonly PhoneCall[], ended: ReadonlyMap<string, Outcome>): TransferStep {
  switch (transfer.kind) {
    case 'none':
      return stay(transfer);
    case 'pending':
    case 'completing':
      // In an attended transfer the target ends the consult call itself: that is the way it works.
      return ended.has(transfer.call) ? stay(noTransfer) : stay(transfer);
    case 'consulting': {
      if (ended.has(transfer.call)) return stay(noTransfer);
      const outcome = ended.get(transfer.consult);
      if (!outcome) return stay(transfer);
      const why = consultFailure(outcome);
      return why === null ? stay(noTransfer) : fail(transfer, why);
    }
    case 'failed': {
      const call = find(calls, transfer.call);
      return !call || !call.held ? stay(noTransfer) : stay(transfer);
    }
    case 'referred': {
      if (ended.has(transfer.call)) return stay(noTransfer);
      const outcome = ended.get(transfer.placed);
      if (outcome) {
        const unhold: TransferAsk[] = transfer.unhold ? [{ do: 'quietHold', callId: transfer.call, held: false }] : [];
        return { transfer: noTransfer, asks: [report(transfer.call, placedStatus(outcome)), ...unhold] };
      }
      const phase = find(calls, transfer.placed)?.state.phase;
      if (phase === 'active') return { transfer: noTransfer, asks: [report(transfer.call, 200)] };
      if (phase === 'ringback' && transfer.reported < 180) return { transfer: { ...transfer, reported: 180 }, asks: [report(transfer.call, 180)] };
      return stay(transfer);
    }
    default:
      return missingCase(transfer);
  }
}

const referring = (transfer: Transfer, callId: string): transfer is Extract<Transfer, { kind: 'pending' | 'completing' }> =>
  (transfer.kind === 'pending' || transfer.kind === 'completing') && transfer.call === callId;

function fail(transfer: Extract<Transfer, { kind: 'pending' | 'completing' | 'consulting' }>, why: FailureReason): TransferStep {
  const { call, peer, target } = transfer;
  return stay({ kind: 'failed', call, peer, target, why });
}

/** What a final status of the call to the target means. */
function failure(status: number): FailureReason {
  if (status === 486 || status === 600) return 'busy';
  if (status === 603) return 'declined';
  if (status === 408 || status === 487) return 'noAnswer';
  if (status === 404 || status === 480) return 'unavailable';
  return 'failed';
}

/** How the consult call ended: a failure, or null when the user ended it (or it turned into the target's own call to us). */
function consultFailure(outcome: Outcome): FailureReason | null {
  switch (outcome.kind) {
    case 'rejected':
      return failure(outcome.status);
    case 'hangup':
      return outcome.by === 'remote' ? 'hungUp' : null;
    case 'failed':
      return 'failed';
    case 'cancelled':
    case 'superseded':
    case 'unlinked':
      return null;
    case 'answeredElsewhere':
    case 'missed':
    case 'declined':
    case 'transferred':
    case 'replaced':
      return 'failed';
    default:
      return missingCase(outcome);
  }
}

/** The status the transferee reports for its call to the target that did not get answered. */
function placedStatus(outcome: Outcome): number {
  switch (outcome.kind) {
    case 'rejected':
      return outcome.status;
    case 'cancelled':
      return 487;
    case 'failed':
      return outcome.cause === 'network' ? 503 : 488;
    case 'hangup':
    case 'missed':
    case 'declined':
    case 'superseded':
    case 'answeredElsewhere':
    case 'transferred':
    case 'replaced':
    case 'unlinked':
      return 500;
    default:
      return missingCase(outcome);
  }
}
