/**
 * exprsim/browser: the inference path in a web page, built from the library's own modules by
 * `npm run build:browser` (scripts/build-browser.mjs) into dist/browser/exprsim.js. Detect faces
 * (BlazeFace, MTCNN), prepare them as the model's preprocessing record says, embed them with the
 * default model or a trained one, compare two faces with the model's calibration, and pick the
 * odd one of three, on the user's device: photos never leave the page. Models are fetched from
 * a base URL (default `models/` beside the page, same origin).
 *
 * The Node-only modules have browser siblings (`x.browser.ts`: files over fetch, sharp's
 * resampling in JavaScript, the WebGL / wasm / cpu backend choice); all else is shared.
 */
import { ExprsimError } from '../core/errors.js';
import { setModelBaseUrl, modelDir, defaultModelPath } from '../core/paths.browser.js';
import type { RawImage } from '../core/types.js';
import {
  formatEngineInfo,
  initEngine,
  type BackendName,
  type EngineInfo,
} from '../engine/backend.browser.js';
import { bitmapPixels, fromRgba } from '../image/read.browser.js';
import { createDetector } from '../detect/registry.js';
import { createEmbedder, type FaceEmbedder } from '../embed/face-embedder.js';
import { embedPhotoFaces, type EmbeddedImageFace } from '../embed/photo-faces.js';
import { compareFaces, readModelCalibration, type CalibrationResult } from '../search/compare.js';
import type { Detector } from '../core/face.js';

export { ExprsimError, isExprsimError } from '../core/errors.js';
export { setLogLevel, setLogSink, type LogLevel } from '../core/logger.js';
export type { DetectedFace, Detector, DetectorName, FaceBox, FaceLandmarks } from '../core/face.js';
export type { RawImage } from '../core/types.js';
export { createDetector, DETECTOR_NAMES, type DetectorConfigs } from '../detect/registry.js';
export {
  resolvePreprocessConfig,
  preprocessFace,
  type PreprocessConfig,
  type PreprocessedFace,
} from '../align/preprocess.js';
export { parsePreprocessRecord, type PreprocessRecord } from '../align/record.js';
export { framedBox, type Framing } from '../align/framing.js';
export { createEmbedder, type FaceEmbedder } from '../embed/face-embedder.js';
export { embedPhotoFaces, type EmbeddedImageFace } from '../embed/photo-faces.js';
export {
  compareFaces,
  distancePercentile,
  readModelCalibration,
  type CalibrationResult,
  type FaceComparison,
} from '../search/compare.js';
export { oddOneOut, type OddOneOutResult } from '../search/odd-one-out.js';
export { resizeImage } from '../image/resize.browser.js';
export { readImage } from '../image/read.browser.js';
export { formatEngineInfo, type BackendName, type EngineInfo } from '../engine/backend.browser.js';

export interface BrowserOptions {
  /** URL of the models folder (blazeface/, mtcnn/, exprsim-default/, …). Default `models/`. */
  modelBaseUrl?: string;
  /** Tensor backend; default the first available of webgl, wasm, cpu. */
  backend?: BackendName;
  /** URL of the folder holding the tfjs .wasm files; default the bundle's folder. */
  wasmPath?: string;
  /** wasm threads (cross-origin isolated pages only); default half the logical cores. */
  threads?: number;
}

/**
 * Sets where models come from and starts the tensor backend: WebGL, else wasm, else cpu, unless
 * one is asked for. Returns which runs and why (formatEngineInfo words it as `exprsim info`).
 */
export async function init(options: BrowserOptions = {}): Promise<EngineInfo> {
  if (options.modelBaseUrl !== undefined) setModelBaseUrl(options.modelBaseUrl);
  return initEngine({
    backend: options.backend,
    wasmPath: options.wasmPath,
    threads: options.threads,
  });
}

/** The models folder URL in use. */
export function modelBaseUrl(): string {
  return modelDir();
}

/** The engine's state in lines, as `exprsim info` prints it. */
export async function engineLines(): Promise<string[]> {
  return formatEngineInfo(await initEngine());
}

/** Anything a page holds a picture in. */
export type ImageSource =
  HTMLImageElement | HTMLCanvasElement | OffscreenCanvas | ImageBitmap | ImageData | Blob;

/**
 * The RGB pixels of an image element (loaded), canvas, ImageBitmap, ImageData, or a File /
 * Blob of JPEG, PNG or WebP bytes (decoded as sharp does: colour profiles to sRGB, EXIF orientation applied).
 */
export async function imagePixels(source: ImageSource): Promise<RawImage> {
  if (source instanceof ImageData) {
    return {
      data: fromRgba(source.data, source.width, source.height, 3),
      width: source.width,
      height: source.height,
      channels: 3,
    };
  }
  if (source instanceof Blob) {
    const bitmap = await createImageBitmap(source, {
      colorSpaceConversion: 'default',
      premultiplyAlpha: 'none',
      imageOrientation: 'from-image',
    }).catch((e: unknown) => {
      throw new ExprsimError('E_IMAGE_DECODE', `the browser cannot decode it: ${String(e)}`, {
        input: source instanceof File ? source.name : '<blob>',
        fix: 'pass a JPEG, PNG or WebP image',
      });
    });
    try {
      return await imagePixels(bitmap);
    } finally {
      bitmap.close();
    }
  }
  const el = source as Exclude<ImageSource, ImageData | Blob>;
  const width = source instanceof HTMLImageElement ? source.naturalWidth : source.width;
  const height = source instanceof HTMLImageElement ? source.naturalHeight : source.height;
  if (!(width > 0 && height > 0)) {
    throw new ExprsimError('E_NOT_AN_IMAGE', 'the image has no pixels (not loaded yet?)', {
      fix: 'wait for the image to load (await img.decode()) before passing it',
    });
  }
  return {
    data: fromRgba(bitmapPixels(el, width, height), width, height, 3),
    width,
    height,
    channels: 3,
  };
}

/** The embedding model at `url` (a folder with model.json), default the shipped exprsim-default. */
export async function loadEmbedder(url: string = defaultModelPath()): Promise<FaceEmbedder> {
  await initEngine();
  return createEmbedder(url);
}

/** A detector, an embedder and the model's calibration: everything a page needs, loaded once. */
export interface FaceTools {
  detector: Detector;
  embedder: FaceEmbedder;
  calibration: CalibrationResult;
  /** Detect, prepare and embed every face of a photo (what the server's analyse does). */
  embedPhoto(
    image: ImageSource | RawImage,
    options?: { maxFaces?: number },
  ): Promise<EmbeddedImageFace[]>;
  /** Distance and calibrated similarity of two embeddings. */
  compare(a: Float32Array, b: Float32Array): ReturnType<typeof compareFaces>;
  dispose(): void;
}

function isRaw(x: unknown): x is RawImage {
  return (
    typeof x === 'object' &&
    x !== null &&
    'data' in x &&
    'channels' in x &&
    (x as RawImage).data instanceof Uint8Array
  );
}

/**
 * Loads the detector (default 'mtcnn') and the model (default exprsim-default under the models
 * URL) with its calibration.json.
 */
export async function loadFaceTools(
  options: { detector?: 'mtcnn' | 'blazeface'; model?: string } = {},
): Promise<FaceTools> {
  await initEngine();
  const model = options.model ?? defaultModelPath();
  const [detector, embedder, calibration] = await Promise.all([
    createDetector(options.detector ?? 'mtcnn'),
    createEmbedder(model),
    readModelCalibration(model),
  ]);
  const cal: CalibrationResult = calibration ?? {
    source: 'none',
    reason: `${model} has no calibration.json`,
  };
  return {
    detector,
    embedder,
    calibration: cal,
    async embedPhoto(image, opts = {}) {
      const img = isRaw(image) ? image : await imagePixels(image);
      return embedPhotoFaces(img, { embedder, detector, maxFaces: opts.maxFaces });
    },
    compare: (a, b) => compareFaces(a, b, { calibration: cal }),
    dispose() {
      detector.dispose?.();
      embedder.dispose();
    },
  };
}
