import * as tf from '@tensorflow/tfjs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { initEngine, type EngineConfig, type EngineInfo } from '../engine/backend.js';
import { fileIO } from '../engine/file-io.js';
import { createReferenceHead } from '../models/reference-head.js';
import { encodeImage, imageToTensor, readImage } from '../image/index.js';
import { trainStep } from '../train/train-step.js';
import type { ProgressCallback } from '../core/progress.js';

export interface SelfCheckResult {
  engine: EngineInfo;
  /** A PNG encoded and decoded again gave back the same pixels and a [h, w, 3] tensor. */
  imageRoundTrip: boolean;
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
  const imageRoundTrip = await checkImageRoundTrip();
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
    imageRoundTrip,
    losses,
    lossDecreased,
    reloadMaxDiff,
    leakedTensors,
    ok: imageRoundTrip && lossDecreased && reloadMaxDiff === 0 && leakedTensors === 0,
  };
}

/** Encode a small gradient as PNG with sharp, decode it, and compare pixels and tensor shape. */
async function checkImageRoundTrip(): Promise<boolean> {
  const width = 8;
  const height = 6;
  const data = new Uint8Array(width * height * 3).map((_, i) => (i * 7) % 256);
  const png = await encodeImage({ data, width, height, channels: 3 }, 'png');
  const img = await readImage(png);
  const t = imageToTensor(img);
  const ok =
    img.width === width &&
    img.height === height &&
    img.data.every((v, i) => v === data[i]) &&
    t.shape.join() === [height, width, 3].join();
  t.dispose();
  return ok;
}
