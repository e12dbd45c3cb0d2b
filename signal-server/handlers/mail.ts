/**
 * MESSAGE (a text for a user in the directory), the recipient's receipt reports (NOTIFY event
 * `receipt`), HISTORY (a page of one's own conversation) and VOICEMAIL (a ticket to upload a
 * recording, or to play one's own): the switchboard's side of what mailbox.ts and
 * voicemail-tickets.ts keep. Without a data folder each gets 501.
 */
import { MAX_HISTORY_LIMIT } from '../../common/protocol.js';
import type { HostRecords } from '../host-records.js';
import { nameKeys, type UserKey } from '../name-key.js';
import type { Board, Handler, RequestOf } from './board.js';
import type { Connection } from '../router.js';
import { answer, log, refuse, reply } from './replies.js';

/**
 * The key of `name` in the directory, or of a user registered now: on a cluster a user who just
 * registered on another node is in the registry before its node's word reaches this directory.
 * The store has the last word (an unknown recipient gets 404 from it too).
 */
function recipientOf(board: Board, name: string): UserKey | undefined {
  const keys = nameKeys(name);
  return board.records?.directory.find(keys) ?? board.registry.find(keys);
}

/**
 * The host's records and the user named in `request.to`, someone other than the sender; null
 * when it answered instead (501 without records, 404, or 400 with `toSelf`).
 */
function recordsAndPeer(
  board: Board,
  connection: Connection,
  sender: UserKey,
  request: RequestOf<'MESSAGE' | 'HISTORY' | 'VOICEMAIL'>,
  keeps: string,
  toSelf: string,
): { records: HostRecords; peer: UserKey } | null {
  const records = board.records;
  if (records === null) {
    refuse(board, connection, answer(request, 501, `This host keeps no ${keeps}`));
    return null;
  }
  const peer = request.to === undefined ? undefined : recipientOf(board, request.to);
  if (peer === undefined) {
    reply(board, connection, request, 404);
    return null;
  }
  if (peer === sender) {
    refuse(board, connection, answer(request, 400, `to: ${toSelf}`));
    return null;
  }
  return { records, peer };
}

export const message: Handler<'MESSAGE'> = (board, connection, sender, request) => {
  const found = recordsAndPeer(board, connection, sender, request, 'messages', 'message someone else');
  if (found === null) return;
  const { records, peer: to } = found;
  records.mailbox.background(
    'message-failed',
    records.mailbox.send(sender, to, request.body.text).then(
      (outcome) => {
        if (outcome.kind === 'sent') {
          board.router.reply(connection, answer(request, 200, 'OK', { id: outcome.id, sentAt: outcome.sentAt }));
        } else if (outcome.bad) {
          refuse(board, connection, answer(request, outcome.status, outcome.reason));
        } else {
          board.router.reply(connection, answer(request, outcome.status, outcome.reason));
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
    refuse(board, connection, answer(request, 501, 'This host keeps no messages'));
    return;
  }
  board.records.mailbox.background('receipt-failed', board.records.mailbox.report(sender, body.state, body.ids));
};

/** HISTORY: a page of the sender's own conversation with `to`; nobody else's messages, whatever `before` names. */
export const history: Handler<'HISTORY'> = (board, connection, sender, request) => {
  const found = recordsAndPeer(board, connection, sender, request, 'messages', 'ask about someone else');
  if (found === null) return;
  const { records, peer } = found;
  const { limit = MAX_HISTORY_LIMIT, before } = request.body;
  records.mailbox.background(
    'history-failed',
    records.mailbox.history(sender, peer, limit, before).then(
      (body) => board.router.reply(connection, answer(request, 200, 'OK', body)),
      (error: unknown) => {
        reply(board, connection, request, 500);
        throw error;
      },
    ),
  );
};

export const voicemail: Handler<'VOICEMAIL'> = (board, connection, sender, request) => {
  const now = Date.now();
  if (request.body.ticket === 'mailbox' && board.records !== null) {
    board.router.reply(connection, answer(request, 200, 'OK', board.records.tickets.issueMailbox(sender, now)));
    return;
  }
  const found = recordsAndPeer(board, connection, sender, request, 'voicemail', 'leave a message for someone else');
  if (found === null) return;
  const { records, peer: to } = found;
  const issued = records.tickets.issueUpload(sender, to, now);
  if (issued.kind === 'rationed') {
    const seconds = Math.ceil(issued.retryMs / 1000);
    refuse(board, connection, answer(request, 503, `Too many voicemails: try again in ${seconds} s`));
    return;
  }
  const { maxVoicemailBytes: maxBytes, maxVoicemailMs: maxMs } = records.storeLimits;
  board.router.reply(connection, answer(request, 200, 'OK', { ticket: issued.ticket, expiresAt: issued.expiresAt, maxBytes, maxMs }));
  log(board, 'info', 'voicemail-ticket', { from: board.registry.get(sender)?.name, to: records.directory.nameOf(to) });
};
