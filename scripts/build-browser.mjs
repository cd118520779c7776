#!/usr/bin/env node
// Builds exprsim/browser: one ESM bundle (dist/browser/exprsim.js) of src/browser/index.ts and
// the library modules it imports, for the page. The library is one source: a module `x.ts` with
// Node-only I/O (fs, sharp, tfjs-node) has a sibling `x.browser.ts` with the same exports, used
// here instead; everything else is shared as is. The build fails, naming the importer, when a
// Node built-in (node:fs, path, …) or a Node-only package is reached, so none can sneak in.
import { existsSync, mkdirSync, copyFileSync, statSync, readFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/** Packages that only run in Node; reaching one from the browser entry is a build error. */
const NODE_ONLY = [
  'sharp',
  'better-sqlite3',
  'pg',
  'fastify',
  '@fastify/',
  '@tensorflow/tfjs-node',
  'commander',
  'yaml',
  'tsx',
];
const BUILTINS = new Set(builtinModules.flatMap((m) => [m, `node:${m}`]));

/** The browser sibling of a resolved source file: `x.ts` → `x.browser.ts` when it exists. */
const browserSiblings = (sources) => ({
  name: 'exprsim-browser-siblings',
  setup(build) {
    build.onResolve({ filter: /^\.\.?\// }, (args) => {
      if (!args.importer.startsWith(sources)) return undefined;
      const target = resolve(args.resolveDir, args.path.replace(/\.js$/, '.ts'));
      const sibling = target.replace(/\.ts$/, '.browser.ts');
      if (target.endsWith('.ts') && !target.endsWith('.browser.ts') && existsSync(sibling)) {
        return { path: sibling };
      }
      return undefined;
    });
  },
});

const noNodeImports = (sources) => ({
  name: 'exprsim-no-node-imports',
  setup(build) {
    // Our own modules only: dependencies (tfjs) guard their Node paths themselves and map them
    // away in their package.json "browser" fields, which esbuild follows.
    build.onResolve({ filter: /.*/ }, (args) => {
      if (!args.importer.startsWith(sources)) return undefined;
      const p = args.path;
      const nodeOnly =
        BUILTINS.has(p) ||
        p.startsWith('node:') ||
        NODE_ONLY.some((n) =>
          n.endsWith('/') ? p.startsWith(n) : p === n || p.startsWith(`${n}/`),
        );
      if (!nodeOnly) return undefined;
      return {
        errors: [
          {
            text: `Node-only import "${p}" in the browser build (from ${relative(root, args.importer)}); give that module a .browser.ts sibling or move the Node code out`,
          },
        ],
      };
    });
  },
});

/**
 * Builds the bundle into `outDir` (default dist/browser) and returns its files, sizes and the
 * source files it holds. `entry` and `sources` (the folder whose files are checked and swapped
 * for their siblings) default to src/browser/index.ts and src/; tests pass others.
 */
export async function buildBrowser(
  outDir = join(root, 'dist', 'browser'),
  {
    minify = true,
    entry = join(root, 'src', 'browser', 'index.ts'),
    sources = join(root, 'src'),
  } = {},
) {
  mkdirSync(outDir, { recursive: true });
  const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
  const result = await esbuild.build({
    entryPoints: [entry],
    outfile: join(outDir, 'exprsim.js'),
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    minify,
    sourcemap: true,
    metafile: true,
    logLevel: 'silent',
    define: { __EXPRSIM_VERSION__: JSON.stringify(pkg.version) },
    plugins: [browserSiblings(sources), noNodeImports(sources)],
  });
  // tfjs's wasm backend fetches its .wasm binaries at run time from the path the page sets.
  const wasmDir = join(root, 'node_modules', '@tensorflow', 'tfjs-backend-wasm', 'dist');
  const files = ['exprsim.js'];
  for (const f of [
    'tfjs-backend-wasm.wasm',
    'tfjs-backend-wasm-simd.wasm',
    'tfjs-backend-wasm-threaded-simd.wasm',
  ]) {
    copyFileSync(join(wasmDir, f), join(outDir, f));
    files.push(f);
  }
  const sizes = Object.fromEntries(files.map((f) => [f, statSync(join(outDir, f)).size]));
  const inputs = Object.keys(result.metafile.inputs);
  return { outDir, files, sizes, inputs, warnings: result.warnings };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const out = process.argv[2] ? resolve(process.argv[2]) : undefined;
  try {
    const r = await buildBrowser(out);
    for (const [f, n] of Object.entries(r.sizes)) {
      process.stdout.write(
        `${relative(process.cwd(), join(r.outDir, f))}  ${(n / 1024).toFixed(0)} KiB\n`,
      );
    }
  } catch (e) {
    for (const err of e.errors ?? [{ text: String(e) }]) {
      const at = err.location ? `${err.location.file}:${err.location.line}: ` : '';
      process.stderr.write(`build:browser: ${at}${err.text}\n`);
    }
    process.exit(1);
  }
}
