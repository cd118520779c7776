/**
 * Approximate nearest neighbours at scale (run in its own process; no tensors): `--faces`
 * clustered 16-d unit vectors (`--clusters` centres, Gaussian spread `--spread` per dimension,
 * renormalised: nearer to real embeddings than uniform points, which have no structure) in
 *
 * - the SQLite store, written with its bulk API (`putPhotos`, 20k photos a transaction):
 *   exact scan vs the usearch HNSW graph (built by the closing writer and saved beside the file):
 *   build seconds, graph MiB, median ms/query and recall@10 at several efSearch;
 * - PostgreSQL + pgvector (a throwaway cluster, test/fixtures/search/postgres.ts; skipped without
 *   it): exact `ORDER BY <->` vs the HNSW index: the same figures;
 * - the HTTP API (src/serve, a child process on loopback) on the SQLite index: POST /api/search
 *   with an embedding (k = 10), exact (EXPRSIM_ANN=0) vs ANN: requests/s, p50/p99 latency.
 *
 * Recall@10 = the share of the exact 10 nearest (an in-memory exact scan) that the ANN search
 * returns, over `--queries` new points of the same distribution. Prints one JSON line.
 *
 *   node --import tsx bench/suites/ann.ts [--faces 1000000] [--queries 200] [--latency 501]
 *     [--clusters 2000] [--spread 0.12] [--only sqlite,http,pg] [--seconds 10] [--quick]
 */
import autocannon from 'autocannon';
import { spawn } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { setLogLevel } from '../../src/core/logger.js';
import { mulberry32, type Rng } from '../../src/core/prng.js';
import { openStore } from '../../src/search/open-store.js';
import { EmbeddingMatrix } from '../../src/search/top-k.js';
import type { SqliteFaceStore } from '../../src/search/sqlite-store.js';
import type { FaceStore } from '../../src/search/types.js';
import { bulkInsertPostgres, syntheticPhoto } from '../../test/fixtures/search/bulk-faces.js';
import { startPostgres } from '../../test/fixtures/search/postgres.js';
import { arg, quick } from '../args.js';
import { median } from '../stats.js';

const DIM = 16;
const K = 10;
const MODEL = 'synthetic-ann';
const faces = Number(arg('faces', quick ? '50000' : '1000000'));
const queries = Number(arg('queries', quick ? '50' : '200'));
const latencyQueries = Number(arg('latency', quick ? '51' : '501'));
const clusters = Number(arg('clusters', '2000'));
const spread = Number(arg('spread', '0.12'));
const parts = arg('only', 'sqlite,http,pg').split(',');
const withSqlite = parts.includes('sqlite') || parts.includes('http');
const withPg = parts.includes('pg');
const withHttp = parts.includes('http');
const seconds = Number(arg('seconds', quick ? '3' : '10'));
const connections = Number(arg('connections', '8'));
const EFS = [16, 32, 64, 128, 256];
const log = (m: string) => process.stderr.write(`bench ann: ${m}\n`);
setLogLevel('info');

function gauss(rng: Rng): number {
  return Math.sqrt(-2 * Math.log(1 - rng())) * Math.cos(2 * Math.PI * rng());
}
function normalise(v: Float32Array): Float32Array {
  const n = Math.hypot(...v);
  for (let i = 0; i < v.length; i++) v[i] /= n;
  return v;
}
const centreRng = mulberry32(7);
const centres = Array.from({ length: clusters }, () =>
  normalise(Float32Array.from({ length: DIM }, () => gauss(centreRng))),
);
/** A point of the mixture: a random centre plus Gaussian noise, on the unit sphere. */
function point(rng: Rng): Float32Array {
  const c = centres[Math.floor(rng() * clusters)];
  return normalise(Float32Array.from(c, (x) => x + spread * gauss(rng)));
}
function* dataset(): Generator<{ i: number; embedding: Float32Array }> {
  const rng = mulberry32(11);
  for (let i = 0; i < faces; i++) yield { i, embedding: point(rng) };
}
const qrng = mulberry32(13);
const recallQueries = Array.from({ length: queries }, () => point(qrng));
const timingQueries = Array.from({ length: latencyQueries }, () => point(qrng));

const dir = await mkdtemp(join(tmpdir(), 'exprsim-bench-ann-'));
const file = join(dir, 'faces.sqlite');
const seconds1 = (t: number) => Number(((performance.now() - t) / 1000).toFixed(1));
const folderMiB = (d: string) =>
  readdirSync(d).reduce((s, f) => s + statSync(join(d, f)).size, 0) / 2 ** 20;

/** Median ms/query over the timing queries (after 5 warm-up queries), and recall@10 vs `truth`. */
async function measure(
  store: FaceStore,
  truth: number[][] | undefined,
  extra: { efSearch?: number; exact?: boolean },
  timed = timingQueries,
): Promise<{ medianMs: number; p99Ms: number; recall?: number }> {
  for (const q of timingQueries.slice(0, 5)) await store.findNearest(q, { k: K, ...extra });
  const ms: number[] = [];
  for (const q of timed) {
    const t = performance.now();
    await store.findNearest(q, { k: K, ...extra });
    ms.push(performance.now() - t);
  }
  let hits = 0;
  for (let i = 0; truth !== undefined && i < recallQueries.length; i++) {
    const got = (await store.findNearest(recallQueries[i], { k: K, ...extra })).map(
      (r) => r.face.id,
    );
    hits += got.filter((id) => truth[i].includes(id)).length;
  }
  ms.sort((a, b) => a - b);
  return {
    medianMs: Number(median(ms).toFixed(3)),
    p99Ms: Number(ms[Math.min(ms.length - 1, Math.floor(ms.length * 0.99))].toFixed(3)),
    ...(truth ? { recall: Number((hits / (recallQueries.length * K)).toFixed(4)) } : {}),
  };
}

const out: Record<string, unknown> = {
  faces,
  dimension: DIM,
  k: K,
  data: { clusters, spread, queries, latencyQueries },
};
const started = performance.now();
// The true 10 nearest of each recall query (face id = photo i + 1: one face a photo, in order).
const truth: number[][] = (() => {
  const m = new EmbeddingMatrix(DIM, faces);
  for (const f of dataset()) m.add(f.i + 1, f.embedding);
  return recallQueries.map((q) => m.nearest(q, K).map((r) => r.id));
})();
let t = performance.now();
try {
  // --- SQLite: write, exact, ANN.
  if (withSqlite) {
    {
      const w = (await openStore(file, { root: dir, ann: { mode: 'off' } })) as SqliteFaceStore;
      let batch: ReturnType<typeof syntheticPhoto>[] = [];
      for (const f of dataset()) {
        batch.push(syntheticPhoto(f.i, f.embedding, MODEL));
        if (batch.length === 20_000) {
          await w.putPhotos(batch);
          batch = [];
        }
      }
      if (batch.length > 0) await w.putPhotos(batch);
      await w.close();
    }
    const insertSeconds = seconds1(t);
    log(`${faces} faces into SQLite in ${insertSeconds} s`);
    const exactStore = await openStore(file, { readonly: true, ann: { mode: 'off' } });
    t = performance.now();
    await exactStore.findNearest(recallQueries[0], { k: K });
    const exactLoadMs = performance.now() - t;
    const exact = await measure(exactStore, truth, {});
    await exactStore.close();
    log(`SQLite exact: ${exact.medianMs} ms/query`);

    t = performance.now();
    // The closing writer builds and saves the graph ('hnsw': at any size, for --quick runs).
    await (await openStore(file, { root: dir, ann: { mode: 'hnsw' } })).close();
    const annBuildSeconds = seconds1(t);
    const annMiB = folderMiB(`${file}.ann`);
    log(`usearch graph built and saved in ${annBuildSeconds} s (${annMiB.toFixed(0)} MiB)`);
    const annStore = await openStore(file, { readonly: true, ann: { mode: 'hnsw' } });
    t = performance.now();
    await annStore.findNearest(recallQueries[0], { k: K });
    const annLoadMs = performance.now() - t;
    const annRows: Record<string, unknown>[] = [];
    for (const ef of EFS) {
      const m = await measure(annStore, truth, { efSearch: ef });
      annRows.push({ efSearch: ef, medianMs: m.medianMs, p99Ms: m.p99Ms, recall: m.recall });
      log(`usearch ef ${ef}: ${m.medianMs} ms/query, recall@10 ${m.recall}`);
    }
    await annStore.close();
    out.sqlite = {
      insertSeconds,
      fileMiB: Number((statSync(file).size / 2 ** 20).toFixed(1)),
      exact: {
        medianMs: exact.medianMs,
        p99Ms: exact.p99Ms,
        recall: exact.recall,
        firstQueryMs: Math.round(exactLoadMs),
      },
      usearch: {
        buildSeconds: annBuildSeconds,
        indexMiB: Number(annMiB.toFixed(1)),
        firstQueryMs: Math.round(annLoadMs),
        m: 16,
        efConstruction: 64,
        runs: annRows,
      },
    };

    // --- HTTP: the real server on the SQLite index, exact and ANN.
    if (withHttp) {
      const rows: Record<string, unknown>[] = [];
      for (const [name, env] of [
        ['exact (EXPRSIM_ANN=0)', { EXPRSIM_ANN: '0' }],
        ['usearch HNSW (default)', {}],
      ] as const) {
        const child = spawn(
          process.execPath,
          ['--import', 'tsx', fileURLToPath(new URL('./serve-child.ts', import.meta.url)), file],
          { stdio: ['pipe', 'pipe', 'inherit'], env: { ...process.env, ...env } },
        );
        try {
          const url = await new Promise<string>((done, fail) => {
            const lines = createInterface({ input: child.stdout! });
            lines.once('line', (l) => done((JSON.parse(l) as { url: string }).url));
            child.once('exit', (code) => fail(new Error(`the server exited with ${code}`)));
          });
          if (!/^http:\/\/127\.0\.0\.1:\d+$/.test(url)) throw new Error(`not loopback: ${url}`);
          let n = 0;
          const body = () =>
            JSON.stringify({
              embedding: Array.from(timingQueries[n++ % timingQueries.length]),
              k: K,
            });
          const load = (duration: number) =>
            autocannon({
              url: `${url}/api/search`,
              connections,
              duration,
              timeout: 20,
              requests: [
                {
                  method: 'POST',
                  headers: { 'content-type': 'application/json' },
                  setupRequest: (req) => ({ ...req, body: body() }),
                },
              ],
            });
          await load(3); // warm-up: the first request loads the embeddings or the graph
          const r = await load(seconds);
          rows.push({
            scenario: name,
            requestsPerSec: r.requests.average,
            latencyMs: { p50: r.latency.p50, p99: r.latency.p99, max: r.latency.max },
            requests: r.requests.total,
            failed: r.non2xx + r.errors,
          });
          log(
            `HTTP ${name}: ${r.requests.average} req/s, p50 ${r.latency.p50} ms, p99 ${r.latency.p99} ms`,
          );
        } finally {
          child.stdin!.end();
          child.kill('SIGTERM');
        }
      }
      out.http = { connections, seconds, k: K, scenarios: rows };
    }
  }

  // --- PostgreSQL + pgvector.
  if (withPg) {
    const server = await startPostgres();
    if (server.skip !== false || server.server === undefined) {
      out.postgres = { skipped: server.skip };
    } else {
      try {
        const url = await server.server.createDatabase();
        await (await openStore(url, { root: dir })).close();
        t = performance.now();
        await bulkInsertPostgres(url, dataset(), MODEL);
        const pgInsertSeconds = seconds1(t);
        log(`${faces} faces into PostgreSQL in ${pgInsertSeconds} s`);
        const pgExactStore = await openStore(url, { readonly: true, ann: { mode: 'off' } });
        // Exact scans cost a whole table scan each: fewer timed queries, no recall (it is 1).
        const pgExact = await measure(
          pgExactStore,
          undefined,
          { exact: true },
          timingQueries.slice(0, 21),
        );
        await pgExactStore.close();
        log(`PostgreSQL exact: ${pgExact.medianMs} ms/query`);
        t = performance.now();
        await (await openStore(url, { root: dir, ann: { mode: 'hnsw' } })).close();
        const hnswBuildSeconds = seconds1(t);
        const c = new pg.Client({ connectionString: url });
        await c.connect();
        const size = await c.query<{ b: string; t: string }>(
          "SELECT pg_relation_size('exprsim_faces_hnsw') AS b, pg_total_relation_size('exprsim_faces') AS t",
        );
        await c.end();
        log(`HNSW index built in ${hnswBuildSeconds} s`);
        const hnswStore = await openStore(url, { readonly: true });
        const hnswRows: Record<string, unknown>[] = [];
        for (const ef of EFS) {
          const m = await measure(hnswStore, truth, { efSearch: ef });
          hnswRows.push({ efSearch: ef, medianMs: m.medianMs, p99Ms: m.p99Ms, recall: m.recall });
          log(`pgvector HNSW ef ${ef}: ${m.medianMs} ms/query, recall@10 ${m.recall}`);
        }
        await hnswStore.close();
        out.postgres = {
          insertSeconds: pgInsertSeconds,
          exact: { medianMs: pgExact.medianMs, p99Ms: pgExact.p99Ms, timedQueries: 21 },
          hnsw: {
            buildSeconds: hnswBuildSeconds,
            indexMiB: Number((Number(size.rows[0].b) / 2 ** 20).toFixed(1)),
            tableMiB: Number((Number(size.rows[0].t) / 2 ** 20).toFixed(1)),
            m: 16,
            efConstruction: 64,
            runs: hnswRows,
          },
        };
      } finally {
        await server.server.stop();
      }
    }
  }
} finally {
  await rm(dir, { recursive: true, force: true });
}
out.totalSeconds = seconds1(started);
process.stdout.write(`${JSON.stringify(out)}\n`);
