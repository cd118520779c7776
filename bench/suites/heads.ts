/**
 * Per-head speed at the feature-map input (run in its own process, one backend):
 * - embedding: faces/s, forward passes of batch 64 (inference mode), median over `--runs`;
 * - training: triplets/s, Adam steps of 16 triplets (48 feature maps) with the FECNet loss,
 *   median over `--train-runs`;
 * for every head and preset. Prints one JSON line. Random inputs: speed does not depend on them.
 *
 *   node --import tsx bench/suites/heads.ts [--backend wasm] [--input 7x7x1024] [--runs 5]
 *     [--train-runs 3] [--heads fecnet,densenet] [--quick]
 */
import * as tf from '@tensorflow/tfjs';
import {
  initEngine,
  createHead,
  getHeadDefinition,
  countFlops,
  countParams,
  trainStep,
  HEAD_NAMES,
  DEFAULT_FEATURE_SHAPE,
  type HeadName,
  type Shape3,
} from '../../src/index.js';
import { timeRuns } from '../stats.js';
import { arg, backendArg, quick } from '../args.js';

const backend = backendArg();
const inputShape = arg('input', DEFAULT_FEATURE_SHAPE.join('x')).split('x').map(Number) as Shape3;
const runs = Number(arg('runs', quick ? '2' : '5'));
const trainRuns = Number(arg('train-runs', quick ? '1' : '3'));
const heads = arg('heads', HEAD_NAMES.join(','))
  .split(',')
  .map((h) => getHeadDefinition(h).name);

const FORWARD_BATCH = 64;
const TRAIN_TRIPLETS = 16;

const engine = await initEngine({ backend });
const started = performance.now();
const rows: Record<string, unknown>[] = [];

for (const head of heads as HeadName[]) {
  for (const preset of getHeadDefinition(head).presets) {
    const model = createHead(head, { preset, inputShape } as never);
    const { flops } = countFlops(model);
    const params = countParams(model).trainable;
    const row: Record<string, unknown> = { head, preset, params, mflopsPerFace: flops / 1e6 };
    const x = tf.randomNormal([FORWARD_BATCH, ...inputShape], 0, 1, 'float32', 1);
    const forward = await timeRuns(
      async () => {
        const y = model.predict(x, { batchSize: FORWARD_BATCH }) as tf.Tensor;
        await y.data();
        y.dispose();
      },
      runs,
      1,
    );
    row.embed = {
      ...forward,
      facesPerSec: FORWARD_BATCH / forward.median,
      gflopsPerSec: (FORWARD_BATCH * flops) / forward.median / 1e9,
    };
    x.dispose();
    const optimizer = tf.train.adam(1e-3);
    const inputs = tf.randomNormal([3 * TRAIN_TRIPLETS, ...inputShape], 0, 1, 'float32', 2);
    try {
      const train = await timeRuns(
        () => trainStep(model, optimizer, { inputs, margins: 0.2 }),
        trainRuns,
        1,
      );
      row.train = { ...train, tripletsPerSec: TRAIN_TRIPLETS / train.median };
    } catch (e) {
      row.train = { error: (e as Error).message.split('\n')[0] };
    }
    inputs.dispose();
    optimizer.dispose();
    model.dispose();
    rows.push(row);
    process.stderr.write(
      `heads: ${head} ${preset}: ${(row.embed as { facesPerSec: number }).facesPerSec.toFixed(0)} faces/s\n`,
    );
  }
}

process.stdout.write(
  `${JSON.stringify({
    suite: 'heads',
    backend: engine.backend,
    simd: engine.simd,
    threads: engine.threads,
    input: inputShape,
    forwardBatch: FORWARD_BATCH,
    trainTriplets: TRAIN_TRIPLETS,
    runs,
    trainRuns,
    quick,
    seconds: (performance.now() - started) / 1000,
    heads: rows,
  })}\n`,
);
