/**
 * The standalone server's command line: parsing and checking only, so every option and every
 * refusal can be tested without starting anything.
 */
import { existsSync } from 'node:fs';
import { parseArgs } from 'node:util';
import type { IceServer } from '../common/protocol.js';
import { LOG_LEVELS, type LogLevel } from './log.js';
import { DEFAULTS, type SignalServerOptions } from './options.js';

export const USAGE = `Usage: npm run serve -- [options]

  --port N                   TCP port (default ${DEFAULTS.port}; 0 picks a free one)
  --host ADDRESS             interface to listen on (default ${DEFAULTS.host}, the whole LAN)
  --passcode X               require this passcode to register (or set LEANPHONE_PASSCODE)
  --grace-seconds N          keep a lost client's registration this long (default ${DEFAULTS.graceMs / 1000})
  --ring-timeout-seconds N   give up on an unanswered call after this long (default ${DEFAULTS.ringTimeoutMs / 1000})
  --max-clients N            registered users allowed at once (default ${DEFAULTS.maxClients})
  --ice-server URL           a STUN/TURN server handed to clients; repeatable.
                             TURN credentials go before the host: turn:USER:PASSWORD@host:3478
  --static-dir DIR           browser phone build served at / (default dist/renderer when built)
  --log-level LEVEL          ${LOG_LEVELS.join(', ')} (default info)
  --help                     show this text
`;

export type CliCommand =
  | { kind: 'help' }
  | { kind: 'serve'; options: SignalServerOptions; logLevel: LogLevel }
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
        'ice-server': { type: 'string', multiple: true },
        'static-dir': { type: 'string' },
        'log-level': { type: 'string' },
        help: { type: 'boolean' },
      },
    }));
  } catch (error) {
    return { kind: 'error', message: error instanceof Error ? error.message : String(error) };
  }
  if (values.help) return { kind: 'help' };

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
    if (values['ice-server'] !== undefined) options.iceServers = values['ice-server'].map(iceServer);
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
  return { kind: 'serve', options, logLevel };
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

/** `stun:host:port`, `turn:host:port?transport=udp`, or with `USER:PASSWORD@` before the host. */
export function iceServer(text: string): IceServer {
  const match = /^(stun|stuns|turn|turns):(?:([^:@]+):([^@]+)@)?([^@\s]+)$/.exec(text);
  if (!match) throw new Error(`--ice-server must look like stun:host:3478 or turn:USER:PASSWORD@host:3478, not "${text}"`);
  const [, scheme, username, credential, rest] = match;
  const urls = `${scheme}:${rest}`;
  return username !== undefined && credential !== undefined ? { urls, username, credential } : { urls };
}

const isLogLevel = (value: string): value is LogLevel => (LOG_LEVELS as readonly string[]).includes(value);
