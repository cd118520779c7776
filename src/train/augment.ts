import * as tf from '@tensorflow/tfjs';
import { deriveSeed, mulberry32 } from '../core/prng.js';
import { ExprsimError } from '../core/errors.js';

/**
 * Training-time augmentation of pixel inputs: each training image is mirrored left-right with
 * probability ½ (`flip`), moved by up to `shift` × its size in x and y, and zoomed so that the
 * crop spans 1 ± up to `scale` of the image side (the uncovered border black). Expressions are
 * left-right symmetric in meaning, and FER2013's crops are loosely centred and sized; on photos
 * a detector's box varies in place and size too (issue 21's framing), so all three add training
 * faces the labels still describe. Validation, evaluation and inference never augment.
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
}

/** Numbers per image in an augmentation parameter array: flip (0/1), dy, dx, crop side. */
export const AUGMENT_PARAMS = 4;

/** Whether `cfg` changes anything. */
export function augmentsAnything(cfg: AugmentConfig | undefined): cfg is AugmentConfig {
  return cfg !== undefined && (cfg.flip || cfg.shift > 0 || cfg.scale > 0);
}

/** Checks an augmentation config (from options or a run's config.json). E_BAD_OPTION. */
export function resolveAugment(
  o: { flip?: unknown; shift?: unknown; scale?: unknown } | undefined,
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
  return { flip, shift, scale };
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
  }
  return out;
}

/**
 * Applies per-image [flip, dy, dx, side] to a batch [n, h, w, c] with one bilinear
 * crop-and-resize (a box `side` × the image's size around its centre, moved by (dy, dx); x1 > x2
 * mirrors it). With no flip, shift or zoom the box samples every pixel exactly, so the image is
 * unchanged. Returns a new tensor.
 */
export function applyAugment(x: tf.Tensor4D, params: Float32Array): tf.Tensor4D {
  const n = x.shape[0];
  if (params.length !== n * AUGMENT_PARAMS) {
    throw new ExprsimError(
      'E_BAD_OPTION',
      `augmentation parameters for ${params.length / AUGMENT_PARAMS} images, batch of ${n}`,
    );
  }
  const boxes: number[] = [];
  for (let i = 0; i < n; i++) {
    const flip = params[i * AUGMENT_PARAMS] === 1;
    const dy = params[i * AUGMENT_PARAMS + 1];
    const dx = params[i * AUGMENT_PARAMS + 2];
    const side = params[i * AUGMENT_PARAMS + 3];
    // Content moves by (dy, dx): sample from the box shifted the other way, `side` wide around
    // the centre.
    const y1 = -dy + (1 - side) / 2;
    const x1 = -dx + (1 - side) / 2;
    boxes.push(y1, flip ? x1 + side : x1, y1 + side, flip ? x1 : x1 + side);
  }
  return tf.tidy(() =>
    tf.image.cropAndResize(
      x,
      tf.tensor2d(boxes, [n, 4]),
      tf.range(0, n, 1, 'int32') as tf.Tensor1D,
      [x.shape[1], x.shape[2]],
      'bilinear',
      0,
    ),
  );
}
