/** stdout belongs to the MCP protocol: every log line goes to stderr. */
export type LogLevel = 'debug' | 'info' | 'warn' | 'error' | 'silent';
const order: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40, silent: 100 };

export interface Logger {
  debug(msg: string): void;
  info(msg: string): void;
  warn(msg: string): void;
  error(msg: string): void;
}

export function createLogger(level: LogLevel, write: (line: string) => void = (l) => process.stderr.write(l)): Logger {
  const emit = (lvl: LogLevel, msg: string) => {
    if (order[lvl] >= order[level]) write(`[codedistill] ${lvl}: ${msg}\n`);
  };
  return {
    debug: (m) => emit('debug', m),
    info: (m) => emit('info', m),
    warn: (m) => emit('warn', m),
    error: (m) => emit('error', m),
  };
}

export const silentLogger: Logger = { debug() {}, info() {}, warn() {}, error() {} };

/** The same logger with its warnings and notes told only at debug level: for a second telling of what was said once. */
export function demoted(logger: Logger): Logger {
  return { debug: logger.debug, info: logger.debug, warn: logger.debug, error: logger.error };
}
