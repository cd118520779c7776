import type { Detector, FaceLandmarks } from '../detect/types.js';
import { DEFAULT_DETECT_MARGIN } from '../features/defaults.js';
import type { FaceEmbedder } from '../features/embed.js';
import { detectorCropBox } from '../features/preprocess.js';
import { readImage } from '../image/read.js';
import { cropImage } from '../image/transform.js';
import type { Box } from '../search/types.js';

/** One face found in an uploaded photo. */
export interface UploadedFace {
  /** 0-based, by detector score. */
  face: number;
  box: Box;
  score: number;
  /** MTCNN's five points (eyes, nose, mouth corners) as [x, y] in photo pixels. */
  landmarks?: [number, number][];
  embedding: number[];
}

export interface AnalysedUpload {
  width: number;
  height: number;
  faces: UploadedFace[];
}

const LANDMARK_ORDER = ['leftEye', 'rightEye', 'nose', 'mouthLeft', 'mouthRight', 'mouth'] as const;

function landmarkPoints(l: FaceLandmarks | undefined): [number, number][] | undefined {
  if (l === undefined) return undefined;
  const pts: [number, number][] = [];
  for (const name of LANDMARK_ORDER) {
    const p = l[name];
    if (p !== undefined) pts.push([round1(p.x), round1(p.y)]);
  }
  return pts.length > 0 ? pts : undefined;
}

const round1 = (v: number) => Math.round(v * 10) / 10;
const round2 = (v: number) => Math.round(v * 100) / 100;

/**
 * Decodes an uploaded photo (the pixel limit is checked from its header before any pixel is
 * decoded), finds its faces and embeds each, cropped the way the model's preprocessing record
 * says (detector box grown by its margin, squared), as `exprsim index` does.
 */
export async function analyseUpload(
  bytes: Uint8Array,
  embedder: FaceEmbedder,
  detector: Detector,
  maxPixels: number,
): Promise<AnalysedUpload> {
  const img = await readImage(bytes, { channels: 3, maxPixels, maxBytes: Infinity });
  const found = await detector.detectFaces(img);
  const crop = embedder.preprocess.crop;
  const margin = crop.kind === 'detector' ? crop.margin : DEFAULT_DETECT_MARGIN;
  const square = crop.kind === 'detector' ? crop.square : true;
  const crops = found.map((f) =>
    cropImage(img, detectorCropBox(f.box, img.width, img.height, margin, square)),
  );
  const vectors = crops.length > 0 ? await embedder.embedFaces(crops) : [];
  return {
    width: img.width,
    height: img.height,
    faces: found.map((f, i) => ({
      face: i,
      box: {
        x: round2(f.box.x),
        y: round2(f.box.y),
        width: round2(f.box.width),
        height: round2(f.box.height),
      },
      score: Math.round(f.score * 1e4) / 1e4,
      landmarks: landmarkPoints(f.landmarks),
      embedding: Array.from(vectors[i]),
    })),
  };
}
