/**
 * What lets the browser phone sign back in by itself: this tab's sign-in (name, passcode, resume
 * token) in sessionStorage, which goes with the tab, and in localStorage only the name of a user
 * who has not signed out. Sign out forgets both. Unreadable entries read as none.
 */
import type { KeptStorage } from './history.js';

export interface TabSession {
  name: string;
  passcode: string;
  resume: string;
}

/** How to sign in without the form: a resume token only from this tab. */
export type AutoSignIn = { name: string; passcode: string; resume?: string };

export const TAB_SESSION_KEY = 'leanphone.session.v1';
export const STAY_SIGNED_IN_KEY = 'leanphone.signed-in.v1';

export class SignInMemory {
  readonly #tab: KeptStorage;
  readonly #kept: KeptStorage;

  constructor(tab: KeptStorage, kept: KeptStorage) {
    this.#tab = tab;
    this.#kept = kept;
  }

  /** This tab's sign-in (a reload), else the user who closed the tab without signing out; null: show the form. */
  autoSignIn(): AutoSignIn | null {
    const tab = this.#readTab();
    if (tab) return tab;
    const name = this.#kept.getItem(STAY_SIGNED_IN_KEY);
    return name ? { name, passcode: '' } : null;
  }

  signedIn(session: TabSession): void {
    try {
      this.#tab.setItem(TAB_SESSION_KEY, JSON.stringify(session));
      this.#kept.setItem(STAY_SIGNED_IN_KEY, session.name);
    } catch {
      // Storage blocked: the next reload shows the form.
    }
  }

  signedOut(): void {
    this.#tab.removeItem(TAB_SESSION_KEY);
    this.#kept.removeItem(STAY_SIGNED_IN_KEY);
  }

  #readTab(): TabSession | null {
    try {
      const raw: unknown = JSON.parse(this.#tab.getItem(TAB_SESSION_KEY) ?? 'null');
      if (typeof raw !== 'object' || raw === null) return null;
      const { name, passcode, resume } = raw as Record<string, unknown>;
      if (typeof name !== 'string' || typeof passcode !== 'string' || typeof resume !== 'string' || !name) return null;
      return { name, passcode, resume };
    } catch {
      return null;
    }
  }
}
