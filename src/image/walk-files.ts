/**
 * The one directory walker: image files (JPEG, PNG, WebP by extension) under a folder, found
 * recursively and in name order, hidden entries (dot names) skipped. Symlinked folders are never
 * entered (no cycles); symlinked files are skipped unless the caller says which targets to follow.
 * A subfolder that cannot be read (permissions, a path too long) throws E_IO naming it, or, when
 * the caller asks for it (`unreadable: 'report'`), is listed in `failed` and the walk goes on.
 * No TensorFlow.js or sharp here: data loading walks folders too.
 */
import type { Dirent } from 'node:fs';
import { readdir, readlink, realpath, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { ExprsimError } from '../core/errors.js';
import { logger } from '../core/logger.js';
import { formatFromExtension } from './format.js';
import { fsErrorReason } from './io-errors.js';

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
   * a no puts the link in `outside`, a link to nothing (or a loop) goes in `failed`. Default:
   * symlinked files are skipped.
   */
  followSymlink?: (target: string) => boolean;
  /**
   * What an unreadable subfolder does: 'throw' (E_IO naming it; the default) or 'report' (listed
   * in `failed`, the walk goes on). The folder walked itself always throws.
   */
  unreadable?: 'throw' | 'report';
}

/** A folder or symlink the walk could not use, and why (one line). */
export interface WalkFailure {
  /** Joined onto the folder walked, like `files`. */
  path: string;
  error: string;
  /** An unreadable folder (its files may exist but were not seen), or a broken symlink. */
  kind: 'folder' | 'symlink';
}

export interface ImageFileWalk {
  /** Paths under the folder (joined onto it), in walk order: names sorted within each folder. */
  files: string[];
  /** Symlinked image files whose target `followSymlink` refused. */
  outside: string[];
  /** Unreadable subfolders (with `unreadable: 'report'`) and broken symlinks (when following). */
  failed: WalkFailure[];
}

/** Why a folder cannot be listed, and what to do, from the fs error. */
function folderError(e: unknown, path: string): ExprsimError {
  const code = (e as NodeJS.ErrnoException | undefined)?.code;
  const detail = fsErrorReason(e);
  const fix =
    code === 'EACCES' || code === 'EPERM'
      ? 'make it readable and searchable (chmod u+rx), or move it out of the folder indexed'
      : code === 'ENAMETOOLONG'
        ? 'the path is longer than the system allows: move the photos to a shallower folder'
        : code === 'ENOENT'
          ? 'it disappeared while being read: rerun'
          : 'check the folder and the disk';
  return new ExprsimError('E_IO', `cannot read the folder: ${detail}`, {
    input: path,
    fix,
    cause: e,
  });
}

/** Why a symlinked image file cannot be followed (its target is missing, or a loop). */
async function brokenLink(p: string, e: unknown): Promise<string> {
  const code = (e as NodeJS.ErrnoException | undefined)?.code;
  if (code === 'ELOOP') return 'a symlink loop: not indexed';
  const target = await readlink(p).catch(() => undefined);
  return `a broken symlink${target === undefined ? '' : ` (to ${target})`}: its target does not exist`;
}

/** The image files under `dir`, recursively (see the module comment). */
export async function walkImageFiles(
  dir: string,
  options: WalkImageFilesOptions = {},
): Promise<ImageFileWalk> {
  const files: string[] = [];
  const outside: string[] = [];
  const failed: WalkFailure[] = [];
  const follow = options.followSymlink;
  const report = options.unreadable === 'report';
  const visit = async (d: string, top: boolean): Promise<void> => {
    let entries: Dirent[];
    try {
      entries = await visibleEntries(d);
    } catch (e) {
      const err = folderError(e, d);
      if (top || !report) throw err;
      logger.debug(`${d}: ${err.message}`);
      failed.push({ path: d, error: `${err.message} (${err.fix})`, kind: 'folder' });
      return;
    }
    for (const e of entries) {
      const p = join(d, e.name);
      if (e.isDirectory()) {
        await visit(p, false);
      } else if (e.isFile()) {
        if (formatFromExtension(e.name) !== undefined) files.push(p);
      } else if (follow !== undefined && e.isSymbolicLink()) {
        if (formatFromExtension(e.name) === undefined) continue;
        let target: string;
        try {
          target = await realpath(p);
        } catch (err) {
          failed.push({ path: p, error: await brokenLink(p, err), kind: 'symlink' });
          continue;
        }
        if (!follow(target)) outside.push(p);
        else if ((await stat(target)).isFile()) files.push(p);
      }
    }
  };
  await visit(dir, true);
  return { files, outside, failed };
}

/**
 * The image files of a list of arguments: files as given (any name), folders walked with
 * {@link walkImageFiles} (symlinked image files followed wherever they lead: the caller named
 * the folder). E_FILE_NOT_FOUND for an argument that does not exist.
 */
export async function collectImageFiles(args: readonly string[]): Promise<string[]> {
  return (await collectImageFilesReport(args)).files;
}

/**
 * {@link collectImageFiles}, with what the folder walks could not use (broken symlinks, loops)
 * in `failed`, for a caller that reports them.
 */
export async function collectImageFilesReport(
  args: readonly string[],
): Promise<{ files: string[]; failed: WalkFailure[] }> {
  const out: string[] = [];
  const failed: WalkFailure[] = [];
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
    if (st.isDirectory()) {
      const walk = await walkImageFiles(a, { followSymlink: () => true });
      out.push(...walk.files);
      failed.push(...walk.failed);
    } else out.push(a);
  }
  return { files: out, failed };
}
