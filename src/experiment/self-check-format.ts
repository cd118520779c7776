import type { SelfCheckResult } from './self-check.js';

/** The self-check as text: one line per check with ok or FAILED, then the verdict. */
export function formatSelfCheck(r: SelfCheckResult): string[] {
  const ok = (pass: boolean) => (pass ? 'ok' : 'FAILED');
  const first = r.losses[0].toFixed(4);
  const last = r.losses[r.losses.length - 1].toFixed(4);
  return [
    `backend: ${r.engine.backend} (${r.engine.reason})`,
    `images: PNG encode/decode round trip ${ok(r.imageRoundTrip)}`,
    `training: loss ${first} → ${last} over ${r.losses.length} steps ${ok(r.lossDecreased)}`,
    `save/load: max embedding difference ${r.reloadMaxDiff} ${ok(r.reloadMaxDiff === 0)}`,
    `tensors leaked: ${r.leakedTensors} ${ok(r.leakedTensors === 0)}`,
    r.ok ? 'self-check passed' : 'self-check FAILED',
  ];
}
