/**
 * Face preprocessing: crop with margin, optional five-point alignment, optional masking of
 * non-face pixels, grey or RGB, resize to the model input. Every choice lives in one JSON-ready
 * `PreprocessConfig`, stored with feature caches and models so inference preprocesses exactly as
 * training did.
 */
import { ExprsimError } from '../errors.js';
import { convertChannels } from '../image/channels.js';
import { resizeImage } from '../image/transform.js';
import type { Channels, RawImage } from '../image/types.js';
import { assertRawImage } from '../image/validate.js';
import type { DetectedFace, FaceLandmarks, LandmarkName, Point } from '../detect/types.js';
import { type Similarity, fitSimilarity, similarityScale } from './similarity.js';
import { warpSimilarity } from './warp.js';

export type AlignMode = 'none' | 'five-point';
/** 'box': black outside the detected box; 'ellipse': black outside the ellipse inscribed in it. */
export type MaskMode = 'none' | 'box' | 'ellipse';

export interface PreprocessConfig {
  /** Format version of this object. */
  version?: 1;
  /** Output side in pixels (square). Default 224. */
  size?: number;
  /** Context added on every side, as a fraction of the face box. Default 0.2. */
  margin?: number;
  /** 'five-point': rotate and scale the landmarks onto a template. Default 'none' (box crop). */
  align?: AlignMode;
  /** Black out non-face pixels (the study's preprocessing). Default 'none'. */
  mask?: MaskMode;
  /** 1 = grey (BT.601), 3 = RGB. Default 3. */
  channels?: Channels;
}

export type ResolvedPreprocessConfig = Required<PreprocessConfig>;

const KEYS = ['version', 'size', 'margin', 'align', 'mask', 'channels'];
const ALIGN: readonly AlignMode[] = ['none', 'five-point'];
const MASK: readonly MaskMode[] = ['none', 'box', 'ellipse'];

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

/** Validates a (possibly parsed-from-JSON) config and fills in the defaults. */
export function resolvePreprocessConfig(config: PreprocessConfig = {}): ResolvedPreprocessConfig {
  if (typeof config !== 'object' || config === null || Array.isArray(config)) {
    throw bad('config', config, 'pass an object such as { size: 224, margin: 0.2 }');
  }
  const unknown = Object.keys(config).filter((k) => !KEYS.includes(k));
  if (unknown.length > 0) {
    throw new ExprsimError('E_BAD_OPTION', `unknown preprocess option ${unknown.join(', ')}`, {
      input: unknown.join(', '),
      fix: `valid options are ${KEYS.join(', ')}`,
    });
  }
  const version = config.version ?? 1;
  if (version !== 1) throw bad('version', version, 'this exprsim reads version 1 configs');
  const size = config.size ?? 224;
  if (!Number.isInteger(size) || size < 8 || size > 4096) {
    throw bad('size', size, 'pass a whole number of pixels from 8 to 4096');
  }
  const margin = config.margin ?? 0.2;
  if (typeof margin !== 'number' || !Number.isFinite(margin) || margin < 0 || margin > 2) {
    throw bad('margin', margin, 'pass a fraction of the box from 0 to 2, e.g. 0.2');
  }
  const align = config.align ?? 'none';
  if (!ALIGN.includes(align)) throw bad('align', align, `use one of ${ALIGN.join(', ')}`);
  const mask = config.mask ?? 'none';
  if (!MASK.includes(mask)) throw bad('mask', mask, `use one of ${MASK.join(', ')}`);
  const channels = config.channels ?? 3;
  if (channels !== 1 && channels !== 3) throw bad('channels', channels, 'use 1 (grey) or 3 (RGB)');
  return { version, size, margin, align, mask, channels };
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

export interface PreprocessedFace {
  image: RawImage;
  /** Whether landmark alignment was applied (false when asked but the face had < 2 landmarks). */
  aligned: boolean;
  /** The transform from input pixels to output pixels. */
  transform: Similarity;
}

/**
 * Cuts one detected face out of `image` as `config` says: a square of side
 * max(width, height) * (1 + 2 margin) around the box centre, or (align 'five-point') the
 * similarity that best puts the landmarks on FACE_TEMPLATE inside the same margin; pixels outside
 * the image are black. Then masks, converts channels, and returns size x size pixels.
 */
export async function preprocessFace(
  image: RawImage,
  face: Pick<DetectedFace, 'box' | 'landmarks'>,
  config: PreprocessConfig = {},
): Promise<PreprocessedFace> {
  assertRawImage(image);
  const cfg = resolvePreprocessConfig(config);
  const { box } = face;
  if (
    typeof box !== 'object' ||
    box === null ||
    ![box.x, box.y, box.width, box.height].every(Number.isFinite) ||
    !(box.width > 0 && box.height > 0)
  ) {
    throw new ExprsimError('E_BAD_OPTION', `face box ${JSON.stringify(box)} is not a box`, {
      fix: 'pass a face from detectFaces, with a box of positive width and height',
    });
  }
  const S = cfg.size;
  const inner = S / (1 + 2 * cfg.margin); // side of the face box inside the output
  const off = (S - inner) / 2;

  let t: Similarity | undefined;
  const pairs = landmarkPairs(face.landmarks);
  if (cfg.align === 'five-point' && pairs.src.length >= 2) {
    t = fitSimilarity(
      pairs.src,
      pairs.tmpl.map((p) => ({ x: off + p.x * inner, y: off + p.y * inner })),
    );
  }
  const aligned = t !== undefined;
  if (t === undefined) {
    const side = Math.max(box.width, box.height);
    const k = inner / side;
    const cx = box.x + box.width / 2;
    const cy = box.y + box.height / 2;
    t = { a: k, b: 0, tx: S / 2 - k * cx, ty: S / 2 - k * cy };
  }

  // Shrinking by more than 2x: downscale with sharp first (antialiased), then warp.
  let src = image;
  let warp = t;
  const scale = similarityScale(t);
  if (scale < 0.5) {
    const f = Math.min(1, 2 * scale);
    const w = Math.max(1, Math.round(image.width * f));
    const h = Math.max(1, Math.round(image.height * f));
    src = await resizeImage(image, w, h, { kernel: 'linear' });
    const fx = image.width / w;
    const fy = image.height / h;
    // output = t(p) with p = (q * fx, q * fy); fx ~ fy, use their mean for the uniform part.
    const g = (fx + fy) / 2;
    warp = { a: t.a * g, b: t.b * g, tx: t.tx, ty: t.ty };
  }
  let out = warpSimilarity({ ...src, channels: src.channels }, warp, S, S);

  if (cfg.mask !== 'none') {
    // The face box in output coordinates: the inner square when cropping by box (the box's own
    // aspect inside it), the template square when aligned.
    const k = aligned ? inner : inner / Math.max(box.width, box.height);
    const bw = aligned ? inner : box.width * k;
    const bh = aligned ? inner : box.height * k;
    out = maskOutside(out, S / 2, S / 2, bw, bh, cfg.mask);
  }
  if (out.channels !== cfg.channels) out = convertChannels(out, cfg.channels);
  return { image: out, aligned, transform: t };
}

function landmarkPairs(l: FaceLandmarks | undefined): { src: Point[]; tmpl: Point[] } {
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
