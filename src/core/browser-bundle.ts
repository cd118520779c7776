/**
 * Where the exprsim/browser bundle (exprsim.js and tfjs's .wasm files) comes from for the pages
 * that run it: `exprsim build-web` copies it into a static site, `exprsim serve` serves it for
 * the web app's on-device mode. A checkout with esbuild (a devDependency) builds it from the
 * sources (scripts/build-browser.mjs); an install without builds nothing and uses the bundle
 * built at packing time, dist/browser.
 */
import { cp, readdir, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { ExprsimError } from './errors.js';
import { PACKAGE_ROOT } from './paths.js';

/** The bundle's entry; the .wasm files sit beside it. */
export const BROWSER_BUNDLE_FILE = 'exprsim.js';
/** Where `exprsim serve` keeps the bundle it builds from a checkout's sources (outside git). */
export const BROWSER_BUNDLE_CACHE = join(PACKAGE_ROOT, '.cache', 'browser');
/** The bundle built at packing time (`npm run build:browser`). */
export const PREBUILT_BROWSER_BUNDLE = join(PACKAGE_ROOT, 'dist', 'browser');

type BuildBrowser = (outDir: string) => Promise<unknown>;

/** scripts/build-browser.mjs's builder, or undefined where esbuild is not installed. */
async function builder(): Promise<BuildBrowser | undefined> {
  try {
    const { buildBrowser } = await import('../../scripts/build-browser.mjs');
    return buildBrowser as BuildBrowser;
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code !== 'ERR_MODULE_NOT_FOUND' && code !== 'MODULE_NOT_FOUND') throw e;
    return undefined;
  }
}

function noBundle(cause?: unknown): ExprsimError {
  return new ExprsimError('E_FILE_NOT_FOUND', 'no browser bundle and no esbuild to build one', {
    input: PREBUILT_BROWSER_BUNDLE,
    fix: 'run `npm run build:browser` in the exprsim checkout (esbuild is a devDependency)',
    cause,
  });
}

/**
 * Writes the bundle into `outDir`: built now when esbuild is there, else copied from
 * dist/browser (E_FILE_NOT_FOUND when neither is possible).
 */
export async function writeBrowserBundle(outDir: string): Promise<'built' | 'copied'> {
  const build = await builder();
  if (build !== undefined) {
    await build(outDir);
    return 'built';
  }
  try {
    await cp(PREBUILT_BROWSER_BUNDLE, outDir, { recursive: true });
  } catch (e) {
    throw noBundle(e);
  }
  return 'copied';
}

/** The newest modification time of the files the bundle is built from. */
async function newestSource(dir: string): Promise<number> {
  let newest = 0;
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const p = join(dir, entry.name);
    if (entry.isDirectory()) newest = Math.max(newest, await newestSource(p));
    else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.test.ts'))
      newest = Math.max(newest, (await stat(p)).mtimeMs);
  }
  return newest;
}

async function mtime(path: string): Promise<number | undefined> {
  return stat(path).then(
    (s) => s.mtimeMs,
    () => undefined,
  );
}

/**
 * A folder holding a current bundle, for serving: in a checkout with esbuild the one in
 * {@link BROWSER_BUNDLE_CACHE}, rebuilt when a source file is newer than it; else
 * {@link PREBUILT_BROWSER_BUNDLE}. E_FILE_NOT_FOUND when there is neither.
 */
export async function browserBundleDir(): Promise<string> {
  const build = await builder();
  if (build === undefined) {
    if ((await mtime(join(PREBUILT_BROWSER_BUNDLE, BROWSER_BUNDLE_FILE))) === undefined)
      throw noBundle();
    return PREBUILT_BROWSER_BUNDLE;
  }
  const built = await mtime(join(BROWSER_BUNDLE_CACHE, BROWSER_BUNDLE_FILE));
  const sources = Math.max(
    await newestSource(join(PACKAGE_ROOT, 'src')),
    (await mtime(join(PACKAGE_ROOT, 'package.json'))) ?? 0,
    (await mtime(join(PACKAGE_ROOT, 'scripts', 'build-browser.mjs'))) ?? 0,
  );
  if (built !== undefined && built >= sources) return BROWSER_BUNDLE_CACHE;
  // Built beside the cache and renamed into place: a server starting meanwhile never serves a
  // half-written bundle.
  const tmp = `${BROWSER_BUNDLE_CACHE}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  try {
    await build(tmp);
    await rm(BROWSER_BUNDLE_CACHE, { recursive: true, force: true });
    await rename(tmp, BROWSER_BUNDLE_CACHE).catch(async (e: NodeJS.ErrnoException) => {
      // Another server put its build there first: use that one.
      if (e.code !== 'ENOTEMPTY' && e.code !== 'EEXIST') throw e;
    });
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
  return BROWSER_BUNDLE_CACHE;
}
