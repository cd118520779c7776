/**
 * The one directory walker: image files (JPEG, PNG, WebP by extension) under a folder, found
 * recursively and in name order, hidden entries (dot names) skipped. Symlinked folders are never
 * entered (no cycles); symlinked files are skipped unless the caller says which targets to follow.
 * No TensorFlow.js or sharp here: data loading walks folders too.
 */
import type { Dirent } from 'node:fs';
import { readdir, realpath, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { ExprsimError } from '../core/errors.js';
import { logger } from '../core/logger.js';
import { formatFromExtension } from './format.js';

/** The visible entries of a folder, sorted by name (code unit order, as `Array.sort`). */
async function visibleEntries(dir: string): Promise<Dirent[]> {
  const entries = (await readdir(dir, { withFileTypes: true })).filter(
    (e) => !e.name.startsWith('.'),
  );
  return entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

/**
 * One level of a folder: the names of its visible subfolders and of its visible files (any
 * extension), each sorted. Symlinks and other entries are left out.
 */
export async function listFolder(dir: string): Promise<{ dirs: string[]; files: string[] }> {
  const entries = await visibleEntries(dir);
  return {
    dirs: entries.filter((e) => e.isDirectory()).map((e) => e.name),
    files: entries.filter((e) => e.isFile()).map((e) => e.name),
  };
}

export interface WalkImageFilesOptions {
  /**
   * Follow a symlinked image file when this says yes to its real path (e.g. "inside the root");
   * a no puts the link in `outside`. Default: symlinked files are skipped.
   */
  followSymlink?: (target: string) => boolean;
}

export interface ImageFileWalk {
  /** Paths under the folder (joined onto it), in walk order: names sorted within each folder. */
  files: string[];
  /** Symlinked image files whose target `followSymlink` refused. */
  outside: string[];
}

/** The image files under `dir`, recursively (see the module comment). */
export async function walkImageFiles(
  dir: string,
  options: WalkImageFilesOptions = {},
): Promise<ImageFileWalk> {
  const files: string[] = [];
  const outside: string[] = [];
  const follow = options.followSymlink;
  const visit = async (d: string): Promise<void> => {
    for (const e of await visibleEntries(d)) {
      const p = join(d, e.name);
      if (e.isDirectory()) {
        await visit(p);
      } else if (e.isFile()) {
        if (formatFromExtension(e.name) !== undefined) files.push(p);
      } else if (follow !== undefined && e.isSymbolicLink()) {
        if (formatFromExtension(e.name) === undefined) continue;
        try {
          const target = await realpath(p);
          if (!follow(target)) outside.push(p);
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

/**
 * The image files of a list of arguments: files as given (any name), folders walked with
 * {@link walkImageFiles}. E_FILE_NOT_FOUND for an argument that does not exist.
 */
export async function collectImageFiles(args: readonly string[]): Promise<string[]> {
  const out: string[] = [];
  for (const a of args) {
    let st;
    try {
      st = await stat(a);
    } catch (e) {
      throw new ExprsimError('E_FILE_NOT_FOUND', 'no such file or folder', {
        input: a,
        fix: 'check the path',
        cause: e,
      });
    }
    if (st.isDirectory()) out.push(...(await walkImageFiles(a)).files);
    else out.push(a);
  }
  return out;
}
