/**
 * Detector crops of dataset images: find the face the record's detector sees (in a black frame
 * when the record pads), then preprocess it; when no face is found, skip the image or use it
 * whole, as the record's `noFace` says. Feature caches use this, so the study's comparison of
 * detectors (Viola-Jones missed 28% of faces, MTCNN 16%) runs on the same images for each.
 */
import { ExprsimError } from '../core/errors.js';
import type { DetectedFace } from '../core/face.js';
import { padImage } from '../image/transform.js';
import type { RawImage } from '../image/types.js';
import { preprocessFace, type PreprocessedFace } from './preprocess.js';
import { type PreprocessRecord } from './record.js';

export interface DetectorCropResult {
  /** The prepared face; undefined when no face was found and the record says 'skip'. */
  face?: PreprocessedFace;
  /** Whether the detector found the face (false: skipped, or used whole). */
  detected: boolean;
}

/**
 * The largest-score face of `image` as network input, per a detector-crop record: the image is
 * framed by `round(pad × shorter side)` black pixels, `detect` runs on that, and the crop is taken
 * from it. No face: `noFace` 'whole-image' prepares the unframed image with the whole image as
 * the face box (what a mask keeps); 'skip' returns no face.
 */
export async function cropDetectedFace(
  image: RawImage,
  record: PreprocessRecord,
  detect: (img: RawImage) => Promise<readonly DetectedFace[]>,
): Promise<DetectorCropResult> {
  const crop = record.crop;
  if (crop.kind !== 'detector') {
    throw new ExprsimError('E_BAD_OPTION', 'cropDetectedFace needs a detector-crop record', {
      fix: 'use preprocessFace for whole-image records',
    });
  }
  const by = Math.round(crop.pad * Math.min(image.width, image.height));
  const framed = padImage(image, by);
  const [face] = await detect(framed);
  if (face !== undefined)
    return { face: await preprocessFace(framed, face, record), detected: true };
  if (crop.noFace === 'skip') return { detected: false };
  // Used whole: the same steps as a whole-image record (no landmarks, so no alignment).
  const whole: PreprocessRecord = { ...record, crop: { kind: 'whole-image' }, align: 'none' };
  return { face: await preprocessFace(image, undefined, whole), detected: false };
}
