/**
 * paths.ts for the browser build: models are fetched from a base URL (default `models/` beside
 * the page, same origin) that the browser entry sets with `setModelBaseUrl`.
 */
declare const __EXPRSIM_VERSION__: string;

export const PACKAGE_ROOT = '';

let base = 'models';

/** Where models are fetched from (src/browser's `configure({ modelBaseUrl })` sets it). */
export function setModelBaseUrl(url: string): void {
  base = url.replace(/\/+$/, '');
}

export function modelDir(): string {
  return base;
}

export const DEFAULT_MODEL_NAME = 'exprsim-default';

export function defaultModelPath(): string {
  return `${base}/${DEFAULT_MODEL_NAME}`;
}

export function packageVersion(): string {
  return __EXPRSIM_VERSION__;
}
