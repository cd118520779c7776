import { existsSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs';
import { initOnce } from './init-once.js';
import { ExprsimError } from '../core/errors.js';
import { logger } from '../core/logger.js';
import { parseBackendName, type BackendName } from './backend-names.js';

export {
  BACKEND_NAMES,
  kernelsLabel,
  parseBackendName,
  type BackendName,
} from './backend-names.js';

const TFJS_NAME: Record<BackendName, string> = { node: 'tensorflow', wasm: 'wasm', cpu: 'cpu' };

export interface EngineConfig {
  /** Backend to use; default: `EXPRSIM_BACKEND`, else the first available of node, wasm, cpu. */
  backend?: BackendName;
  /**
   * Register exprsim's fast training kernels on wasm (Conv2DBackpropFilter and friends).
   * Default true: without them wasm cannot train convolutions at all.
   */
  trainingKernels?: boolean;
  /**
   * On wasm, run convolutions, their gradients and matrix products on the native kernels
   * (native/exprsim-dnnl.c on oneDNN, else native/exprsim-blas.c on OpenBLAS, built at install
   * when the library's headers are there). Default: true unless EXPRSIM_NATIVE=0; without them
   * wasm runs alone and EngineInfo.native says why.
   */
  nativeKernels?: boolean;
}

/** The native kernels' state on wasm. */
export interface NativeInfo {
  loaded: boolean;
  /** The library, its ISA and threads when loaded, else why not and the fix. */
  detail: string;
  /** When loaded: which library (oneDNN first, OpenBLAS the fallback), its ISA and threads. */
  library?: 'dnnl' | 'openblas';
  isa?: string;
  threads?: number;
  /** When loaded: why that many threads (EXPRSIM_NATIVE_THREADS, every core, a test worker…). */
  threadsWhy?: string;
  /** oneDNN: the OpenMP wait policy in effect and where it came from. */
  openmp?: string;
  /** Where a case the library declines goes: OpenBLAS's kernels (when built) or wasm's. */
  declinedTo?: 'openblas' | 'wasm';
  /** The preferred library when it failed to load (libdnnl missing…) and OpenBLAS runs instead. */
  passedOver?: string;
  /** Kernel names now run natively. */
  kernels: string[];
}

export interface BackendAttempt {
  backend: BackendName;
  ok: boolean;
  /** Why it failed, or a note on why it was chosen. */
  detail: string;
}

export interface EngineInfo {
  backend: BackendName;
  /** Why this backend was picked. */
  reason: string;
  attempts: BackendAttempt[];
  tfjsVersion: string;
  /** wasm only: SIMD support and threads. */
  simd?: boolean;
  threads?: number;
  /** Kernels exprsim registered for training on this backend. */
  trainingKernels: string[];
  /** wasm only: the native BLAS kernels. */
  native?: NativeInfo;
}

async function tryBackend(name: BackendName): Promise<string | undefined> {
  try {
    if (name === 'node') {
      // Optional dependency: absent where its install could not download libtensorflow.
      await import('@tensorflow/tfjs-node' as string);
    } else if (name === 'wasm') {
      await import('@tensorflow/tfjs-backend-wasm');
    }
    const ok = await tf.setBackend(TFJS_NAME[name]);
    if (!ok) return `tf.setBackend('${TFJS_NAME[name]}') failed`;
    await tf.ready();
    return undefined;
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    if (
      name === 'node' &&
      (err.code === 'ERR_MODULE_NOT_FOUND' || err.code === 'MODULE_NOT_FOUND')
    ) {
      return '@tensorflow/tfjs-node is not installed (its install downloads libtensorflow, which failed or was skipped)';
    }
    return (err.message ?? String(e)).split('\n')[0];
  }
}

async function describe(
  name: BackendName,
  reason: string,
  attempts: BackendAttempt[],
  kernels: string[],
): Promise<EngineInfo> {
  const info: EngineInfo = {
    backend: name,
    reason,
    attempts,
    tfjsVersion: tf.version.tfjs,
    trainingKernels: kernels,
  };
  if (name === 'wasm') {
    info.simd = Boolean(await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT'));
    const wasm = await import('@tensorflow/tfjs-backend-wasm');
    info.threads = wasm.getThreadsCount();
  }
  return info;
}

async function setUpNative(config: EngineConfig): Promise<NativeInfo> {
  if (config.nativeKernels === false) {
    return { loaded: false, detail: 'disabled by the engine config', kernels: [] };
  }
  const native = await import('./native/index.js');
  const load = native.loadNativeBlas();
  if (!load.ok) {
    // Not hidden: the CLI's info command and training's start line show it.
    logger.debug(`native kernels unavailable: ${load.reason}`);
    return { loaded: false, detail: `${load.reason}; fix: ${load.fix}`, kernels: [] };
  }
  const b = load.blas.info();
  const threads = `${b.threads} thread${b.threads === 1 ? '' : 's'}`;
  const version = b.config.split(' ').slice(0, 2).join(' ');
  // oneDNN declines cases it has only reference loops for: OpenBLAS's kernel takes them.
  const chained = load.library === 'dnnl' && existsSync(native.nativePath('openblas'));
  const next = chained
    ? () => {
        const o = native.loadNativeLibrary('openblas');
        return o.ok ? o.blas : undefined;
      }
    : undefined;
  const passedOver =
    load.passedOver &&
    `${load.passedOver.library}: ${load.passedOver.reason}; fix: ${load.passedOver.fix}`;
  return {
    loaded: true,
    detail:
      (load.library === 'dnnl'
        ? `${version}, ISA ${b.core}, ${threads}`
        : `${version} (${b.core}), ${threads}`) +
      (passedOver === undefined ? '' : ` (instead of ${passedOver})`),
    library: load.library,
    isa: b.core,
    threads: b.threads,
    threadsWhy: load.threads.why,
    ...(load.openmp === undefined ? {} : { openmp: load.openmp }),
    declinedTo: chained ? 'openblas' : 'wasm',
    ...(passedOver === undefined ? {} : { passedOver }),
    kernels: native.registerNativeKernels(load.blas, next),
  };
}

async function init(config: EngineConfig): Promise<EngineInfo> {
  // PROD silences tfjs's console notes (e.g. the "install tfjs-node" banner); exprsim reports
  // the backend choice and its reason itself, through EngineInfo and the logger.
  tf.env().set('PROD', true);
  const envValue = process.env.EXPRSIM_BACKEND;
  const requested =
    config.backend ?? (envValue ? parseBackendName(envValue, 'EXPRSIM_BACKEND') : undefined);
  const candidates: BackendName[] = requested ? [requested] : ['node', 'wasm', 'cpu'];
  const attempts: BackendAttempt[] = [];
  for (const name of candidates) {
    const failure = await tryBackend(name);
    if (failure !== undefined) {
      attempts.push({ backend: name, ok: false, detail: failure });
      logger.debug(`backend ${name} unavailable: ${failure}`);
      continue;
    }
    const reason = requested
      ? `requested by ${config.backend ? 'option' : 'EXPRSIM_BACKEND'}`
      : attempts.length === 0
        ? 'first preference'
        : `fallback: ${attempts.map((a) => a.backend).join(', ')} unavailable`;
    attempts.push({ backend: name, ok: true, detail: reason });
    if (attempts.length > 1) logger.info(`tensor backend ${name} (${reason})`);
    const kernels =
      name === 'wasm' && (config.trainingKernels ?? true)
        ? (await import('./kernels/index.js')).registerWasmTrainingKernels()
        : [];
    const info = await describe(name, reason, attempts, kernels);
    if (name === 'wasm') info.native = await setUpNative(config);
    return info;
  }
  const why = attempts.map((a) => `${a.backend}: ${a.detail}`).join('; ');
  throw new ExprsimError(
    'E_BACKEND_UNAVAILABLE',
    `backend ${candidates.join('/')} unavailable: ${why}`,
    {
      input: requested ? `backend ${requested}` : undefined,
      fix: requested
        ? 'choose another `backend` or EXPRSIM_BACKEND (node, wasm, cpu)'
        : 'reinstall with npm ci',
      option: requested ? 'backend' : undefined,
    },
  );
}

const engine = initOnce<EngineConfig, EngineInfo>(init);

/**
 * Pick and initialise the tensor backend once per process: tfjs-node, then wasm (SIMD), then
 * cpu, unless one is requested. Later calls return the same info; asking for a different
 * backend after initialisation switches to it.
 */
export function initEngine(config: EngineConfig = {}): Promise<EngineInfo> {
  return engine.start(config);
}

/** The engine info, if initEngine has run. */
export function getEngineInfo(): EngineInfo | undefined {
  return engine.info();
}
