import type * as tf from '@tensorflow/tfjs';
import {
  buildDenseNetFamily,
  resolveDenseNetBase,
  type DenseNetBaseConfig,
  type ResolvedDenseNetBaseConfig,
} from './densenet.js';
import { numberOption } from './options.js';

/**
 * LessDenseNet: the DenseNet head whose dense layers alternate by index within each block
 * (0-based, restarting in every block):
 * - even layers (1st, 3rd, …) are bottleneck layers, BN-ReLU-1x1 conv (bottleneckWidth × k)-
 *   BN-ReLU-3x3 conv (k), with dropout `dropout` after each conv (default 0);
 * - odd layers (2nd, 4th, …) are basic layers, BN-ReLU-3x3 conv (k), followed by dropout at the
 *   extra rate `extraDropout` (default 0.2).
 * Layers per block follow the bottleneck formula ⌊(depth − 4) / 6⌋, so its presets have the
 * same layer counts as DenseNet's (deep 4 a block, shallow 2). Transitions use `dropout`.
 * There is no `bottleneck` option: the alternation is what the head is.
 */
export interface LessDenseNetConfig extends DenseNetBaseConfig {
  /** Dropout after the basic (odd) layers; default 0.2. */
  extraDropout?: number;
}
export type ResolvedLessDenseNetConfig = ResolvedDenseNetBaseConfig & { extraDropout: number };

export function resolveLessDenseNetConfig(
  head: string,
  raw: Record<string, unknown>,
): ResolvedLessDenseNetConfig {
  return {
    ...resolveDenseNetBase(head, raw, true),
    extraDropout: numberOption(head, 'extraDropout', raw.extraDropout, { min: 0, below: 1 }) ?? 0.2,
  };
}

export function buildLessDenseNet(config: ResolvedLessDenseNetConfig): tf.LayersModel {
  return buildDenseNetFamily(config, {
    modelName: 'less_densenet',
    layer: (i) =>
      i % 2 === 0
        ? { bottleneck: true, dropout: config.dropout }
        : { bottleneck: false, dropout: config.extraDropout },
  });
}
