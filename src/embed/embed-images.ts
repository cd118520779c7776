/**
 * `exprsim embed` as one call: image files and folders in, an embeddings file out. Resolves the
 * model and the detector (the model's own unless one is named), embeds every face, writes the
 * output.
 */
import { ExprsimError } from '../core/errors.js';
import { logger } from '../core/logger.js';
import type { BackendName } from '../engine/backend.js';
import type { ImageLimits } from '../image/types.js';
import { collectImageFilesReport } from '../image/walk-files.js';
import { DEFAULT_EMBED } from './defaults.js';
import { embeddingFormat, writeEmbeddings } from './embed-output.js';
import { embedFiles, type EmbedFilesResult } from './embed-files.js';
import type { EmbedOptions } from './face-embedder.js';
import { openFaceTools, recordedDetector } from './face-tools.js';

export interface EmbedImagesOptions extends EmbedOptions, ImageLimits {
  /** Image files (any name) and folders (searched recursively for images). */
  images: readonly string[];
  /** The output file: .jsonl, .csv or .npy (with `<name>.rows.csv` beside it). */
  out: string;
  /** A model folder; default the shipped `models/exprsim-default`. */
  model?: string;
  /** Find the faces first; false: each image is a face crop. Default `DEFAULT_EMBED.detect`. */
  detect?: boolean;
  /** The face detector; default the one the model's record names, else `DEFAULT_EMBED.detector`. */
  detector?: string;
  /** At most this many faces per image (highest scores first); default all. */
  maxFaces?: number;
  /** Margin around detected boxes; default the model's, else `DEFAULT_EMBED.margin`. */
  margin?: number;
  /** The tensor backend to start (after the arguments are checked); default the engine's choice. */
  backend?: BackendName;
}

export interface EmbedImagesResult extends EmbedFilesResult {
  /** The files written (the output, and for .npy its rows file). */
  written: string[];
  /** The image files found and embedded. */
  files: string[];
  /** The detector's name, or null when the images were taken as face crops. */
  detector: string | null;
}

/**
 * A run that embedded no face: E_DATA_EMPTY counting the unreadable files and those without a
 * face, quoting the first failure (the output is not written, so an earlier one is kept).
 */
function nothingEmbedded(
  options: EmbedImagesOptions,
  total: number,
  r: EmbedFilesResult,
): ExprsimError {
  const parts: string[] = [];
  if (r.failed.length > 0) {
    parts.push(`${r.failed.length} of ${total} unreadable (first: ${r.failed[0].reason})`);
  }
  if (r.noFace.length > 0) parts.push(`${r.noFace.length} of ${total} without a face`);
  return new ExprsimError(
    'E_DATA_EMPTY',
    `no face embedded: ${parts.join(', ')}; ${options.out} not written`,
    {
      input: options.images.join(' '),
      fix:
        r.failed.length > 0
          ? 'pass readable JPEG, PNG or WebP photos'
          : 'pass photos with a face in them, or `detect: false` for images that are face crops already',
    },
  );
}

/**
 * Embeds the faces in images with a trained model into `out`. E_BAD_OPTION for an output name
 * of unknown format and E_DATA_EMPTY when no image file is found (both before the engine
 * starts); unreadable images and images without a face are reported, not fatal, unless no
 * face at all is embedded: then E_DATA_EMPTY says why, and `out` is not written.
 */
export async function embedImages(options: EmbedImagesOptions): Promise<EmbedImagesResult> {
  embeddingFormat(options.out);
  const { files, failed: walkFailed } = await collectImageFilesReport(options.images);
  if (files.length === 0) {
    const broken = walkFailed[0];
    const why =
      broken === undefined
        ? ''
        : `: ${walkFailed.length} unusable (first: ${broken.path}: ${broken.error})`;
    throw new ExprsimError('E_DATA_EMPTY', `no image files found${why}`, {
      input: options.images.join(' '),
      fix: 'pass .jpg, .jpeg, .png or .webp files or folders holding them',
    });
  }
  const detect = options.detect ?? DEFAULT_EMBED.detect;
  const tools = await openFaceTools({
    model: options.model,
    detector: detect ? options.detector : false,
    backend: options.backend,
  });
  try {
    const { embedder, detector } = tools;
    const recorded = recordedDetector(embedder);
    if (detect && options.detector !== undefined && recorded !== undefined) {
      if (options.detector !== recorded) {
        logger.warn(
          `the model was trained on faces found by ${recorded}; ${options.detector} may crop differently`,
        );
      }
    }
    const r = await embedFiles(files, embedder, {
      detector,
      maxFaces: options.maxFaces,
      margin: options.margin,
      batchSize: options.batchSize,
      maxPixels: options.maxPixels,
      failOn: options.failOn,
      onProgress: options.onProgress,
    });
    r.failed.unshift(...walkFailed.map((f) => ({ file: f.path, reason: `${f.path}: ${f.error}` })));
    if (r.faces.length === 0) throw nothingEmbedded(options, files.length + walkFailed.length, r);
    const written = await writeEmbeddings(options.out, r.faces, embedder.embeddingSize);
    return { ...r, written, files, detector: detector?.name ?? null };
  } finally {
    tools.dispose();
  }
}
