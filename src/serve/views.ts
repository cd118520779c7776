/** The JSON shapes the API answers with, made from store records. */
import { roundTo as round, roundedBox } from '../core/round.js';
import type { Box, FaceRecord, PhotoRecord } from '../search/index.js';
import { LIBRARY_HINT } from './errors.js';
import type { HidePaths } from './hide-paths.js';

export interface FaceView {
  id: number;
  photoId: number;
  /** The photo's path relative to the indexed root. */
  path: string;
  /** Every path with the same photo content (one set of faces per content), `path` first. */
  paths: string[];
  face: number;
  box: Box;
  score: number;
  landmarks?: [number, number][];
  model: string;
  thumbnailUrl: string;
  imageUrl: string;
  embedding?: number[];
}

export interface PhotoView {
  id: number;
  path: string;
  width: number;
  height: number;
  status: PhotoRecord['status'];
  error?: string;
  indexedAt: string;
  imageUrl: string;
  faces?: FaceView[];
}

/**
 * The indexer records `message (fix)`; a fix naming library options (`failOn: 'truncated'`) is
 * for whoever runs the index, not for HTTP clients, and is left out.
 */
function photoError(error: string, hide: HidePaths): string {
  const m = /^(.*) \(([^()]*(?:\([^()]*\)[^()]*)*)\)$/s.exec(error);
  const text = m !== null && LIBRARY_HINT.test(m[2]) ? m[1] : error;
  return hide(text);
}

export const photoImageUrl = (id: number) => `/api/photos/${id}/image`;
export const thumbnailUrl = (id: number) => `/api/faces/${id}/thumbnail`;

export function faceView(f: FaceRecord, withEmbedding = false): FaceView {
  return {
    id: f.id,
    photoId: f.photoId,
    path: f.path,
    paths: f.paths,
    face: f.face,
    box: roundedBox(f.box),
    score: round(f.score, 4),
    ...(f.landmarks === undefined
      ? {}
      : { landmarks: f.landmarks.map(([x, y]) => [round(x, 1), round(y, 1)] as [number, number]) }),
    model: f.model,
    thumbnailUrl: thumbnailUrl(f.id),
    imageUrl: photoImageUrl(f.photoId),
    ...(withEmbedding ? { embedding: Array.from(f.embedding) } : {}),
  };
}

/**
 * A photo as the API shows it. `hide` takes server paths out of its error (the indexer's text,
 * which can name files by absolute path), and library hints an HTTP client cannot follow go.
 */
export function photoView(
  p: PhotoRecord,
  hide: HidePaths,
  faces?: readonly FaceRecord[],
  withEmbeddings = false,
): PhotoView {
  return {
    id: p.id,
    path: p.path,
    width: p.width,
    height: p.height,
    status: p.status,
    ...(p.error === undefined ? {} : { error: photoError(p.error, hide) }),
    indexedAt: p.indexedAt,
    imageUrl: photoImageUrl(p.id),
    ...(faces === undefined ? {} : { faces: faces.map((f) => faceView(f, withEmbeddings)) }),
  };
}
