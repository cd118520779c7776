import { createReadStream } from 'node:fs';
import { realpath, stat } from 'node:fs/promises';
import { isAbsolute, relative, resolve } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { ExprsimError, isExprsimError } from '../../core/errors.js';
import { formatFromExtension } from '../../image/format.js';
import type { ServeContext } from '../context.js';
import { HttpError, notFound } from '../errors.js';
import {
  BY_PATH_QUERY,
  PHOTOS_QUERY,
  idParams,
  type ByPathQuery,
  type IdParams,
  type PhotosQuery,
} from '../schemas.js';
import { photoView } from '../views.js';

const CONTENT_TYPES = { jpeg: 'image/jpeg', png: 'image/png', webp: 'image/webp' } as const;

function outsideRoot(): ExprsimError {
  return new ExprsimError('E_OUTSIDE_ROOT', 'the photo is outside the indexed folder', {
    fix: 'only photos under the folder the index was built from are served',
  });
}

/**
 * The real path of a photo's file, which must lie inside the (real) indexed root: `..` segments,
 * absolute paths and symlinks that lead out are refused with E_OUTSIDE_ROOT.
 */
export async function servedPhotoFile(root: string, path: string): Promise<string> {
  if (path.includes('\0')) throw outsideRoot();
  const realRoot = await realpath(root).catch((e: unknown) => {
    throw new ExprsimError('E_FILE_NOT_FOUND', 'the indexed folder is gone', {
      fix: 'restore the folder or rebuild the index',
      cause: e,
    });
  });
  const inside = (p: string) => {
    const rel = relative(realRoot, p);
    return rel !== '' && !rel.startsWith('..') && !isAbsolute(rel);
  };
  const joined = resolve(realRoot, path);
  if (!inside(joined)) throw outsideRoot();
  let real: string;
  try {
    real = await realpath(joined);
  } catch (e) {
    throw new ExprsimError(
      'E_FILE_NOT_FOUND',
      'the photo file is missing from the indexed folder',
      {
        fix: 'restore the file, or run `exprsim index` again to drop it from the index',
        cause: e,
      },
    );
  }
  if (!inside(real)) throw outsideRoot();
  return real;
}

export function registerPhotoRoutes(app: FastifyInstance, ctx: ServeContext): void {
  const { store } = ctx.options;
  const byId = { schema: { params: idParams('photo id') } };

  app.get<{ Querystring: PhotosQuery }>(
    '/api/photos',
    { schema: { querystring: PHOTOS_QUERY } },
    async (req) => {
      const { offset, limit, faces, embeddings, status } = req.query;
      const yes = (v: string | undefined) => v === '1' || v === 'true';
      const withFaces = yes(faces);
      if (yes(embeddings) && !withFaces) {
        throw new HttpError(
          400,
          'E_BAD_REQUEST',
          'embeddings=1 goes with faces=1',
          "pass faces=1&embeddings=1 to include each face's embedding",
        );
      }
      const all = (await store.listPhotos()).filter(
        (p) => status === undefined || p.status === status,
      );
      const page = all.slice(offset, offset + limit);
      const photos = await Promise.all(
        page.map(async (p) =>
          photoView(
            p,
            ctx.hide,
            withFaces ? await store.facesOfPhoto(p.id) : undefined,
            yes(embeddings),
          ),
        ),
      );
      return { total: all.length, offset, limit, photos };
    },
  );

  // A photo by its path relative to the root: paths that leave the root are refused (403).
  app.get<{ Querystring: ByPathQuery }>(
    '/api/photos/by-path',
    { schema: { querystring: BY_PATH_QUERY } },
    async (req) => {
      const { path } = req.query;
      const fix =
        'pass ?path=<photo path relative to the indexed root>, as GET /api/photos lists it';
      if (path.includes('\0'))
        throw new HttpError(400, 'E_BAD_REQUEST', 'path has a NUL byte', fix);
      // The store's own check of a path (E_BAD_OPTION) is a bad request here, not an option.
      const photo = await store.getPhoto(path).catch((e: unknown) => {
        if (isExprsimError(e) && e.code === 'E_BAD_OPTION')
          throw new HttpError(400, 'E_BAD_REQUEST', `path is not a photo path: ${e.message}`, fix);
        throw e;
      });
      if (photo === undefined) throw notFound(`photo ${JSON.stringify(path)}`);
      return photoView(photo, ctx.hide, await store.facesOfPhoto(photo.id));
    },
  );

  app.get<{ Params: IdParams }>('/api/photos/:id', byId, async (req) => {
    const { id } = req.params;
    const photo = await store.getPhotoById(id);
    if (photo === undefined) throw notFound(`photo ${id}`);
    return photoView(photo, ctx.hide, await store.facesOfPhoto(id));
  });

  app.get<{ Params: IdParams }>('/api/photos/:id/faces', byId, async (req) => {
    const { id } = req.params;
    const photo = await store.getPhotoById(id);
    if (photo === undefined) throw notFound(`photo ${id}`);
    const faces = await store.facesOfPhoto(id);
    return { photo: photoView(photo, ctx.hide), faces: photoView(photo, ctx.hide, faces).faces };
  });

  app.get<{ Params: IdParams }>('/api/photos/:id/image', byId, async (req, reply) => {
    const { id } = req.params;
    const photo = await store.getPhotoById(id);
    if (photo === undefined) throw notFound(`photo ${id}`);
    const file = await servedPhotoFile(store.root, photo.path);
    const format = formatFromExtension(file);
    if (format === undefined) {
      throw new HttpError(
        415,
        'E_NOT_AN_IMAGE',
        'the photo file is not a JPEG, PNG or WebP file',
        'only JPEG, PNG and WebP photos are served',
      );
    }
    const st = await stat(file);
    return reply
      .type(CONTENT_TYPES[format])
      .header('content-length', String(st.size))
      .header('cache-control', 'private, max-age=300')
      .send(createReadStream(file));
  });
}
