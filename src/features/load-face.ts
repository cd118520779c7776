/** One dataset image → the face the backbone reads, as a feature cache's record says. */
import { ExprsimError } from '../core/errors.js';
import type { FaceFinder } from '../core/face.js';
import { readImage } from '../image/read.js';
import { mirrorImage } from '../image/transform.js';
import type { RawImage } from '../image/types.js';
import { cropDetectedFace } from '../align/detect-crop.js';
import { preprocessFace } from '../align/preprocess.js';
import type { FeatureItem } from './dataset.js';
import type { FeaturePreprocess } from './preprocess.js';

/**
 * The skip reason of an image where the detector found no face (`<path>: no face found`), as
 * shard indexes store it: the detection rate counts these, also in shards of an earlier run.
 */
const NO_FACE = 'no face found';
export const isNoFace = (reason: string) => reason.endsWith(`: ${NO_FACE}`);

/** One image prepared: its pixels, and whether a detector record's detector found the face. */
export interface LoadedFace {
  image: RawImage;
  detected: boolean;
}

/** Runs detections one at a time (a detector holds big intermediate tensors). */
export function serialise<A extends unknown[], R>(
  fn: (...a: A) => Promise<R>,
): (...a: A) => Promise<R> {
  let last: Promise<unknown> = Promise.resolve();
  return (...a: A) => {
    const run = last.then(
      () => fn(...a),
      () => fn(...a),
    );
    last = run.catch(() => undefined);
    return run;
  };
}

/** Reads and prepares one image; a reason string when it cannot be read or has no face. */
export async function loadFace(
  item: FeatureItem,
  pre: FeaturePreprocess,
  detect: FaceFinder['detectFaces'] | undefined,
  mirror: boolean,
): Promise<LoadedFace | string> {
  const r = await loadUnmirrored(item, pre, detect);
  return mirror && typeof r !== 'string' ? { ...r, image: mirrorImage(r.image) } : r;
}

async function loadUnmirrored(
  item: FeatureItem,
  pre: FeaturePreprocess,
  detect: FaceFinder['detectFaces'] | undefined,
): Promise<LoadedFace | string> {
  try {
    if (pre.crop.kind === 'whole-image' || detect === undefined) {
      const img = await readImage(item.path, { channels: pre.colour === 'grey' ? 1 : 3 });
      return { image: (await preprocessFace(img, undefined, pre)).image, detected: true };
    }
    const img = await readImage(item.path, { channels: 3 });
    const r = await cropDetectedFace(img, pre, detect);
    if (r.face === undefined) return `${item.path}: ${NO_FACE}`;
    return { image: r.face.image, detected: r.detected };
  } catch (e) {
    return e instanceof ExprsimError ? e.toLine() : (e as Error).message.split('\n')[0];
  }
}
