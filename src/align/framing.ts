/**
 * Framing: how a model's training crops sit relative to a detector's box. A model trained on
 * ready-made face crops (FER2013's 48x48, CK+48) never saw a detector; on a photo the embedder
 * must cut the crop the model learnt from the box a detector gives, and each detector draws its
 * box differently (MTCNN's ends at the chin, Viola-Jones' is looser). A framing says, for one
 * detector, where the training crop's centre lies from the box's centre and how large it is, in
 * units of the box; it is measured by pasting training crops into larger images, detecting them
 * and fitting the pasted square from the boxes (measure-framing.ts).
 */
import { ExprsimError } from '../core/errors.js';
import type { FaceBox } from '../core/face.js';

/** The training crop from a detector's box: a square of `scale` × the box's mean side. */
export interface Framing {
  /** Crop centre minus box centre, in box widths (x) and box heights (y). */
  dx: number;
  dy: number;
  /** Crop side over the box's mean side, (width + height) / 2. */
  scale: number;
}

/** One measurement: a detected box and the square crop that was really there. */
export interface FramingSample {
  box: FaceBox;
  truth: FaceBox;
}

export interface FramingFit extends Framing {
  /** Samples the fit used. */
  samples: number;
  /** Interquartile ranges of the per-sample values (how much boxes vary). */
  spread: Framing;
  /** Median IoU of the framed crop with the truth, over the samples. */
  medianIoU: number;
}

const mean2 = (b: FaceBox) => (b.width + b.height) / 2;

function quantileOf(sorted: readonly number[], q: number): number {
  const pos = (sorted.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo);
}

/** The framed crop of `box` (a square, not clipped to any image). */
export function framedBox(box: FaceBox, framing: Framing): FaceBox {
  const side = framing.scale * mean2(box);
  const cx = box.x + box.width / 2 + framing.dx * box.width;
  const cy = box.y + box.height / 2 + framing.dy * box.height;
  return { x: cx - side / 2, y: cy - side / 2, width: side, height: side };
}

/** Intersection over union of two boxes (0 when either is empty). */
export function boxIoU(a: FaceBox, b: FaceBox): number {
  const w = Math.min(a.x + a.width, b.x + b.width) - Math.max(a.x, b.x);
  const h = Math.min(a.y + a.height, b.y + b.height) - Math.max(a.y, b.y);
  if (w <= 0 || h <= 0) return 0;
  const inter = w * h;
  return inter / (a.width * a.height + b.width * b.height - inter);
}

/** One sample's framing: what would map its box exactly onto its truth. */
export function sampleFraming(s: FramingSample): Framing {
  const { box, truth } = s;
  return {
    dx: (truth.x + truth.width / 2 - (box.x + box.width / 2)) / box.width,
    dy: (truth.y + truth.height / 2 - (box.y + box.height / 2)) / box.height,
    scale: mean2(truth) / mean2(box),
  };
}

/**
 * The framing that fits the samples: per-sample values and their medians (robust to the odd
 * box on the wrong face, which a least-squares fit would follow). E_DATA_EMPTY without samples.
 */
export function fitFraming(samples: readonly FramingSample[]): FramingFit {
  const valid = samples.filter((s) => s.box.width > 0 && s.box.height > 0);
  if (valid.length === 0) {
    throw new ExprsimError('E_DATA_EMPTY', 'no detected boxes to fit a framing from', {
      fix: 'check that the detector finds the pasted faces (a smaller minimum face size)',
    });
  }
  const per = valid.map(sampleFraming);
  const sorted = (k: keyof Framing) => per.map((f) => f[k]).sort((a, b) => a - b);
  const dx = sorted('dx');
  const dy = sorted('dy');
  const scale = sorted('scale');
  const fit: Framing = {
    dx: quantileOf(dx, 0.5),
    dy: quantileOf(dy, 0.5),
    scale: quantileOf(scale, 0.5),
  };
  const iqr = (v: number[]) => quantileOf(v, 0.75) - quantileOf(v, 0.25);
  const ious = valid.map((s) => boxIoU(framedBox(s.box, fit), s.truth)).sort((a, b) => a - b);
  return {
    ...fit,
    samples: valid.length,
    spread: { dx: iqr(dx), dy: iqr(dy), scale: iqr(scale) },
    medianIoU: quantileOf(ious, 0.5),
  };
}
