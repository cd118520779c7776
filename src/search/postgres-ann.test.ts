// The PostgreSQL store's pgvector HNSW index: made by a closing writer past ann.minFaces (or at
// any size with mode 'hnsw'), recall@10 against the exact scan, ef_search per query, filters
// (model version, excluded faces) and removals through the index. A throwaway cluster; skipped
// with the reason without PostgreSQL or pgvector (a failure with EXPRSIM_REQUIRE_POSTGRES=1).
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import {
  bulkInsertPostgres,
  randomUnit as unit,
  syntheticPhoto,
} from '../../test/fixtures/search/bulk-faces.js';
import { startPostgres } from '../../test/fixtures/search/postgres.js';
import { setLogLevel, setLogSink } from '../core/logger.js';
import { mulberry32 } from '../core/prng.js';
import { openStore } from './open-store.js';
import type { PostgresFaceStore } from './postgres-store.js';
import type { FaceStore } from './types.js';

const server = await startPostgres();
after(() => server.server?.stop());
const skip = server.skip;
const work = await mkdtemp(join(tmpdir(), 'exprsim-pg-ann-'));
after(() => rm(work, { recursive: true, force: true }));
const root = join(work, 'photos');
await mkdir(root);
const MODEL = 'ann-test-0000000000000000';
const item = (i: number, embedding: Float32Array, model = MODEL) =>
  syntheticPhoto(i, embedding, model);

/** `n` random unit vectors as faces of photos from..from+n-1 (set-based INSERTs, see the fixture). */
async function fill(url: string, n: number, seed: number, from = 0): Promise<void> {
  const rng = mulberry32(seed);
  function* faces() {
    for (let i = 0; i < n; i++) yield { i: from + i, embedding: unit(rng) };
  }
  await bulkInsertPostgres(url, faces(), MODEL);
}

async function hasHnsw(url: string): Promise<boolean> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    const r = await c.query<{ t: string | null }>(
      "SELECT to_regclass('exprsim_faces_hnsw')::text AS t",
    );
    return r.rows[0].t !== null;
  } finally {
    await c.end();
  }
}

async function ids(store: FaceStore, q: Float32Array, extra: object = {}): Promise<number[]> {
  return (await store.findNearest(q, { k: 10, ...extra })).map((r) => r.face.id);
}

test(
  'a closing writer builds the HNSW index past minFaces; recall@10 ≥ 0.95 on 20k faces',
  { skip },
  async (t) => {
    const url = await server.server!.createDatabase();
    const lines: string[] = [];
    const w = await openStore(url, { root, ann: { minFaces: 10_000 } });
    await fill(url, 20_000, 1);
    setLogLevel('info');
    setLogSink((level, m) => lines.push(m));
    try {
      await w.close();
    } finally {
      setLogSink(undefined);
      setLogLevel('warn');
    }
    assert.ok(await hasHnsw(url), 'the index exists');
    assert.ok(
      lines.some((l) => /built the HNSW index of 20000 faces/.test(l)),
      lines.join('\n'),
    );

    const store = await openStore(url, { readonly: true });
    const rng = mulberry32(2);
    let hits = 0;
    let low = 0;
    const queries = 100;
    for (let i = 0; i < queries; i++) {
      const q = unit(rng);
      const exact = await store.findNearest(q, { k: 10, exact: true });
      const approx = await store.findNearest(q, { k: 10 });
      assert.equal(approx.length, 10);
      const truth = new Map(exact.map((r) => [r.face.id, r.distance]));
      for (const r of approx) {
        if (!truth.has(r.face.id)) continue;
        hits++;
        assert.ok(Math.abs(r.distance - truth.get(r.face.id)!) < 1e-6, 'the same distance');
      }
      low += (await ids(store, q, { efSearch: 1 })).filter((id) => truth.has(id)).length;
    }
    const recall = hits / (queries * 10);
    t.diagnostic(`recall@10 ${recall} (ef_search 64), ${low / (queries * 10)} with ef_search 1`);
    assert.ok(recall >= 0.95, `recall@10 ${recall}`);
    assert.ok(low < hits, 'a tiny ef_search finds fewer: the index is what answers');
    await store.close();
  },
);

test('HNSW searches keep the model filter, exclusions and removals', { skip }, async () => {
  const url = await server.server!.createDatabase();
  const w = (await openStore(url, { root, ann: { mode: 'hnsw' } })) as PostgresFaceStore;
  await fill(url, 3000, 3);
  // A few faces of another model version.
  const rng = mulberry32(4);
  await w.putPhotos(Array.from({ length: 20 }, (_, i) => item(10_000 + i, unit(rng), 'other')));
  assert.equal(await w.ensureHnsw(), true);
  assert.ok(await hasHnsw(url));
  const q = unit(rng);
  const other = await w.findNearest(q, { k: 10, model: 'other' });
  assert.equal(other.length, 10, 'the iterative scan goes past the faces of the main model');
  assert.ok(other.every((r) => r.face.model === 'other'));
  const before = await ids(w, q, { model: MODEL });
  const skipped = await ids(w, q, { model: MODEL, excludeFaceIds: [before[0]] });
  assert.equal(skipped.length, 10);
  assert.ok(!skipped.includes(before[0]));
  // A face equal to the query comes first, and is gone once its photo is deleted.
  await w.putPhoto(item(20_000, q).photo, item(20_000, q).faces);
  const [top] = await w.findNearest(q, { k: 1, model: MODEL });
  assert.equal(top.distance, 0);
  assert.equal(await w.deletePhoto('p/20000.jpg'), true);
  assert.deepEqual(await ids(w, q, { model: MODEL }), before);
  await w.close();
});

test(
  'below minFaces, or with mode off, a closing writer leaves the table without an index',
  { skip },
  async () => {
    const url = await server.server!.createDatabase();
    const w = await openStore(url, { root });
    await fill(url, 500, 5);
    await w.close();
    assert.equal(await hasHnsw(url), false, 'under the default minFaces');
    const off = await openStore(url, { root, ann: { mode: 'off', minFaces: 10 } });
    await off.close();
    assert.equal(await hasHnsw(url), false, 'mode off');
    const on = await openStore(url, { root, ann: { minFaces: 100 } });
    const q = unit(mulberry32(6));
    const exact = await ids(on, q);
    await on.close();
    assert.equal(await hasHnsw(url), true, 'past minFaces 100');
    const r = await openStore(url, { readonly: true, ann: { mode: 'off' } });
    assert.deepEqual(await ids(r, q), exact, 'mode off: the exact scan');
    await r.close();
  },
);
