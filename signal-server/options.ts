/**
 * What an embedder (the CLI, the desktop app's "Host a LAN") passes to startSignalServer, and the
 * defaults the protocol sets. Every timer is here so tests can shorten them.
 */
import { CONFERENCE_LIMITS, type IceServer } from '../common/protocol.js';
import type { RingGroupDefinition } from '../common/ring-groups.js';
import type { Logger } from './log.js';
import type { PasscodeGuardLimits } from './passcode-guard.js';
import type { FloodLimits } from './rate-limit.js';
import type { Forgotten, HostStore, StoreLimits } from './store/host-store.js';
import type { TurnOptions } from './turn.js';

export interface SignalServerOptions {
  /** TCP port; 0 picks a free one. Default 8080. */
  port?: number;
  /** Interface to listen on. Default 0.0.0.0 (the whole LAN). */
  host?: string;
  /** When set, REGISTER must carry it. */
  passcode?: string;
  /** Handed to every client at registration, in RTCIceServer form. */
  iceServers?: IceServer[];
  /** A TURN relay sharing a secret with the server: each client gets its own short-lived credentials. */
  turn?: TurnOptions;
  /** Registered users (including those in their grace period) the server accepts. Default 10,000. */
  maxClients?: number;
  /**
   * People in the phone book (registered users and the directory's offline ones) up to which every
   * phone gets the whole list and every presence change; past it phones SEARCH it. Default 1,000.
   */
  phoneBookLimit?: number;
  /** People one SEARCH answers with, and so the longest watch list. Default 50. */
  maxSearchResults?: number;
  /** SEARCHes one phone may make a second, sustained, with a burst of twice as many; more get 503. Default 5. */
  searchesPerSecond?: number;
  /** How long a lost socket keeps its registration. Default 20,000 ms. */
  graceMs?: number;
  /** How long an INVITE may wait for a final answer. Default 60,000 ms. */
  ringTimeoutMs?: number;
  /** Ping interval; two missed pongs mean the socket is lost. Default 15,000 ms. */
  pingIntervalMs?: number;
  /** Presence changes are gathered for this long into one NOTIFY. Default 50 ms. */
  presenceFlushMs?: number;
  /** In-dialog messages held for a party in its grace period. Default 64. */
  maxHeldMessages?: number;
  /** Bytes of in-dialog messages held for a party in its grace period; the oldest go first. Default 256 KiB. */
  maxHeldBytes?: number;
  /** For this long after a dialog ends, late messages from its parties are dropped, not answered 481. Default 32,000 ms. */
  lateMessageMs?: number;
  /** Ended dialogs remembered for that; beyond it the oldest are forgotten early. Default 10,000. */
  maxEndedDialogs?: number;
  /** Answered calls (active or on hold) one phone may hold: a new call to a phone holding them gets 486, from it 503. Default 2. */
  maxCallsPerPhone?: number;
  /** Incoming calls that may ring at one phone at once (call waiting); more get 486. Default 1. */
  maxRingingPerPhone?: number;
  /** People (this phone included) in a conference where anyone sends video; one more gets 503. Default 4. */
  maxConferenceVideo?: number;
  /** People in a conference with voice only; one more gets 503. Default 6. */
  maxConferenceVoice?: number;
  /** Names that ring several users: an INVITE to one rings every member online and free. Default none. */
  ringGroups?: RingGroupDefinition[];
  /** Calls one user may have ringing (unanswered) at once; more get 503. Default 3. */
  maxRingingPerCaller?: number;
  /** New calls one user may start a minute, sustained; more get 503. Default 10. */
  callsPerMinute?: number;
  /** New calls one user may start at once before callsPerMinute applies. Default 5. */
  callBurst?: number;
  /** A socket must REGISTER within this time. Default 10,000 ms. */
  registerTimeoutMs?: number;
  /** Serve https and wss with this certificate and key (PEM). */
  tls?: { cert: string; key: string };
  /** Folder with the browser phone's build, served at `/`; null serves none. */
  staticDir?: string | null;
  /** Per-socket flood limits; the protocol's are the default. */
  floodLimits?: Partial<FloodLimits>;
  /** How hard repeated wrong passcodes from one address are held off. */
  passcodeLimits?: Partial<PasscodeGuardLimits>;
  /**
   * The folder the host keeps its directory, messages and voicemail in (the store, in its `host/`
   * subfolder). Without it the server keeps nothing between registrations: MESSAGE and VOICEMAIL get 501.
   */
  dataDir?: string | null;
  /**
   * Opens the store the host keeps its records in, in place of the SQLite one in `dataDir` (or the
   * Redis one with `redis`): bench:messages passes an in-memory one, to measure the server alone.
   */
  openStore?: (limits: StoreLimits) => Promise<HostStore>;
  /**
   * Runs the SQLite store in `dataDir` on a worker thread of its own (store/store-thread.ts), so
   * that its SQL and disk syncs leave the event loop; messages and receipts reach it every
   * STORE_BATCH_MS. Default false (cli.ts: --store-thread). The desktop app's embedded host keeps
   * it on its event loop, as its build carries no worker.
   */
  storeOnThread?: boolean;
  /** Caps on the directory, messages and voicemail the host keeps. */
  storeLimits?: Partial<StoreLimits>;
  /** Messages in one page of a conversation's history (HISTORY), 1 to 199. Default 50. */
  historyPageSize?: number;
  /** Voicemails one caller may leave a minute (upload tickets issued), sustained. Default 4. */
  voicemailsPerMinute?: number;
  /** Voicemails one caller may leave at once before voicemailsPerMinute applies. Default 2. */
  voicemailBurst?: number;
  /** How long an upload ticket is good for: the longest recording and the time to send it. Default 90,000 ms. */
  uploadTicketMs?: number;
  /** How long a ticket to play and delete one's own voicemail is good for. Default 300,000 ms. */
  mailboxTicketMs?: number;
  /**
   * Web page origins that may open a socket besides the server's own pages and the desktop app
   * (`scheme://host[:port]`); a handshake with any other Origin gets 403. Clients sending no Origin
   * (native ones) are always let in.
   */
  allowedOrigins?: string[];
  /** Bytes that may wait to be sent to one socket; past it the socket is closed with 1008 Too slow. Default 1 MiB. */
  maxBufferedBytes?: number;
  /**
   * Open sockets from one address; more are refused at the handshake with 429. Default 64. TCP
   * connections of any kind from one address may number 32 more (pages, voicemail); more are
   * dropped as they arrive.
   */
  maxSocketsPerAddress?: number;
  /**
   * A connection that is not a WebSocket (pages, voicemail, or one that never sends a request) is
   * closed after this long silent. Default 30,000 ms.
   */
  idleConnectionMs?: number;
  /** Sockets from one address that have not registered yet; more get 429. Default 16. */
  maxUnregisteredPerAddress?: number;
  /** Names registered from one address; more get 403. Default 32. */
  maxNamesPerAddress?: number;
  /** Registrations (new or resumed) one address may make a minute, sustained; more get 503. Default 20. */
  registrationsPerMinute?: number;
  /** Registrations one address may make at once before the rate applies. Default 10. */
  registrationBurst?: number;
  /** Join a cluster of nodes sharing this Redis (redis://host:port); without it everything stays in this process. */
  redis?: string;
  /** This node's id in the cluster, unique among live nodes. Default: a random one. */
  nodeId?: string;
  /** The address a cluster node gives phones to fail over to (ws:// or wss://). Default: the one it listens on. */
  publicUrl?: string;
  /** How often a cluster node refreshes its heartbeat key. Default 1,000 ms. */
  clusterHeartbeatMs?: number;
  /** The heartbeat key's TTL: a node silent this long is missing, and its users go after graceMs more. Default 3,000 ms. */
  clusterNodeTtlMs?: number;
  /** Each node's Redis stream is trimmed to about this many entries. Default 100,000. */
  clusterStreamMaxLen?: number;
  /** Frames for other nodes kept while Redis is away; past it the oldest go. Default 10,000. */
  clusterMaxOutbox?: number;
  /** Dialogs homed on other nodes remembered per user of this node, the oldest forgotten first. Default 16. */
  maxRemoteDialogsPerUser?: number;
  /** A SIP gateway: users are registered at this SIP proxy and can call SIP phones, and be called. Off by default. */
  sip?: SipOptions;
  logger?: Logger;
}

export interface SipOptions {
  /** The SIP proxy and registrar, over WebSocket (RFC 7118): ws://host:port or wss://. */
  proxy: string;
  /** The SIP domain each user is registered in, as NAME@domain; extensions dialled by digits are in it too. */
  domain: string;
  /** Digest credentials the proxy asks for (one account for the whole gateway). */
  authUser?: string;
  authPassword?: string;
  /** How long a registration is asked to last; it is renewed at 90 %. Default 600 s. */
  registerSeconds?: number;
  /** How long an offer or answer from a phone waits for its last trickled candidate before it leaves for SIP. Default 3,000 ms. */
  gatherMs?: number;
  /** Trickled candidates merged into one SDP; more are dropped. Default 32. */
  maxCandidates?: number;
  /** Calls across the gateway at once; beyond it a phone's call gets 480, a SIP call 503. Default 100. */
  maxCalls?: number;
  /** The first wait before reconnecting to a lost proxy; it doubles up to maxReconnectMs. Default 1,000 ms. */
  reconnectMs?: number;
  /** The longest wait between reconnections (and before retrying a refused registration). Default 30,000 ms. */
  maxReconnectMs?: number;
}

export interface RunningSignalServer {
  /** ws:// (or wss://) host:port/signal, with a loopback host when listening on every interface. */
  readonly url: string;
  /** The certificate's SHA-256 fingerprint when serving TLS, else null. */
  readonly fingerprint: string | null;
  readonly host: string;
  readonly port: number;
  /**
   * Removes `name` (or a look-alike) from the directory with every message and voicemail to or from
   * it; null when the directory does not hold it, or the server keeps none.
   */
  forget(name: string): Promise<Forgotten | null>;
  /** Ends every socket with 1001, stops listening and closes the store. */
  close(): Promise<void>;
}

export const DEFAULTS = {
  port: 8080,
  host: '0.0.0.0',
  maxClients: 10_000,
  phoneBookLimit: 1_000,
  maxSearchResults: 50,
  searchesPerSecond: 5,
  graceMs: 20_000,
  ringTimeoutMs: 60_000,
  pingIntervalMs: 15_000,
  presenceFlushMs: 50,
  maxHeldMessages: 64,
  maxHeldBytes: 256 * 1024,
  lateMessageMs: 32_000,
  maxEndedDialogs: 10_000,
  maxCallsPerPhone: 2,
  maxRingingPerPhone: 1,
  maxConferenceVideo: CONFERENCE_LIMITS.video,
  maxConferenceVoice: CONFERENCE_LIMITS.voice,
  maxRingingPerCaller: 3,
  callsPerMinute: 10,
  callBurst: 5,
  registerTimeoutMs: 10_000,
  maxBufferedBytes: 1024 * 1024,
  maxSocketsPerAddress: 64,
  idleConnectionMs: 30_000,
  maxUnregisteredPerAddress: 16,
  maxNamesPerAddress: 32,
  registrationsPerMinute: 20,
  registrationBurst: 10,
  clusterHeartbeatMs: 1_000,
  clusterNodeTtlMs: 3_000,
  clusterStreamMaxLen: 100_000,
  clusterMaxOutbox: 10_000,
  maxRemoteDialogsPerUser: 16,
  sip: {
    registerSeconds: 600,
    gatherMs: 3_000,
    maxCandidates: 32,
    maxCalls: 100,
    reconnectMs: 1_000,
    maxReconnectMs: 30_000,
  },
  historyPageSize: 50,
  voicemailsPerMinute: 4,
  voicemailBurst: 2,
  uploadTicketMs: 90_000,
  mailboxTicketMs: 300_000,
  storeLimits: {
    maxDirectoryUsers: 100_000,
    maxMessageBytes: 4096,
    maxUndeliveredPerRecipient: 1000,
    maxUndeliveredPerSender: 500,
    maxKeptMessagesPerRecipient: 10_000,
    maxVoicemailsPerRecipient: 50,
    maxUnheardVoicemailsPerSender: 10,
    // 60 s of Opus at MediaRecorder's highest usual rate (128 kbit/s) is under 1 MiB.
    maxVoicemailBytes: 2 * 1024 * 1024,
    maxVoicemailMs: 60_000,
  } satisfies StoreLimits,
} as const;
