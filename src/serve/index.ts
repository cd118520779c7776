/**
 * The HTTP API and the web app: `createServer(options)` returns a fastify instance over a face
 * store (and, for uploads, an embedder and a detector); `listen(app)` binds it, to 127.0.0.1 by
 * default. The CLI's `exprsim serve` is the one place that prints.
 */
export { createServer, listen } from './server.js';
export {
  resolveServeOptions,
  DEFAULT_SERVE_BODY_LIMIT,
  DEFAULT_SERVE_HOST,
  DEFAULT_JOB_TIMEOUT_MS,
  DEFAULT_SEARCH_K,
  DEFAULT_UPLOAD_MAX_PIXELS,
  DEFAULT_UPLOAD_QUEUE,
  DEFAULT_PAGE_SIZE,
  DEFAULT_SERVE_PORT,
  DEFAULT_REQUEST_TIMEOUT_MS,
  MAX_SEARCH_K,
  MAX_PAGE_SIZE,
  type ResolvedServeOptions,
  type ServeOptions,
} from './options.js';
export { HttpError, toApiError, type ApiErrorBody, type ApiErrorCode } from './errors.js';
export { IMAGE_CONTENT_TYPES, UPLOAD_FIELD } from './upload.js';
export { servedPhotoFile } from './routes/photos.js';
export type { FaceView, PhotoView } from './views.js';
export type { NeighbourView } from './routes/search.js';
export type { AnalysedUpload, UploadedFace } from './analyse.js';
export { DEFAULT_SERVE } from './defaults.js';
export { serveIndex, type ServeIndexOptions, type ServingIndex } from './serve-index.js';
export { formatSampleBuilt, formatServing, servingJson } from './format.js';
