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

test('the output folder: a file is refused, a triplet set is kept unless overwrite', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'exprsim-lt-'));
  try {
    const ds = await loadLabelsCsv(await makeDataset(dir));
    const counts = { train: 6, val: 3, test: 3 };
    const file = join(dir, 'a-file');
    await writeFile(file, 'x');
    for (const outDir of [file, join(file, 'sub')]) {
      await assert.rejects(writeLabelTriplets(ds, { outDir, counts }), {
        code: 'E_BAD_OPTION',
        option: 'outDir',
        message: /^the output folder('s path runs through a file| is a file)$/,
      });
    }
    assert.equal(await readFile(file, 'utf8'), 'x');
    const out = join(dir, 'out');
    await writeLabelTriplets(ds, { outDir: out, counts, seed: 1 });
    const before = await readFile(join(out, 'train.jsonl'), 'utf8');
    await assert.rejects(
      writeLabelTriplets(ds, { outDir: out, counts, seed: 2 }),
      (e: Error & { code?: string; option?: string; fix?: string }) => {
        assert.equal(e.code, 'E_BAD_OPTION');
        assert.equal(e.option, 'overwrite');
        assert.match(
          e.message,
          /already holds a triplet set \(dataset\.json, train\.jsonl, val\.jsonl, test\.jsonl\)/,
        );
        assert.match(e.fix ?? '', /pass `overwrite` to replace it/);
        return true;
      },
    );
    assert.equal(await readFile(join(out, 'train.jsonl'), 'utf8'), before, 'left as it was');
    const r = await writeLabelTriplets(ds, { outDir: out, counts, seed: 2, overwrite: true });
    assert.equal(r.manifest.seed, 2);
    assert.notEqual(await readFile(join(out, 'train.jsonl'), 'utf8'), before, 'replaced');
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('a run that would write no triplet is E_DATA_EMPTY and writes nothing', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'exprsim-lt-'));
  try {
    // One subject: with crossSubject no anchor/positive pair can be drawn.
    const rows = ['path,label,subject'];
    for (const [i, label] of ['a', 'a', 'b', 'b'].entries()) {
      await writeFile(join(dir, `${i}.jpg`), 'x');
      rows.push(`${i}.jpg,${label},S1`);
    }
    await writeFile(join(dir, 'labels.csv'), `${rows.join('\n')}\n`);
    const ds = await loadLabelsCsv(join(dir, 'labels.csv'));
    const out = join(dir, 'out');
    await assert.rejects(
      writeLabelTriplets(ds, { outDir: out, crossSubject: true, splitRatios: [1, 0, 0] }),
      { code: 'E_DATA_EMPTY', message: /^no triplets: train 4 images of 2 labels, val 0 images/ },
    );
    assert.equal(existsSync(out), false);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
