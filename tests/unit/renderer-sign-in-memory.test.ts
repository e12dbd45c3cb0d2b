/**
 * The browser phone's memory of who is signed in: a reload resumes this tab's session (with its
 * token), a new tab signs in by the name of a user who never signed out, Sign out forgets both.
 */
import { describe, expect, it } from 'vitest';
import type { KeptStorage } from '../../renderer/src/lib/history.js';
import { SignInMemory, TAB_SESSION_KEY } from '../../renderer/src/lib/sign-in-memory.js';

class MemoryStorage implements KeptStorage {
  readonly items = new Map<string, string>();
  getItem(key: string): string | null {
    return this.items.get(key) ?? null;
  }
  setItem(key: string, value: string): void {
    this.items.set(key, value);
  }
  removeItem(key: string): void {
    this.items.delete(key);
  }
}

describe('SignInMemory', () => {
  it('a reload resumes this tab; a new tab signs in by name; Sign out forgets both', () => {
    const kept = new MemoryStorage();
    const tab = new MemoryStorage();
    const memory = new SignInMemory(tab, kept);
    expect(memory.autoSignIn()).toBeNull();
    memory.signedIn({ name: 'Ada', passcode: 'open', resume: 'token-1' });
    expect(new SignInMemory(tab, kept).autoSignIn()).toEqual({ name: 'Ada', passcode: 'open', resume: 'token-1' });
    expect(new SignInMemory(new MemoryStorage(), kept).autoSignIn(), 'no token nor passcode outlives the tab').toEqual({ name: 'Ada', passcode: '' });
    memory.signedOut();
    expect(new SignInMemory(tab, kept).autoSignIn()).toBeNull();
  });

  it('an unreadable tab session reads as none', () => {
    const tab = new MemoryStorage();
    tab.setItem(TAB_SESSION_KEY, '{"name": 7}');
    expect(new SignInMemory(tab, new MemoryStorage()).autoSignIn()).toBeNull();
    tab.setItem(TAB_SESSION_KEY, 'nope');
    expect(new SignInMemory(tab, new MemoryStorage()).autoSignIn()).toBeNull();
  });
});
