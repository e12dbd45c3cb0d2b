/**
 * The answers every handler gives: a status echoing what it answers, a refusal of bad input (too
 * much of which closes the socket), and the log lines that go with them.
 */
import { CloseCode, REASONS, type Request, type Response } from '../../common/protocol.js';
import type { LogFields } from '../log.js';
import type { UserKey } from '../name-key.js';
import type { Connection, ServerResponse } from '../router.js';
import type { Board } from './board.js';

/**
 * The response to `message`: its method, cseq and callId echoed, with `status`, `reason` and `body`.
 * Each shape is one object literal: built as `{ ...echo(request), status, reason }`, from an echo of
 * two shapes, each answer got a hidden class of its own from Node 20's V8, in the old generation,
 * which at thousands of answers a second filled it within seconds (BENCHMARKS.md, "Hidden classes
 * made per message").
 */
export function answer(message: Request | Response, status: number, reason: string, body?: Response['body']): ServerResponse {
  const { method, cseq, callId } = message;
  if (callId === undefined) return body === undefined ? { method, cseq, status, reason } : { method, cseq, status, reason, body };
  return body === undefined ? { method, cseq, callId, status, reason } : { method, cseq, callId, status, reason, body };
}

/** Answers `message` with `status` and its standard reason. */
export function reply(board: Board, connection: Connection, message: Request | Response, status: number): void {
  board.router.reply(connection, answer(message, status, REASONS[status] ?? ''));
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
