/**
 * Queries against a face store: nearest faces to a stored face or to a face in an image, and
 * embedding the faces of a query image (the largest face, or the one the caller picks).
 */
import type { FaceFinder } from '../core/face.js';
import { ExprsimError } from '../core/errors.js';
import type { FaceEmbedder } from '../embed/face-embedder.js';
import { readImage, BUFFER_SOURCE } from '../image/read.js';
import type { ImageLimits, RawImage } from '../image/types.js';
import { embedPhotoFaces, type EmbeddedImageFace } from '../embed/photo-faces.js';
import { DEFAULT_SEARCH } from './defaults.js';
import { modelVersion } from './model-version.js';
import type { FaceRecord, FaceStore, Neighbour } from './types.js';

export interface ImageFacesOptions extends ImageLimits {
  embedder: FaceEmbedder;
  detector: FaceFinder;
  /** At most this many faces (highest detector scores); default all. */
  maxFaces?: number;
  /** Margin around boxes; default the model's record. */
  margin?: number;
}

export interface ImageFaces {
  /** The file path, or '<buffer>' / '<pixels>'. */
  source: string;
  width: number;
  height: number;
  /** In detector score order (face 0 has the highest score). */
  faces: EmbeddedImageFace[];
}

/** Decodes an image (path, encoded bytes or pixels) and embeds every face found in it. */
export async function embedImageFaces(
  image: string | Uint8Array | RawImage,
  options: ImageFacesOptions,
): Promise<ImageFaces> {
  const isPixels = typeof image === 'object' && !(image instanceof Uint8Array);
  const img = isPixels
    ? image
    : await readImage(image, {
        channels: 3,
        maxPixels: options.maxPixels,
        failOn: options.failOn,
      });
  const source = typeof image === 'string' ? image : isPixels ? '<pixels>' : BUFFER_SOURCE;
  const faces = await embedPhotoFaces(img, options);
  return { source, width: img.width, height: img.height, faces };
}

/**
 * The face to query with: `face` (0-based, detector score order) when given, else the largest
 * (box area; the higher-scored of equals). E_NO_FACE when there is none, E_BAD_OPTION when
 * `face` is out of range.
 */
export function pickFace<T extends { face: number; box: { width: number; height: number } }>(
  faces: readonly T[],
  face: number | undefined,
  source: string,
): T {
  if (faces.length === 0) {
    throw new ExprsimError('E_NO_FACE', 'no face found in the image', {
      input: source,
      fix: 'use a photo with a clearly visible face (at least ~40 px wide)',
    });
  }
  if (face !== undefined) {
    const f = faces.find((x) => x.face === face);
    if (f === undefined) {
      throw new ExprsimError(
        'E_BAD_OPTION',
        `face ${face} does not exist: the image has ${faces.length} face${faces.length === 1 ? '' : 's'} (0..${faces.length - 1})`,
        { input: source, fix: `pass a face number from 0 to ${faces.length - 1}` },
      );
    }
    return f;
  }
  let best = faces[0];
  for (const f of faces) {
    if (f.box.width * f.box.height > best.box.width * best.box.height) best = f;
  }
  return best;
}

export interface SearchOptions {
  /** How many neighbours; default `DEFAULT_SEARCH.k` (10). */
  k?: number;
  /** Only faces of this model version (default: the query face's version, or every face). */
  model?: string;
  /** Leave the query face itself out (only for a stored query face); default false. */
  excludeSelf?: boolean;
  /** HNSW candidate list when the store searches its ANN index (NearestOptions.efSearch). */
  efSearch?: number;
  /** Scan every face even where an ANN index exists. */
  exact?: boolean;
}

/**
 * The faces nearest to a stored face (by id or record) or to an embedding. For a stored face,
 * only faces of its model version are compared.
 */
export async function searchByFace(
  store: FaceStore,
  query: number | FaceRecord | Float32Array,
  options: SearchOptions = {},
): Promise<Neighbour[]> {
  let record: FaceRecord | undefined;
  if (typeof query === 'number') {
    record = await store.getFace(query);
    if (record === undefined) {
      throw new ExprsimError('E_BAD_OPTION', `no face with id ${query} in the store`, {
        input: String(query),
        fix: 'pass the id of an indexed face',
      });
    }
  } else if (!(query instanceof Float32Array)) {
    record = query;
  }
  const embedding = record?.embedding ?? (query as Float32Array);
  return store.findNearest(embedding, {
    k: options.k ?? DEFAULT_SEARCH.k,
    model: options.model ?? record?.model,
    excludeFaceIds: options.excludeSelf && record ? [record.id] : undefined,
    efSearch: options.efSearch,
    exact: options.exact,
  });
}

export interface ImageSearchOptions extends ImageFacesOptions {
  k?: number;
  /** The query face (0-based, detector score order); default the largest. */
  face?: number;
  /** HNSW candidate list when the store searches its ANN index (NearestOptions.efSearch). */
  efSearch?: number;
  /** Scan every face even where an ANN index exists. */
  exact?: boolean;
}

export interface ImageSearchResult {
  query: {
    source: string;
    /** Faces found in the query image. */
    faces: number;
    face: number;
    box: EmbeddedImageFace['box'];
    score: number;
    embedding: Float32Array;
  };
  /** The model version of the query embedding; only faces of this version are compared. */
  model: string;
  neighbours: Neighbour[];
}

/**
 * The faces nearest to a face in an image (the largest, or `face`). Only faces indexed with the
 * same model version are compared; when the store has none, E_STORE says which versions it has.
 */
export async function searchByImage(
  store: FaceStore,
  image: string | Uint8Array | RawImage,
  options: ImageSearchOptions,
): Promise<ImageSearchResult> {
  const found = await embedImageFaces(image, options);
  const chosen = pickFace(found.faces, options.face, found.source);
  const model = modelVersion(options.embedder.model);
  const k = options.k ?? DEFAULT_SEARCH.k;
  const neighbours = await store.findNearest(chosen.embedding, {
    k,
    model,
    efSearch: options.efSearch,
    exact: options.exact,
  });
  if (neighbours.length === 0 && k > 0) {
    const { models, faces } = await store.stats();
    if (faces > 0 && !models.includes(model)) {
      throw new ExprsimError(
        'E_STORE',
        `the index holds faces of model ${models.join(', ')}, not of ${model}`,
        {
          input: store.location,
          fix: 'search with the model the photos were indexed with, or index them again with this one',
        },
      );
    }
  }
  return {
    query: {
      source: found.source,
      faces: found.faces.length,
      face: chosen.face,
      box: chosen.box,
      score: chosen.score,
      embedding: chosen.embedding,
    },
    model,
    neighbours,
  };
}
