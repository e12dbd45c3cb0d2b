/**
 * The handler for each request method from a registered user (a closed record: a method without
 * one is a type error), and the one for responses.
 */
import type { Method, Request } from '../../common/protocol.js';
import type { UserKey } from '../name-key.js';
import type { Connection } from '../router.js';
import type { Board, Handler } from './board.js';
import { relayInDialog } from './in-dialog.js';
import { invite } from './invite.js';
import { history, message, receiptReport, voicemail } from './mail.js';
import { publish } from './publish.js';
import { notify, refer } from './refer.js';
import { alreadyRegistered } from './register.js';
import { search } from './search.js';

export { register, unregister } from './register.js';
export { relayResponse } from './response.js';

const HANDLERS: { readonly [M in Method]: Handler<M> } = {
  REGISTER: alreadyRegistered,
  PUBLISH: publish,
  NOTIFY: (board, connection, sender, request) =>
    (request.body.event === 'receipt' ? receiptReport : notify)(board, connection, sender, request),
  INVITE: invite,
  ACK: relayInDialog,
  CANCEL: relayInDialog,
  BYE: relayInDialog,
  INFO: relayInDialog,
  REFER: refer,
  MESSAGE: message,
  VOICEMAIL: voicemail,
  HISTORY: history,
  SEARCH: search,
};

export function handleRequest(board: Board, connection: Connection, sender: UserKey, request: Request): void {
  // Each handler takes its own method's request; the record's type pairs them, which a lookup by a
  // union-typed method cannot show the compiler.
  const handler = HANDLERS[request.method] as (board: Board, connection: Connection, sender: UserKey, request: Request) => void;
  handler(board, connection, sender, request);
}
