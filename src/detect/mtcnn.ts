/**
 * MTCNN (Zhang et al., "Joint Face Detection and Alignment using Multi-task Cascaded
 * Convolutional Networks", 2016) on TensorFlow.js, with the weights face-api.js converted from the
 * original Caffe models (models/mtcnn, MIT).
 *
 * Pipeline: P-Net slides over an image pyramid and proposes 12x12 windows; R-Net (24x24 crops)
 * and O-Net (48x48 crops) re-score and regress them; O-Net also places five landmarks.
 *
 * The original networks (Zhang et al.'s MATLAB Caffe models) were trained on transposed (x <-> y)
 * RGB images. Rather than transposing every input, the weights are rewritten once at load:
 * convolution kernels are transposed in their two spatial axes and the rows of the first fully
 * connected layers are permuted to match the untransposed flattening. The channels stay RGB:
 * face-api.js feeds these same weights BGR (its bgrToRgbTensor), which costs MTCNN about a third
 * of the faces it should find, most visibly large ones (P-Net never proposes them); see
 * mtcnn.test.ts.
 *
 * Speed: large photos are first reduced (sharp) so that the smallest face wanted is ~48 px, the
 * pyramid is resampled from a 2x box-filtered ladder made on demand (no aliasing, and cheap),
 * all P-Net outputs are read back in one transfer, and the R-Net/O-Net crops are sampled in JS
 * from the ladder level nearest their size, in batches.
 *
 * Memory: P-Net's intermediates take ~110 bytes per level pixel, so a level over 1 Mpx is
 * run in horizontal strips (exactly the same outputs), and a plan whose first level would be over
 * MTCNN_MAX_LEVEL_PIXELS (a tiny smallest face on a big photo) is refused up front
 * (size-limits.ts).
 */
import * as tf from '@tensorflow/tfjs';
import { initEngine } from '../engine/backend.js';
import { ExprsimError } from '../core/errors.js';
import { joinPath } from '../core/files.js';
import { resizeImage } from '../image/transform.js';
import type { RawImage } from '../image/types.js';
import { logger } from '../core/logger.js';
import { modelDir } from '../core/paths.js';
import { type Corners, clipBox, nms, squareCorners } from './geometry.js';
import { DEFAULT_MTCNN_CONFIG as D, MAX_MIN_FACE, MIN_FACE_LIMITS } from './defaults.js';
import { loadDetectInput, rejectUnknownKeys, requireNumber } from './input.js';
import type { DetectedFace, DetectInput, Detector, FaceLandmarks } from '../core/face.js';
import { loadWeightsManifest } from './weights.js';
import { requireMtcnnPlan } from './size-limits.js';

export interface MtcnnConfig {
  /** Smallest face to look for, in input pixels. Default 20 (MTCNN's and face-api.js's). */
  minFaceSize?: number;
  /**
   * Smallest face as a fraction of the image's shorter side; the larger of this and minFaceSize
   * wins. Default 0.03 (38 px on a 1280-px side): skips the costly finest pyramid levels on big
   * photos. Pass 0 to look for faces down to minFaceSize on any image.
   */
  minFaceRatio?: number;
  /** Pyramid step, 0 < f < 1. Default 0.709 (each level has half the pixels of the last). */
  scaleFactor?: number;
  /** Score thresholds of P-Net, R-Net and O-Net. Default [0.6, 0.7, 0.7]. */
  thresholds?: readonly [number, number, number];
  /** Faces returned at most (the best). Default Infinity. */
  maxFaces?: number;
  /** Folder holding mtcnn_model-weights_manifest.json. Default `<modelDir()>/mtcnn`. */
  weightsDir?: string;
}

export type ResolvedMtcnnConfig = Required<Omit<MtcnnConfig, 'thresholds'>> & {
  thresholds: [number, number, number];
};

const KEYS = [
  'minFaceSize',
  'minFaceRatio',
  'scaleFactor',
  'thresholds',
  'maxFaces',
  'weightsDir',
] as const;

export function resolveMtcnnConfig(config: MtcnnConfig = {}): ResolvedMtcnnConfig {
  rejectUnknownKeys('mtcnn', config, KEYS);
  const t = config.thresholds ?? D.thresholds;
  if (!Array.isArray(t) || t.length !== 3) {
    throw new ExprsimError(
      'E_BAD_OPTION',
      'thresholds must be three numbers (P-Net, R-Net, O-Net)',
      {
        input: `thresholds=${JSON.stringify(t)}`,
        fix: 'pass e.g. thresholds: [0.6, 0.7, 0.7]',
      },
    );
  }
  const maxFaces = config.maxFaces ?? D.maxFaces;
  if (maxFaces !== Infinity) requireNumber('maxFaces', maxFaces, 1, Number.MAX_SAFE_INTEGER);
  return {
    minFaceSize: requireNumber(
      'minFaceSize',
      config.minFaceSize ?? D.minFaceSize,
      MIN_FACE_LIMITS.mtcnn ?? 1,
      MAX_MIN_FACE,
    ),
    minFaceRatio: requireNumber('minFaceRatio', config.minFaceRatio ?? D.minFaceRatio, 0, 1),
    scaleFactor: requireNumber('scaleFactor', config.scaleFactor ?? D.scaleFactor, 0.1, 0.95),
    thresholds: [
      requireNumber('thresholds[0]', t[0], 0, 1),
      requireNumber('thresholds[1]', t[1], 0, 1),
      requireNumber('thresholds[2]', t[2], 0, 1),
    ],
    maxFaces,
    weightsDir: config.weightsDir ?? joinPath(modelDir(), 'mtcnn'),
  };
}

// The working image (at most 6 Mpx, the smallest face at ~48 px: O-Net's input size, so O-Net
// crops are never enlarged; at 24 px, blurred 2x enlargements let a dress pattern pass O-Net in
// one of the shared test photos) and P-Net's scales are planned in size-limits.ts.
/**
 * `stripPixels`: P-Net levels over this many pixels run in strips of about this size, each
 * strip's intermediates (~110 bytes a pixel) freed before the next. Not exported from the stage:
 * tests change it to compare strips with one pass.
 */
export const MTCNN_TUNING = { stripPixels: 1_000_000 };
/** Candidates kept after P-Net and R-Net, best first: bounds the cost on crowded images. */
const MAX_STAGE1 = 2000;
const MAX_STAGE2 = 400;
/** Crops per R-Net / O-Net batch. */
const BATCH = 256;

interface Conv {
  filter: tf.Tensor4D;
  bias: tf.Tensor1D;
  /** PReLU slopes, fused into the convolution; none for output layers. */
  alpha?: tf.Tensor;
}
interface Dense {
  weights: tf.Tensor2D;
  bias: tf.Tensor1D;
  alpha?: tf.Tensor;
}
interface Params {
  p: { c1: Conv; c2: Conv; c3: Conv; score: Conv; box: Conv };
  r: { c1: Conv; c2: Conv; c3: Conv; fc: Dense; score: Dense; box: Dense };
  o: { c1: Conv; c2: Conv; c3: Conv; c4: Conv; fc: Dense; score: Dense; box: Dense; points: Dense };
}

/** MTCNN's input scaling, (v - 127.5) / 128, folded into the first convolution. */
const SCALE = 0.0078125;
const MEAN = 127.5;

function prepareParams(w: tf.NamedTensorMap, source: string): Params {
  const get = (name: string): tf.Tensor => {
    const t = w[name];
    if (t === undefined) {
      throw new ExprsimError('E_MODEL_FORMAT', `MTCNN weights lack ${name}`, {
        input: source,
        fix: 'use the mtcnn_model weights that ship in models/mtcnn',
      });
    }
    return tf.clone(t);
  };
  // Kernels [kh, kw, in, out] -> [kw, kh, in, out]: the net then runs on untransposed images.
  const conv = (name: string, alpha?: string): Conv => {
    const filter = tf.transpose(get(`${name}/weights`), [1, 0, 2, 3]) as tf.Tensor4D;
    const bias = get(`${name}/bias`) as tf.Tensor1D;
    return { filter, bias, alpha: alpha === undefined ? undefined : get(alpha) };
  };
  // The first layer takes raw RGB 0..255 (the weights' own channel order: no BGR swap), with the
  // input scaling folded in (exact, as its 'valid' convolution never sees padding):
  // w' = w s, b' = b - m s sum(w).
  const firstConv = (name: string, alpha: string): Conv => {
    const c = conv(name, alpha);
    return {
      filter: tf.mul(c.filter, SCALE) as tf.Tensor4D,
      bias: tf.sub(c.bias, tf.mul(tf.sum(c.filter, [0, 1, 2]), MEAN * SCALE)) as tf.Tensor1D,
      alpha: c.alpha,
    };
  };
  const dense = (name: string, alpha?: string): Dense => ({
    weights: get(`${name}/weights`) as tf.Tensor2D,
    bias: get(`${name}/bias`) as tf.Tensor1D,
    alpha: alpha === undefined ? undefined : get(alpha),
  });
  // Flattened [3, 3, C] rows were ordered (x, y, c) in the transposed frame; we flatten (y, x, c).
  const flattenFc = (name: string, alpha: string, side: number, channels: number): Dense => {
    const d = dense(name, alpha);
    const out = d.weights.shape[1];
    return {
      ...d,
      weights: tf.reshape(
        tf.transpose(tf.reshape(d.weights, [side, side, channels, out]), [1, 0, 2, 3]),
        [side * side * channels, out],
      ) as tf.Tensor2D,
    };
  };
  let params: Params | undefined;
  tf.tidy(() => {
    params = {
      p: {
        c1: firstConv('pnet/conv1', 'pnet/prelu1_alpha'),
        c2: conv('pnet/conv2', 'pnet/prelu2_alpha'),
        c3: conv('pnet/conv3', 'pnet/prelu3_alpha'),
        score: conv('pnet/conv4_1'),
        box: conv('pnet/conv4_2'),
      },
      r: {
        c1: firstConv('rnet/conv1', 'rnet/prelu1_alpha'),
        c2: conv('rnet/conv2', 'rnet/prelu2_alpha'),
        c3: conv('rnet/conv3', 'rnet/prelu3_alpha'),
        fc: flattenFc('rnet/fc1', 'rnet/prelu4_alpha', 3, 64),
        score: dense('rnet/fc2_1'),
        box: dense('rnet/fc2_2'),
      },
      o: {
        c1: firstConv('onet/conv1', 'onet/prelu1_alpha'),
        c2: conv('onet/conv2', 'onet/prelu2_alpha'),
        c3: conv('onet/conv3', 'onet/prelu3_alpha'),
        c4: conv('onet/conv4', 'onet/prelu4_alpha'),
        fc: flattenFc('onet/fc1', 'onet/prelu5_alpha', 3, 128),
        score: dense('onet/fc2_1'),
        box: dense('onet/fc2_2'),
        points: dense('onet/fc2_3'),
      },
    };
    // Keep every prepared tensor past the tidy (tidy keeps only returned tensors it can see).
    const keep = (o: unknown): void => {
      if (o instanceof tf.Tensor) tf.keep(o);
      else if (typeof o === 'object' && o !== null) Object.values(o).forEach(keep);
    };
    keep(params);
  });
  return params as Params;
}

/** Convolution + bias (+ PReLU), one fused kernel. */
const convLayer = (x: tf.Tensor4D, c: Conv): tf.Tensor4D =>
  tf.fused.conv2d({
    x,
    filter: c.filter,
    strides: 1,
    pad: 'valid',
    bias: c.bias,
    activation: c.alpha === undefined ? 'linear' : 'prelu',
    preluActivationWeights: c.alpha,
  });
const denseLayer = (x: tf.Tensor2D, d: Dense): tf.Tensor2D => <tf.Tensor2D>tf.fused.matMul({
    a: x,
    b: d.weights,
    bias: d.bias,
    activation: d.alpha === undefined ? 'linear' : 'prelu',
    preluActivationWeights: d.alpha,
  });
/** P(face) from two logits: softmax's second entry, sigmoid(l1 - l0). */
const faceProb = (logits: tf.Tensor, axis: number): tf.Tensor => {
  const [l0, l1] = tf.split(logits, 2, axis);
  return tf.sigmoid(tf.sub(l1, l0));
};

/** Input: RGB 0..255 (the scaling is inside the first layer). */
function pnet(x: tf.Tensor4D, p: Params['p']): { score: tf.Tensor; box: tf.Tensor } {
  let h = convLayer(x, p.c1);
  h = tf.maxPool(h, 2, 2, 'same');
  h = convLayer(convLayer(h, p.c2), p.c3);
  return { score: faceProb(convLayer(h, p.score), 3), box: convLayer(h, p.box) };
}

function rnet(x: tf.Tensor4D, r: Params['r']): tf.Tensor2D {
  let h = tf.maxPool(convLayer(x, r.c1), 3, 2, 'same');
  h = tf.maxPool(convLayer(h, r.c2), 3, 2, 'valid');
  h = convLayer(h, r.c3);
  const f = denseLayer(tf.reshape(h, [h.shape[0], -1]) as tf.Tensor2D, r.fc);
  // [N, 5]: P(face), then the four box offsets.
  return tf.concat([faceProb(denseLayer(f, r.score), 1), denseLayer(f, r.box)], 1) as tf.Tensor2D;
}

function onet(x: tf.Tensor4D, o: Params['o']): tf.Tensor2D {
  let h = tf.maxPool(convLayer(x, o.c1), 3, 2, 'same');
  h = tf.maxPool(convLayer(h, o.c2), 3, 2, 'valid');
  h = tf.maxPool(convLayer(h, o.c3), 2, 2, 'same');
  h = convLayer(h, o.c4);
  const f = denseLayer(tf.reshape(h, [h.shape[0], -1]) as tf.Tensor2D, o.fc);
  // [N, 15]: P(face), four box offsets, five x then five y landmark fractions.
  return tf.concat(
    [faceProb(denseLayer(f, o.score), 1), denseLayer(f, o.box), denseLayer(f, o.points)],
    1,
  ) as tf.Tensor2D;
}

/** Pixels of one ladder level, RGB interleaved, row-major (8-bit at level 0, float above). */
interface Plane {
  data: Uint8Array | Float32Array;
  width: number;
  height: number;
}

/**
 * A working image as a ladder of 2x box-filtered levels; level k is 2^-k of level 0 (odd edge
 * pixels dropped). Levels are pooled in JS on first use and kept until dispose(); a level is
 * uploaded as a tensor only when P-Net needs it. Crops are sampled in JS from the planes: a few
 * hundred small crops cost less than cropAndResize, and the full-size image is never uploaded
 * unless P-Net works at full size.
 */
class Ladder {
  readonly width: number;
  readonly height: number;
  /** Number of levels: down to the first whose shorter side is under 2 * minSide. */
  readonly count: number;
  private readonly planes: (Plane | undefined)[];
  private readonly tensors: (tf.Tensor4D | undefined)[] = [];

  constructor(img: RawImage, minSide: number) {
    this.width = img.width;
    this.height = img.height;
    let n = 1;
    while (Math.min(img.width >> (n - 1), img.height >> (n - 1)) >= 2 * minSide) n++;
    this.count = n;
    this.planes = [{ data: img.data, width: img.width, height: img.height }];
  }

  plane(k: number): Plane {
    const have = this.planes[k];
    if (have !== undefined) return have;
    // The mean of each 2x2 block of the level below (as avgPool 'valid' would).
    const src = this.plane(k - 1);
    const w = src.width >> 1;
    const h = src.height >> 1;
    const d = src.data;
    const out = new Float32Array(w * h * 3);
    const row = src.width * 3;
    let o = 0;
    for (let y = 0; y < h; y++) {
      let a = 2 * y * row;
      for (let x = 0; x < w; x++, a += 6) {
        const b = a + row;
        out[o++] = (d[a] + d[a + 3] + d[b] + d[b + 3]) * 0.25;
        out[o++] = (d[a + 1] + d[a + 4] + d[b + 1] + d[b + 4]) * 0.25;
        out[o++] = (d[a + 2] + d[a + 5] + d[b + 2] + d[b + 5]) * 0.25;
      }
    }
    const plane = { data: out, width: w, height: h };
    this.planes[k] = plane;
    return plane;
  }

  /** Level k as a [1, h, w, 3] float tensor (kept past any tf.tidy until dispose()). */
  tensor(k: number): tf.Tensor4D {
    const have = this.tensors[k];
    if (have !== undefined) return have;
    const p = this.plane(k);
    const data = p.data instanceof Float32Array ? p.data : new Float32Array(p.data);
    const t = tf.keep(tf.tensor4d(data, [1, p.height, p.width, 3], 'float32'));
    this.tensors[k] = t;
    return t;
  }

  /** Level k's [height, width], without making it. */
  size(k: number): [number, number] {
    return [this.height >> k, this.width >> k];
  }

  dispose(): void {
    tf.dispose(this.tensors.filter((t): t is tf.Tensor4D => t !== undefined));
    this.tensors.length = 0;
    this.planes.length = 1;
  }
}

/** The ladder level a box is cropped from: the coarsest where it still spans >= size pixels. */
function cropLevel(ladder: Ladder, b: Corners, size: number): number {
  const side = Math.max(b.x2 - b.x1, b.y2 - b.y1);
  return Math.max(0, Math.min(ladder.count - 1, Math.floor(Math.log2(side / size))));
}

/**
 * Resamples the box (working-image pixels) to size x size into `out` at `offset`, bilinearly from
 * the ladder level nearest its size. Samples sit at the centres of a size x size grid over the
 * box (pixel i spans [i, i + 1)); samples outside the image are 0 (black), as in MTCNN's padding.
 */
function cropInto(
  out: Float32Array,
  offset: number,
  ladder: Ladder,
  b: Corners,
  size: number,
): void {
  const k = cropLevel(ladder, b, size);
  const { data, width, height } = ladder.plane(k);
  const f = 2 ** k;
  const sw = (b.x2 - b.x1) / f / size;
  const sh = (b.y2 - b.y1) / f / size;
  const x0 = b.x1 / f + sw / 2 - 0.5;
  const y0 = b.y1 / f + sh / 2 - 0.5;
  // Per column: left pixel offset, right pixel offset and weight; -1 when outside.
  const left = new Int32Array(size);
  const right = new Int32Array(size);
  const wx = new Float32Array(size);
  for (let j = 0; j < size; j++) {
    const x = x0 + j * sw;
    if (x < 0 || x > width - 1) {
      left[j] = -1;
      continue;
    }
    const xi = Math.floor(x);
    left[j] = xi * 3;
    right[j] = Math.min(xi + 1, width - 1) * 3;
    wx[j] = x - xi;
  }
  let o = offset;
  for (let i = 0; i < size; i++) {
    const y = y0 + i * sh;
    if (y < 0 || y > height - 1) {
      out.fill(0, o, o + size * 3);
      o += size * 3;
      continue;
    }
    const yi = Math.floor(y);
    const top = yi * width * 3;
    const bottom = Math.min(yi + 1, height - 1) * width * 3;
    const wy = y - yi;
    for (let j = 0; j < size; j++, o += 3) {
      const l = left[j];
      if (l < 0) {
        out[o] = out[o + 1] = out[o + 2] = 0;
        continue;
      }
      const r = right[j];
      const a = wx[j];
      for (let c = 0; c < 3; c++) {
        const t = data[top + l + c] + (data[top + r + c] - data[top + l + c]) * a;
        const u = data[bottom + l + c] + (data[bottom + r + c] - data[bottom + l + c]) * a;
        out[o + c] = t + (u - t) * wy;
      }
    }
  }
}

/** Runs `net` over size x size crops of `boxes` in batches; returns its output rows, flattened. */
async function runOnCrops(
  ladder: Ladder,
  boxes: readonly Corners[],
  size: number,
  net: (x: tf.Tensor4D) => tf.Tensor2D,
): Promise<{ values: Float32Array; width: number }> {
  const outs: tf.Tensor2D[] = [];
  const per = size * size * 3;
  for (let i = 0; i < boxes.length; i += BATCH) {
    const n = Math.min(BATCH, boxes.length - i);
    const pixels = new Float32Array(n * per);
    for (let j = 0; j < n; j++) cropInto(pixels, j * per, ladder, boxes[i + j], size);
    outs.push(tf.tidy(() => net(tf.tensor4d(pixels, [n, size, size, 3], 'float32'))));
  }
  const joined = outs.length === 1 ? outs[0] : tf.concat(outs, 0);
  const values = (await joined.data()) as Float32Array;
  const width = joined.shape[1];
  tf.dispose(outs.length === 1 ? outs : [...outs, joined]);
  return { values, width };
}

/** The box moved by MTCNN's regression offsets (fractions of its width and height). */
function calibrate(b: Corners, d: ArrayLike<number>, at: number): Corners {
  const w = b.x2 - b.x1;
  const h = b.y2 - b.y1;
  return {
    x1: b.x1 + d[at] * w,
    y1: b.y1 + d[at + 1] * h,
    x2: b.x2 + d[at + 2] * w,
    y2: b.y2 + d[at + 3] * h,
  };
}

interface CascadeFace {
  box: Corners;
  score: number;
  points: number[];
}

/** One level of P-Net's pyramid: ladder rung `k` resized to h x w, and its scale. */
interface PyramidLevel {
  k: number;
  h: number;
  w: number;
  sx: number;
  sy: number;
}

/** The pyramid for stage 1 at the planned scales (scale s maps the smallest face to 12 px). */
function pyramidLevels(ladder: Ladder, scales: readonly number[]): PyramidLevel[] {
  const { width, height } = ladder;
  return scales.map((s) => {
    const k = Math.max(0, Math.min(ladder.count - 1, Math.floor(Math.log2(1 / s))));
    const [srcH, srcW] = ladder.size(k);
    const h = Math.max(12, Math.floor(height * s));
    const w = Math.max(12, Math.floor(width * s));
    // Effective scale from working pixels to level pixels (the ladder drops odd edge pixels).
    return { k, h, w, sx: w / (srcW * 2 ** k), sy: h / (srcH * 2 ** k) };
  });
}

type Proposal = { box: Corners; score: number; reg: number[] };

/** P-Net's output rows and columns on an h x w input (valid 3x3 convs, a 2x2 pool). */
const pnetOutput = (h: number, w: number): [number, number] => [
  Math.max(0, Math.ceil((h - 2) / 2) - 4),
  Math.max(0, Math.ceil((w - 2) / 2) - 4),
];

/**
 * Appends the windows over `threshold` of `rows` output rows of level `l` (starting at output
 * row `row0`) to `into`: `scores` holds one value per cell, `regs` four.
 */
function levelWindows(
  scores: ArrayLike<number>,
  regs: ArrayLike<number>,
  l: PyramidLevel,
  row0: number,
  threshold: number,
  into: Proposal[],
): void {
  const ow = pnetOutput(l.h, l.w)[1];
  for (let i = 0; i < scores.length; i++) {
    if (scores[i] < threshold) continue;
    const r = row0 + Math.floor(i / ow);
    const c = i % ow;
    into.push({
      box: {
        x1: (2 * c) / l.sx,
        y1: (2 * r) / l.sy,
        x2: (2 * c + 12) / l.sx,
        y2: (2 * r + 12) / l.sy,
      },
      score: scores[i],
      reg: [regs[i * 4], regs[i * 4 + 1], regs[i * 4 + 2], regs[i * 4 + 3]],
    });
  }
}

/** A level's windows suppressed within the level (IoU 0.5), appended to `into`. */
function keepLevel(found: readonly Proposal[], into: Proposal[]): void {
  const keep = nms(
    found.map((f) => f.box),
    found.map((f) => f.score),
    0.5,
  );
  for (const i of keep) into.push(found[i]);
}

/**
 * P-Net's windows over `threshold` per level, suppressed within the level, from its flattened
 * outputs (each level's scores, then its box offsets).
 */
function pnetProposals(
  values: Float32Array,
  levels: readonly PyramidLevel[],
  threshold: number,
): Proposal[] {
  const candidates: Proposal[] = [];
  let offset = 0;
  for (const l of levels) {
    const [oh, ow] = pnetOutput(l.h, l.w);
    const n = oh * ow;
    const found: Proposal[] = [];
    levelWindows(
      values.subarray(offset, offset + n),
      values.subarray(offset + n, offset + 5 * n),
      l,
      0,
      threshold,
      found,
    );
    offset += 5 * n;
    keepLevel(found, candidates);
  }
  if (offset !== values.length) {
    throw new ExprsimError(
      'E_MODEL_FORMAT',
      `P-Net output has ${values.length} values, expected ${offset}`,
      {
        fix: 'this is a bug in exprsim: please report it with the image size',
      },
    );
  }
  return candidates;
}

/**
 * P-Net on one large level in horizontal strips, so that only one strip's intermediates live at
 * a time. Output row r reads input rows 2r .. 2r + 11, so input rows [2 r0, 2 (r0 + n) + 10) give
 * output rows r0 .. r0 + n - 1 exactly; the last strip runs to the bottom edge, where the pool
 * pads as it does on the whole level. The windows are those of one pass over the level.
 */
async function pnetStrips(
  ladder: Ladder,
  l: PyramidLevel,
  p: Params['p'],
  threshold: number,
): Promise<Proposal[]> {
  const [oh, ow] = pnetOutput(l.h, l.w);
  const found: Proposal[] = [];
  if (oh === 0 || ow === 0) return found;
  const level = tf.tidy(() => tf.image.resizeBilinear(ladder.tensor(l.k), [l.h, l.w], false, true));
  try {
    const rowsPer = Math.max(1, Math.floor((MTCNN_TUNING.stripPixels / l.w - 10) / 2));
    for (let r0 = 0; r0 < oh; r0 += rowsPer) {
      const n = Math.min(rowsPer, oh - r0);
      const y0 = 2 * r0;
      const y1 = r0 + n === oh ? l.h : 2 * (r0 + n) + 10;
      const flat = tf.tidy(() => {
        const { score, box } = pnet(tf.slice(level, [0, y0, 0, 0], [1, y1 - y0, l.w, 3]), p);
        return tf.concat([tf.reshape(score, [-1]), tf.reshape(box, [-1])]);
      });
      const values = (await flat.data()) as Float32Array;
      flat.dispose();
      const cells = n * ow;
      levelWindows(values.subarray(0, cells), values.subarray(cells), l, r0, threshold, found);
    }
  } finally {
    level.dispose();
  }
  const kept: Proposal[] = [];
  keepLevel(found, kept);
  return kept;
}

/** Stage 1: P-Net over the pyramid; the surviving boxes, calibrated and squared. */
async function pnetStage(
  ladder: Ladder,
  levels: readonly PyramidLevel[],
  params: Params,
  threshold: number,
): Promise<Corners[]> {
  // Large levels (the first few on big photos) in strips, one at a time; the rest at once, read
  // back in one transfer.
  const large = levels.filter((l) => l.h * l.w > MTCNN_TUNING.stripPixels);
  const small = levels.filter((l) => l.h * l.w <= MTCNN_TUNING.stripPixels);
  const candidates: Proposal[] = [];
  for (const l of large) {
    for (const c of await pnetStrips(ladder, l, params.p, threshold)) candidates.push(c);
  }
  if (small.length > 0) {
    const flat = tf.tidy(() => {
      const parts: tf.Tensor[] = [];
      for (const l of small) {
        const resized = tf.image.resizeBilinear(ladder.tensor(l.k), [l.h, l.w], false, true);
        const { score, box } = pnet(resized, params.p);
        parts.push(tf.reshape(score, [-1]), tf.reshape(box, [-1]));
      }
      return tf.concat(parts);
    });
    const values = (await flat.data()) as Float32Array;
    flat.dispose();
    for (const c of pnetProposals(values, small, threshold)) candidates.push(c);
  }
  if (candidates.length === 0) return [];
  const keep1 = nms(
    candidates.map((c) => c.box),
    candidates.map((c) => c.score),
    0.7,
  );
  return keep1
    .slice(0, MAX_STAGE1)
    .map((i) => candidates[i])
    .map((c) => squareCorners(calibrate(c.box, c.reg, 0)));
}

/** Stage 2: R-Net on 24x24 crops; the surviving boxes, calibrated and squared. */
async function rnetStage(
  ladder: Ladder,
  boxes: readonly Corners[],
  params: Params,
  threshold: number,
): Promise<Corners[]> {
  const r = await runOnCrops(ladder, boxes, 24, (x) => rnet(x, params.r));
  const passed: { input: Corners; box: Corners; score: number }[] = [];
  boxes.forEach((b, i) => {
    const s = r.values[i * r.width];
    if (s > threshold) {
      passed.push({ input: b, box: calibrate(b, r.values, i * r.width + 1), score: s });
    }
  });
  // Suppress on the input boxes (as the original does), then move them.
  const keep2 = nms(
    passed.map((p) => p.input),
    passed.map((p) => p.score),
    0.7,
  ).slice(0, MAX_STAGE2);
  return keep2.map((i) => squareCorners(passed[i].box));
}

/** Stage 3: O-Net on 48x48 crops: final score, box and landmarks. */
async function onetStage(
  ladder: Ladder,
  boxes: readonly Corners[],
  params: Params,
  threshold: number,
): Promise<CascadeFace[]> {
  const o = await runOnCrops(ladder, boxes, 48, (x) => onet(x, params.o));
  const found: CascadeFace[] = [];
  boxes.forEach((b, i) => {
    const at = i * o.width;
    const s = o.values[at];
    if (s <= threshold) return;
    const w = b.x2 - b.x1;
    const h = b.y2 - b.y1;
    const points: number[] = [];
    for (let k = 0; k < 5; k++) points.push(b.x1 + o.values[at + 5 + k] * w);
    for (let k = 0; k < 5; k++) points.push(b.y1 + o.values[at + 10 + k] * h);
    found.push({ box: calibrate(b, o.values, at + 1), score: s, points });
  });
  const keep3 = nms(
    found.map((f) => f.box),
    found.map((f) => f.score),
    0.7,
    'min',
  );
  return keep3.map((i) => found[i]);
}

const LANDMARK_ORDER = ['leftEye', 'rightEye', 'nose', 'mouthLeft', 'mouthRight'] as const;

export class MtcnnDetector implements Detector {
  readonly name = 'mtcnn' as const;
  readonly config: ResolvedMtcnnConfig;
  private params: Params | undefined;

  private constructor(config: ResolvedMtcnnConfig, params: Params) {
    this.config = config;
    this.params = params;
  }

  static async create(config: MtcnnConfig = {}): Promise<MtcnnDetector> {
    const resolved = resolveMtcnnConfig(config);
    await initEngine();
    const manifest = joinPath(resolved.weightsDir, 'mtcnn_model-weights_manifest.json');
    const raw = await loadWeightsManifest(manifest);
    try {
      return new MtcnnDetector(resolved, prepareParams(raw, manifest));
    } finally {
      tf.dispose(Object.values(raw));
    }
  }

  dispose(): void {
    if (this.params === undefined) return;
    const all: tf.Tensor[] = [];
    const collect = (o: unknown): void => {
      if (o instanceof tf.Tensor) all.push(o);
      else if (typeof o === 'object' && o !== null) Object.values(o).forEach(collect);
    };
    collect(this.params);
    tf.dispose(all);
    this.params = undefined;
  }

  async detectFaces(input: DetectInput): Promise<DetectedFace[]> {
    const params = this.params;
    if (params === undefined) {
      throw new ExprsimError('E_BAD_OPTION', 'this MTCNN detector has been disposed', {
        fix: 'create a new detector with createDetector("mtcnn")',
      });
    }
    const img = await loadDetectInput(input, 3);
    const cfg = this.config;
    const minFace = Math.max(cfg.minFaceSize, cfg.minFaceRatio * Math.min(img.width, img.height));
    if (Math.min(img.width, img.height) < Math.min(minFace, 12)) return [];

    // Working image: the smallest face at ~48 px and at most 6 Mpx; P-Net's first level within
    // its limit, else E_IMAGE_TOO_LARGE before any pixel is resampled.
    const plan = requireMtcnnPlan(img.width, img.height, minFace, cfg.scaleFactor);
    const work: RawImage =
      plan.shrink < 1
        ? await resizeImage(img, plan.workWidth, plan.workHeight, { kernel: 'linear' })
        : img;
    const sx = work.width / img.width;
    const sy = work.height / img.height;

    const ladder = new Ladder(work, 24);
    try {
      const faces = await this.cascade(ladder, plan.scales, params);
      const out: DetectedFace[] = [];
      for (const f of faces) {
        const box = clipBox(
          {
            x: f.box.x1 / sx,
            y: f.box.y1 / sy,
            width: (f.box.x2 - f.box.x1) / sx,
            height: (f.box.y2 - f.box.y1) / sy,
          },
          img.width,
          img.height,
        );
        if (box === null) continue;
        const landmarks: FaceLandmarks = {};
        LANDMARK_ORDER.forEach((name, i) => {
          landmarks[name] = { x: f.points[i] / sx, y: f.points[i + 5] / sy };
        });
        out.push({ box, score: f.score, landmarks });
        if (out.length >= cfg.maxFaces) break;
      }
      return out;
    } finally {
      ladder.dispose();
    }
  }

  private async cascade(
    ladder: Ladder,
    scales: readonly number[],
    params: Params,
  ): Promise<CascadeFace[]> {
    const cfg = this.config;
    const { width, height } = ladder;
    const t0 = performance.now();
    const levels = pyramidLevels(ladder, scales);
    if (levels.length === 0) return [];
    const stage1 = await pnetStage(ladder, levels, params, cfg.thresholds[0]);
    if (stage1.length === 0) return [];
    const t1 = performance.now();
    const stage2 = await rnetStage(ladder, stage1, params, cfg.thresholds[1]);
    if (stage2.length === 0) return [];
    const t2 = performance.now();
    const faces = await onetStage(ladder, stage2, params, cfg.thresholds[2]);
    logger.debug(
      `mtcnn ${width}x${height}: ${levels.length} scales, P-Net ${stage1.length} boxes ` +
        `${(t1 - t0).toFixed(0)} ms, R-Net ${stage2.length} ${(t2 - t1).toFixed(0)} ms, ` +
        `O-Net ${faces.length} ${(performance.now() - t2).toFixed(0)} ms`,
    );
    return faces;
  }
}
