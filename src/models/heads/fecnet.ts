import * as tf from '@tensorflow/tfjs';
import {
  COMMON_KEYS,
  NetBuilder,
  resolveCommon,
  type CommonHeadConfig,
  type ResolvedCommonConfig,
} from './common.js';
import { enumOption, intOption } from './options.js';

/**
 * FECNet's head (Vemulapalli & Agarwala, CVPR 2019), on a frozen backbone's feature map
 * (FaceNet NN2 cut at Inception-4e: [7, 7, 1024]):
 *   1x1 conv to 512 → one dense block of 5 layers, growth 64 → BN → ReLU → global average pool
 *   → FC 512 + ReLU → FC 16 → L2 normalise.
 * Dense layers are DenseNet-BC bottleneck layers, BN-ReLU-1x1 conv (4k)-BN-ReLU-3x3 conv (k),
 * concatenated (512 + 5 × 64 = 832 channels). The paper's "average pooling" over the 7x7 map is
 * global here, so any map size works; the BN-ReLU before it is DenseNet's usual closing
 * pre-activation (the paper's table lists only the pooling), and the ReLU on FC 512 keeps the two
 * FCs from collapsing into one linear map. Kaiming-normal init, like the DenseNet heads.
 */
export type FecNetPreset = 'paper';
export const FECNET_PRESET_NAMES: readonly FecNetPreset[] = ['paper'];

export interface FecNetConfig extends CommonHeadConfig {
  /** The paper's head; the only preset. */
  preset?: FecNetPreset;
  /** Dense layers in the block; default 5. */
  layers?: number;
  /** Growth rate k; default 64. */
  growth?: number;
  /** Width of the bottleneck 1x1 conv in multiples of k; default 4. */
  bottleneckWidth?: number;
  /** Units of the hidden FC; default 512. */
  hiddenUnits?: number;
}

export type ResolvedFecNetConfig = ResolvedCommonConfig &
  Required<Omit<FecNetConfig, keyof CommonHeadConfig>>;

export const FECNET_KEYS = [
  ...COMMON_KEYS,
  'preset',
  'layers',
  'growth',
  'bottleneckWidth',
  'hiddenUnits',
] as const;

export function resolveFecNetConfig(
  head: string,
  raw: Record<string, unknown>,
): ResolvedFecNetConfig {
  return {
    ...resolveCommon(head, raw, 512),
    preset: enumOption(head, 'preset', raw.preset, FECNET_PRESET_NAMES) ?? 'paper',
    layers: intOption(head, 'layers', raw.layers, { min: 1 }) ?? 5,
    growth: intOption(head, 'growth', raw.growth, { min: 1 }) ?? 64,
    bottleneckWidth: intOption(head, 'bottleneckWidth', raw.bottleneckWidth, { min: 1 }) ?? 4,
    hiddenUnits: intOption(head, 'hiddenUnits', raw.hiddenUnits, { min: 1 }) ?? 512,
  };
}

export function buildFecNet(config: ResolvedFecNetConfig): tf.LayersModel {
  const b = new NetBuilder(config.seed);
  const k = config.growth;
  const stem = b.stem(config);
  let x = stem.x;
  for (let i = 0; i < config.layers; i++) {
    const name = `b1_l${i + 1}`;
    let h = b.conv(b.bnRelu(x, `${name}_1`), `${name}_conv1`, config.bottleneckWidth * k, 1);
    h = b.dropout(h, `${name}_drop1`, config.dropout);
    h = b.conv(b.bnRelu(h, `${name}_3`), `${name}_conv3`, k, 3);
    h = b.dropout(h, `${name}_drop3`, config.dropout);
    x = b.concat([x, h], `${name}_concat`);
  }
  x = b.globalPool(b.bnRelu(x, 'final'), 'final_pool');
  x = b.dense(x, 'fc_hidden', config.hiddenUnits, 'relu');
  const out = b.embedding(x, config.embeddingSize);
  return tf.model({ inputs: stem.input, outputs: out, name: 'fecnet' });
}
