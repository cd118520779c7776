/**
 * The web app's on-device mode: the page detects and embeds photos itself with the
 * exprsim/browser bundle and sends only embeddings. The server serves what the page needs, from
 * its own origin and nothing more: the bundle and tfjs's .wasm files, the detector's weights,
 * the weights of the model's backbone (when it has one), and the server's own embedding model
 * (model.json, its weight files, calibration.json), so the page's embeddings are the index's.
 * Each URL maps to one file listed at start-up; any other path under /device/ is a 404.
 */
import { createReadStream } from 'node:fs';
import { readFile, readdir, stat } from 'node:fs/promises';
import { extname, join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { ExprsimError } from '../core/errors.js';
import { BROWSER_BUNDLE_FILE } from '../core/browser-bundle.js';
import { modelDir as packageModelDir } from '../core/paths.js';
import { notFound } from './errors.js';
import type { DeviceOptions } from './options.js';

export type { DeviceOptions };

/** Where the page finds it all (same origin). */
export const DEVICE_PREFIX = '/device/';
export const DEVICE_BUNDLE_URL = `${DEVICE_PREFIX}${BROWSER_BUNDLE_FILE}`;
export const DEVICE_MODELS_URL = `${DEVICE_PREFIX}models`;
/** The embedding model's folder URL (a name no shipped weight folder has). */
export const DEVICE_MODEL_URL = `${DEVICE_MODELS_URL}/embedding`;

/** What GET /api/health says about the mode: where to load it from, or why it is off. */
export type DeviceView =
  | {
      available: true;
      bundle: string;
      wasmPath: string;
      modelBaseUrl: string;
      modelUrl: string;
      detector: DeviceOptions['detector'];
      /** The version of the model served: searches by the page's embeddings name it. */
      model: string;
    }
  | { available: false; reason: string };

const TYPES: Record<string, string> = {
  '.js': 'text/javascript; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.wasm': 'application/wasm',
};

/** The files of a folder's top level (no dotfiles, no subfolders). */
async function topFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true });
  return entries.filter((e) => e.isFile() && !e.name.startsWith('.')).map((e) => e.name);
}

/** model.json, the weight files its manifest names, calibration.json when there. */
async function modelFiles(dir: string): Promise<string[]> {
  const manifest = JSON.parse(await readFile(join(dir, 'model.json'), 'utf8')) as {
    weightsManifest?: { paths?: string[] }[];
  };
  const weights = (manifest.weightsManifest ?? []).flatMap((g) => g.paths ?? []);
  const files = ['model.json', ...weights];
  const present = new Set(await topFiles(dir));
  for (const f of files) {
    if (!present.has(f)) throw new Error(`the model folder has no ${f}`);
  }
  if (present.has('calibration.json')) files.push('calibration.json');
  return files;
}

export interface DeviceFiles {
  view: DeviceView;
  /** URL path → file. */
  files: Map<string, string>;
}

/**
 * The files on-device mode serves, or why it is off: no bundle, no model (a search-only
 * server), or a model folder it cannot read. `backbone` is the folder under models/ the model's
 * features come from ('pixels' heads: none).
 */
export async function deviceFiles(
  device: DeviceOptions | undefined,
  off: string | undefined,
  model: string | undefined,
  backbone: string | undefined,
): Promise<DeviceFiles> {
  const files = new Map<string, string>();
  const none = (reason: string): DeviceFiles => ({
    view: { available: false, reason },
    files: new Map(),
  });
  if (device === undefined) return none(off ?? 'this server was started without on-device mode');
  if (model === undefined) {
    return none('this server has no expression model, so the page has none to run');
  }
  try {
    for (const f of await topFiles(device.bundleDir)) {
      if (f === BROWSER_BUNDLE_FILE || f === `${BROWSER_BUNDLE_FILE}.map` || f.endsWith('.wasm'))
        files.set(`${DEVICE_PREFIX}${f}`, join(device.bundleDir, f));
    }
    if (!files.has(DEVICE_BUNDLE_URL)) return none('the browser bundle has no exprsim.js');
    const folders = [device.detector, ...(backbone === undefined ? [] : [backbone])];
    for (const name of folders) {
      const dir = join(packageModelDir(), name);
      for (const f of await topFiles(dir))
        files.set(`${DEVICE_MODELS_URL}/${name}/${f}`, join(dir, f));
    }
    for (const f of await modelFiles(device.modelDir))
      files.set(`${DEVICE_MODEL_URL}/${f}`, join(device.modelDir, f));
  } catch (e) {
    return none(`the files it needs cannot be read (${(e as Error).message.split(':')[0]})`);
  }
  return {
    view: {
      available: true,
      bundle: DEVICE_BUNDLE_URL,
      wasmPath: DEVICE_PREFIX,
      modelBaseUrl: DEVICE_MODELS_URL,
      modelUrl: DEVICE_MODEL_URL,
      detector: device.detector,
      model,
    },
    files,
  };
}

/** GET /device/…: exactly the files {@link deviceFiles} listed. */
export function registerDeviceRoutes(app: FastifyInstance, d: DeviceFiles): void {
  app.get(`${DEVICE_PREFIX}*`, async (req, reply) => {
    const path = req.url.split('?')[0];
    const file = d.files.get(path);
    if (file === undefined) {
      throw notFound(
        `${path}`,
        d.view.available
          ? 'the page asks only for the files GET /api/health names'
          : `on-device mode is off: ${d.view.reason}`,
      );
    }
    const st = await stat(file).catch((e: unknown) => {
      throw new ExprsimError('E_FILE_NOT_FOUND', 'a file of on-device mode is gone', {
        fix: 'restart the server (exprsim serve rebuilds the browser bundle)',
        cause: e,
      });
    });
    return reply
      .type(TYPES[extname(file)] ?? 'application/octet-stream')
      .header('content-length', String(st.size))
      .header('cache-control', 'no-cache')
      .send(createReadStream(file));
  });
}
