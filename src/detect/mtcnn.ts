/**
 * MTCNN (Zhang et al., "Joint Face Detection and Alignment using Multi-task Cascaded
 * Convolutional Networks", 2016) on TensorFlow.js, with the weights face-api.js converted from the
 * original Caffe models (models/mtcnn, MIT).
 *
 * Pipeline: P-Net slides over an image pyramid and proposes 12x12 windows; R-Net (24x24 crops)
 * and O-Net (48x48 crops) re-score and regress them; O-Net also places five landmarks.
 *
 * The original networks were trained on transposed (x <-> y) BGR images. Rather than transposing
 * every input, the weights are rewritten once at load: convolution kernels are transposed in
 * their two spatial axes, the first layer's input channels are reversed (so RGB goes in), and the
 * rows of the first fully connected layers are permuted to match the untransposed flattening.
 *
 * Speed: large photos are first reduced (sharp) so that the smallest face wanted is ~48 px, the
 * pyramid is resampled from a 2x box-filtered ladder (no aliasing, and cheap), all P-Net outputs
 * are read back in one transfer, and the R-Net/O-Net crops are taken with cropAndResize from the
 * ladder level nearest their size, in batches.
 */
import * as tf from '@tensorflow/tfjs';
import { join } from 'node:path';
import { initEngine } from '../engine/backend.js';
import { ExprsimError } from '../errors.js';
import { resizeImage } from '../image/transform.js';
import type { RawImage } from '../image/types.js';
import { logger } from '../logger.js';
import { modelDir } from '../paths.js';
import { type Corners, clipBox, nms, squareCorners } from './geometry.js';
import { loadDetectInput, rejectUnknownKeys, requireNumber } from './input.js';
import type { DetectedFace, DetectInput, Detector, FaceLandmarks } from './types.js';
import { loadWeightsManifest } from './weights.js';

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
  const t = config.thresholds ?? [0.6, 0.7, 0.7];
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
  const maxFaces = config.maxFaces ?? Infinity;
  if (maxFaces !== Infinity) requireNumber('maxFaces', maxFaces, 1, Number.MAX_SAFE_INTEGER);
  return {
    minFaceSize: requireNumber('minFaceSize', config.minFaceSize ?? 20, 4, 1e6),
    minFaceRatio: requireNumber('minFaceRatio', config.minFaceRatio ?? 0.03, 0, 1),
    scaleFactor: requireNumber('scaleFactor', config.scaleFactor ?? 0.709, 0.1, 0.95),
    thresholds: [
      requireNumber('thresholds[0]', t[0], 0, 1),
      requireNumber('thresholds[1]', t[1], 0, 1),
      requireNumber('thresholds[2]', t[2], 0, 1),
    ],
    maxFaces,
    weightsDir: config.weightsDir ?? join(modelDir(), 'mtcnn'),
  };
}

/** Working images are capped at this many pixels (an 8000-px photo is reduced first). */
const MAX_WORKING_PIXELS = 6_000_000;
/** The smallest face is brought to this size in the working image (R-Net's input). */
const WORKING_FACE_SIZE = 24;
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
  // The first layer takes raw RGB 0..255: BGR -> RGB channels, and the input scaling folded in
  // (exact, as its 'valid' convolution never sees padding): w' = w s, b' = b - m s sum(w).
  const firstConv = (name: string, alpha: string): Conv => {
    const c = conv(name, alpha);
    const bgr = tf.reverse(c.filter, 2);
    return {
      filter: tf.mul(bgr, SCALE) as tf.Tensor4D,
      bias: tf.sub(c.bias, tf.mul(tf.sum(bgr, [0, 1, 2]), MEAN * SCALE)) as tf.Tensor1D,
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

/** A working image as a ladder of 2x box-filtered levels; level k is 2^-k of level 0. */
interface Ladder {
  levels: tf.Tensor4D[];
  width: number;
  height: number;
}

function buildLadder(img: RawImage, minSide: number): Ladder {
  const levels: tf.Tensor4D[] = [];
  levels.push(
    tf.tidy(() => {
      const pixels = tf.tensor4d(img.data, [1, img.height, img.width, 3], 'int32');
      return tf.cast(pixels, 'float32') as tf.Tensor4D;
    }),
  );
  for (;;) {
    const last = levels[levels.length - 1];
    const [, h, w] = last.shape;
    if (Math.min(h, w) < 2 * minSide) break;
    levels.push(tf.avgPool(last, 2, 2, 'valid'));
  }
  return { levels, width: img.width, height: img.height };
}

/** Resamples every box to size x size (RGB, 0..255) from the ladder level nearest its size. */
function cropBoxes(ladder: Ladder, boxes: readonly Corners[], size: number): tf.Tensor4D {
  return tf.tidy(() => {
    const groups = new Map<number, number[]>();
    boxes.forEach((b, i) => {
      const side = Math.max(b.x2 - b.x1, b.y2 - b.y1);
      const k = Math.max(0, Math.min(ladder.levels.length - 1, Math.floor(Math.log2(side / size))));
      const g = groups.get(k);
      if (g) g.push(i);
      else groups.set(k, [i]);
    });
    const parts: tf.Tensor4D[] = [];
    const order: number[] = [];
    for (const [k, idx] of groups) {
      const level = ladder.levels[k];
      const [, lh, lw] = level.shape;
      const f = 2 ** k;
      const coords = new Float32Array(idx.length * 4);
      idx.forEach((i, n) => {
        const b = boxes[i];
        // Sample centres at the centres of a size x size grid over the box (pixel i spans [i, i+1)).
        const x1 = b.x1 / f;
        const y1 = b.y1 / f;
        const sw = (b.x2 - b.x1) / f / size;
        const sh = (b.y2 - b.y1) / f / size;
        coords[n * 4] = (y1 + sh / 2 - 0.5) / Math.max(1, lh - 1);
        coords[n * 4 + 1] = (x1 + sw / 2 - 0.5) / Math.max(1, lw - 1);
        coords[n * 4 + 2] = (y1 + sh * (size - 0.5) - 0.5) / Math.max(1, lh - 1);
        coords[n * 4 + 3] = (x1 + sw * (size - 0.5) - 0.5) / Math.max(1, lw - 1);
      });
      parts.push(
        tf.image.cropAndResize(
          level,
          tf.tensor2d(coords, [idx.length, 4]),
          tf.zeros([idx.length], 'int32'),
          [size, size],
          'bilinear',
          0,
        ),
      );
      order.push(...idx);
    }
    const all = parts.length === 1 ? parts[0] : tf.concat(parts, 0);
    // Back to the input order.
    const inverse = new Int32Array(order.length);
    order.forEach((orig, pos) => (inverse[orig] = pos));
    return tf.gather(all, tf.tensor1d(inverse, 'int32')) as tf.Tensor4D;
  });
}

/** Runs `net` over crops of `boxes` in batches; returns the rows of its output, flattened. */
async function runOnCrops(
  ladder: Ladder,
  boxes: readonly Corners[],
  size: number,
  net: (x: tf.Tensor4D) => tf.Tensor2D,
): Promise<{ values: Float32Array; width: number }> {
  const outs: tf.Tensor2D[] = [];
  for (let i = 0; i < boxes.length; i += BATCH) {
    const chunk = boxes.slice(i, i + BATCH);
    outs.push(tf.tidy(() => net(cropBoxes(ladder, chunk, size))));
  }
  const joined = outs.length === 1 ? outs[0] : tf.concat(outs, 0);
  const values = (await joined.data()) as Float32Array;
  const width = joined.shape[1];
  tf.dispose([...outs, joined]);
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
    const manifest = join(resolved.weightsDir, 'mtcnn_model-weights_manifest.json');
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

    // Working image: the smallest face at ~48 px and at most MAX_WORKING_PIXELS.
    let work: RawImage = img;
    const shrink = Math.min(
      1,
      WORKING_FACE_SIZE / minFace,
      Math.sqrt(MAX_WORKING_PIXELS / (img.width * img.height)),
    );
    if (shrink < 0.95) {
      const w = Math.max(1, Math.round(img.width * shrink));
      const h = Math.max(1, Math.round(img.height * shrink));
      work = await resizeImage(img, w, h, { kernel: 'linear' });
    }
    const sx = work.width / img.width;
    const sy = work.height / img.height;
    const workMinFace = minFace * Math.min(sx, sy);

    const ladder = buildLadder(work, 24);
    try {
      const faces = await this.cascade(ladder, workMinFace, params);
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
      tf.dispose(ladder.levels);
    }
  }

  private async cascade(
    ladder: Ladder,
    minFace: number,
    params: Params,
  ): Promise<{ box: Corners; score: number; points: number[] }[]> {
    const cfg = this.config;
    const { width, height } = ladder;
    const t0 = performance.now();
    // Stage 1: P-Net over the pyramid. Scale s maps a minFace face to P-Net's 12 px window.
    const scales: number[] = [];
    for (let s = 12 / minFace; Math.min(width, height) * s >= 12; s *= cfg.scaleFactor) {
      scales.push(s);
    }
    if (scales.length === 0) return [];
    const levels = scales.map((s) => {
      const k = Math.max(0, Math.min(ladder.levels.length - 1, Math.floor(Math.log2(1 / s))));
      const src = ladder.levels[k];
      const h = Math.max(12, Math.floor(height * s));
      const w = Math.max(12, Math.floor(width * s));
      // Effective scale from working pixels to level pixels (the ladder drops odd edge pixels).
      return { k, h, w, sx: w / (src.shape[2] * 2 ** k), sy: h / (src.shape[1] * 2 ** k) };
    });
    const flat = tf.tidy(() => {
      const parts: tf.Tensor[] = [];
      for (const l of levels) {
        const resized = tf.image.resizeBilinear(ladder.levels[l.k], [l.h, l.w], false, true);
        const { score, box } = pnet(resized, params.p);
        parts.push(tf.reshape(score, [-1]), tf.reshape(box, [-1]));
      }
      return tf.concat(parts);
    });
    const values = (await flat.data()) as Float32Array;
    flat.dispose();

    let candidates: { box: Corners; score: number; reg: number[] }[] = [];
    let offset = 0;
    for (const l of levels) {
      const oh = Math.ceil((l.h - 2) / 2) - 4;
      const ow = Math.ceil((l.w - 2) / 2) - 4;
      const n = Math.max(0, oh) * Math.max(0, ow);
      const scores = values.subarray(offset, offset + n);
      const regs = values.subarray(offset + n, offset + 5 * n);
      offset += 5 * n;
      const found: { box: Corners; score: number; reg: number[] }[] = [];
      for (let i = 0; i < n; i++) {
        if (scores[i] < cfg.thresholds[0]) continue;
        const r = Math.floor(i / ow);
        const c = i % ow;
        found.push({
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
      const keep = nms(
        found.map((f) => f.box),
        found.map((f) => f.score),
        0.5,
      );
      for (const i of keep) candidates.push(found[i]);
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
    if (candidates.length === 0) return [];
    const keep1 = nms(
      candidates.map((c) => c.box),
      candidates.map((c) => c.score),
      0.7,
    );
    candidates = keep1.slice(0, MAX_STAGE1).map((i) => candidates[i]);
    let boxes = candidates.map((c) => squareCorners(calibrate(c.box, c.reg, 0)));
    const t1 = performance.now();

    // Stage 2: R-Net on 24x24 crops.
    const r = await runOnCrops(ladder, boxes, 24, (x) => rnet(x, params.r));
    const passed: { input: Corners; box: Corners; score: number }[] = [];
    boxes.forEach((b, i) => {
      const s = r.values[i * r.width];
      if (s > cfg.thresholds[1]) {
        passed.push({ input: b, box: calibrate(b, r.values, i * r.width + 1), score: s });
      }
    });
    // Suppress on the input boxes (as the original does), then move them.
    const keep2 = nms(
      passed.map((p) => p.input),
      passed.map((p) => p.score),
      0.7,
    ).slice(0, MAX_STAGE2);
    if (keep2.length === 0) return [];
    boxes = keep2.map((i) => squareCorners(passed[i].box));
    const t2 = performance.now();

    // Stage 3: O-Net on 48x48 crops: final score, box and landmarks.
    const o = await runOnCrops(ladder, boxes, 48, (x) => onet(x, params.o));
    const found: { box: Corners; score: number; points: number[] }[] = [];
    boxes.forEach((b, i) => {
      const at = i * o.width;
      const s = o.values[at];
      if (s <= cfg.thresholds[2]) return;
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
    logger.debug(
      `mtcnn ${width}x${height}: ${scales.length} scales, P-Net ${candidates.length} boxes ` +
        `${(t1 - t0).toFixed(0)} ms, R-Net ${keep2.length} ${(t2 - t1).toFixed(0)} ms, ` +
        `O-Net ${keep3.length} ${(performance.now() - t2).toFixed(0)} ms`,
    );
    return keep3.map((i) => found[i]);
  }
}
