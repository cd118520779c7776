/**
 * scripts/build-native.mjs: oneDNN's library is built when its headers are there, and with the
 * detection forced off (EXPRSIM_DNNL=0, as on a machine without libdnnl-dev) the build is still
 * clean: OpenBLAS's library alone, an older exprsim-dnnl.node removed (so the loader falls back),
 * exit 0 even with --strict. Builds into a temporary directory, never into native/build.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NATIVE_ABI } from '../src/engine/native/load.js';

const hasDnnl = existsSync('/usr/include/oneapi/dnnl/dnnl.h');
const hasBlas = [
  '/usr/include/x86_64-linux-gnu/openblas_config.h',
  '/usr/include/openblas_config.h',
].some((p) => existsSync(p));

function build(env: Record<string, string>, args: string[] = []) {
  const dir = mkdtempSync(join(tmpdir(), 'exprsim-build-'));
  writeFileSync(join(dir, 'exprsim-dnnl.node'), 'an older build');
  const r = spawnSync(process.execPath, ['scripts/build-native.mjs', '--out-dir', dir, ...args], {
    encoding: 'utf8',
    env: { ...process.env, ...env },
  });
  return { r, dir, done: () => rmSync(dir, { recursive: true, force: true }) };
}

test(
  'EXPRSIM_DNNL=0: OpenBLAS only, the stale oneDNN library removed, strict still passes',
  { skip: !hasBlas && 'no OpenBLAS headers' },
  () => {
    const { r, dir, done } = build({ EXPRSIM_DNNL: '0' }, ['--strict']);
    try {
      assert.equal(r.status, 0, r.stderr);
      assert.match(r.stderr, /oneDNN kernels \(exprsim-dnnl\) not built: EXPRSIM_DNNL=0/);
      assert.ok(!existsSync(join(dir, 'exprsim-dnnl.node')), 'stale oneDNN library removed');
      assert.ok(existsSync(join(dir, 'exprsim-blas.node')));
    } finally {
      done();
    }
  },
);

test(
  'headers present: both libraries are built',
  { skip: !(hasDnnl && hasBlas) && 'no oneDNN or OpenBLAS headers' },
  () => {
    const { r, dir, done } = build({ EXPRSIM_DNNL: '' }, ['--strict']);
    try {
      assert.equal(r.status, 0, r.stderr);
      assert.match(r.stdout, /oneDNN kernels \(exprsim-dnnl\) built/);
      const lib = spawnSync(
        process.execPath,
        [
          '-e',
          `const m = require(${JSON.stringify(join(dir, 'exprsim-dnnl.node'))}); console.log(m.abi, m.info().config)`,
        ],
        { encoding: 'utf8' },
      );
      // The interface version the loader asks for: a build it would load.
      assert.match(lib.stdout, new RegExp(`^${NATIVE_ABI.dnnl} oneDNN \\d+\\.\\d+\\.\\d+`));
      assert.ok(existsSync(join(dir, 'exprsim-blas.node')));
    } finally {
      done();
    }
  },
);
