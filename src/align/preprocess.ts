/**
 * Face preprocessing: crop with margin, optional five-point similarity alignment, grey or RGB,
 * resize to the model input, optional masking of non-face pixels. Users describe it with a short
 * `PreprocessConfig` (every field optional, defaults below); `resolvePreprocessConfig` turns it
 * once into the complete `PreprocessRecord` (./record.ts) that is stored with feature caches and
 * models, and `preprocessFace` is driven by that record, so inference preprocesses exactly as
 * training did.
 */
import { ExprsimError } from '../core/errors.js';
import { convertChannels } from '../image/channels.js';
import { cropImage, resizeImage } from '../image/transform.js';
import type { Channels, RawImage, ResizeKernel } from '../image/types.js';
import { assertRawImage } from '../image/validate.js';
import type { DetectedFace, FaceBox, FaceLandmarks, LandmarkName, Point } from '../core/face.js';
import {
  ALIGN_MODES,
  MASK_MODES,
  NO_FACE_MODES,
  PREPROCESS_FORMAT,
  PREPROCESS_VERSION,
  RESIZE_FITS,
  RESIZE_KERNELS,
  detectorCropBox,
  isPreprocessRecord,
  parsePreprocessRecord,
  type AlignMode,
  type CropSource,
  type MaskMode,
  type NoFaceMode,
  type PreprocessRecord,
  type ResizeFit,
} from './record.js';
import { DEFAULT_PREPROCESS } from './defaults.js';
import { type Similarity, fitSimilarity, similarityScale } from './similarity.js';
import { warpSimilarity } from './warp.js';
import { framedBox } from './framing.js';

/** Margin around a detected box when nothing else says (as FEC's crops): 0.2 of its size. */
export const DEFAULT_MARGIN = DEFAULT_PREPROCESS.margin;
/** Detector named in records when the config names none (the study's). */
export const DEFAULT_DETECTOR = DEFAULT_PREPROCESS.detector;

/**
 * The user-facing preprocessing options. Every field is optional; `resolvePreprocessConfig`
 * fills in the defaults (or those of a base record, e.g. a backbone's) and returns the record.
 */
export interface PreprocessConfig {
  /** Format version of the record to make. Only 1. */
  version?: 1;
  /** 'detector' (default): faces found by a detector; 'whole-image': images are face crops. */
  crop?: 'detector' | 'whole-image';
  /** The detector's name, recorded (default 'mtcnn'); naming one implies crop 'detector'. */
  detector?: string;
  /** Context added on every side, as a fraction of the face box, 0..2. Default 0.2. */
  margin?: number;
  /** Square the grown box around its centre (its longer side). Default true. */
  square?: boolean;
  /**
   * Frame the image in black by this fraction of its shorter side before detecting, 0..1, so
   * faces that fill tight crops are found. Default 0.
   */
  pad?: number;
  /** An image where the detector finds no face: 'skip' it (default) or use it 'whole-image'. */
  noFace?: NoFaceMode;
  /** 'five-point': rotate and scale the landmarks onto a template. Default 'none' (box crop). */
  align?: AlignMode;
  /** Black out non-face pixels (the study's preprocessing). Default 'none'. */
  mask?: MaskMode;
  /** Output side in pixels (square), or [height, width]; 8..4096. Default 224. */
  size?: number | [number, number];
  /** 1 = grey (BT.601), 3 = RGB. Default 3. */
  channels?: Channels;
  /** Turn images grey before resizing. Default 'grey' for 1 channel, else 'rgb'. */
  colour?: 'rgb' | 'grey';
  /** sharp resampling. Default { kernel: 'lanczos3', fit: 'fill' }. */
  resize?: { kernel?: ResizeKernel; fit?: ResizeFit };
  /** `(v - mean) / divisor` per channel (mean: one number or one per channel). Default 0, 255. */
  normalise?: { mean: number | number[]; divisor: number };
}

/** What `resolvePreprocessConfig` returns: the complete record. */
export type ResolvedPreprocessConfig = PreprocessRecord;

const KEYS = [
  'version',
  'crop',
  'detector',
  'margin',
  'square',
  'pad',
  'noFace',
  'align',
  'mask',
  'size',
  'channels',
  'colour',
  'resize',
  'normalise',
];

function bad(name: string, value: unknown, fix: string): ExprsimError {
  return new ExprsimError(
    'E_BAD_OPTION',
    `preprocess ${name} is invalid: ${JSON.stringify(value)}`,
    {
      input: `${name}=${JSON.stringify(value)}`,
      fix,
    },
  );
}

function isObject(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}

/**
 * Validates a user config (possibly parsed from JSON) and resolves it into the complete
 * preprocessing record, once. Defaults come from `base` when given (e.g. a backbone's record:
 * `resolvePreprocessConfig({ detector: 'mtcnn', mask: 'ellipse' }, backbone.preprocess)`), else
 * from the documented defaults. A record passed as `config` is checked and returned as is
 * (complete, canonical order). Throws E_BAD_OPTION.
 */
export function resolvePreprocessConfig(
  config: PreprocessConfig | PreprocessRecord = {},
  base?: PreprocessRecord,
): PreprocessRecord {
  if (!isObject(config)) {
    throw bad('config', config, 'pass an object such as { size: 224, margin: 0.2 }');
  }
  if (isPreprocessRecord(config)) {
    return parsePreprocessRecord(config, 'the preprocess config', 'E_BAD_OPTION');
  }
  return resolveUserConfig(config as PreprocessConfig, base);
}

function resolveUserConfig(config: PreprocessConfig, base?: PreprocessRecord): PreprocessRecord {
  const b =
    base === undefined ? undefined : parsePreprocessRecord(base, 'the base record', 'E_BAD_OPTION');
  const unknown = Object.keys(config).filter((k) => !KEYS.includes(k));
  if (unknown.length > 0) {
    throw new ExprsimError('E_BAD_OPTION', `unknown preprocess option ${unknown.join(', ')}`, {
      input: unknown.join(', '),
      fix: `valid options are ${KEYS.join(', ')}`,
    });
  }
  const version = config.version ?? PREPROCESS_VERSION;
  if (version !== PREPROCESS_VERSION) {
    throw bad('version', version, `this exprsim makes version ${PREPROCESS_VERSION} records`);
  }
  const kind =
    config.crop ?? (config.detector !== undefined ? 'detector' : b?.crop.kind) ?? 'detector';
  let crop: CropSource;
  const baseCrop = b?.crop.kind === 'detector' ? b.crop : undefined;
  if (kind === 'whole-image') {
    for (const k of ['detector', 'margin', 'square', 'pad', 'noFace'] as const) {
      if (config[k] !== undefined) {
        throw bad(k, config[k], "it applies to detector crops: also pass crop: 'detector'");
      }
    }
    crop = { kind: 'whole-image' };
  } else if (kind === 'detector') {
    const detector = config.detector ?? baseCrop?.detector ?? DEFAULT_DETECTOR;
    if (typeof detector !== 'string' || detector.length === 0) {
      throw bad('detector', detector, 'name the detector, e.g. mtcnn');
    }
    const margin = config.margin ?? baseCrop?.margin ?? DEFAULT_MARGIN;
    if (typeof margin !== 'number' || !Number.isFinite(margin) || margin < 0 || margin > 2) {
      throw bad('margin', margin, 'pass a fraction of the box from 0 to 2, e.g. 0.2');
    }
    const square = config.square ?? baseCrop?.square ?? DEFAULT_PREPROCESS.square;
    if (typeof square !== 'boolean') throw bad('square', square, 'pass true or false');
    const padBy = config.pad ?? baseCrop?.pad ?? DEFAULT_PREPROCESS.pad;
    if (typeof padBy !== 'number' || !Number.isFinite(padBy) || padBy < 0 || padBy > 1) {
      throw bad('pad', padBy, 'pass a fraction of the shorter side from 0 to 1, e.g. 0.25');
    }
    const noFace = config.noFace ?? baseCrop?.noFace ?? DEFAULT_PREPROCESS.noFace;
    if (!NO_FACE_MODES.includes(noFace)) {
      throw bad('noFace', noFace, `use one of ${NO_FACE_MODES.join(', ')}`);
    }
    crop = { kind: 'detector', detector, margin, square, pad: padBy, noFace };
  } else {
    throw bad('crop', kind, "use 'detector' or 'whole-image'");
  }
  const align =
    config.align ?? (crop.kind === 'detector' ? b?.align : undefined) ?? DEFAULT_PREPROCESS.align;
  if (!ALIGN_MODES.includes(align))
    throw bad('align', align, `use one of ${ALIGN_MODES.join(', ')}`);
  if (align !== 'none' && crop.kind !== 'detector') {
    throw bad('align', align, 'alignment needs landmarks: use a detector crop');
  }
  const mask = config.mask ?? b?.mask ?? DEFAULT_PREPROCESS.mask;
  if (!MASK_MODES.includes(mask)) throw bad('mask', mask, `use one of ${MASK_MODES.join(', ')}`);
  const sz = config.size ?? b?.size ?? DEFAULT_PREPROCESS.size;
  const size: [number, number] =
    typeof sz === 'number' ? [sz, sz] : Array.isArray(sz) ? [sz[0], sz[1]] : [NaN, NaN];
  if (
    (Array.isArray(sz) && sz.length !== 2) ||
    !size.every((d) => Number.isInteger(d) && d >= 8 && d <= 4096)
  ) {
    throw bad('size', sz, 'pass a whole number of pixels from 8 to 4096, or [height, width]');
  }
  const channels = config.channels ?? b?.channels ?? DEFAULT_PREPROCESS.channels;
  if (channels !== 1 && channels !== 3) throw bad('channels', channels, 'use 1 (grey) or 3 (RGB)');
  const colour =
    config.colour ??
    (channels === 1 ? 'grey' : config.channels === undefined ? b?.colour : undefined) ??
    'rgb';
  if (colour !== 'rgb' && colour !== 'grey') throw bad('colour', colour, "use 'rgb' or 'grey'");
  if (config.resize !== undefined && !isObject(config.resize)) {
    throw bad('resize', config.resize, "pass { kernel?: 'lanczos3', fit?: 'fill' }");
  }
  const kernel = config.resize?.kernel ?? b?.resize.kernel ?? DEFAULT_PREPROCESS.resize.kernel;
  if (!RESIZE_KERNELS.includes(kernel)) {
    throw bad('resize.kernel', kernel, `use one of ${RESIZE_KERNELS.join(', ')}`);
  }
  const fit = config.resize?.fit ?? b?.resize.fit ?? DEFAULT_PREPROCESS.resize.fit;
  if (!RESIZE_FITS.includes(fit))
    throw bad('resize.fit', fit, `use one of ${RESIZE_FITS.join(', ')}`);
  let normalise: PreprocessRecord['normalise'];
  if (config.normalise !== undefined) {
    const n = config.normalise;
    const mean = isObject(n)
      ? typeof n.mean === 'number'
        ? new Array<number>(channels).fill(n.mean)
        : n.mean
      : undefined;
    if (
      !isObject(n) ||
      !Array.isArray(mean) ||
      mean.length !== channels ||
      !mean.every((m) => typeof m === 'number' && Number.isFinite(m)) ||
      typeof n.divisor !== 'number' ||
      !(n.divisor > 0 && Number.isFinite(n.divisor))
    ) {
      throw bad('normalise', n, 'pass { mean: a number or one per channel, divisor: > 0 }');
    }
    normalise = { mean: [...mean], divisor: n.divisor };
  } else if (b !== undefined && b.channels === channels) {
    normalise = { mean: [...b.normalise.mean], divisor: b.normalise.divisor };
  } else {
    normalise = { mean: new Array<number>(channels).fill(0), divisor: 255 };
  }
  return {
    format: PREPROCESS_FORMAT,
    version: PREPROCESS_VERSION,
    crop,
    align,
    mask,
    colour,
    size,
    channels,
    resize: { kernel, fit },
    normalise,
  };
}

/**
 * Where the five landmarks sit in a 1x1 face box (from the widely used 112x112 ArcFace template,
 * divided by 112). BlazeFace's mouth centre maps to the middle of the two mouth corners.
 */
export const FACE_TEMPLATE: Readonly<Record<LandmarkName, Point>> = {
  leftEye: { x: 0.3419, y: 0.4616 },
  rightEye: { x: 0.6565, y: 0.4598 },
  nose: { x: 0.5002, y: 0.6405 },
  mouthLeft: { x: 0.371, y: 0.8247 },
  mouthRight: { x: 0.6319, y: 0.8232 },
  mouth: { x: 0.5015, y: 0.824 },
};

/** A detected face as preprocessing needs it (src/detect's DetectedFace satisfies it). */
export type PreprocessFaceInput = Pick<DetectedFace, 'box'> & {
  landmarks?: FaceLandmarks | undefined;
};

export interface PreprocessFaceOptions {
  /**
   * Whole-image records given a detected face (a photo embedded by a model trained on face
   * crops): the margin of the crop taken around the box, squared. Default: the record's framing
   * for `detector` when it has one, else 0.2.
   */
  margin?: number;
  /** The detector that found `face` (its name): picks the record's framing for its boxes. */
  detector?: string;
}

export interface PreprocessedFace {
  /** size[1] x size[0] pixels with the record's channels, 0..255 (not normalised). */
  image: RawImage;
  /** Whether landmark alignment was applied (false when asked but the face had < 2 landmarks). */
  aligned: boolean;
  /**
   * The transform from input pixels to output pixels; absent when the output stretches the
   * crop unevenly (fit 'fill' of a crop whose aspect differs from the output's).
   */
  transform?: Similarity;
  /** The face box in output pixels: what a mask keeps. */
  faceBox: FaceBox;
}

function checkBox(box: unknown): asserts box is FaceBox {
  const b = box as FaceBox;
  if (
    typeof box !== 'object' ||
    box === null ||
    ![b.x, b.y, b.width, b.height].every(Number.isFinite) ||
    !(b.width > 0 && b.height > 0)
  ) {
    throw new ExprsimError('E_BAD_OPTION', `face box ${JSON.stringify(box)} is not a box`, {
      fix: 'pass a face from detectFaces, with a box of positive width and height',
    });
  }
}

/**
 * Preprocesses one face as `config` (a record, or a user config resolved with the defaults) says:
 *
 * - detector crop, `face` given: align 'five-point' with ≥ 2 landmarks puts them on
 *   FACE_TEMPLATE inside the margin (a similarity warp, bilinear, black outside the image);
 *   otherwise the box grown by the margin (squared) is cut out, clipped to the image, and
 *   resized with sharp (kernel, fit);
 * - detector crop, no `face`: `image` is taken to be such a crop already (the face box its
 *   middle 1/(1 + 2 margin)); it cannot be aligned;
 * - whole-image crop: the image is the face; with a `face`, a photo, the box grown by
 *   `options.margin` (default 0.2), squared, is taken as that image first.
 *
 * Then grey (when `colour` is grey), resize to `size`, mask (outside the face box or its
 * inscribed ellipse), and `channels`. With alignment and masking off this is exactly what
 * exprsim did before alignment and masking were added.
 */
export async function preprocessFace(
  image: RawImage,
  face: PreprocessFaceInput | undefined,
  config: PreprocessConfig | PreprocessRecord = {},
  options: PreprocessFaceOptions = {},
): Promise<PreprocessedFace> {
  assertRawImage(image);
  const rec = resolvePreprocessConfig(config);
  if (face !== undefined && face !== null) checkBox(face.box);
  const crop = rec.crop;
  if (crop.kind === 'whole-image') {
    if (face === undefined || face === null) {
      return finish(image, { x: 0, y: 0, width: image.width, height: image.height }, 0, 0, rec);
    }
    const framing =
      options.margin === undefined && options.detector !== undefined
        ? crop.framing?.[options.detector]
        : undefined;
    if (framing !== undefined) {
      // The training crop as measured for this detector: a square that may reach past the
      // photo's edge, cut with black beyond it so the face keeps its place in the crop.
      const square = framedBox(face.box, framing);
      const cut = cropSquare(image, square);
      const whole = { x: 0, y: 0, width: cut.width, height: cut.height };
      return finish(cut, whole, Math.round(square.x), Math.round(square.y), rec);
    }
    const margin = options.margin ?? DEFAULT_MARGIN;
    if (!(margin >= 0 && margin <= 2)) {
      throw bad('margin', margin, 'pass a fraction of the box from 0 to 2, e.g. 0.2');
    }
    const cropped = cropAt(
      image,
      detectorCropBox(face.box, image.width, image.height, margin, true),
    );
    const whole = { x: 0, y: 0, width: cropped.img.width, height: cropped.img.height };
    return finish(cropped.img, whole, cropped.x0, cropped.y0, rec);
  }
  if (face === undefined || face === null) {
    const k = 1 / (1 + 2 * crop.margin);
    const w = image.width * k;
    const h = image.height * k;
    const box = { x: (image.width - w) / 2, y: (image.height - h) / 2, width: w, height: h };
    return finish(image, box, 0, 0, rec);
  }
  if (rec.align === 'five-point') {
    const pairs = landmarkPairs(face.landmarks);
    if (pairs.src.length >= 2) return alignFace(image, pairs, rec, crop.margin);
  }
  const cropped = cropAt(
    image,
    detectorCropBox(face.box, image.width, image.height, crop.margin, crop.square),
  );
  const box = { ...face.box, x: face.box.x - cropped.x0, y: face.box.y - cropped.y0 };
  return finish(cropped.img, box, cropped.x0, cropped.y0, rec);
}

/**
 * The pixels of `box` (whole pixels: the box rounded to the nearest), black where it lies
 * outside the image.
 */
function cropSquare(image: RawImage, box: FaceBox): RawImage {
  const left = Math.round(box.x);
  const top = Math.round(box.y);
  const w = Math.max(1, Math.round(box.width));
  const h = Math.max(1, Math.round(box.height));
  const c = image.channels;
  const data = new Uint8Array(w * h * c);
  const x0 = Math.max(0, left);
  const x1 = Math.min(image.width, left + w);
  if (x1 > x0) {
    for (let y = Math.max(0, top); y < Math.min(image.height, top + h); y++) {
      const from = (y * image.width + x0) * c;
      data.set(image.data.subarray(from, from + (x1 - x0) * c), ((y - top) * w + (x0 - left)) * c);
    }
  }
  return { data, width: w, height: h, channels: c };
}

/** cropImage, and the whole-pixel origin it used (it widens fractional edges outwards). */
function cropAt(
  image: RawImage,
  box: { left: number; top: number; width: number; height: number },
): { img: RawImage; x0: number; y0: number } {
  return {
    img: cropImage(image, box),
    x0: Math.max(0, Math.floor(box.left)),
    y0: Math.max(0, Math.floor(box.top)),
  };
}

/**
 * Colour, resize (sharp, kernel and fit), mask and channels of a crop whose face box is `box`
 * (crop pixels) and whose top-left is (x0, y0) in the input image.
 */
async function finish(
  src: RawImage,
  box: FaceBox,
  x0: number,
  y0: number,
  rec: PreprocessRecord,
): Promise<PreprocessedFace> {
  let face: RawImage = {
    data: src.data,
    width: src.width,
    height: src.height,
    channels: src.channels,
  };
  if (rec.colour === 'grey') face = convertChannels(face, 1);
  const [H, W] = rec.size;
  const cw = face.width;
  const ch = face.height;
  if (cw !== W || ch !== H) {
    face = await resizeImage(face, W, H, { kernel: rec.resize.kernel, fit: rec.resize.fit });
  }
  // Crop pixels → output pixels, as sharp's fit places them (centred).
  let sx = W / cw;
  let sy = H / ch;
  if (rec.resize.fit !== 'fill') {
    sx = sy = rec.resize.fit === 'cover' ? Math.max(sx, sy) : Math.min(sx, sy);
  }
  const ox = (W - cw * sx) / 2;
  const oy = (H - ch * sy) / 2;
  const faceBox = {
    x: ox + box.x * sx,
    y: oy + box.y * sy,
    width: box.width * sx,
    height: box.height * sy,
  };
  if (rec.mask !== 'none') {
    face = maskOutside(
      face,
      faceBox.x + faceBox.width / 2,
      faceBox.y + faceBox.height / 2,
      faceBox.width,
      faceBox.height,
      rec.mask,
    );
  }
  face = convertChannels(face, rec.channels);
  const uniform = Math.abs(sx - sy) <= 1e-9 * Math.max(sx, sy);
  return {
    image: face,
    aligned: false,
    ...(uniform ? { transform: { a: sx, b: 0, tx: ox - x0 * sx, ty: oy - y0 * sy } } : {}),
    faceBox,
  };
}

/** Five-point alignment: the landmarks onto FACE_TEMPLATE's square inside the margin. */
async function alignFace(
  image: RawImage,
  pairs: { src: Point[]; tmpl: Point[] },
  rec: PreprocessRecord,
  margin: number,
): Promise<PreprocessedFace> {
  const [H, W] = rec.size;
  const inner = Math.min(W, H) / (1 + 2 * margin); // side of the template square in the output
  const offX = (W - inner) / 2;
  const offY = (H - inner) / 2;
  const t = fitSimilarity(
    pairs.src,
    pairs.tmpl.map((p) => ({ x: offX + p.x * inner, y: offY + p.y * inner })),
  );
  // Shrinking by more than 2x: downscale with sharp first (antialiased), then warp.
  let src: RawImage = image;
  let warp = t;
  const scale = similarityScale(t);
  if (scale < 0.5) {
    const f = Math.min(1, 2 * scale);
    const w = Math.max(1, Math.round(image.width * f));
    const h = Math.max(1, Math.round(image.height * f));
    src = await resizeImage(image, w, h, { kernel: rec.resize.kernel });
    // output = t(p) with p = (q * fx, q * fy); fx ~ fy, use their mean for the uniform part.
    const g = (image.width / w + image.height / h) / 2;
    warp = { a: t.a * g, b: t.b * g, tx: t.tx, ty: t.ty };
  }
  let out = warpSimilarity(
    { data: src.data, width: src.width, height: src.height, channels: src.channels },
    warp,
    W,
    H,
  );
  if (rec.colour === 'grey') out = convertChannels(out, 1);
  const faceBox = { x: offX, y: offY, width: inner, height: inner };
  if (rec.mask !== 'none') out = maskOutside(out, W / 2, H / 2, inner, inner, rec.mask);
  out = convertChannels(out, rec.channels);
  return { image: out, aligned: true, transform: t, faceBox };
}

function landmarkPairs(l: FaceLandmarks | undefined | null): { src: Point[]; tmpl: Point[] } {
  const src: Point[] = [];
  const tmpl: Point[] = [];
  if (l === undefined || l === null) return { src, tmpl };
  for (const name of Object.keys(FACE_TEMPLATE) as LandmarkName[]) {
    const p = l[name];
    if (p !== undefined && Number.isFinite(p.x) && Number.isFinite(p.y)) {
      src.push(p);
      tmpl.push(FACE_TEMPLATE[name]);
    }
  }
  return { src, tmpl };
}

/** Blacks out pixels outside the w x h box (or its inscribed ellipse) centred at (cx, cy). */
export function maskOutside(
  img: RawImage,
  cx: number,
  cy: number,
  w: number,
  h: number,
  mode: 'box' | 'ellipse',
): RawImage {
  const data = Uint8Array.from(img.data);
  const c = img.channels;
  const rx = w / 2;
  const ry = h / 2;
  for (let y = 0; y < img.height; y++) {
    const dy = (y + 0.5 - cy) / ry;
    for (let x = 0; x < img.width; x++) {
      const dx = (x + 0.5 - cx) / rx;
      const inside =
        mode === 'box' ? Math.abs(dx) <= 1 && Math.abs(dy) <= 1 : dx * dx + dy * dy <= 1;
      if (!inside) data.fill(0, (y * img.width + x) * c, (y * img.width + x + 1) * c);
    }
  }
  return { ...img, data };
}
