import type * as tf from '@tensorflow/tfjs';
import {
  buildDenseNetFamily,
  resolveDenseNetConfig,
  type DenseNetConfig,
  type ResolvedDenseNetConfig,
} from './densenet.js';
import { intOption, numberOption } from './options.js';

/**
 * SkipDenseNet: the DenseNet head with skip connections between dense blocks. The output of
 * the first transition (the earlier of the two) is projected by BN-ReLU-1x1 conv to
 * `skipChannels`, average-pooled 2x2 to the size of the second transition's output, passed
 * through dropout (`skipDropout`) and concatenated to it, so the last block reads both.
 */
export interface SkipDenseNetConfig extends DenseNetConfig {
  /** Channels of each skip projection; default 2 × growth (the stem's width). */
  skipChannels?: number;
  /** Dropout on the skip path (training only); default 0.2. */
  skipDropout?: number;
}
export type ResolvedSkipDenseNetConfig = ResolvedDenseNetConfig & {
  skipChannels: number;
  skipDropout: number;
};

export function resolveSkipDenseNetConfig(
  head: string,
  raw: Record<string, unknown>,
): ResolvedSkipDenseNetConfig {
  const base = resolveDenseNetConfig(head, raw);
  return {
    ...base,
    skipChannels: intOption(head, 'skipChannels', raw.skipChannels, { min: 1 }) ?? 2 * base.growth,
    skipDropout: numberOption(head, 'skipDropout', raw.skipDropout, { min: 0, below: 1 }) ?? 0.2,
  };
}

export function buildSkipDenseNet(config: ResolvedSkipDenseNetConfig): tf.LayersModel {
  return buildDenseNetFamily(config, {
    modelName: 'skip_densenet',
    layer: () => ({ bottleneck: config.bottleneck, dropout: config.dropout }),
    skip: { channels: config.skipChannels, dropout: config.skipDropout },
  });
}
