import pino, { type Logger, type LevelWithSilent } from 'pino';

export type { Logger };

export interface LoggingOptions {
  /** pino level name; wins over `verbosity`. */
  level?: string;
  /** klog-style verbosity: 0–1 info, 2–3 debug, 4+ trace. */
  verbosity?: number;
  /** `json` (the default off a terminal) or `pretty` (the default on one). */
  format?: 'json' | 'pretty';
  component: string;
}

const LEVELS: readonly string[] = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

export function levelFor(options: Pick<LoggingOptions, 'level' | 'verbosity'>): LevelWithSilent {
  if (options.level !== undefined) {
    if (!LEVELS.includes(options.level)) {
      throw new Error(`--log-level: Unsupported value: "${options.level}": supported values: ${LEVELS.map((l) => `"${l}"`).join(', ')}`);
    }
    return options.level as LevelWithSilent;
  }
  const v = options.verbosity ?? 0;
  if (v >= 4) return 'trace';
  if (v >= 2) return 'debug';
  return 'info';
}

/** The component's root logger: JSON lines by default, readable on a terminal. */
export function createLogger(options: LoggingOptions): Logger {
  const format = options.format ?? (process.stderr.isTTY ? 'pretty' : 'json');
  const level = levelFor(options);
  const base = { component: options.component };
  if (format === 'pretty') {
    return pino(
      { level, base },
      pino.transport({ target: 'pino-pretty', options: { destination: 2, colorize: true, ignore: 'pid,hostname' } }),
    );
  }
  return pino({ level, base }, pino.destination({ fd: 2, sync: false }));
}

/** A logger that drops everything, for tests and libraries used without one. */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
