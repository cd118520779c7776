/**
 * The few file operations the inference path needs (read a model's JSON and weight files, join
 * a folder and a name, hash bytes), on the local disk. `files.browser.ts` has the same exports
 * over `fetch` for the browser build (scripts/build-browser.mjs), so the modules that load
 * models are one source for both.
 */
import { createHash } from 'node:crypto';
import { readFile, realpath } from 'node:fs/promises';
import { dirname, isAbsolute, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** A file's text; rejects with the fs error (`code` 'ENOENT' when missing). */
export function readTextFile(path: string): Promise<string> {
  return readFile(path, 'utf8');
}

/** A file's bytes as an ArrayBuffer of its own; rejects with the fs error. */
export async function readBinaryFile(path: string): Promise<ArrayBuffer> {
  const buf = await readFile(path);
  return buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength) as ArrayBuffer;
}

/** `dir` and `names` joined into one path. */
export function joinPath(dir: string, ...names: string[]): string {
  return join(dir, ...names);
}

/** The folder of a path. */
export function parentPath(path: string): string {
  return dirname(path);
}

/** A path made absolute; `file://` URLs become paths. */
export function absolutePath(path: string): string {
  return resolve(path.startsWith('file://') ? fileURLToPath(path) : path);
}

/** sha256 (hex) of the chunks in order. */
export async function sha256Hex(chunks: readonly Uint8Array[]): Promise<string> {
  const hash = createHash('sha256');
  for (const c of chunks) hash.update(c);
  return hash.digest('hex');
}

/** `path`'s real path (symlinks resolved), or undefined when it does not exist. */
async function realPathOf(path: string): Promise<string | undefined> {
  try {
    return await realpath(path);
  } catch {
    return undefined;
  }
}

const isInside = (root: string, p: string) => {
  const rel = relative(root, p);
  return rel !== '' && !rel.startsWith('..') && !isAbsolute(rel);
};

/**
 * `dir` joined with the relative `name` when that stays inside `dir`, symlinks resolved (a
 * manifest naming `../../etc/passwd`, `/etc/passwd` or a link out of the folder must not make us
 * read that file); undefined when it leads out. A file that does not exist yet is judged by its
 * path alone.
 */
export async function fileInside(dir: string, name: string): Promise<string | undefined> {
  if (isAbsolute(name)) return undefined;
  const path = join(dir, name);
  if (!isInside(dir, path)) return undefined;
  const [realDir, realFile] = await Promise.all([realPathOf(dir), realPathOf(path)]);
  if (realDir !== undefined && realFile !== undefined && !isInside(realDir, realFile)) {
    return undefined;
  }
  return path;
}
