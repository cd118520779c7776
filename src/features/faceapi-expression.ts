import * as tf from '@tensorflow/tfjs';
import {
  FACEAPI_MEAN_RGB,
  FaceApiBackbone,
  loadFaceApiNet,
  type FaceApiNet,
  type FaceApiStage,
} from './faceapi-common.js';
import type { Shape3 } from '../core/types.js';
import type { BackboneConfig } from './types.js';
import { takeWeight } from './weights.js';

/**
 * face-api's facial expression network (`@vladmandic/face-api` model/face_expression_model,
 * MIT): a small depthwise-separable "dense" net trained to classify 7 expressions. Input 112x112
 * RGB (grey faces replicated), `(v - meanRGB) / 255` with meanRGB = (122.782, 117.001, 104.298).
 *
 * Forward pass: four dense blocks, each halving the resolution (112 → 56 → 28 → 14 → 7) with
 * 32, 64, 128, 256 channels. A block: out1 = ReLU(conv0 /2) (a plain 3x3 conv in block 0, a
 * separable 3x3 conv otherwise), out2 = sep(out1), out3 = sep(ReLU(out1 + out2)),
 * out4 = sep(ReLU(out1 + out2 + out3)), result ReLU(out1 + out2 + out3 + out4); every conv has a
 * bias and `same` padding. Then 7x7/2 average pool (valid) → 1x1x256 → FC 256→7 → softmax over
 * neutral, happy, sad, angry, fearful, disgusted, surprised.
 *
 * Exposed layers: `dense3` (default), the last conv map, 7x7x256; `dense2`, 14x14x128.
 * The input size is fixed at 112: the classifier's pooling only fits a 7x7 map.
 */
export const EXPRESSION_LAYERS = ['dense2', 'dense3'] as const;
export type ExpressionLayer = (typeof EXPRESSION_LAYERS)[number];
export const EXPRESSION_LABELS = [
  'neutral',
  'happy',
  'sad',
  'angry',
  'fearful',
  'disgusted',
  'surprised',
] as const;
export const EXPRESSION_MEAN_RGB = FACEAPI_MEAN_RGB;

const NET: FaceApiNet<ExpressionLayer> = {
  name: 'faceapi-expression',
  folder: 'faceapi-expression',
  manifest: 'face_expression_model-weights_manifest.json',
  layers: EXPRESSION_LAYERS,
  defaultLayer: 'dense3',
  defaultSize: 112,
  size: { min: 112, max: 112 },
};

interface SepConv {
  depthwise: tf.Tensor4D;
  pointwise: tf.Tensor4D;
  bias: tf.Tensor1D;
}
interface DenseBlock {
  conv0: SepConv | { filter: tf.Tensor4D; bias: tf.Tensor1D };
  rest: SepConv[];
}

function sep(x: tf.Tensor4D, p: SepConv, stride: 1 | 2): tf.Tensor4D {
  const d = tf.depthwiseConv2d(x, p.depthwise, stride, 'same') as tf.Tensor4D;
  return tf.fused.conv2d({ x: d, filter: p.pointwise, strides: 1, pad: 'same', bias: p.bias });
}

function denseBlock(x: tf.Tensor4D, b: DenseBlock): tf.Tensor4D {
  const out1 =
    'filter' in b.conv0
      ? tf.fused.conv2d({
          x,
          filter: b.conv0.filter,
          strides: 2,
          pad: 'same',
          bias: b.conv0.bias,
          activation: 'relu',
        })
      : tf.relu(sep(x, b.conv0, 2));
  const out2 = sep(out1, b.rest[0], 1);
  const s12 = tf.add<tf.Tensor4D>(out1, out2);
  const out3 = sep(tf.relu(s12), b.rest[1], 1);
  const s123 = tf.add<tf.Tensor4D>(s12, out3);
  const out4 = sep(tf.relu(s123), b.rest[2], 1);
  return tf.relu(tf.add<tf.Tensor4D>(s123, out4));
}

export class FaceApiExpressionBackbone extends FaceApiBackbone<ExpressionLayer> {
  readonly name = 'faceapi-expression' as const;
  readonly outputKind = 'expression-probabilities' as const;
  readonly outputSize = 7;
  readonly outputLabels = EXPRESSION_LABELS;
  readonly featureShape: Shape3;
  protected readonly stages: readonly FaceApiStage<ExpressionLayer>[];

  private constructor(
    config: Readonly<{ layer: ExpressionLayer; inputSize: number }>,
    weightsSha256: string,
    private readonly blocks: DenseBlock[],
    private readonly fcWeights: tf.Tensor2D,
    private readonly fcBias: tf.Tensor1D,
  ) {
    super(config, weightsSha256);
    const s = config.inputSize / (config.layer === 'dense3' ? 16 : 8);
    this.featureShape = [s, s, config.layer === 'dense3' ? 256 : 128];
    this.stages = blocks.map((b, i) => ({
      apply: (x) => denseBlock(x, b),
      tap: `dense${i}` as ExpressionLayer,
    }));
  }

  static async create(config: BackboneConfig = {}): Promise<FaceApiExpressionBackbone> {
    const { tensors, sha256, path, resolved } = await loadFaceApiNet(NET, config);
    const keep: tf.Tensor[] = [];
    const take = <R extends tf.Rank>(name: string, shape: (number | null)[]) => {
      const t = takeWeight<R>(tensors, name, shape, path);
      keep.push(t);
      return t;
    };
    const sepConv = (prefix: string, cIn: number, cOut: number): SepConv => ({
      depthwise: take(`${prefix}/depthwise_filter`, [3, 3, cIn, 1]),
      pointwise: take(`${prefix}/pointwise_filter`, [1, 1, cIn, cOut]),
      bias: take(`${prefix}/bias`, [cOut]),
    });
    try {
      const channels = [3, 32, 64, 128, 256];
      const blocks: DenseBlock[] = [];
      for (let i = 0; i < 4; i++) {
        const [cIn, c] = [channels[i], channels[i + 1]];
        const p = `dense${i}`;
        blocks.push({
          conv0:
            i === 0
              ? {
                  filter: take(`${p}/conv0/filters`, [3, 3, cIn, c]),
                  bias: take(`${p}/conv0/bias`, [c]),
                }
              : sepConv(`${p}/conv0`, cIn, c),
          rest: [1, 2, 3].map((k) => sepConv(`${p}/conv${k}`, c, c)),
        });
      }
      const fcWeights = take<tf.Rank.R2>('fc/weights', [256, 7]);
      const fcBias = take<tf.Rank.R1>('fc/bias', [7]);
      return new FaceApiExpressionBackbone(resolved, sha256, blocks, fcWeights, fcBias);
    } finally {
      tf.dispose(Object.values(tensors).filter((t) => !keep.includes(t)));
    }
  }

  /**
   * Copies of dense block `index`'s weights, in the order of the tf.layers of a head's trainable
   * tail (src/train/head-tail.ts): block 0 opens with a plain conv2d [filter, bias], blocks 1-3
   * with a separable conv; then three separable convs, each [depthwise, pointwise, bias].
   */
  denseBlockWeights(index: 0 | 1 | 2 | 3): tf.Tensor[] {
    const b = this.blocks[index];
    const first =
      'filter' in b.conv0
        ? [b.conv0.filter.clone(), b.conv0.bias.clone()]
        : [b.conv0.depthwise.clone(), b.conv0.pointwise.clone(), b.conv0.bias.clone()];
    return [
      ...first,
      ...b.rest.flatMap((c) => [c.depthwise.clone(), c.pointwise.clone(), c.bias.clone()]),
    ];
  }

  protected output(last: tf.Tensor4D): tf.Tensor2D {
    const pooled = tf.avgPool(last, 7, 2, 'valid');
    const flat = tf.reshape(pooled, [pooled.shape[0], -1]) as tf.Tensor2D;
    return tf.softmax(tf.add(tf.matMul(flat, this.fcWeights), this.fcBias)) as tf.Tensor2D;
  }

  protected release(): void {
    const all: tf.Tensor[] = [this.fcWeights, this.fcBias];
    for (const b of this.blocks) {
      all.push(...Object.values(b.conv0));
      for (const r of b.rest) all.push(r.depthwise, r.pointwise, r.bias);
    }
    tf.dispose(all);
  }
}
