import type * as tf from '@tensorflow/tfjs';
import {
  buildDenseNetFamily,
  resolveDenseNetConfig,
  type DenseNetConfig,
  type ResolvedDenseNetConfig,
} from './densenet.js';
import { intOption } from './options.js';

/**
 * AttentionDenseNet: the DenseNet head with an additive attention gate after each of the two
 * transitions. The gate's gating signal is the global context of the transition's output (its
 * global average pool); both paths get a 1x1 conv to F = ⌊C / attentionReduction⌋ channels and
 * a BN, are added (the context broadcast over positions), ReLU, 1x1 conv to one channel, BN,
 * sigmoid: a spatial map in (0, 1) that multiplies every channel (see `attentionGate`).
 */
export interface AttentionDenseNetConfig extends DenseNetConfig {
  /** Channel reduction of the gate's inner width F; default 2 (Attention U-Net's F = C / 2). */
  attentionReduction?: number;
}
export type ResolvedAttentionDenseNetConfig = ResolvedDenseNetConfig & {
  attentionReduction: number;
};

export function resolveAttentionDenseNetConfig(
  head: string,
  raw: Record<string, unknown>,
): ResolvedAttentionDenseNetConfig {
  return {
    ...resolveDenseNetConfig(head, raw),
    attentionReduction:
      intOption(head, 'attentionReduction', raw.attentionReduction, { min: 1 }) ?? 2,
  };
}

export function buildAttentionDenseNet(config: ResolvedAttentionDenseNetConfig): tf.LayersModel {
  return buildDenseNetFamily(config, {
    modelName: 'attention_densenet',
    layer: () => ({ bottleneck: config.bottleneck, dropout: config.dropout }),
    attentionReduction: config.attentionReduction,
  });
}
