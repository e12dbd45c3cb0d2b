/**
 * startSignalServer: the HTTP server, the WebSocket handshake and socket lifetimes around one
 * Switchboard. Each call owns its own state, so several servers can share a process.
 */
import { createServer as createHttpServer, type IncomingMessage, type RequestListener } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { resolve } from 'node:path';
import { WebSocketServer, type WebSocket } from 'ws';
import { CloseCode, MAX_FRAME_BYTES, SIGNAL_PATH, SUBPROTOCOL } from '../common/protocol.js';
import { fingerprintOf } from './certificate.js';
import { handleHttp } from './http.js';
import { silentLogger } from './log.js';
import { DEFAULTS, type RunningSignalServer, type SignalServerOptions } from './options.js';
import { DEFAULT_PASSCODE_LIMITS } from './passcode-guard.js';
import { DEFAULT_FLOOD_LIMITS } from './rate-limit.js';
import { turnCredentials } from './turn.js';
import { Switchboard, type Connection } from './switchboard.js';

export type { RunningSignalServer, SignalServerOptions } from './options.js';

/** Every frame is text, including NOTIFYs broadcast from one shared Buffer. */
const TEXT_FRAME = { binary: false } as const;

export async function startSignalServer(options: SignalServerOptions = {}): Promise<RunningSignalServer> {
  const logger = options.logger ?? silentLogger;
  const iceServers = options.iceServers ?? [];
  const turn = options.turn;
  const switchboard = new Switchboard({
    passcode: options.passcode ?? null,
    iceServers: (name) => (turn ? [...iceServers, turnCredentials(turn, name)] : iceServers),
    maxClients: options.maxClients ?? DEFAULTS.maxClients,
    graceMs: options.graceMs ?? DEFAULTS.graceMs,
    ringTimeoutMs: options.ringTimeoutMs ?? DEFAULTS.ringTimeoutMs,
    presenceFlushMs: options.presenceFlushMs ?? DEFAULTS.presenceFlushMs,
    maxHeldMessages: options.maxHeldMessages ?? DEFAULTS.maxHeldMessages,
    floodLimits: { ...DEFAULT_FLOOD_LIMITS, ...options.floodLimits },
    passcodeLimits: { ...DEFAULT_PASSCODE_LIMITS, ...options.passcodeLimits },
    logger,
  });
  const registerTimeoutMs = options.registerTimeoutMs ?? DEFAULTS.registerTimeoutMs;
  const staticDir = options.staticDir ? resolve(options.staticDir) : null;

  const onRequest: RequestListener = (request, response) => {
    handleHttp({ staticDir, health: () => switchboard.health() }, request, response).catch((error: unknown) => {
      logger.log('error', 'http-error', { message: error instanceof Error ? error.message : String(error) });
      if (!response.headersSent) response.writeHead(500);
      response.end();
    });
  };
  const tls = options.tls ?? null;
  const http = tls ? createHttpsServer({ cert: tls.cert, key: tls.key }, onRequest) : createHttpServer(onRequest);
  const sockets = new Map<WebSocket, Connection>();
  const wss = new WebSocketServer({
    noServer: true,
    maxPayload: MAX_FRAME_BYTES,
    clientTracking: false,
    perMessageDeflate: false,
    handleProtocols: (protocols) => (protocols.has(SUBPROTOCOL) ? SUBPROTOCOL : false),
  });

  http.on('upgrade', (request: IncomingMessage, socket: Duplex, head: Buffer) => {
    const refusal = handshakeProblem(request);
    if (refusal) {
      socket.end(`HTTP/1.1 ${refusal}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
      logger.log('info', 'handshake-refused', { remote: remoteOf(request), why: refusal });
      return;
    }
    wss.handleUpgrade(request, socket, head, (ws) => accept(ws, remoteOf(request)));
  });

  function accept(ws: WebSocket, remote: string): void {
    const connection = switchboard.open(
      { send: (frame) => ws.send(frame, TEXT_FRAME), close: (code, reason) => ws.close(code, reason) },
      remote,
      registerTimeoutMs,
    );
    sockets.set(ws, connection);
    ws.on('message', (data, isBinary) => {
      // Once closing has begun (we refused the socket, or the client said goodbye), the frames
      // still in the pipe behind it are not handled: a refused socket gets nothing more done.
      if (ws.readyState !== ws.OPEN) return;
      if (isBinary) ws.close(CloseCode.unsupportedData, 'Text frames only');
      else switchboard.receive(connection, data.toString());
    });
    ws.on('pong', () => {
      connection.missedPongs = 0;
    });
    // ws closes with 1009 itself when a frame is over maxPayload, then reports the error here.
    ws.on('error', (error) => logger.log('debug', 'socket-error', { remote, message: error.message }));
    ws.on('close', (code) => {
      sockets.delete(ws);
      switchboard.closed(connection, code);
    });
  }

  const pingTimer = setInterval(() => {
    for (const [ws, connection] of sockets) {
      if (connection.missedPongs >= 2) {
        ws.terminate();
        continue;
      }
      connection.missedPongs += 1;
      ws.ping();
    }
  }, options.pingIntervalMs ?? DEFAULTS.pingIntervalMs);
  pingTimer.unref();

  await new Promise<void>((done, fail) => {
    http.once('error', fail);
    http.listen(options.port ?? DEFAULTS.port, options.host ?? DEFAULTS.host, () => {
      http.off('error', fail);
      done();
    });
  });
  const address = http.address() as AddressInfo;
  const host = address.address;
  const urlHost = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : address.family === 'IPv6' ? `[${host}]` : host;
  const fingerprint = tls ? fingerprintOf(tls.cert) : null;
  logger.log('info', 'listening', { host, port: address.port, tls: tls !== null });

  let closing: Promise<void> | null = null;
  return {
    url: `${tls ? 'wss' : 'ws'}://${urlHost}:${address.port}${SIGNAL_PATH}`,
    fingerprint,
    host,
    port: address.port,
    close() {
      closing ??= new Promise<void>((done) => {
        clearInterval(pingTimer);
        switchboard.stop();
        http.close(() => done());
        for (const ws of sockets.keys()) ws.close(CloseCode.goingAway, 'Server shutting down');
        http.closeIdleConnections();
        const force = setTimeout(() => {
          for (const ws of sockets.keys()) ws.terminate();
          http.closeAllConnections();
        }, 2_000);
        force.unref();
        logger.log('info', 'closed', { port: address.port });
      });
      return closing;
    },
  };
}

function handshakeProblem(request: IncomingMessage): string | null {
  const path = new URL(request.url ?? '/', 'http://localhost').pathname;
  if (path !== SIGNAL_PATH) return '404 Not Found';
  const offered = (request.headers['sec-websocket-protocol'] ?? '').split(',').map((p) => p.trim());
  if (!offered.includes(SUBPROTOCOL)) return '400 Bad Request';
  return null;
}

const remoteOf = (request: IncomingMessage): string => request.socket.remoteAddress ?? 'unknown';
