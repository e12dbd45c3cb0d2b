/**
 * The ICE-restart policy of one call: who restarts first and when, no restart once the path is
 * back, and giving up after 30 s without a path.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ICE_GIVE_UP_MS, IceRecovery } from '../../renderer/src/rtc/ice-recovery.js';

function watch(owner: boolean) {
  const done: string[] = [];
  let connected = false;
  const ice = new IceRecovery(owner, {
    restart: () => done.push('restart'),
    giveUp: () => done.push('give up'),
    connected: () => connected,
  });
  return { ice, done, reconnect: () => (connected = true) };
}

beforeEach(() => vi.useFakeTimers());
afterEach(() => vi.useRealTimers());

describe('ICE recovery', () => {
  it.each([
    ['the owner, failed', true, 'failed', 0],
    ['the owner, disconnected', true, 'disconnected', 2000],
    ['the other side, failed', false, 'failed', 1500],
  ] as const)('%s (owner %s, %s): restarts after %i ms', (_label, owner, state, ms) => {
    const { ice, done } = watch(owner);
    expect(ice.pathChanged(state)).toBe(true);
    if (ms > 0) {
      vi.advanceTimersByTime(ms - 1);
      expect(done).toEqual([]);
    }
    vi.advanceTimersByTime(1);
    expect(done).toEqual(['restart']);
  });

  it('the other side waits while the path is only disconnected', () => {
    const { ice, done } = watch(false);
    ice.pathChanged('disconnected');
    vi.advanceTimersByTime(ICE_GIVE_UP_MS - 1);
    expect(done).toEqual([]);
    vi.advanceTimersByTime(1);
    expect(done).toEqual(['give up']);
  });

  it('no restart when the path came back by itself, and nothing more once connected', () => {
    const { ice, done, reconnect } = watch(true);
    ice.pathChanged('disconnected');
    reconnect();
    vi.advanceTimersByTime(2000);
    expect(done).toEqual([]);
    expect(ice.pathChanged('connected')).toBe(false);
    vi.advanceTimersByTime(ICE_GIVE_UP_MS);
    expect(done).toEqual([]);
  });

  it('a second break while one is handled starts no second timer; stop() ends all', () => {
    const { ice, done } = watch(true);
    ice.pathChanged('disconnected');
    ice.pathChanged('failed');
    vi.advanceTimersByTime(2000);
    expect(done).toEqual(['restart']);
    ice.stop();
    vi.advanceTimersByTime(ICE_GIVE_UP_MS);
    expect(done).toEqual(['restart']);
    expect(ice.pathChanged('new')).toBeNull();
  });
});
