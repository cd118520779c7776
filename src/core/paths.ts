import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The package root: two levels up from src/core/paths.ts or dist/core/paths.js. */
export const PACKAGE_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** Where shipped pretrained weights live; `EXPRSIM_MODEL_DIR` overrides. */
export function modelDir(): string {
  return resolve(process.env.EXPRSIM_MODEL_DIR ?? join(PACKAGE_ROOT, 'models'));
}

/** The folder name of the shipped default expression model under {@link modelDir}. */
export const DEFAULT_MODEL_NAME = 'exprsim-default';

/** The shipped default model folder (it may be absent in a checkout that predates it). */
export function defaultModelPath(): string {
  return join(modelDir(), DEFAULT_MODEL_NAME);
}

let version: string | undefined;

export function packageVersion(): string {
  version ??= (
    JSON.parse(readFileSync(join(PACKAGE_ROOT, 'package.json'), 'utf8')) as { version: string }
  ).version;
  return version;
}
