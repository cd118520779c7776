import multipart from '@fastify/multipart';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { HttpError } from './errors.js';

/** The content types POST /api/faces takes as a raw body. */
export const IMAGE_CONTENT_TYPES = ['image/jpeg', 'image/png', 'image/webp'] as const;

/** The multipart field that carries the image. */
export const UPLOAD_FIELD = 'image';

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
    limits: { fileSize: bodyLimit, files: 1, fields: 10, parts: 11, fieldSize: 1024 },
  });
}

/** The uploaded image bytes of a request, or a 4xx HttpError saying what is wrong. */
export async function uploadedBytes(req: FastifyRequest): Promise<Buffer> {
  let bytes: Buffer;
  if (req.isMultipart()) {
    let found: Buffer | undefined;
    for await (const part of req.parts()) {
      if (part.type === 'file') {
        if (part.fieldname !== UPLOAD_FIELD) {
          part.file.resume();
          continue;
        }
        found = await part.toBuffer();
      }
    }
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
