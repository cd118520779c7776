import { createReadStream } from 'node:fs';
import { realpath, stat } from 'node:fs/promises';
import { isAbsolute, relative, resolve } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { ExprsimError } from '../../core/errors.js';
import { formatFromExtension } from '../../image/format.js';
import type { ServeContext } from '../context.js';
import { HttpError, badRequest, notFound } from '../errors.js';
import { DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE } from '../options.js';
import { parseId, parseWhole } from '../params.js';
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

  app.get('/api/photos', async (req) => {
    const q = req.query as Record<string, unknown>;
    const offset = parseWhole('offset', q.offset, 0, 0, Number.MAX_SAFE_INTEGER);
    const limit = parseWhole('limit', q.limit, DEFAULT_PAGE_SIZE, 1, MAX_PAGE_SIZE);
    const withFaces = q.faces === '1' || q.faces === 'true';
    const status = q.status;
    if (status !== undefined && status !== 'ok' && status !== 'no-face' && status !== 'failed') {
      throw badRequest(`status must be ok, no-face or failed, got ${JSON.stringify(status)}`);
    }
    const all = (await store.listPhotos()).filter(
      (p) => status === undefined || p.status === status,
    );
    const page = all.slice(offset, offset + limit);
    const photos = await Promise.all(
      page.map(async (p) => photoView(p, withFaces ? await store.facesOfPhoto(p.id) : undefined)),
    );
    return { total: all.length, offset, limit, photos };
  });

  // A photo by its path relative to the root: paths that leave the root are refused (403).
  app.get('/api/photos/by-path', async (req) => {
    const path = (req.query as Record<string, unknown>).path;
    if (typeof path !== 'string' || path === '') {
      throw badRequest('path is required', 'pass ?path=<photo path relative to the indexed root>');
    }
    const photo = await store.getPhoto(path);
    if (photo === undefined) throw notFound(`photo ${JSON.stringify(path)}`);
    return photoView(photo, await store.facesOfPhoto(photo.id));
  });

  app.get('/api/photos/:id', async (req) => {
    const id = parseId('photo id', (req.params as { id: string }).id);
    const photo = await store.getPhotoById(id);
    if (photo === undefined) throw notFound(`photo ${id}`);
    return photoView(photo, await store.facesOfPhoto(id));
  });

  app.get('/api/photos/:id/faces', async (req) => {
    const id = parseId('photo id', (req.params as { id: string }).id);
    const photo = await store.getPhotoById(id);
    if (photo === undefined) throw notFound(`photo ${id}`);
    const faces = await store.facesOfPhoto(id);
    return { photo: photoView(photo), faces: photoView(photo, faces).faces };
  });

  app.get('/api/photos/:id/image', async (req, reply) => {
    const id = parseId('photo id', (req.params as { id: string }).id);
    const photo = await store.getPhotoById(id);
    if (photo === undefined) throw notFound(`photo ${id}`);
    const file = await servedPhotoFile(store.root, photo.path);
    const format = formatFromExtension(file);
    if (format === undefined) {
      throw new HttpError(415, 'E_NOT_AN_IMAGE', 'the photo file is not a JPEG, PNG or WebP file');
    }
    const st = await stat(file);
    return reply
      .type(CONTENT_TYPES[format])
      .header('content-length', String(st.size))
      .header('cache-control', 'private, max-age=300')
      .send(createReadStream(file));
  });
}
