import * as tf from '@tensorflow/tfjs';
import { deriveSeed, mulberry32 } from '../core/prng.js';
import { ExprsimError } from '../core/errors.js';

/**
 * Training-time augmentation of pixel inputs: each training image is mirrored left-right with
 * probability ½ (`flip`), moved by up to `shift` × its size in x and y, and zoomed so that the
 * crop spans 1 ± up to `scale` of the image side (the uncovered border black). Expressions are
 * left-right symmetric in meaning, and FER2013's crops are loosely centred and sized; on photos
 * a detector's box varies in place and size too (issue 21's framing), so all three add training
 * faces the labels still describe. Toward other domains (studio photos such as JAFFE and CK+,
 * lit and focused unlike FER2013's web crops; issue 21) the photometric ones: a brightness
 * offset of up to `brightness` × the pixel range, a contrast factor 1 ± up to `contrast` around
 * the image's mean, and with probability `blur` a 3×3 Gaussian blur; the result is clipped to
 * the pixel range. Validation, evaluation and inference never augment.
 */
export interface AugmentConfig {
  flip: boolean;
  /** Largest translation, as a fraction of the image side, 0..0.5. 0 = none. */
  shift: number;
  /**
   * Largest change of the crop's side, as a fraction of the image side, 0..0.5: the crop spans
   * (1 + u × scale) of the image, u uniform in [−1, 1] (> 1 zooms out). 0 = none (default;
   * configs written before it have none).
   */
  scale: number;
  /** Largest brightness offset, as a fraction of the pixel range, 0..0.5. 0 = none. */
  brightness: number;
  /** Largest change of contrast: a factor 1 + u × contrast, u uniform in [−1, 1], 0..0.5. */
  contrast: number;
  /** Probability of a 3×3 Gaussian blur, 0..1. */
  blur: number;
}

/**
 * Numbers per image in an augmentation parameter array: flip (0/1), dy, dx, crop side,
 * brightness offset (fraction of the range), contrast factor, blur (0/1).
 */
export const AUGMENT_PARAMS = 7;

/** Whether `cfg` changes anything. */
export function augmentsAnything(cfg: AugmentConfig | undefined): cfg is AugmentConfig {
  return cfg !== undefined && (cfg.flip || cfg.shift > 0 || cfg.scale > 0 || photometric(cfg));
}

/** Whether `cfg` changes pixel values (brightness, contrast or blur), not only their places. */
export function photometric(cfg: AugmentConfig): boolean {
  return cfg.brightness > 0 || cfg.contrast > 0 || cfg.blur > 0;
}

/** E_BAD_OPTION unless `value` is a number from 0 to `max`. */
function fraction(name: string, value: unknown, max: number, example: string): number {
  if (typeof value === 'number' && value >= 0 && value <= max) return value;
  throw new ExprsimError(
    'E_BAD_OPTION',
    `augment \`${name}\` must be from 0 to ${max}, got ${String(value)}`,
    { input: `${name}=${String(value)}`, fix: `pass e.g. ${example}`, option: 'augment' },
  );
}

/** Checks an augmentation config (from options or a run's config.json). E_BAD_OPTION. */
export function resolveAugment(
  o:
    | {
        flip?: unknown;
        shift?: unknown;
        scale?: unknown;
        brightness?: unknown;
        contrast?: unknown;
        blur?: unknown;
      }
    | undefined,
): AugmentConfig | undefined {
  if (o === undefined) return undefined;
  const flip = o.flip ?? false;
  const shift = o.shift ?? 0;
  const scale = o.scale ?? 0;
  if (typeof flip !== 'boolean') {
    throw new ExprsimError(
      'E_BAD_OPTION',
      `augment \`flip\` must be true or false, got ${String(flip)}`,
      {
        input: `flip=${String(flip)}`,
        fix: 'true mirrors training images; leave it out for none',
        option: 'augment',
      },
    );
  }
  if (typeof shift !== 'number' || !(shift >= 0 && shift <= 0.5)) {
    throw new ExprsimError(
      'E_BAD_OPTION',
      `augment \`shift\` must be from 0 to 0.5, got ${String(shift)}`,
      {
        input: `shift=${String(shift)}`,
        fix: 'pass e.g. 0.1 (a tenth of the image side)',
        option: 'augment',
      },
    );
  }
  if (typeof scale !== 'number' || !(scale >= 0 && scale <= 0.5)) {
    throw new ExprsimError(
      'E_BAD_OPTION',
      `augment \`scale\` must be from 0 to 0.5, got ${String(scale)}`,
      {
        input: `scale=${String(scale)}`,
        fix: 'pass e.g. 0.15 (crops from 85% to 115% of the image side)',
        option: 'augment',
      },
    );
  }
  return {
    flip,
    shift,
    scale,
    brightness: fraction('brightness', o.brightness ?? 0, 0.5, '0.1 (a tenth of the range)'),
    contrast: fraction('contrast', o.contrast ?? 0, 0.5, '0.2 (factors from 0.8 to 1.2)'),
    blur: fraction('blur', o.blur ?? 0, 1, '0.2 (a fifth of the images blurred)'),
  };
}

/**
 * The augmentation of one training step's `n` images, drawn from (seed, step) alone, so a run
 * augments the same way in one process or many, and after a resume. Layout: [flip, dy, dx,
 * side] per image, dy, dx and side in fractions of the image side. The side comes from its own
 * stream, so runs without `scale` draw flips and shifts exactly as before it existed.
 */
export function augmentParams(
  cfg: AugmentConfig,
  seed: number,
  step: number,
  n: number,
): Float32Array {
  const rng = mulberry32(deriveSeed(seed, `augment:${step}`));
  const zoom = mulberry32(deriveSeed(seed, `augment-scale:${step}`));
  const photo = mulberry32(deriveSeed(seed, `augment-photometric:${step}`));
  const out = new Float32Array(n * AUGMENT_PARAMS);
  for (let i = 0; i < n; i++) {
    // Always three draws per image, so changing one option does not reshuffle the others.
    const f = rng();
    const dy = (2 * rng() - 1) * cfg.shift;
    const dx = (2 * rng() - 1) * cfg.shift;
    out[i * AUGMENT_PARAMS] = cfg.flip && f < 0.5 ? 1 : 0;
    out[i * AUGMENT_PARAMS + 1] = dy;
    out[i * AUGMENT_PARAMS + 2] = dx;
    out[i * AUGMENT_PARAMS + 3] = cfg.scale > 0 ? 1 + (2 * zoom() - 1) * cfg.scale : 1;
    // Three draws per image whatever is on, from their own stream (older runs unchanged).
    const b = photo();
    const c = photo();
    const bl = photo();
    out[i * AUGMENT_PARAMS + 4] = (2 * b - 1) * cfg.brightness;
    out[i * AUGMENT_PARAMS + 5] = 1 + (2 * c - 1) * cfg.contrast;
    out[i * AUGMENT_PARAMS + 6] = bl < cfg.blur ? 1 : 0;
  }
  return out;
}

/** The range a pixel tensor's values lie in (its scale): brightness is a share of it. */
export interface PixelRange {
  lo: number;
  hi: number;
}

/**
 * Applies per-image [flip, dy, dx, side, …] to a batch [n, h, w, c] with one bilinear
 * crop-and-resize (a box `side` × the image's size around its centre, moved by (dy, dx); x1 > x2
 * mirrors it), then the photometric changes, clipped to `range`. With no flip, shift or zoom the
 * box samples every pixel exactly, and with no photometric change the values are not touched,
 * so the image is unchanged. Returns a new tensor.
 */
export function applyAugment(
  x: tf.Tensor4D,
  params: Float32Array,
  range: PixelRange = { lo: 0, hi: 1 },
): tf.Tensor4D {
  const n = x.shape[0];
  if (params.length !== n * AUGMENT_PARAMS) {
    throw new ExprsimError(
      'E_BAD_OPTION',
      `augmentation parameters for ${params.length / AUGMENT_PARAMS} images, batch of ${n}`,
    );
  }
  const boxes: number[] = [];
  const offset: number[] = [];
  const factor: number[] = [];
  const blurred: number[] = [];
  for (let i = 0; i < n; i++) {
    const at = i * AUGMENT_PARAMS;
    const flip = params[at] === 1;
    const dy = params[at + 1];
    const dx = params[at + 2];
    const side = params[at + 3];
    // Content moves by (dy, dx): sample from the box shifted the other way, `side` wide around
    // the centre.
    const y1 = -dy + (1 - side) / 2;
    const x1 = -dx + (1 - side) / 2;
    boxes.push(y1, flip ? x1 + side : x1, y1 + side, flip ? x1 : x1 + side);
    offset.push(params[at + 4] * (range.hi - range.lo));
    factor.push(params[at + 5]);
    blurred.push(params[at + 6]);
  }
  const changesValues =
    offset.some((v) => v !== 0) || factor.some((v) => v !== 1) || blurred.some((v) => v !== 0);
  return tf.tidy(() => {
    const moved = tf.image.cropAndResize(
      x,
      tf.tensor2d(boxes, [n, 4]),
      tf.range(0, n, 1, 'int32') as tf.Tensor1D,
      [x.shape[1], x.shape[2]],
      'bilinear',
      0,
    );
    if (!changesValues) return moved;
    return photometricChange(moved, offset, factor, blurred, range);
  });
}

/** Blur (where asked), contrast around each image's mean, brightness offset, clipped. */
function photometricChange(
  x: tf.Tensor4D,
  offset: number[],
  factor: number[],
  blurred: number[],
  range: PixelRange,
): tf.Tensor4D {
  const n = x.shape[0];
  const c = x.shape[3];
  const per = (v: number[]) => tf.tensor4d(v, [n, 1, 1, 1]);
  let y: tf.Tensor4D = x;
  if (blurred.some((v) => v !== 0)) {
    // The 3×3 binomial kernel ([1 2 1]ᵀ[1 2 1] / 16) on each channel, edges repeated.
    const k1 = [1, 2, 1, 2, 4, 2, 1, 2, 1].map((v) => v / 16);
    const kernel = tf.tile(tf.tensor4d(k1, [3, 3, 1, 1]), [1, 1, c, 1]) as tf.Tensor4D;
    const padded = tf.mirrorPad(
      y,
      [
        [0, 0],
        [1, 1],
        [1, 1],
        [0, 0],
      ],
      'symmetric',
    );
    const soft = tf.depthwiseConv2d(padded, kernel, 1, 'valid');
    const m = per(blurred);
    y = tf.add(tf.mul(soft, m), tf.mul(y, tf.sub(1, m)));
  }
  const mean = tf.mean(y, [1, 2, 3], true);
  y = tf.add(tf.add(tf.mul(tf.sub(y, mean), per(factor)), mean), per(offset));
  return tf.clipByValue(y, range.lo, range.hi);
}
