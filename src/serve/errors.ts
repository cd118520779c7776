import { STATUS_CODES, maxHeaderSize } from 'node:http';
import type { Duplex } from 'node:stream';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { isExprsimError, type ErrorCode } from '../core/errors.js';
import { printable } from '../core/printable.js';
import { logger } from '../core/logger.js';
import { JSON_BODY_LIMIT } from './options.js';
import { pathHider, type HidePaths } from './hide-paths.js';
import { describeValidation } from './validation.js';

/** Codes the HTTP layer adds to the library's {@link ErrorCode}s. */
export type HttpErrorCode =
  | 'E_BAD_REQUEST'
  | 'E_NOT_FOUND'
  | 'E_UNSUPPORTED_MEDIA_TYPE'
  | 'E_BODY_TOO_LARGE'
  | 'E_TIMEOUT'
  | 'E_BUSY'
  | 'E_INTERNAL'
  | 'E_BAD_HOST'
  | 'E_BAD_ORIGIN'
  | 'E_UNAUTHORIZED'
  | 'E_TOO_MANY_FILES'
  | 'E_TOO_MANY_FIELDS'
  | 'E_MODEL_MISMATCH';

export type ApiErrorCode = ErrorCode | HttpErrorCode;

/** The JSON body of every error answer: always these three fields. */
export interface ApiErrorBody {
  error: { code: ApiErrorCode; message: string; fix: string };
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

export const notFound = (
  what: string,
  fix = 'pass an id or path the API listed (GET /api/photos)',
) => new HttpError(404, 'E_NOT_FOUND', `${what} not found`, fix);

/** The 408 of a request not received within `ms`, in the API's error shape. */
export function requestTimeoutError(ms: number): HttpError {
  const seconds = ms >= 1000 ? `${Math.round(ms / 1000)} s` : `${ms} ms`;
  return new HttpError(
    408,
    'E_TIMEOUT',
    `the request did not arrive within ${seconds}`,
    `send the whole request within ${seconds} (a smaller image uploads faster)`,
  );
}

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

/** The fix of an error that brought none, by status: the body always has one. */
function defaultFix(status: number): string {
  if (status === 503) return 'retry in a moment';
  if (status >= 500) return 'see the server log; report it if it persists';
  return 'change the request as the message says (the endpoints: GET /api/health, src/serve/README.md)';
}

/**
 * Library hints an HTTP client cannot follow: options of library functions. The routes replace
 * the ones they expect (uploads: see routes/faces.ts); this catches the rest.
 */
export const LIBRARY_HINT = /\bpass \{|\b(readImage|failOn|maxPixels|maxBytes|autoOrient)\b/;

/** 4xx errors of fastify's plugins (static files) and Node streams, whose message is a status text. */
const CLIENT_ERRORS: Record<number, { message: string; fix: string }> = {
  400: {
    message:
      'the request is malformed (a NUL byte or bad %-escape in the path, or a body cut short)',
    fix: 'percent-encode the path as UTF-8 and send the whole body',
  },
  403: {
    message: 'the path leads outside the folder the files are served from',
    fix: 'request the web app\'s files by their path under /, without ".." segments',
  },
};

const CLIENT_CODES: Record<number, ApiErrorCode> = {
  401: 'E_UNAUTHORIZED',
  403: 'E_OUTSIDE_ROOT',
  404: 'E_NOT_FOUND',
  408: 'E_TIMEOUT',
  413: 'E_BODY_TOO_LARGE',
  415: 'E_UNSUPPORTED_MEDIA_TYPE',
};

const UPLOAD_ROUTE = '/api/faces';

/** fastify's own errors (content type, body size, JSON syntax, validation, URLs) → API errors. */
function fromFastify(e: FastifyError, contentType?: string, url = ''): HttpError | undefined {
  switch (e.code) {
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return new HttpError(
        415,
        'E_UNSUPPORTED_MEDIA_TYPE',
        `unsupported content type: ${contentType ?? 'none'}`,
        'send images as image/jpeg, image/png or image/webp (or multipart/form-data with a file field "image"), and everything else as application/json',
      );
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return badRequest(
        e.message,
        'send a Content-Length that matches the body (or let the HTTP client set it)',
      );
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
    case 'FST_REQ_FILE_TOO_LARGE':
      return new HttpError(
        413,
        'E_BODY_TOO_LARGE',
        'the request body is over the size limit',
        url.split('?')[0] === UPLOAD_ROUTE
          ? 'send a smaller image (downscale or recompress it)'
          : `send a smaller JSON body: at most ${JSON_BODY_LIMIT / 1024} KiB (three embeddings take a few KB)`,
      );
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return badRequest('the JSON body is empty', 'send a JSON object');
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
      return badRequest(
        `the body is not valid JSON: ${e.message}`,
        'send a JSON object, e.g. {"faceId": 12}, with Content-Type: application/json',
      );
    case 'FST_ERR_BAD_URL':
      return badRequest(e.message, 'percent-encode the path as UTF-8 (encodeURIComponent)');
    default:
      break;
  }
  if (e.validation !== undefined) {
    const { message, fix } = describeValidation(e.validation, e.validationContext);
    return badRequest(message, fix);
  }
  // Client errors raised with a status (@fastify/static's 403 and 400, a body stream aborted).
  const status = e.statusCode ?? (e as { status?: number }).status;
  if (typeof status === 'number' && status >= 400 && status < 500) {
    const code = CLIENT_CODES[status] ?? 'E_BAD_REQUEST';
    const known = CLIENT_ERRORS[status];
    if (known !== undefined && (!e.message || e.message === STATUS_CODES[status]))
      return new HttpError(status, code, known.message, known.fix);
    return new HttpError(status, code, e.message || (STATUS_CODES[status] ?? 'client error'));
  }
  return undefined;
}

/**
 * Any thrown value → status and JSON body. Library errors keep their code and fix; server paths
 * in them are hidden by `hide` (a {@link pathHider}, or the indexed root to make one for):
 * relative to the root, or "<root>", "<server path>". `url` (the
 * request's) picks the fix of an oversized body: a smaller image or a smaller JSON body.
 */
export function toApiError(
  e: unknown,
  hide?: string | HidePaths,
  contentType?: string,
  url?: string,
): { status: number; body: ApiErrorBody } {
  if (e instanceof HttpError) {
    // Messages quote what clients sent (URLs, header values): one line, nothing unprintable.
    const fix = printable(e.fix ?? defaultFix(e.status));
    const message = printable(e.message);
    return { status: e.status, body: { error: { code: e.code, message, fix } } };
  }
  if (isExprsimError(e)) {
    // `input` is '<buffer>' for uploads and a server path otherwise: neither helps the client.
    const clean = typeof hide === 'function' ? hide : pathHider([hide]);
    const status = STATUS[e.code] ?? 500;
    // A fix that names a library option (`pass { maxPixels } to readImage`) is no use over HTTP.
    const fix = e.fix === undefined || LIBRARY_HINT.test(e.fix) ? defaultFix(status) : clean(e.fix);
    const message = printable(clean(e.message));
    return { status, body: { error: { code: e.code, message, fix: printable(fix) } } };
  }
  const f = fromFastify(e as FastifyError, contentType, url);
  if (f !== undefined) return toApiError(f);
  return {
    status: 500,
    body: { error: { code: 'E_INTERNAL', message: 'internal error', fix: defaultFix(500) } },
  };
}

/**
 * The error handler (and fastify's `frameworkErrors`, raised before routing: a URL that is not
 * valid percent-encoding): answers in the API's shape. Server faults are logged (without client
 * data); busy, timed out or no model (503) are the client's to retry, client errors the client's.
 */
export function answerError(hide: HidePaths) {
  return (e: unknown, req: FastifyRequest, reply: FastifyReply) => {
    const { status, body } = toApiError(e, hide, req.headers['content-type'], req.url);
    if (status >= 500 && status !== 503)
      logger.error(
        `${req.method} ${req.url}: ${body.error.code}: ${(e as Error).message ?? String(e)}`,
      );
    if (status === 503 && body.error.code === 'E_BUSY') void reply.header('retry-after', '1');
    return reply.code(status).type('application/json; charset=utf-8').send(body);
  };
}

/**
 * fastify's `clientErrorHandler`: Node rejects some requests before fastify sees them (headers
 * over the size limit: 431, the request not received in time: 408, bytes that are not HTTP:
 * 400). They get the API's JSON error body on the raw socket, which is then closed.
 */
export function clientErrorHandler(requestTimeoutMs: number) {
  return (err: Error & { code?: string }, socket: Duplex): void => {
    // A connection reset left nothing to answer.
    if (err.code === 'ECONNRESET' || socket.destroyed) return;
    const e =
      err.code === 'ERR_HTTP_REQUEST_TIMEOUT'
        ? requestTimeoutError(requestTimeoutMs)
        : err.code === 'HPE_HEADER_OVERFLOW'
          ? new HttpError(
              431,
              'E_BAD_REQUEST',
              `the request headers are over ${maxHeaderSize / 1024} KiB`,
              'send fewer or shorter headers (large cookies?)',
            )
          : new HttpError(
              400,
              'E_BAD_REQUEST',
              'the request is not valid HTTP/1.1',
              'send a well-formed HTTP/1.1 request',
            );
    const { status, body } = toApiError(e);
    const json = JSON.stringify(body);
    if (socket.writable) {
      socket.write(
        `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\n` +
          `content-type: application/json; charset=utf-8\r\ncontent-length: ${Buffer.byteLength(json)}\r\n` +
          `x-content-type-options: nosniff\r\nconnection: close\r\n\r\n${json}`,
      );
    }
    socket.destroy(err);
  };
}

/** JSON errors everywhere, 404s included; server faults are logged (without client data). */
export function installErrorHandlers(app: FastifyInstance, hide: HidePaths): void {
  app.setErrorHandler(answerError(hide));
  app.setNotFoundHandler((req, reply) => {
    const { status, body } = toApiError(
      notFound(`${req.method} ${req.url.split('?')[0]}`, 'see GET /api/health for the API'),
    );
    return reply.code(status).send(body);
  });
}
