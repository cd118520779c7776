import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runCli } from './helpers.js';

const SAMPLE = fileURLToPath(new URL('./fixtures/fec/sample.csv', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'exprsim-data-cli-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function file(rel: string, text = 'x'): string {
  const p = join(dir, rel);
  mkdirSync(dirname(p), { recursive: true });
  writeFileSync(p, text);
  return p;
}

// Fixtures: an image folder in split layout, a labels CSV with one missing file, a tiny fer2013.csv.
for (const split of ['train', 'val', 'test'])
  for (const label of ['happy', 'sad'])
    for (let i = 0; i < 3; i++) file(`folder/${split}/${label}/${i}.jpg`);
const labels = ['path,label', 'a/1.jpg,happy', 'a/2.jpg,happy', 'b/3.jpg,sad', 'gone.jpg,sad'];
for (const p of ['a/1.jpg', 'a/2.jpg', 'b/3.jpg']) file(`labelled/${p}`);
const labelsCsv = file('labelled/labels.csv', `${labels.join('\n')}\n`);
const px = Array.from({ length: 2304 }, (_, i) => i % 256).join(' ');
const ferRows = ['emotion,pixels,Usage'];
for (const usage of ['Training', 'PublicTest', 'PrivateTest'])
  for (const e of [0, 3, 3]) ferRows.push(`${e},${px},${usage}`);
const ferCsv = file('fer2013.csv', `${ferRows.join('\n')}\n`);

// Start every CLI run at once, so that their start-ups overlap. Error
// messages (empty files, wrong headers, --strict-files) are checked by the library tests and the
// one-line error printing by cli.test.ts; these check the data commands' wiring and output.
const runs = {
  info: runCli(['data', 'fec-info', SAMPLE]),
  folder: runCli([
    '--json',
    'data',
    'triplets',
    '--folder',
    join(dir, 'folder'),
    '--out',
    join(dir, 'o2'),
    '--per-split',
    '4',
    '--seed',
    '9',
  ]),
  missing: runCli([
    'data',
    'triplets',
    '--labels',
    labelsCsv,
    '--out',
    join(dir, 'o3'),
    '--per-split',
    '2',
    '--split-ratios',
    '1,0,0',
  ]),
  fer: runCli([
    'data',
    'triplets',
    '--fer2013',
    ferCsv,
    '--out',
    join(dir, 'o5'),
    '--per-split',
    '3',
  ]),
  strict: runCli([
    'data',
    'triplets',
    '--labels',
    labelsCsv,
    '--out',
    join(dir, 'o6'),
    '--strict-files',
  ]),
  two: runCli([
    'data',
    'triplets',
    '--labels',
    labelsCsv,
    '--folder',
    dir,
    '--out',
    join(dir, 'o7'),
  ]),
};

test('fec-info prints rows, bad rows with line numbers, images, types and the agreement histogram', async () => {
  const r = await runs.info;
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /rows: +6 valid, 12 bad, 1 blank line skipped/);
  assert.match(r.stdout, /bad rows \(first 5 of 12\):\n {2}line 6: has 10 fields/);
  assert.match(r.stdout, /unique images: 6 \(7 distinct URL\+box crops\)/);
  assert.match(r.stdout, /ONE_CLASS_TRIPLET 2, TWO_CLASS_TRIPLET 2, THREE_CLASS_TRIPLET 2/);
  assert.match(r.stdout, /raters\/row: +6: 4, 9: 2/);
  assert.match(r.stdout, /2\/3 \(0\.67\) +1 +16\.7%/);
  assert.match(r.stdout, /tie +2 +33\.3%/);
  assert.match(r.stdout, /triplets: +4 kept \(ties dropped: 2\)/);
});

test('triplets from an image folder in split layout, as JSON', async () => {
  const r = await runs.folder;
  assert.equal(r.code, 0, r.stderr);
  const out = JSON.parse(r.stdout);
  assert.deepEqual(out.counts, { train: 4, val: 4, test: 4 });
  assert.equal(out.splits.train.images, 6);
});

test('missing files are counted and reported, not fatal', async () => {
  const r = await runs.missing;
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /3 images, 0 rows skipped, 1 missing files/);
  assert.match(r.stdout, /missing line 5: gone\.jpg: no such file/);
  assert.match(r.stdout, /train: +1 triplets from 3 images \(1 fewer than asked/);
});

test('triplets from the original fer2013.csv: faces extracted, then sampled', async () => {
  const r = await runs.fer;
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /source: +fer2013 \(fer2013-csv .*\): 9 images/);
  // Per split: angry 1, happy 2 -> (happy, happy, angry) is the only triplet.
  for (const s of ['train', 'val', 'test'])
    assert.match(r.stdout, new RegExp(`${s}: +1 triplets from 3 images`));
});

test('library errors show the flags of the option keys they name', async () => {
  const strict = await runs.strict;
  assert.equal(strict.code, 1);
  assert.match(strict.stderr, /1 listed image does not exist.*drop `--strict-files` to skip/);
  const two = await runs.two;
  assert.equal(two.code, 1);
  assert.match(two.stderr, /pass exactly one of `--labels`, `--folder`, `--fer2013` \(got 2\)/);
});
