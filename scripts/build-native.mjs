#!/usr/bin/env node
// Build exprsim's optional native kernels with the system C compiler against node-api-headers
// (an npm package); nothing is downloaded. Two libraries, each built when what it needs is there
// (scripts/install-system-deps.sh installs both):
//   native/exprsim-dnnl.c → native/build/exprsim-dnnl.node, on oneDNN (Debian: libdnnl-dev),
//     the one exprsim loads first;
//   native/exprsim-blas.c → native/build/exprsim-blas.node, on OpenBLAS (libopenblas-dev), the
//     fallback where oneDNN is absent.
//
// Run by `npm install` / `npm ci` (postinstall) and by `npm run build:native`. Never fails an
// install: a library that cannot be built is skipped with why and how to fix it, and exprsim
// runs on the other, or on wasm alone (`exprsim info` shows which). `--strict` exits 1 instead
// (CI, to catch a broken build). EXPRSIM_DNNL=0 skips oneDNN as if its headers were absent
// (and removes an older exprsim-dnnl.node, so the fallback is what runs). `--out-dir DIR`
// builds into DIR instead of native/build (tests).
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, realpathSync, renameSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const nativeDir = join(root, 'native');
const outFlag = process.argv.indexOf('--out-dir');
const outDir = outFlag >= 0 ? resolve(process.argv[outFlag + 1]) : join(nativeDir, 'build');
const strict = process.argv.includes('--strict');
const cc = process.env.CC ?? 'cc';
let failed = false;

function skip(what, reason, fix) {
  console.warn(
    `exprsim: ${what} not built: ${reason}.\n  fix: ${fix}, then run npm run build:native.`,
  );
  failed = true;
}

function finish() {
  if (failed && strict) process.exit(1);
  process.exit(0);
}

if (process.env.EXPRSIM_NATIVE === '0') {
  skip('native kernels', 'EXPRSIM_NATIVE=0', 'unset EXPRSIM_NATIVE');
  finish();
}
if (process.platform !== 'linux') {
  skip(
    'native kernels',
    `platform ${process.platform} (the build script knows Linux only)`,
    'use Linux',
  );
  finish();
}
let napiInclude;
try {
  napiInclude = createRequire(import.meta.url)('node-api-headers').include_dir;
} catch {
  skip('native kernels', 'the npm package node-api-headers is missing', 'run npm ci');
  finish();
}
try {
  execFileSync(cc, ['--version'], { stdio: 'ignore' });
} catch {
  skip('native kernels', `no C compiler (${cc})`, 'apt-get install build-essential');
  finish();
}

/** Compile `source` into outDir/`name`.node atomically; true when built. */
function compile(what, source, name, flags, libs) {
  const out = join(outDir, `${name}.node`);
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
        // An undeclared library function would be assumed to return int: refuse instead.
        '-Werror=implicit-function-declaration',
        ...flags,
        `-I${nativeDir}`,
        `-I${napiInclude}`,
        join(nativeDir, source),
        '-o',
        tmp,
        ...libs,
      ],
      { stdio: ['ignore', 'inherit', 'inherit'] },
    );
    renameSync(tmp, out); // atomic: a loader never sees half a library
    console.log(`exprsim: ${what} built: ${out}`);
    return true;
  } catch (e) {
    rmSync(tmp, { force: true });
    skip(
      what,
      `the compiler failed (${e.message.split('\n')[0]})`,
      'see the compiler output above',
    );
    return false;
  }
}

// ---- oneDNN ---------------------------------------------------------------------------------
const dnnlWhat = 'oneDNN kernels (exprsim-dnnl)';
const dnnlHeader =
  process.env.EXPRSIM_DNNL === '0'
    ? undefined
    : ['/usr/include', '/usr/local/include']
        .map((d) => join(d, 'oneapi', 'dnnl', 'dnnl.h'))
        .find((p) => existsSync(p));
if (!dnnlHeader) {
  rmSync(join(outDir, 'exprsim-dnnl.node'), { force: true });
  const reason =
    process.env.EXPRSIM_DNNL === '0'
      ? 'EXPRSIM_DNNL=0'
      : 'oneDNN headers (oneapi/dnnl/dnnl.h) not found';
  console.warn(
    `exprsim: ${dnnlWhat} not built: ${reason}; exprsim uses the OpenBLAS kernels below, if built.\n  fix: ${
      process.env.EXPRSIM_DNNL === '0'
        ? 'unset EXPRSIM_DNNL'
        : 'apt-get install libdnnl-dev (as root)'
    }, then run npm run build:native.`,
  );
  if (process.env.EXPRSIM_DNNL !== '0') failed = true;
} else {
  const includeRoot = dirname(dirname(dirname(dnnlHeader)));
  // oneDNN's OpenMP runtime (Debian's build): -fopenmp links the same libgomp, whose
  // omp_set_num_threads sets the pool oneDNN runs on.
  compile(
    dnnlWhat,
    'exprsim-dnnl.c',
    'exprsim-dnnl',
    ['-fopenmp', `-I${includeRoot}`],
    ['-ldnnl', '-lm'],
  );
}

// ---- OpenBLAS -------------------------------------------------------------------------------
// OpenBLAS's own headers (cblas.h with the openblas_* prototypes) sit beside its
// openblas_config.h; Debian's /usr/include/<arch>/cblas.h is an alternatives link that may point
// to another BLAS's header, so that directory goes first on the include path.
const blasWhat = 'OpenBLAS kernels (exprsim-blas)';
const openblasHeader = [
  '/usr/include/x86_64-linux-gnu/openblas_config.h',
  '/usr/include/aarch64-linux-gnu/openblas_config.h',
  '/usr/include/openblas_config.h',
  '/usr/include/openblas/openblas_config.h',
].find((p) => existsSync(p));
const openblasDir = openblasHeader ? dirname(realpathSync(openblasHeader)) : undefined;
if (!openblasDir || !existsSync(join(openblasDir, 'cblas.h'))) {
  skip(blasWhat, 'OpenBLAS headers not found', 'apt-get install libopenblas-dev (as root)');
} else {
  compile(blasWhat, 'exprsim-blas.c', 'exprsim-blas', [`-I${openblasDir}`], ['-lopenblas', '-lm']);
}
if (
  !existsSync(join(outDir, 'exprsim-dnnl.node')) &&
  !existsSync(join(outDir, 'exprsim-blas.node'))
)
  console.warn(
    'exprsim: no native kernels: exprsim trains and embeds on wasm alone (slower; `exprsim info` shows it).',
  );
finish();
