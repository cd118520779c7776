// Output helpers shared by the CLI commands.
import type { ProgressCallback } from '../core/index.js';
import type { GlobalOptions } from './options.js';
import { createProgressBar } from './progress-bar.js';

/** A progress bar on stderr, drawn only for people: not with --json, not when piped. */
export function progressBar(g: GlobalOptions): ReturnType<typeof createProgressBar> {
  return createProgressBar({ enabled: !g.json && Boolean(process.stderr.isTTY) });
}

export function printLines(lines: readonly string[]): void {
  process.stdout.write(`${lines.join('\n')}\n`);
}

export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

/** A command's result: `json` with --json, else the library's text lines for it. */
export function printResult(g: GlobalOptions, json: unknown, lines: () => readonly string[]): void {
  if (g.json) printJson(json);
  else printLines(lines());
}

/** Runs `job` with a progress bar (see progressBar) as its `onProgress`; the bar ends either way. */
export async function withProgressBar<T>(
  g: GlobalOptions,
  job: (onProgress: ProgressCallback) => Promise<T>,
): Promise<T> {
  const bar = progressBar(g);
  try {
    return await job(bar.update);
  } finally {
    bar.done();
  }
}

/**
 * A progress bar made at the first event, so its rate and ETA count from when the work starts
 * (not from before the library loaded its model): pass `update` as the library's `onProgress`.
 */
export function progressBarOnFirstEvent(g: GlobalOptions): ReturnType<typeof createProgressBar> {
  let bar: ReturnType<typeof createProgressBar> | undefined;
  return {
    update: (e) => (bar ??= progressBar(g)).update(e),
    done: () => bar?.done(),
  };
}
