/**
 * What nodes tell each other through their Redis streams: a closed union, written as JSON by this
 * module or by the Lua scripts (scripts.ts), and read back here. Anything unreadable is dropped.
 */
import type { PublishedState } from '../../common/protocol.js';
import type { UserKey } from '../name-key.js';
import type { OwnerHash } from '../owner-key.js';
import type { LeaveReason } from '../registry.js';

/** A registered user as the cluster keeps it (the `lp:users` hash); written only by its node. */
export interface Member {
  readonly name: string;
  readonly skeleton: string;
  readonly node: string;
  readonly published: PublishedState;
  /** False while its socket is lost (its grace period): a new call to it gets 480, as on one server. */
  readonly connected: boolean;
  /** Says it is in a call no server knows of (published `inCall`, after a restart): shown busy. */
  readonly inCall: boolean;
}

export type Envelope =
  /** `key` registered, or changed what it published (sent by its node). */
  | { t: 'user'; key: UserKey; user: Member }
  /** `key` unregistered from `node`. */
  | { t: 'gone'; key: UserKey; node: string; reason: LeaveReason }
  /** `node` has `key` in a dialog (it is the dialog's home), or no longer. */
  | { t: 'busy'; key: UserKey; node: string; busy: boolean }
  /**
   * A frame for `to`, connected to the receiving node. With `home`, a frame in dialog `callId`
   * homed on node `home`, from `from` with request `cseq` (absent on a response), in `conference`
   * when it is a link of one (conferences are homed where they started).
   */
  | { t: 'frame'; to: UserKey; frame: string; callId?: string; home?: string; from?: UserKey; cseq?: number; conference?: string }
  /** Close `to`'s socket (the dialog's home refused too much bad input from it). */
  | { t: 'close'; to: UserKey; code: number; reason: string }
  /**
   * A message `from` sent (on node `node`) in a dialog homed on the receiving node. A REFER that
   * replaces a call homed elsewhere comes with `node`'s word for it: `from`'s answered call with `peer`.
   */
  | { t: 'dialog'; from: UserKey; node: string; message: string; consult?: Consult }
  /** `key` resumed on `node`: which of its dialogs is the receiving node home to? */
  | { t: 'moved'; key: UserKey; node: string }
  /** The answer to `moved`: the dialogs of `key` homed on `node`. */
  | { t: 'homed'; key: UserKey; node: string; dialogs: HomedDialog[] }
  /** The shared store's directory took `key` as this (its node wrote it): mirror it. */
  | { t: 'seen'; key: UserKey; name: string; lastSeen: number; owner: OwnerHash | null }
  /** `key` was forgotten, in the shared store already: drop it from the mirror. */
  | { t: 'forgot'; key: UserKey };

/** An answered call of a user's, as its node vouches for it. */
export interface Consult {
  readonly callId: string;
  readonly peer: UserKey;
}

/** A dialog as its home tells a node that a party resumed on. */
export interface HomedDialog {
  readonly callId: string;
  /** The other party's name and highest request cseq. */
  readonly peer: string;
  readonly peerCseq: number;
  readonly inviteCseq: number;
  readonly answered: boolean;
  /** The conference it is a link of (or an invitation into), if any. */
  readonly conference: string | null;
}

export function readEnvelope(text: string): Envelope | null {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return null;
  }
  if (typeof value !== 'object' || value === null) return null;
  const envelope = value as Record<string, unknown>;
  switch (envelope.t) {
    case 'user':
      return typeof envelope.key === 'string' && isMember(envelope.user) ? (envelope as Envelope) : null;
    case 'gone':
      return strings(envelope, 'key', 'node') && (envelope.reason === 'Peer left' || envelope.reason === 'Peer lost') ? (envelope as Envelope) : null;
    case 'busy':
      return strings(envelope, 'key', 'node') && typeof envelope.busy === 'boolean' ? (envelope as Envelope) : null;
    case 'frame':
      return strings(envelope, 'to', 'frame') ? (envelope as Envelope) : null;
    case 'close':
      return strings(envelope, 'to', 'reason') && typeof envelope.code === 'number' ? (envelope as Envelope) : null;
    case 'dialog':
      return strings(envelope, 'from', 'node', 'message') && (envelope.consult === undefined || isConsult(envelope.consult)) ? (envelope as Envelope) : null;
    case 'moved':
      return strings(envelope, 'key', 'node') ? (envelope as Envelope) : null;
    case 'homed':
      return strings(envelope, 'key', 'node') && Array.isArray(envelope.dialogs) && envelope.dialogs.every(isHomedDialog) ? (envelope as Envelope) : null;
    case 'seen':
      return strings(envelope, 'key', 'name') && typeof envelope.lastSeen === 'number' && (envelope.owner === null || typeof envelope.owner === 'string') ? (envelope as Envelope) : null;
    case 'forgot':
      return strings(envelope, 'key') ? (envelope as Envelope) : null;
    default:
      return null;
  }
}

export function isMember(value: unknown): value is Member {
  if (typeof value !== 'object' || value === null) return false;
  const member = value as Record<string, unknown>;
  return strings(member, 'name', 'skeleton', 'node') && (member.published === 'online' || member.published === 'dnd') && typeof member.connected === 'boolean' && typeof member.inCall === 'boolean';
}

function isConsult(value: unknown): value is Consult {
  return typeof value === 'object' && value !== null && strings(value as Record<string, unknown>, 'callId', 'peer');
}

function isHomedDialog(value: unknown): value is HomedDialog {
  if (typeof value !== 'object' || value === null) return false;
  const dialog = value as Record<string, unknown>;
  return strings(dialog, 'callId', 'peer') && typeof dialog.peerCseq === 'number' && typeof dialog.inviteCseq === 'number' && typeof dialog.answered === 'boolean' && (dialog.conference === null || typeof dialog.conference === 'string');
}

const strings = (value: Record<string, unknown>, ...fields: string[]): boolean => fields.every((field) => typeof value[field] === 'string');
