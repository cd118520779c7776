/**
 * The photos under a folder: JPEG, PNG and WebP files by extension, found recursively, sorted,
 * hidden entries (dot names) skipped. Symlinked files are followed when their target stays under
 * the root; symlinked folders are not entered (no cycles, no escaping the root).
 */
import { readdir, realpath, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { formatFromExtension } from '../image/format.js';
import { logger } from '../core/logger.js';
import { isInside } from './photo-path.js';

export interface PhotoWalk {
  /** Absolute paths, sorted. */
  files: string[];
  /** Symlinks whose target leaves the root (not indexed). */
  outside: string[];
}

export async function walkPhotos(dir: string, root: string): Promise<PhotoWalk> {
  const files: string[] = [];
  const outside: string[] = [];
  const visit = async (d: string): Promise<void> => {
    const entries = await readdir(d, { withFileTypes: true });
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const e of entries) {
      if (e.name.startsWith('.')) continue;
      const p = join(d, e.name);
      if (e.isDirectory()) {
        await visit(p);
      } else if (e.isFile()) {
        if (formatFromExtension(e.name) !== undefined) files.push(p);
      } else if (e.isSymbolicLink() && formatFromExtension(e.name) !== undefined) {
        try {
          const target = await realpath(p);
          if (!isInside(root, target)) outside.push(p);
          else if ((await stat(target)).isFile()) files.push(p);
        } catch {
          logger.debug(`skipping broken symlink ${p}`);
        }
      }
    }
  };
  await visit(dir);
  return { files, outside };
}
