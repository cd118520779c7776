import type { FastifyInstance } from 'fastify';
import { packageVersion } from '../../core/paths.js';
import type { ServeContext } from '../context.js';
import { IMAGE_CONTENT_TYPES } from '../upload.js';
import { MAX_SEARCH_K } from '../options.js';

export function registerHealthRoutes(app: FastifyInstance, ctx: ServeContext): void {
  const o = ctx.options;
  /** Liveness and what the server offers: the index's size, whether uploads work, the limits. */
  app.get('/api/health', async () => {
    const stats = await o.store.stats();
    return {
      ok: true,
      version: packageVersion(),
      store: {
        kind: o.store.kind,
        photos: stats.photos,
        faces: stats.faces,
        models: stats.models,
      },
      uploads: o.embedder !== undefined,
      model: o.model ?? null,
      embeddingSize: o.embedder?.embeddingSize ?? null,
      queue: ctx.queue.pending,
      onDevice: ctx.device,
      limits: {
        bodyBytes: o.bodyLimit,
        pixels: o.maxPixels,
        k: MAX_SEARCH_K,
        contentTypes: [...IMAGE_CONTENT_TYPES, 'multipart/form-data'],
      },
    };
  });
}
