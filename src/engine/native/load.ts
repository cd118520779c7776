import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { availableParallelism } from 'node:os';
import { basename, join } from 'node:path';
import { PACKAGE_ROOT } from '../../core/paths.js';

/**
 * What a kernel function returns: exprsim-blas.c always computes (undefined); exprsim-dnnl.c
 * says true, or false when it declines a case oneDNN has no optimised code for (the caller then
 * hands the op to the kernel before it).
 */
export type NativeDone = boolean | undefined;

/**
 * The functions of native/exprsim-blas.c and native/exprsim-dnnl.c, which share them (see
 * exprsim-blas.c for the exact contracts).
 */
export interface NativeBlas {
  /**
   * y = act(conv(x, filter) + bias), NHWC / HWIO. shape: [n, h, w, cin, kh, kw, cout, oh, ow,
   * strideH, strideW, dilationH, dilationW, padTop, padLeft].
   */
  conv2d(
    x: Float32Array,
    filter: Float32Array,
    y: Float32Array,
    shape: number[],
    bias: Float32Array | null,
    act: number,
    alpha: number,
  ): NativeDone;
  /**
   * oneDNN only: depthwise conv forward, shape as for conv2d with the channel multiplier in the
   * cout slot (y and bias have cin · multiplier channels). Absent: tfjs-wasm's kernel runs.
   */
  depthwiseConv2d?(
    x: Float32Array,
    filter: Float32Array,
    y: Float32Array,
    shape: number[],
    bias: Float32Array | null,
    act: number,
    alpha: number,
  ): NativeDone;
  conv2dBackpropInput(
    dy: Float32Array,
    filter: Float32Array,
    dx: Float32Array,
    shape: number[],
  ): NativeDone;
  conv2dBackpropFilter(
    x: Float32Array,
    dy: Float32Array,
    dw: Float32Array,
    shape: number[],
  ): NativeDone;
  /** Depthwise gradients; shape as for conv2d with the channel multiplier in the cout slot. */
  depthwiseBackpropInput(
    dy: Float32Array,
    filter: Float32Array,
    dx: Float32Array,
    shape: number[],
  ): NativeDone;
  depthwiseBackpropFilter(
    x: Float32Array,
    dy: Float32Array,
    df: Float32Array,
    shape: number[],
  ): NativeDone;
  /** y = (x − mean) · scale / sqrt(variance + eps) + offset over the last axis (`channels`). */
  batchNorm(
    x: Float32Array,
    mean: Float32Array,
    variance: Float32Array,
    offset: Float32Array | null,
    scale: Float32Array | null,
    y: Float32Array,
    channels: number,
    eps: number,
  ): NativeDone;
  /** out[c] = scale · Σ_r x[r, c] over a [rows, cols] matrix (double accumulation). */
  sumRows(
    x: Float32Array,
    out: Float32Array,
    rows: number,
    cols: number,
    scale: number,
  ): NativeDone;
  /** shape: [batch, m, n, k, transA, transB, strideA, strideB] (stride 0 broadcasts). */
  matmul(
    a: Float32Array,
    b: Float32Array,
    c: Float32Array,
    shape: number[],
    bias: Float32Array | null,
    act: number,
    alpha: number,
  ): NativeDone;
  /** y = y < 0 ? slope · y : y in place; slopes per channel (the last axis) or one for all. */
  prelu(y: Float32Array, slopes: Float32Array): void;
  setThreads(n: number): void;
  /** The library's interface version (EXPRSIM_BLAS_ABI in the C source). */
  abi: number;
  /** config: the library and version; core: the kernels' ISA (OpenBLAS's core, oneDNN's ISA). */
  info(): { config: string; core: string; threads: number };
}

/** The two native libraries, in the order exprsim prefers them. */
export const NATIVE_LIBRARIES = ['dnnl', 'openblas'] as const;
export type NativeLibrary = (typeof NATIVE_LIBRARIES)[number];

export type NativeLoad =
  | {
      ok: true;
      blas: NativeBlas;
      path: string;
      library: NativeLibrary;
      /** Threads set at load, and why that many. */
      threads: { count: number; why: string };
      /** oneDNN: the OpenMP wait policy libgomp read at load, and where it came from. */
      openmp?: string;
      /** A library preferred to this one that failed to load, and why (unset: none did). */
      passedOver?: { library: NativeLibrary; reason: string; fix: string };
    }
  | { ok: false; reason: string; fix: string };

/** The interface version this code calls, per library; an older build is refused. */
export const NATIVE_ABI: Record<NativeLibrary, number> = { dnnl: 3, openblas: 5 };

/** Where scripts/build-native.mjs writes each library. */
export const NATIVE_PATHS: Record<NativeLibrary, string> = {
  dnnl: join(PACKAGE_ROOT, 'native', 'build', 'exprsim-dnnl.node'),
  openblas: join(PACKAGE_ROOT, 'native', 'build', 'exprsim-blas.node'),
};

/** The OpenBLAS library's path (the one every install with OpenBLAS has). */
export const NATIVE_PATH = NATIVE_PATHS.openblas;

/**
 * Where this process loads a library from: NATIVE_PATHS, or the same file name under
 * EXPRSIM_NATIVE_DIR when set (a build made elsewhere, e.g. with `build-native.mjs --out-dir`).
 */
export function nativePath(library: NativeLibrary): string {
  const dir = process.env.EXPRSIM_NATIVE_DIR;
  if (dir === undefined || dir === '') return NATIVE_PATHS[library];
  return join(dir, basename(NATIVE_PATHS[library]));
}

/**
 * OpenMP settings for oneDNN's thread pool, applied unless the user set them. passive: a
 * thread with no work sleeps at once instead of spinning (libgomp's default spins up to ~0.3 M
 * iterations per wait). On a busy machine a spinning thread holds a core the thread it waits
 * for needs: batch-1 latency went from 5.6 ms to 266 ms with 2 threads under load. Idle cores
 * lose little: oneDNN's primitives are long next to a futex wake-up.
 */
export const OPENMP_DEFAULTS: Readonly<Record<string, string>> = { OMP_WAIT_POLICY: 'passive' };

const BUILD_FIX: Record<NativeLibrary, string> = {
  dnnl: 'apt-get install libdnnl-dev build-essential, then npm run build:native',
  openblas: 'apt-get install libopenblas-dev build-essential, then npm run build:native',
};

let cached: NativeLoad | undefined;
const byLibrary = new Map<NativeLibrary, NativeLoad>();

/**
 * Load the native kernels once per process, or say why not (never throws). EXPRSIM_NATIVE
 * chooses: 0 none, `dnnl` or `openblas` that one, unset the first built of oneDNN's, then
 * OpenBLAS's. Not loaded: disabled, not built (no oneDNN/OpenBLAS or compiler at install), or
 * failing to load; when oneDNN's is built but fails (libdnnl uninstalled since), OpenBLAS's is
 * loaded and `passedOver` says why. EXPRSIM_NATIVE_THREADS sets the library's threads; see
 * defaultThreads for the default.
 */
export function loadNativeBlas(): NativeLoad {
  if (cached) return cached;
  cached = choose();
  return cached;
}

function choose(): NativeLoad {
  const want = process.env.EXPRSIM_NATIVE;
  if (want === '0') {
    return { ok: false, reason: 'disabled by EXPRSIM_NATIVE=0', fix: 'unset EXPRSIM_NATIVE' };
  }
  if (want !== undefined && want !== '' && want !== '1') {
    if ((NATIVE_LIBRARIES as readonly string[]).includes(want)) {
      return loadNativeLibrary(want as NativeLibrary);
    }
    return {
      ok: false,
      reason: `EXPRSIM_NATIVE=${want} is not one of 0, 1, ${NATIVE_LIBRARIES.join(', ')}`,
      fix: 'set EXPRSIM_NATIVE to one of them, or unset it',
    };
  }
  const built = NATIVE_LIBRARIES.filter((l) => existsSync(nativePath(l)));
  if (built.length === 0) {
    return {
      ok: false,
      reason: `not built (${nativePath('dnnl')} and ${nativePath('openblas')} are missing)`,
      fix: `${BUILD_FIX.dnnl} (or libopenblas-dev instead of libdnnl-dev)`,
    };
  }
  const first = loadNativeLibrary(built[0]);
  if (first.ok || built.length === 1) return first;
  // oneDNN built but failing (e.g. libdnnl uninstalled since): OpenBLAS's, saying why.
  const second = loadNativeLibrary(built[1]);
  if (!second.ok) return first;
  return { ...second, passedOver: { library: built[0], reason: first.reason, fix: first.fix } };
}

/** Load one library (once per process; tests and benchmarks compare them). */
export function loadNativeLibrary(library: NativeLibrary): NativeLoad {
  const known = byLibrary.get(library);
  if (known) return known;
  const r = load(library);
  byLibrary.set(library, r);
  return r;
}

/**
 * Threads when EXPRSIM_NATIVE_THREADS is unset: OpenBLAS 1 (its kernels are single products;
 * training's workers put one process on each core). oneDNN every core, except 1 in processes
 * that run beside others of their kind: a training worker (EXPRSIM_TRAIN_WORKER, one per core)
 * and a test file's process under `node --test` (NODE_TEST_CONTEXT, set by Node's runner for
 * the files it runs concurrently, and inherited by what they spawn), where pools of every core
 * in each process would thrash.
 */
export function defaultThreads(library: NativeLibrary): { count: number; why: string } {
  if (library === 'openblas') return { count: 1, why: 'OpenBLAS default' };
  if (process.env.EXPRSIM_TRAIN_WORKER !== undefined)
    return { count: 1, why: 'training worker (one per core)' };
  if (process.env.NODE_TEST_CONTEXT !== undefined)
    return { count: 1, why: 'test runner worker (files run concurrently)' };
  return { count: availableParallelism(), why: 'every core' };
}

/**
 * Put OPENMP_DEFAULTS the user did not set into the environment while `fn` runs (libgomp reads
 * it once, in its constructor, when dlopen maps it with the addon), then take them out again,
 * so that child processes see the user's environment. Returns fn's value and the policy.
 */
function withOpenMpDefaults<T>(fn: () => T): { value: T; openmp: string } {
  if (libgompMapped()) {
    // Loaded before (another addon): it read its settings then; ours would be ignored.
    return { value: fn(), openmp: 'libgomp was loaded before exprsim: its settings stand' };
  }
  const added = Object.keys(OPENMP_DEFAULTS).filter((k) => process.env[k] === undefined);
  for (const k of added) process.env[k] = OPENMP_DEFAULTS[k];
  const policy = process.env.OMP_WAIT_POLICY ?? '(libgomp default)';
  const openmp = `OMP_WAIT_POLICY=${policy} (${added.includes('OMP_WAIT_POLICY') ? "exprsim's default" : 'set by the user'})`;
  try {
    return { value: fn(), openmp };
  } finally {
    for (const k of added) delete process.env[k];
  }
}

/** Whether libgomp is in this process already (Linux; elsewhere assumed not). */
function libgompMapped(): boolean {
  try {
    return readFileSync('/proc/self/maps', 'utf8').includes('/libgomp.so');
  } catch {
    return false;
  }
}

function load(library: NativeLibrary): NativeLoad {
  const path = nativePath(library);
  if (!existsSync(path)) {
    return { ok: false, reason: `not built (${path} is missing)`, fix: BUILD_FIX[library] };
  }
  try {
    const req = () => createRequire(import.meta.url)(path) as NativeBlas;
    const { value: blas, openmp } =
      library === 'dnnl' ? withOpenMpDefaults(req) : { value: req(), openmp: undefined };
    if (blas.abi !== NATIVE_ABI[library]) {
      return {
        ok: false,
        reason: `${path} is a stale build (interface ${String(blas.abi)}, this exprsim needs ${NATIVE_ABI[library]})`,
        fix: 'rebuild it with npm run build:native',
      };
    }
    const env = process.env.EXPRSIM_NATIVE_THREADS;
    const threads =
      env === undefined || env === ''
        ? defaultThreads(library)
        : { count: Number(env), why: 'EXPRSIM_NATIVE_THREADS' };
    if (!Number.isInteger(threads.count) || threads.count < 1) {
      return {
        ok: false,
        reason: `EXPRSIM_NATIVE_THREADS=${env} is not a positive integer`,
        fix: 'set EXPRSIM_NATIVE_THREADS to 1, 2, …, or unset it',
      };
    }
    blas.setThreads(threads.count);
    return { ok: true, blas, path, library, threads, ...(openmp === undefined ? {} : { openmp }) };
  } catch (e) {
    return {
      ok: false,
      reason: `${path} failed to load: ${(e as Error).message.split('\n')[0]}`,
      fix: `rebuild it with npm run build:native (${library === 'dnnl' ? 'libdnnl2' : 'libopenblas0'} must be installed)`,
    };
  }
}
