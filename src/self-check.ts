import * as tf from '@tensorflow/tfjs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { initEngine, type EngineConfig, type EngineInfo } from './engine/backend.js';
import { fileIO } from './engine/file-io.js';
import { createReferenceHead } from './models/reference-head.js';
import { trainStep } from './train/train-step.js';
import type { ProgressCallback } from './progress.js';

export interface SelfCheckResult {
  engine: EngineInfo;
  /** Loss of each training step. */
  losses: number[];
  lossDecreased: boolean;
  /** Max abs difference of embeddings before saving and after loading the model. */
  reloadMaxDiff: number;
  /** Tensors alive after the run minus before (0 means no leak). */
  leakedTensors: number;
  ok: boolean;
}

/**
 * A tiny end-to-end run of the machinery: pick the backend, train a small reference head for a
 * few steps on a fixed random batch (the loss must fall), save it to disk and load it back
 * (embeddings must match), and count tensors (none may leak).
 */
export async function runSelfCheck(
  config: EngineConfig & { steps?: number; onProgress?: ProgressCallback } = {},
): Promise<SelfCheckResult> {
  const engine = await initEngine(config);
  const steps = config.steps ?? 8;
  const before = tf.memory().numTensors;
  const model = createReferenceHead({ inputShape: [6, 6, 32], layers: 2, growth: 8, seed: 7 });
  const optimizer = tf.train.adam(1e-3);
  const inputs = tf.randomNormal([3 * 4, 6, 6, 32], 0, 1, 'float32', 42);
  const losses: number[] = [];
  for (let i = 0; i < steps; i++) {
    losses.push(trainStep(model, optimizer, { inputs, margins: 0.2 }));
    config.onProgress?.({ done: i + 1, total: steps, label: 'self-check training' });
  }
  const dir = await mkdtemp(join(tmpdir(), 'exprsim-self-check-'));
  let reloadMaxDiff: number;
  try {
    await model.save(fileIO(dir));
    const loaded = await tf.loadLayersModel(fileIO(dir));
    reloadMaxDiff = tf.tidy(() => {
      const a = model.predict(inputs) as tf.Tensor;
      const b = loaded.predict(inputs) as tf.Tensor;
      return tf.max(tf.abs(tf.sub(a, b))).dataSync()[0];
    });
    loaded.dispose();
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
  model.dispose();
  optimizer.dispose();
  inputs.dispose();
  const leakedTensors = tf.memory().numTensors - before;
  const lossDecreased = losses[losses.length - 1] < losses[0];
  return {
    engine,
    losses,
    lossDecreased,
    reloadMaxDiff,
    leakedTensors,
    ok: lossDecreased && reloadMaxDiff === 0 && leakedTensors === 0,
  };
}
