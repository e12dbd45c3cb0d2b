/**
 * The floor for bench:messages: the frames of a text message through a bare `ws` relay that keeps
 * nothing and checks nothing. REGISTER gets 200; MESSAGE goes on to its recipient with an id, and
 * 200 back to its sender at once; a receipt report goes on to the messages' senders, one NOTIFY
 * each. The JSON is parsed and written as the server's is, and writes are batched per turn
 * (TurnCork), so that what the server costs beyond this is its own work: checks, routing and the store.
 */
import { createServer } from 'node:http';
import { WebSocketServer, type WebSocket } from 'ws';
import { SIGNAL_PATH, SUBPROTOCOL } from '../common/protocol.js';
import { TurnCork } from '../signal-server/turn-cork.js';
import { listen, type RunningRelay } from './bare-relay.js';

interface Frame {
  method: string;
  cseq: number;
  to?: string;
  body: { name?: string; text?: string; state?: string; ids?: string[] };
}

export async function startBareMailRelay(host: string): Promise<RunningRelay> {
  const http = createServer((_req, res) => res.writeHead(404).end());
  const byName = new Map<string, WebSocket>();
  const corks = new WeakMap<WebSocket, TurnCork>();
  /** Each message's sender until its receipt, so that this relay's memory stays flat. */
  const senders = new Map<string, string>();
  let nextId = 0;
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
          send(ws, { method: 'REGISTER', cseq: frame.cseq, status: 200, reason: 'OK' });
          return;
        case 'MESSAGE': {
          nextId += 1;
          const id = String(nextId);
          const sentAt = Date.now();
          senders.set(id, name);
          send(byName.get(frame.to ?? ''), { method: 'MESSAGE', cseq: (cseq += 1), from: name, to: frame.to, body: { id, text: frame.body.text, sentAt } });
          send(ws, { method: 'MESSAGE', cseq: frame.cseq, status: 200, reason: 'OK', body: { id, sentAt } });
          return;
        }
        case 'NOTIFY': {
          // One receipt a sender for the report's messages, as the server groups them.
          const bySender = new Map<string, string[]>();
          for (const id of frame.body.ids ?? []) {
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
  return listen(http, wss, host);
}
