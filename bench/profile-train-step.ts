/**
 * Where a training step of the reference head spends its time, per kernel (tf.profile).
 * Kernels that call other kernels (our composite wasm kernels) include them, so the column
 * does not add up to the step time. A developer tool: `node --import tsx bench/profile-train-step.ts`.
 */
import * as tf from '@tensorflow/tfjs';
import { initEngine, createReferenceHead, trainStep } from '../src/index.js';

const engine = await initEngine();
const model = createReferenceHead({ seed: 1 });
const optimizer = tf.train.adam(1e-3);
const inputs = tf.randomNormal([96, 12, 12, 512], 0, 1, 'float32', 3);
trainStep(model, optimizer, { inputs, margins: 0.2 });
const start = performance.now();
trainStep(model, optimizer, { inputs, margins: 0.2 });
console.log(`${engine.backend}: one step ${((performance.now() - start) / 1000).toFixed(2)} s`);
const info = await tf.profile(() => {
  trainStep(model, optimizer, { inputs, margins: 0.2 });
});
const byKernel = new Map<string, { ms: number; n: number }>();
for (const k of info.kernels) {
  const ms = typeof k.kernelTimeMs === 'number' ? k.kernelTimeMs : 0;
  const e = byKernel.get(k.name) ?? { ms: 0, n: 0 };
  e.ms += ms;
  e.n++;
  byKernel.set(k.name, e);
}
for (const [name, v] of [...byKernel].sort((a, b) => b[1].ms - a[1].ms).slice(0, 20)) {
  console.log(`${name.padEnd(24)} ${v.ms.toFixed(0).padStart(6)} ms  x${v.n}`);
}
