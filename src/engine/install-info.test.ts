import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatInstallInfo, installInfo, type InstallInfo } from './install-info.js';
import type { EngineInfo } from './backend.js';

const WASM: InstallInfo = {
  version: '1.2.3',
  node: 'v20.0.0',
  tfjs: '4.22.0',
  backend: 'wasm',
  reason: 'fallback: node unavailable',
  attempts: [
    { backend: 'node', ok: false, detail: 'not installed' },
    { backend: 'wasm', ok: true, detail: 'fallback: node unavailable' },
  ],
  simd: true,
  threads: 2,
  trainingKernels: ['Sum', 'Mean'],
  native: { loaded: true, detail: 'OpenBLAS, 1 thread', kernels: ['Conv2D', 'BatchMatMul'] },
  modelDir: '/m',
};

test('formatInstallInfo: versions, the backend and the failed ones, wasm details, models', () => {
  assert.deepEqual(formatInstallInfo(WASM), [
    'exprsim 1.2.3 (node v20.0.0, tfjs 4.22.0)',
    'backend:   wasm (fallback: node unavailable)',
    '  node: unavailable: not installed',
    'threads:   2',
    'SIMD:      yes',
    'training kernels: Sum, Mean',
    'native:    OpenBLAS, 1 thread: Conv2D, BatchMatMul',
    'models:    /m',
  ]);
  const unused = { loaded: false, detail: 'no BLAS library', kernels: [] };
  const bare = { ...WASM, simd: false, trainingKernels: [], native: unused };
  assert.deepEqual(formatInstallInfo(bare).slice(4, 7), [
    'SIMD:      no',
    'training kernels: none',
    'native:    not used: no BLAS library',
  ]);
  const dnnl = {
    ...WASM,
    native: {
      loaded: true,
      detail: 'oneDNN 2.6.3, ISA avx2, 1 thread',
      threadsWhy: 'test runner worker (files run concurrently)',
      openmp: "OMP_WAIT_POLICY=passive (exprsim's default)",
      declinedTo: 'openblas' as const,
      kernels: ['Conv2D'],
    },
  };
  assert.deepEqual(formatInstallInfo(dnnl).slice(6), [
    'native:    oneDNN 2.6.3, ISA avx2, 1 thread: Conv2D',
    "  threads: test runner worker (files run concurrently); OMP_WAIT_POLICY=passive (exprsim's default); declined cases: OpenBLAS",
    'models:    /m',
  ]);
  const cpu = { ...WASM, backend: 'cpu' as const, reason: 'requested by option', attempts: [] };
  assert.deepEqual(formatInstallInfo(cpu), [
    'exprsim 1.2.3 (node v20.0.0, tfjs 4.22.0)',
    'backend:   cpu (requested by option)',
    'models:    /m',
  ]);
});

test('installInfo: the engine with the package version, node and the model folder', () => {
  const engine = { ...WASM, tfjsVersion: '4.22.0' } as unknown as EngineInfo;
  const info = installInfo(engine);
  assert.equal(info.node, process.version);
  assert.equal(info.tfjs, '4.22.0');
  assert.match(info.version, /^\d+\.\d+\.\d+/);
  assert.match(info.modelDir, /models$/);
  assert.deepEqual(Object.keys(info), Object.keys(WASM));
});
