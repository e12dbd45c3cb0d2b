/**
 * The answers every handler gives: a status echoing what it answers, a refusal of bad input (too
 * much of which closes the socket), and the log lines that go with them.
 */
import { CloseCode, REASONS, type Request, type Response } from '../../common/protocol.js';
import type { LogFields } from '../log.js';
import type { UserKey } from '../name-key.js';
import type { Connection, ServerResponse } from '../router.js';
import type { Board } from './board.js';

/** The fields a response echoes from what it answers. */
export function echo(message: Request | Response): Pick<Response, 'method' | 'cseq' | 'callId'> {
  return message.callId === undefined
    ? { method: message.method, cseq: message.cseq }
    : { method: message.method, cseq: message.cseq, callId: message.callId };
}

/** Answers `message` with `status` and its standard reason. */
export function reply(board: Board, connection: Connection, message: Request | Response, status: number): void {
  board.router.reply(connection, { ...echo(message), status, reason: REASONS[status] ?? '' });
}

/** Answers bad input; too much of it closes the socket with 1008. */
export function refuse(board: Board, connection: Connection, response: ServerResponse): void {
  board.router.reply(connection, response);
  log(board, 'info', 'rejected', { remote: connection.remote, user: nameOf(board, connection.user), status: response.status, reason: response.reason });
  if (!connection.flood.admitBad(Date.now())) {
    log(board, 'warn', 'too-many-bad-messages', { remote: connection.remote });
    connection.link.close(CloseCode.policyViolation, 'Too many bad messages');
  }
}

/** A user's name for the log. */
export const nameOf = (board: Board, key: UserKey | null): string | undefined => (key === null ? undefined : board.registry.get(key)?.name);

export function log(board: Board, level: 'error' | 'warn' | 'info' | 'debug', event: string, fields: LogFields): void {
  board.config.logger.log(level, event, fields);
}
