import { mkdir } from 'node:fs/promises';
import { basename, extname, join } from 'node:path';
import { ExprsimError, isExprsimError } from '../core/errors.js';
import type { DetectedFace, DetectorName } from '../core/face.js';
import type { ProgressCallback } from '../core/progress.js';
import { writeImage } from '../image/encode.js';
import { readImage } from '../image/read.js';
import type { ImageLimits } from '../image/types.js';
import { annotateFaces } from './annotate.js';
import { checkMinFace, DEFAULT_DETECTOR, parseDetectorName } from './defaults.js';
import { roundBox } from './geometry.js';
import { createDetector } from './registry.js';

export interface DetectFilesOptions extends ImageLimits {
  /** Default 'mtcnn'. */
  detector?: string;
  /**
   * Smallest face to look for, in pixels, on any image size: MTCNN's `minFaceSize` and
   * Viola-Jones's `minSize`, with their size-ratio floor off. BlazeFace has no such limit.
   * Default: the detector's own. At least the detector's MIN_FACE_LIMITS (E_BAD_OPTION).
   */
  minFace?: number;
  /** Also write each image with its faces drawn into this folder (PNG stays PNG, else JPEG). */
  annotate?: string;
  onProgress?: ProgressCallback;
  /** Told about each file that is skipped (unreadable, not an image); its result has the error. */
  onSkip?: (file: string, error: ExprsimError) => void;
}

export interface FileFaces {
  file: string;
  width?: number;
  height?: number;
  /** Boxes to 0.01 px, scores to 4 decimals, landmarks to 0.1 px; absent when skipped. */
  faces?: DetectedFace[];
  /** Why the file was skipped. */
  error?: string;
}

export interface DetectFilesResult {
  detector: DetectorName;
  /** The detector's resolved config. */
  config: Readonly<Record<string, unknown>>;
  images: FileFaces[];
  /** Files skipped. */
  failed: number;
}

/** The config that makes `name` look for faces down to `minFace` px on any image size. */
function minFaceConfig(name: DetectorName, minFace: number | undefined): object {
  if (minFace === undefined) return {};
  if (name === 'viola-jones') return { minSize: minFace, minSizeRatio: 0 };
  if (name === 'mtcnn') return { minFaceSize: minFace, minFaceRatio: 0 };
  return {};
}

/** Each detector's smallest-face key, which detectFiles' `minFace` sets. */
const MIN_FACE_KEY: Partial<Record<DetectorName, string>> = {
  mtcnn: 'minFaceSize',
  'viola-jones': 'minSize',
};

/**
 * A detector's error as detectFiles reports it: about `file` when it names no input (a detector
 * sees pixels, not paths), and naming `minFace` where it named the detector's own key.
 */
function aboutFile(e: ExprsimError, file: string, name: DetectorName): ExprsimError {
  const key = MIN_FACE_KEY[name];
  const own = key !== undefined && e.option === key;
  if (e.input !== undefined && !own) return e;
  return new ExprsimError(e.code, e.message, {
    input: e.input ?? file,
    fix: own ? e.fix?.replaceAll(`\`${key}\``, '`minFace`') : e.fix,
    option: own ? 'minFace' : e.option,
    cause: e,
  });
}

// Reports read better without float noise; the annotations are drawn from the same numbers.
const round = (v: number, per: number) => Math.round(v * per) / per;
function roundFace(f: DetectedFace): DetectedFace {
  return {
    box: roundBox(f.box),
    score: round(f.score, 1e4),
    ...(f.landmarks
      ? {
          landmarks: Object.fromEntries(
            Object.entries(f.landmarks).map(([k, p]) => [
              k,
              { x: round(p.x, 10), y: round(p.y, 10) },
            ]),
          ),
        }
      : {}),
  };
}

/**
 * Finds the faces in each image file with one detector. A file that cannot be read as an image,
 * or is too large for the detector at this `minFace` (E_IMAGE_TOO_LARGE, naming the smallest
 * face size that fits), is skipped (its result holds the error, `onSkip` is told) and the others
 * go on; any other error ends the run. The detector is freed at the end.
 */
export async function detectFiles(
  files: readonly string[],
  options: DetectFilesOptions = {},
): Promise<DetectFilesResult> {
  const name = parseDetectorName(options.detector ?? DEFAULT_DETECTOR);
  if (options.minFace !== undefined) checkMinFace(name, options.minFace);
  const detector = await createDetector(name, minFaceConfig(name, options.minFace));
  const images: FileFaces[] = [];
  let failed = 0;
  try {
    if (options.annotate !== undefined) await mkdir(options.annotate, { recursive: true });
    for (const [i, file] of files.entries()) {
      try {
        const img = await readImage(file, { maxPixels: options.maxPixels, failOn: options.failOn });
        const faces = (await detector.detectFaces(img)).map(roundFace);
        images.push({ file, width: img.width, height: img.height, faces });
        if (options.annotate !== undefined) {
          const ext = extname(file).toLowerCase() === '.png' ? '.png' : '.jpg';
          await writeImage(
            join(options.annotate, `${basename(file, extname(file))}${ext}`),
            annotateFaces(img, faces),
          );
        }
      } catch (e) {
        if (!isExprsimError(e)) throw e;
        const error = aboutFile(e, file, name);
        failed++;
        images.push({ file, error: error.toLine() });
        options.onSkip?.(file, error);
      }
      options.onProgress?.({ done: i + 1, total: files.length, label: 'detect' });
    }
  } finally {
    detector.dispose();
  }
  return { detector: name, config: detector.config, images, failed };
}
