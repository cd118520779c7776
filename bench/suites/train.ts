/**
 * Training throughput, one process vs data-parallel worker processes (src/train/replicas.ts):
 * triplets/s of full optimiser steps (gradient of the FECNet loss, Adam update, and for workers
 * the weight broadcast and gradient averaging), median over `--steps` timed steps after one
 * warm-up step. Two heads:
 * - the reference head of the foundation issue (src/models/reference-head.ts): input
 *   [12, 12, 512], 32 triplets per step (PyTorch: ~1.7 steps/s on this CPU);
 * - a study head: se-densenet shallow on 48x48 grey pixels (FER2013 faces), stem stride 2,
 *   32 triplets (at stride 1, 96 faces of 48x48 exceed what one wasm heap can train: tfjs-wasm
 *   fails with "memory access out of bounds"; 16 triplets per process work).
 * Inputs are seeded random tensors from a fixed pool of keys (speed does not depend on values).
 * Each head is measured in its own child process (a wasm heap grown by one head can fail the
 * next). Prints one JSON line.
 *
 *   node --import tsx bench/suites/train.ts [--backend wasm] [--steps 5] [--workers 2] [--quick]
 */
import * as tf from '@tensorflow/tfjs';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import {
  createHead,
  createReferenceHead,
  initEngine,
  kernelsLabel,
  LocalReplicas,
  RandomInputSource,
  TrainOptimizer,
  WorkerReplicas,
  type RandomInputSpec,
  type Replicas,
} from '../../src/index.js';
import { median } from '../stats.js';
import { arg, backendArg, quick } from '../args.js';

const backend = backendArg();
const steps = Number(arg('steps', quick ? '2' : '4'));
const workers = Number(arg('workers', '2'));
const TRIPLETS = 32;

const engine = await initEngine({ backend });
const started = performance.now();

interface Case {
  name: string;
  build: () => tf.LayersModel;
  spec: RandomInputSpec;
}

const cases: Case[] = [
  {
    name: 'reference-head',
    build: () => createReferenceHead(),
    spec: { kind: 'random', shape: [12, 12, 512], seed: 1 },
  },
  {
    name: 'se-densenet-shallow-48x48x1-stride2',
    build: () =>
      createHead('se-densenet', {
        preset: 'shallow',
        inputMode: 'pixels',
        inputShape: [48, 48, 1],
        stemStride: 2,
      }),
    spec: { kind: 'random', shape: [48, 48, 1], seed: 1 },
  },
];

// A pool of 4 batches' worth of keys, cycled (inputs are generated once per key).
const batchKeys = (s: number) =>
  Array.from({ length: 3 * TRIPLETS }, (_, i) => `k${(s % 4) * 3 * TRIPLETS + i}`);
const margins = new Float32Array(TRIPLETS).fill(0.2);

async function timeSteps(model: tf.LayersModel, r: Replicas): Promise<number[]> {
  const opt = new TrainOptimizer({
    name: 'adam',
    weightDecay: 0,
    momentum: 0,
    nesterov: false,
    beta1: 0.9,
    beta2: 0.999,
    epsilon: 1e-8,
  });
  const vars = model.trainableWeights.map((w) => w.read() as tf.Variable);
  const times: number[] = [];
  // Warm-up: one step per key batch, so every input is generated (and every kernel compiled)
  // before timing.
  for (let s = 0; s < steps + 4; s++) {
    const t0 = performance.now();
    const { grads } = await r.gradients(batchKeys(s), margins);
    opt.apply(vars, grads, 1e-3);
    tf.dispose(grads);
    if (s >= 4) times.push((performance.now() - t0) / 1000);
  }
  opt.dispose();
  return times;
}

async function measure(c: Case): Promise<Record<string, unknown>> {
  const model = c.build();
  const single = await timeSteps(
    model,
    new LocalReplicas(model, new RandomInputSource(c.spec), 'fec'),
  );
  const pool = await WorkerReplicas.start(model, c.spec, {
    workers,
    loss: 'fec',
    backend: engine.backend,
  });
  let multi: number[];
  try {
    multi = await timeSteps(model, pool);
  } finally {
    await pool.close();
  }
  model.dispose();
  const s = TRIPLETS / median(single);
  const m = TRIPLETS / median(multi);
  process.stderr.write(
    `train: ${c.name}: ${s.toFixed(1)} triplets/s single, ${m.toFixed(1)} with ${workers} workers (x${(m / s).toFixed(2)})\n`,
  );
  return {
    head: c.name,
    input: c.spec.shape,
    kernels: kernelsLabel(engine),
    triplets: TRIPLETS,
    single: { medianSec: median(single), tripletsPerSec: s, stepsPerSec: 1 / median(single) },
    workers: {
      n: workers,
      medianSec: median(multi),
      tripletsPerSec: m,
      stepsPerSec: 1 / median(multi),
    },
    speedup: m / s,
  };
}

const only = arg('case', '');
if (only !== '') {
  // Child: one case, its row as JSON on stdout.
  process.stdout.write(`${JSON.stringify(await measure(cases[Number(only)]))}\n`);
  process.exit(0);
}
const rows: Record<string, unknown>[] = [];
// Each case on wasm alone, then with the native BLAS kernels (skipped when they are not built).
const variants = [{ EXPRSIM_NATIVE: '0' }, ...(engine.native?.loaded === true ? [{}] : [])];
for (let j = 0; j < cases.length * variants.length; j++) {
  const i = Math.floor(j / variants.length);
  const r = spawnSync(
    process.execPath,
    [
      '--import',
      'tsx',
      fileURLToPath(import.meta.url),
      '--case',
      String(i),
      ...process.argv.slice(2),
    ],
    {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'inherit'],
      env: { ...process.env, ...variants[j % variants.length] },
    },
  );
  const line = r.stdout.trim().split('\n').at(-1) ?? '';
  rows.push(
    r.status === 0 && line.startsWith('{')
      ? (JSON.parse(line) as Record<string, unknown>)
      : { head: cases[i].name, error: `exit ${r.status ?? r.signal}` },
  );
}

process.stdout.write(
  `${JSON.stringify({
    suite: 'train',
    backend: engine.backend,
    simd: engine.simd,
    threads: engine.threads,
    steps,
    quick,
    seconds: (performance.now() - started) / 1000,
    heads: rows,
  })}\n`,
);
