/**
 * The route schemas (JSON Schema) fastify validates requests with, and the request types they
 * admit. Every node a request can fail on carries a `description` (what the field takes, read as
 * "<field> must be <description>") and a `fix` (what to send instead): the error handler
 * (validation.ts) builds the 400's message and fix from them, so they are part of the API.
 */
import {
  DEFAULT_PAGE_SIZE,
  DEFAULT_SEARCH_K,
  MAX_PAGE_SIZE,
  MAX_SEARCH_K,
  MAX_EMBEDDING_LENGTH,
} from './options.js';

/**
 * A JSON Schema node; `fix` is this API's annotation keyword and `finite` its check that a
 * coerced number is finite (both declared to ajv in validation.ts).
 */
export interface Schema {
  type?: 'object' | 'array' | 'integer' | 'number' | 'string';
  /** Names the field in messages where its key does not (path parameters: "face id"). */
  title?: string;
  description?: string;
  fix?: string;
  [keyword: string]: unknown;
}

/** The largest finite float32: embeddings are stored as float32, so larger numbers become Infinity. */
export const FLOAT32_MAX = 3.4028234663852886e38;

const LISTED_ID_FIX = 'pass the id the API listed (GET /api/photos)';

/** A database id: a whole number >= 1 (path parameters are strings, coerced before this check). */
function idSchema(fix = LISTED_ID_FIX, title?: string): Schema {
  return {
    type: 'integer',
    finite: true,
    minimum: 1,
    maximum: Number.MAX_SAFE_INTEGER,
    ...(title === undefined ? {} : { title }),
    description: 'a whole number >= 1',
    fix,
  };
}

/** An optional whole number in [min, max], `def` when left out. */
function wholeSchema(name: string, def: number, min: number, max: number): Schema {
  const range = max === Number.MAX_SAFE_INTEGER ? `>= ${min}` : `from ${min} to ${max}`;
  return {
    type: 'integer',
    finite: true,
    minimum: min,
    maximum: max,
    default: def,
    description: `a whole number ${range}`,
    fix: `pass ${name} ${range}, or leave it out for ${def}`,
  };
}

/**
 * An embedding as POST /api/faces returns it: `size` numbers when the server's model is known,
 * each within float32 range (1e39 would be stored as Infinity and every distance as NaN).
 */
export function embeddingSchema(size?: number): Schema {
  const known = size !== undefined;
  return {
    type: 'array',
    minItems: known ? size : 1,
    maxItems: known ? size : MAX_EMBEDDING_LENGTH,
    items: {
      type: 'number',
      minimum: -FLOAT32_MAX,
      maximum: FLOAT32_MAX,
      description: 'a number within float32 range (±3.4e38)',
      fix: 'pass plain numbers, as POST /api/faces returns them',
    },
    description: known
      ? `an array of ${size} numbers (an embedding of this server's model)`
      : `an array of 1 to ${MAX_EMBEDDING_LENGTH} numbers`,
    fix: known
      ? 'pass an embedding made by the same model (POST /api/faces on this server)'
      : 'pass an embedding as POST /api/faces returns it',
  };
}

export interface IdParams {
  id: number;
}

/** `:id` of /api/photos/:id… and /api/faces/:id…; `what` names it in messages ("face id"). */
export function idParams(what: string): Schema {
  return {
    type: 'object',
    properties: { id: idSchema(LISTED_ID_FIX, what) },
    required: ['id'],
    description: `a path with a ${what}`,
    fix: LISTED_ID_FIX,
  };
}

export const PHOTO_STATUSES = ['ok', 'no-face', 'failed'] as const;

export interface PhotosQuery {
  offset: number;
  limit: number;
  /** "1" or "true" includes each photo's faces. */
  faces?: string;
  /** "1" or "true" includes each face's embedding too (with faces). */
  embeddings?: string;
  status?: (typeof PHOTO_STATUSES)[number];
}

export const PHOTOS_QUERY: Schema = {
  type: 'object',
  properties: {
    offset: wholeSchema('offset', 0, 0, Number.MAX_SAFE_INTEGER),
    limit: wholeSchema('limit', DEFAULT_PAGE_SIZE, 1, MAX_PAGE_SIZE),
    faces: {
      type: 'string',
      description: '1 or true (once)',
      fix: "pass faces=1 to include each photo's faces, or leave it out",
    },
    embeddings: {
      type: 'string',
      description: '1 or true (once)',
      fix: "pass faces=1&embeddings=1 to include each face's embedding, or leave it out",
    },
    status: {
      type: 'string',
      enum: [...PHOTO_STATUSES],
      description: 'ok, no-face or failed',
      fix: 'pass status=ok, no-face or failed, or leave it out for every photo',
    },
  },
  // A misspelt parameter (?limt=5) is refused, not silently ignored.
  additionalProperties: false,
  description: 'a query of offset, limit, faces, embeddings and status',
  fix: 'pass only offset, limit, faces, embeddings and status, e.g. /api/photos?offset=0&limit=50',
};

export interface ByPathQuery {
  path: string;
}

export const BY_PATH_QUERY: Schema = {
  type: 'object',
  properties: {
    path: {
      type: 'string',
      minLength: 1,
      description: 'a photo path relative to the indexed folder (once)',
      fix: 'pass ?path=<photo path relative to the indexed root>',
    },
  },
  required: ['path'],
  additionalProperties: false,
  description: 'a query with a path',
  fix: 'pass ?path=<photo path relative to the indexed root>',
};

export interface SearchBody {
  faceId?: number;
  embedding?: number[];
  /** The version of the model that made `embedding` (the web app's on-device mode sends it). */
  model?: string;
  k: number;
  efSearch?: number;
  exact?: boolean;
}

/** {faceId} or {embedding} (of `size` numbers when the server's model is known), k 1..100. */
export function searchBody(size?: number): Schema {
  return {
    type: 'object',
    properties: {
      faceId: idSchema(),
      embedding: embeddingSchema(size),
      model: {
        type: 'string',
        minLength: 1,
        maxLength: 200,
        description: 'a model version, as GET /api/health names it',
        fix: "pass the version of the model that made the embedding (GET /api/health's model), or leave it out",
      },
      k: wholeSchema('k', DEFAULT_SEARCH_K, 1, MAX_SEARCH_K),
      // The ANN index's knobs, as `exprsim search --ef-search / --exact` (no index: exact anyway).
      efSearch: {
        type: 'integer',
        finite: true,
        minimum: 1,
        maximum: 10_000,
        description: 'a whole number from 1 to 10000',
        fix: 'pass efSearch from 1 to 10000 (larger finds more of the true nearest, slower), or leave it out',
      },
      exact: {
        type: 'boolean',
        description: 'true or false',
        fix: 'pass exact: true to scan every face, or leave it out',
      },
    },
    oneOf: [{ required: ['faceId'] }, { required: ['embedding'] }],
    description: 'a JSON object with exactly one of faceId and embedding',
    fix: 'search by a face of the index ({"faceId": 12}) or by an embedding from POST /api/faces, sent as Content-Type: application/json',
  };
}

export interface OddOneOutBody {
  faceIds?: [number, number, number];
  embeddings?: [number[], number[], number[]];
}

/** {faceIds: three different ids} or {embeddings: three embeddings}. */
export function oddOneOutBody(size?: number): Schema {
  return {
    type: 'object',
    properties: {
      faceIds: {
        type: 'array',
        minItems: 3,
        maxItems: 3,
        uniqueItems: true,
        items: idSchema('pass ids the API listed (GET /api/photos)'),
        description: 'three different face ids',
        fix: 'pick three different faces, e.g. {"faceIds": [3, 8, 12]}',
      },
      embeddings: {
        type: 'array',
        minItems: 3,
        maxItems: 3,
        items: embeddingSchema(size),
        description: 'three embeddings',
        fix: 'pass three embeddings as POST /api/faces returns them',
      },
    },
    oneOf: [{ required: ['faceIds'] }, { required: ['embeddings'] }],
    description: 'a JSON object with exactly one of faceIds and embeddings, three of them',
    fix: 'e.g. {"faceIds": [3, 8, 12]}, sent as Content-Type: application/json',
  };
}
