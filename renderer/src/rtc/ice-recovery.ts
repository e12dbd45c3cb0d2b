/**
 * The ICE-restart policy of one call: when its media path breaks, the Call-ID owner restarts ICE
 * first and the other side only if the path stays failed; with no path for 30 s the call is given
 * up. Only timers here: the call says what a restart and giving up mean.
 */
import { missingCase } from '../lib/missing-case.js';

/** Milliseconds without a working media path before the call is given up. */
export const ICE_GIVE_UP_MS = 30_000;

export interface IceActions {
  /** Re-offer with an ICE restart. */
  restart(): void;
  giveUp(): void;
  /** The path works again (checked before restarting). */
  connected(): boolean;
}

export class IceRecovery {
  readonly #owner: boolean;
  readonly #actions: IceActions;
  #restartTimer: ReturnType<typeof setTimeout> | null = null;
  #giveUpTimer: ReturnType<typeof setTimeout> | null = null;

  constructor(owner: boolean, actions: IceActions) {
    this.#owner = owner;
    this.#actions = actions;
  }

  /** The path changed state; returns whether it is broken now (null: no news). */
  pathChanged(state: RTCPeerConnectionState): boolean | null {
    switch (state) {
      case 'connected':
        this.stop();
        return false;
      case 'disconnected':
      case 'failed': {
        this.#giveUpTimer ??= setTimeout(() => {
          this.#giveUpTimer = null;
          this.#actions.giveUp();
        }, ICE_GIVE_UP_MS);
        const wait = state === 'failed' ? (this.#owner ? 0 : 1500) : this.#owner ? 2000 : null;
        if (wait !== null) {
          this.#restartTimer ??= setTimeout(() => {
            this.#restartTimer = null;
            if (!this.#actions.connected()) this.#actions.restart();
          }, wait);
        }
        return true;
      }
      case 'new':
      case 'connecting':
      case 'closed':
        return null;
      default:
        return missingCase(state);
    }
  }

  stop(): void {
    if (this.#restartTimer) clearTimeout(this.#restartTimer);
    if (this.#giveUpTimer) clearTimeout(this.#giveUpTimer);
    this.#restartTimer = null;
    this.#giveUpTimer = null;
  }
}
