/**
 * Finding and embedding the faces of one decoded photo, the way both the indexer and the query
 * commands do it: detect, embed every face as the model's preprocessing record says (crop,
 * five-point alignment from the landmarks, mask) in one batch, and optionally make a small JPEG
 * thumbnail of each face's crop (the model's crop of it, squared; not aligned or masked).
 * embed-files.ts runs the same path over many files.
 */
import { ExprsimError } from '../core/errors.js';
import { DEFAULT_DETECT_MARGIN } from '../features/defaults.js';
import type { FaceEmbedder } from './face-embedder.js';
import { detectorCropBox } from '../features/preprocess.js';
import {
  LANDMARK_NAMES,
  type DetectedFace,
  type FaceBox,
  type FaceFinder,
  type FaceLandmarks,
} from '../core/face.js';
import { framedBox } from '../align/framing.js';
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

/** What {@link preparePhotoFaces} needs: the embedder and detector, and optional limits. */
export type PreparePhotoFacesOptions = Pick<
  FaceCropOptions,
  'embedder' | 'detector' | 'maxFaces' | 'margin'
>;

/**
 * Detects the faces of one photo and prepares each as the model's record says (crop or the
 * record's framing for this detector, five-point alignment from the landmarks, mask): the one
 * photo → faces path that embed, index and serve share.
 */
export async function preparePhotoFaces(
  img: RawImage,
  options: PreparePhotoFacesOptions,
): Promise<{ found: DetectedFace[]; prepared: RawImage[] }> {
  const { embedder, detector } = options;
  const maxFaces = options.maxFaces ?? Infinity;
  if (!(maxFaces >= 1)) {
    throw new ExprsimError('E_BAD_OPTION', `\`maxFaces\` must be ≥ 1, got ${maxFaces}`, {
      input: String(maxFaces),
      option: 'maxFaces',
    });
  }
  const found = (await detector.detectFaces(img)).slice(0, maxFaces);
  const prepared = await Promise.all(
    found.map((f) =>
      embedder.prepareFace(img, f, { margin: options.margin, detector: detector.name }),
    ),
  );
  return { found, prepared };
}

/** The photo region a face's thumbnail shows: the model's crop of it, squared, in the photo. */
function thumbnailBox(
  embedder: FaceEmbedder,
  detector: string,
  box: FaceBox,
  img: RawImage,
  margin: number | undefined,
): { left: number; top: number; width: number; height: number } {
  const crop = embedder.preprocess.crop;
  const framing =
    crop.kind === 'whole-image' && margin === undefined ? crop.framing?.[detector] : undefined;
  if (framing === undefined) {
    const m = margin ?? (crop.kind === 'detector' ? crop.margin : DEFAULT_DETECT_MARGIN);
    return detectorCropBox(
      box,
      img.width,
      img.height,
      m,
      crop.kind === 'detector' ? crop.square : true,
    );
  }
  const f = framedBox(box, framing);
  const left = Math.max(0, f.x);
  const top = Math.max(0, f.y);
  return {
    left,
    top,
    width: Math.min(img.width, f.x + f.width) - left,
    height: Math.min(img.height, f.y + f.height) - top,
  };
}

/** Detects, crops and embeds the faces of `img` (RGB or grey pixels). */
export async function embedPhotoFaces(
  img: RawImage,
  options: FaceCropOptions,
): Promise<EmbeddedImageFace[]> {
  const { embedder, detector } = options;
  const { found, prepared } = await preparePhotoFaces(img, options);
  if (found.length === 0) return [];
  const embeddings = await embedder.embedPrepared(prepared);
  const out: EmbeddedImageFace[] = [];
  for (let i = 0; i < found.length; i++) {
    const f = found[i];
    const landmarks = landmarkPoints(f.landmarks);
    const thumb = options.thumbnails
      ? await faceThumbnail(
          cropImage(img, thumbnailBox(embedder, detector.name, f.box, img, options.margin)),
        )
      : undefined;
    out.push({
      face: i,
      box: { x: f.box.x, y: f.box.y, width: f.box.width, height: f.box.height },
      score: f.score,
      ...(landmarks === undefined ? {} : { landmarks }),
      embedding: embeddings[i],
      ...(thumb === undefined ? {} : { thumbnail: thumb }),
    });
  }
  return out;
}
