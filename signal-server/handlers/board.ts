/**
 * What a handler works with: the registry (and in a cluster its name claims), the dialog table,
 * the conferences and the router (which speak of users by key), the phone book's audiences, the call guard and passcode guard,
 * the switchboard's settings and its log, the host's records when it keeps them, and the parties
 * outside (the SIP gateway) when there is one.
 */
import type { Method, Request } from '../../common/protocol.js';
import type { CallGuard } from '../call-guard.js';
import type { ConferenceTable } from '../conference.js';
import type { DialogTable } from '../dialog-table.js';
import type { HostRecords } from '../host-records.js';
import type { UserKey } from '../name-key.js';
import type { PasscodeGuard } from '../passcode-guard.js';
import type { PhoneBook } from '../phone-book.js';
import type { PresenceFeed } from '../presence.js';
import type { Outside } from '../outside.js';
import type { NameClaims, Registry } from '../registry.js';
import type { Connection, Router } from '../router.js';
import type { SwitchboardConfig } from '../switchboard.js';

export interface Board {
  readonly config: SwitchboardConfig;
  readonly registry: Registry;
  /** Null in-process; in a cluster, where a new name is claimed first. */
  readonly claims: NameClaims | null;
  readonly dialogs: DialogTable;
  readonly conferences: ConferenceTable;
  readonly router: Router;
  /** Who hears which presence change, and each searching phone's watch list. */
  readonly phoneBook: PhoneBook;
  /** The presence changes gathered for the next NOTIFY. */
  readonly presence: PresenceFeed;
  readonly callGuard: CallGuard;
  readonly passcodeGuard: PasscodeGuard;
  /** Where a callee that is no user or group here may be reached; null without a gateway. */
  outside: Outside | null;
  /** The directory, messages and voicemail; null when the server keeps none. */
  readonly records: HostRecords | null;
  /** In a cluster, the answered calls homed on other nodes that a transfer may replace; null in-process. */
  readonly callsElsewhere: CallsElsewhere | null;
}

/** Answered calls homed on other nodes, as the nodes of their parties know them. */
export interface CallsElsewhere {
  /** `a` and `b` are the parties of answered call `callId`, homed on another node. */
  between(callId: string, a: UserKey, b: UserKey): boolean;
}

export type RequestOf<M extends Method> = Extract<Request, { method: M }>;

/** Handles one request from a registered user, `sender`, that came in on `connection`. */
export type Handler<M extends Method> = (board: Board, connection: Connection, sender: UserKey, request: RequestOf<M>) => void;
