import multipart from '@fastify/multipart';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { HttpError, type ApiErrorCode } from './errors.js';

/** The content types POST /api/faces takes as a raw body. */
export const IMAGE_CONTENT_TYPES = ['image/jpeg', 'image/png', 'image/webp'] as const;

/** The multipart field that carries the image. */
export const UPLOAD_FIELD = 'image';

/** One image file; a few form fields beside it are tolerated (and ignored). */
const PART_LIMITS = { files: 1, fields: 10, parts: 11 } as const;

const FIX_TYPE = `send the image bytes with Content-Type ${IMAGE_CONTENT_TYPES.join(', ')}, or multipart/form-data with a file field "${UPLOAD_FIELD}"`;

/**
 * Registers the body parsers uploads need: the three image types as raw buffers (fastify's
 * bodyLimit applies, answering 413 before reading past it when Content-Length says so) and
 * multipart/form-data (one file, the same byte limit).
 */
export async function registerUploadParsers(app: FastifyInstance, bodyLimit: number) {
  app.addContentTypeParser(
    [...IMAGE_CONTENT_TYPES],
    { parseAs: 'buffer', bodyLimit },
    (_req, body, done) => done(null, body),
  );
  await app.register(multipart, {
    limits: { fileSize: bodyLimit, ...PART_LIMITS, fieldSize: 1024 },
  });
}

/** @fastify/multipart's limits (413) → the API's 413: its code, the limit, and what to send. */
const MULTIPART_LIMITS: Record<string, { code: ApiErrorCode; what: string; fix: string }> = {
  FST_FILES_LIMIT: {
    code: 'E_TOO_MANY_FILES',
    what: 'more than one file',
    fix: `send one image per request: a single file field "${UPLOAD_FIELD}" (at most ${PART_LIMITS.files} file)`,
  },
  FST_PARTS_LIMIT: {
    code: 'E_TOO_MANY_FIELDS',
    what: `more than ${PART_LIMITS.parts} parts`,
    fix: `send the file field "${UPLOAD_FIELD}" and at most ${PART_LIMITS.fields} other fields`,
  },
  FST_FIELDS_LIMIT: {
    code: 'E_TOO_MANY_FIELDS',
    what: `more than ${PART_LIMITS.fields} fields`,
    fix: `send the file field "${UPLOAD_FIELD}" and at most ${PART_LIMITS.fields} other fields`,
  },
};

/**
 * The file field of a multipart body. A body the parser cannot read (no boundary, cut short, a
 * malformed part header) is the client's error: 400, not a server fault.
 */
async function multipartFile(req: FastifyRequest): Promise<Buffer | undefined> {
  let found: Buffer | undefined;
  try {
    for await (const part of req.parts()) {
      if (part.type === 'file') {
        if (part.fieldname !== UPLOAD_FIELD) {
          part.file.resume();
          continue;
        }
        found = await part.toBuffer();
      }
    }
  } catch (e) {
    const code = (e as { code?: unknown }).code;
    const limit = typeof code === 'string' ? MULTIPART_LIMITS[code] : undefined;
    if (limit !== undefined) {
      throw new HttpError(413, limit.code, `the multipart body has ${limit.what}`, limit.fix);
    }
    // fastify's own errors (the file over the size limit: 413) keep their mapping.
    if (typeof code === 'string' && code.startsWith('FST_')) throw e;
    throw new HttpError(
      400,
      'E_BAD_REQUEST',
      `the multipart body is malformed: ${(e as Error).message}`,
      `${FIX_TYPE} (a FormData body sets the boundary itself: do not set Content-Type by hand)`,
    );
  }
  return found;
}

/** The uploaded image bytes of a request, or a 4xx HttpError saying what is wrong. */
export async function uploadedBytes(req: FastifyRequest): Promise<Buffer> {
  let bytes: Buffer;
  if (req.isMultipart()) {
    const found = await multipartFile(req);
    if (found === undefined) {
      throw new HttpError(
        400,
        'E_BAD_REQUEST',
        `the multipart body has no file field "${UPLOAD_FIELD}"`,
        FIX_TYPE,
      );
    }
    bytes = found;
  } else if (Buffer.isBuffer(req.body)) {
    bytes = req.body;
  } else {
    const type = req.headers['content-type'] ?? 'none';
    throw new HttpError(
      415,
      'E_UNSUPPORTED_MEDIA_TYPE',
      `unsupported content type for an image upload: ${type}`,
      FIX_TYPE,
    );
  }
  if (bytes.length === 0) {
    throw new HttpError(400, 'E_BAD_REQUEST', 'the uploaded image is empty (0 bytes)', FIX_TYPE);
  }
  return bytes;
}
