/**
 * One line per event that matters. Callers pass facts, never message bodies: SDP, passcodes and
 * resume tokens must not reach a log.
 */
export const LOG_LEVELS = ['silent', 'error', 'warn', 'info', 'debug'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];
type EventLevel = Exclude<LogLevel, 'silent'>;

export type LogFields = Record<string, string | number | boolean | null | undefined>;

export interface Logger {
  log(level: EventLevel, event: string, fields?: LogFields): void;
}

const rank: Record<LogLevel, number> = { silent: 0, error: 1, warn: 2, info: 3, debug: 4 };

/** A logger writing `time level event key=value ...` lines to `write`. */
export function createLogger(level: LogLevel, write: (line: string) => void = (line) => console.log(line)): Logger {
  return {
    log(eventLevel, event, fields = {}) {
      if (rank[eventLevel] > rank[level]) return;
      const pairs = Object.entries(fields)
        .filter(([, value]) => value !== undefined)
        .map(([key, value]) => `${key}=${JSON.stringify(value)}`);
      write([new Date().toISOString(), eventLevel.toUpperCase(), event, ...pairs].join(' '));
    },
  };
}

export const silentLogger: Logger = { log() {} };
