/**
 * What a handler works with: the registry (and in a cluster its name claims), the dialog table,
 * the conferences and the router (which speak of users by key), the call guard and passcode guard,
 * the switchboard's settings and its log.
 */
import type { Method, Request } from '../../common/protocol.js';
import type { CallGuard } from '../call-guard.js';
import type { ConferenceTable } from '../conference.js';
import type { DialogTable } from '../dialog-table.js';
import type { UserKey } from '../name-key.js';
import type { PasscodeGuard } from '../passcode-guard.js';
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
  readonly callGuard: CallGuard;
  readonly passcodeGuard: PasscodeGuard;
}

export type RequestOf<M extends Method> = Extract<Request, { method: M }>;

/** Handles one request from a registered user, `sender`, that came in on `connection`. */
export type Handler<M extends Method> = (board: Board, connection: Connection, sender: UserKey, request: RequestOf<M>) => void;
