import { ExprsimError } from '../core/errors.js';
import type { FaceFinder } from '../core/face.js';
import { logger } from '../core/logger.js';
import { readImage } from '../image/read.js';
import type { ImageLimits, RawImage } from '../image/types.js';
import { DEFAULT_EMBED_BATCH } from '../features/defaults.js';
import { checkBatchSize, type EmbedOptions, type FaceEmbedder } from './face-embedder.js';
import { preparePhotoFaces } from './photo-faces.js';

/** One face found in (or taken as) an image file, with its embedding. */
export interface EmbeddedFace {
  file: string;
  /** 0-based face index within the file (by detector score). */
  face: number;
  /** The detected box in pixels of the file, or undefined for whole-image faces. */
  box?: { x: number; y: number; width: number; height: number };
  score?: number;
  embedding: Float32Array;
}

export interface EmbedFilesOptions extends EmbedOptions, ImageLimits {
  /** Find faces first with this detector; without one each file is taken as one face crop. */
  detector?: FaceFinder;
  /**
   * Margin around detected boxes: for whole-image records the crop taken (default
   * {@link DEFAULT_DETECT_MARGIN}); for detector records it replaces the record's margin.
   */
  margin?: number;
  /** At most this many faces per file (highest scores); default all. */
  maxFaces?: number;
}

export interface EmbedFilesResult {
  faces: EmbeddedFace[];
  /** Files that could not be read, and files where no face was found. */
  failed: { file: string; reason: string }[];
  noFace: string[];
}

/**
 * Embeds image files: decodes each (bad files are skipped and reported, not fatal), finds faces
 * with `detector` when given and prepares each as the model's record says (preparePhotoFaces:
 * the crop or the record's framing for the detector,
 * five-point alignment from the landmarks, mask), or takes each file as one face crop (masked as
 * the record says, not aligned), and embeds all faces in batches.
 */
export async function embedFiles(
  files: readonly string[],
  embedder: FaceEmbedder,
  options: EmbedFilesOptions = {},
): Promise<EmbedFilesResult> {
  const batchSize = options.batchSize ?? DEFAULT_EMBED_BATCH;
  checkBatchSize(batchSize);
  if (options.detector === undefined && embedder.preprocess.align !== 'none') {
    logger.warn(
      `the model was trained on ${embedder.preprocess.align}-aligned faces; whole images as face crops cannot be aligned (pass a detector)`,
    );
  }
  const result: EmbedFilesResult = { faces: [], failed: [], noFace: [] };
  const pending: Omit<EmbeddedFace, 'embedding'>[] = [];
  let prepared: RawImage[] = [];
  const flush = async () => {
    if (prepared.length === 0) return;
    const vecs = await embedder.embedPrepared(prepared, { batchSize });
    vecs.forEach((embedding, i) => result.faces.push({ ...pending[i], embedding }));
    pending.length = 0;
    prepared = [];
  };
  let done = 0;
  options.onProgress?.({ done, total: files.length, label: 'embed' });
  for (const file of files) {
    try {
      const img = await readImage(file, {
        channels: 3,
        maxPixels: options.maxPixels,
        failOn: options.failOn,
      });
      if (options.detector === undefined) {
        const face = await embedder.prepareFace(img);
        pending.push({ file, face: 0 });
        prepared.push(face);
      } else {
        const { found, prepared: faces } = await preparePhotoFaces(img, {
          embedder,
          detector: options.detector,
          maxFaces: options.maxFaces,
          margin: options.margin,
        });
        if (found.length === 0) result.noFace.push(file);
        found.forEach((f, i) => {
          pending.push({ file, face: i, box: f.box, score: f.score });
          prepared.push(faces[i]);
        });
      }
    } catch (e) {
      result.failed.push({
        file,
        reason: e instanceof ExprsimError ? e.toLine() : (e as Error).message.split('\n')[0],
      });
    }
    if (prepared.length >= batchSize) await flush();
    done++;
    options.onProgress?.({ done, total: files.length, label: 'embed' });
  }
  await flush();
  return result;
}
