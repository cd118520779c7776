/**
 * Engine benchmarks on one backend (run in its own process by bench/run.ts):
 * matmul 1024x1024 GFLOP/s; the reference head's training steps/s (32 triplets = 96 embeddings,
 * Adam, FECNet loss); forward embeddings/s at batch 96 and latency at batch 1.
 */
import * as tf from '@tensorflow/tfjs';
import { initEngine, createReferenceHead, trainStep } from '../../src/index.js';
import { timeRuns } from '../stats.js';
import { arg, backendArg } from '../args.js';

const backend = backendArg();
const runs = Number(arg('runs', '7'));
const trainRuns = Number(arg('train-runs', String(runs)));
const trainWarmup = Number(arg('train-warmup', '2'));
const suites = arg('suites', 'matmul,train,embed').split(',');

const engine = await initEngine({ backend });
const out: Record<string, unknown> = {
  backend: engine.backend,
  simd: engine.simd,
  threads: engine.threads,
  trainingKernels: engine.trainingKernels,
  native: engine.native,
};

if (suites.includes('matmul')) {
  const n = 1024;
  const a = tf.randomNormal([n, n], 0, 1, 'float32', 1);
  const b = tf.randomNormal([n, n], 0, 1, 'float32', 2);
  const t = await timeRuns(
    async () => {
      const c = tf.matMul(a, b);
      await c.data();
      c.dispose();
    },
    runs,
    2,
  );
  out.matmul1024 = { ...t, gflops: (2 * n ** 3) / t.median / 1e9 };
  a.dispose();
  b.dispose();
}

const model = createReferenceHead({ seed: 1 });
if (suites.includes('train')) {
  const optimizer = tf.train.adam(1e-3);
  const inputs = tf.randomNormal([96, 12, 12, 512], 0, 1, 'float32', 3);
  try {
    const t = await timeRuns(
      () => trainStep(model, optimizer, { inputs, margins: 0.2 }),
      trainRuns,
      trainWarmup,
    );
    out.trainStep = { ...t, stepsPerSec: 1 / t.median, tripletsPerSec: 32 / t.median };
  } catch (e) {
    out.trainStep = { error: (e as Error).message.split('\n')[0] };
  }
  inputs.dispose();
  optimizer.dispose();
}

if (suites.includes('embed')) {
  const x96 = tf.randomNormal([96, 12, 12, 512], 0, 1, 'float32', 4);
  const x1 = tf.randomNormal([1, 12, 12, 512], 0, 1, 'float32', 5);
  const run = (x: tf.Tensor) => async () => {
    const y = model.predict(x) as tf.Tensor;
    await y.data();
    y.dispose();
  };
  const t96 = await timeRuns(run(x96), runs, 2);
  const t1 = await timeRuns(run(x1), Math.max(runs, 15), 3);
  out.embedBatch96 = { ...t96, embeddingsPerSec: 96 / t96.median };
  out.embedBatch1 = { ...t1, latencyMs: t1.median * 1000 };
}

process.stdout.write(`${JSON.stringify(out)}\n`);
