import type * as tf from '@tensorflow/tfjs';
import {
  buildDenseNetFamily,
  resolveDenseNetConfig,
  type DenseNetConfig,
  type ResolvedDenseNetConfig,
} from './densenet.js';
import { intOption } from './options.js';

/**
 * SEDenseNet: the DenseNet head with squeeze-and-excitation in every dense layer. Each layer's
 * input x (all channels so far) is recalibrated before the layer's first BN: global average
 * pool → FC ⌊C / seReduction⌋ (at least 1) + ReLU → FC C + sigmoid → x scaled channel-wise.
 * The concatenation keeps the unscaled x (see `squeezeExcite`).
 */
export interface SeDenseNetConfig extends DenseNetConfig {
  /** Reduction ratio of the SE bottleneck FC; default 16. */
  seReduction?: number;
}
export type ResolvedSeDenseNetConfig = ResolvedDenseNetConfig & { seReduction: number };

export function resolveSeDenseNetConfig(
  head: string,
  raw: Record<string, unknown>,
): ResolvedSeDenseNetConfig {
  return {
    ...resolveDenseNetConfig(head, raw),
    seReduction: intOption(head, 'seReduction', raw.seReduction, { min: 1 }) ?? 16,
  };
}

export function buildSeDenseNet(config: ResolvedSeDenseNetConfig): tf.LayersModel {
  return buildDenseNetFamily(config, {
    modelName: 'se_densenet',
    layer: () => ({ bottleneck: config.bottleneck, dropout: config.dropout }),
    seReduction: config.seReduction,
  });
}
