import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { turnCredentials } from '../../signal-server/turn.js';
import { useServer } from './harness.js';

describe('TURN credentials', () => {
  it('follow the TURN REST API scheme: expiry:user-id, HMAC-SHA1 of it under the shared secret', () => {
    const now = Date.UTC(2026, 0, 1);
    const server = turnCredentials({ secret: 'shared', urls: ['turn:127.0.0.1:3478'], ttlSeconds: 600 }, 'Ada', now);
    expect(server.username).toMatch(new RegExp(`^${now / 1000 + 600}:[A-Za-z0-9_-]{22}$`));
    expect(server.credential).toBe(createHmac('sha1', 'shared').update(server.username!).digest('base64'));
    expect(server.urls).toEqual(['turn:127.0.0.1:3478']);
    // coturn refuses spaces and quotes in usernames: the name never goes in as it is.
    expect(turnCredentials({ secret: 's', urls: [] }, "Zoe O'Neil", now).username).toMatch(/^\d+:[A-Za-z0-9_-]+$/);
  });

  describe('handed out at registration', () => {
    const harness = useServer();
    it('gives each client its own credentials after the static servers, and never the secret', async () => {
      const server = await harness.start({
        iceServers: [{ urls: 'stun:127.0.0.1:3478' }],
        turn: { secret: 'top-secret', urls: ['turn:127.0.0.1:3478'], ttlSeconds: 60 },
      });
      const ada = await harness.register(server.url, 'Ada');
      const bob = await harness.register(server.url, 'Bob');
      const [adaIce, bobIce] = [ada.received[0]!.body.iceServers, bob.received[0]!.body.iceServers];
      expect(adaIce[0]).toEqual({ urls: 'stun:127.0.0.1:3478' });
      expect(adaIce[1].username).toMatch(/^\d+:[A-Za-z0-9_-]{22}$/);
      expect(adaIce[1].username.split(':')[1]).not.toBe(bobIce[1].username.split(':')[1]);
      expect(adaIce[1].credential).not.toBe(bobIce[1].credential);
      expect(JSON.stringify([adaIce, bobIce])).not.toContain('top-secret');
    });
  });
});
