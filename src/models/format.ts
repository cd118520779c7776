import type { Shape3 } from '../core/types.js';
import type { InputMode } from './heads/common.js';
import type { HeadSummary } from './summary.js';

// `summariseHeads`'s rows as the text table and the JSON of `exprsim models`. Pure.

const group = (n: number) => n.toLocaleString('en-US');

/** The rows as JSON (each head's config included) with the input they were counted for. */
export function headSummariesJson(
  rows: readonly HeadSummary[],
  inputMode: InputMode,
  inputShape: Shape3,
) {
  const heads = rows.map(({ head, preset, params, trainableParams, flops, config }) => {
    return { head, preset, params, trainableParams, flops, config };
  });
  return { input: { mode: inputMode, shape: inputShape }, heads };
}

/** The input, then one row per head and preset: layers, params, trainable, MFLOPs per face. */
export function formatHeadSummaries(
  rows: readonly HeadSummary[],
  inputMode: InputMode,
  inputShape: Shape3,
): string[] {
  const table = [
    ['head', 'preset', 'layers', 'params', 'trainable', 'MFLOPs/face'],
    ...rows.map((r) => [
      r.head,
      r.preset,
      'layersPerBlock' in r.config
        ? `3x${r.config.layersPerBlock}, k=${r.config.growth}`
        : `${r.config.layers}, k=${r.config.growth}`,
      group(r.params),
      group(r.trainableParams),
      (r.flops / 1e6).toFixed(1),
    ]),
  ];
  const widths = table[0].map((_, i) => Math.max(...table.map((row) => row[i].length)));
  const right = [false, false, false, true, true, true];
  return [
    `${inputMode === 'pixels' ? 'pixel' : 'feature-map'} input ${inputShape.join('x')}; ` +
      'FLOPs = 2 x multiply-adds of convs and FC layers; params include BN statistics',
    ...table.map((row) =>
      row
        .map((cell, i) => (right[i] ? cell.padStart(widths[i]) : cell.padEnd(widths[i])))
        .join('  ')
        .trimEnd(),
    ),
  ];
}
