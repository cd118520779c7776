// The SQLite store's ANN index (usearch HNSW beside the database): recall against the exact
// scan, the saved graph reused, brought up to date or rebuilt when stale, removals, other
// connections' writes, and exact search when ANN is off or usearch cannot be loaded. No tensors.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { mkdir, mkdtemp, rm, rename } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { setLogLevel, setLogSink } from '../core/logger.js';
import { mulberry32 } from '../core/prng.js';
import { randomUnit as unit, syntheticPhoto } from '../../test/fixtures/search/bulk-faces.js';
import { openStore } from './open-store.js';
import { loadUsearch } from './sqlite-ann.js';
import type { SqliteFaceStore } from './sqlite-store.js';
import type { FaceStore, OpenStoreOptions } from './types.js';

const work = await mkdtemp(join(tmpdir(), 'exprsim-ann-'));
after(() => rm(work, { recursive: true, force: true }));
const root = join(work, 'photos');
await mkdir(root);
const MODEL = 'ann-test-0000000000000000';
const item = (i: number, embedding: Float32Array) => syntheticPhoto(i, embedding, MODEL);
const usearch = await loadUsearch();
const skip = typeof usearch === 'string' ? `usearch unavailable: ${usearch}` : false;
if (skip) console.log(`# skipping ANN tests: ${skip}`);

/** A store of `n` random unit vectors (photos 0..n-1), written in one transaction. */
async function makeStore(file: string, n: number, seed: number): Promise<void> {
  const rng = mulberry32(seed);
  const s = (await openStore(file, { root, ann: { mode: 'off' } })) as SqliteFaceStore;
  await s.putPhotos(Array.from({ length: n }, (_, i) => item(i, unit(rng))));
  await s.close();
}

/** Log lines while `fn` runs (info and up). */
async function logged<T>(fn: () => Promise<T>): Promise<{ out: T; lines: string[] }> {
  const lines: string[] = [];
  setLogLevel('info');
  setLogSink((level, m) => lines.push(`${level}: ${m}`));
  try {
    return { out: await fn(), lines };
  } finally {
    setLogSink(undefined);
    setLogLevel('warn');
  }
}

function annFiles(file: string): string[] {
  const dir = `${file}.ann`;
  return existsSync(dir) ? readdirSync(dir).sort() : [];
}

async function ids(store: FaceStore, q: Float32Array, extra: object = {}): Promise<number[]> {
  return (await store.findNearest(q, { k: 10, model: MODEL, ...extra })).map((r) => r.face.id);
}

const ANN: OpenStoreOptions['ann'] = { minFaces: 1000 };

test(
  'recall@10 of the ANN index against the exact scan on 20k random unit vectors',
  { skip },
  async (t) => {
    const file = join(work, 'recall.sqlite');
    await makeStore(file, 20_000, 1);
    const store = await openStore(file, { readonly: true, ann: ANN });
    const rng = mulberry32(2);
    let hits = 0;
    const queries = 200;
    for (let i = 0; i < queries; i++) {
      const q = unit(rng);
      const approx = await store.findNearest(q, { k: 10, model: MODEL });
      const exact = await store.findNearest(q, { k: 10, model: MODEL, exact: true });
      assert.equal(approx.length, 10);
      const truth = new Map(exact.map((r) => [r.face.id, r.distance]));
      for (const r of approx) {
        if (truth.has(r.face.id)) {
          hits++;
          assert.equal(r.distance, truth.get(r.face.id), 'the same exact distance');
        }
      }
      for (let j = 1; j < approx.length; j++) {
        assert.ok(approx[j - 1].distance <= approx[j].distance, 'nearest first');
      }
    }
    const recall = hits / (queries * 10);
    t.diagnostic(`recall@10 ${recall}`);
    assert.ok(recall >= 0.95, `recall@10 ${recall}`);
    // A reader saved the graph it built (its folder is writable) with its manifest.
    const files = annFiles(file);
    assert.equal(files.filter((f) => f.endsWith('.json')).length, 1, files.join(' '));
    assert.equal(files.filter((f) => f.endsWith('.usearch')).length, 1, files.join(' '));
    const manifest = JSON.parse(
      readFileSync(
        join(
          `${file}.ann`,
          files.find((f) => f.endsWith('.json'))!,
        ),
        'utf8',
      ),
    ) as { count: number; model: string; m: number };
    assert.equal(manifest.count, 20_000);
    assert.equal(manifest.model, MODEL);
    assert.equal(manifest.m, 16);
    // A small efSearch finds fewer of the true neighbours than a large one.
    let low = 0;
    let high = 0;
    const rng2 = mulberry32(3);
    for (let i = 0; i < 100; i++) {
      const q = unit(rng2);
      const truth = new Set(await ids(store, q, { exact: true }));
      low += (await ids(store, q, { efSearch: 10 })).filter((x) => truth.has(x)).length;
      high += (await ids(store, q, { efSearch: 400 })).filter((x) => truth.has(x)).length;
    }
    t.diagnostic(`efSearch 10: ${low}/1000 of the true neighbours, 400: ${high}/1000`);
    assert.ok(high > low && high >= 990, `efSearch 10: ${low}/1000, 400: ${high}/1000`);
    await assert.rejects(store.findNearest(unit(rng), { k: 3, efSearch: 0 }), {
      code: 'E_BAD_OPTION',
    });
    await store.close();
  },
);

test(
  'a saved graph is reused, extended with new faces, and rebuilt after removals',
  { skip },
  async () => {
    const file = join(work, 'stale.sqlite');
    await makeStore(file, 3000, 4);
    const rng = mulberry32(5);
    const q = unit(rng);
    // Opens the file read-only with ANN on, searches q, closes; with what was logged.
    const searchReadonly = () =>
      logged(async () => {
        const s = await openStore(file, { readonly: true, ann: ANN });
        const out = await ids(s, q);
        await s.close();
        return out;
      });
    // A closing writer builds and saves the graph past minFaces.
    const w = await logged(async () => (await openStore(file, { root, ann: ANN })).close());
    assert.ok(
      w.lines.some((l) => /built the ANN index of 3000 faces/.test(l)),
      w.lines.join('\n'),
    );
    const saved = annFiles(file);
    assert.equal(saved.length, 2);

    // Reopened: loaded, not rebuilt; results as before.
    const r1 = await searchReadonly();
    assert.ok(!r1.lines.some((l) => /built|rebuilding/.test(l)), r1.lines.join('\n'));
    assert.deepEqual(annFiles(file), saved, 'nothing to save again');

    // Faces added while ANN is off (an older exprsim, EXPRSIM_ANN=0): the graph is extended.
    const near = q.map((x) => x * 0.999 + 0.001);
    const off = (await openStore(file, { root, ann: { mode: 'off' } })) as SqliteFaceStore;
    await off.putPhotos([item(90_001, near)]);
    await off.close();
    assert.deepEqual(annFiles(file), saved, 'mode off leaves the graph alone');
    const r2 = await searchReadonly();
    assert.ok(!r2.lines.some((l) => /built|rebuilding/.test(l)), r2.lines.join('\n'));
    const added = r2.out[0];
    assert.ok(added > 3000, 'the new face comes first');
    assert.notDeepEqual(annFiles(file), saved, 'the extended graph was saved');

    // A face removed behind its back: the saved graph is stale and rebuilt.
    const off2 = await openStore(file, { root, ann: { mode: 'off' } });
    assert.equal(await off2.deletePhoto('p/90001.jpg'), true);
    await off2.close();
    const r3 = await searchReadonly();
    assert.ok(
      r3.lines.some((l) => /faces were removed.*rebuilding/.test(l)),
      r3.lines.join('\n'),
    );
    assert.ok(!r3.out.includes(added), 'the removed face is not found');
    assert.deepEqual(r3.out, r1.out, 'the same neighbours as before it was added');

    // Another database at the same path does not reuse the graph.
    await rm(file);
    await makeStore(file, 2000, 6);
    const r4 = await searchReadonly();
    assert.ok(
      r4.lines.some((l) => /another database/.test(l)),
      r4.lines.join('\n'),
    );
    assert.ok(r4.out.every((id) => id <= 2000));
    // A damaged graph file is rebuilt.
    const graph = annFiles(file).find((f) => f.endsWith('.usearch'))!;
    await rename(join(`${file}.ann`, graph), join(work, 'moved.usearch'));
    const r5 = await searchReadonly();
    assert.ok(
      r5.lines.some((l) => /cannot load the ANN index/.test(l)),
      r5.lines.join('\n'),
    );
    assert.deepEqual(r5.out, r4.out);
  },
);

test('writes of this connection and of another are searched at once', { skip }, async () => {
  const file = join(work, 'live.sqlite');
  await makeStore(file, 2000, 7);
  const rng = mulberry32(8);
  const q = unit(rng);
  const writer = (await openStore(file, { root, ann: ANN })) as SqliteFaceStore;
  const reader = await openStore(file, { readonly: true, ann: ANN });
  const before = await ids(reader, q);
  assert.deepEqual(await ids(writer, q), before);
  // The writer adds the query itself: both connections find it first.
  await writer.putPhotos([item(50_000, q)]);
  const [top] = await writer.findNearest(q, { k: 1, model: MODEL });
  assert.equal(top.distance, 0);
  assert.equal((await ids(reader, q))[0], top.face.id);
  // Excluding it gives the earlier neighbours back.
  assert.deepEqual(await ids(reader, q, { excludeFaceIds: [top.face.id] }), before);
  // Removed again: gone for both.
  assert.equal(await writer.deletePhoto('p/50000.jpg'), true);
  assert.deepEqual(await ids(writer, q), before);
  assert.deepEqual(await ids(reader, q), before);
  await reader.close();
  await writer.close();
  const manifest = readdirSync(`${file}.ann`).find((f) => f.endsWith('.json'))!;
  const saved = JSON.parse(readFileSync(join(`${file}.ann`, manifest), 'utf8')) as {
    count: number;
  };
  assert.equal(saved.count, 2000, 'the saved graph matches the database');
});

test(
  'EXPRSIM_ANN=0, mode off and small indexes search exactly, with no graph',
  { skip },
  async () => {
    const file = join(work, 'exact.sqlite');
    await makeStore(file, 1500, 9);
    const q = unit(mulberry32(10));
    const previous = process.env.EXPRSIM_ANN;
    process.env.EXPRSIM_ANN = '0';
    try {
      const s = await openStore(file, { root, ann: { mode: 'hnsw' } });
      assert.equal((await ids(s, q)).length, 10);
      await s.close();
    } finally {
      if (previous === undefined) delete process.env.EXPRSIM_ANN;
      else process.env.EXPRSIM_ANN = previous;
    }
    const small = await openStore(file, { root });
    await ids(small, q);
    await small.close();
    assert.deepEqual(annFiles(file), [], 'below the default minFaces, no graph either');
    await assert.rejects(openStore(file, { root, ann: { mode: 'fast' as 'auto' } }), {
      code: 'E_BAD_OPTION',
    });
    await assert.rejects(openStore(file, { root, ann: { m: 1 } }), { code: 'E_BAD_OPTION' });
  },
);

test('without the usearch package, search falls back to the exact scan and says so', async () => {
  const file = join(work, 'absent.sqlite');
  await makeStore(file, 1200, 11);
  const here = fileURLToPath(new URL('.', import.meta.url));
  const script = `
    import { openStore } from ${JSON.stringify(join(here, 'open-store.ts'))};
    const s = await openStore(${JSON.stringify(file)}, { readonly: true, ann: { mode: 'hnsw' } });
    const q = new Float32Array(16); q[0] = 1;
    const a = await s.findNearest(q, { k: 5 });
    const b = await s.findNearest(q, { k: 5, exact: true });
    console.log(JSON.stringify([a.map((r) => r.face.id), b.map((r) => r.face.id)]));
    await s.close();`;
  const r = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
    encoding: 'utf8',
    env: { ...process.env, EXPRSIM_ANN_MODULE: 'exprsim-no-such-ann-package' },
  });
  assert.equal(r.status, 0, r.stderr);
  const [a, b] = JSON.parse(r.stdout.trim()) as number[][];
  assert.equal(a.length, 5);
  assert.deepEqual(a, b, 'the exact answer');
  assert.match(
    r.stderr,
    /ANN search unavailable \(the optional package exprsim-no-such-ann-package is not installed\); searching exactly/,
  );
  assert.deepEqual(annFiles(file), []);
});
