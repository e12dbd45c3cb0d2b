/**
 * The reference: a bare `ws` relay with no protocol and no validation. A client names itself and
 * its peer in the URL (?id=a&peer=b); every text frame it sends is forwarded as is to that peer,
 * or echoed back when the peer is not connected (so a lone "REGISTER" gets one frame in return).
 * Its writes are batched per turn as the server's are (TurnCork), so the two compare like for like.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';
import { SIGNAL_PATH, SUBPROTOCOL } from '../common/protocol.js';
import { TurnCork } from '../signal-server/turn-cork.js';

export interface RunningRelay {
  url: string;
  close(): Promise<void>;
}

export async function startBareRelay(host: string): Promise<RunningRelay> {
  const http = createServer((_req, res) => res.writeHead(404).end());
  const sockets = new Map<string, WebSocket>();
  const corks = new WeakMap<WebSocket, TurnCork>();
  const wss = new WebSocketServer({
    server: http,
    path: SIGNAL_PATH,
    handleProtocols: (offered) => (offered.has(SUBPROTOCOL) ? SUBPROTOCOL : false),
  });
  wss.on('connection', (ws, req) => {
    const query = new URL(req.url ?? '/', 'http://relay').searchParams;
    const id = query.get('id') ?? '';
    const peerId = query.get('peer') ?? '';
    sockets.set(id, ws);
    corks.set(ws, new TurnCork(req.socket));
    ws.on('message', (data, isBinary) => {
      const target = sockets.get(peerId) ?? ws;
      corks.get(target)?.hold();
      target.send(data, { binary: isBinary });
    });
    ws.on('close', () => {
      if (sockets.get(id) === ws) sockets.delete(id);
    });
  });
  return listen(http, wss, host);
}

/** Listens on a free port of `host`; closing ends every socket first. */
export async function listen(http: Server, wss: WebSocketServer, host: string): Promise<RunningRelay> {
  await new Promise<void>((resolve, reject) => {
    http.once('error', reject);
    http.listen(0, host, resolve);
  });
  const { port } = http.address() as AddressInfo;
  return {
    url: `ws://${host}:${port}${SIGNAL_PATH}`,
    close: () =>
      new Promise<void>((resolve) => {
        for (const client of wss.clients) client.terminate();
        wss.close();
        http.close(() => resolve());
      }),
  };
}
