/**
 * Photo paths in a store are relative to its root, with '/' separators. These helpers turn
 * user-given paths into that form and back, refusing anything that leaves the root
 * (E_OUTSIDE_ROOT): `../x.jpg`, an absolute path elsewhere, a symlink pointing out.
 */
import { realpath, stat } from 'node:fs/promises';
import { isAbsolute, join, relative, resolve, sep } from 'node:path';
import { ExprsimError } from '../core/errors.js';

function outside(path: string, root: string): ExprsimError {
  return new ExprsimError('E_OUTSIDE_ROOT', `the path is outside the indexed folder ${root}`, {
    input: path,
    fix: `use a photo under ${root} (paths are relative to it)`,
  });
}

/** True when `child` (absolute) is `root` itself or inside it. */
export function isInside(root: string, child: string): boolean {
  const rel = relative(root, child);
  return rel === '' || (!rel.startsWith(`..${sep}`) && rel !== '..' && !isAbsolute(rel));
}

/**
 * The store form of `path`: relative to `root` with '/' separators. A relative `path` is taken
 * relative to the root; an absolute one must lie under it. Throws E_OUTSIDE_ROOT otherwise (and
 * for the root itself, which is not a photo).
 */
export function toPhotoPath(root: string, path: string): string {
  if (typeof path !== 'string' || path === '' || path.includes('\0')) {
    throw new ExprsimError('E_BAD_OPTION', 'a photo path must be a non-empty string', {
      input: String(path),
    });
  }
  const abs = resolve(root, path.split('/').join(sep));
  const rel = relative(root, abs);
  if (rel === '' || !isInside(root, abs)) throw outside(path, root);
  return rel.split(sep).join('/');
}

/** The folder form of `under` (relative, '/'-separated, no trailing '/'; '' for the root). */
export function toFolderPath(root: string, under: string | undefined): string {
  if (under === undefined || under === '' || under === '.') return '';
  const abs = resolve(root, under.split('/').join(sep));
  if (!isInside(root, abs)) throw outside(under, root);
  return relative(root, abs).split(sep).join('/');
}

/** The absolute file of a store path (checked to stay under the root). */
export function photoFile(root: string, photoPath: string): string {
  return join(root, toPhotoPath(root, photoPath));
}

/** A folder given by the user, absolute with symlinks resolved; E_FILE_NOT_FOUND unless a folder. */
export async function resolveFolder(path: string, what = 'folder'): Promise<string> {
  let real: string;
  try {
    real = await realpath(resolve(path));
  } catch (e) {
    throw new ExprsimError('E_FILE_NOT_FOUND', `no such ${what}`, {
      input: path,
      fix: 'check the path',
      cause: e,
    });
  }
  if (!(await stat(real)).isDirectory()) {
    throw new ExprsimError('E_BAD_OPTION', `not a folder`, {
      input: path,
      fix: `pass the ${what} (a directory), not a file`,
    });
  }
  return real;
}

/**
 * The root a store keeps, given what it has stored and what the caller asked for: the stored one
 * when the requested folder is it or inside it; E_OUTSIDE_ROOT when it lies elsewhere; the
 * requested one for a new store; E_STORE when neither exists.
 */
export function reconcileRoot(
  stored: string | undefined,
  requested: string | undefined,
  location: string,
): { root: string; isNew: boolean } {
  if (stored !== undefined) {
    if (requested !== undefined && !isInside(stored, requested)) {
      throw new ExprsimError(
        'E_OUTSIDE_ROOT',
        `${requested} is outside the folder this database indexes (${stored})`,
        {
          input: location,
          fix: `index ${stored} or a folder inside it, or use another database for ${requested}`,
        },
      );
    }
    return { root: stored, isNew: false };
  }
  if (requested === undefined) {
    throw new ExprsimError('E_STORE', 'the database has no photo folder yet', {
      input: location,
      fix: `index a folder into it first: exprsim index DIR --db ${location}`,
    });
  }
  return { root: requested, isNew: true };
}
