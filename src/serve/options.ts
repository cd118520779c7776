import { join } from 'node:path';
import { ExprsimError } from '../core/errors.js';
import { PACKAGE_ROOT } from '../core/paths.js';
import type { FaceStore } from '../search/index.js';
import type { FaceEmbedder } from '../embed/face-embedder.js';
import type { Detector } from '../core/face.js';
import { isLoopbackHost } from './hosts.js';
import { DEFAULT_SERVE } from './defaults.js';

/** 127.0.0.1: the server is reachable from this machine only unless `host` says otherwise. */
export const DEFAULT_SERVE_HOST = DEFAULT_SERVE.host;
export const DEFAULT_SERVE_PORT = DEFAULT_SERVE.port;
/** 20 MiB: the largest request body (an uploaded photo), raw or multipart. */
export const DEFAULT_SERVE_BODY_LIMIT = DEFAULT_SERVE.bodyLimit;
/** 25 megapixels: checked from the image header before any pixel is decoded. */
export const DEFAULT_UPLOAD_MAX_PIXELS = DEFAULT_SERVE.maxPixels;
/** 30 s to receive a request's headers, and again its body. */
export const DEFAULT_REQUEST_TIMEOUT_MS = DEFAULT_SERVE.requestTimeoutMs;
/** 60 s for one detect + embed job, waiting in line included. */
export const DEFAULT_JOB_TIMEOUT_MS = 60_000;
/** Uploads waiting for the (single) model worker; more are refused with 503 E_BUSY. */
export const DEFAULT_UPLOAD_QUEUE = 8;
/** Neighbours returned when a search names no k, and the most it may ask for. */
export const DEFAULT_SEARCH_K = 10;
export const MAX_SEARCH_K = 100;
/** Photos per page of GET /api/photos when no limit is given, and the most per page. */
export const DEFAULT_PAGE_SIZE = 50;
export const MAX_PAGE_SIZE = 200;
/** JSON requests (search, odd-one-out) are small: 256 KiB is plenty for three embeddings. */
export const JSON_BODY_LIMIT = 256 * 1024;
/** The longest embedding a client may send when the server has no model to say the size. */
export const MAX_EMBEDDING_LENGTH = 4096;

/** What the page needs to run the model itself; see ServeOptions.device. */
export interface DeviceOptions {
  /** Folder holding exprsim.js and tfjs's .wasm files (`npm run build:browser`: dist/browser). */
  bundleDir: string;
  /** The folder the server's embedder was loaded from (model.json, weights, calibration.json). */
  modelDir: string;
  /** The detector the index's faces were found with; its weights come from models/. */
  detector: 'mtcnn' | 'blazeface';
}

export interface ServeOptions {
  /** The face index the API searches; its `root` is the only folder photos are served from. */
  store: FaceStore;
  /**
   * Embeds uploaded faces (POST /api/faces). Without it the upload endpoint answers 503
   * E_NO_MODEL and everything else works.
   */
  embedder?: FaceEmbedder;
  /** Finds faces in uploads; needed with `embedder`. */
  detector?: Detector;
  /**
   * The model version search compares against (faces of other models are ignored). Default:
   * every face in the store.
   */
  model?: string;
  /** Default {@link DEFAULT_SERVE_HOST}. */
  host?: string;
  /** Default {@link DEFAULT_SERVE_PORT}; 0 picks a free port. */
  port?: number;
  /** Largest request body in bytes; default {@link DEFAULT_SERVE_BODY_LIMIT}. */
  bodyLimit?: number;
  /** Largest upload in pixels (width x height); default {@link DEFAULT_UPLOAD_MAX_PIXELS}. */
  maxPixels?: number;
  /** Milliseconds to receive a request; default {@link DEFAULT_REQUEST_TIMEOUT_MS}. */
  requestTimeoutMs?: number;
  /** Milliseconds for an upload's detect + embed job, queueing included; default {@link DEFAULT_JOB_TIMEOUT_MS}. */
  jobTimeoutMs?: number;
  /** Uploads allowed to wait for the model; default {@link DEFAULT_UPLOAD_QUEUE}. */
  maxQueue?: number;
  /** Folder of the web app (static files); default `web/` of the package; false serves no pages. */
  webRoot?: string | false;
  /**
   * A token every request must carry (Authorization: Bearer, the cookie `/?token=` sets, or
   * `?token=`). Required when `host` is not a loopback address; at least 8 printable characters.
   */
  token?: string;
  /**
   * Host names requests may name in their Host header besides localhost, 127.0.0.1, [::1] and
   * `host` (requests naming others get 421: DNS rebinding). Default none.
   */
  allowedHosts?: readonly string[];
  /**
   * The web app's on-device mode: the bundle folder, the embedder's model folder and the
   * detector, which the server then serves under /device/ for the page to detect and embed
   * photos itself (it sends only embeddings). Needs `embedder` and `model`. Default, or false:
   * off, and GET /api/health says why (`deviceOff`, or a default reason).
   */
  device?: DeviceOptions | false;
  /** Why on-device mode is off, for GET /api/health (e.g. the bundle could not be built). */
  deviceOff?: string;
}

type Optional = 'embedder' | 'detector' | 'model' | 'token' | 'device' | 'deviceOff';

export type ResolvedServeOptions = Required<Omit<ServeOptions, Optional>> &
  Pick<ServeOptions, Exclude<Optional, 'device'>> & { device?: DeviceOptions };

/**
 * A server bound beyond this machine needs a token (E_BAD_OPTION naming `token` otherwise), and
 * a token must be one a header and a cookie carry as it is: 8 or more printable ASCII characters.
 */
export function checkAccessOptions(host: string, token: string | undefined): void {
  if (token !== undefined && !/^[\x21-\x7e]{8,}$/.test(token)) {
    throw new ExprsimError(
      'E_BAD_OPTION',
      '`token` must be 8 or more printable ASCII characters, without spaces',
      {
        fix: 'pass a longer random token, e.g. the output of `openssl rand -hex 16`',
        option: 'token',
      },
    );
  }
  if (token === undefined && !isLoopbackHost(host)) {
    throw new ExprsimError(
      'E_BAD_OPTION',
      `binding ${host} makes the server reachable from other machines, and no \`token\` was given`,
      {
        input: `host=${host}`,
        fix: 'pass a `token` that requests must carry (exprsim serve also reads EXPRSIM_TOKEN; e.g. T=$(openssl rand -hex 16)), or bind 127.0.0.1',
        option: 'token',
      },
    );
  }
}

function int(name: string, value: number | undefined, def: number, min: number): number {
  const v = value ?? def;
  if (!Number.isInteger(v) || v < min) {
    throw new ExprsimError(
      'E_BAD_OPTION',
      `\`${name}\` must be a whole number >= ${min}, got ${v}`,
      {
        input: `${name}=${String(v)}`,
        fix: `pass a whole number >= ${min} as \`${name}\`, or leave it out for ${def}`,
        option: name,
      },
    );
  }
  return v;
}

/** Fills in every default once and checks the values (E_BAD_OPTION). */
export function resolveServeOptions(o: ServeOptions): ResolvedServeOptions {
  if (o.store === undefined) {
    throw new ExprsimError('E_BAD_OPTION', 'the server needs a face store', {
      fix: 'open one with openStore(location) and pass it as store',
    });
  }
  if ((o.embedder === undefined) !== (o.detector === undefined)) {
    throw new ExprsimError('E_BAD_OPTION', 'embedder and detector go together', {
      fix: 'pass both (uploads work) or neither (search only)',
    });
  }
  const port = int('port', o.port, DEFAULT_SERVE_PORT, 0);
  if (port > 65535) {
    throw new ExprsimError('E_BAD_OPTION', `\`port\` must be at most 65535, got ${port}`, {
      input: `port=${port}`,
      option: 'port',
    });
  }
  const host = o.host ?? DEFAULT_SERVE_HOST;
  checkAccessOptions(host, o.token);
  return {
    store: o.store,
    embedder: o.embedder,
    detector: o.detector,
    model: o.model,
    host,
    port,
    bodyLimit: int('bodyLimit', o.bodyLimit, DEFAULT_SERVE_BODY_LIMIT, 1),
    maxPixels: int('maxPixels', o.maxPixels, DEFAULT_UPLOAD_MAX_PIXELS, 1),
    requestTimeoutMs: int('requestTimeoutMs', o.requestTimeoutMs, DEFAULT_REQUEST_TIMEOUT_MS, 1),
    jobTimeoutMs: int('jobTimeoutMs', o.jobTimeoutMs, DEFAULT_JOB_TIMEOUT_MS, 1),
    maxQueue: int('maxQueue', o.maxQueue, DEFAULT_UPLOAD_QUEUE, 0),
    webRoot: o.webRoot ?? join(PACKAGE_ROOT, 'web'),
    token: o.token,
    allowedHosts: [...(o.allowedHosts ?? [])],
    device: o.device === false ? undefined : o.device,
    deviceOff: o.device === false ? (o.deviceOff ?? 'turned off on the server') : o.deviceOff,
  };
}
