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

/** One metric's same-round ratio a / b: the median and every round's value. */
export interface SameRoundRatio<M extends string> {
  a: string;
  b: string;
  metric: M;
  median: number;
  perRound: number[];
}

/**
 * Same-round ratios a / b of each metric for each pair of configurations, and their medians:
 * round i of a against round i of b, so the machine's load in that round cancels. Rounds where
 * either side is missing the metric (or b's is 0) are skipped; a pair with none is left out.
 */
export function sameRoundRatios<M extends string>(
  perRound: ReadonlyMap<string, readonly Partial<Record<M, number>>[]>,
  pairs: readonly (readonly [string, string])[],
  metrics: readonly M[],
): SameRoundRatio<M>[] {
  const out: SameRoundRatio<M>[] = [];
  for (const [a, b] of pairs) {
    const sa = perRound.get(a) ?? [];
    const sb = perRound.get(b) ?? [];
    for (const metric of metrics) {
      const rs: number[] = [];
      for (let i = 0; i < Math.min(sa.length, sb.length); i++) {
        const x = sa[i][metric];
        const y = sb[i][metric];
        if (x !== undefined && y !== undefined && y > 0) rs.push(x / y);
      }
      if (rs.length > 0) out.push({ a, b, metric, median: median(rs), perRound: rs });
    }
  }
  return out;
}

/** Each metric's median over the rounds that measured it (metrics no round measured are absent). */
export function metricMedians<M extends string>(
  rounds: readonly Partial<Record<M, number>>[],
  metrics: readonly M[],
): Partial<Record<M, number>> {
  const med: Partial<Record<M, number>> = {};
  for (const m of metrics) {
    const xs = rounds.map((s) => s[m]).filter((x): x is number => x !== undefined);
    if (xs.length > 0) med[m] = median(xs);
  }
  return med;
}
