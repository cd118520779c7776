import type { RawImage } from './types.js';

/** An axis-aligned box in pixels of the image that was passed in: (x, y) is the top-left corner. */
export interface FaceBox {
  x: number;
  y: number;
  width: number;
  height: number;
}

export interface Point {
  x: number;
  y: number;
}

/**
 * Facial landmark names. "left" and "right" are as seen in the image (leftEye has the smaller x
 * for an upright face looking at the camera), not from the subject's point of view.
 */
export type LandmarkName = 'leftEye' | 'rightEye' | 'nose' | 'mouthLeft' | 'mouthRight' | 'mouth';

export const LANDMARK_NAMES: readonly LandmarkName[] = [
  'leftEye',
  'rightEye',
  'nose',
  'mouthLeft',
  'mouthRight',
  'mouth',
];

/** The landmarks a detector found; MTCNN gives the first five names, BlazeFace eyes, nose, mouth. */
export type FaceLandmarks = Partial<Record<LandmarkName, Point>>;

export interface DetectedFace {
  /** In pixels of the input image, clipped to it. */
  box: FaceBox;
  /** The detector's confidence, 0..1 (Viola-Jones: a normalised neighbour count, see its docs). */
  score: number;
  landmarks?: FaceLandmarks;
}

/** What `detectFaces` accepts: decoded pixels, or a path / encoded bytes that it reads first. */
export type DetectInput = RawImage | string | Uint8Array;

export type DetectorName = 'mtcnn' | 'viola-jones' | 'blazeface';

/**
 * What the inference path needs of a detector: a name (recorded with the faces) and faces found
 * in decoded pixels. Every {@link Detector} is one; tests and callers may pass their own.
 */
export interface FaceFinder {
  readonly name: string;
  detectFaces(image: RawImage): Promise<DetectedFace[]>;
}

export interface Detector extends FaceFinder {
  readonly name: DetectorName;
  /** The resolved configuration (every default filled in), JSON-serialisable. */
  readonly config: Readonly<Record<string, unknown>>;
  /**
   * Finds faces. Returns them sorted by score, highest first; an empty array when there is none
   * (including images too small to hold a face of the configured minimum size).
   */
  detectFaces(image: DetectInput): Promise<DetectedFace[]>;
  /** Frees tensors / native memory. The detector cannot be used afterwards. */
  dispose(): void;
}
