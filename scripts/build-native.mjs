#!/usr/bin/env node
// Build the optional native BLAS kernels (native/exprsim-blas.c → native/build/exprsim-blas.node)
// with the system C compiler against node-api-headers (an npm package) and OpenBLAS (Debian:
// libopenblas-dev; scripts/install-system-deps.sh installs it). Nothing is downloaded.
//
// Run by `npm install` / `npm ci` (postinstall) and by `npm run build:native`. Never fails an
// install: without a compiler or OpenBLAS it prints why and how to get them, and exprsim runs on
// wasm alone (`exprsim info` shows which). `--strict` exits 1 instead (CI, to catch a broken build).
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, realpathSync, renameSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const source = join(root, 'native', 'exprsim-blas.c');
const outDir = join(root, 'native', 'build');
const out = join(outDir, 'exprsim-blas.node');
const strict = process.argv.includes('--strict');
const cc = process.env.CC ?? 'cc';

function skip(reason, fix) {
  const msg = `exprsim: native BLAS kernels not built: ${reason}.\n  fix: ${fix}, then run npm run build:native.\n  Until then exprsim trains and embeds on wasm alone (slower; \`exprsim info\` shows it).`;
  console.warn(msg);
  process.exit(strict ? 1 : 0);
}

if (process.env.EXPRSIM_NATIVE === '0') skip('EXPRSIM_NATIVE=0', 'unset EXPRSIM_NATIVE');
if (process.platform !== 'linux')
  skip(`platform ${process.platform} (the build script knows Linux only)`, 'use Linux');

let includeDir;
try {
  includeDir = createRequire(import.meta.url)('node-api-headers').include_dir;
} catch {
  skip('the npm package node-api-headers is missing', 'run npm ci');
}
// OpenBLAS's own headers (cblas.h with the openblas_* prototypes) sit beside its
// openblas_config.h; Debian's /usr/include/<arch>/cblas.h is an alternatives link that may point
// to another BLAS's header, so that directory goes first on the include path.
const openblasHeader = [
  '/usr/include/x86_64-linux-gnu/openblas_config.h',
  '/usr/include/aarch64-linux-gnu/openblas_config.h',
  '/usr/include/openblas_config.h',
  '/usr/include/openblas/openblas_config.h',
].find((p) => existsSync(p));
const openblasDir = openblasHeader ? dirname(realpathSync(openblasHeader)) : undefined;
if (!openblasDir || !existsSync(join(openblasDir, 'cblas.h')))
  skip('OpenBLAS headers not found', 'apt-get install libopenblas-dev (as root)');
try {
  execFileSync(cc, ['--version'], { stdio: 'ignore' });
} catch {
  skip(`no C compiler (${cc})`, 'apt-get install build-essential');
}

const tmp = `${out}.${process.pid}.tmp`;
try {
  mkdirSync(outDir, { recursive: true });
  execFileSync(
    cc,
    [
      '-O3',
      '-std=c11',
      '-fPIC',
      '-shared',
      '-Wall',
      // An undeclared openblas_* function would be assumed to return int: refuse instead.
      '-Werror=implicit-function-declaration',
      `-I${openblasDir}`,
      `-I${includeDir}`,
      source,
      '-o',
      tmp,
      '-lopenblas',
      '-lm',
    ],
    { stdio: ['ignore', 'inherit', 'inherit'] },
  );
  renameSync(tmp, out); // atomic: a loader never sees half a library
} catch (e) {
  rmSync(tmp, { force: true });
  skip(`the compiler failed (${e.message.split('\n')[0]})`, 'see the compiler output above');
}
console.log(`exprsim: native BLAS kernels built: ${out}`);
