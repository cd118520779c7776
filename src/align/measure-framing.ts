/**
 * Measures a framing (framing.ts): training face crops are pasted into larger canvases at seeded
 * random positions and sizes, a detector looks for them, and the pasted square is fitted from the
 * box it found. The same pasted scenes are the test of the framing: embedding their faces through
 * the detector with the fitted framing should score as the crops themselves do.
 */
import { ExprsimError } from '../core/errors.js';
import type { FaceBox, FaceFinder } from '../core/face.js';
import { mulberry32, deriveSeed, type Rng } from '../core/prng.js';
import type { RawImage } from '../core/types.js';
import { convertChannels } from '../image/channels.js';
import { resizeImage } from '../image/transform.js';
import { boxIoU, fitFraming, type FramingFit, type FramingSample } from './framing.js';

export interface PasteOptions {
  /** Canvas side over the pasted face's side; default 3. */
  canvasScale?: number;
  /** The pasted face's side in pixels is drawn uniformly from this range; default [96, 160]. */
  faceSize?: [number, number];
  seed?: number;
}

/** A face crop pasted into a canvas, and where it went. */
export interface PastedFace {
  image: RawImage;
  /** The pasted square, in canvas pixels. */
  truth: FaceBox;
}

export const DEFAULT_PASTE: Readonly<Required<PasteOptions>> = Object.freeze({
  canvasScale: 3,
  faceSize: [96, 160] as [number, number],
  seed: 1,
});

/** A grey canvas with low-amplitude noise: no structure a detector could take for a face. */
function noiseCanvas(side: number, rng: Rng): RawImage {
  const data = new Uint8Array(side * side * 3);
  for (let i = 0; i < side * side; i++) {
    const v = 110 + Math.floor(rng() * 30);
    data[3 * i] = data[3 * i + 1] = data[3 * i + 2] = v;
  }
  return { data, width: side, height: side, channels: 3 };
}

/**
 * Pastes `face` (any size, grey or RGB) as a square of a seeded random side into a canvas
 * `canvasScale` times larger, at a seeded random position inside it.
 */
export async function pasteFace(
  face: RawImage,
  index: number,
  options: PasteOptions = {},
): Promise<PastedFace> {
  const o = {
    canvasScale: options.canvasScale ?? DEFAULT_PASTE.canvasScale,
    faceSize: options.faceSize ?? DEFAULT_PASTE.faceSize,
    seed: options.seed ?? DEFAULT_PASTE.seed,
  };
  const rng = mulberry32(deriveSeed(o.seed, `paste-${index}`));
  const [lo, hi] = o.faceSize;
  const side = Math.round(lo + rng() * (hi - lo));
  const canvasSide = Math.round(side * o.canvasScale);
  const canvas = noiseCanvas(canvasSide, rng);
  const rgb = convertChannels(face, 3);
  const scaled = await resizeImage(rgb, side, side, { kernel: 'lanczos3', fit: 'fill' });
  const x0 = Math.floor(rng() * (canvasSide - side + 1));
  const y0 = Math.floor(rng() * (canvasSide - side + 1));
  for (let y = 0; y < side; y++) {
    const from = y * side * 3;
    canvas.data.set(scaled.data.subarray(from, from + side * 3), ((y0 + y) * canvasSide + x0) * 3);
  }
  return { image: canvas, truth: { x: x0, y: y0, width: side, height: side } };
}

export interface MeasureFramingResult extends FramingFit {
  detector: string;
  /** Pasted faces the detector missed (no box overlapping the pasted square). */
  missed: number;
  total: number;
}

/**
 * Pastes each face, detects, keeps the detection that overlaps the pasted square most (IoU > 0;
 * others are the detector's false positives on the canvas) and fits the framing from those.
 */
export async function measureFraming(
  faces: readonly RawImage[],
  detector: FaceFinder,
  options: PasteOptions = {},
): Promise<MeasureFramingResult> {
  if (faces.length === 0) {
    throw new ExprsimError('E_DATA_EMPTY', 'no faces to measure a framing on');
  }
  const samples: FramingSample[] = [];
  let missed = 0;
  for (let i = 0; i < faces.length; i++) {
    const pasted = await pasteFace(faces[i], i, options);
    const found = await detector.detectFaces(pasted.image);
    let best: FaceBox | undefined;
    let bestIoU = 0;
    for (const f of found) {
      const iou = boxIoU(f.box, pasted.truth);
      if (iou > bestIoU) [best, bestIoU] = [f.box, iou];
    }
    if (best === undefined) missed++;
    else samples.push({ box: best, truth: pasted.truth });
  }
  return { ...fitFraming(samples), detector: detector.name, missed, total: faces.length };
}
