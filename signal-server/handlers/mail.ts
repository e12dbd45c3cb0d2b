/**
 * MESSAGE (a text for a user in the directory), the recipient's receipt reports (NOTIFY event
 * `receipt`) and VOICEMAIL (a ticket to upload a recording, or to play one's own): the switchboard's
 * side of what mailbox.ts and voicemail-tickets.ts keep. Without a data folder each gets 501.
 */
import { nameKeys, type UserKey } from '../name-key.js';
import type { Board, Handler } from './board.js';
import { echo, log, refuse, reply } from './replies.js';

/**
 * The key of `name` in the directory, or of a user registered now: on a cluster a user who just
 * registered on another node is in the registry before its node's word reaches this directory.
 * The store has the last word (an unknown recipient gets 404 from it too).
 */
function recipientOf(board: Board, name: string): UserKey | undefined {
  const keys = nameKeys(name);
  return board.records?.directory.find(keys) ?? board.registry.find(keys);
}

export const message: Handler<'MESSAGE'> = (board, connection, sender, request) => {
  const records = board.records;
  if (records === null) {
    refuse(board, connection, { ...echo(request), status: 501, reason: 'This host keeps no messages' });
    return;
  }
  const to = recipientOf(board, request.to);
  if (to === undefined) {
    reply(board, connection, request, 404);
    return;
  }
  if (to === sender) {
    refuse(board, connection, { ...echo(request), status: 400, reason: 'to: message someone else' });
    return;
  }
  records.mailbox.background(
    'message-failed',
    records.mailbox.send(sender, to, request.body.text).then(
      (outcome) => {
        if (outcome.kind === 'sent') {
          board.router.reply(connection, { ...echo(request), status: 200, reason: 'OK', body: { id: outcome.id, sentAt: outcome.sentAt } });
        } else if (outcome.bad) {
          refuse(board, connection, { ...echo(request), status: outcome.status, reason: outcome.reason });
        } else {
          board.router.reply(connection, { ...echo(request), status: outcome.status, reason: outcome.reason });
        }
      },
      (error: unknown) => {
        reply(board, connection, request, 500);
        throw error;
      },
    ),
  );
};

/** A recipient's phone reports messages delivered or read; ids that are not its own change nothing. */
export const receiptReport: Handler<'NOTIFY'> = (board, connection, sender, request) => {
  const body = request.body;
  if (body.event !== 'receipt') return;
  if (board.records === null) {
    refuse(board, connection, { ...echo(request), status: 501, reason: 'This host keeps no messages' });
    return;
  }
  board.records.mailbox.background('receipt-failed', board.records.mailbox.report(sender, body.state, body.ids));
};

export const voicemail: Handler<'VOICEMAIL'> = (board, connection, sender, request) => {
  const records = board.records;
  if (records === null) {
    refuse(board, connection, { ...echo(request), status: 501, reason: 'This host keeps no voicemail' });
    return;
  }
  const now = Date.now();
  if (request.body.ticket === 'mailbox') {
    board.router.reply(connection, { ...echo(request), status: 200, reason: 'OK', body: records.tickets.issueMailbox(sender, now) });
    return;
  }
  const to = request.to === undefined ? undefined : recipientOf(board, request.to);
  if (to === undefined) {
    reply(board, connection, request, 404);
    return;
  }
  if (to === sender) {
    refuse(board, connection, { ...echo(request), status: 400, reason: 'to: leave a message for someone else' });
    return;
  }
  const issued = records.tickets.issueUpload(sender, to, now);
  if (issued.kind === 'rationed') {
    const seconds = Math.ceil(issued.retryMs / 1000);
    refuse(board, connection, { ...echo(request), status: 503, reason: `Too many voicemails: try again in ${seconds} s` });
    return;
  }
  const { maxVoicemailBytes: maxBytes, maxVoicemailMs: maxMs } = records.storeLimits;
  board.router.reply(connection, {
    ...echo(request),
    status: 200,
    reason: 'OK',
    body: { ticket: issued.ticket, expiresAt: issued.expiresAt, maxBytes, maxMs },
  });
  log(board, 'info', 'voicemail-ticket', { from: board.registry.get(sender)?.name, to: records.directory.nameOf(to) });
};
