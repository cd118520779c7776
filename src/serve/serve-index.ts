/**
 * `exprsim serve` as one call: which index (your own, or the sample collection built on first
 * use), the model for uploads when there is one, the server created and listening. The caller
 * waits for as long as it serves and then calls `close()`.
 */
import type { FastifyInstance } from 'fastify';
import { ExprsimError, isExprsimError } from '../core/errors.js';
import type { ProgressCallback } from '../core/progress.js';
import { openFaceTools, type DetectingFaceTools } from '../embed/face-tools.js';
import { initEngine, type BackendName } from '../engine/backend.js';
import { resolveModelPath } from '../models/default-model.js';
import {
  DEFAULT_SEARCH,
  modelVersion,
  openStore,
  type FaceStore,
  type IndexSummary,
  type StoreStats,
} from '../search/index.js';
import { DEFAULT_SERVE } from './defaults.js';
import { openSampleIndex, SAMPLE_INDEX } from './sample.js';
import { checkAccessOptions } from './options.js';
import { createServer, listen } from './server.js';
import { browserBundleDir } from '../core/browser-bundle.js';
import type { DeviceOptions } from './device.js';

export interface ServeIndexOptions {
  /** The face index: an SQLite file or a postgres:// URL (or `sample`). */
  db?: string;
  /** Serve the sample collection (samples/photos), indexed into .cache/ on first use. */
  sample?: boolean;
  /** The photo folder of the index; default the one it records. */
  root?: string;
  /**
   * The expression model for uploads; default the shipped one. Without a model (and without
   * `sample`) the server runs search-only: `uploadsOff` says why.
   */
  model?: string;
  /** Default `DEFAULT_SERVE.host` (this machine only). */
  host?: string;
  /** Default `DEFAULT_SERVE.port`; 0 picks a free port. */
  port?: number;
  /** Largest upload in pixels; default `DEFAULT_SERVE.maxPixels`. */
  maxPixels?: number;
  /** Largest request body in bytes; default `DEFAULT_SERVE.bodyLimit`. */
  bodyLimit?: number;
  /** Milliseconds to receive a request's headers, and its body; default 30 000. */
  requestTimeoutMs?: number;
  /** The token requests must carry; required when `host` is not a loopback address. */
  token?: string;
  /** Host names the server answers to besides localhost, 127.0.0.1, [::1] and `host`. */
  allowedHosts?: readonly string[];
  /**
   * The web app's on-device mode (the page detects and embeds photos itself and sends only
   * embeddings); default true: on when there is a model and a browser bundle (built from the
   * sources in a checkout, else dist/browser). False: the page uploads photos.
   */
  device?: boolean;
  /** The tensor backend to start; default the engine's choice. */
  backend?: BackendName;
  /** Progress of building the sample index. */
  onProgress?: ProgressCallback;
}

export interface ServingIndex {
  app: FastifyInstance;
  /** The base URL, e.g. http://127.0.0.1:8080. */
  url: string;
  /** Requests must carry the token (`token` was given). */
  tokenRequired: boolean;
  store: FaceStore;
  stats: StoreStats;
  /** Why uploads are off (the default model is not installed), when they are. */
  uploadsOff?: ExprsimError;
  /** Why the web app's on-device mode is off, when it is. */
  deviceOff?: string;
  /** The sample index, when `sample`: where it is and what this start indexed into it. */
  sample?: { location: string; summary: IndexSummary };
  /** Stops the server, closes the store, frees the model. */
  close(): Promise<void>;
}

/** `sample` or `db`, not both and not neither (E_BAD_OPTION). */
function checkIndexChoice(o: ServeIndexOptions): void {
  if (o.sample === true && o.db !== undefined) {
    throw new ExprsimError('E_BAD_OPTION', '`sample` and `db` do not go together', {
      fix: 'pass `sample` for the sample collection, or `db` for your own index',
      option: 'sample',
    });
  }
  if (o.sample !== true && o.db === undefined) {
    throw new ExprsimError('E_BAD_OPTION', 'no face index given', {
      fix: 'pass `db` faces.sqlite (built by `exprsim index`), or `sample` for the sample collection',
      option: 'db',
    });
  }
}

/** The model folder for uploads, or the reason there is none (only for your own index). */
function uploadModel(o: ServeIndexOptions): { modelDir?: string; uploadsOff?: ExprsimError } {
  try {
    return { modelDir: resolveModelPath(o.model) };
  } catch (e) {
    if (o.model !== undefined || o.sample === true || !isExprsimError(e)) throw e;
    return { uploadsOff: e };
  }
}

/** Binds the app; a port in use or an address not ours is E_IO naming `host` and `port`. */
async function listenOn(app: FastifyInstance, host: string, port: number): Promise<string> {
  return listen(app).catch((e: NodeJS.ErrnoException) => {
    if (e.code !== 'EADDRINUSE' && e.code !== 'EACCES' && e.code !== 'EADDRNOTAVAIL') throw e;
    throw new ExprsimError('E_IO', `cannot listen on ${host}:${port} (${e.code})`, {
      input: `${host}:${port}`,
      fix:
        e.code === 'EADDRINUSE'
          ? 'another program uses that port: pass a free `port` (0 picks any)'
          : 'pass a `host` address of this machine and a `port` you may use',
      option: 'port',
      cause: e,
    });
  });
}

/** On-device mode's files for the model in `modelDir`, or why there are none. */
async function deviceChoice(
  o: ServeIndexOptions,
  modelDir: string | undefined,
): Promise<{ device?: DeviceOptions; deviceOff?: string }> {
  if (o.device === false)
    return { deviceOff: 'turned off on the server (exprsim serve --no-device)' };
  if (modelDir === undefined)
    return { deviceOff: 'this server has no expression model, so the page has none to run' };
  try {
    return {
      device: { bundleDir: await browserBundleDir(), modelDir, detector: DEFAULT_SEARCH.detector },
    };
  } catch (e) {
    if (!isExprsimError(e)) throw e;
    return { deviceOff: `no browser bundle: ${e.message} (${e.fix ?? ''})` };
  }
}

/** Opens the index and the model, creates the server and binds it (see the module comment). */
export async function serveIndex(options: ServeIndexOptions): Promise<ServingIndex> {
  checkIndexChoice(options);
  const host = options.host ?? DEFAULT_SERVE.host;
  // Before the model and the index load: a server exposed without a token never starts.
  checkAccessOptions(host, options.token);
  const port = options.port ?? DEFAULT_SERVE.port;
  await initEngine({ backend: options.backend });
  const { modelDir, uploadsOff } = uploadModel(options);
  const { device, deviceOff } = await deviceChoice(options, modelDir);
  const tools: DetectingFaceTools | undefined =
    modelDir === undefined
      ? undefined
      : await openFaceTools({ model: modelDir, detector: DEFAULT_SEARCH.detector });
  let store: FaceStore | undefined;
  let app: FastifyInstance | undefined;
  const close = async () => {
    await app?.close();
    await store?.close();
    tools?.dispose();
  };
  try {
    let sample: ServingIndex['sample'];
    if (options.sample === true) {
      // The sample collection always has a model (uploadModel throws without one).
      const r = await openSampleIndex({
        embedder: tools!.embedder,
        detector: tools!.detector,
        onProgress: options.onProgress,
      });
      store = r.store;
      sample = { location: SAMPLE_INDEX, summary: r.summary };
    } else {
      store = await openStore(options.db!, { root: options.root, readonly: true });
    }
    app = await createServer({
      store,
      embedder: tools?.embedder,
      detector: tools?.detector,
      model: tools === undefined ? undefined : modelVersion(tools.embedder.model),
      host,
      port,
      maxPixels: options.maxPixels,
      bodyLimit: options.bodyLimit,
      requestTimeoutMs: options.requestTimeoutMs,
      token: options.token,
      allowedHosts: options.allowedHosts,
      device: device ?? false,
      deviceOff,
    });
    const url = await listenOn(app, host, port);
    const stats = await store.stats();
    return {
      app,
      url,
      tokenRequired: options.token !== undefined,
      store,
      stats,
      uploadsOff,
      deviceOff: app.exprsimDevice.available ? undefined : app.exprsimDevice.reason,
      sample,
      close,
    };
  } catch (e) {
    await close();
    throw e;
  }
}
