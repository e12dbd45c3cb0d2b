/**
 * Driving the phone coordinator in unit tests: SDP and media stand-ins, and running a phone through
 * a list of inputs.
 */
import type { Message } from '../../common/protocol.js';
import { step, type PhoneContext, type PhoneEffect, type PhoneInput, type PhoneState } from '../../renderer/src/sip/coordinator.js';

export const OFFER = { type: 'offer' as const, sdp: 'v=0 offer' };
export const ANSWER = { type: 'answer' as const, sdp: 'v=0 answer' };
export const media = { audio: true, video: true };

export interface Run {
  phone: PhoneState;
  effects: PhoneEffect[];
}

/** Steps `phone` through `inputs`; the effects of the last step only, or with `keep: 'all'` of every step. */
export function runPhone(ctx: PhoneContext, phone: PhoneState, inputs: readonly PhoneInput[], keep: 'last' | 'all'): Run {
  let result: Run = { phone, effects: [] };
  for (const input of inputs) {
    const next = step(result.phone, input, ctx);
    result = { phone: next.phone, effects: keep === 'all' ? [...result.effects, ...next.effects] : next.effects };
  }
  return result;
}

export const msg = (message: Message): PhoneInput => ({ type: 'message', message });
