/**
 * The one logger. Library code logs through it and never touches `console`; the CLI and server
 * decide the level and where lines go (stderr by default, so stdout stays clean for --json).
 */
export type LogLevel = 'silent' | 'error' | 'warn' | 'info' | 'debug';

const ORDER: Record<LogLevel, number> = { silent: 0, error: 1, warn: 2, info: 3, debug: 4 };

export type LogSink = (level: Exclude<LogLevel, 'silent'>, message: string) => void;

// In a page (the browser build) there is no stderr: lines go nowhere until setLogSink is called.
const defaultSink: LogSink = (level, message) => {
  globalThis.process?.stderr?.write(`[exprsim ${level}] ${message}\n`);
};

let currentLevel: LogLevel = 'warn';
let currentSink: LogSink = defaultSink;

export function setLogLevel(level: LogLevel): void {
  currentLevel = level;
}

export function getLogLevel(): LogLevel {
  return currentLevel;
}

/** Redirect log lines (tests capture them; the server forwards them to its own logger). */
export function setLogSink(sink: LogSink | undefined): void {
  currentSink = sink ?? defaultSink;
}

function emit(level: Exclude<LogLevel, 'silent'>, message: string): void {
  if (ORDER[level] <= ORDER[currentLevel]) currentSink(level, message);
}

export const logger = {
  error: (m: string) => emit('error', m),
  warn: (m: string) => emit('warn', m),
  info: (m: string) => emit('info', m),
  debug: (m: string) => emit('debug', m),
};
