/**
 * How the CLI reports the native BLAS kernels (child processes: loading is once per process).
 * The fallback is never silent: disabled or misconfigured, `exprsim info` says why and the fix.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import {
  copyFileSync,
  existsSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { NATIVE_PATH, NATIVE_PATHS } from './load.js';
import type { NativeInfo } from '../backend.js';

/** process.env with `env` over it; a value undefined removes the variable. */
function childEnv(env: Record<string, string | undefined>): NodeJS.ProcessEnv {
  const out: NodeJS.ProcessEnv = { ...process.env, EXPRSIM_BACKEND: 'wasm', ...env };
  for (const [k, v] of Object.entries(env)) if (v === undefined) delete out[k];
  return out;
}

function cli(args: string[], env: Record<string, string | undefined>) {
  const r = spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args], {
    encoding: 'utf8',
    env: childEnv(env),
  });
  assert.equal(r.status, 0, r.stderr);
  return r;
}

function info(env: Record<string, string | undefined>): { native?: NativeInfo } {
  return JSON.parse(cli(['--json', 'info'], env).stdout) as { native?: NativeInfo };
}

const noDnnl = !existsSync(NATIVE_PATHS.dnnl) && `${NATIVE_PATHS.dnnl} not built`;

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
  { skip: noDnnl },
  () => {
    // Outside a test runner (this file's runner sets NODE_TEST_CONTEXT, which means 1 thread).
    const n = info({ EXPRSIM_NATIVE_THREADS: '', NODE_TEST_CONTEXT: undefined })
      .native as NativeInfo;
    assert.equal(n.loaded, true, n.detail);
    assert.equal(n.threadsWhy, 'every core');
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

test(
  'oneDNN threads: 1 in test runner workers and training workers, unless set',
  { skip: noDnnl },
  () => {
    const base = { EXPRSIM_NATIVE_THREADS: undefined, NODE_TEST_CONTEXT: undefined };
    const inTest = info({ ...base, NODE_TEST_CONTEXT: 'child-v8' }).native;
    assert.equal(inTest?.threads, 1);
    assert.match(inTest?.threadsWhy ?? '', /test runner worker/);
    const worker = info({ ...base, EXPRSIM_TRAIN_WORKER: '0' }).native;
    assert.equal(worker?.threads, 1);
    assert.match(worker?.threadsWhy ?? '', /training worker/);
    const asked = info({
      ...base,
      NODE_TEST_CONTEXT: 'child-v8',
      EXPRSIM_NATIVE_THREADS: '2',
    }).native;
    assert.equal(asked?.threads, 2);
    assert.equal(asked?.threadsWhy, 'EXPRSIM_NATIVE_THREADS');
  },
);

test(
  "oneDNN's OpenMP threads wait passively unless the user says otherwise; children see the user's environment",
  { skip: noDnnl },
  () => {
    // OMP_DISPLAY_ENV=verbose makes libgomp print the settings it read when it was loaded: the
    // proof that the variable set from JavaScript was in the environment at dlopen time.
    // libgomp's own default also prints OMP_WAIT_POLICY 'PASSIVE', but spins 300000 times
    // first; passive set explicitly is a spin count of 0.
    const quiet = cli(['--json', 'info'], {
      OMP_WAIT_POLICY: undefined,
      GOMP_SPINCOUNT: undefined,
      OMP_DISPLAY_ENV: 'verbose',
    });
    assert.match(quiet.stderr, /OMP_WAIT_POLICY = 'PASSIVE'/);
    assert.match(quiet.stderr, /GOMP_SPINCOUNT = '0'/);
    const n = JSON.parse(quiet.stdout) as { native?: NativeInfo };
    assert.equal(n.native?.openmp, "OMP_WAIT_POLICY=passive (exprsim's default)");
    const user = cli(['--json', 'info'], {
      OMP_WAIT_POLICY: 'active',
      GOMP_SPINCOUNT: undefined,
      OMP_DISPLAY_ENV: 'verbose',
    });
    assert.match(user.stderr, /OMP_WAIT_POLICY = 'ACTIVE'/);
    assert.doesNotMatch(user.stderr, /GOMP_SPINCOUNT = '0'/);
    assert.match(user.stdout, /OMP_WAIT_POLICY=active \(set by the user\)/);
    // After loading, the process environment is the user's again.
    const script = [
      "const { loadNativeLibrary } = await import('./src/engine/native/index.ts');",
      "const r = loadNativeLibrary('dnnl');",
      'console.log(JSON.stringify({ ok: r.ok, policy: process.env.OMP_WAIT_POLICY ?? null }));',
    ].join('\n');
    const r = spawnSync(
      process.execPath,
      ['--import', 'tsx', '--input-type=module', '-e', script],
      { encoding: 'utf8', env: childEnv({ OMP_WAIT_POLICY: undefined }) },
    );
    assert.equal(r.status, 0, r.stderr);
    assert.deepEqual(JSON.parse(r.stdout), { ok: true, policy: null });
  },
);

test(
  'oneDNN addon built but libdnnl missing at load: OpenBLAS runs, and info says why',
  { skip: (noDnnl || !existsSync(NATIVE_PATH)) && 'oneDNN or OpenBLAS addon not built' },
  () => {
    // The built addon, its dependency renamed to a library that does not exist (same length,
    // so the ELF stays valid): what dlopen meets once libdnnl2 is uninstalled.
    const dir = mkdtempSync(join(tmpdir(), 'exprsim-native-'));
    try {
      const addon = readFileSync(NATIVE_PATHS.dnnl);
      const from = Buffer.from('libdnnl.so.2\0');
      assert.ok(addon.includes(from), 'the addon names libdnnl.so.2');
      let at = addon.indexOf(from);
      while (at >= 0) {
        addon.write('libdnnq.so.2', at, 'latin1');
        at = addon.indexOf(from, at + 1);
      }
      writeFileSync(join(dir, 'exprsim-dnnl.node'), addon);
      copyFileSync(NATIVE_PATH, join(dir, 'exprsim-blas.node'));
      const env = { EXPRSIM_NATIVE_DIR: dir, EXPRSIM_NATIVE: undefined };
      const n = info(env).native;
      assert.equal(n?.loaded, true, n?.detail);
      assert.equal(n?.library, 'openblas');
      assert.match(
        n?.passedOver ?? '',
        /^dnnl: .*exprsim-dnnl\.node failed to load: libdnnq\.so\.2: cannot open shared object file.*; fix: .*libdnnl2 must be installed/,
      );
      assert.ok(n?.kernels.includes('FusedConv2D'));
      // The text form says it too.
      const text = cli(['info'], env).stdout;
      assert.match(text, /native: {4}OpenBLAS [^\n]*\(instead of dnnl: [^\n]*libdnnq\.so\.2/);
      // Asked for by name, oneDNN's failure is the answer (no silent substitute).
      const asked = info({ ...env, EXPRSIM_NATIVE: 'dnnl' }).native;
      assert.equal(asked?.loaded, false);
      assert.match(asked?.detail ?? '', /libdnnq\.so\.2/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  },
);
