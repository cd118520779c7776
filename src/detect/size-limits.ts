/**
 * How much image the detectors' pyramids may take, planned before any pixel is touched (pure, no
 * TensorFlow.js or OpenCV). A small smallest-face on a big photo once made MTCNN upsample its
 * working image into a 269-Mpx P-Net level (a 6000x5000 photo with a 4-px smallest face: wasm's
 * 4 GB heap ran out and the process aborted) and made Viola-Jones scan a 30-Mpx image (OpenCV's
 * 2 GB heap ran out). Over these limits a detector refuses with E_IMAGE_TOO_LARGE naming the image
 * size, the limit and the smallest face size that fits.
 */
import { ExprsimError } from '../core/errors.js';

/** MTCNN's working image is reduced to at most this many pixels (an 8000-px photo first). */
export const MTCNN_MAX_WORKING_PIXELS = 6_000_000;
/**
 * The smallest face is brought to this size in MTCNN's working image: O-Net's input size, so
 * O-Net crops are never enlarged.
 */
export const MTCNN_WORKING_FACE_SIZE = 48;
/**
 * P-Net's largest pyramid level, in pixels. The level is resized whole (12 bytes a pixel) and run
 * in strips (mtcnn.ts), so this bounds memory to ~0.4 GB for the level plus its strip; it also
 * bounds the time (a 30-Mpx level takes about a minute on one core). The 30-Mpx level of a
 * 6000x5000 photo with 12-px faces fits; with 4-px faces (269 Mpx) it is refused.
 */
export const MTCNN_MAX_LEVEL_PIXELS = 32_000_000;
/** P-Net's window: a face of this many level pixels is what it finds. */
const PNET_WINDOW = 12;

/**
 * Viola-Jones scans at most this many pixels: OpenCV's pyramid for a 20-Mpx image peaks at
 * ~1.6 GB over both threads; at 30 Mpx its 2 GB wasm heap runs out.
 */
export const VIOLA_JONES_MAX_PIXELS = 20_000_000;

/** What MTCNN does with a width x height image: its working size and P-Net's first level. */
export interface MtcnnPlan {
  /** The working image (the input reduced; the same size when `shrink` is 1). */
  workWidth: number;
  workHeight: number;
  /** Working pixels per input pixel, per axis; 1 when the input is used as it is. */
  shrink: number;
  /** The smallest face in working pixels. */
  workMinFace: number;
  /** P-Net's pyramid scales, largest first (scale s maps a workMinFace face to 12 px). */
  scales: number[];
  /** Pixels of P-Net's largest level (0 without levels). */
  firstLevelPixels: number;
}

/**
 * MTCNN's plan for a `width` x `height` image and a smallest face of `minFace` input pixels:
 * the working image holds the smallest face at ~48 px and at most 6 Mpx, and P-Net's pyramid
 * runs from the scale that makes that face 12 px down to a 12-px image.
 */
export function planMtcnn(
  width: number,
  height: number,
  minFace: number,
  scaleFactor: number,
): MtcnnPlan {
  const shrink = Math.min(
    1,
    MTCNN_WORKING_FACE_SIZE / minFace,
    Math.sqrt(MTCNN_MAX_WORKING_PIXELS / (width * height)),
  );
  const reduce = shrink < 0.95;
  const workWidth = reduce ? Math.max(1, Math.round(width * shrink)) : width;
  const workHeight = reduce ? Math.max(1, Math.round(height * shrink)) : height;
  const workMinFace = minFace * Math.min(workWidth / width, workHeight / height);
  const scales: number[] = [];
  const side = Math.min(workWidth, workHeight);
  for (let s = PNET_WINDOW / workMinFace; side * s >= PNET_WINDOW; s *= scaleFactor) {
    scales.push(s);
  }
  const first =
    scales.length === 0
      ? 0
      : Math.max(12, Math.floor(workHeight * scales[0])) *
        Math.max(12, Math.floor(workWidth * scales[0]));
  return {
    workWidth,
    workHeight,
    shrink: reduce ? shrink : 1,
    workMinFace,
    scales,
    firstLevelPixels: first,
  };
}

const mpx = (pixels: number) => `${(pixels / 1e6).toFixed(1)} Mpx`;

/**
 * The smallest `minFace` (whole pixels) whose plan fits MTCNN_MAX_LEVEL_PIXELS on this image:
 * the working image does not depend on minFace below 48 px, so the level's side scales as 1 /
 * minFace; the estimate is then checked upwards.
 */
export function smallestMtcnnFace(width: number, height: number, scaleFactor: number): number {
  const plan = planMtcnn(width, height, MTCNN_WORKING_FACE_SIZE, scaleFactor);
  const ratio = plan.workMinFace / MTCNN_WORKING_FACE_SIZE;
  const maxScale = Math.sqrt(MTCNN_MAX_LEVEL_PIXELS / (plan.workWidth * plan.workHeight));
  let face = Math.max(1, Math.floor(PNET_WINDOW / (maxScale * ratio)));
  while (planMtcnn(width, height, face, scaleFactor).firstLevelPixels > MTCNN_MAX_LEVEL_PIXELS)
    face++;
  return face;
}

/**
 * Throws E_IMAGE_TOO_LARGE when MTCNN's plan for this image and smallest face goes over
 * MTCNN_MAX_LEVEL_PIXELS; returns the plan otherwise. `option` is the smallest-face option
 * named in the fix (`minFaceSize`).
 */
export function requireMtcnnPlan(
  width: number,
  height: number,
  minFace: number,
  scaleFactor: number,
): MtcnnPlan {
  const plan = planMtcnn(width, height, minFace, scaleFactor);
  if (plan.firstLevelPixels <= MTCNN_MAX_LEVEL_PIXELS) return plan;
  const smallest = smallestMtcnnFace(width, height, scaleFactor);
  throw new ExprsimError(
    'E_IMAGE_TOO_LARGE',
    `${width}x${height} image: looking for faces down to ${round1(minFace)} px needs a ` +
      `${mpx(plan.firstLevelPixels)} P-Net level, over MTCNN's limit of ${mpx(MTCNN_MAX_LEVEL_PIXELS)}`,
    {
      fix: `look for faces of ${smallest} px or more (\`minFaceSize\`), or crop the image`,
      option: 'minFaceSize',
    },
  );
}

/** Viola-Jones's scan of a width x height image for faces of `minFace` px and up (window px). */
export interface ViolaJonesPlan {
  workWidth: number;
  workHeight: number;
  shrink: number;
}

/** The reduced copy Viola-Jones scans: the smallest face wanted fills the `window`. */
export function planViolaJones(
  width: number,
  height: number,
  minFace: number,
  window: number,
): ViolaJonesPlan {
  const shrink = Math.min(1, window / minFace);
  if (shrink >= 0.95) return { workWidth: width, workHeight: height, shrink: 1 };
  return {
    workWidth: Math.max(1, Math.round(width * shrink)),
    workHeight: Math.max(1, Math.round(height * shrink)),
    shrink,
  };
}

/**
 * The plan, or E_IMAGE_TOO_LARGE when it scans more than VIOLA_JONES_MAX_PIXELS, naming the
 * smallest face size (`minSize`) that fits.
 */
export function requireViolaJonesPlan(
  width: number,
  height: number,
  minFace: number,
  window: number,
): ViolaJonesPlan {
  const plan = planViolaJones(width, height, minFace, window);
  const pixels = plan.workWidth * plan.workHeight;
  if (pixels <= VIOLA_JONES_MAX_PIXELS) return plan;
  const scanned = (face: number) => {
    const p = planViolaJones(width, height, face, window);
    return p.workWidth * p.workHeight;
  };
  let smallest = Math.max(
    window,
    Math.floor(window * Math.sqrt((width * height) / VIOLA_JONES_MAX_PIXELS)),
  );
  while (scanned(smallest) > VIOLA_JONES_MAX_PIXELS) smallest++;
  throw new ExprsimError(
    'E_IMAGE_TOO_LARGE',
    `${width}x${height} image: looking for faces down to ${round1(Math.max(minFace, window))} px scans ` +
      `${mpx(pixels)}, over Viola-Jones's limit of ${mpx(VIOLA_JONES_MAX_PIXELS)}`,
    {
      fix: `look for faces of ${smallest} px or more (\`minSize\`), or crop the image`,
      option: 'minSize',
    },
  );
}

const round1 = (v: number) => String(Math.round(v * 10) / 10);
