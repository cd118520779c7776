import type { FastifyInstance } from 'fastify';
import { ExprsimError, isExprsimError, type ErrorCode } from '../../core/errors.js';
import { analyseUpload } from '../analyse.js';
import type { ServeContext } from '../context.js';
import { notFound } from '../errors.js';
import { idParams, type IdParams } from '../schemas.js';
import { uploadedBytes } from '../upload.js';
import { faceView } from '../views.js';

/**
 * What an HTTP client can do about an upload the image reader refused: readImage's own fixes
 * name its options (`{ maxPixels }`, `failOn`), which are the server's to set, not the client's.
 */
function uploadFix(code: ErrorCode, maxPixels: number): string | undefined {
  const side = Math.floor(Math.sqrt(maxPixels));
  switch (code) {
    case 'E_IMAGE_TOO_LARGE':
      return `upload a smaller image: at most ${maxPixels} pixels (width x height, e.g. ${side}x${side}); downscale it first`;
    case 'E_IMAGE_DECODE':
      return 'upload an intact copy of the image: re-export or re-download it (damaged files are not accepted)';
    case 'E_NOT_AN_IMAGE':
      return 'upload a JPEG, PNG or WebP image (convert other formats first)';
    default:
      return undefined;
  }
}

/** A library error of an upload with its fix rewritten for HTTP clients (see {@link uploadFix}). */
export function forUpload(e: unknown, maxPixels: number): unknown {
  if (!isExprsimError(e)) return e;
  const fix = uploadFix(e.code, maxPixels);
  return fix === undefined ? e : new ExprsimError(e.code, e.message, { fix, cause: e });
}

export function registerFaceRoutes(app: FastifyInstance, ctx: ServeContext): void {
  const { store, embedder, detector, maxPixels } = ctx.options;
  const byId = { schema: { params: idParams('face id') } };

  /**
   * An uploaded photo → its faces with boxes, scores, landmarks and embeddings. The body is the
   * image (image/jpeg, image/png or image/webp) or multipart/form-data with a file "image".
   */
  app.post('/api/faces', async (req) => {
    const bytes = await uploadedBytes(req);
    if (embedder === undefined || detector === undefined) {
      throw new ExprsimError('E_NO_MODEL', 'this server has no expression model loaded', {
        fix: 'start it with a model (exprsim serve --model DIR); search of the index still works',
      });
    }
    const result = await ctx.queue
      .run(() => analyseUpload(bytes, embedder, detector, maxPixels))
      .catch((e: unknown) => {
        throw forUpload(e, maxPixels);
      });
    return { ...result, model: ctx.options.model ?? null };
  });

  app.get<{ Params: IdParams }>('/api/faces/:id', byId, async (req) => {
    const { id } = req.params;
    const face = await store.getFace(id);
    if (face === undefined) throw notFound(`face ${id}`);
    return faceView(face, true);
  });

  app.get<{ Params: IdParams }>('/api/faces/:id/thumbnail', byId, async (req, reply) => {
    const { id } = req.params;
    const jpeg = await store.thumbnail(id);
    if (jpeg === undefined) throw notFound(`thumbnail of face ${id}`);
    return reply
      .type('image/jpeg')
      .header('cache-control', 'private, max-age=300')
      .send(Buffer.from(jpeg.buffer, jpeg.byteOffset, jpeg.byteLength));
  });
}
