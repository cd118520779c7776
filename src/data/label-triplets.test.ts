import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadTripletSplit, readDatasetManifest } from './dataset-manifest.js';
import { writeLabelTriplets } from './label-triplets.js';
import { loadLabelsCsv } from './labels-csv.js';

/** 3 labels x 4 images per split, listed in a labels CSV with FER2013 usage names. */
async function makeDataset(dir: string): Promise<string> {
  const rows = ['path,label,usage'];
  for (const usage of ['Training', 'PublicTest', 'PrivateTest']) {
    for (const label of ['angry', 'happy', 'sad']) {
      await mkdir(join(dir, 'data', usage, label), { recursive: true });
      for (let i = 0; i < 4; i++) {
        const rel = `${usage}/${label}/${i}.jpg`;
        await writeFile(join(dir, 'data', rel), 'x');
        rows.push(`${rel},${label},${usage}`);
      }
    }
  }
  await writeFile(join(dir, 'data', 'labels.csv'), `${rows.join('\n')}\n`);
  return join(dir, 'data', 'labels.csv');
}

test('writes train/val/test triplet files and a manifest; deterministic by seed; keys resolve to files', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'exprsim-lt-'));
  try {
    const ds = await loadLabelsCsv(await makeDataset(dir));
    const out = join(dir, 'out');
    const r = await writeLabelTriplets(ds, {
      outDir: out,
      counts: { train: 30, val: 10, test: 10 },
      seed: 5,
    });
    assert.deepEqual(r.counts, { train: 30, val: 10, test: 10 });
    const m = await readDatasetManifest(out);
    assert.equal(m.seed, 5);
    assert.deepEqual(Object.keys(m.sources), ['data']);
    assert.equal(m.sources.data.kind, 'labels-csv');
    assert.equal(m.sources.data.rootFromManifest, '../data');
    assert.equal(m.splits.train?.count, 30);
    assert.equal(m.splits.val?.images, 12);
    // 3 labels x C(4,2) x 8 = 144 possible per split.
    assert.equal(m.splits.test?.possible, 144);
    const labelOf = new Map(ds.images.map((i) => [i.key, i]));
    const seen = new Map<string, string>();
    for (const s of ['train', 'val', 'test'] as const) {
      const t = await loadTripletSplit(out, s);
      assert.equal(t.rows.length, m.splits[s]?.count);
      for (const row of t.rows) {
        assert.equal(row.source, 'data');
        for (const k of [row.a, row.p, row.n]) {
          assert.ok(existsSync(t.resolve(row.source, k)), k);
          assert.equal(labelOf.get(k)?.split, s, 'images stay in their split');
          const other = seen.get(k);
          assert.ok(other === undefined || other === s);
          seen.set(k, s);
        }
        assert.equal(labelOf.get(row.a)?.label, labelOf.get(row.p)?.label);
        assert.notEqual(labelOf.get(row.n)?.label, labelOf.get(row.a)?.label);
      }
    }
    const first = await readFile(join(out, 'train.jsonl'), 'utf8');
    await writeLabelTriplets(ds, {
      outDir: join(dir, 'out2'),
      counts: { train: 30, val: 10, test: 10 },
      seed: 5,
    });
    assert.equal(
      await readFile(join(dir, 'out2', 'train.jsonl'), 'utf8'),
      first,
      'same seed, same file',
    );
    await writeLabelTriplets(ds, {
      outDir: join(dir, 'out3'),
      counts: { train: 30, val: 10, test: 10 },
      seed: 6,
    });
    assert.notEqual(await readFile(join(dir, 'out3', 'train.jsonl'), 'utf8'), first);
    // Moving data and output together keeps keys resolvable through the relative root.
    await mkdir(join(dir, 'moved'));
    await rename(join(dir, 'data'), join(dir, 'moved', 'data'));
    await rename(out, join(dir, 'moved', 'out'));
    const moved = await loadTripletSplit(join(dir, 'moved', 'out'), 'train');
    assert.equal(
      moved.resolve('data', moved.rows[0].a),
      join(dir, 'moved', 'data', moved.rows[0].a),
    );
    assert.ok(existsSync(moved.resolve('data', moved.rows[0].a)));
    assert.throws(() => moved.resolve('nope', 'x'), { code: 'E_DATA_FORMAT' });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('bad counts and a split without images', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'exprsim-lt-'));
  try {
    const ds = await loadLabelsCsv(await makeDataset(dir));
    await assert.rejects(
      writeLabelTriplets(ds, { outDir: join(dir, 'o'), counts: { train: -1 } }),
      { code: 'E_BAD_OPTION' },
    );
    ds.images = ds.images.filter((i) => i.split !== 'val');
    const r = await writeLabelTriplets(ds, {
      outDir: join(dir, 'o'),
      counts: { train: 5, val: 5, test: 5 },
    });
    assert.deepEqual(r.counts, { train: 5, val: 0, test: 5 });
    assert.equal(r.manifest.splits.val?.note, 'no images in this split');
    assert.equal(await readFile(join(dir, 'o', 'val.jsonl'), 'utf8'), '');
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
