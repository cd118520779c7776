import * as tf from '@tensorflow/tfjs';
import {
  COMMON_KEYS,
  NetBuilder,
  resolveCommon,
  type CommonHeadConfig,
  type ResolvedCommonConfig,
} from './common.js';
import { badOption, boolOption, enumOption, intOption, numberOption } from './options.js';

/**
 * The study's DenseNet family: stem → dense block 1 → transition 1 → dense block 2 →
 * transition 2 → dense block 3 → BN → ReLU → global average pool → FC → L2 normalise.
 *
 * - Dense layer, bottleneck (DenseNet-BC): BN-ReLU-1x1 conv (bottleneckWidth × k)-[dropout]-
 *   BN-ReLU-3x3 conv (k)-[dropout]; basic: BN-ReLU-3x3 conv (k)-[dropout]. Its k new channels
 *   are concatenated to its input.
 * - Transition: BN-ReLU-1x1 conv (⌊compression × C⌋)-[dropout]-2x2 average pool, stride 2,
 *   'same' padding (sizes halve rounding up).
 * - Kaiming-normal init everywhere (seeded), batch norm through `batchNorm()`.
 *
 * Unlike the study (raw 100x100 pixels, a fixed 8x8 pool made for 32x32 CIFAR inputs, so nine
 * vectors per image, no normalisation), the pool is global and the 16-d output is L2-normalised.
 */

/** The study's presets: deep = growth 32, depth 30; shallow = growth 16, depth 20. */
export type DenseNetPreset = 'deep' | 'shallow';
export const DENSENET_PRESETS: Record<DenseNetPreset, { growth: number; depth: number }> = {
  deep: { growth: 32, depth: 30 },
  shallow: { growth: 16, depth: 20 },
};
export const DENSENET_PRESET_NAMES = Object.keys(DENSENET_PRESETS) as DenseNetPreset[];

export interface DenseNetBaseConfig extends CommonHeadConfig {
  /** Growth and depth defaults; default 'deep'. Explicit growth/depth override it. */
  preset?: DenseNetPreset;
  /** Growth rate k: channels each dense layer adds. */
  growth?: number;
  /**
   * Depth as DenseNet counts it. Layers per block n = ⌊(depth − 4) / 6⌋ with bottleneck layers
   * (two convs each), ⌊(depth − 4) / 3⌋ with basic layers; the 4 are the stem conv, the two
   * transition convs and the FC (as in the DenseNet-BC code the study used, which truncates):
   * depth 30 → 4 layers a block, depth 20 → 2.
   */
  depth?: number;
  /** Layers per dense block; default from depth. Given alone, depth becomes 6n + 4 (3n + 4). */
  layersPerBlock?: number;
  /** Width of the bottleneck 1x1 conv, in multiples of k; default 4. */
  bottleneckWidth?: number;
  /** Channel compression of the transitions, in (0, 1]; default 0.5. */
  compression?: number;
}

export interface DenseNetConfig extends DenseNetBaseConfig {
  /** Bottleneck (DenseNet-BC) or basic dense layers; default true. */
  bottleneck?: boolean;
}

export type ResolvedDenseNetBaseConfig = ResolvedCommonConfig &
  Required<Omit<DenseNetBaseConfig, keyof CommonHeadConfig>>;
export type ResolvedDenseNetConfig = ResolvedDenseNetBaseConfig & { bottleneck: boolean };

export const DENSENET_BASE_KEYS = [
  ...COMMON_KEYS,
  'preset',
  'growth',
  'depth',
  'layersPerBlock',
  'bottleneckWidth',
  'compression',
] as const;

/** Layers per dense block for a depth: ⌊(depth − 4) / 6⌋ (bottleneck) or ⌊(depth − 4) / 3⌋. */
export function layersPerBlockForDepth(depth: number, bottleneck: boolean): number {
  return Math.floor((depth - 4) / (bottleneck ? 6 : 3));
}

/**
 * Resolve the options shared by the five heads. `bottleneck` decides the depth formula (the
 * LessDenseNet, whose layers alternate, counts as bottleneck).
 */
export function resolveDenseNetBase(
  head: string,
  raw: Record<string, unknown>,
  bottleneck: boolean,
): ResolvedDenseNetBaseConfig {
  const preset = enumOption(head, 'preset', raw.preset, DENSENET_PRESET_NAMES) ?? 'deep';
  const growth =
    intOption(head, 'growth', raw.growth, { min: 1 }) ?? DENSENET_PRESETS[preset].growth;
  const per = bottleneck ? 6 : 3;
  const givenDepth = intOption(head, 'depth', raw.depth, { min: per + 4 });
  const givenLayers = intOption(head, 'layersPerBlock', raw.layersPerBlock, { min: 1 });
  let depth: number;
  let layersPerBlock: number;
  if (givenDepth !== undefined) {
    depth = givenDepth;
    layersPerBlock = layersPerBlockForDepth(depth, bottleneck);
    if (givenLayers !== undefined && givenLayers !== layersPerBlock) {
      throw badOption(
        head,
        'layersPerBlock',
        `is ${givenLayers} but depth ${depth} gives ${layersPerBlock} layers a block (⌊(depth − 4) / ${per}⌋)`,
        'give depth or layersPerBlock, not both',
      );
    }
  } else if (givenLayers !== undefined) {
    layersPerBlock = givenLayers;
    depth = per * givenLayers + 4;
  } else {
    depth = DENSENET_PRESETS[preset].depth;
    layersPerBlock = layersPerBlockForDepth(depth, bottleneck);
  }
  return {
    ...resolveCommon(head, raw, 2 * growth),
    preset,
    growth,
    depth,
    layersPerBlock,
    bottleneckWidth: intOption(head, 'bottleneckWidth', raw.bottleneckWidth, { min: 1 }) ?? 4,
    compression: numberOption(head, 'compression', raw.compression, { above: 0, max: 1 }) ?? 0.5,
  };
}

export function resolveDenseNetConfig(
  head: string,
  raw: Record<string, unknown>,
): ResolvedDenseNetConfig {
  const bottleneck = boolOption(head, 'bottleneck', raw.bottleneck) ?? true;
  return { ...resolveDenseNetBase(head, raw, bottleneck), bottleneck };
}

type Sym = tf.SymbolicTensor;

/** How a DenseNet variant differs from the plain one. */
export interface DenseNetVariant {
  /** The tf model's name. */
  modelName: string;
  /** Kind and dropout rate of layer i (0-based, restarting in each block). */
  layer(i: number): { bottleneck: boolean; dropout: number };
  /** Squeeze-and-excitation on each dense layer's input, with this reduction. */
  seReduction?: number;
  /** An attention gate after each transition, with this channel reduction. */
  attentionReduction?: number;
  /** Skip connections from the earlier transitions into the last block. */
  skip?: { channels: number; dropout: number };
}

export const NUM_BLOCKS = 3;

/** Build a head of the DenseNet family from its resolved config and its variant. */
export function buildDenseNetFamily(
  config: ResolvedDenseNetBaseConfig,
  variant: DenseNetVariant,
): tf.LayersModel {
  const b = new NetBuilder(config.seed);
  const k = config.growth;
  const stem = b.stem(config);
  let x = stem.x;
  const transitions: Sym[] = [];
  for (let blk = 1; blk <= NUM_BLOCKS; blk++) {
    if (blk === NUM_BLOCKS && variant.skip !== undefined && transitions.length > 1) {
      x = skipJoin(b, x, transitions.slice(0, -1), variant.skip);
    }
    for (let i = 0; i < config.layersPerBlock; i++) {
      const name = `b${blk}_l${i + 1}`;
      const { bottleneck, dropout } = variant.layer(i);
      let h =
        variant.seReduction === undefined ? x : squeezeExcite(b, x, name, variant.seReduction);
      if (bottleneck) {
        h = b.conv(b.bnRelu(h, `${name}_1`), `${name}_conv1`, config.bottleneckWidth * k, 1);
        h = b.dropout(h, `${name}_drop1`, dropout);
      }
      h = b.conv(b.bnRelu(h, `${name}_3`), `${name}_conv3`, k, 3);
      h = b.dropout(h, `${name}_drop3`, dropout);
      x = b.concat([x, h], `${name}_concat`);
    }
    if (blk < NUM_BLOCKS) {
      const name = `t${blk}`;
      const out = Math.max(1, Math.floor(config.compression * NetBuilder.channels(x)));
      x = b.conv(b.bnRelu(x, name), `${name}_conv`, out, 1);
      x = b.dropout(x, `${name}_drop`, config.dropout);
      x = b.pool(x, `${name}_pool`);
      if (variant.attentionReduction !== undefined) {
        x = attentionGate(b, x, `att${blk}`, variant.attentionReduction);
      }
      transitions.push(x);
    }
  }
  x = b.globalPool(b.bnRelu(x, 'final'), 'final_pool');
  const out = b.embedding(x, config.embeddingSize);
  return tf.model({ inputs: stem.input, outputs: out, name: variant.modelName });
}

/**
 * Squeeze-and-excitation (Hu et al. 2018) on a dense layer's input x [h, w, C]: global average
 * pool → FC ⌊C / r⌋ (at least 1) + ReLU → FC C + sigmoid → scale x's channels. The scaled map
 * feeds the layer's convs only; the concatenation keeps x as it was, so each layer learns which
 * earlier features to read without changing what later layers see.
 */
function squeezeExcite(b: NetBuilder, x: Sym, name: string, reduction: number): Sym {
  const c = NetBuilder.channels(x);
  let s = b.globalPool(x, `${name}_se_pool`);
  s = b.dense(s, `${name}_se_fc1`, Math.max(1, Math.floor(c / reduction)), 'relu');
  s = b.dense(s, `${name}_se_fc2`, c, 'sigmoid');
  s = b.reshape(s, `${name}_se_reshape`, [1, 1, c]);
  return b.multiply([x, s], `${name}_se_scale`);
}

/**
 * Additive attention gate (Oktay et al. 2018, Attention U-Net) on a transition's output
 * x [h, w, C]. The gating signal g is the global context of x itself (its global average,
 * [1, 1, C]): the transitions are followed by finer-to-coarser blocks that read the gated map,
 * so a coarser signal would be circular, and the global context lets the gate weigh each
 * position against the whole face. F = ⌊C / r⌋ (at least 1):
 *   α = sigmoid(BN(conv1x1→1(ReLU(BN(conv1x1→F(x)) + BN(conv1x1→F(g)))))),  x' = x ⊙ α
 * (α is one [h, w, 1] spatial map broadcast over the channels).
 */
function attentionGate(b: NetBuilder, x: Sym, name: string, reduction: number): Sym {
  const c = NetBuilder.channels(x);
  const f = Math.max(1, Math.floor(c / reduction));
  const theta = b.bn(b.conv(x, `${name}_x_conv`, f, 1), `${name}_x_bn`);
  let g = b.reshape(b.globalPool(x, `${name}_g_pool`), `${name}_g_reshape`, [1, 1, c]);
  g = b.bn(b.conv(g, `${name}_g_conv`, f, 1), `${name}_g_bn`);
  let a = b.relu(b.add([theta, g], `${name}_add`), `${name}_relu`);
  a = b.bn(b.conv(a, `${name}_psi_conv`, 1, 1), `${name}_psi_bn`);
  a = b.sigmoid(a, `${name}_sigmoid`);
  return b.multiply([x, a], `${name}_scale`);
}

/**
 * Skip connections into the last block: each earlier transition's output is projected
 * (BN-ReLU-1x1 conv to `channels`), average-pooled 2x2 as often as the main path was since
 * (so the sizes match), passed through dropout, and concatenated to the last transition's output.
 */
function skipJoin(
  b: NetBuilder,
  x: Sym,
  sources: Sym[],
  skip: { channels: number; dropout: number },
): Sym {
  const parts = [x];
  sources.forEach((src, i) => {
    const name = `skip${i + 1}`;
    let s = b.conv(b.bnRelu(src, name), `${name}_conv`, skip.channels, 1);
    for (let p = 0; p < sources.length - i; p++) s = b.pool(s, `${name}_pool${p + 1}`);
    parts.push(b.dropout(s, `${name}_drop`, skip.dropout));
  });
  return b.concat(parts, 'skip_concat');
}

export function buildDenseNet(config: ResolvedDenseNetConfig): tf.LayersModel {
  return buildDenseNetFamily(config, {
    modelName: 'densenet',
    layer: () => ({ bottleneck: config.bottleneck, dropout: config.dropout }),
  });
}
