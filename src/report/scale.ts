/**
 * Axis scales for the report's charts: a linear map from data to pixels and "nice" tick values
 * (steps of 1, 2 or 5 × 10^k, the usual choice of plotting libraries), so axes read 0.55, 0.60, …
 * rather than 0.5512, 0.5987, ….
 */

/** The tick step for about `count` ticks over [lo, hi]: 1, 2 or 5 × a power of ten. */
export function niceStep(lo: number, hi: number, count = 5): number {
  const span = hi - lo;
  if (!(span > 0) || !Number.isFinite(span)) return 1;
  const raw = span / Math.max(1, count);
  const power = 10 ** Math.floor(Math.log10(raw));
  const m = raw / power;
  const nice = m <= 1 ? 1 : m <= 2 ? 2 : m <= 5 ? 5 : 10;
  return nice * power;
}

/** The domain widened to whole steps, and the ticks in it (ascending). */
export function niceTicks(
  lo: number,
  hi: number,
  count = 5,
): { lo: number; hi: number; ticks: number[]; step: number } {
  if (lo === hi) {
    const pad = lo === 0 ? 1 : Math.abs(lo) * 0.1;
    return niceTicks(lo - pad, hi + pad, count);
  }
  const step = niceStep(lo, hi, count);
  const a = Math.floor(lo / step + 1e-9) * step;
  const b = Math.ceil(hi / step - 1e-9) * step;
  const ticks: number[] = [];
  const n = Math.round((b - a) / step);
  // Round away binary noise (0.1 + 0.2) so labels print cleanly.
  const digits = Math.max(0, -Math.floor(Math.log10(step)) + 1);
  for (let i = 0; i <= n; i++) ticks.push(Number((a + i * step).toFixed(digits)));
  return { lo: ticks[0], hi: ticks[ticks.length - 1], ticks, step };
}

/** A linear map from [d0, d1] to [r0, r1]. */
export function linearScale(d0: number, d1: number, r0: number, r1: number): (v: number) => number {
  const k = d1 === d0 ? 0 : (r1 - r0) / (d1 - d0);
  return (v) => r0 + (v - d0) * k;
}

/** Tick label: as few decimals as the step needs. */
export function formatTick(v: number, step: number): string {
  const decimals = Math.max(0, -Math.floor(Math.log10(step) + 1e-9));
  return v.toFixed(decimals);
}
