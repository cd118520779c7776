/**
 * Finding and embedding the faces of one decoded photo, the way both the indexer and the query
 * commands do it: detect, embed every face as the model's preprocessing record says (crop,
 * five-point alignment from the landmarks, mask) in one batch, and optionally make a small JPEG
 * thumbnail of each face's crop (the box grown by the margin, squared; not aligned or masked).
 */
import { ExprsimError } from '../core/errors.js';
import { DEFAULT_DETECT_MARGIN } from '../features/defaults.js';
import type { FaceEmbedder } from './face-embedder.js';
import { detectorCropBox } from '../features/preprocess.js';
import { LANDMARK_NAMES, type FaceFinder, type FaceBox, type FaceLandmarks } from '../core/face.js';
import { encodeImage } from '../image/encode.js';
import { cropImage, resizeImage } from '../image/transform.js';
import type { RawImage } from '../image/types.js';

/** The side of face thumbnails, in pixels. */
export const THUMBNAIL_SIZE = 96;
const THUMBNAIL_QUALITY = 80;

export interface EmbeddedImageFace {
  /** 0-based, in detector score order. */
  face: number;
  box: FaceBox;
  score: number;
  /** Landmarks as [x, y] in photo pixels, in LANDMARK_NAMES order (those the detector gives). */
  landmarks?: [number, number][];
  embedding: Float32Array;
  thumbnail?: Uint8Array;
}

export interface FaceCropOptions {
  embedder: FaceEmbedder;
  detector: FaceFinder;
  /** At most this many faces (highest scores); default all. */
  maxFaces?: number;
  /** Margin around boxes; default the model's record. */
  margin?: number;
  /** Also make JPEG thumbnails of the crops (THUMBNAIL_SIZE px). */
  thumbnails?: boolean;
}

export function landmarkPoints(l: FaceLandmarks | undefined): [number, number][] | undefined {
  if (l === undefined) return undefined;
  const pts: [number, number][] = [];
  for (const name of LANDMARK_NAMES) {
    const p = l[name];
    if (p !== undefined) pts.push([p.x, p.y]);
  }
  return pts.length > 0 ? pts : undefined;
}

/** A square JPEG thumbnail of a face crop. */
export async function faceThumbnail(crop: RawImage, size = THUMBNAIL_SIZE): Promise<Uint8Array> {
  const small = await resizeImage(crop, size, size, { fit: 'cover' });
  return new Uint8Array(await encodeImage(small, 'jpeg', { quality: THUMBNAIL_QUALITY }));
}

/** Detects, crops and embeds the faces of `img` (RGB or grey pixels). */
export async function embedPhotoFaces(
  img: RawImage,
  options: FaceCropOptions,
): Promise<EmbeddedImageFace[]> {
  const { embedder, detector } = options;
  const crop = embedder.preprocess.crop;
  const margin = options.margin ?? (crop.kind === 'detector' ? crop.margin : DEFAULT_DETECT_MARGIN);
  const square = crop.kind === 'detector' ? crop.square : true;
  const maxFaces = options.maxFaces ?? Infinity;
  if (!(maxFaces >= 1)) {
    throw new ExprsimError('E_BAD_OPTION', `maxFaces must be ≥ 1, got ${maxFaces}`, {
      input: String(maxFaces),
    });
  }
  const found = (await detector.detectFaces(img)).slice(0, maxFaces);
  if (found.length === 0) return [];
  // Crop, align and mask as the model's preprocessing record says (landmarks included).
  const embeddings = await embedder.embedDetectedFaces(img, found, { margin: options.margin });
  const crops = options.thumbnails
    ? found.map((f) =>
        cropImage(img, detectorCropBox(f.box, img.width, img.height, margin, square)),
      )
    : [];
  const out: EmbeddedImageFace[] = [];
  for (let i = 0; i < found.length; i++) {
    const f = found[i];
    const landmarks = landmarkPoints(f.landmarks);
    out.push({
      face: i,
      box: { x: f.box.x, y: f.box.y, width: f.box.width, height: f.box.height },
      score: f.score,
      ...(landmarks === undefined ? {} : { landmarks }),
      embedding: embeddings[i],
      ...(options.thumbnails ? { thumbnail: await faceThumbnail(crops[i]) } : {}),
    });
  }
  return out;
}
