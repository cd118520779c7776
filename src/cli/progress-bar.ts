import type { ProgressCallback, ProgressEvent } from '../core/index.js';

export interface ProgressBarOptions {
  /** Render at all; the CLI passes false for --json and when stderr is not a TTY. */
  enabled: boolean;
  stream?: NodeJS.WriteStream;
  /** Minimum ms between redraws. */
  throttleMs?: number;
}

function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds)) return '--:--';
  const s = Math.round(seconds);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const ss = String(s % 60).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${ss}` : `${m}:${ss}`;
}

/** One line: label [#####.....] done/total pct rate ETA. */
export function renderProgressLine(e: ProgressEvent, elapsedSec: number, width = 24): string {
  const rate = elapsedSec > 0 ? e.done / elapsedSec : 0;
  const label = e.label ? `${e.label} ` : '';
  const rateText = rate >= 10 ? `${rate.toFixed(0)}/s` : `${rate.toFixed(2)}/s`;
  if (e.total === undefined || e.total <= 0) {
    return `${label}${e.done} ${rateText} ${formatDuration(elapsedSec)}`;
  }
  const frac = Math.min(1, e.done / e.total);
  const filled = Math.round(frac * width);
  const eta = rate > 0 ? (e.total - e.done) / rate : Infinity;
  return (
    `${label}[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${e.done}/${e.total} ` +
    `${(frac * 100).toFixed(0)}% ${rateText} ETA ${formatDuration(eta)}`
  );
}

/** A progress bar on stderr with rate and ETA; a no-op when disabled. */
export function createProgressBar(options: ProgressBarOptions): {
  update: ProgressCallback;
  done: () => void;
} {
  const stream = options.stream ?? process.stderr;
  const throttle = options.throttleMs ?? 100;
  const start = Date.now();
  let last = 0;
  let drawn = false;
  let lastEvent: ProgressEvent | undefined;
  const draw = (e: ProgressEvent) => {
    const line = renderProgressLine(e, (Date.now() - start) / 1000);
    const cols = stream.columns ?? 80;
    stream.write(`\r${line.slice(0, cols - 1).padEnd(Math.min(cols - 1, line.length + 2))}`);
    drawn = true;
  };
  return {
    update(e) {
      lastEvent = e;
      if (!options.enabled) return;
      const now = Date.now();
      if (now - last < throttle && e.done !== e.total) return;
      last = now;
      draw(e);
    },
    done() {
      if (!options.enabled) return;
      if (lastEvent) draw(lastEvent);
      if (drawn) stream.write('\n');
    },
  };
}
