/**
 * startSignalServer: the HTTP server, the WebSocket handshake and socket lifetimes around one
 * Switchboard. Each call owns its own state, so several servers can share a process.
 */
import { createServer as createHttpServer, type IncomingMessage, type RequestListener } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { resolve } from 'node:path';
import { WebSocketServer, type WebSocket } from 'ws';
import { CloseCode, MAX_FRAME_BYTES, SIGNAL_PATH, SUBPROTOCOL } from '../common/protocol.js';
import { randomBytes } from 'node:crypto';
import { AddressLimits } from './address-limits.js';
import type { ClusterConfig, ClusterNode } from './cluster/node.js';
import { fingerprintOf } from '../node-lib/certificate.js';
import { tuneHeapForServer } from './heap-tuning.js';
import { Heartbeat } from './heartbeat.js';
import { handleHttp, setSecurityHeaders } from './http.js';
import { Directory } from './directory.js';
import type { OpenedStore } from './host-records.js';
import { TurnCork } from './turn-cork.js';
import { PingRounds } from './ping-rounds.js';
import { MAX_CONVERSATION_PAGE, type HostStore } from './store/host-store.js';
import { openSqliteStore } from './store/sqlite-store.js';
import { handleVoicemail, isVoicemailPath } from './voicemail-http.js';
import type { Logger } from './log.js';
import { silentLogger } from './log.js';
import { DEFAULTS, type RunningSignalServer, type SignalServerOptions, type SipOptions } from './options.js';
import { OriginPolicy, normaliseOrigin } from './origins.js';
import { DEFAULT_PASSCODE_LIMITS } from './passcode-guard.js';
import { DEFAULT_FLOOD_LIMITS } from './rate-limit.js';
import { RingGroups } from './ring-groups.js';
import type { SipGatewayConfig } from './sip-gateway/gateway.js';
import { turnCredentials } from './turn.js';
import { Switchboard, type SwitchboardConfig } from './switchboard.js';

export type { RunningSignalServer, SignalServerOptions } from './options.js';

/** Every frame is text, including NOTIFYs broadcast from one shared Buffer. */
const TEXT_FRAME = { binary: false } as const;
/** The heartbeat pings a fifteenth of the sockets at a time (ping-rounds.ts). */
const PING_ROUNDS = 15;

export async function startSignalServer(options: SignalServerOptions = {}): Promise<RunningSignalServer> {
  tuneHeapForServer();
  const allowedOrigins = (options.allowedOrigins ?? []).map(checkedOrigin);
  // The gateway registers the users it hears of; a node would register other nodes' users too.
  if (options.sip && options.redis !== undefined) throw new Error('A SIP gateway cannot run on a cluster node yet: use --sip-proxy without --redis');
  const config = { ...switchboardConfig(options), store: await openStore(options) };
  const { logger, addressLimits } = config;
  // Loaded only when asked for, as the gateway below: a server on its own never reads the Redis client.
  const cluster = options.redis === undefined ? null : await connectCluster(options, config);
  const switchboard = new Switchboard(config, cluster);
  // Loaded only when asked for: a server without a gateway does not even read the SIP stack.
  const gateway = options.sip ? new (await import('./sip-gateway/gateway.js')).SipGateway(sipGatewayConfig(options.sip), switchboard, logger) : null;
  if (gateway) switchboard.connectOutside(gateway);
  const registerTimeoutMs = options.registerTimeoutMs ?? DEFAULTS.registerTimeoutMs;
  const maxBufferedBytes = options.maxBufferedBytes ?? DEFAULTS.maxBufferedBytes;
  const staticDir = options.staticDir ? resolve(options.staticDir) : null;

  const onRequest: RequestListener = (request, response) => {
    const records = switchboard.records;
    const voicemail = records !== null && isVoicemailPath(new URL(request.url ?? '/', 'http://localhost').pathname);
    if (voicemail) setSecurityHeaders(response);
    const handled = voicemail ? handleVoicemail(records, logger, request, response) : handleHttp({ staticDir, health: () => switchboard.health() }, request, response);
    handled.catch((error: unknown) => {
      logger.log('error', 'http-error', { message: error instanceof Error ? error.message : String(error) });
      if (!response.headersSent) response.writeHead(500);
      response.end();
    });
  };
  const tls = options.tls ?? null;
  const http = tls ? createHttpsServer({ cert: tls.cert, key: tls.key }, onRequest) : createHttpServer(onRequest);
  // Every TCP connection counts against its address from its first moment, and one that stays
  // silent is closed (ws clears the timeout on the sockets it upgrades): otherwise connections
  // that never send a request would hold the host's descriptors for good.
  http.timeout = options.idleConnectionMs ?? DEFAULTS.idleConnectionMs;
  http.on('connection', (socket: Socket) => {
    const remote = socket.remoteAddress ?? 'unknown';
    if (!addressLimits.acceptConnection(remote)) {
      socket.destroy();
      // debug: a flood of refused connections must not become a flood of log lines.
      logger.log('debug', 'connection-refused', { remote });
      return;
    }
    socket.once('close', () => addressLimits.connectionClosed(remote));
  });
  const sockets = new Map<WebSocket, SocketState>();
  const pingRounds = new PingRounds<WebSocket>(PING_ROUNDS);
  const wss = new WebSocketServer({
    noServer: true,
    maxPayload: MAX_FRAME_BYTES,
    clientTracking: false,
    perMessageDeflate: false,
    handleProtocols: (protocols) => (protocols.has(SUBPROTOCOL) ? SUBPROTOCOL : false),
  });

  function accept(ws: WebSocket, remote: string, cork: TurnCork): void {
    addressLimits.opened(remote);
    const state: SocketState = { heartbeat: new Heartbeat(), registered: false };
    const connection = switchboard.open(
      {
        send: (frame) => send(ws, remote, cork, frame),
        close: (code, reason) => ws.close(code, reason),
        registered: () => {
          if (state.registered) return;
          state.registered = true;
          addressLimits.registered(remote);
        },
      },
      remote,
      registerTimeoutMs,
    );
    sockets.set(ws, state);
    pingRounds.add(ws);
    ws.on('message', (data, isBinary) => {
      // Once closing has begun (we refused the socket, or the client said goodbye), the frames
      // still in the pipe behind it are not handled: a refused socket gets nothing more done.
      if (ws.readyState !== ws.OPEN) return;
      if (isBinary) {
        ws.close(CloseCode.unsupportedData, 'Text frames only');
        return;
      }
      switchboard.receive(connection, data.toString());
    });
    ws.on('pong', (payload) => state.heartbeat.pong(payload));
    // ws closes with 1009 itself when a frame is over maxPayload, then reports the error here.
    ws.on('error', (error) => logger.log('debug', 'socket-error', { remote, message: error.message }));
    ws.on('close', (code) => {
      sockets.delete(ws);
      pingRounds.delete(ws);
      addressLimits.closed(remote, state.registered);
      switchboard.closed(connection, code);
    });
  }

  /** Queues a frame; a socket whose queue has grown past the cap is not reading, and is closed. */
  function send(ws: WebSocket, remote: string, cork: TurnCork, frame: string | Buffer): void {
    if (ws.readyState !== ws.OPEN) return;
    cork.hold();
    ws.send(frame, TEXT_FRAME);
    if (ws.bufferedAmount > maxBufferedBytes) {
      logger.log('warn', 'too-slow', { remote, bufferedBytes: ws.bufferedAmount });
      ws.close(CloseCode.policyViolation, 'Too slow');
    }
  }

  const pingTimer = setInterval(() => {
    for (const ws of pingRounds.take()) {
      const payload = sockets.get(ws)?.heartbeat.beat();
      if (payload === null) ws.terminate();
      else if (payload !== undefined) ws.ping(payload);
    }
  }, (options.pingIntervalMs ?? DEFAULTS.pingIntervalMs) / pingRounds.rounds);
  pingTimer.unref();

  await new Promise<void>((done, fail) => {
    const failed = (error: Error): void => {
      switchboard.stop();
      void config.store?.store.close();
      fail(error);
    };
    http.once('error', failed);
    http.listen(options.port ?? DEFAULTS.port, options.host ?? DEFAULTS.host, () => {
      http.off('error', failed);
      done();
    });
  });
  const address = http.address() as AddressInfo;
  const host = address.address;
  const origins = new OriginPolicy({ host, port: address.port, tls: tls !== null, allowed: allowedOrigins });
  const urlHost = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : address.family === 'IPv6' ? `[${host}]` : host;
  const url = `${tls ? 'wss' : 'ws'}://${urlHost}:${address.port}${SIGNAL_PATH}`;
  await cluster?.join(options.publicUrl ?? url);

  // Listening only now, so the origin policy knows the port; no connection can come in between.
  http.on('upgrade', (request: IncomingMessage, socket: Duplex, head: Buffer) => {
    const remote = remoteOf(request);
    const refusal = handshakeProblem(request) ?? originProblem(request, origins) ?? addressProblem(remote, addressLimits);
    if (refusal) {
      socket.end(`HTTP/1.1 ${refusal.status}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
      logger.log('info', 'handshake-refused', { remote, why: refusal.status, detail: refusal.detail, origin: request.headers.origin?.slice(0, 200) });
      return;
    }
    wss.handleUpgrade(request, socket, head, (ws) => accept(ws, remote, new TurnCork(socket)));
  });

  const fingerprint = tls ? fingerprintOf(tls.cert) : null;
  logger.log('info', 'listening', { host, port: address.port, tls: tls !== null });
  gateway?.start();

  let closing: Promise<void> | null = null;
  return {
    url,
    fingerprint,
    host,
    port: address.port,
    forget: (name) => switchboard.forget(name),
    close() {
      closing ??= new Promise<void>((done) => {
        clearInterval(pingTimer);
        gateway?.stop();
        switchboard.stop();
        http.close(() => {
          // The store closes after the last HTTP answer, and after what it was asked has reached the disk.
          const store = config.store?.store;
          const closed = Promise.all([store?.close(), cluster?.close()]);
          closed.then(() => done(), (error: unknown) => {
            logger.log('error', 'close-failed', { error: String(error) });
            done();
          });
        });
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

/** What the transport keeps per socket, beside the switchboard's Connection. */
interface SocketState {
  readonly heartbeat: Heartbeat;
  /** Counted as registered with the address limits (it registered or resumed a name once). */
  registered: boolean;
}

interface HandshakeRefusal {
  status: '400 Bad Request' | '403 Forbidden' | '404 Not Found' | '429 Too Many Requests';
  detail?: string;
}

function handshakeProblem(request: IncomingMessage): HandshakeRefusal | null {
  const path = new URL(request.url ?? '/', 'http://localhost').pathname;
  if (path !== SIGNAL_PATH) return { status: '404 Not Found' };
  const offered = (request.headers['sec-websocket-protocol'] ?? '').split(',').map((p) => p.trim());
  if (!offered.includes(SUBPROTOCOL)) return { status: '400 Bad Request' };
  return null;
}

/** A page from another site, opening a socket from a visitor's browser. */
function originProblem(request: IncomingMessage, origins: OriginPolicy): HandshakeRefusal | null {
  return origins.allows(request.headers.origin) ? null : { status: '403 Forbidden', detail: 'Origin not allowed' };
}

function addressProblem(remote: string, limits: AddressLimits): HandshakeRefusal | null {
  const refusal = limits.refuseSocket(remote);
  return refusal === null ? null : { status: '429 Too Many Requests', detail: refusal };
}

function checkedOrigin(text: string): string {
  const origin = normaliseOrigin(text);
  if (origin === null) throw new Error(`allowedOrigins: "${text}" is not an origin like https://host:port`);
  return origin;
}

const remoteOf = (request: IncomingMessage): string => request.socket.remoteAddress ?? 'unknown';

/** Joins the cluster, or closes the store opened for it and fails. */
async function connectCluster(options: SignalServerOptions, config: SwitchboardConfig): Promise<ClusterNode> {
  try {
    return await (await import('./cluster/node.js')).ClusterNode.connect(clusterConfig(options, config));
  } catch (error) {
    await config.store?.store.close();
    throw error;
  }
}

function clusterConfig(options: SignalServerOptions, config: SwitchboardConfig): ClusterConfig {
  return {
    redisUrl: options.redis ?? '',
    node: options.nodeId ?? randomBytes(6).toString('hex'),
    graceMs: config.graceMs,
    heartbeatMs: options.clusterHeartbeatMs ?? DEFAULTS.clusterHeartbeatMs,
    nodeTtlMs: options.clusterNodeTtlMs ?? DEFAULTS.clusterNodeTtlMs,
    streamMaxLen: options.clusterStreamMaxLen ?? DEFAULTS.clusterStreamMaxLen,
    maxOutbox: options.clusterMaxOutbox ?? DEFAULTS.clusterMaxOutbox,
    maxRemoteDialogsPerUser: options.maxRemoteDialogsPerUser ?? DEFAULTS.maxRemoteDialogsPerUser,
    logger: config.logger,
  };
}

function sipGatewayConfig(sip: SipOptions): SipGatewayConfig {
  const defaults = DEFAULTS.sip;
  if (!/^wss?:\/\/[^\s/]+/.test(sip.proxy)) throw new Error(`sip.proxy: "${sip.proxy}" is not a ws:// or wss:// address`);
  if (!/^[A-Za-z0-9.-]+$/.test(sip.domain)) throw new Error(`sip.domain: "${sip.domain}" is not a domain`);
  return {
    proxy: sip.proxy,
    domain: sip.domain,
    authUser: sip.authUser ?? null,
    authPassword: sip.authPassword ?? null,
    registerSeconds: sip.registerSeconds ?? defaults.registerSeconds,
    gather: { gatherMs: sip.gatherMs ?? defaults.gatherMs, maxCandidates: sip.maxCandidates ?? defaults.maxCandidates },
    maxCalls: sip.maxCalls ?? defaults.maxCalls,
    reconnectMs: sip.reconnectMs ?? defaults.reconnectMs,
    maxReconnectMs: sip.maxReconnectMs ?? defaults.maxReconnectMs,
  };
}

/** The folder the store owns inside a data folder (the TLS identity and settings live beside it). */
export const storeDir = (dataDir: string): string => resolve(dataDir, 'host');

/**
 * Opens the store and reads its directory: the one `options.openStore` opens, if given; a cluster
 * node's is in its Redis (shared by every node), a single server's in `options.dataDir`; null for a
 * single server without a data folder.
 */
async function openStore(options: SignalServerOptions): Promise<OpenedStore | null> {
  const historyPageSize = options.historyPageSize ?? DEFAULTS.historyPageSize;
  // One more than a page is read, to tell whether there is more.
  if (!Number.isSafeInteger(historyPageSize) || historyPageSize < 1 || historyPageSize >= MAX_CONVERSATION_PAGE) {
    throw new Error(`historyPageSize must be a whole number from 1 to ${MAX_CONVERSATION_PAGE - 1}`);
  }
  const logger: Logger = options.logger ?? silentLogger;
  const storeLimits = { ...DEFAULTS.storeLimits, ...options.storeLimits };
  let store: HostStore;
  if (options.openStore !== undefined) {
    store = await options.openStore(storeLimits);
  } else if (options.redis !== undefined) {
    // Loaded only when asked for, as the cluster: a server on its own never reads the Redis client.
    store = await (await import('./store/redis-store.js')).openRedisStore({ url: options.redis, limits: storeLimits, logger });
  } else if (options.dataDir && options.storeOnThread) {
    // Loaded only when asked for, as the Redis store: the desktop app's host never runs it.
    const { openThreadedStore, STORE_BATCH_MS } = await import('./store/store-thread.js');
    store = await openThreadedStore({ dir: storeDir(options.dataDir), limits: storeLimits, logger, batchMs: STORE_BATCH_MS });
  } else if (options.dataDir) store = await openSqliteStore({ dir: storeDir(options.dataDir), limits: storeLimits, logger });
  else return null;
  try {
    const directory = await Directory.open(store, storeLimits.maxDirectoryUsers, logger);
    const ticketLimits = {
      uploadTicketMs: options.uploadTicketMs ?? DEFAULTS.uploadTicketMs,
      mailboxTicketMs: options.mailboxTicketMs ?? DEFAULTS.mailboxTicketMs,
      perMinute: options.voicemailsPerMinute ?? DEFAULTS.voicemailsPerMinute,
      burst: options.voicemailBurst ?? DEFAULTS.voicemailBurst,
    };
    return { store, directory, storeLimits, ticketLimits, historyPageSize };
  } catch (error) {
    await store.close();
    throw error;
  }
}

/** The switchboard's settings: each option, or the protocol's default. */
export function switchboardConfig(options: SignalServerOptions): SwitchboardConfig {
  const iceServers = options.iceServers ?? [];
  const turn = options.turn;
  return {
    passcode: options.passcode ?? null,
    iceServers: (name) => (turn ? [...iceServers, turnCredentials(turn, name)] : iceServers),
    maxClients: options.maxClients ?? DEFAULTS.maxClients,
    phoneBook: {
      limit: options.phoneBookLimit ?? DEFAULTS.phoneBookLimit,
      maxResults: options.maxSearchResults ?? DEFAULTS.maxSearchResults,
      searchesPerSecond: options.searchesPerSecond ?? DEFAULTS.searchesPerSecond,
    },
    graceMs: options.graceMs ?? DEFAULTS.graceMs,
    ringTimeoutMs: options.ringTimeoutMs ?? DEFAULTS.ringTimeoutMs,
    presenceFlushMs: options.presenceFlushMs ?? DEFAULTS.presenceFlushMs,
    maxHeldMessages: options.maxHeldMessages ?? DEFAULTS.maxHeldMessages,
    maxHeldBytes: options.maxHeldBytes ?? DEFAULTS.maxHeldBytes,
    lateMessageMs: options.lateMessageMs ?? DEFAULTS.lateMessageMs,
    maxEndedDialogs: options.maxEndedDialogs ?? DEFAULTS.maxEndedDialogs,
    phoneLimits: {
      maxCalls: options.maxCallsPerPhone ?? DEFAULTS.maxCallsPerPhone,
      maxRinging: options.maxRingingPerPhone ?? DEFAULTS.maxRingingPerPhone,
    },
    conferenceLimits: {
      video: options.maxConferenceVideo ?? DEFAULTS.maxConferenceVideo,
      voice: options.maxConferenceVoice ?? DEFAULTS.maxConferenceVoice,
    },
    ringGroups: new RingGroups(options.ringGroups),
    callLimits: {
      maxRinging: options.maxRingingPerCaller ?? DEFAULTS.maxRingingPerCaller,
      perMinute: options.callsPerMinute ?? DEFAULTS.callsPerMinute,
      burst: options.callBurst ?? DEFAULTS.callBurst,
    },
    floodLimits: { ...DEFAULT_FLOOD_LIMITS, ...options.floodLimits },
    passcodeLimits: { ...DEFAULT_PASSCODE_LIMITS, ...options.passcodeLimits },
    addressLimits: new AddressLimits({
      maxSockets: options.maxSocketsPerAddress ?? DEFAULTS.maxSocketsPerAddress,
      maxUnregistered: options.maxUnregisteredPerAddress ?? DEFAULTS.maxUnregisteredPerAddress,
      maxNames: options.maxNamesPerAddress ?? DEFAULTS.maxNamesPerAddress,
      registrationsPerMinute: options.registrationsPerMinute ?? DEFAULTS.registrationsPerMinute,
      registrationBurst: options.registrationBurst ?? DEFAULTS.registrationBurst,
    }),
    store: null,
    logger: options.logger ?? silentLogger,
  };
}
