import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { PACKAGE_ROOT } from '../../core/paths.js';

/** The functions of native/exprsim-blas.c (see there for the exact contracts). */
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
  ): void;
  conv2dBackpropInput(
    dy: Float32Array,
    filter: Float32Array,
    dx: Float32Array,
    shape: number[],
  ): void;
  conv2dBackpropFilter(x: Float32Array, dy: Float32Array, dw: Float32Array, shape: number[]): void;
  /** Depthwise gradients; shape as for conv2d with the channel multiplier in the cout slot. */
  depthwiseBackpropInput(
    dy: Float32Array,
    filter: Float32Array,
    dx: Float32Array,
    shape: number[],
  ): void;
  depthwiseBackpropFilter(
    x: Float32Array,
    dy: Float32Array,
    df: Float32Array,
    shape: number[],
  ): void;
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
  ): void;
  /** out[c] = scale · Σ_r x[r, c] over a [rows, cols] matrix (double accumulation). */
  sumRows(x: Float32Array, out: Float32Array, rows: number, cols: number, scale: number): void;
  /** shape: [batch, m, n, k, transA, transB, strideA, strideB] (stride 0 broadcasts). */
  matmul(
    a: Float32Array,
    b: Float32Array,
    c: Float32Array,
    shape: number[],
    bias: Float32Array | null,
    act: number,
    alpha: number,
  ): void;
  setThreads(n: number): void;
  /** The library's interface version (EXPRSIM_BLAS_ABI in the C source). */
  abi: number;
  info(): { config: string; core: string; threads: number };
}

export type NativeLoad =
  { ok: true; blas: NativeBlas; path: string } | { ok: false; reason: string; fix: string };

/** The interface version this code calls; a library built from an older source is refused. */
export const NATIVE_ABI = 4;

/** Where scripts/build-native.mjs writes the library. */
export const NATIVE_PATH = join(PACKAGE_ROOT, 'native', 'build', 'exprsim-blas.node');

let cached: NativeLoad | undefined;

/**
 * Load the native BLAS kernels once per process, or say why not (never throws): disabled by
 * EXPRSIM_NATIVE=0, not built (no OpenBLAS or compiler at install), or failing to load.
 * OpenBLAS runs EXPRSIM_NATIVE_THREADS threads (default 1: the training workers already put one
 * process on each core, and a second BLAS thread per process would oversubscribe them).
 */
export function loadNativeBlas(): NativeLoad {
  if (cached) return cached;
  cached = load();
  return cached;
}

function load(): NativeLoad {
  if (process.env.EXPRSIM_NATIVE === '0') {
    return { ok: false, reason: 'disabled by EXPRSIM_NATIVE=0', fix: 'unset EXPRSIM_NATIVE' };
  }
  if (!existsSync(NATIVE_PATH)) {
    return {
      ok: false,
      reason: `not built (${NATIVE_PATH} is missing)`,
      fix: 'apt-get install libopenblas-dev build-essential, then npm run build:native',
    };
  }
  try {
    const blas = createRequire(import.meta.url)(NATIVE_PATH) as NativeBlas;
    if (blas.abi !== NATIVE_ABI) {
      return {
        ok: false,
        reason: `${NATIVE_PATH} is a stale build (interface ${String(blas.abi)}, this exprsim needs ${NATIVE_ABI})`,
        fix: 'rebuild it with npm run build:native',
      };
    }
    const threads = Number(process.env.EXPRSIM_NATIVE_THREADS ?? '1');
    if (!Number.isInteger(threads) || threads < 1) {
      return {
        ok: false,
        reason: `EXPRSIM_NATIVE_THREADS=${process.env.EXPRSIM_NATIVE_THREADS} is not a positive integer`,
        fix: 'set EXPRSIM_NATIVE_THREADS to 1, 2, …, or unset it',
      };
    }
    blas.setThreads(threads);
    return { ok: true, blas, path: NATIVE_PATH };
  } catch (e) {
    return {
      ok: false,
      reason: `${NATIVE_PATH} failed to load: ${(e as Error).message.split('\n')[0]}`,
      fix: 'rebuild it with npm run build:native (libopenblas0 must be installed)',
    };
  }
}
