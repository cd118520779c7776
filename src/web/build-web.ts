/**
 * `exprsim build-web`: a self-contained static site (the demo page, the exprsim/browser bundle,
 * tfjs's wasm binaries, and the models it fetches: MTCNN, BlazeFace and the embedding model
 * with its calibration) that detects, embeds, compares and picks the odd one out of photos
 * dropped into the page, with no server code: any static host serves it.
 */
import { cp, mkdir, readdir, rm, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { ExprsimError } from '../core/errors.js';
import { PACKAGE_ROOT, defaultModelPath, modelDir } from '../core/paths.js';
import { folderBytes } from '../core/fs.js';
import { writeFloat16Model } from '../models/float16.js';
import { writeBrowserBundle } from '../core/browser-bundle.js';

export interface BuildWebOptions {
  /** The folder to write (created; files in it are overwritten). */
  outDir: string;
  /** The embedding model folder to ship; default the shipped exprsim-default. */
  model?: string;
  /**
   * Ship the embedding model's float32 weights stored as float16 (half the download; tfjs
   * dequantises them at load). Default false. BENCHMARKS.md (browser) has the accuracy change.
   */
  float16?: boolean;
}

export interface BuildWebResult {
  outDir: string;
  /** Bytes per part of the site: page, bundle, wasm, and each model folder. */
  bytes: Record<string, number>;
  /** Whether the bundle was built now (esbuild) or copied from dist/browser. */
  bundle: 'built' | 'copied';
  /** How the embedding model's weights are stored. */
  weights: 'float32' | 'float16';
}

/** Writes the static demo site into `options.outDir`. */
export async function buildWebDemo(options: BuildWebOptions): Promise<BuildWebResult> {
  const outDir = resolve(options.outDir);
  const model = resolve(options.model ?? defaultModelPath());
  try {
    await stat(join(model, 'model.json'));
  } catch (e) {
    throw new ExprsimError('E_FILE_NOT_FOUND', 'no model.json in the model folder', {
      input: model,
      fix: 'pass a folder written by `exprsim train`, or leave `model` out for the default',
      option: 'model',
      cause: e,
    });
  }
  await mkdir(outDir, { recursive: true });
  const bundle = await writeBrowserBundle(outDir);
  await cp(join(PACKAGE_ROOT, 'web', 'demo'), outDir, { recursive: true });
  const models = join(outDir, 'models');
  for (const name of ['mtcnn', 'blazeface']) {
    await cp(join(modelDir(), name), join(models, name), { recursive: true });
  }
  // The page loads models/exprsim-default: the chosen model goes there, calibration included.
  const target = join(models, 'exprsim-default');
  await rm(target, { recursive: true, force: true });
  if (options.float16 === true) await writeFloat16Model(model, target);
  else await cp(model, target, { recursive: true });
  const bytes: Record<string, number> = {
    page: await folderBytes(join(PACKAGE_ROOT, 'web', 'demo')),
    bundle: (await stat(join(outDir, 'exprsim.js'))).size,
    wasm: 0,
  };
  for (const f of await readdir(outDir)) {
    if (f.endsWith('.wasm')) bytes.wasm += (await stat(join(outDir, f))).size;
  }
  for (const name of await readdir(models))
    bytes[`models/${name}`] = await folderBytes(join(models, name));
  return { outDir, bytes, bundle, weights: options.float16 === true ? 'float16' : 'float32' };
}

/** The result in lines for the CLI. */
export function formatBuildWeb(r: BuildWebResult): string[] {
  const total = Object.values(r.bytes).reduce((a, b) => a + b, 0);
  const mb = (n: number) => `${(n / 1024 / 1024).toFixed(2)} MB`;
  return [
    `static demo written to ${r.outDir} (bundle ${r.bundle}, ${r.weights} model weights), ${mb(total)}:`,
    ...Object.entries(r.bytes).map(([k, v]) => `  ${k.padEnd(26)} ${mb(v)}`),
    'serve the folder with any static file server, e.g. `npx http-server DIR` or `python3 -m http.server -d DIR`;',
    'with Cross-Origin-Opener-Policy: same-origin and Cross-Origin-Embedder-Policy: require-corp headers wasm runs threaded.',
  ];
}
