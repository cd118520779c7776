#!/usr/bin/env node
// Runs every *.test.ts under src/ and test/ with Node's built-in test runner (via tsx).
// Node 20's `--test` takes no globs, so we list the files here. Extra arguments filter by path
// substring: `npm test -- engine` runs only the files whose path contains "engine".
import { readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { spawnSync } from 'node:child_process';

const root = new URL('..', import.meta.url).pathname;
const filters = process.argv.slice(2).filter((a) => !a.startsWith('-'));
const passThrough = process.argv.slice(2).filter((a) => a.startsWith('-'));

function walk(dir, out) {
  for (const name of readdirSync(dir)) {
    if (name === 'node_modules' || name.startsWith('.')) continue;
    const p = join(dir, name);
    if (statSync(p).isDirectory()) walk(p, out);
    else if (name.endsWith('.test.ts')) out.push(relative(root, p));
  }
  return out;
}

const files = ['src', 'test', 'bench']
  .flatMap((d) => walk(join(root, d), []))
  .filter((f) => filters.length === 0 || filters.some((s) => f.includes(s)))
  .sort();

if (files.length === 0) {
  console.error(`no test files match ${filters.join(', ')}`);
  process.exit(1);
}

const res = spawnSync(
  process.execPath,
  ['--import', 'tsx', '--test', '--test-reporter=spec', ...passThrough, ...files],
  { cwd: root, stdio: 'inherit' },
);
process.exit(res.status ?? 1);
