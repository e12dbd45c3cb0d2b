import type { NetworkInterfaceInfo } from 'node:os';
import { describe, expect, it } from 'vitest';
import type { InterfaceTable } from '../../node-lib/addresses.js';
import { OriginPolicy, normaliseOrigin } from '../../signal-server/origins.js';

const entry = (address: string, family: 'IPv4' | 'IPv6', internal = false, scopeid = 0): NetworkInterfaceInfo =>
  family === 'IPv4'
    ? { address, family, internal, netmask: '255.255.255.0', mac: '00:00:00:00:00:00', cidr: null }
    : { address, family, internal, netmask: 'ffff:ffff:ffff:ffff::', mac: '00:00:00:00:00:00', cidr: null, scopeid };

function office(address = '192.168.1.20'): InterfaceTable {
  return {
    lo: [entry('127.0.0.1', 'IPv4', true), entry('::1', 'IPv6', true)],
    eth0: [entry(address, 'IPv4'), entry('fd00::20', 'IPv6'), entry('fe80::20', 'IPv6', false, 2)],
  };
}

describe('OriginPolicy', () => {
  it('on every interface over TLS: its own https pages at each address and name, the app, and no Origin', () => {
    const policy = new OriginPolicy({ host: '0.0.0.0', port: 8443, tls: true, allowed: [], interfaces: () => office(), hostname: 'Office-Mac' });
    for (const origin of [
      'https://192.168.1.20:8443',
      'https://127.0.0.1:8443',
      'https://localhost:8443',
      'https://office-mac:8443',
      'https://office-mac.local:8443',
      'https://OFFICE-MAC.local:8443',
      'app://leanphone',
      undefined,
    ]) {
      expect(policy.allows(origin), String(origin)).toBe(true);
    }
    for (const origin of [
      'http://192.168.1.20:8443',
      'https://192.168.1.20:8444',
      'https://192.168.1.20',
      'https://[fd00::20]:8443', // an IPv4-only listener is not reached over IPv6
      'https://evil.example',
      'https://192.168.1.20.evil.example:8443',
      'null',
      '',
      'https://192.168.1.20:8443/phone',
    ]) {
      expect(policy.allows(origin), origin).toBe(false);
    }
  });

  it('follows a LAN address that changes while it runs', () => {
    let table = office('192.168.1.20');
    const policy = new OriginPolicy({ host: '0.0.0.0', port: 8080, tls: false, allowed: [], interfaces: () => table, hostname: 'h' });
    expect(policy.allows('http://192.168.1.20:8080')).toBe(true);
    table = office('192.168.1.21');
    expect(policy.allows('http://192.168.1.21:8080')).toBe(true);
    expect(policy.allows('http://192.168.1.20:8080')).toBe(false);
  });

  it('on a dual-stack listener takes IPv6 addresses too, but not link-local ones', () => {
    const policy = new OriginPolicy({ host: '::', port: 8080, tls: false, allowed: [], interfaces: () => office(), hostname: 'h' });
    expect(policy.allows('http://[fd00::20]:8080')).toBe(true);
    expect(policy.allows('http://[::1]:8080')).toBe(true);
    expect(policy.allows('http://192.168.1.20:8080')).toBe(true);
    expect(policy.allows('http://[fe80::20]:8080')).toBe(false);
  });

  it('on one address: that address and the machine name, no loopback; plus origins it was given', () => {
    const policy = new OriginPolicy({ host: '192.168.1.20', port: 80, tls: false, allowed: ['http://localhost:5173'], interfaces: () => office(), hostname: 'h' });
    expect(policy.allows('http://192.168.1.20')).toBe(true);
    expect(policy.allows('http://192.168.1.20:80')).toBe(true);
    expect(policy.allows('http://h.local')).toBe(true);
    expect(policy.allows('http://localhost:5173')).toBe(true);
    expect(policy.allows('http://127.0.0.1')).toBe(false);
    expect(policy.allows('http://localhost')).toBe(false);
  });
});

describe('normaliseOrigin', () => {
  it.each([
    ['https://Phones.Example:443', 'https://phones.example'],
    ['http://127.0.0.1:8080', 'http://127.0.0.1:8080'],
    ['http://[FD00:0::20]:8080', 'http://[fd00::20]:8080'],
    ['APP://LeanPhone', 'app://leanphone'],
  ])('%s is %s', (text, origin) => {
    expect(normaliseOrigin(text)).toBe(origin);
  });

  it.each(['null', 'phones.example', 'https://phones.example/', 'https://phones.example/x', 'https://user@phones.example', 'https://a b', 'https://phones.example:99999'])(
    'refuses %j',
    (text) => {
      expect(normaliseOrigin(text)).toBeNull();
    },
  );
});
