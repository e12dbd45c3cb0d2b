/**
 * The standalone server's command line: parsing and checking only, so every option and every
 * refusal can be tested without starting anything.
 */
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { parseIceServer } from '../common/ice.js';
import { nameProblem, normalizeName, type IceServer } from '../common/protocol.js';
import { parseRingGroup, type RingGroupDefinition } from '../common/ring-groups.js';
import { LOG_LEVELS, type LogLevel } from './log.js';
import { DEFAULTS, type SignalServerOptions, type SipOptions } from './options.js';
import { normaliseOrigin } from './origins.js';
import { RingGroups } from './ring-groups.js';
import { DEFAULT_TURN_TTL_SECONDS } from './turn.js';

export const USAGE = `Usage: npm run serve -- [options]

  --port N                   TCP port (default ${DEFAULTS.port}; 0 picks a free one)
  --host ADDRESS             interface to listen on (default ${DEFAULTS.host}, the whole LAN)
  --passcode X               require this passcode to register (or set LEANPHONE_PASSCODE)
  --grace-seconds N          keep a lost client's registration this long (default ${DEFAULTS.graceMs / 1000})
  --ring-timeout-seconds N   give up on an unanswered call after this long (default ${DEFAULTS.ringTimeoutMs / 1000})
  --max-clients N            registered users allowed at once (default ${DEFAULTS.maxClients})
  --phone-book-limit N       past this many people, phones search the phone book instead of
                             getting it whole with every presence change (default ${DEFAULTS.phoneBookLimit})
  --max-calls-per-phone N    answered calls (active or on hold) one phone may hold (default ${DEFAULTS.maxCallsPerPhone})
  --max-ringing-per-phone N  incoming calls that may ring at one phone at once (default ${DEFAULTS.maxRingingPerPhone})
  --max-conference-video N   people in a conference call with video (default ${DEFAULTS.maxConferenceVideo})
  --max-conference-voice N   people in a conference call with voice only (default ${DEFAULTS.maxConferenceVoice})
  --max-ringing-per-caller N unanswered calls one user may have at once (default ${DEFAULTS.maxRingingPerCaller})
  --calls-per-minute N       new calls one user may start a minute (default ${DEFAULTS.callsPerMinute}, ${DEFAULTS.callBurst} at once)
  --group NAME=MEMBER,MEMBER a ring group: calling NAME rings every member online and free,
                             the first to answer takes the call; repeatable
  --allow-origin ORIGIN      also let web pages from ORIGIN (https://host:port) connect; repeatable.
                             Its own pages, the desktop app and native clients always may
  --max-sockets-per-address N
                             open connections from one address (default ${DEFAULTS.maxSocketsPerAddress})
  --max-unregistered-per-address N
                             of those, not registered yet (default ${DEFAULTS.maxUnregisteredPerAddress})
  --max-names-per-address N  names registered from one address (default ${DEFAULTS.maxNamesPerAddress})
  --registrations-per-minute N
                             registrations from one address a minute (default ${DEFAULTS.registrationsPerMinute})
  --registration-burst N     of those, how many may come at once (default ${DEFAULTS.registrationBurst})
  --redis URL                join a cluster of nodes sharing this Redis (redis://host:6379)
  --node-id ID               this node's id in the cluster (default: a random one)
  --public-url URL           the address phones reach this node at (default: the one it listens on)
  --ice-server URL           a STUN/TURN server handed to clients; repeatable.
                             TURN credentials go before the host: turn:USER:PASSWORD@host:3478
  --turn-url URL             a TURN relay sharing --turn-secret (turn:host:3478); repeatable
  --turn-secret X            coturn's static-auth-secret: clients get short-lived credentials
                             (or set LEANPHONE_TURN_SECRET)
  --turn-ttl-seconds N       how long those credentials stay valid (default ${DEFAULT_TURN_TTL_SECONDS})
  --sip-proxy URL            a SIP proxy over WebSocket (ws://host:port): users are registered there
                             as NAME@--sip-domain and can call SIP addresses and extensions
  --sip-domain DOMAIN        the SIP domain (goes with --sip-proxy)
  --sip-auth-user U          digest credentials the proxy asks for
  --sip-auth-password P      (or set LEANPHONE_SIP_PASSWORD)
  --tls                      serve https/wss with a certificate made on first run and kept in --data-dir
  --cert FILE --key FILE     serve https/wss with this certificate and key (PEM)
  --data-dir DIR             where the made certificate, the directory, messages and voicemail
                             are kept (default ${defaultDataDir()})
  --forget NAME              remove NAME from the directory with its messages and voicemail, and exit
                             (while the server runs it holds the folder: stop it first; with
                             --redis, from the cluster's store, while its nodes run)
  --store-thread             keep the directory, messages and voicemail on a thread of their own,
                             so that a storm of messages leaves the event loop to calls; each
                             "sent" waits longer (see BENCHMARKS.md). Not with --redis
  --max-message-bytes N      longest text message, in UTF-8 bytes (default ${DEFAULTS.storeLimits.maxMessageBytes})
  --voicemails-per-minute N  voicemails one caller may leave a minute (default ${DEFAULTS.voicemailsPerMinute}, ${DEFAULTS.voicemailBurst} at once)
  --no-mdns                  do not advertise on the LAN (mDNS is on unless --host is loopback)
  --qr                       print a QR code of the browser phone's https address (needs --tls or --cert)
  --static-dir DIR           browser phone build served at / (default dist/renderer when built)
  --log-level LEVEL          ${LOG_LEVELS.join(', ')} (default info)
  --help                     show this text
`;

/** Where the TLS identity comes from. */
export type TlsSource = { kind: 'none' } | { kind: 'files'; cert: string; key: string } | { kind: 'kept'; dir: string };

export type CliCommand =
  | { kind: 'help' }
  | { kind: 'serve'; options: SignalServerOptions; tls: TlsSource; mdns: boolean; qr: boolean; logLevel: LogLevel }
  /** `redis`: forget it from a cluster's store (its nodes are told), not from `dataDir`. */
  | { kind: 'forget'; name: string; dataDir: string; redis?: string }
  | { kind: 'error'; message: string };

export function parseCli(argv: readonly string[], env: Readonly<Record<string, string | undefined>> = {}): CliCommand {
  let values;
  try {
    ({ values } = parseArgs({
      args: [...argv],
      strict: true,
      allowPositionals: false,
      options: {
        port: { type: 'string' },
        host: { type: 'string' },
        passcode: { type: 'string' },
        'grace-seconds': { type: 'string' },
        'ring-timeout-seconds': { type: 'string' },
        'max-clients': { type: 'string' },
        'phone-book-limit': { type: 'string' },
        'max-calls-per-phone': { type: 'string' },
        'max-ringing-per-phone': { type: 'string' },
        'max-conference-video': { type: 'string' },
        'max-conference-voice': { type: 'string' },
        'max-ringing-per-caller': { type: 'string' },
        'calls-per-minute': { type: 'string' },
        group: { type: 'string', multiple: true },
        'allow-origin': { type: 'string', multiple: true },
        'max-sockets-per-address': { type: 'string' },
        'max-unregistered-per-address': { type: 'string' },
        'max-names-per-address': { type: 'string' },
        'registrations-per-minute': { type: 'string' },
        'registration-burst': { type: 'string' },
        redis: { type: 'string' },
        'node-id': { type: 'string' },
        'public-url': { type: 'string' },
        'ice-server': { type: 'string', multiple: true },
        'turn-url': { type: 'string', multiple: true },
        'turn-secret': { type: 'string' },
        'turn-ttl-seconds': { type: 'string' },
        'sip-proxy': { type: 'string' },
        'sip-domain': { type: 'string' },
        'sip-auth-user': { type: 'string' },
        'sip-auth-password': { type: 'string' },
        tls: { type: 'boolean' },
        cert: { type: 'string' },
        key: { type: 'string' },
        'data-dir': { type: 'string' },
        forget: { type: 'string' },
        'store-thread': { type: 'boolean' },
        'max-message-bytes': { type: 'string' },
        'voicemails-per-minute': { type: 'string' },
        'no-mdns': { type: 'boolean' },
        qr: { type: 'boolean' },
        'static-dir': { type: 'string' },
        'log-level': { type: 'string' },
        help: { type: 'boolean' },
      },
    }));
  } catch (error) {
    return { kind: 'error', message: error instanceof Error ? error.message : String(error) };
  }
  if (values.help) return { kind: 'help' };
  const dataDir = values['data-dir'] ?? defaultDataDir();
  if (values.forget !== undefined) {
    const name = normalizeName(values.forget);
    const problem = nameProblem(name);
    if (problem !== null) return { kind: 'error', message: `--forget: ${problem}` };
    try {
      return { kind: 'forget', name, dataDir, ...(values.redis === undefined ? {} : { redis: redisUrl(values.redis) }) };
    } catch (error) {
      return { kind: 'error', message: error instanceof Error ? error.message : String(error) };
    }
  }

  const options: SignalServerOptions = {};
  try {
    if (values.port !== undefined) options.port = integer('--port', values.port, 0, 65_535);
    if (values.host !== undefined) options.host = nonEmpty('--host', values.host);
    const passcode = values.passcode ?? env.LEANPHONE_PASSCODE;
    if (passcode !== undefined) options.passcode = nonEmpty('--passcode', passcode);
    if (values['grace-seconds'] !== undefined) {
      options.graceMs = integer('--grace-seconds', values['grace-seconds'], 0, 3_600) * 1000;
    }
    if (values['ring-timeout-seconds'] !== undefined) {
      options.ringTimeoutMs = integer('--ring-timeout-seconds', values['ring-timeout-seconds'], 1, 600) * 1000;
    }
    if (values['max-clients'] !== undefined) {
      options.maxClients = integer('--max-clients', values['max-clients'], 1, 1_000_000);
    }
    if (values['phone-book-limit'] !== undefined) {
      options.phoneBookLimit = integer('--phone-book-limit', values['phone-book-limit'], 0, 1_000_000);
    }
    if (values['max-calls-per-phone'] !== undefined) {
      options.maxCallsPerPhone = integer('--max-calls-per-phone', values['max-calls-per-phone'], 1, 10);
    }
    if (values['max-ringing-per-phone'] !== undefined) {
      options.maxRingingPerPhone = integer('--max-ringing-per-phone', values['max-ringing-per-phone'], 1, 10);
    }
    // Every member sends to every other: the mesh costs each phone n-1 uploads, so it stays small.
    if (values['max-conference-video'] !== undefined) {
      options.maxConferenceVideo = integer('--max-conference-video', values['max-conference-video'], 2, 16);
    }
    if (values['max-conference-voice'] !== undefined) {
      options.maxConferenceVoice = integer('--max-conference-voice', values['max-conference-voice'], 2, 16);
    }
    if (values['allow-origin'] !== undefined) options.allowedOrigins = values['allow-origin'].map(allowedOrigin);
    if (values.group !== undefined) options.ringGroups = ringGroups(values.group);
    const limits = [
      ['--max-ringing-per-caller', values['max-ringing-per-caller'], 'maxRingingPerCaller'],
      ['--calls-per-minute', values['calls-per-minute'], 'callsPerMinute'],
      ['--max-sockets-per-address', values['max-sockets-per-address'], 'maxSocketsPerAddress'],
      ['--max-unregistered-per-address', values['max-unregistered-per-address'], 'maxUnregisteredPerAddress'],
      ['--max-names-per-address', values['max-names-per-address'], 'maxNamesPerAddress'],
      ['--registrations-per-minute', values['registrations-per-minute'], 'registrationsPerMinute'],
      ['--registration-burst', values['registration-burst'], 'registrationBurst'],
    ] as const;
    for (const [option, text, key] of limits) {
      if (text !== undefined) options[key] = integer(option, text, 1, 1_000_000);
    }
    if (values.redis !== undefined) options.redis = redisUrl(values.redis);
    if (values['node-id'] !== undefined) {
      if (values.redis === undefined) throw new Error('--node-id goes with --redis');
      options.nodeId = nodeId(values['node-id']);
    }
    if (values['public-url'] !== undefined) {
      if (values.redis === undefined) throw new Error('--public-url goes with --redis');
      options.publicUrl = publicUrl(values['public-url']);
    }
    if (values['max-message-bytes'] !== undefined) {
      options.storeLimits = { maxMessageBytes: integer('--max-message-bytes', values['max-message-bytes'], 1, 60_000) };
    }
    if (values['voicemails-per-minute'] !== undefined) {
      options.voicemailsPerMinute = integer('--voicemails-per-minute', values['voicemails-per-minute'], 1, 1_000);
    }
    options.dataDir = dataDir;
    if (values['store-thread']) {
      if (values.redis !== undefined) throw new Error('--store-thread keeps a store in --data-dir, not with --redis');
      options.storeOnThread = true;
    }
    if (values['ice-server'] !== undefined) options.iceServers = values['ice-server'].map(iceServer);
    const turnSecret = values['turn-secret'] ?? env.LEANPHONE_TURN_SECRET;
    const turnUrls = values['turn-url'] ?? [];
    if ((turnSecret === undefined) !== (turnUrls.length === 0)) {
      throw new Error('--turn-secret and --turn-url go together');
    }
    if (turnSecret !== undefined) {
      options.turn = { secret: nonEmpty('--turn-secret', turnSecret), urls: turnUrls.map((url) => turnUrl(url)) };
      if (values['turn-ttl-seconds'] !== undefined) {
        options.turn.ttlSeconds = integer('--turn-ttl-seconds', values['turn-ttl-seconds'], 1, 7 * 24 * 3600);
      }
    }
    const sip = sipOptions(values['sip-proxy'], values['sip-domain'], values['sip-auth-user'], values['sip-auth-password'] ?? env.LEANPHONE_SIP_PASSWORD);
    if (sip !== null) options.sip = sip;
    const staticDir = values['static-dir'] ?? (existsSync('dist/renderer/index.html') ? 'dist/renderer' : undefined);
    if (staticDir !== undefined) {
      if (!existsSync(staticDir)) throw new Error(`--static-dir: ${staticDir} does not exist`);
      options.staticDir = staticDir;
    }
  } catch (error) {
    return { kind: 'error', message: error instanceof Error ? error.message : String(error) };
  }
  const logLevel = values['log-level'] ?? 'info';
  if (!isLogLevel(logLevel)) {
    return { kind: 'error', message: `--log-level must be one of ${LOG_LEVELS.join(', ')}` };
  }
  if ((values.cert === undefined) !== (values.key === undefined)) {
    return { kind: 'error', message: '--cert and --key go together' };
  }
  const tls: TlsSource =
    values.cert !== undefined && values.key !== undefined
      ? { kind: 'files', cert: values.cert, key: values.key }
      : values.tls
        ? { kind: 'kept', dir: dataDir }
        : { kind: 'none' };
  if (values.qr && tls.kind === 'none') {
    return { kind: 'error', message: '--qr needs --tls (or --cert and --key): browsers give a phone its camera and microphone only over https' };
  }
  const loopback = /^(127\.|::1$|localhost$)/.test(options.host ?? '');
  return { kind: 'serve', options, tls, mdns: !values['no-mdns'] && !loopback, qr: values.qr === true, logLevel };
}

export function defaultDataDir(): string {
  return join(process.env.XDG_CONFIG_HOME ?? join(homedir(), '.config'), 'leanphone');
}

function integer(option: string, text: string, min: number, max: number): number {
  const value = Number(text);
  if (!/^\d+$/.test(text) || value < min || value > max) {
    throw new Error(`${option} must be a whole number from ${min} to ${max}, not "${text}"`);
  }
  return value;
}

function nonEmpty(option: string, text: string): string {
  if (text.trim() === '') throw new Error(`${option} may not be empty`);
  return text;
}

export function iceServer(text: string): IceServer {
  const server = parseIceServer(text);
  if (server === null) throw new Error(`--ice-server must look like stun:host:3478 or turn:USER:PASSWORD@host:3478, not "${text}"`);
  return server;
}

function allowedOrigin(text: string): string {
  const origin = normaliseOrigin(text.replace(/\/$/, ''));
  if (origin === null) throw new Error(`--allow-origin must look like https://host:port (no path), not "${text}"`);
  return origin;
}

/** Each `--group`, read and then checked as a set (no two alike, no group a member of one). */
function ringGroups(texts: readonly string[]): RingGroupDefinition[] {
  const groups = texts.map((text) => {
    const parsed = parseRingGroup(text);
    if (!parsed.ok) throw new Error(`--group ${parsed.problem}`);
    return parsed.group;
  });
  new RingGroups(groups);
  return groups;
}

function redisUrl(text: string): string {
  if (!/^rediss?:\/\/[^\s/]+(\/\d+)?$/.test(text)) throw new Error(`--redis must look like redis://host:6379, not "${text}"`);
  return text;
}

function publicUrl(text: string): string {
  if (!/^wss?:\/\/[^\s/]+(\/\S*)?$/.test(text)) throw new Error(`--public-url must look like wss://host:port/signal, not "${text}"`);
  return text;
}

function nodeId(text: string): string {
  if (!/^[A-Za-z0-9._-]{1,64}$/.test(text)) throw new Error(`--node-id must be 1 to 64 letters, digits, ".", "_" or "-", not "${text}"`);
  return text;
}

/** The SIP gateway's options: proxy and domain go together, and so do the credentials, which need them. */
function sipOptions(proxy: string | undefined, domain: string | undefined, user: string | undefined, password: string | undefined): SipOptions | null {
  if ((proxy === undefined) !== (domain === undefined)) throw new Error('--sip-proxy and --sip-domain go together');
  if ((user === undefined) !== (password === undefined)) throw new Error('--sip-auth-user and --sip-auth-password go together');
  if (proxy === undefined || domain === undefined) {
    if (user !== undefined) throw new Error('--sip-auth-user needs --sip-proxy');
    return null;
  }
  if (!/^wss?:\/\/[^\s/]+\/?$/.test(proxy)) throw new Error(`--sip-proxy must look like ws://host:port or wss://host:port, not "${proxy}"`);
  if (!/^[A-Za-z0-9.-]+$/.test(domain)) throw new Error(`--sip-domain must be a domain like pbx.example, not "${domain}"`);
  return user === undefined || password === undefined
    ? { proxy, domain }
    : { proxy, domain, authUser: nonEmpty('--sip-auth-user', user), authPassword: nonEmpty('--sip-auth-password', password) };
}

function turnUrl(text: string): string {
  if (!/^turns?:[^@\s]+$/.test(text)) throw new Error(`--turn-url must look like turn:host:3478, not "${text}"`);
  return text;
}

const isLogLevel = (value: string): value is LogLevel => (LOG_LEVELS as readonly string[]).includes(value);
