/**
 * REGISTER: a new name, or taking back one the server still holds with its single-use resume
 * token; refused while registered, and refused without its owner key when the directory knows it
 * as someone else's. And unregistering (the user left, or its grace period ended),
 * which ends its dialogs for the other parties.
 */
import type { RegisteredBody, Request } from '../../common/protocol.js';
import { nameKeys, type NameKeys, type UserKey } from '../name-key.js';
import { ownerHash, type OwnerHash } from '../owner-key.js';
import { listText } from '../presence-texts.js';
import type { Connection } from '../router.js';
import { sameSecret } from '../secret.js';
import type { Board, Handler, RequestOf } from './board.js';
import type { LeaveReason } from '../registry.js';
import { endForLostParty } from './endings.js';
import { answer, log, refuse } from './replies.js';

/** A REGISTER on a connection that has not registered yet. On success `connection.user` is set. */
export function register(board: Board, connection: Connection, request: RequestOf<'REGISTER'>): void {
  const { name, passcode, resume, ownerKey } = request.body;
  if (passcodeRefused(board, connection, request, passcode)) return;
  const keys = nameKeys(name);
  if (board.config.ringGroups.find(keys)) {
    refuse(board, connection, answer(request, 409, 'Name taken'));
    return;
  }
  const existing = board.registry.find(keys);
  if (existing === undefined && board.records?.directory.clashes(keys)) {
    refuse(board, connection, answer(request, 409, 'Name taken'));
    return;
  }
  if (existing === undefined && board.records?.directory.ownedByAnother(keys.caseless, ownerKey)) {
    refuse(board, connection, answer(request, 409, 'That name belongs to someone else on this host'));
    return;
  }
  if (existing !== undefined) {
    const matches = resume !== undefined && board.registry.resumeMatches(existing, resume);
    if (!matches && resume !== undefined && board.claims !== null) {
      resumeFromAnotherNode(board, connection, existing, request, resume);
      return;
    }
    if (!matches) {
      refuse(board, connection, answer(request, 409, 'Name taken'));
      return;
    }
    if (limitedByAddress(board, connection, request, false)) return;
    resumeRegistration(board, connection, existing, request);
    return;
  }
  if (board.registry.size >= board.config.maxClients) {
    board.router.reply(connection, answer(request, 503, 'Server full'));
    log(board, 'warn', 'server-full', { remote: connection.remote });
    return;
  }
  if (limitedByAddress(board, connection, request, true)) return;
  if (board.claims === null) {
    addUser(board, connection, request, keys);
    return;
  }
  // In a cluster the name is first claimed across every node; the socket waits, hearing nothing else.
  connection.claiming = true;
  void board.claims.claim(name, keys).then((claim) => {
    // The switchboard clears `claiming` when the socket closes meanwhile: the name goes back.
    const stillWaiting = connection.claiming;
    connection.claiming = false;
    if (claim === 'claimed' && stillWaiting) addUser(board, connection, request, keys);
    else if (claim === 'claimed') board.claims?.release(keys);
    else if (claim === 'taken') refuse(board, connection, answer(request, 409, 'Name taken'));
    else board.router.reply(connection, answer(request, 503, 'Directory unavailable: try again'));
  });
}

/** In a cluster, a token this node does not hold may be one for a user of another node (lost, or left behind). */
function resumeFromAnotherNode(board: Board, connection: Connection, key: UserKey, request: RequestOf<'REGISTER'>, token: string): void {
  if (board.registry.size >= board.config.maxClients) {
    board.router.reply(connection, answer(request, 503, 'Server full'));
    return;
  }
  if (limitedByAddress(board, connection, request, true)) return;
  connection.claiming = true;
  void board.claims!.resume(key, token).then((resumption) => {
    const stillWaiting = connection.claiming;
    connection.claiming = false;
    if (resumption === 'taken') refuse(board, connection, answer(request, 409, 'Name taken'));
    else if (resumption === 'unavailable') board.router.reply(connection, answer(request, 503, 'Directory unavailable: try again'));
    else if (!stillWaiting) {
      // The socket closed meanwhile: the user is this node's now, in its grace period as any lost socket.
      board.router.attach(key, board.registry.get(key)?.name ?? key, connection);
      board.router.detach(key, connection);
    } else {
      const name = board.registry.get(key)?.name ?? key;
      board.config.addressLimits.nameTaken(key, connection.remote);
      board.router.attach(key, name, connection);
      registered(connection);
      welcome(board, connection, key, name, request, resumption.token, true, null);
      log(board, 'info', 'resume', { user: name, from: 'another node' });
    }
  });
}

function addUser(board: Board, connection: Connection, request: RequestOf<'REGISTER'>, keys: NameKeys): void {
  const { name, ownerKey } = request.body;
  const key = keys.caseless;
  const token = board.registry.add(name, keys);
  board.config.addressLimits.nameTaken(key, connection.remote);
  board.router.attach(key, name, connection);
  registered(connection);
  welcome(board, connection, key, name, request, token, false, ownerKey === undefined ? null : ownerHash(ownerKey));
  log(board, 'info', 'register', { user: name, remote: connection.remote });
}

/** The socket holds a name now: its registration deadline is off, and its transport is told. */
function registered(connection: Connection): void {
  if (connection.registerTimer) clearTimeout(connection.registerTimer);
  connection.registerTimer = null;
  connection.link.registered?.();
}

export const alreadyRegistered: Handler<'REGISTER'> = (board, connection, sender, request) => {
  const name = board.registry.get(sender)?.name;
  refuse(board, connection, answer(request, 400, `Already registered as ${name}`));
};

/** Ends `key`'s registration: its dialogs end for the other parties, and it goes offline. */
export function unregister(board: Board, key: UserKey, reason: LeaveReason): void {
  const user = board.registry.get(key);
  if (!user) return;
  for (const dialog of board.dialogs.of(key)) endForLostParty(board, dialog, key, reason);
  board.registry.remove(key, reason);
  board.router.drop(key);
  board.phoneBook.left(key);
  board.callGuard.forget(key);
  board.config.addressLimits.nameReleased(key);
  log(board, 'info', 'offline', { user: user.name, reason });
}

/** Refuses a REGISTER without the right passcode, or from an address held off for guessing; true when it did. */
function passcodeRefused(board: Board, connection: Connection, request: Request, passcode: string | undefined): boolean {
  const secret = board.config.passcode;
  if (secret === null) return false;
  const now = Date.now();
  const hold = board.passcodeGuard.holdFor(connection.remote, now);
  if (hold > 0) {
    const seconds = Math.ceil(hold / 1000);
    refuse(board, connection, answer(request, 401, `Too many wrong passcodes: try again in ${seconds} s`));
    return true;
  }
  if (sameSecret(passcode ?? '', secret)) return false;
  if (passcode !== undefined) board.passcodeGuard.failed(connection.remote, now);
  refuse(board, connection, answer(request, 401, passcode === undefined ? 'Passcode required' : 'Wrong passcode'));
  return true;
}

/** Refuses a REGISTER over its address's limits (names held, registrations a minute); true when it did. */
function limitedByAddress(board: Board, connection: Connection, request: Request, newName: boolean): boolean {
  const refusal = board.config.addressLimits.refuseRegistration(connection.remote, newName, Date.now());
  if (refusal === null) return false;
  board.router.reply(connection, answer(request, refusal.status, refusal.reason));
  log(board, 'warn', 'address-limit', { remote: connection.remote, status: refusal.status, reason: refusal.reason });
  return true;
}

function resumeRegistration(board: Board, connection: Connection, key: UserKey, request: Request): void {
  const name = board.registry.get(key)?.name ?? key;
  // A token resumes once: whoever held the old one (a lost socket, a log) is now shut out.
  const token = board.registry.renewResume(key);
  board.router.attach(key, name, connection);
  registered(connection);
  welcome(board, connection, key, name, request, token, true, null);
  const held = board.router.releaseHeld(key);
  log(board, 'info', 'resume', { user: name, held });
}

/** Answers 200 with the phone book, records the name (claimed by `owner`, if given) and sends what waits for it. */
function welcome(
  board: Board,
  connection: Connection,
  key: UserKey,
  name: string,
  request: Request,
  resume: string,
  resumed: boolean,
  owner: OwnerHash | null,
): void {
  const records = board.records;
  // Recorded first, so the phone book's size counts this user in the directory too.
  records?.directory.saw(key, name, Date.now(), owner);
  const searched = board.phoneBook.registered(key);
  const body: Omit<RegisteredBody, 'users'> = {
    name,
    resume,
    resumed,
    ...(searched ? { phoneBook: searched } : {}),
    iceServers: board.config.iceServers(name),
    groups: board.config.ringGroups.listing,
    ...(board.claims === null ? {} : { nodes: board.claims.otherNodes() }),
    ...(board.records ? { maxMessageBytes: board.records.storeLimits.maxMessageBytes } : {}),
  };
  // The book goes in as its entries' texts: serializing every entry for every registration cost most.
  const head = JSON.stringify(answer(request, 200, 'OK')).slice(0, -1);
  const users = listText(searched ? [] : phoneBookOf(board, key));
  board.router.replyJson(connection, `${head},"body":{"users":${users},${JSON.stringify(body).slice(1)}}`);
  if (records === null) return;
  records.mailbox.background('mail-on-register-failed', records.mailbox.registered(key));
}

/** Everyone `key` may call, as entry texts: the registered, and the directory's offline people. */
function phoneBookOf(board: Board, key: UserKey): string[] {
  const registered = board.registry.presenceTextsExcept(key);
  const offline = board.records?.directory.offlineTextsExcept(key, (other) => board.registry.get(other) !== undefined) ?? [];
  return offline.length === 0 ? registered : [...registered, ...offline];
}
