import { describe, expect, it } from 'vitest';
import { PasscodeGuard } from '../../signal-server/passcode-guard.js';
import { addressGroup, clientAddress } from '../../signal-server/remote-address.js';

const limits = { freeFailures: 5, firstHoldMs: 1_000, maxHoldMs: 60_000, forgetMs: 15 * 60_000 };

/** `count` wrong passcodes from `address`, each checked once its hold has passed; answers the time after the last. */
function fail(guard: PasscodeGuard, address: string, count: number, from = 0): number {
  let now = from;
  for (let i = 0; i < count; i += 1) {
    now += guard.holdFor(address, now);
    guard.failed(address, now);
  }
  return now;
}

describe('PasscodeGuard', () => {
  it('checks exactly five wrong passcodes; the sixth attempt is held 1 s, doubling up to a minute', () => {
    const guard = new PasscodeGuard(limits);
    let now = 0;
    for (let i = 0; i < 4; i += 1) {
      guard.failed('10.0.0.9', now);
      expect(guard.holdFor('10.0.0.9', now)).toBe(0);
    }
    guard.failed('10.0.0.9', now);
    expect(guard.holdFor('10.0.0.9', now)).toBe(1_000);
    const holds: number[] = [];
    for (let i = 0; i < 8; i += 1) {
      now += guard.holdFor('10.0.0.9', now);
      guard.failed('10.0.0.9', now);
      holds.push(guard.holdFor('10.0.0.9', now));
    }
    expect(holds).toEqual([2_000, 4_000, 8_000, 16_000, 32_000, 60_000, 60_000, 60_000]);
  });

  it('checks again once the hold has passed, and forgets an address quiet for 15 minutes', () => {
    const guard = new PasscodeGuard(limits);
    const last = fail(guard, '10.0.0.9', 5);
    expect(guard.holdFor('10.0.0.9', last + 999)).toBe(1);
    expect(guard.holdFor('10.0.0.9', last + 1_000)).toBe(0);
    guard.failed('10.0.0.9', last + 15 * 60_000 + 1);
    expect(guard.holdFor('10.0.0.9', last + 15 * 60_000 + 1), 'the count started again').toBe(0);
  });

  it('holds a whole IPv6 /64, an IPv4-mapped address as its IPv4 address, and nothing else', () => {
    const guard = new PasscodeGuard(limits);
    fail(guard, '2001:db8:1:2::aaaa', 5);
    expect(guard.holdFor('2001:db8:1:2:ffff:1:2:3', 0)).toBe(1_000);
    expect(guard.holdFor('2001:0DB8:0001:0002::1', 0)).toBe(1_000);
    expect(guard.holdFor('2001:db8:1:3::aaaa', 0)).toBe(0);

    fail(guard, '::ffff:192.168.1.7', 5);
    expect(guard.holdFor('192.168.1.7', 0)).toBe(1_000);
    expect(guard.holdFor('192.168.1.8', 0)).toBe(0);
  });
});

describe('client addresses', () => {
  it.each([
    ['192.168.1.7', '192.168.1.7', '192.168.1.7'],
    ['::ffff:192.168.1.7', '192.168.1.7', '192.168.1.7'],
    ['::FFFF:10.0.0.1', '10.0.0.1', '10.0.0.1'],
    ['2001:DB8:1:2::5', '2001:db8:1:2::5', '2001:db8:1:2::/64'],
    ['2001:db8::ffff:1.2.3.4', '2001:db8::ffff:1.2.3.4', '2001:db8:0:0::/64'],
    ['fe80::1%eth0', 'fe80::1%eth0', 'fe80:0:0:0::/64'],
    ['::1', '::1', '0:0:0:0::/64'],
  ])('%s counts as %s, and its hold group is %s', (remote, address, group) => {
    expect(clientAddress(remote)).toBe(address);
    expect(addressGroup(remote)).toBe(group);
  });
});
