import { describe, expect, it } from 'vitest';
import { escapeAction } from '../../renderer/src/components/escape-key.js';
import type { CallView } from '../../renderer/src/stores/call.svelte.js';

const call = (callId: string, phase: CallView['state']['phase'], held = false): CallView => ({ callId, held, state: { phase } }) as unknown as CallView;

describe('escapeAction: what Escape does to the calls', () => {
  it('declines a ringing call first, even beside a call in progress', () => {
    const active = call('a', 'active');
    expect(escapeAction([active, call('w', 'ringing')], active)).toEqual({ kind: 'decline', callId: 'w' });
  });
  it.each([
    ['preparing', 'cancel'],
    ['inviting', 'cancel'],
    ['ringback', 'cancel'],
    ['answering', 'hangup'],
    ['active', 'hangup'],
  ] as const)('a shown call %s: %s', (phase, kind) => {
    const shown = call('c', phase);
    expect(escapeAction([shown], shown)).toEqual({ kind, callId: 'c' });
  });
  it('does nothing without a call, to a call being cancelled, or to a call on hold', () => {
    expect(escapeAction([], null)).toBeNull();
    const cancelling = call('c', 'cancelling');
    expect(escapeAction([cancelling], cancelling)).toBeNull();
    const held = call('h', 'active', true);
    expect(escapeAction([held], held)).toBeNull();
  });
});
