import type { FastifyError, FastifyInstance } from 'fastify';
import { isExprsimError, type ErrorCode } from '../core/errors.js';
import { logger } from '../core/logger.js';

/** Codes the HTTP layer adds to the library's {@link ErrorCode}s. */
export type HttpErrorCode =
  | 'E_BAD_REQUEST'
  | 'E_NOT_FOUND'
  | 'E_UNSUPPORTED_MEDIA_TYPE'
  | 'E_BODY_TOO_LARGE'
  | 'E_TIMEOUT'
  | 'E_BUSY'
  | 'E_INTERNAL';

export type ApiErrorCode = ErrorCode | HttpErrorCode;

/** The JSON body of every error answer. */
export interface ApiErrorBody {
  error: { code: ApiErrorCode; message: string; fix?: string };
}

/** An error the API answers with: an HTTP status and a stable code. */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: ApiErrorCode,
    message: string,
    readonly fix?: string,
  ) {
    super(message);
    this.name = 'HttpError';
  }
}

export const notFound = (what: string, fix?: string) =>
  new HttpError(404, 'E_NOT_FOUND', `${what} not found`, fix);

export const badRequest = (message: string, fix?: string) =>
  new HttpError(400, 'E_BAD_REQUEST', message, fix);

/** The HTTP status for each library error code. */
const STATUS: Record<ErrorCode, number> = {
  E_BAD_OPTION: 400,
  E_UNKNOWN_NAME: 400,
  E_NOT_AN_IMAGE: 415,
  E_IMAGE_DECODE: 422,
  E_NO_FACE: 422,
  E_IMAGE_TOO_LARGE: 413,
  E_FILE_NOT_FOUND: 404,
  E_OUTSIDE_ROOT: 403,
  E_NO_MODEL: 503,
  E_STORE_LOCKED: 503,
  E_BACKEND_UNAVAILABLE: 503,
  E_IO: 500,
  E_STORE: 500,
  E_MODEL_FORMAT: 500,
  E_DATA_EMPTY: 500,
  E_DATA_FORMAT: 500,
  E_DATA_MISSING_FILES: 500,
  E_BACKBONE_MISMATCH: 500,
  E_CACHE_MISMATCH: 500,
  E_CACHE_INCOMPLETE: 500,
  E_WORKER: 500,
  E_CHECKPOINT: 500,
};

/** fastify's own errors (content type, body size, JSON syntax, timeouts) → API errors. */
function fromFastify(e: FastifyError, contentType?: string): HttpError | undefined {
  switch (e.code) {
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return new HttpError(
        415,
        'E_UNSUPPORTED_MEDIA_TYPE',
        `unsupported content type: ${contentType ?? 'none'}`,
        'send images as image/jpeg, image/png or image/webp (or multipart/form-data with a file field "image"), and everything else as application/json',
      );
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return new HttpError(400, 'E_BAD_REQUEST', e.message);
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
    case 'FST_REQ_FILE_TOO_LARGE':
      return new HttpError(
        413,
        'E_BODY_TOO_LARGE',
        'the request body is over the size limit',
        'send a smaller image (downscale or recompress it)',
      );
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return new HttpError(400, 'E_BAD_REQUEST', 'the JSON body is empty', 'send a JSON object');
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
      return new HttpError(400, 'E_BAD_REQUEST', `the body is not valid JSON: ${e.message}`);
    default:
      break;
  }
  if (e.validation !== undefined) return new HttpError(400, 'E_BAD_REQUEST', e.message);
  if (e.code?.startsWith('FST_') && typeof e.statusCode === 'number' && e.statusCode < 500)
    return new HttpError(e.statusCode, 'E_BAD_REQUEST', e.message);
  return undefined;
}

/**
 * Any thrown value → status and JSON body. Library errors keep their code and fix; `hide`
 * (the indexed root) is replaced by "<root>" so answers do not reveal server paths.
 */
export function toApiError(
  e: unknown,
  hide?: string,
  contentType?: string,
): { status: number; body: ApiErrorBody } {
  if (e instanceof HttpError) {
    return { status: e.status, body: { error: { code: e.code, message: e.message, fix: e.fix } } };
  }
  if (isExprsimError(e)) {
    // `input` is '<buffer>' for uploads and a server path otherwise: neither helps the client.
    const clean = (t: string | undefined) =>
      hide === undefined || t === undefined ? t : t.split(hide).join('<root>');
    return {
      status: STATUS[e.code] ?? 500,
      body: { error: { code: e.code, message: clean(e.message) ?? '', fix: clean(e.fix) } },
    };
  }
  const f = fromFastify(e as FastifyError, contentType);
  if (f !== undefined) return toApiError(f);
  return {
    status: 500,
    body: {
      error: {
        code: 'E_INTERNAL',
        message: 'internal error',
        fix: 'see the server log; report it if it persists',
      },
    },
  };
}

/** JSON errors everywhere, 404s included; server faults are logged (without client data). */
export function installErrorHandlers(app: FastifyInstance, root?: string): void {
  app.setErrorHandler((e, req, reply) => {
    const { status, body } = toApiError(e, root, req.headers['content-type']);
    // Busy, timed out or no model (503) are the client's to retry; only real faults are logged.
    if (status >= 500 && status !== 503)
      logger.error(
        `${req.method} ${req.url}: ${body.error.code}: ${(e as Error).message ?? String(e)}`,
      );
    if (status === 503 && body.error.code === 'E_BUSY') void reply.header('retry-after', '1');
    return reply.code(status).type('application/json; charset=utf-8').send(body);
  });
  app.setNotFoundHandler((req, reply) => {
    const { status, body } = toApiError(
      notFound(`${req.method} ${req.url.split('?')[0]}`, 'see GET /api/health for the API'),
    );
    return reply.code(status).send(body);
  });
}
