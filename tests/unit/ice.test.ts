import { describe, expect, it } from 'vitest';
import { formatIceServer, parseIceServer } from '../../common/ice.js';

describe('STUN/TURN server addresses', () => {
  it('reads STUN, TURN and TURN with credentials, and writes them back as typed', () => {
    for (const text of ['stun:stun.lan:3478', 'turns:relay.lan:5349?transport=tcp', 'turn:alice:s3cret@relay.lan:3478']) {
      const server = parseIceServer(text);
      expect(server, text).not.toBeNull();
      expect(formatIceServer(server!)).toBe(text);
    }
    expect(parseIceServer('turn:alice:s3cret@relay.lan:3478')).toEqual({ urls: 'turn:relay.lan:3478', username: 'alice', credential: 's3cret' });
  });

  it('refuses anything else', () => {
    for (const text of ['', 'http://relay.lan', 'relay.lan:3478', 'turn:', 'stun:a b', '<script>']) {
      expect(parseIceServer(text), text).toBeNull();
    }
  });
});
