// The Logger of the Workers entry: one JSON line per event on the console, which Workers Logs and
// `wrangler tail` index by field. Same fields as pino on Node; never a token (callers redact).
import type { Logger } from '../log.js';

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

const rank: Record<LogLevel, number> = {
  trace: 10,
  debug: 20,
  info: 30,
  warn: 40,
  error: 50,
  fatal: 60,
  silent: 100,
};

export function consoleLogger(level: LogLevel, bindings: object = {}): Logger {
  const emit = (at: 'debug' | 'info' | 'warn' | 'error', obj: object, msg?: string) => {
    if (rank[at] < rank[level]) return;
    const line = JSON.stringify({ level: at, time: new Date().toISOString(), ...bindings, ...obj, msg });
    if (at === 'error') console.error(line);
    else if (at === 'warn') console.warn(line);
    else console.log(line);
  };
  return {
    debug: (obj, msg) => emit('debug', obj, msg),
    info: (obj, msg) => emit('info', obj, msg),
    warn: (obj, msg) => emit('warn', obj, msg),
    error: (obj, msg) => emit('error', obj, msg),
    child: (more) => consoleLogger(level, { ...bindings, ...more }),
  };
}
