import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { ExprsimError } from '../core/errors.js';
import { defaultModelPath } from '../core/paths.js';

/**
 * The model folder to use: `model` when given, else the shipped default
 * (`models/exprsim-default`). Throws E_NO_MODEL naming the folder when neither exists, so
 * `embed`, `index`, `search` and the server fail the same clear way.
 */
export function resolveModelPath(model?: string): string {
  const dir = model ?? defaultModelPath();
  if (!existsSync(join(dir, 'model.json'))) {
    throw new ExprsimError(
      model === undefined ? 'E_NO_MODEL' : 'E_FILE_NOT_FOUND',
      model === undefined
        ? 'the default expression model is not installed'
        : 'no model.json in the model folder',
      {
        input: dir,
        fix:
          model === undefined
            ? 'pass `model`, a folder written by `exprsim train`, or restore models/exprsim-default from git'
            : 'pass a folder written by `exprsim train` or saveModel',
        option: 'model',
      },
    );
  }
  return dir;
}
