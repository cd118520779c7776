/**
 * Load test of the search endpoint on loopback: an index of synthetic faces (random unit 16-d
 * embeddings written straight into an SQLite store), the server in a child process on
 * 127.0.0.1, and autocannon sending POST /api/search for a bounded time with a bounded number of
 * connections. Two queries: by a face of the index ({faceId}, k = 10) and by an embedding
 * ({embedding}, k = 100). Reports requests/s and latency percentiles, medians over `--repeats`
 * runs after a warm-up. Prints one JSON line.
 *
 *   node --import tsx bench/suites/serve.ts [--faces 10000] [--connections 8] [--seconds 10]
 *     [--repeats 3] [--quick]
 */
import autocannon from 'autocannon';
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { openStore } from '../../src/search/index.js';
import { median } from '../stats.js';
import { arg, quick } from '../args.js';

const faces = Number(arg('faces', '10000'));
const connections = Number(arg('connections', '8'));
const seconds = Number(arg('seconds', quick ? '3' : '10'));
const repeats = Number(arg('repeats', quick ? '1' : '3'));
const warmupSeconds = quick ? 1 : 3;
const FACES_PER_PHOTO = 20;
const DIM = 16;
const MODEL = 'synthetic';

// Seeded random unit vectors: the same index every run.
let state = 12345;
const rand = () => {
  state = (Math.imul(state, 1103515245) + 12345) >>> 0;
  return state / 2 ** 32;
};
const unit = () => {
  const v = Float32Array.from({ length: DIM }, () => rand() * 2 - 1);
  const n = Math.hypot(...v);
  return v.map((x) => x / n);
};

const dir = await mkdtemp(join(tmpdir(), 'exprsim-bench-serve-'));
const location = join(dir, 'faces.sqlite');
const started = performance.now();
{
  const store = await openStore(location, { root: dir });
  for (let p = 0; p * FACES_PER_PHOTO < faces; p++) {
    const n = Math.min(FACES_PER_PHOTO, faces - p * FACES_PER_PHOTO);
    await store.putPhoto(
      {
        path: `synthetic/${p}.jpg`,
        hash: p.toString(16).padStart(64, '0'),
        size: 1,
        width: 640,
        height: 480,
        status: 'ok',
      },
      Array.from({ length: n }, (_, i) => ({
        face: i,
        box: { x: 10 * i, y: 10, width: 40, height: 40 },
        score: 0.99,
        embedding: unit(),
        model: MODEL,
      })),
    );
  }
  await store.close();
}
const buildSeconds = (performance.now() - started) / 1000;
process.stderr.write(`bench serve: ${faces} faces indexed in ${buildSeconds.toFixed(1)} s\n`);

const child = spawn(
  process.execPath,
  ['--import', 'tsx', fileURLToPath(new URL('./serve-child.ts', import.meta.url)), location],
  { stdio: ['pipe', 'pipe', 'inherit'] },
);
const url = await new Promise<string>((done, fail) => {
  const lines = createInterface({ input: child.stdout! });
  lines.once('line', (l) => done((JSON.parse(l) as { url: string }).url));
  child.once('exit', (code) => fail(new Error(`the server exited with ${code}`)));
});
if (!/^http:\/\/127\.0\.0\.1:\d+$/.test(url)) throw new Error(`not a loopback URL: ${url}`);

interface Scenario {
  name: string;
  body: () => string;
}
const scenarios: Scenario[] = [
  {
    name: 'faceId, k=10',
    body: () => JSON.stringify({ faceId: 1 + Math.floor(rand() * faces), k: 10 }),
  },
  {
    name: 'embedding, k=100',
    body: () => JSON.stringify({ embedding: Array.from(unit()), k: 100 }),
  },
];

function load(s: Scenario, duration: number): Promise<autocannon.Result> {
  return autocannon({
    url: `${url}/api/search`,
    connections,
    duration,
    // Bounded on both ends: autocannon stops at `duration`; a stuck request times out.
    timeout: 10,
    requests: [
      {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        setupRequest: (req) => ({ ...req, body: s.body() }),
      },
    ],
  });
}

const rows: Record<string, unknown>[] = [];
try {
  for (const s of scenarios) {
    await load(s, warmupSeconds);
    const runs: autocannon.Result[] = [];
    for (let i = 0; i < repeats; i++) runs.push(await load(s, seconds));
    const bad = runs.reduce((n, r) => n + r.non2xx + r.errors, 0);
    rows.push({
      scenario: s.name,
      requestsPerSec: median(runs.map((r) => r.requests.average)),
      latencyMs: {
        p50: median(runs.map((r) => r.latency.p50)),
        p99: median(runs.map((r) => r.latency.p99)),
        max: Math.max(...runs.map((r) => r.latency.max)),
      },
      requests: runs.reduce((n, r) => n + r.requests.total, 0),
      failed: bad,
      perRun: runs.map((r) => ({ rps: r.requests.average, p99: r.latency.p99 })),
    });
    process.stderr.write(
      `bench serve: ${s.name}: ${rows.at(-1)!.requestsPerSec} req/s, p99 ${String((rows.at(-1)!.latencyMs as { p99: number }).p99)} ms\n`,
    );
  }
} finally {
  child.stdin!.end();
  child.kill('SIGTERM');
  await rm(dir, { recursive: true, force: true });
}

process.stdout.write(
  `${JSON.stringify({
    faces,
    dim: DIM,
    connections,
    seconds,
    repeats,
    buildSeconds,
    scenarios: rows,
  })}\n`,
);
