/**
 * The preprocessing record as src/features uses it. The record itself, its parser and the
 * pipeline live in src/align (record.ts, preprocess.ts); this module keeps the names features,
 * training and search have always imported.
 */
import { preprocessFace, type PreprocessFaceInput } from '../align/preprocess.js';
import { parsePreprocessRecord, type PreprocessRecord } from '../align/record.js';
import { readImage } from '../image/read.js';
import type { RawImage } from '../image/types.js';

export {
  PREPROCESS_FORMAT,
  canonicalJson,
  detectorCropBox,
  preprocessDifferences,
  preprocessKey,
  samePreprocess,
  wholeImagePreprocess,
} from '../align/record.js';

/**
 * How a face becomes backbone input, recorded with every feature cache and in every model
 * manifest (`preprocess`): the align stage's {@link PreprocessRecord}, under its older name.
 */
export type FeaturePreprocess = PreprocessRecord;

/** Checks a preprocessing record read from JSON (cache or model manifest). E_MODEL_FORMAT. */
export function parsePreprocess(value: unknown, source: string): FeaturePreprocess {
  return parsePreprocessRecord(value, source);
}

/**
 * One face as network input pixels (0..255, the record's size and channels), as the record says:
 * `face` is the detected face in `img` for detector crops (without one, `img` is taken to be the
 * crop already); whole-image records use `img` whole. See the align stage's `preprocessFace`.
 */
export async function prepareFace(
  img: RawImage,
  pre: FeaturePreprocess,
  face?: PreprocessFaceInput,
): Promise<RawImage> {
  return (await preprocessFace(img, face, pre)).image;
}

/** Reads an image file for `pre` (grey decoding when the record says grey). */
export function readForPreprocess(path: string, pre: FeaturePreprocess) {
  return readImage(path, { channels: pre.colour === 'grey' ? 1 : 3 });
}
