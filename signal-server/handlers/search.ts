/**
 * SEARCH: the people whose name has a word starting with the query (compared by their look-alike
 * keys, name-key.ts), registered ones first, then the directory's offline ones. The ones answered
 * become the phone's watch list, replacing its last (PROTOCOL.md, Phone book search).
 */
import type { UserPresence } from '../../common/protocol.js';
import { nameKeys, type UserKey } from '../name-key.js';
import type { Board, Handler } from './board.js';
import { answer } from './replies.js';

export const search: Handler<'SEARCH'> = (board, connection, sender, request) => {
  const refusal = board.phoneBook.searchRefusal(sender, Date.now());
  if (refusal !== null) {
    board.router.reply(connection, answer(request, 503, refusal));
    return;
  }
  const { maxResults } = board.config.phoneBook;
  const found = [...matching(board, sender, request.body.query, maxResults + 1)];
  const answered = found.slice(0, maxResults);
  // Changes made before this answer go out to the watchers of then: the phone hears only later ones.
  board.presence.flush();
  board.phoneBook.watch(sender, answered.map(([key]) => key));
  board.router.reply(connection, answer(request, 200, 'OK', { users: answered.map(([, presence]) => presence), more: found.length > maxResults }));
};

/** Up to `limit` people but `sender` with a word of their name starting with `query`; none for an empty query. */
function matching(board: Board, sender: UserKey, query: string, limit: number): Map<UserKey, UserPresence> {
  if (query === '') return new Map();
  const wanted = nameKeys(query).caseless;
  const matches = (key: UserKey): boolean => key !== sender && (key.startsWith(wanted) || key.includes(` ${wanted}`));
  const found = board.registry.presenceWhere(matches, limit);
  const directory = board.records?.directory;
  if (directory === undefined || found.size >= limit) return found;
  const offline = directory.offlineWhere((key) => matches(key) && board.registry.get(key) === undefined, limit - found.size);
  for (const [key, presence] of offline) found.set(key, presence);
  return found;
}
