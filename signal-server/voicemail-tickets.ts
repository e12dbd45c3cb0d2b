/**
 * Short-lived tickets that let a registered user's page reach voicemail over HTTP as that user:
 * `upload` (one recording, for the callee it names, once) or `mailbox` (play and delete one's own
 * until it expires). A ticket travels only in an Authorization header, never in a URL. At most
 * MAX_PER_USER live tickets per user (a newer one evicts the oldest); upload tickets are rationed.
 */
import type { VoicemailTicketPurpose } from '../common/protocol.js';
import type { UserKey } from './name-key.js';
import { newToken } from './secret.js';
import { TokenBucket } from './token-bucket.js';

const MAX_PER_USER = 4;

export interface TicketLimits {
  /** How long an upload ticket is good for: a recording's length and the time to send it. */
  uploadTicketMs: number;
  /** How long a mailbox ticket is good for. */
  mailboxTicketMs: number;
  /** Voicemails one caller may leave a minute, sustained, and at once. */
  perMinute: number;
  burst: number;
}

export type Grant =
  | { readonly purpose: 'upload'; readonly from: UserKey; readonly to: UserKey; readonly expiresAt: number }
  | { readonly purpose: 'mailbox'; readonly owner: UserKey; readonly expiresAt: number };

export interface Ticket {
  readonly ticket: string;
  readonly expiresAt: number;
}
export type Issued = ({ readonly kind: 'issued' } & Ticket) | { readonly kind: 'rationed'; readonly retryMs: number };

export class VoicemailTickets {
  readonly #limits: TicketLimits;
  readonly #grants = new Map<string, Grant>();
  /** Each user's live tickets, oldest first. */
  readonly #byUser = new Map<UserKey, string[]>();
  readonly #uploads = new Map<UserKey, TokenBucket>();

  constructor(limits: TicketLimits) {
    this.#limits = limits;
  }

  get size(): number {
    return this.#grants.size;
  }

  issueUpload(from: UserKey, to: UserKey, now: number): Issued {
    let bucket = this.#uploads.get(from);
    if (!bucket) {
      bucket = new TokenBucket(this.#limits.burst, this.#limits.perMinute / 60, now);
      this.#uploads.set(from, bucket);
    }
    if (!bucket.take(now)) return { kind: 'rationed', retryMs: bucket.msUntilToken() };
    return { kind: 'issued', ...this.#issue(from, { purpose: 'upload', from, to, expiresAt: now + this.#limits.uploadTicketMs }, now) };
  }

  issueMailbox(owner: UserKey, now: number): Ticket {
    return this.#issue(owner, { purpose: 'mailbox', owner, expiresAt: now + this.#limits.mailboxTicketMs }, now);
  }

  /** The grant behind `ticket` if it is live and for `purpose`; an upload ticket is spent by this. */
  redeem(ticket: string, purpose: VoicemailTicketPurpose, now: number): Grant | null {
    const grant = this.#grants.get(ticket);
    if (!grant || grant.expiresAt <= now || grant.purpose !== purpose) return null;
    if (grant.purpose === 'upload') this.#revoke(grant.from, ticket);
    return grant;
  }

  /** `user` was forgotten: its tickets go, and its bucket once full. */
  forget(user: UserKey, now: number): void {
    for (const ticket of this.#byUser.get(user) ?? []) this.#grants.delete(ticket);
    this.#byUser.delete(user);
    if (this.#uploads.get(user)?.isFull(now) !== false) this.#uploads.delete(user);
  }

  #issue(holder: UserKey, grant: Grant, now: number): Ticket {
    const live = (this.#byUser.get(holder) ?? []).filter((ticket) => {
      const known = this.#grants.get(ticket);
      if (known && known.expiresAt > now) return true;
      this.#grants.delete(ticket);
      return false;
    });
    while (live.length >= MAX_PER_USER) this.#grants.delete(live.shift() as string);
    const ticket = newToken();
    live.push(ticket);
    this.#byUser.set(holder, live);
    this.#grants.set(ticket, grant);
    for (const [user, bucket] of this.#uploads) if (bucket.isFull(now)) this.#uploads.delete(user);
    return { ticket, expiresAt: grant.expiresAt };
  }

  #revoke(holder: UserKey, ticket: string): void {
    this.#grants.delete(ticket);
    const live = this.#byUser.get(holder)?.filter((known) => known !== ticket) ?? [];
    if (live.length === 0) this.#byUser.delete(holder);
    else this.#byUser.set(holder, live);
  }
}
