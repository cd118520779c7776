/**
 * backend.ts for the browser build: TensorFlow.js's WebGL backend where the page gets a WebGL
 * context, else wasm (SIMD where the browser has it; threads when the page is cross-origin
 * isolated, so that SharedArrayBuffer exists), else the plain JavaScript cpu backend. As in
 * Node, `initEngine` records every backend it tried and why the one in use was picked.
 */
import * as tf from '@tensorflow/tfjs';
import { getThreadsCount, setThreadsCount, setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { initOnce } from './init-once.js';
import { ExprsimError } from '../core/errors.js';
import { logger } from '../core/logger.js';

/** The tfjs backends the browser build can run on. */
export type BackendName = 'webgl' | 'wasm' | 'cpu';

export const BACKEND_NAMES: readonly BackendName[] = ['webgl', 'wasm', 'cpu'];

export function parseBackendName(value: string, source: string): BackendName {
  if ((BACKEND_NAMES as readonly string[]).includes(value)) return value as BackendName;
  throw new ExprsimError('E_BAD_OPTION', `unknown backend "${value}"`, {
    input: source,
    fix: `use one of ${BACKEND_NAMES.join(', ')}`,
  });
}

export function kernelsLabel(engine: { backend: string }): string {
  return engine.backend;
}

export interface EngineConfig {
  /** Backend to use; default the first available of webgl, wasm, cpu. */
  backend?: BackendName;
  /**
   * URL of the folder holding tfjs-backend-wasm's .wasm files (the bundle's own folder by
   * default: `build:browser` copies them beside exprsim.js).
   */
  wasmPath?: string;
  /**
   * wasm threads when the page is cross-origin isolated; default tfjs's choice (half the
   * logical cores, at least one).
   */
  threads?: number;
  /** Accepted for the Node config's sake; the browser has no training kernels. */
  trainingKernels?: boolean;
  nativeKernels?: boolean;
}

export interface BackendAttempt {
  backend: BackendName;
  ok: boolean;
  detail: string;
}

export interface EngineInfo {
  backend: BackendName;
  reason: string;
  attempts: BackendAttempt[];
  tfjsVersion: string;
  /** wasm only: SIMD support, threads, and why threads are off when they are. */
  simd?: boolean;
  threads?: number;
  threadsDetail?: string;
  /** webgl only: the WebGL version (1 or 2). */
  webglVersion?: number;
  trainingKernels: string[];
}

function defaultWasmPath(): string {
  return new URL('./', import.meta.url).href;
}

/** The WebGL renderer's name, when the browser tells it (e.g. "ANGLE (…SwiftShader…)"). */
function webglRenderer(): string | undefined {
  try {
    const gl = new OffscreenCanvas(1, 1).getContext('webgl2') as WebGL2RenderingContext | null;
    const ext = gl?.getExtension('WEBGL_debug_renderer_info');
    return gl && ext ? String(gl.getParameter(ext.UNMASKED_RENDERER_WEBGL)) : undefined;
  } catch {
    return undefined;
  }
}

async function tryBackend(
  name: BackendName,
  config: EngineConfig,
  requested: boolean,
): Promise<string | undefined> {
  try {
    if (name === 'webgl' && Number(tf.env().get('WEBGL_VERSION')) === 0) {
      return 'no WebGL context in this page (WEBGL_VERSION 0: GPU blocked, or disabled)';
    }
    // Software WebGL (no GPU: headless, or a blocked driver) is ~10x slower than wasm here
    // (BENCHMARKS.md); unless asked for, it is skipped.
    const renderer = name === 'webgl' && !requested ? webglRenderer() : undefined;
    if (renderer !== undefined && /swiftshader|llvmpipe|software/i.test(renderer)) {
      return `WebGL is software-rendered (${renderer}), slower than wasm`;
    }
    if (name === 'wasm') {
      setWasmPaths(config.wasmPath ?? defaultWasmPath());
      if (config.threads !== undefined) setThreadsCount(config.threads);
    }
    const ok = await tf.setBackend(name);
    if (!ok) return `tf.setBackend('${name}') failed`;
    await tf.ready();
    return undefined;
  } catch (e) {
    return ((e as Error).message ?? String(e)).split('\n')[0];
  }
}

async function describe(
  name: BackendName,
  reason: string,
  attempts: BackendAttempt[],
): Promise<EngineInfo> {
  const info: EngineInfo = {
    backend: name,
    reason,
    attempts,
    tfjsVersion: tf.version.tfjs,
    trainingKernels: [],
  };
  if (name === 'wasm') {
    info.simd = Boolean(await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT'));
    info.threads = getThreadsCount();
    const multi = Boolean(await tf.env().getAsync('WASM_HAS_MULTITHREAD_SUPPORT'));
    info.threadsDetail = multi
      ? `${info.threads} thread${info.threads === 1 ? '' : 's'} (the page is cross-origin isolated)`
      : globalThis.crossOriginIsolated
        ? 'one thread: this browser has no wasm threads'
        : 'one thread: the page is not cross-origin isolated (serve it with Cross-Origin-Opener-Policy: same-origin and Cross-Origin-Embedder-Policy: require-corp)';
  }
  if (name === 'webgl') info.webglVersion = Number(tf.env().get('WEBGL_VERSION'));
  return info;
}

async function init(config: EngineConfig): Promise<EngineInfo> {
  tf.env().set('PROD', true);
  const requested = config.backend;
  if (requested !== undefined) parseBackendName(requested, 'backend');
  const candidates: BackendName[] = requested ? [requested] : ['webgl', 'wasm', 'cpu'];
  const attempts: BackendAttempt[] = [];
  for (const name of candidates) {
    const failure = await tryBackend(name, config, requested !== undefined);
    if (failure !== undefined) {
      attempts.push({ backend: name, ok: false, detail: failure });
      logger.debug(`backend ${name} unavailable: ${failure}`);
      continue;
    }
    const reason = requested
      ? 'requested by option'
      : attempts.length === 0
        ? 'first preference'
        : `fallback: ${attempts.map((a) => a.backend).join(', ')} unavailable`;
    attempts.push({ backend: name, ok: true, detail: reason });
    return describe(name, reason, attempts);
  }
  const why = attempts.map((a) => `${a.backend}: ${a.detail}`).join('; ');
  throw new ExprsimError(
    'E_BACKEND_UNAVAILABLE',
    `backend ${candidates.join('/')} unavailable: ${why}`,
    {
      input: requested ? `backend ${requested}` : undefined,
      fix: requested ? 'choose another `backend` (webgl, wasm, cpu)' : 'use a current browser',
      option: requested ? 'backend' : undefined,
    },
  );
}

const engine = initOnce<EngineConfig, EngineInfo>(init);

/**
 * Picks and initialises the tensor backend once per page: WebGL, then wasm, then cpu, unless
 * one is requested. Later calls return the same info; asking for another backend switches.
 */
export function initEngine(config: EngineConfig = {}): Promise<EngineInfo> {
  return engine.start(config);
}

export function getEngineInfo(): EngineInfo | undefined {
  return engine.info();
}

/** The engine as `exprsim info` words it: the backend and why, the ones that failed, wasm's threads. */
export function formatEngineInfo(info: EngineInfo): string[] {
  const lines = [
    `exprsim in the browser (tfjs ${info.tfjsVersion})`,
    `backend:   ${info.backend} (${info.reason})`,
    ...info.attempts.filter((a) => !a.ok).map((a) => `  ${a.backend}: unavailable: ${a.detail}`),
  ];
  if (info.backend === 'wasm') {
    lines.push(`threads:   ${info.threadsDetail}`, `SIMD:      ${info.simd ? 'yes' : 'no'}`);
  }
  if (info.backend === 'webgl') lines.push(`WebGL:     ${info.webglVersion}`);
  return lines;
}
