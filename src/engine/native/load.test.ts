/**
 * How the CLI reports the native BLAS kernels (child processes: loading is once per process).
 * The fallback is never silent: disabled or misconfigured, `exprsim info` says why and the fix.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { NATIVE_PATH, NATIVE_PATHS } from './load.js';

function info(env: Record<string, string>): {
  native?: { loaded: boolean; detail: string; kernels: string[] };
} {
  const r = spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', '--json', 'info'], {
    encoding: 'utf8',
    env: { ...process.env, EXPRSIM_BACKEND: 'wasm', ...env },
  });
  assert.equal(r.status, 0, r.stderr);
  return JSON.parse(r.stdout) as ReturnType<typeof info>;
}

test('EXPRSIM_NATIVE=0: wasm alone, and info says so with the fix', () => {
  const n = info({ EXPRSIM_NATIVE: '0' }).native;
  assert.equal(n?.loaded, false);
  assert.match(n?.detail ?? '', /disabled by EXPRSIM_NATIVE=0; fix: unset EXPRSIM_NATIVE/);
  assert.deepEqual(n?.kernels, []);
});

test(
  'a bad EXPRSIM_NATIVE_THREADS is named, not ignored',
  { skip: !existsSync(NATIVE_PATH) && `${NATIVE_PATH} not built` },
  () => {
    const n = info({ EXPRSIM_NATIVE_THREADS: 'two' }).native;
    assert.equal(n?.loaded, false);
    assert.match(n?.detail ?? '', /EXPRSIM_NATIVE_THREADS=two is not a positive integer/);
  },
);

test(
  'EXPRSIM_NATIVE=openblas: info names OpenBLAS, the thread count and the kernels',
  { skip: !existsSync(NATIVE_PATH) && `${NATIVE_PATH} not built` },
  () => {
    const n = info({ EXPRSIM_NATIVE: 'openblas', EXPRSIM_NATIVE_THREADS: '2' }).native;
    assert.equal(n?.loaded, true);
    assert.match(n?.detail ?? '', /^OpenBLAS \d+\.\d+\.\d+ .*2 threads$/);
    assert.ok(n?.kernels.includes('Conv2DBackpropFilter'));
  },
);

test(
  'oneDNN built: loaded first; info names its ISA and threads (every core by default)',
  { skip: !existsSync(NATIVE_PATHS.dnnl) && `${NATIVE_PATHS.dnnl} not built` },
  () => {
    const n = info({ EXPRSIM_NATIVE_THREADS: '' }).native as {
      loaded: boolean;
      detail: string;
      library?: string;
      isa?: string;
      threads?: number;
      kernels: string[];
    };
    assert.equal(n.loaded, true, n.detail);
    assert.equal(n.library, 'dnnl');
    assert.match(n.detail, /^oneDNN \d+\.\d+\.\d+, ISA (avx2|avx512)\w*, \d+ threads?$/);
    assert.equal(n.threads, availableParallelism());
    assert.ok(n.kernels.includes('FusedConv2D'));
    const one = info({ EXPRSIM_NATIVE_THREADS: '1' }).native;
    assert.match(one?.detail ?? '', /, 1 thread$/);
  },
);

test('an unknown EXPRSIM_NATIVE is named with the valid values', () => {
  const n = info({ EXPRSIM_NATIVE: 'mkl' }).native;
  assert.equal(n?.loaded, false);
  assert.match(n?.detail ?? '', /EXPRSIM_NATIVE=mkl is not one of 0, 1, dnnl, openblas/);
});
