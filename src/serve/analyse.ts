import type { Detector } from '../core/face.js';
import type { FaceEmbedder } from '../embed/face-embedder.js';
import { readImage } from '../image/read.js';
import { embedPhotoFaces } from '../embed/index.js';
import type { Box } from '../search/index.js';
import { roundTo as round, roundedBox } from '../core/round.js';

/** One face found in an uploaded photo. */
export interface UploadedFace {
  /** 0-based, by detector score. */
  face: number;
  box: Box;
  score: number;
  /** The detector's points (MTCNN: eyes, nose, mouth corners) as [x, y] in photo pixels. */
  landmarks?: [number, number][];
  embedding: number[];
}

export interface AnalysedUpload {
  /** The photo's size as shown (EXIF orientation applied): boxes are in these pixels. */
  width: number;
  height: number;
  faces: UploadedFace[];
}

/**
 * Decodes an uploaded photo (its pixel count is checked from the header before any pixel is
 * decoded), finds its faces and embeds each exactly as `exprsim index` does, so its embeddings
 * are comparable with the index's.
 */
export async function analyseUpload(
  bytes: Uint8Array,
  embedder: FaceEmbedder,
  detector: Detector,
  maxPixels: number,
): Promise<AnalysedUpload> {
  const img = await readImage(bytes, { channels: 3, maxPixels, maxBytes: Infinity });
  const faces = await embedPhotoFaces(img, { embedder, detector });
  return {
    width: img.width,
    height: img.height,
    faces: faces.map((f) => ({
      face: f.face,
      box: roundedBox(f.box),
      score: round(f.score, 4),
      ...(f.landmarks === undefined
        ? {}
        : {
            landmarks: f.landmarks.map(([x, y]) => [round(x, 1), round(y, 1)] as [number, number]),
          }),
      embedding: Array.from(f.embedding),
    })),
  };
}
