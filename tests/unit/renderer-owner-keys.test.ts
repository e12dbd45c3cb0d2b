/**
 * The phone's owner keys: one long-lived random key per (server, name), kept in a Storage, sent in
 * every REGISTER; a phone signed in with a real server keeps its name against a thief.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { OWNER_KEY_PATTERN, type Message } from '../../common/protocol.js';
import { OWNER_KEYS_KEY, ownerKeyFor } from '../../renderer/src/lib/owner-keys.js';
import { refusalFor, SignalClient, type SocketLike } from '../../renderer/src/net/signal-client.js';

function memory() {
  const items = new Map<string, string>();
  return { items, getItem: (k: string) => items.get(k) ?? null, setItem: (k: string, v: string) => void items.set(k, v) };
}

describe('owner keys', () => {
  it('makes a 43-character key once per server and name, and gives the same one back later', () => {
    const storage = memory();
    const key = ownerKeyFor(storage, 'ws://phone.lan:8080', 'Ada');
    expect(key).toMatch(OWNER_KEY_PATTERN);
    expect(key).toHaveLength(43);
    expect(ownerKeyFor(memory(), 'ws://phone.lan:8080', 'Ada')).not.toBe(key);
    // A new page on the same storage: the name in another case, the address as typed another way.
    expect(ownerKeyFor(storage, 'phone.lan:8080', 'ADA')).toBe(key);
    expect(ownerKeyFor(storage, 'ws://other.lan:8080', 'Ada')).not.toBe(key);
    expect(ownerKeyFor(storage, 'ws://phone.lan:8080', 'Bob')).not.toBe(key);
    expect(ownerKeyFor(storage, 'ws://phone.lan:8080', 'Ada')).toBe(key);
  });

  it('keeps the keys it knows when the stored value holds junk beside them, and makes a new one only for what is missing', () => {
    const storage = memory();
    const key = ownerKeyFor(storage, 'ws://phone.lan:8080', 'Ada');
    const stored = JSON.parse(storage.items.get(OWNER_KEYS_KEY)!) as Record<string, unknown>;
    storage.setItem(OWNER_KEYS_KEY, JSON.stringify({ ...stored, 'ws://phone.lan:8080/signal bob': 'short', junk: 7 }));
    expect(ownerKeyFor(storage, 'ws://phone.lan:8080', 'Ada')).toBe(key);
    expect(ownerKeyFor(storage, 'ws://phone.lan:8080', 'Bob')).toMatch(OWNER_KEY_PATTERN);
    storage.setItem(OWNER_KEYS_KEY, '{oops');
    expect(ownerKeyFor(storage, 'ws://phone.lan:8080', 'Ada')).toMatch(OWNER_KEY_PATTERN);
  });
});

describe('REGISTER with an owner key', () => {
  const clients: SignalClient[] = [];
  afterEach(() => clients.splice(0).forEach((client) => client.stop()));

  it('sends the key in every REGISTER body', () => {
    const sent: Message[] = [];
    const socket: SocketLike = { readyState: 1, send: (data) => void sent.push(JSON.parse(data) as Message), close: () => undefined, onopen: null, onclose: null, onerror: null, onmessage: null };
    const ownerKey = 'k'.repeat(43);
    const client = new SignalClient({ server: 'ws://127.0.0.1:9', name: 'Ada', passcode: '', ownerKey, createSocket: () => socket });
    clients.push(client);
    client.start();
    socket.onopen?.({});
    expect(sent).toEqual([{ method: 'REGISTER', cseq: 1, body: { name: 'Ada', ownerKey } }]);
  });

  it('tells the user the name is someone else\'s, in the host\'s words', () => {
    const reason = 'That name belongs to someone else on this host';
    expect(refusalFor({ status: 409, reason, method: 'REGISTER', cseq: 1 })).toEqual({ code: 'name-taken', text: reason });
    expect(refusalFor({ status: 409, reason: 'Name taken', method: 'REGISTER', cseq: 1 })).toEqual({ code: 'name-taken', text: 'That name is taken' });
  });
});
