/** PUBLISH: a user sets the state it shows (online or dnd; busy while it says it is in a call). NOTIFY is the server's to send, never a client's. */
import type { Handler } from './board.js';
import { answer, refuse, reply } from './replies.js';

export const publish: Handler<'PUBLISH'> = (board, connection, sender, request) => {
  board.registry.publish(sender, request.body.state, request.body.inCall === true);
  reply(board, connection, request, 200);
};

export const notifyFromClient: Handler<'NOTIFY'> = (board, connection, _sender, request) => {
  refuse(board, connection, answer(request, 501, 'NOTIFY is sent only by the server'));
};
