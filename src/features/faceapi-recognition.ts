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
 * face-api's face recognition network (`@vladmandic/face-api` model/face_recognition_model, MIT),
 * itself a port of dlib's `dlib_face_recognition_resnet_model_v1`: a ResNet-34-like net trained
 * for identity (metric learning, 128-d descriptors compared by Euclidean distance), input
 * 150x150 RGB, `(v - meanRGB) / 255` with meanRGB = (122.782, 117.001, 104.298).
 *
 * Forward pass (written from the architecture; each "conv" = conv + bias, then a per-channel
 * affine "scale" layer, folded here into the conv weights at load time):
 *   7x7/2 conv 32 (valid) + ReLU → 3x3/2 max pool (valid) → 3 residual blocks (32)
 *   → down block (64) + 3 residual (64) → down (128) + 2 residual (128) → down (256) + 2 residual
 *   (256) → down (256) → global average → FC 256→128.
 * A down block: 3x3/2 valid conv + ReLU, 3x3 conv; shortcut 2x2/2 average pool, zero-padded in
 * channels; when the conv output is one smaller than the pooled shortcut it is zero-padded at the
 * bottom and right (face-api's behaviour, kept for bit-compatible descriptors).
 *
 * Exposed layers at 150x150 (spatial sizes grow with `inputSize`):
 * - `conv64`:  after the 64-channel stage, 17x17x64;
 * - `conv128`: after the 128-channel stage, 8x8x128;
 * - `conv256` (default): after the 2nd 256-channel residual block, the last block before the
 *   final down-sampling stage: 4x4x256. This is the analogue of FECNet's Inception-4e cut (the
 *   last mid-level stage before the network's final, most identity-specific stage and pooling).
 * - `conv256_out`: the final map before global pooling, 2x2x256.
 */
export const RECOGNITION_LAYERS = ['conv64', 'conv128', 'conv256', 'conv256_out'] as const;
export type RecognitionLayer = (typeof RECOGNITION_LAYERS)[number];

export const RECOGNITION_MEAN_RGB = FACEAPI_MEAN_RGB;

const NET: FaceApiNet<RecognitionLayer> = {
  name: 'faceapi-recognition',
  folder: 'faceapi-recognition',
  manifest: 'face_recognition_model-weights_manifest.json',
  layers: RECOGNITION_LAYERS,
  defaultLayer: 'conv256',
  defaultSize: 150,
  size: { min: 64, max: 600 },
};

interface Conv {
  filter: tf.Tensor4D;
  bias: tf.Tensor1D;
}
interface Block {
  conv1: Conv;
  conv2: Conv;
}

const STAGES: { name: string; down: boolean; tap?: RecognitionLayer }[] = [
  { name: 'conv32_1', down: false },
  { name: 'conv32_2', down: false },
  { name: 'conv32_3', down: false },
  { name: 'conv64_down', down: true },
  { name: 'conv64_1', down: false },
  { name: 'conv64_2', down: false },
  { name: 'conv64_3', down: false, tap: 'conv64' },
  { name: 'conv128_down', down: true },
  { name: 'conv128_1', down: false },
  { name: 'conv128_2', down: false, tap: 'conv128' },
  { name: 'conv256_down', down: true },
  { name: 'conv256_1', down: false },
  { name: 'conv256_2', down: false, tap: 'conv256' },
  { name: 'conv256_down_out', down: true, tap: 'conv256_out' },
];

/** Folds conv bias b and the scale layer (w, t) into one conv: (x*W + b)·w + t = x*(W·w) + (b·w + t). */
function foldConv(map: tf.NamedTensorMap, prefix: string, source: string): Conv {
  const filters = takeWeight<tf.Rank.R4>(
    map,
    `${prefix}/conv/filters`,
    [null, null, null, null],
    source,
  );
  const cOut = filters.shape[3];
  const bias = takeWeight<tf.Rank.R1>(map, `${prefix}/conv/bias`, [cOut], source);
  const w = takeWeight<tf.Rank.R1>(map, `${prefix}/scale/weights`, [cOut], source);
  const t = takeWeight<tf.Rank.R1>(map, `${prefix}/scale/biases`, [cOut], source);
  return tf.tidy(() => ({
    filter: tf.mul<tf.Tensor4D>(filters, w),
    bias: tf.add<tf.Tensor1D>(tf.mul(bias, w), t),
  }));
}

function conv(x: tf.Tensor4D, c: Conv, stride: 1 | 2, relu: boolean, padding: 'same' | 'valid') {
  return tf.fused.conv2d({
    x,
    filter: c.filter,
    strides: stride,
    pad: padding,
    bias: c.bias,
    activation: relu ? 'relu' : 'linear',
  });
}

function residual(x: tf.Tensor4D, b: Block): tf.Tensor4D {
  const out = conv(conv(x, b.conv1, 1, true, 'same'), b.conv2, 1, false, 'same');
  return tf.relu(tf.add<tf.Tensor4D>(out, x));
}

function residualDown(x: tf.Tensor4D, b: Block): tf.Tensor4D {
  let out = conv(conv(x, b.conv1, 2, true, 'valid'), b.conv2, 1, false, 'same');
  let pooled = tf.avgPool(x, 2, 2, 'valid');
  const [, ph, pw, pc] = pooled.shape;
  const [, oh, ow, oc] = out.shape;
  if (ph !== oh || pw !== ow) {
    out = tf.pad(out, [
      [0, 0],
      [0, ph - oh],
      [0, pw - ow],
      [0, 0],
    ]);
  }
  if (pc !== oc)
    pooled = tf.pad(pooled, [
      [0, 0],
      [0, 0],
      [0, 0],
      [0, oc - pc],
    ]);
  return tf.relu(tf.add<tf.Tensor4D>(pooled, out));
}

export class FaceApiRecognitionBackbone extends FaceApiBackbone<RecognitionLayer> {
  readonly name = 'faceapi-recognition' as const;
  readonly outputKind = 'descriptor' as const;
  readonly outputSize = 128;
  readonly featureShape: Shape3;
  protected readonly stages: readonly FaceApiStage<RecognitionLayer>[];

  private constructor(
    config: Readonly<{ layer: RecognitionLayer; inputSize: number }>,
    weightsSha256: string,
    private readonly stemConv: Conv,
    private readonly blocks: Block[],
    private readonly fc: tf.Tensor2D,
  ) {
    super(config, weightsSha256);
    this.stages = STAGES.map((s, i) => ({
      apply: (x) => (s.down ? residualDown(x, blocks[i]) : residual(x, blocks[i])),
      tap: s.tap,
    }));
    const probe = tf.zeros<tf.Rank.R4>([1, ...this.inputShape]);
    const f = this.features(probe);
    this.featureShape = f.shape.slice(1) as Shape3;
    tf.dispose([probe, f]);
  }

  static async create(config: BackboneConfig = {}): Promise<FaceApiRecognitionBackbone> {
    const { tensors, sha256, path, resolved } = await loadFaceApiNet(NET, config);
    try {
      const stem = foldConv(tensors, 'conv32_down', path);
      const blocks = STAGES.map((s) => ({
        conv1: foldConv(tensors, `${s.name}/conv1`, path),
        conv2: foldConv(tensors, `${s.name}/conv2`, path),
      }));
      const fc = tf.clone(takeWeight<tf.Rank.R2>(tensors, 'fc', [256, 128], path));
      return new FaceApiRecognitionBackbone(resolved, sha256, stem, blocks, fc);
    } finally {
      tf.dispose(Object.values(tensors));
    }
  }

  protected override stem(x: tf.Tensor4D): tf.Tensor4D {
    return tf.maxPool(conv(x, this.stemConv, 2, true, 'valid'), 3, 2, 'valid');
  }

  protected output(last: tf.Tensor4D): tf.Tensor2D {
    return tf.matMul(tf.mean(last, [1, 2]) as tf.Tensor2D, this.fc) as tf.Tensor2D;
  }

  protected release(): void {
    tf.dispose([this.stemConv.filter, this.stemConv.bias, this.fc]);
    for (const b of this.blocks)
      tf.dispose([b.conv1.filter, b.conv1.bias, b.conv2.filter, b.conv2.bias]);
  }
}
