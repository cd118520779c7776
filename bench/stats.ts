/** Small statistics for benchmarks: medians over repeated runs, not single wall times. */
export function median(xs: number[]): number {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

export interface Timing {
  /** Median seconds per run. */
  median: number;
  min: number;
  max: number;
  runs: number;
}

/** Time `fn` `runs` times after `warmup` untimed calls; seconds. */
export async function timeRuns(
  fn: () => unknown | Promise<unknown>,
  runs: number,
  warmup = 1,
): Promise<Timing> {
  for (let i = 0; i < warmup; i++) await fn();
  const t: number[] = [];
  for (let i = 0; i < runs; i++) {
    const start = performance.now();
    await fn();
    t.push((performance.now() - start) / 1000);
  }
  return { median: median(t), min: Math.min(...t), max: Math.max(...t), runs };
}

/** The q-quantile (0..1) of `xs`, linear interpolation between order statistics. */
export function quantile(xs: number[], q: number): number {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  const pos = Math.min(1, Math.max(0, q)) * (s.length - 1);
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return s[lo] + (s[hi] - s[lo]) * (pos - lo);
}
