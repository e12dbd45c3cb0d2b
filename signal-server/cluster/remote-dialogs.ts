/**
 * The dialogs this node's users are in whose home is another node: learnt from the frames the home
 * sends, or when a user's new call went to a home elsewhere (it follows a referral or joins a
 * conference homed there), so what a user sends in them goes back to the home. At most `maxPerUser`
 * a user, the oldest forgotten first (a forgotten dialog's messages are answered here, 481).
 */
import type { UserKey } from '../name-key.js';

export interface RemoteDialog {
  readonly callId: string;
  /** Moves when the home died and another node took the call over. */
  home: string;
  /** This node's user in it. */
  readonly user: UserKey;
  /** The other party's name, from its frames, for the BYE this node sends if the home is lost. */
  peerName: string | null;
  /** The other party's highest request cseq, this node's user's, and the INVITE's. */
  peerCseq: number;
  ownCseq: number;
  readonly inviteCseq: number;
  /** The user answered the INVITE 2xx (or ACKed one): losing the home ends it with BYE, not CANCEL. */
  answered: boolean;
  /** The conference the dialog is a link of, if any: homed where the dialog is. */
  conference: string | null;
}

/** What a new dialog is learnt from: its home, the other party's name, a request cseq, its conference. */
export interface Learnt {
  home: string;
  peerName: string | null;
  cseq: number | undefined;
  conference: string | null;
}

export class RemoteDialogs {
  readonly #maxPerUser: number;
  readonly #byUser = new Map<UserKey, Map<string, RemoteDialog>>();

  constructor(maxPerUser: number) {
    this.#maxPerUser = maxPerUser;
  }

  /** A frame in dialog `callId` reached `user` from its home, or `user`'s new call went there. */
  learn(user: UserKey, callId: string, { home, peerName, cseq, conference }: Learnt): void {
    let dialogs = this.#byUser.get(user);
    if (!dialogs) this.#byUser.set(user, (dialogs = new Map()));
    const known = dialogs.get(callId);
    if (known) {
      known.peerCseq = Math.max(known.peerCseq, cseq ?? 0);
      known.peerName ??= peerName;
      known.conference ??= conference;
      return;
    }
    dialogs.set(callId, { callId, home, user, peerName, peerCseq: cseq ?? 0, ownCseq: 0, inviteCseq: cseq ?? 0, answered: false, conference });
    if (dialogs.size > this.#maxPerUser) dialogs.delete(dialogs.keys().next().value!);
  }

  /** A dialog of `user`'s as its home told: when it resumed on this node, or when the home is new (the old one died). */
  adopt(dialog: Omit<RemoteDialog, 'ownCseq'>): void {
    this.learn(dialog.user, dialog.callId, { home: dialog.home, peerName: dialog.peerName, cseq: dialog.inviteCseq, conference: dialog.conference });
    const known = this.get(dialog.user, dialog.callId);
    if (!known) return;
    known.home = dialog.home;
    known.peerCseq = Math.max(known.peerCseq, dialog.peerCseq);
    known.answered ||= dialog.answered;
  }

  get(user: UserKey, callId: string): RemoteDialog | undefined {
    return this.#byUser.get(user)?.get(callId);
  }

  /** The home of conference `id`, from a dialog of `user`'s that is a link of it. */
  conferenceHome(user: UserKey, id: string): string | undefined {
    for (const dialog of this.#byUser.get(user)?.values() ?? []) if (dialog.conference === id) return dialog.home;
    return undefined;
  }

  forgetUser(user: UserKey): void {
    this.#byUser.delete(user);
  }

  /** The home nodes of every dialog known. */
  homes(): Set<string> {
    const homes = new Set<string>();
    for (const dialogs of this.#byUser.values()) for (const dialog of dialogs.values()) homes.add(dialog.home);
    return homes;
  }

  /** Forgets and answers every dialog homed on `node`. */
  takeHomedOn(node: string): RemoteDialog[] {
    const taken: RemoteDialog[] = [];
    for (const [user, dialogs] of this.#byUser) {
      for (const dialog of dialogs.values()) if (dialog.home === node) taken.push(dialog);
      for (const dialog of taken) dialogs.delete(dialog.callId);
      if (dialogs.size === 0) this.#byUser.delete(user);
    }
    return taken;
  }
}
