import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { ExprsimError } from '../core/errors.js';
import { defaultModelPath } from '../core/paths.js';

/** What a model folder holds, as the errors about a wrong one say. */
const MODEL_FOLDER = 'a model folder holds model.json and weights.bin, as `exprsim train` writes';

/** What `path` is on disk: a folder, another kind of file, or nothing. */
function kindOf(path: string): 'folder' | 'file' | 'missing' {
  try {
    return statSync(path).isDirectory() ? 'folder' : 'file';
  } catch {
    return 'missing';
  }
}

/**
 * The model folder to use: `model` when given, else the shipped default
 * (`models/exprsim-default`). Throws E_NO_MODEL naming the folder when the default is not
 * installed, E_FILE_NOT_FOUND when `model` is not a model folder (missing, a file, a folder
 * without model.json), saying what a model folder holds and naming the shipped one, so
 * `embed`, `index`, `search` and the server fail the same clear way.
 */
export function resolveModelPath(model?: string): string {
  const dir = model ?? defaultModelPath();
  if (existsSync(join(dir, 'model.json'))) return dir;
  if (model === undefined) {
    throw new ExprsimError('E_NO_MODEL', 'the default expression model is not installed', {
      input: dir,
      fix: 'pass `model`, a folder written by `exprsim train`, or restore models/exprsim-default from git',
      option: 'model',
    });
  }
  const kind = kindOf(dir);
  const what =
    kind === 'missing'
      ? 'names no file or folder'
      : kind === 'file'
        ? 'is a file, not a model folder'
        : 'is not a model folder: it has no model.json';
  const shipped = defaultModelPath();
  const fix =
    kind === 'file' && dir.endsWith('model.json')
      ? 'pass the folder that holds model.json, not the file'
      : `${MODEL_FOLDER}; pass one as \`model\`, e.g. the shipped ${shipped}${existsSync(join(shipped, 'model.json')) ? '' : ' (not installed: restore it from git)'}, or leave \`model\` out to use it`;
  throw new ExprsimError('E_FILE_NOT_FOUND', `\`model\` ${what}`, {
    input: dir,
    fix,
    option: 'model',
  });
}
