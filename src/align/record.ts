/**
 * The preprocessing record: the one JSON object that says how a face becomes network input (crop
 * source, alignment, mask, colour, size, resize, normalisation). It is stored with every feature
 * cache (`features.json`) and in every model manifest (`preprocess`), and `preprocessFace` is
 * driven by it, so inference preprocesses exactly as training did. Users write the short
 * `PreprocessConfig` (./preprocess.ts); `resolvePreprocessConfig` turns it into this record once.
 *
 * Compatibility: records are format `exprsim-feature-preprocess`, version 1. `align` and `mask`
 * (absent = 'none') and the detector crop's `pad` (0) and `noFace` ('skip') were added to
 * version 1 with defaults, since they add steps without changing
 * what any earlier field means; a record written before them parses, means exactly what it meant,
 * and compares equal (`samePreprocess`) to its upgraded form.
 */
import { ExprsimError, type ErrorCode } from '../core/errors.js';
import type { ResizeKernel } from '../image/types.js';
import { RESIZE_KERNELS } from '../image/types.js';
import type { Framing } from './framing.js';

export const PREPROCESS_FORMAT = 'exprsim-feature-preprocess';
/** The record version this exprsim writes and reads. */
export const PREPROCESS_VERSION = 1;

/** 'five-point': rotate, scale and shift the detector's landmarks onto FACE_TEMPLATE. */
export type AlignMode = 'none' | 'five-point';
/** 'box': black outside the face box; 'ellipse': black outside the ellipse inscribed in it. */
export type MaskMode = 'none' | 'box' | 'ellipse';
/** sharp's fit: 'fill' stretches, 'cover' crops the overflow, 'contain' pads with black. */
export type ResizeFit = 'fill' | 'cover' | 'contain';

export const ALIGN_MODES: readonly AlignMode[] = ['none', 'five-point'];
export { RESIZE_KERNELS };
export const MASK_MODES: readonly MaskMode[] = ['none', 'box', 'ellipse'];
export const RESIZE_FITS: readonly ResizeFit[] = ['fill', 'cover', 'contain'];

/** What a detector crop does with an image where the detector finds no face. */
export type NoFaceMode = 'skip' | 'whole-image';
export const NO_FACE_MODES: readonly NoFaceMode[] = ['skip', 'whole-image'];

/**
 * Where the face pixels come from. `whole-image`: every image is already a face crop (FER2013,
 * FEC crops) and is used whole. `detector`: a face detector's box, grown by `margin` × its size
 * on each side and made square (`square`, the longer side) around its centre, clipped to the
 * image; or, with `align: 'five-point'`, the template square placed by the landmarks inside the
 * same margin. `pad` (default 0): before detecting, the image is framed in black by `pad` × its
 * shorter side on every side, so detectors find faces that fill tight crops (FER2013's 48x48);
 * the crop is then taken from the framed image. `noFace` (default 'skip'): an image without a
 * face is left out, or used whole as its own face box ('whole-image': the study's comparison
 * keeps every image, so detectors differ only where they find the face).
 */
export type CropSource =
  | {
      kind: 'whole-image';
      /**
       * Where this model's training crops sit relative to each detector's box (framing.ts,
       * measured by measure-framing.ts): how a photo's face is cut for it. Absent: the box grown
       * by a margin. It says how to find a crop in a photo, not how a crop becomes input, so it
       * is not part of the record's comparison key.
       */
      framing?: Record<string, Framing>;
    }
  | {
      kind: 'detector';
      detector: string;
      margin: number;
      square: boolean;
      pad: number;
      noFace: NoFaceMode;
    };

/**
 * How a face becomes network input; see the module comment and src/features/README.md. Steps,
 * in order: crop (or align), colour, resize to `size`, mask, channels. Normalisation is applied
 * by the network that reads the pixels (a backbone, or the embedder for pixel heads).
 */
export interface PreprocessRecord {
  format: typeof PREPROCESS_FORMAT;
  version: 1;
  crop: CropSource;
  /** Five-point similarity alignment from the detector's landmarks (detector crops only). */
  align: AlignMode;
  /**
   * Black out non-face pixels after resizing (the study's preprocessing). The face box is the
   * detector's box (aligned: the template square); for whole-image crops it is the whole image,
   * so 'box' blacks out nothing and 'ellipse' blacks out what lies outside the inscribed ellipse.
   */
  mask: MaskMode;
  /** Images are used as RGB, or turned to grey (BT.601 luma) first. */
  colour: 'rgb' | 'grey';
  /** [height, width] of the network input. */
  size: [number, number];
  /** Channels the network reads: 3 (grey replicated to R = G = B), or 1 for grey pixel heads. */
  channels: 1 | 3;
  /** sharp resampling of the crop to `size`: kernel and fit. Aligned faces use `kernel` only. */
  resize: { kernel: ResizeKernel; fit: ResizeFit };
  /**
   * Per-channel normalisation of 0..255 samples, `(v - mean[c]) / divisor`. For a backbone it
   * is part of the network (applied inside `features`) and recorded here for completeness.
   */
  normalise: { mean: number[]; divisor: number };
}

/** The record's fields; anything else in a record is refused (it could mean a step we skip). */
const RECORD_KEYS = [
  'format',
  'version',
  'crop',
  'align',
  'mask',
  'colour',
  'size',
  'channels',
  'resize',
  'normalise',
];

function isObject(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}

/** Whether `value` claims to be a preprocessing record (has its `format`); not validated. */
export function isPreprocessRecord(value: unknown): value is PreprocessRecord {
  return isObject(value) && value.format === PREPROCESS_FORMAT;
}

/**
 * Checks a preprocessing record (from a cache, a model manifest or code) and returns a fresh,
 * complete copy in the canonical field order, with the defaults of fields added after the first
 * records (`align`, `mask`: 'none') filled in. Throws `code` (default E_MODEL_FORMAT) naming
 * `source` and the bad field.
 */
export function parsePreprocessRecord(
  value: unknown,
  source: string,
  code: ErrorCode = 'E_MODEL_FORMAT',
): PreprocessRecord {
  const bad = (why: string) =>
    new ExprsimError(code, `bad preprocessing record: ${why}`, {
      input: source,
      fix: 'write it with this exprsim (exprsim features / saveModel with a cache’s preprocess)',
    });
  if (!isObject(value) || value.format !== PREPROCESS_FORMAT)
    throw bad(`not an ${PREPROCESS_FORMAT} object`);
  if (value.version !== PREPROCESS_VERSION) {
    throw bad(`version ${String(value.version)} is not ${PREPROCESS_VERSION}`);
  }
  const extra = Object.keys(value).filter((k) => !RECORD_KEYS.includes(k));
  if (extra.length > 0) throw bad(`unknown field ${extra.join(', ')} (a newer exprsim's record?)`);
  const crop = value.crop;
  let c: CropSource;
  if (isObject(crop) && crop.kind === 'whole-image') {
    c = { kind: 'whole-image' };
    if (crop.framing !== undefined) c.framing = parseFraming(crop.framing, bad);
  } else if (isObject(crop) && crop.kind === 'detector') {
    if (
      typeof crop.detector !== 'string' ||
      crop.detector.length === 0 ||
      typeof crop.margin !== 'number' ||
      !(crop.margin >= 0 && Number.isFinite(crop.margin)) ||
      typeof crop.square !== 'boolean'
    ) {
      throw bad('crop: detector needs detector, margin ≥ 0 and square');
    }
    // pad and noFace came after the first detector records: absent means 0 and 'skip'.
    const padBy = crop.pad ?? 0;
    if (typeof padBy !== 'number' || !(padBy >= 0 && padBy <= 1)) {
      throw bad('crop.pad must be a fraction from 0 to 1');
    }
    const noFace = crop.noFace ?? 'skip';
    if (!NO_FACE_MODES.includes(noFace as NoFaceMode)) {
      throw bad(`crop.noFace must be ${NO_FACE_MODES.join(' or ')}`);
    }
    c = {
      kind: 'detector',
      detector: crop.detector,
      margin: crop.margin,
      square: crop.square,
      pad: padBy,
      noFace: noFace as NoFaceMode,
    };
  } else throw bad('crop.kind must be whole-image or detector');
  const align = value.align ?? 'none';
  if (!ALIGN_MODES.includes(align as AlignMode))
    throw bad(`align must be ${ALIGN_MODES.join(' or ')}`);
  if (align === 'five-point' && c.kind !== 'detector') {
    throw bad('align five-point needs a detector crop (landmarks)');
  }
  const mask = value.mask ?? 'none';
  if (!MASK_MODES.includes(mask as MaskMode)) throw bad(`mask must be ${MASK_MODES.join(', ')}`);
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
    !RESIZE_KERNELS.includes(resize.kernel as ResizeKernel) ||
    !RESIZE_FITS.includes(resize.fit as ResizeFit)
  ) {
    throw bad(`resize needs a kernel (${RESIZE_KERNELS.join(', ')}) and a fit`);
  }
  const norm = value.normalise;
  if (
    !isObject(norm) ||
    !Array.isArray(norm.mean) ||
    norm.mean.length !== value.channels ||
    !norm.mean.every((m) => typeof m === 'number' && Number.isFinite(m)) ||
    typeof norm.divisor !== 'number' ||
    !(norm.divisor > 0 && Number.isFinite(norm.divisor))
  ) {
    throw bad('normalise needs a mean per channel and a positive divisor');
  }
  return {
    format: PREPROCESS_FORMAT,
    version: PREPROCESS_VERSION,
    crop: c,
    align: align as AlignMode,
    mask: mask as MaskMode,
    colour: value.colour,
    size: [size[0] as number, size[1] as number],
    channels: value.channels,
    resize: { kernel: resize.kernel as ResizeKernel, fit: resize.fit as ResizeFit },
    normalise: { mean: [...(norm.mean as number[])], divisor: norm.divisor },
  };
}

/** A record's `crop.framing`: per detector name, finite offsets and a positive scale. */
function parseFraming(value: unknown, bad: (why: string) => Error): Record<string, Framing> {
  if (!isObject(value)) throw bad('crop.framing must map detector names to framings');
  const out: Record<string, Framing> = {};
  for (const [name, f] of Object.entries(value)) {
    if (
      !isObject(f) ||
      typeof f.dx !== 'number' ||
      typeof f.dy !== 'number' ||
      typeof f.scale !== 'number' ||
      !Number.isFinite(f.dx) ||
      !Number.isFinite(f.dy) ||
      !(f.scale > 0 && Number.isFinite(f.scale))
    ) {
      throw bad(`crop.framing.${name} needs finite dx, dy and a positive scale`);
    }
    out[name] = { dx: f.dx, dy: f.dy, scale: f.scale };
  }
  return out;
}

/** The parsed record without what its comparison ignores (a whole-image crop's framing). */
function comparable(record: unknown, source: string): PreprocessRecord {
  const r = parsePreprocessRecord(record, source);
  return r.crop.kind === 'whole-image' ? { ...r, crop: { kind: 'whole-image' } } : r;
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

/**
 * The comparison key of a record: canonical JSON of its parsed (complete) form, so a record
 * written before `align`/`mask` existed and its upgraded form have the same key. A whole-image
 * crop's `framing` is left out: it says where to find such a crop in a photo, not how the crop
 * becomes network input.
 */
export function preprocessKey(record: unknown, source = 'preprocessing record'): string {
  return canonicalJson(comparable(record, source));
}

/** Whether two records mean the same preprocessing (see {@link preprocessKey}). */
export function samePreprocess(a: unknown, b: unknown): boolean {
  return preprocessKey(a) === preprocessKey(b);
}

/**
 * The fields in which two records differ, each as `field: a vs b` (canonical JSON of the parsed
 * records' values), in field order; [] when they mean the same preprocessing.
 */
export function preprocessDifferences(
  a: unknown,
  b: unknown,
  source = 'preprocessing record',
): string[] {
  const ra = comparable(a, source) as unknown as Record<string, unknown>;
  const rb = comparable(b, source) as unknown as Record<string, unknown>;
  const out: string[] = [];
  for (const k of [...new Set([...Object.keys(ra), ...Object.keys(rb)])]) {
    const va = canonicalJson(ra[k]);
    const vb = canonicalJson(rb[k]);
    if (va !== vb) out.push(`${k}: ${va} vs ${vb}`);
  }
  return out;
}

/** A preprocessing record for already-cropped faces at `size` (no alignment, no mask). */
export function wholeImagePreprocess(
  size: number,
  normalise: PreprocessRecord['normalise'],
  options: { colour?: 'rgb' | 'grey'; channels?: 1 | 3; mask?: MaskMode } = {},
): PreprocessRecord {
  return {
    format: PREPROCESS_FORMAT,
    version: PREPROCESS_VERSION,
    crop: { kind: 'whole-image' },
    align: 'none',
    mask: options.mask ?? 'none',
    colour: options.colour ?? 'rgb',
    size: [size, size],
    channels: options.channels ?? 3,
    resize: { kernel: 'lanczos3', fit: 'fill' },
    normalise,
  };
}

/**
 * The box a `detector` crop takes around a detected face: grown by `margin` × its size on each
 * side, squared around its centre (longer side) when `square`, clipped to the image.
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
