/**
 * The floor for bench:messages: the frames of a text message through a bare `ws` relay that keeps
 * nothing and checks nothing. REGISTER gets 200; MESSAGE goes on to its recipient with an id, and
 * 200 back to its sender at once; a receipt report goes on to the messages' senders, one NOTIFY
 * each. The JSON is parsed and written as the server's is, and writes are batched per turn
 * (TurnCork), so that what the server costs beyond this is its own work: checks, routing and the store.
 *
 * With `keep`, it is the stored floor: it also keeps every user, message and receipt in the
 * host's real store, run on a thread of its own (store-thread.ts), and answers "sent" only once the
 * message is on disk, as the server does. That is the least a host that keeps messages can cost
 * its event loop here, whatever it checks.
 */
import { createServer } from 'node:http';
import { WebSocketServer, type WebSocket } from 'ws';
import { SIGNAL_PATH, SUBPROTOCOL } from '../common/protocol.js';
import { TurnCork } from '../signal-server/turn-cork.js';
import { newRecordId } from '../signal-server/store/record-id.js';
import { listen, type RunningRelay } from './bare-relay.js';
import { StoreThread } from './store-thread.js';

interface Frame {
  method: string;
  cseq: number;
  to?: string;
  body: { name?: string; text?: string; state?: string; ids?: string[] };
}

/** Where the stored floor keeps its store, and how often its calls go to the store's thread (0: each turn). */
export interface RelayStore {
  dir: string;
  batchMs: number;
}

export async function startBareMailRelay(host: string, keep?: RelayStore): Promise<RunningRelay> {
  const store = keep === undefined ? null : new StoreThread(keep.dir, keep.batchMs);
  const http = createServer((_req, res) => res.writeHead(404).end());
  const byName = new Map<string, WebSocket>();
  const corks = new WeakMap<WebSocket, TurnCork>();
  /** Each message's sender until its receipt, so that this relay's memory stays flat. */
  const senders = new Map<string, string>();
  let cseq = 0;
  const send = (ws: WebSocket | undefined, frame: object): void => {
    if (!ws) return;
    corks.get(ws)?.hold();
    ws.send(JSON.stringify(frame));
  };
  const wss = new WebSocketServer({
    server: http,
    path: SIGNAL_PATH,
    handleProtocols: (offered) => (offered.has(SUBPROTOCOL) ? SUBPROTOCOL : false),
  });
  wss.on('connection', (ws, req) => {
    corks.set(ws, new TurnCork(req.socket));
    let name = '';
    ws.on('message', (data) => {
      const frame = JSON.parse(data.toString()) as Frame;
      switch (frame.method) {
        case 'REGISTER':
          name = frame.body.name ?? '';
          byName.set(name, ws);
          store?.user(name);
          send(ws, { method: 'REGISTER', cseq: frame.cseq, status: 200, reason: 'OK' });
          return;
        case 'MESSAGE': {
          const id = newRecordId();
          const sentAt = Date.now();
          const to = frame.to ?? '';
          const text = frame.body.text ?? '';
          senders.set(id, name);
          send(byName.get(to), { method: 'MESSAGE', cseq: (cseq += 1), from: name, to, body: { id, text, sentAt } });
          const sent = (): void => send(ws, { method: 'MESSAGE', cseq: frame.cseq, status: 200, reason: 'OK', body: { id, sentAt } });
          if (store) store.message({ id, from: name, to, text }, sent);
          else sent();
          return;
        }
        case 'NOTIFY': {
          // One receipt a sender for the report's messages, as the server groups them.
          const bySender = new Map<string, string[]>();
          const reported = frame.body.ids ?? [];
          // bench:messages reports deliveries only.
          if (frame.body.state === 'delivered') store?.delivered(name, reported);
          for (const id of reported) {
            const sender = senders.get(id);
            senders.delete(id);
            if (sender === undefined) continue;
            const ids = bySender.get(sender);
            if (ids) ids.push(id);
            else bySender.set(sender, [id]);
          }
          const at = Date.now();
          for (const [sender, ids] of bySender) send(byName.get(sender), { method: 'NOTIFY', cseq: (cseq += 1), from: name, body: { event: 'receipt', state: frame.body.state, ids, at } });
          return;
        }
      }
    });
    ws.on('close', () => {
      if (byName.get(name) === ws) byName.delete(name);
    });
  });
  const running = await listen(http, wss, host);
  if (!store) return running;
  return {
    url: running.url,
    close: async () => {
      await running.close();
      await store.close();
    },
  };
}
