import { ExprsimError } from '../errors.js';
import { cropImage, resizeImage } from '../image/transform.js';
import { readImage } from '../image/read.js';
import type { RawImage, ResizeKernel } from '../image/types.js';

/**
 * How a face becomes backbone input, recorded with every feature cache and in every model
 * manifest (`preprocess`) so that embedding repeats exactly what training saw. The align stage
 * will add alignment and masking; until then this is exprsim's preprocessing record.
 */
export interface FeaturePreprocess {
  format: 'exprsim-feature-preprocess';
  version: 1;
  /**
   * Where the face pixels come from. `whole-image`: every image is already a face crop (FER2013,
   * FEC crops) and is used whole. `detector`: a face detector's box, grown by `margin` × its
   * size on each side and made square (`square`) around its centre, clipped to the image.
   */
  crop:
    | { kind: 'whole-image' }
    | { kind: 'detector'; detector: string; margin: number; square: boolean };
  /** Images are decoded as RGB, or turned to grey (BT.601 luma) first; either way the network
   * gets `channels` channels (grey replicated to R = G = B when channels is 3). */
  colour: 'rgb' | 'grey';
  /** [height, width] the crop is resized to. */
  size: [number, number];
  /** Channels the network reads: 3, or 1 for grey pixel heads. */
  channels: 1 | 3;
  /** sharp resampling: kernel and fit (`fill` stretches, `cover` crops, `contain` pads black). */
  resize: { kernel: ResizeKernel; fit: 'fill' | 'cover' | 'contain' };
  /**
   * Per-channel normalisation of 0..255 samples, `(v - mean[c]) / divisor`. For a backbone it
   * is part of the network (applied inside `features`) and recorded here for completeness.
   */
  normalise: { mean: number[]; divisor: number };
}

export const PREPROCESS_FORMAT = 'exprsim-feature-preprocess';

/** A preprocessing record for already-cropped faces at `size`. */
export function wholeImagePreprocess(
  size: number,
  normalise: FeaturePreprocess['normalise'],
  options: { colour?: 'rgb' | 'grey'; channels?: 1 | 3 } = {},
): FeaturePreprocess {
  return {
    format: PREPROCESS_FORMAT,
    version: 1,
    crop: { kind: 'whole-image' },
    colour: options.colour ?? 'rgb',
    size: [size, size],
    channels: options.channels ?? 3,
    resize: { kernel: 'lanczos3', fit: 'fill' },
    normalise,
  };
}

function isObject(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}

/** Checks a preprocessing record read from JSON (cache or model manifest). E_MODEL_FORMAT. */
export function parsePreprocess(value: unknown, source: string): FeaturePreprocess {
  const bad = (why: string) =>
    new ExprsimError('E_MODEL_FORMAT', `bad preprocessing record: ${why}`, {
      input: source,
      fix: 'write it with this exprsim (exprsim features / saveModel with a cache’s preprocess)',
    });
  if (!isObject(value) || value.format !== PREPROCESS_FORMAT)
    throw bad('not an exprsim-feature-preprocess object');
  if (value.version !== 1) throw bad(`version ${String(value.version)} is not 1`);
  const crop = value.crop;
  if (!isObject(crop) || (crop.kind !== 'whole-image' && crop.kind !== 'detector'))
    throw bad('crop');
  if (
    crop.kind === 'detector' &&
    (typeof crop.detector !== 'string' ||
      typeof crop.margin !== 'number' ||
      !(crop.margin >= 0) ||
      typeof crop.square !== 'boolean')
  ) {
    throw bad('crop: detector needs detector, margin ≥ 0 and square');
  }
  if (value.colour !== 'rgb' && value.colour !== 'grey') throw bad('colour must be rgb or grey');
  const size = value.size;
  if (
    !Array.isArray(size) ||
    size.length !== 2 ||
    !size.every((d) => Number.isInteger(d) && d > 0)
  ) {
    throw bad('size must be [height, width]');
  }
  if (value.channels !== 1 && value.channels !== 3) throw bad('channels must be 1 or 3');
  const resize = value.resize;
  if (
    !isObject(resize) ||
    typeof resize.kernel !== 'string' ||
    !['fill', 'cover', 'contain'].includes(resize.fit as string)
  ) {
    throw bad('resize');
  }
  const norm = value.normalise;
  if (
    !isObject(norm) ||
    !Array.isArray(norm.mean) ||
    norm.mean.length !== value.channels ||
    !norm.mean.every((m) => typeof m === 'number') ||
    typeof norm.divisor !== 'number' ||
    !(norm.divisor > 0)
  ) {
    throw bad('normalise needs a mean per channel and a positive divisor');
  }
  return value as unknown as FeaturePreprocess;
}

/** Stable JSON (sorted keys) for comparing records. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (isObject(value)) {
    return `{${Object.keys(value)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonicalJson(value[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(value);
}

/** Replicates grey pixels to RGB (R = G = B). */
function greyToRgb(img: RawImage): RawImage {
  if (img.channels === 3) return img;
  const data = new Uint8Array(img.data.length * 3);
  for (let i = 0, j = 0; i < img.data.length; i++, j += 3) {
    data[j] = data[j + 1] = data[j + 2] = img.data[i];
  }
  return { data, width: img.width, height: img.height, channels: 3 };
}

/** BT.601 luma, as readImage's grey. */
function rgbToGrey(img: RawImage): RawImage {
  if (img.channels === 1) return img;
  const n = img.width * img.height;
  const data = new Uint8Array(n);
  for (let i = 0, j = 0; i < n; i++, j += 3) {
    data[i] = Math.round(0.299 * img.data[j] + 0.587 * img.data[j + 1] + 0.114 * img.data[j + 2]);
  }
  return { data, width: img.width, height: img.height, channels: 1 };
}

/**
 * One face crop as network input pixels: colour conversion, resize to `size`, channel count.
 * `box` (pixels of `img`) is the face region for `detector` crops; whole-image crops ignore it.
 */
export async function prepareFace(
  img: RawImage,
  pre: FeaturePreprocess,
  box?: { left: number; top: number; width: number; height: number },
): Promise<RawImage> {
  let face: RawImage = {
    data: img.data,
    width: img.width,
    height: img.height,
    channels: img.channels,
  };
  if (box !== undefined) face = cropImage(face, box);
  if (pre.colour === 'grey') face = rgbToGrey(face);
  const [h, w] = pre.size;
  if (face.width !== w || face.height !== h) {
    face = await resizeImage(face, w, h, { kernel: pre.resize.kernel, fit: pre.resize.fit });
  }
  return pre.channels === 3 ? greyToRgb(face) : rgbToGrey(face);
}

/** Reads an image file for `pre` (grey decoding when the record says grey). */
export function readForPreprocess(path: string, pre: FeaturePreprocess) {
  return readImage(path, { channels: pre.colour === 'grey' ? 1 : 3 });
}

/**
 * The square box a `detector` crop takes around a detected face: grown by `margin` × its size on
 * each side, squared around its centre (longer side) when `square`, clipped to the image.
 */
export function detectorCropBox(
  face: { x: number; y: number; width: number; height: number },
  imgWidth: number,
  imgHeight: number,
  margin: number,
  square: boolean,
): { left: number; top: number; width: number; height: number } {
  let w = face.width * (1 + 2 * margin);
  let h = face.height * (1 + 2 * margin);
  if (square) w = h = Math.max(w, h);
  const cx = face.x + face.width / 2;
  const cy = face.y + face.height / 2;
  const left = Math.max(0, cx - w / 2);
  const top = Math.max(0, cy - h / 2);
  const right = Math.min(imgWidth, cx + w / 2);
  const bottom = Math.min(imgHeight, cy + h / 2);
  return { left, top, width: right - left, height: bottom - top };
}
