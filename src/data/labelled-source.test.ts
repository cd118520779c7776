import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { makeTempDir, removeDir } from '../../test/fixtures/images/helpers.js';
import { loadLabelledSource, writeTriplets } from './labelled-source.js';

let dir: string;
before(async () => {
  dir = await makeTempDir('exprsim-labelled-source-');
  for (const label of ['happy', 'sad'])
    for (let i = 0; i < 3; i++) {
      await mkdir(join(dir, 'folder', label), { recursive: true });
      await writeFile(join(dir, 'folder', label, `${i}.jpg`), 'x');
    }
  await writeFile(
    join(dir, 'folder', 'labels.csv'),
    'path,label\nhappy/0.jpg,happy\ngone.jpg,sad\n',
  );
});
after(() => removeDir(dir));

test('loadLabelledSource: exactly one source, named by its option keys', async () => {
  for (const options of [{}, { labels: 'a.csv', folder: 'b' }]) {
    await assert.rejects(loadLabelledSource(options), (e: Error & { option?: string }) => {
      assert.match(e.message, /exactly one of `labels`, `folder`, `fer2013`/);
      assert.equal(e.option, 'labels');
      return true;
    });
  }
  await assert.rejects(loadLabelledSource({ fer2013: 'fer.csv' }), { option: 'extractDir' });
});

test('loadLabelledSource: a labels CSV skips missing files, or fails with requireFiles', async () => {
  const csv = join(dir, 'folder', 'labels.csv');
  const s = await loadLabelledSource({ labels: csv });
  assert.equal(s.kind, 'labels-csv');
  assert.equal(s.input, csv);
  assert.equal(s.dataset.images.length, 1);
  assert.equal(s.dataset.missing.count, 1);
  await assert.rejects(loadLabelledSource({ labels: csv, requireFiles: true }), {
    code: 'E_DATA_MISSING_FILES',
    option: 'requireFiles',
  });
});

test('writeTriplets: an image folder -> triplet files named after the folder', async () => {
  const outDir = join(dir, 'out');
  const r = await writeTriplets({
    folder: join(dir, 'folder'),
    outDir,
    counts: { train: 2, val: 0, test: 0 },
    splitRatios: [1, 0, 0],
    seed: 3,
  });
  assert.equal(r.source.kind, 'image-folder');
  assert.deepEqual(Object.keys(r.manifest.sources), ['folder']);
  assert.equal(r.counts.train, 2);
  const rows = (await readFile(join(outDir, 'train.jsonl'), 'utf8')).trim().split('\n');
  assert.equal(rows.length, 2);
  assert.equal(JSON.parse(rows[0]).source, 'folder');
});
