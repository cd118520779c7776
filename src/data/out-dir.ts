import { mkdir, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { ExprsimError } from '../core/errors.js';
import { DATASET_MANIFEST } from './dataset-manifest.js';
import { SPLITS } from './labelled.js';

/** The files a triplet set writes in its folder: the manifest first (it goes first on removal). */
export const TRIPLET_SET_FILES: readonly string[] = Object.freeze([
  DATASET_MANIFEST,
  ...SPLITS.map((s) => `${s}.jsonl`),
]);

/** Which of the triplet set's files `outDir` holds already (none when it does not exist). */
async function existingSetFiles(outDir: string): Promise<string[]> {
  let st;
  try {
    st = await stat(outDir);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return [];
    if (code === 'ENOTDIR')
      throw notAFolder(outDir, "the output folder's path runs through a file");
    throw new ExprsimError('E_IO', `cannot use the output folder: ${(e as Error).message}`, {
      input: outDir,
      option: 'outDir',
      cause: e,
    });
  }
  if (!st.isDirectory()) throw notAFolder(outDir, 'the output folder is a file');
  const found: string[] = [];
  for (const f of TRIPLET_SET_FILES) {
    if ((await stat(join(outDir, f)).catch(() => undefined)) !== undefined) found.push(f);
  }
  return found;
}

function notAFolder(outDir: string, message: string): ExprsimError {
  return new ExprsimError('E_BAD_OPTION', message, {
    input: outDir,
    fix: 'pass a folder (or a new name, which is created) as `outDir`',
    option: 'outDir',
  });
}

/**
 * Throws unless `outDir` can take a new triplet set: E_BAD_OPTION when it (or a parent) is a
 * file, or when it holds a set's files already (dataset.json, train/val/test.jsonl) and
 * `overwrite` is not set. Cheap: writers call it before their long reads, so a refusal costs
 * nothing.
 */
export async function checkTripletDir(outDir: string, overwrite = false): Promise<void> {
  const found = await existingSetFiles(outDir);
  if (found.length === 0 || overwrite) return;
  throw new ExprsimError(
    'E_BAD_OPTION',
    `the output folder already holds a triplet set (${found.join(', ')}); not replacing it`,
    {
      input: outDir,
      fix: 'pass `overwrite` to replace it, or choose another `outDir`',
      option: 'overwrite',
    },
  );
}

/**
 * Makes `outDir` ready for writing a triplet set (checkTripletDir, then created). With
 * `overwrite`, the old set's files are removed first, the manifest before the triplet files: a
 * run killed halfway never leaves an old dataset.json vouching for new files, nor an old split
 * the new manifest does not list.
 */
export async function prepareTripletDir(outDir: string, overwrite = false): Promise<void> {
  await checkTripletDir(outDir, overwrite);
  for (const f of await existingSetFiles(outDir)) await rm(join(outDir, f), { force: true });
  try {
    await mkdir(outDir, { recursive: true });
  } catch (e) {
    throw new ExprsimError('E_IO', `cannot create the output folder: ${(e as Error).message}`, {
      input: outDir,
      fix: 'check that its parent folder exists and is writable, or choose another `outDir`',
      option: 'outDir',
      cause: e,
    });
  }
}
