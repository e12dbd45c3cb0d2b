import { describe, expect, it } from 'vitest';
import { AddressLimits, HTTP_CONNECTIONS_PER_ADDRESS } from '../../signal-server/address-limits.js';

const config = { maxSockets: 3, maxUnregistered: 2, maxNames: 2, registrationsPerMinute: 20, registrationBurst: 3 };

describe('AddressLimits', () => {
  it('holds an address to its sockets plus HTTP_CONNECTIONS_PER_ADDRESS connections of any kind; closing one frees its place', () => {
    const limits = new AddressLimits(config);
    const share = config.maxSockets + HTTP_CONNECTIONS_PER_ADDRESS;
    for (let i = 0; i < share; i += 1) expect(limits.acceptConnection(i % 2 === 0 ? '10.0.0.1' : '::ffff:10.0.0.1')).toBe(true);
    expect(limits.acceptConnection('10.0.0.1')).toBe(false);
    expect(limits.acceptConnection('10.0.0.2')).toBe(true);
    limits.connectionClosed('::ffff:10.0.0.1');
    expect(limits.acceptConnection('10.0.0.1')).toBe(true);
    expect(limits.acceptConnection('10.0.0.1')).toBe(false);
  });

  it('caps open and unregistered sockets per address; registering or closing frees a place', () => {
    const limits = new AddressLimits(config);
    limits.opened('10.0.0.1');
    limits.opened('::ffff:10.0.0.1');
    expect(limits.refuseSocket('10.0.0.1')).toBe('Too many unregistered connections from your address');
    expect(limits.refuseSocket('10.0.0.2')).toBeNull();
    limits.registered('10.0.0.1');
    expect(limits.refuseSocket('10.0.0.1')).toBeNull();
    limits.opened('10.0.0.1');
    expect(limits.refuseSocket('10.0.0.1')).toBe('Too many connections from your address');
    limits.closed('10.0.0.1', false);
    expect(limits.refuseSocket('10.0.0.1')).toBeNull();
  });

  it('caps the names an address holds; a resume takes none, and a released name frees its place', () => {
    const limits = new AddressLimits({ ...config, registrationBurst: 100 });
    for (const key of ['ada', 'bob']) {
      expect(limits.refuseRegistration('10.0.0.1', true, 0)).toBeNull();
      limits.nameTaken(key, '10.0.0.1');
    }
    expect(limits.refuseRegistration('10.0.0.1', true, 0)).toEqual({ status: 403, reason: 'Too many names from your address' });
    expect(limits.refuseRegistration('10.0.0.1', false, 0), 'a resume').toBeNull();
    expect(limits.refuseRegistration('10.0.0.2', true, 0)).toBeNull();
    limits.nameReleased('ada');
    limits.nameReleased('ada');
    expect(limits.refuseRegistration('10.0.0.1', true, 0)).toBeNull();
  });

  it('lets a burst of registrations through, then one every 60/rate seconds, and says when to retry', () => {
    const limits = new AddressLimits(config);
    for (let i = 0; i < 3; i += 1) expect(limits.refuseRegistration('10.0.0.1', false, 0)).toBeNull();
    expect(limits.refuseRegistration('10.0.0.1', false, 0)).toEqual({ status: 503, reason: 'Too many registrations from your address: try again in 3 s' });
    expect(limits.refuseRegistration('10.0.0.1', false, 2_000)).toEqual({ status: 503, reason: 'Too many registrations from your address: try again in 1 s' });
    expect(limits.refuseRegistration('10.0.0.2', false, 0)).toBeNull();
    expect(limits.refuseRegistration('10.0.0.1', false, 3_000)).toBeNull();
    expect(limits.refuseRegistration('10.0.0.1', false, 3_000)).not.toBeNull();
    // A bucket refilled while its address was away starts full again (and is forgotten meanwhile).
    for (let i = 0; i < 3; i += 1) expect(limits.refuseRegistration('10.0.0.1', false, 60_000)).toBeNull();
  });
});
