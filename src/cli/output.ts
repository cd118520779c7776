// Output helpers shared by the CLI commands.
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
