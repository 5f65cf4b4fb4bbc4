export const logLevels = ['silent', 'error', 'warn', 'info', 'debug'] as const;
export type LogLevel = (typeof logLevels)[number];

export interface Logger {
  level: LogLevel;
  error(msg: string, err?: unknown): void;
  warn(msg: string): void;
  info(msg: string): void;
  debug(msg: string): void;
}

/** A tiny leveled logger writing to stderr (stdout is kept for the URL and token lines). */
export function createLogger(level: LogLevel, write: (line: string) => void = (l) => process.stderr.write(l + '\n')): Logger {
  const rank = (l: LogLevel) => logLevels.indexOf(l);
  const on = (l: LogLevel) => rank(level) >= rank(l);
  const stamp = () => new Date().toISOString();
  return {
    level,
    error(msg, err) {
      if (!on('error')) return;
      const detail = err instanceof Error ? `\n${err.stack ?? err.message}` : err !== undefined ? ` ${String(err)}` : '';
      write(`${stamp()} ERROR ${msg}${detail}`);
    },
    warn: (msg) => on('warn') && write(`${stamp()} WARN  ${msg}`),
    info: (msg) => on('info') && write(`${stamp()} INFO  ${msg}`),
    debug: (msg) => on('debug') && write(`${stamp()} DEBUG ${msg}`),
  } as Logger;
}
