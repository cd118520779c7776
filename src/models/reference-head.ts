import * as tf from '@tensorflow/tfjs';
import { L2Normalize } from './layers/l2-normalize.js';
import { batchNorm } from './layers/batch-norm.js';

/**
 * The benchmark head of the foundation issue, close to FECNet's head at a smaller input:
 * [B,12,12,512] → 1x1 conv 256 → one dense block of 5 bottleneck layers
 * (BN-ReLU-1x1 conv 4k-BN-ReLU-3x3 conv k, growth k = 32) → BN-ReLU → global average pool →
 * dense 512 → dense 16 → L2 normalise. It fixes what `npm run bench` measures, so that
 * training speed can be compared across backends and against PyTorch.
 */
export interface ReferenceHeadConfig {
  /** Input feature map [h, w, c]; default [12, 12, 512]. */
  inputShape?: [number, number, number];
  /** Layers in the dense block; default 5. */
  layers?: number;
  /** Growth rate k; default 32. */
  growth?: number;
  /** Embedding size; default 16. */
  embeddingSize?: number;
  seed?: number;
}

export function createReferenceHead(config: ReferenceHeadConfig = {}): tf.LayersModel {
  const inputShape = config.inputShape ?? [12, 12, 512];
  const nLayers = config.layers ?? 5;
  const k = config.growth ?? 32;
  const seed = config.seed ?? 1;
  let s = seed;
  const init = () => tf.initializers.heNormal({ seed: s++ });

  const input = tf.input({ shape: inputShape, name: 'features' });
  let x = tf.layers
    .conv2d({
      filters: 256,
      kernelSize: 1,
      useBias: false,
      kernelInitializer: init(),
      name: 'stem',
    })
    .apply(input) as tf.SymbolicTensor;
  for (let i = 0; i < nLayers; i++) {
    let y = batchNorm({ name: `b${i}_bn1` }).apply(x) as tf.SymbolicTensor;
    y = tf.layers.reLU().apply(y) as tf.SymbolicTensor;
    y = tf.layers
      .conv2d({
        filters: 4 * k,
        kernelSize: 1,
        useBias: false,
        kernelInitializer: init(),
        name: `b${i}_conv1`,
      })
      .apply(y) as tf.SymbolicTensor;
    y = batchNorm({ name: `b${i}_bn2` }).apply(y) as tf.SymbolicTensor;
    y = tf.layers.reLU().apply(y) as tf.SymbolicTensor;
    y = tf.layers
      .conv2d({
        filters: k,
        kernelSize: 3,
        padding: 'same',
        useBias: false,
        kernelInitializer: init(),
        name: `b${i}_conv3`,
      })
      .apply(y) as tf.SymbolicTensor;
    x = tf.layers.concatenate({ axis: -1 }).apply([x, y]) as tf.SymbolicTensor;
  }
  x = batchNorm({ name: 'final_bn' }).apply(x) as tf.SymbolicTensor;
  x = tf.layers.reLU().apply(x) as tf.SymbolicTensor;
  x = tf.layers.globalAveragePooling2d({}).apply(x) as tf.SymbolicTensor;
  x = tf.layers
    .dense({ units: 512, activation: 'relu', kernelInitializer: init(), name: 'fc1' })
    .apply(x) as tf.SymbolicTensor;
  x = tf.layers
    .dense({ units: config.embeddingSize ?? 16, kernelInitializer: init(), name: 'fc2' })
    .apply(x) as tf.SymbolicTensor;
  const out = new L2Normalize({ name: 'l2norm' }).apply(x) as tf.SymbolicTensor;
  return tf.model({ inputs: input, outputs: out, name: 'reference_head' });
}
