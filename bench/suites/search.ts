/**
 * Face search speed (run in its own process; no tensors involved):
 * - exact k-nearest-neighbour queries (k = 10) over 10k, 100k and 1M random 16-d unit vectors
 *   with the in-memory scan the SQLite store uses: median latency of `--queries` queries;
 * - the SQLite store at 100k faces: insert throughput (one photo with one face and a 3 KB
 *   thumbnail per transaction, as the indexer writes), cold load (open read-only, first query
 *   loads every embedding) and warm query latency including reading the face records.
 * Prints one JSON line.
 *
 *   node --import tsx bench/suites/search.ts [--sizes 10000,100000,1000000] [--queries 21]
 *     [--store-size 100000] [--quick]
 */
import { mkdtemp, rm, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { mulberry32 } from '../../src/core/prng.js';
import { openStore } from '../../src/search/open-store.js';
import { EmbeddingMatrix } from '../../src/search/top-k.js';
import type { NewFace } from '../../src/search/types.js';
import { arg, quick } from '../args.js';
import { median } from '../stats.js';

const DIM = 16;
const K = 10;
const sizes = arg('sizes', quick ? '10000,100000' : '10000,100000,1000000')
  .split(',')
  .map(Number);
const queries = Number(arg('queries', quick ? '5' : '21'));
const storeSize = Number(arg('store-size', quick ? '10000' : '100000'));

const rng = mulberry32(42);
function unit(): Float32Array {
  // Gaussian components (Box-Muller), normalised: uniform on the sphere.
  const v = new Float32Array(DIM);
  for (let i = 0; i < DIM; i += 2) {
    const r = Math.sqrt(-2 * Math.log(1 - rng()));
    const t = 2 * Math.PI * rng();
    v[i] = r * Math.cos(t);
    v[i + 1] = r * Math.sin(t);
  }
  const n = Math.hypot(...v);
  for (let i = 0; i < DIM; i++) v[i] /= n;
  return v;
}

const started = performance.now();
const scan: Record<string, unknown>[] = [];
for (const n of sizes) {
  const m = new EmbeddingMatrix(DIM, n);
  for (let i = 0; i < n; i++) m.add(i + 1, unit());
  const qs = Array.from({ length: queries + 2 }, unit);
  m.nearest(qs[0], K); // warm-up
  m.nearest(qs[1], K);
  const times: number[] = [];
  for (const q of qs.slice(2)) {
    const t0 = performance.now();
    m.nearest(q, K);
    times.push(performance.now() - t0);
  }
  const ms = median(times);
  scan.push({
    faces: n,
    k: K,
    queries,
    medianMs: ms,
    minMs: Math.min(...times),
    maxMs: Math.max(...times),
    facesPerSec: n / (ms / 1000),
    memoryMiB: m.bytes / 2 ** 20,
  });
  process.stderr.write(`search: scan ${n}: ${ms.toFixed(2)} ms/query\n`);
}

const dir = await mkdtemp(join(tmpdir(), 'exprsim-bench-search-'));
let sqlite: Record<string, unknown>;
try {
  const root = join(dir, 'photos');
  await mkdir(root);
  const db = join(dir, 'faces.sqlite');
  const thumbnail = new Uint8Array(3 * 1024).map((_, i) => (i * 31) % 256);
  const w = await openStore(db, { root });
  const t0 = performance.now();
  for (let i = 0; i < storeSize; i++) {
    const face: NewFace = {
      face: 0,
      box: { x: 10, y: 20, width: 64, height: 80 },
      score: 0.99,
      landmarks: [
        [30, 40],
        [50, 40],
        [40, 55],
        [32, 70],
        [48, 70],
      ],
      embedding: unit(),
      model: 'bench-model',
      thumbnail,
    };
    await w.putPhoto(
      {
        path: `d${Math.floor(i / 1000)}/p${i}.jpg`,
        hash: i.toString(16).padStart(64, '0'),
        size: 200_000,
        width: 1920,
        height: 1280,
        status: 'ok',
      },
      [face],
    );
  }
  const insertSec = (performance.now() - t0) / 1000;
  await w.close();
  process.stderr.write(
    `search: sqlite insert ${storeSize}: ${(storeSize / insertSec).toFixed(0)} photos/s\n`,
  );
  const { statSync } = await import('node:fs');
  const bytes = statSync(db).size;

  const coldRuns: number[] = [];
  const warm: number[] = [];
  for (let r = 0; r < (quick ? 2 : 5); r++) {
    const s = await openStore(db, { readonly: true });
    const t1 = performance.now();
    await s.findNearest(unit(), { k: K, model: 'bench-model' });
    coldRuns.push(performance.now() - t1);
    if (r === 0) {
      for (let q = 0; q < queries; q++) {
        const t2 = performance.now();
        await s.findNearest(unit(), { k: K, model: 'bench-model' });
        warm.push(performance.now() - t2);
      }
    }
    await s.close();
  }
  sqlite = {
    faces: storeSize,
    insert: {
      seconds: insertSec,
      photosPerSec: storeSize / insertSec,
      withThumbnailBytes: thumbnail.length,
    },
    fileMiB: bytes / 2 ** 20,
    coldLoad: { medianMs: median(coldRuns), runs: coldRuns.length },
    warmQuery: { medianMs: median(warm), queries: warm.length, k: K },
  };
  process.stderr.write(
    `search: sqlite cold load ${median(coldRuns).toFixed(0)} ms, warm query ${median(warm).toFixed(2)} ms\n`,
  );
} finally {
  await rm(dir, { recursive: true, force: true });
}

process.stdout.write(
  `${JSON.stringify({
    suite: 'search',
    dimension: DIM,
    quick,
    seconds: (performance.now() - started) / 1000,
    scan,
    sqlite,
  })}\n`,
);
