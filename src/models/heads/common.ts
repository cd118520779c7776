import * as tf from '@tensorflow/tfjs';
import { batchNorm } from '../layers/batch-norm.js';
import { L2Normalize } from '../layers/l2-normalize.js';
import { ChannelShift } from '../layers/channel-shift.js';
import { FACEAPI_MEAN_RGB } from '../../features/faceapi-common.js';
import { badOption, enumOption, intOption, numberOption, shapeOption } from './options.js';
import { type Shape3 } from '../../core/types.js';
import {
  DEFAULT_FEATURE_SHAPE,
  DEFAULT_PIXEL_SHAPE,
  INPUT_MODES,
  type InputMode,
} from './defaults.js';

export { DEFAULT_FEATURE_SHAPE, DEFAULT_PIXEL_SHAPE, INPUT_MODES, type InputMode };

/** Options every head takes. */
export interface CommonHeadConfig {
  /** Default 'features'. */
  inputMode?: InputMode;
  /** [h, w, c]; default [7, 7, 1024] for features, [100, 100, 1] for pixels. */
  inputShape?: Shape3;
  /**
   * Channels of the stem conv, the head's first layer: a 1x1 conv on feature maps, a 3x3 conv
   * on pixels. Default: 2 × growth for the DenseNet heads (DenseNet-BC), 512 for FECNet.
   */
  stemChannels?: number;
  /** Stride of the pixel stem's 3x3 conv; default 1 (the study's). Features: must be 1. */
  stemStride?: number;
  /** Dropout after each conv of the dense layers (and transitions); default 0. */
  dropout?: number;
  /** Size of the L2-normalised output; default 16. */
  embeddingSize?: number;
  /** Seed of the Kaiming-normal weight initialisers (dropout masks are not seeded); default 1. */
  seed?: number;
  /**
   * A trainable backbone block run before the stem; default 'none'.
   * 'faceapi-expression-dense3': face-api's expression net's last dense block (four 3x3
   * separable convs, 14x14x128 → 7x7x256), for features cached at the backbone's `dense2`
   * layer; training starts from the shipped weights (src/train/head-tail.ts) and fine-tunes it.
   * 'faceapi-expression-full': the whole expression net's trunk (its input normalisation and
   * dense blocks 0-3, 112x112x3 pixels scaled 0..1 → 7x7x256), fine-tuned from the shipped
   * weights on pixel inputs (where training can augment the images).
   */
  tail?: HeadTail;
}

export const HEAD_TAILS = ['none', 'faceapi-expression-dense3', 'faceapi-expression-full'] as const;
export type HeadTail = (typeof HEAD_TAILS)[number];
/** The input a tail reads: a feature map (of the backbone `layer`), or pixels. */
export const TAIL_INPUT: Record<
  Exclude<HeadTail, 'none'>,
  { mode: InputMode; shape: Shape3; layer?: string }
> = {
  'faceapi-expression-dense3': { mode: 'features', shape: [14, 14, 128], layer: 'dense2' },
  'faceapi-expression-full': { mode: 'pixels', shape: [112, 112, 3] },
};
/**
 * What every tail outputs: the backbone's map at this layer. A head trained on cached features
 * of that layer reads the same map, so it can start a tailed run (src/train/init-weights.ts).
 */
export const TAIL_OUTPUT = {
  backbone: 'faceapi-expression',
  layer: 'dense3',
  shape: [7, 7, 256] as Shape3,
} as const;
/** The tail a head config names ('none' when it names none). */
export const headTailOf = (config: unknown): HeadTail =>
  (config as { tail?: HeadTail } | undefined)?.tail ?? 'none';
/** Layers a tail adds to a head (`tail_`, `tail0_`…`tail3_`); the rest are the head's own. */
export const isTailLayer = (name: string): boolean => /^tail\d*_/.test(name);

/** A face-api expression dense block inside a tail: its index in the net, and its layers' prefix. */
export interface TailBlock {
  block: 0 | 1 | 2 | 3;
  prefix: string;
}

/**
 * The dense blocks each tail holds, in order; their layers are `<prefix>conv0..3`, which
 * src/train/head-tail.ts fills from the shipped weights of dense<block>.
 */
export const TAIL_BLOCKS: Record<Exclude<HeadTail, 'none'>, readonly TailBlock[]> = {
  'faceapi-expression-dense3': [{ block: 3, prefix: 'tail_' }],
  'faceapi-expression-full': ([0, 1, 2, 3] as const).map((block) => ({
    block,
    prefix: `tail${block}_`,
  })),
};

/** Output channels of face-api's expression dense blocks 0-3. */
const FACEAPI_BLOCK_CHANNELS = [32, 64, 128, 256] as const;

export type ResolvedCommonConfig = Required<CommonHeadConfig>;

export const COMMON_KEYS = [
  'inputMode',
  'inputShape',
  'stemChannels',
  'stemStride',
  'dropout',
  'embeddingSize',
  'seed',
  'tail',
] as const;

export function resolveCommon(
  head: string,
  raw: Record<string, unknown>,
  defaultStemChannels: number,
): ResolvedCommonConfig {
  const inputMode = enumOption(head, 'inputMode', raw.inputMode, INPUT_MODES) ?? 'features';
  const tail = enumOption(head, 'tail', raw.tail, HEAD_TAILS) ?? 'none';
  const tailInput = tail === 'none' ? undefined : TAIL_INPUT[tail];
  const tailShape = tailInput?.shape;
  const inputShape =
    shapeOption(head, 'inputShape', raw.inputShape) ??
    (tailShape !== undefined
      ? [...tailShape]
      : inputMode === 'pixels'
        ? [...DEFAULT_PIXEL_SHAPE]
        : [...DEFAULT_FEATURE_SHAPE]);
  if (
    tailInput !== undefined &&
    (inputMode !== tailInput.mode || inputShape.join() !== tailInput.shape.join())
  ) {
    throw badOption(
      head,
      'tail',
      `${tail} reads ${tailInput.mode === 'pixels' ? 'pixels' : 'a feature map'} ${tailInput.shape.join('x')}, got ${inputMode} ${inputShape.join('x')}`,
      tailInput.mode === 'pixels'
        ? `train on \`pixels\` ${tailInput.shape.join('x')}`
        : 'cache features at the backbone layer the tail continues (e.g. `layer` dense2)',
    );
  }
  const stemStride = intOption(head, 'stemStride', raw.stemStride, { min: 1, max: 4 }) ?? 1;
  if (inputMode === 'features' && stemStride !== 1) {
    throw badOption(
      head,
      'stemStride',
      `must be 1 on feature maps (the stem is a 1x1 conv), got ${stemStride}`,
      "use inputMode 'pixels' for a strided 3x3 stem",
    );
  }
  return {
    inputMode,
    inputShape,
    stemChannels:
      intOption(head, 'stemChannels', raw.stemChannels, { min: 1 }) ?? defaultStemChannels,
    stemStride,
    dropout: numberOption(head, 'dropout', raw.dropout, { min: 0, below: 1 }) ?? 0,
    embeddingSize: intOption(head, 'embeddingSize', raw.embeddingSize, { min: 1 }) ?? 16,
    seed: intOption(head, 'seed', raw.seed, { min: 0 }) ?? 1,
    tail,
  };
}

type Sym = tf.SymbolicTensor;

const channelsOf = (x: Sym): number => x.shape[x.shape.length - 1] as number;

/**
 * Builds a tf.layers functional graph with unique, readable layer names and seeded
 * Kaiming-normal initialisers (tf.initializers.heNormal: σ² = 2 / fan_in; tfjs 4.22 draws
 * from a normal truncated at 2σ without rescaling, so the variance is ≈ 0.77 × that). Every
 * conv and dense kernel has its own seed (seed, seed + 1, … in creation order), so a config
 * fixes the weights.
 * Convs feeding a batch norm have no bias (the norm's beta replaces it; a bias there would get
 * no gradient).
 */
export class NetBuilder {
  private nextSeed: number;

  constructor(seed: number) {
    this.nextSeed = seed;
  }

  static channels = channelsOf;

  private init(): ReturnType<typeof tf.initializers.heNormal> {
    return tf.initializers.heNormal({ seed: this.nextSeed++ });
  }

  conv(
    x: Sym,
    name: string,
    filters: number,
    kernelSize: number,
    opts: { strides?: number; useBias?: boolean; activation?: 'sigmoid' } = {},
  ): Sym {
    return tf.layers
      .conv2d({
        name,
        filters,
        kernelSize,
        strides: opts.strides ?? 1,
        padding: 'same',
        useBias: opts.useBias ?? false,
        activation: opts.activation,
        kernelInitializer: this.init(),
      })
      .apply(x) as Sym;
  }

  dense(x: Sym, name: string, units: number, activation?: 'relu' | 'sigmoid'): Sym {
    return tf.layers
      .dense({ name, units, activation, kernelInitializer: this.init() })
      .apply(x) as Sym;
  }

  bn(x: Sym, name: string): Sym {
    return batchNorm({ name }).apply(x) as Sym;
  }

  relu(x: Sym, name: string): Sym {
    return tf.layers.reLU({ name }).apply(x) as Sym;
  }

  sigmoid(x: Sym, name: string): Sym {
    return tf.layers.activation({ name, activation: 'sigmoid' }).apply(x) as Sym;
  }

  /** BN → ReLU, the pre-activation of every DenseNet conv. */
  bnRelu(x: Sym, name: string): Sym {
    return this.relu(this.bn(x, `${name}_bn`), `${name}_relu`);
  }

  /** Dropout (unseeded: a seeded tfjs dropout layer draws the same mask at every step). */
  dropout(x: Sym, name: string, rate: number): Sym {
    return rate > 0 ? (tf.layers.dropout({ name, rate }).apply(x) as Sym) : x;
  }

  /**
   * 2x2 average pooling, stride 2, 'same' padding: sizes halve rounding up (7 → 4 → 2), so no
   * row or column is dropped and a 1x1 map stays 1x1. Padding is not counted in the average.
   */
  pool(x: Sym, name: string): Sym {
    return tf.layers
      .averagePooling2d({ name, poolSize: 2, strides: 2, padding: 'same' })
      .apply(x) as Sym;
  }

  globalPool(x: Sym, name: string): Sym {
    return tf.layers.globalAveragePooling2d({ name }).apply(x) as Sym;
  }

  reshape(x: Sym, name: string, targetShape: number[]): Sym {
    return tf.layers.reshape({ name, targetShape }).apply(x) as Sym;
  }

  concat(xs: Sym[], name: string): Sym {
    return tf.layers.concatenate({ name, axis: -1 }).apply(xs) as Sym;
  }

  add(xs: Sym[], name: string): Sym {
    return tf.layers.add({ name }).apply(xs) as Sym;
  }

  multiply(xs: Sym[], name: string): Sym {
    return tf.layers.multiply({ name }).apply(xs) as Sym;
  }

  /** The head's input and stem conv: 1x1 on feature maps, 3x3 (stride stemStride) on pixels. */
  stem(config: ResolvedCommonConfig): { input: Sym; x: Sym } {
    const input = tf.input({
      shape: config.inputShape,
      name: config.inputMode === 'pixels' ? 'pixels' : 'features',
    });
    const from = config.tail === 'none' ? input : this.faceApiTail(input, config.tail);
    // After a tail the head reads the tail's feature map: a 1x1 stem, as on cached features.
    const x =
      config.inputMode === 'pixels' && config.tail === 'none'
        ? this.conv(from, 'stem_conv', config.stemChannels, 3, { strides: config.stemStride })
        : this.conv(from, 'stem_conv', config.stemChannels, 1);
    return { input, x };
  }

  /**
   * A tail's face-api expression blocks ({@link TAIL_BLOCKS}). On pixels (the full trunk, 0..1
   * input) the net's normalisation `(v - meanRGB) / 255` comes first, as `x - meanRGB / 255`.
   */
  faceApiTail(input: Sym, tail: Exclude<HeadTail, 'none'>): Sym {
    let x =
      TAIL_INPUT[tail].mode === 'pixels'
        ? (new ChannelShift({
            name: 'tail_normalise',
            offset: FACEAPI_MEAN_RGB.map((m) => m / 255),
          }).apply(input) as Sym)
        : input;
    for (const { block, prefix } of TAIL_BLOCKS[tail]) {
      x = this.faceApiDenseBlock(x, prefix, FACEAPI_BLOCK_CHANNELS[block], block === 0);
    }
    return x;
  }

  /**
   * face-api's dense block (src/features/faceapi-expression.ts), `filters` channels, halving the
   * resolution: out1 = ReLU(conv0/2(x)), out2 = sep(out1), out3 = sep(ReLU(out1 + out2)),
   * out4 = sep(ReLU(out1 + out2 + out3)), ReLU(out1 + … + out4); conv0 is a plain 3x3 conv in
   * block 0 (`plainConv0`), separable otherwise. Layers `<prefix>conv0..3` hold face-api's weights
   * ([filter, bias] or [depthwise, pointwise, bias]), which initialise them.
   */
  faceApiDenseBlock(x: Sym, prefix: string, filters: number, plainConv0: boolean): Sym {
    const sep = (y: Sym, i: number, strides: number): Sym =>
      tf.layers
        .separableConv2d({
          name: `${prefix}conv${i}`,
          filters,
          kernelSize: 3,
          strides,
          padding: 'same',
          useBias: true,
        })
        .apply(y) as Sym;
    const conv0 = plainConv0
      ? (tf.layers
          .conv2d({
            name: `${prefix}conv0`,
            filters,
            kernelSize: 3,
            strides: 2,
            padding: 'same',
            useBias: true,
          })
          .apply(x) as Sym)
      : sep(x, 0, 2);
    const out1 = this.relu(conv0, `${prefix}relu1`);
    const out2 = sep(out1, 1, 1);
    const s12 = this.add([out1, out2], `${prefix}add12`);
    const out3 = sep(this.relu(s12, `${prefix}relu12`), 2, 1);
    const s123 = this.add([s12, out3], `${prefix}add123`);
    const out4 = sep(this.relu(s123, `${prefix}relu123`), 3, 1);
    return this.relu(this.add([s123, out4], `${prefix}add1234`), `${prefix}out`);
  }

  /** FC to the embedding size (with bias), then L2 normalisation: unit-norm embeddings. */
  embedding(x: Sym, size: number): Sym {
    const y = this.dense(x, 'embedding_fc', size);
    return new L2Normalize({ name: 'embedding' }).apply(y) as Sym;
  }
}
