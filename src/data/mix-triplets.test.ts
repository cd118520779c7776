import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadTripletSplit, makeSource, writeDatasetManifest } from './dataset-manifest.js';
import { mixTriplets } from './mix-triplets.js';
import { writeTripletFile, type TripletRow } from './triplet-file.js';

const dir = await mkdtemp(join(tmpdir(), 'exprsim-mix-'));
test.after(() => rm(dir, { recursive: true, force: true }));

/** A triplet set at `name` whose one source `face` has its images under `name/img`. */
async function set(
  name: string,
  counts: { train: number; val?: number },
  type = 'TWO_CLASS_TRIPLET',
) {
  const out = join(dir, name);
  await mkdir(join(out, 'img'), { recursive: true });
  const rows = (n: number, split: string): TripletRow[] =>
    Array.from({ length: n }, (_, i) => ({
      a: `${split}-${i}-a.png`,
      p: `${split}-${i}-p.png`,
      n: `${split}-${i}-n.png`,
      type: type as TripletRow['type'],
      agreement: 1,
      source: 'face',
    }));
  await writeTripletFile(join(out, 'train.jsonl'), rows(counts.train, 'train'));
  const splits: Record<string, { file: string; count: number }> = {
    train: { file: 'train.jsonl', count: counts.train },
  };
  if (counts.val !== undefined) {
    await writeTripletFile(join(out, 'val.jsonl'), rows(counts.val, 'val'));
    splits.val = { file: 'val.jsonl', count: counts.val };
  }
  await writeDatasetManifest(out, {
    sources: { face: makeSource(out, 'labels-csv', join(out, 'labels.csv'), join(out, 'img'), {}) },
    options: {},
    splits,
  });
  return out;
}

test('a mix draws up to N per input and split, keeps each row on its own images, and is seeded', async () => {
  const a = await set('a', { train: 30, val: 10 }, 'ONE_CLASS_TRIPLET');
  const b = await set('b', { train: 20 });
  const r = await mixTriplets({
    inputs: [{ dir: a, limit: { train: 12, val: 4 } }, { dir: b }],
    outDir: join(dir, 'mix'),
    seed: 3,
  });
  assert.deepEqual(r.splits.train, { count: 32, fromInputs: [12, 20] });
  assert.deepEqual(r.splits.val, { count: 4, fromInputs: [4, 0] });
  assert.equal(r.splits.test, undefined);
  // Both inputs name their source `face`, at different roots: the second is told apart.
  assert.deepEqual(r.renamed, [{ input: b, from: 'face', to: 'face-2' }]);
  const train = await loadTripletSplit(join(dir, 'mix'), 'train');
  const fromA = train.rows.filter((x) => x.type === 'ONE_CLASS_TRIPLET');
  const fromB = train.rows.filter((x) => x.type === 'TWO_CLASS_TRIPLET');
  assert.equal(fromA.length, 12);
  assert.equal(fromB.length, 20);
  assert.ok(fromA.every((x) => train.resolve(x.source, x.a) === join(a, 'img', x.a)));
  assert.ok(fromB.every((x) => train.resolve(x.source, x.a) === join(b, 'img', x.a)));
  assert.equal(new Set(fromA.map((x) => x.a)).size, 12, 'drawn without repeats');
  // Shuffled together: the first rows are not all from one input.
  const firstTen = new Set(train.rows.slice(0, 10).map((x) => x.type));
  assert.equal(firstTen.size, 2);
  // The same seed, the same mix; another seed, another draw.
  await mixTriplets({
    inputs: [{ dir: a, limit: { train: 12, val: 4 } }, { dir: b }],
    outDir: join(dir, 'mix-again'),
    seed: 3,
  });
  const again = await loadTripletSplit(join(dir, 'mix-again'), 'train');
  assert.deepEqual(again.rows, train.rows);
  await mixTriplets({
    inputs: [{ dir: a, limit: { train: 12 } }, { dir: b }],
    outDir: join(dir, 'mix-other'),
    seed: 4,
  });
  const other = await loadTripletSplit(join(dir, 'mix-other'), 'train');
  assert.notDeepEqual(other.rows, train.rows);
});

test('a mix needs two inputs, will not replace a set, and refuses an empty result', async () => {
  const a = await set('c', { train: 5 });
  const b = await set('d', { train: 5 });
  await assert.rejects(mixTriplets({ inputs: [{ dir: a }], outDir: join(dir, 'one') }), {
    code: 'E_BAD_OPTION',
    option: 'inputs',
  });
  await assert.rejects(mixTriplets({ inputs: [{ dir: a }, { dir: b }], outDir: a }), {
    code: 'E_BAD_OPTION',
    option: 'overwrite',
  });
  await assert.rejects(
    mixTriplets({
      inputs: [
        { dir: a, limit: { train: 0 } },
        { dir: b, limit: { train: 0 } },
      ],
      outDir: join(dir, 'empty'),
    }),
    { code: 'E_DATA_EMPTY' },
  );
});
