/**
 * `exprsim search`, `similar` and `odd-one-out` as one call each: photo files and an index
 * location in, the model and detector opened and freed around the query. Each checks the
 * detector name and the model folder before it opens a store or loads the engine.
 */
import type { EmbeddedImageFace } from '../embed/photo-faces.js';
import { checkDetectorName, openFaceTools, type DetectingFaceTools } from '../embed/face-tools.js';
import type { BackendName } from '../engine/backend.js';
import type { ImageLimits } from '../image/types.js';
import { resolveModelPath } from '../models/default-model.js';
import { compareFaces, type FaceComparison } from './compare.js';
import { DEFAULT_SEARCH } from './defaults.js';
import { modelVersion } from './model-version.js';
import { oddOneOut, type OddOneOutResult } from './odd-one-out.js';
import { openStore } from './open-store.js';
import { embedImageFaces, pickFace, searchByImage, type ImageSearchResult } from './query.js';
import { redactLocation } from './store-common.js';
import type { FaceStore } from './types.js';

/**
 * The options every photo command shares: which model, which detector, how to crop, and the
 * limits photos are read with (`maxPixels`, `failOn`).
 */
export interface PhotoModelOptions extends ImageLimits {
  /** A model folder; default the shipped `models/exprsim-default`. */
  model?: string;
  /** The face detector; default `DEFAULT_SEARCH.detector`. */
  detector?: string;
  /** Margin around detected boxes; default the model's record. */
  margin?: number;
  /** The tensor backend to start; default the engine's choice. */
  backend?: BackendName;
}

/** The detector name, checked, and the model folder, checked: both before anything loads. */
async function checkPhotoModel(o: PhotoModelOptions): Promise<string> {
  const detector = o.detector ?? DEFAULT_SEARCH.detector;
  await checkDetectorName(detector);
  resolveModelPath(o.model);
  return detector;
}

/** Runs `run` with the model and detector open (and the store, when one is given). */
async function withTools<T>(
  o: PhotoModelOptions,
  detector: string,
  store: FaceStore | undefined,
  run: (tools: DetectingFaceTools) => Promise<T>,
): Promise<T> {
  let tools: DetectingFaceTools | undefined;
  try {
    tools = await openFaceTools({ model: o.model, detector, backend: o.backend });
    return await run(tools);
  } finally {
    tools?.dispose();
    await store?.close();
  }
}

/** A photo of a query and the face of it that was used. */
export interface QueryPhoto {
  file: string;
  /** Faces found in the photo. */
  faces: number;
  /** The face used (the largest unless one was picked). */
  chosen: EmbeddedImageFace;
}

/** Embeds the faces of a photo and picks one (E_NO_FACE, E_BAD_OPTION for a bad `face`). */
async function queryPhoto(
  file: string,
  tools: DetectingFaceTools,
  o: PhotoModelOptions,
  face?: number,
): Promise<QueryPhoto> {
  const found = await embedImageFaces(file, {
    embedder: tools.embedder,
    detector: tools.detector,
    margin: o.margin,
    maxPixels: o.maxPixels,
    failOn: o.failOn,
  });
  return { file, faces: found.faces.length, chosen: pickFace(found.faces, face, file) };
}

export interface SearchIndexOptions extends PhotoModelOptions {
  /** The query photo (JPEG, PNG or WebP). */
  image: string;
  /** The index: an SQLite file, or a postgres:// URL. */
  db: string;
  /** How many faces to return; default `DEFAULT_SEARCH.k`. */
  k?: number;
  /** Which face of the query photo (0 = highest detector score); default the largest. */
  face?: number;
  /** HNSW candidate list where the index has an ANN index (default `ANN_DEFAULTS.efSearch`). */
  efSearch?: number;
  /** Scan every face even where the index has an ANN index. */
  exact?: boolean;
}

export interface SearchIndexResult extends ImageSearchResult {
  /** The index location, with any password redacted. */
  db: string;
  /** The photo folder the index covers (result paths are relative to it). */
  root: string;
}

/** The indexed faces most alike in expression to a face in an image (see `searchByImage`). */
export async function searchIndex(options: SearchIndexOptions): Promise<SearchIndexResult> {
  const detector = await checkPhotoModel(options);
  const store = await openStore(options.db, { readonly: true });
  return withTools(options, detector, store, async (tools) => {
    const r = await searchByImage(store, options.image, {
      embedder: tools.embedder,
      detector: tools.detector,
      k: options.k,
      face: options.face,
      margin: options.margin,
      maxPixels: options.maxPixels,
      failOn: options.failOn,
      efSearch: options.efSearch,
      exact: options.exact,
    });
    return { ...r, db: redactLocation(options.db), root: store.root };
  });
}

export interface CompareImagesOptions extends PhotoModelOptions {
  a: string;
  b: string;
  /** A face index to calibrate with when the model has no calibration.json. */
  db?: string;
  /** Which face of each photo; default the largest. */
  faceA?: number;
  faceB?: number;
}

export interface CompareImagesResult {
  a: QueryPhoto;
  b: QueryPhoto;
  /** The model version of the embeddings. */
  model: string;
  comparison: FaceComparison;
}

/** How alike the expressions of two photos' faces are: distance and calibrated similarity. */
export async function compareImages(options: CompareImagesOptions): Promise<CompareImagesResult> {
  const detector = await checkPhotoModel(options);
  const store =
    options.db === undefined ? undefined : await openStore(options.db, { readonly: true });
  return withTools(options, detector, store, async (tools) => {
    const opts = {
      embedder: tools.embedder,
      detector: tools.detector,
      margin: options.margin,
      maxPixels: options.maxPixels,
      failOn: options.failOn,
    };
    const fa = await embedImageFaces(options.a, opts);
    const fb = await embedImageFaces(options.b, opts);
    const a = {
      file: options.a,
      faces: fa.faces.length,
      chosen: pickFace(fa.faces, options.faceA, options.a),
    };
    const b = {
      file: options.b,
      faces: fb.faces.length,
      chosen: pickFace(fb.faces, options.faceB, options.b),
    };
    const model = modelVersion(tools.embedder.model);
    const comparison = await compareFaces(a.chosen.embedding, b.chosen.embedding, {
      modelDir: tools.modelDir,
      store,
      model,
    });
    return { a, b, model, comparison };
  });
}

export interface FindOddOneOutOptions extends PhotoModelOptions {
  /** Three photos; the largest face of each is used. */
  images: readonly [string, string, string];
}

export interface FindOddOneOutResult extends OddOneOutResult {
  images: QueryPhoto[];
  /** The model version of the embeddings. */
  model: string;
}

/** Of three photos' faces, the one whose expression is least like the other two (the FEC task). */
export async function findOddOneOut(options: FindOddOneOutOptions): Promise<FindOddOneOutResult> {
  const detector = await checkPhotoModel(options);
  return withTools(options, detector, undefined, async (tools) => {
    const images: QueryPhoto[] = [];
    for (const f of options.images) images.push(await queryPhoto(f, tools, options));
    const r = oddOneOut(
      images[0].chosen.embedding,
      images[1].chosen.embedding,
      images[2].chosen.embedding,
    );
    return { ...r, images, model: modelVersion(tools.embedder.model) };
  });
}
